CELLS = [
("md", r"""
# 6 · Check your own backprop

The course's exercise has you write `nnCostFunction` — the cost $J$ and its gradient, unrolled —
and compare it with numerical gradients by eye: two columns of numbers and one relative
difference. When they disagree, nothing says *which* entry is wrong nor *why*.

`nn.grader.check_backprop` runs your function on small networks whose gradient chainrule knows
three ways (the matrix implementation, the scalar engine, central differences), at λ = 0 and
λ = 3, and reports

1. your cost against the reference;
2. per $\Theta^{(l)}$ the largest difference and the course's $\lVert a-b\rVert / \lVert a+b\rVert$;
3. the worst entries in the course's notation: $\Theta^{(2)}_{1,3}$ goes *to* neuron 1 of layer 3
   *from* neuron 3 of layer 2 (column 0 is the bias);
4. a diagnosis: which classic mistake gives exactly your numbers, and the line to fix.

Called here, in the notebook, it runs your function in a forked copy of this kernel: it sees
everything the notebook defined, and if it hangs, crashes, prints or calls `sys.exit`, the report
says so (the copy, and anything it started, ends with the check; nothing it changes comes back).
It is a convenience, not a security boundary: your code runs with your rights. Beside the
reference it differentiates *your own* cost ("your own cost's slope"), which tells a wrong
backprop from a cost that is another function. Here is a learner's `nnCostFunction` in the signature of the exercise's Python
port (`y` holds labels 0..K−1, the Θ's are unrolled row by row). It has a mistake.
"""),
("code", r"""
import numpy as np
from nn.grader import check_backprop, assert_backprop

def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))

def sigmoid_gradient(z):
    g = sigmoid(z)
    return g * (1.0 - g)

def nnCostFunction(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    n1 = hidden_layer_size * (input_layer_size + 1)
    Theta1 = nn_params[:n1].reshape(hidden_layer_size, input_layer_size + 1)
    Theta2 = nn_params[n1:].reshape(num_labels, hidden_layer_size + 1)
    m = X.shape[0]
    Y = np.eye(num_labels)[y]

    a1 = np.hstack([np.ones((m, 1)), X])
    z2 = a1 @ Theta1.T
    a2 = np.hstack([np.ones((m, 1)), sigmoid(z2)])
    a3 = sigmoid(a2 @ Theta2.T)

    J = -np.sum(Y * np.log(a3) + (1 - Y) * np.log(1 - a3)) / m
    J += lambda_ / (2 * m) * (np.sum(Theta1[:, 1:] ** 2) + np.sum(Theta2[:, 1:] ** 2))

    d3 = a3 - Y
    d2 = (d3 @ Theta2)[:, 1:] * sigmoid_gradient(a2[:, 1:])
    Theta1_grad = d2.T @ a1 / m
    Theta2_grad = d3.T @ a2 / m
    Theta1_grad[:, 1:] += lambda_ / m * Theta1[:, 1:]
    Theta2_grad[:, 1:] += lambda_ / m * Theta2[:, 1:]
    return J, np.concatenate([Theta1_grad.ravel(), Theta2_grad.ravel()])

report = check_backprop(nnCostFunction)
print(report)
"""),
("md", r"""
Reading it from the top: the cost is right at both λ's, so the forward pass is. $\Theta^{(2)}$'s
gradient is right, so $\delta^{(3)} = a^{(3)} - y$ is. Only $\Theta^{(1)}$ is wrong: the mistake
sits between $\delta^{(3)}$ and $\partial J/\partial\Theta^{(1)} = \delta^{(2)} (a^{(1)})^T$, that
is in $\delta^{(2)}$. The diagnosis names it: `sigmoid_gradient` was given $a^{(2)}$, the
sigmoid's *output*, where it takes $z^{(2)}$. (Jordan's post writes the factor as $f'(a)$,
meaning $a(1-a)$ — easy to misread.) The fix is one line:
"""),
("code", r"""
def nnCostFunction(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    n1 = hidden_layer_size * (input_layer_size + 1)
    Theta1 = nn_params[:n1].reshape(hidden_layer_size, input_layer_size + 1)
    Theta2 = nn_params[n1:].reshape(num_labels, hidden_layer_size + 1)
    m = X.shape[0]
    Y = np.eye(num_labels)[y]

    a1 = np.hstack([np.ones((m, 1)), X])
    z2 = a1 @ Theta1.T
    a2 = np.hstack([np.ones((m, 1)), sigmoid(z2)])
    a3 = sigmoid(a2 @ Theta2.T)

    J = -np.sum(Y * np.log(a3) + (1 - Y) * np.log(1 - a3)) / m
    J += lambda_ / (2 * m) * (np.sum(Theta1[:, 1:] ** 2) + np.sum(Theta2[:, 1:] ** 2))

    d3 = a3 - Y
    d2 = (d3 @ Theta2)[:, 1:] * sigmoid_gradient(z2)      # z2, not a2
    Theta1_grad = d2.T @ a1 / m
    Theta2_grad = d3.T @ a2 / m
    Theta1_grad[:, 1:] += lambda_ / m * Theta1[:, 1:]
    Theta2_grad[:, 1:] += lambda_ / m * Theta2[:, 1:]
    return J, np.concatenate([Theta1_grad.ravel(), Theta2_grad.ravel()])

report = check_backprop(nnCostFunction)
print(report)
assert report.ok
"""),
("md", r"""
## Why λ > 0 as well

Some mistakes live only in the regularization: with λ = 0 they cannot show. Penalizing the bias
column in the gradient is one: checked at λ = 0 alone it passes; the default λ = 0 and 3 catches
it, and the worst entries are all in column 0.
"""),
("code", r"""
def bias_penalized(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    J, grad = nnCostFunction(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_)
    m, n1 = X.shape[0], hidden_layer_size * (input_layer_size + 1)
    grad = grad.copy()
    grad[:n1:input_layer_size + 1] += lambda_ / m * nn_params[:n1:input_layer_size + 1]   # Θ^(1)'s column 0
    grad[n1::hidden_layer_size + 1] += lambda_ / m * nn_params[n1::hidden_layer_size + 1]  # Θ^(2)'s column 0
    return J, grad

print("λ = 0 only:", check_backprop(bias_penalized, lams=[0.0]).ok)
report = check_backprop(bias_penalized)
print(report)
"""),
("md", r"""
## In your own tests, and on the command line

`assert_backprop(fn, …)` raises an `AssertionError` carrying the whole report, so a test of
yours can be one line:

```python
def test_my_backprop():
    assert_backprop(nnCostFunction)
```

The same check from a shell, on a notebook or a file (in a child process of chainrule's
interpreter or, with `--python`, of yours; exit code 0 RIGHT, 1 WRONG, 3 NOT CHECKED — nothing
could be compared, and the report says what to do — and 2 for a bad path or option):

```sh
chainrule check --function exercise4.ipynb:nnCostFunction    # your notebook: its imports and definitions
chainrule check --function ex4.py:nnCostFunction             # the port: row-major, y in 0..K−1
chainrule check --function ex4.py:nnCostFunction --order F   # MATLAB-style column-major unrolling
chainrule check --function ex4.py:nnCostFunction --labels 1  # y in 1..K
chainrule check --function mine.py:cost --sizes 4,5,4,3      # cost(theta, sizes, X, Y, lam), any depth
chainrule check --function mine.py:cost1 --sizes 3,5,3       # cost1(theta): a closure over your own data
```

Other signatures: `f(theta, sizes, X, Y, lam) → (J, grad)` for any depth (the arguments
`scipy.optimize.minimize(f, theta0, args=(sizes, X, Y, lam), jac=True)` passes) and
`f(thetas, X, Y, lam) → (J, grads)` with lists of matrices. A one-parameter `f(theta)` that
captures your own X, y and λ is checked against central differences of *its own* cost (2n + 1
calls, at θ from the course's random initialization for `--sizes`): chainrule has not your data,
so it names the wrong entries but not the mistake — pass the data as arguments for that.
The project's `tests/learners/` holds one implementation per classic mistake, each diagnosed as
what it is.
"""),
("code", r"""
try:
    assert_backprop(bias_penalized, lams=[0.0, 1.0])
except AssertionError as exc:
    lines = str(exc).strip().splitlines()
    print(f"AssertionError, {len(lines)} lines of report, among them:")
    print("\n".join(l for l in lines if l.startswith(("λ = 1", "diagnosis", "  •", "verdict"))))
"""),
]
