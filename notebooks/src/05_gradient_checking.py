CELLS = [
("md", r"""
# 5 · Gradient checking

Three independent ways to get the same gradient:

1. the scalar engine: `backward()` over the graph of Values;
2. the matrix implementation `nn.matrix`: the course's vectorized backprop in NumPy, which
   imports nothing from the engine;
3. central differences $\frac{J(\theta+\varepsilon)-J(\theta-\varepsilon)}{2\varepsilon}$.

## The course's check

A 3-5-3 network, m = 5, the deterministic `sin` initialization, λ = 0 and λ = 3. The course
expects a relative difference $\lVert num - grad\rVert / \lVert num + grad\rVert$ below 1e-9.
"""),
("code", r"""
import numpy as np
import nn
from nn import matrix

for lam in (0.0, 3.0):
    res = nn.crosscheck.course_check(lam=lam)
    print(res)
"""),
("md", r"""
## The three-way cross-check

For any network, `nn.crosscheck.cross_check` compares per layer the engine's gradients with the
matrix implementation's (they must agree to 1e-9) and both with numerical gradients (1e-7), and
the δ's of every layer (the grads of the engine's `z` nodes against the matrix δ's).
The same is on the command line: `chainrule check --sizes 3,5,3`.
"""),
("code", r"""
report = nn.crosscheck.cross_check([2, 4, 3, 2], activation="tanh", loss="mse", lam=1.0, m=7, seed=0)
print(report)
assert report.ok
"""),
("md", r"""
A deliberately wrong gradient is caught: perturb one entry of the matrix gradient by 1e-6 and
the verdict fails — the rows that involve it are marked FAIL.
"""),
("code", r"""
from nn import crosscheck
mlp = nn.MLP(3, [4, 2], "tanh", seed=0)
X, Y = crosscheck.sample_batch(mlp.sizes, "mse", 5, seed=0)
thetas = nn.thetas_from_mlp(mlp)
res = matrix.backprop(thetas, X, Y, "tanh", loss="mse")
_, engine, deltas = crosscheck.engine_backprop(mlp, X, Y, "mse", 0.0)
numeric = matrix.numerical_gradients(thetas, X, Y, eps=1e-5, activation="tanh", loss="mse")
wrong = [g.copy() for g in res.gradients]
wrong[0][1, 2] += 1e-6
bad = crosscheck.make_report("a perturbed matrix gradient", engine, wrong, numeric, deltas, res.deltas)
print(bad)
assert not bad.ok
"""),
("md", r"""
## Where central differences mislead: kinks

At a kink (relu at 0) the engine uses the subgradient 0 while central differences measure the
secant, half the slope on either side:
"""),
("code", r"""
from autograd import Value, numerical_grad
x = Value(0.0)
y = x.relu(); y.backward()
print("backward():", x.grad, "  central difference:", numerical_grad(lambda: x.relu(), [x])[0])
"""),
]
