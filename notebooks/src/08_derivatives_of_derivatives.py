CELLS = [
("md", r"""
# 8 · Derivatives of derivatives

`backward()` leaves numbers in `.grad`: one float per node, the end of the story. To differentiate
a derivative again — for Newton's method, curvature, a Hessian — the derivative itself must be a
graph of Values. `autograd.grad(root, inputs, create_graph=True)` builds exactly that: the
backward pass written as Values.

It works from one table of rules (`autograd/ops.py`): each op object — what `node.op` is — carries
its local derivatives written once more, as Values built from the node's parents (`node.op.rule`). A node still stores them as floats
(`local_grads`), so `backward()` and training are exactly as fast as before; this is a second,
separate walk.
"""),
("code", r"""
from autograd import Value, grad, hessian, hvp, local_grads_as_values
from autograd.ops import KINDS

t = Value(0.5).tanh()
print("stored on the node (floats):", t.local_grads)
(d,) = local_grads_as_values(t)          # the rule for tanh: 1 − t·t, as a Value
print("the rule's Value:", d, " same number:", d.data == t.local_grads[0])
print("t.op is", repr(str(t.op)), "of type", type(t.op).__name__)
print("ops with a rule:", " ".join(KINDS))
"""),
("md", r"""
## f, f′, f″, f‴

Each `grad(..., create_graph=True)` gives a Value that can be differentiated again. For
$f(x) = x^3$ at $x = 2$: $f' = 3x^2 = 12$, $f'' = 6x = 12$, $f''' = 6$. `grad` never touches
`.grad`; its results are named after what they are.
"""),
("code", r"""
x = Value(2.0, label="x")
f = x ** 3; f.label = "f"
(d1,) = grad(f, [x], create_graph=True)
(d2,) = grad(d1, [x], create_graph=True)
(d3,) = grad(d2, [x])
for d in (d1, d2, d3):
    print(f"{d.label:22} = {d.data}")
print("x.grad is still", x.grad)
"""),
("md", r"""
## The graph of a gradient

One sigmoid neuron, $z = wx + b$, $a = \sigma(z)$, $J = \tfrac12(a - y)^2$. Backprop says
$\partial J/\partial w = (a - y)\,\sigma(z)(1 - \sigma(z))\,x$ — the course's $\delta$ times the
input. With `create_graph=True` that formula *is* a graph, built from the forward graph's own
nodes: `a` appears in $a - y$ (from mse's rule, divided by $m = 1$) and in $a\,\sigma(-z)$
(sigmoid's rule: $\sigma(1 - \sigma)$ written as $\sigma(z)\,\sigma(-z)$, the form that keeps every digit
where $1 - \sigma$ would cancel), and `x` multiplies the product (from the weighted sum's rule:
$\partial z/\partial w = x$).
Calling `backward()` on it fills in second derivatives: the grad of `w` in the picture is
$\partial^2 J/\partial w^2$.
"""),
("code", r"""
import nn
from autograd import draw, weighted_sum

w, x, b = Value(0.4, label="w"), Value(1.5, label="x"), Value(0.1, label="b")
z = weighted_sum([w], [x], b, label="z")
a = z.sigmoid(); a.label = "a"
J = nn.mse([[a]], [[1.0]])                  # one node, label J, with a rule: ∂J/∂a = (a − y)/m
(dJdw,) = grad(J, [w], create_graph=True)
print(dJdw, " = (a − y)·a(1 − a)·x =", (a.data - 1.0) * a.data * (1 - a.data) * x.data)
dJdw.backward()
print("∂²J/∂w² =", w.grad, " hessian() says", hessian(J, [w])[0][0])
draw(dJdw)
"""),
("md", r"""
## Newton's method in one dimension

Gradient descent steps $x \leftarrow x - \eta f'(x)$ with a step size $\eta$ you must choose;
Newton's method steps $x \leftarrow x - f'(x)/f''(x)$: it divides by the curvature instead. On
$f(x) = x^4 - 3x + 1$ from $x_0 = 2$, stopping when $|f'(x)| < 10^{-10}$:
"""),
("code", r"""
def f(x):
    return x**4 - 3 * x + 1

def newton_1d(x0, tol=1e-10, max_steps=100):
    xs = [x0]
    for _ in range(max_steps):
        v = Value(xs[-1])
        (d1,) = grad(f(v), [v], create_graph=True)   # f′ as a graph
        (d2,) = grad(d1, [v])                          # f″
        if abs(d1.data) < tol:
            break
        xs.append(xs[-1] - d1.data / d2.data)
    return xs

def descent_1d(x0, lr, tol=1e-10, max_steps=100_000):
    x = x0
    for step in range(max_steps):
        v = Value(x)
        f(v).backward()                                # the ordinary first-order engine
        if abs(v.grad) < tol:
            return step
        x -= lr * v.grad
        if abs(x) > 1e6:
            return "diverges"
    return f"not within {max_steps:,}"

xs = newton_1d(2.0)
exact = (3 / 4) ** (1 / 3)                             # f′ = 4x³ − 3 = 0
print(f"Newton: {len(xs) - 1} steps")
for k, xk in enumerate(xs):
    print(f"  x_{k} = {xk:.16f}   error {abs(xk - exact):.1e}")
for lr in (0.01, 0.05, 0.1, 0.15):
    steps = descent_1d(2.0, lr)
    print(f"gradient descent, η = {lr}: {steps:,} steps" if isinstance(steps, int) else f"gradient descent, η = {lr}: {steps}")
"""),
("md", r"""
Near the minimum Newton's error is squared at every step (2e-2, 4e-4, 2e-7, 5e-14: the correct
digits double). Gradient descent is only as good as its step size: η = 0.1 is close to the best
fixed step $1/f''(x^*) \approx 0.1$ — the very number Newton computes at every step — and one
step size larger diverges.

## Newton's method in two dimensions: Rosenbrock's valley

$f(x, y) = (1 - x)^2 + 100(y - x^2)^2$, minimum at $(1, 1)$ at the bottom of a long, curved,
narrow valley: the Hessian there has eigenvalues ≈ 1002 and 0.4. Newton solves $H\,\Delta = -\nabla f$
with the 2 × 2 Hessian from `hessian()`; gradient descent must keep η below $2/1002$ and then
crawls along the valley. Both from the classic start $(-1.2, 1)$, until $\lVert\nabla f\rVert < 10^{-6}$:
"""),
("code", r"""
import numpy as np

def rosenbrock(x, y):
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2

def newton_2d(p0, tol=1e-6, max_steps=100):
    path = [np.array(p0)]
    for _ in range(max_steps):
        x, y = Value(path[-1][0]), Value(path[-1][1])
        fx = rosenbrock(x, y)
        g = np.array([d.data for d in grad(fx, [x, y])])
        if np.linalg.norm(g) < tol:
            break
        H = np.array(hessian(fx, [x, y]))
        path.append(path[-1] - np.linalg.solve(H, g))
    return path

def descent_2d(p0, lr, tol=1e-6, max_steps=40_000):
    path = [np.array(p0)]
    for _ in range(max_steps):
        x, y = Value(path[-1][0]), Value(path[-1][1])
        rosenbrock(x, y).backward()
        g = np.array([x.grad, y.grad])
        if np.linalg.norm(g) < tol:
            break
        path.append(path[-1] - lr * g)
    return path

newton_path = newton_2d([-1.2, 1.0])
print(f"Newton: {len(newton_path) - 1} steps, ends at {newton_path[-1]}")
descent = {lr: descent_2d([-1.2, 1.0], lr) for lr in (0.001, 0.0015)}
for lr, path in descent.items():
    print(f"gradient descent, η = {lr}: {len(path) - 1:,} steps, ends at {path[-1]}")
at_min = [Value(1.0), Value(1.0)]
H_min = np.array(hessian(rosenbrock(*at_min), at_min))
print(f"Hessian at (1, 1): {H_min.tolist()}, eigenvalues", ", ".join(f"{e:.4g}" for e in np.linalg.eigvalsh(H_min)))
"""),
("code", r"""
%matplotlib inline
import matplotlib.pyplot as plt

xx, yy = np.meshgrid(np.linspace(-1.6, 1.6, 300), np.linspace(-0.6, 2.4, 300))
plt.figure(figsize=(7, 4.5))
plt.contour(xx, yy, np.log10(rosenbrock(xx, yy) + 1e-3), levels=20, cmap="Greys", linewidths=0.6)
gd = np.array(descent[0.0015])
plt.plot(gd[:, 0], gd[:, 1], ".", color="tab:orange", markersize=2,
         label=f"gradient descent, η = 0.0015 ({len(gd) - 1:,} steps)")
nw = np.array(newton_path)
plt.plot(nw[:, 0], nw[:, 1], "o-", color="tab:blue", label=f"Newton ({len(nw) - 1} steps)")
plt.plot([1], [1], "k*", markersize=12, label="minimum (1, 1)")
plt.xlim(-1.6, 1.6); plt.ylim(-0.6, 2.4)
plt.legend(loc="upper center"); plt.title("Rosenbrock: log₁₀ f, and the path of each method")
plt.show()
"""),
("md", r"""
Newton's second step jumps far out of the picture's valley (to $y \approx -3.2$) and is then
pulled straight back: pure Newton trusts the local quadratic completely. Practical versions add a
line search or a trust region; the point here is the count, and that the Hessian came from the
engine.

## The Hessian of a network's loss, and H·v without H

For a small network the full Hessian of its loss with respect to every parameter is cheap: one
`grad(create_graph=True)` and one float walk per parameter. It must agree with central differences
of `backward()`'s gradient, and be symmetric. For a larger one, `hvp(J, params, v)` gives the
product $H v$ in two walks without forming $H$.
"""),
("code", r"""
mlp = nn.MLP(2, [3, 1], activation="tanh", output_activation="sigmoid", seed=1)
X, Y = [[0.3, -0.7], [1.2, 0.4], [-0.5, 0.9]], [[1.0], [0.0], [1.0]]
params = mlp.parameters()

def loss():
    return nn.cross_entropy([mlp(xi) for xi in X], Y) + nn.l2(mlp, 0.5, len(X))

H = np.array(hessian(loss(), params))
eps, columns = 1e-5, []                     # central differences of backward()'s gradient
for p in params:
    grads = []
    for step in (eps, -2 * eps):
        p.data += step
        mlp.zero_grad(); loss().backward()
        grads.append(np.array([q.grad for q in params]))
    p.data += eps
    columns.append((grads[0] - grads[1]) / (2 * eps))
print(f"{len(params)} parameters: H is {H.shape[0]}×{H.shape[1]}")
print(f"max |H − central differences| = {np.abs(H - np.array(columns)).max():.1e}")
print(f"max |H − Hᵀ|                  = {np.abs(H - H.T).max():.1e}")
print("eigenvalues:", ", ".join(f"{e:.3f}" for e in np.linalg.eigvalsh(H)))
v = np.linspace(-1, 1, len(params))
print(f"max |hvp(J, params, v) − H·v| = {np.abs(np.array(hvp(loss(), params, list(v))) - H @ v).max():.1e}")
"""),
("md", r"""
Some eigenvalues are negative: at these (random, untrained) weights the loss curves *down* along
some directions — a saddle, not a bowl. A pure Newton step, which goes to the stationary point of
the local quadratic, would head for that saddle rather than downhill; that is why Newton's method
for networks is used with safeguards (damping, trust regions) or replaced by curvature-vector
products like `hvp` inside other methods.

## Custom ops, relu, and what has no second derivative

A custom op made with `Value.from_op` stores floats like any other; for derivatives of
derivatives it must also say how its local derivatives are built as Values, with `rule=`.
Without one, `grad(..., create_graph=True)` names the op and stops — even if the op is called
"tanh": a custom op never borrows a built-in's rule. (`nn`'s losses carry their rules.)

relu's derivative is a step (1 for x > 0, 0 otherwise, 0 at the kink as `backward()` uses), so
its second derivative is 0 everywhere, the kink included; the hinge loss likewise.
"""),
("code", r"""
x = Value(1.5)
cube = Value.from_op(x.data ** 3, (x,), (3 * x.data ** 2,), "cube",
                     rule=lambda node: (3 * node.parents[0] ** 2,))
print("d²/dx² x³ at 1.5 =", hessian(cube, [x])[0][0])

no_rule = Value.from_op(x.data ** 3, (x,), (3 * x.data ** 2,), "cube")
try:
    grad(no_rule, [x], create_graph=True)
except ValueError as e:
    print("ValueError:", e)

r = Value(0.0)
(dr,) = grad(r.relu(), [r], create_graph=True)
print("relu at its kink: first derivative", dr.data, "second", grad(dr, [r], allow_unused=True)[0].data)
"""),
]
