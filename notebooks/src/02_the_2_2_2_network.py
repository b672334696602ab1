CELLS = [
("md", r"""
# 2 · The 2-2-2 network: 52 chain-rule terms, δ's, and the matrix form

The second example of Jordan's post: two inputs, two hidden neurons, two outputs, sigmoid activations, no
biases, the mean squared error $J = \frac{1}{2m}\sum_k (a^{(3)}_k - y_k)^2$. Weights are read
like a mailing label: $\theta^{(l)}_{ji}$ goes *to* neuron $j$ of layer $l+1$ *from* neuron $i$ of
layer $l$; chainrule labels it `w_j,i^(l)`.

The post writes out all 8 partial derivatives as chains: each of the 4 layer-2 weights has one
chain of 3 factors, each of the 4 layer-1 weights has two chains (through $a^{(3)}_1$, the blue
path, and $a^{(3)}_2$, the orange one) of 5 factors: $4·3 + 4·2·5 = 52$ factors.
"""),
("code", r"""
import numpy as np
import nn
from autograd import chain_paths, count_paths, numerical_grad, compare

net = nn.example("2-2-2")        # sigmoid, no biases, the course's sin ("debug") weights
x, y = nn.EXAMPLE_DATA["2-2-2"]   # [0.35, 0.9] → [0.5, 0.1]
trace = net.trace(x)
J = nn.mse([trace.output], [y])
J.backward()
print(net)
for name, p in net.named_parameters():
    print(f"{name:26} {p.label:>10} = {p.data:+.6f}   ∂J/∂· = {p.grad:+.8f}")
"""),
("code", r"""
paths, factors = count_paths(J, net.parameters())
print(f"{paths} chain-rule paths with {factors} factors in all")
assert (paths, factors) == (12, 52)

w11 = net.layers[0].neurons[0].w[0]           # θ^(1)_11, the post's worked example
for colour, p in zip(["blue  ", "orange"], chain_paths(J, w11)):
    print(colour, p)
print("sum of the two products:", sum(p.product for p in chain_paths(J, w11)), "  grad:", w11.grad)
"""),
("md", r"""
The graph, with the two paths of $\theta^{(1)}_{11}$ in blue and orange as the post draws them, and
their products summed in the legend:
"""),
("code", r"""
from autograd import draw
draw(J, highlight=w11)
"""),
("md", r"""
## Backprop does the same with one multiply-add per edge

The path sum repeats work: both chains of $\theta^{(1)}_{11}$ share their last two factors, and the
number of paths grows exponentially with depth. Backprop stores the shared part once, as
$\delta^{(l)}_j = \partial J/\partial z^{(l)}_j$ — in the engine simply the grad of neuron $j$'s
`z` node — and visits each edge once:
"""),
("code", r"""
from autograd import topological_order
edges = sum(len(node.parents) for node in topological_order(J))
print(f"backward() visits {edges} edges; the path sums multiply {factors} factors")
for l, zs in enumerate(trace.z, start=2):
    print(f"δ^({l}) =", [f"{z.grad:+.8f}" for z in zs])
"""),
("md", r"""
## The same δ's and gradients as matrices

`nn.matrix` is the course's vectorized backprop, written in NumPy and importing nothing from the
engine: $\delta^{(L)} = \partial J/\partial a \odot g'(z^{(L)})$,
$\delta^{(l)} = (\Theta^{(l)})^T\delta^{(l+1)} \odot g'(z^{(l)})$ without the bias row,
$\partial J/\partial\Theta^{(l)} = \delta^{(l+1)}(a^{(l)})^T$. Column 0 of each Θ is the bias
(zero here: the network has none).
"""),
("code", r"""
thetas = nn.thetas_from_mlp(net)
res = nn.matrix.backprop(thetas, np.array([x]), np.array([y]), activation="sigmoid", loss="mse")
print("cost: matrix", res.cost, " engine", J.data)
for i, (d, zs) in enumerate(zip(res.deltas, trace.z)):
    engine = np.array([[z.grad for z in zs]])
    print(f"δ^({i+2}) matrix {d.ravel()}  engine {engine.ravel()}  max |diff| {np.abs(d - engine).max():.1e}")
    assert np.allclose(d, engine, rtol=0, atol=1e-15)
for i, (g, layer) in enumerate(zip(res.gradients, net.layers)):
    engine = np.array([[w.grad for w in n.w] for n in layer.neurons])
    print(f"∂J/∂Θ^({i+1}) (weight columns)\n{g[:, 1:]}")
    assert np.allclose(g[:, 1:], engine, rtol=0, atol=1e-15)
"""),
("md", r"""
## Sign slips in the source texts, checked numerically

The texts this project follows contain slips; the numerical gradient decides.

1. The Summary page ("Understanding backpropagation in neural networks", a summary of Andrew Ng's
   course) writes $\delta^{(4)}_1 = y - a^{(4)}_1$, and the summary of Jordan's post
   $\delta^{(L)} = \frac1m(y - a^{(L)})f'(a^{(L)})$. For $J = \frac{1}{2m}\sum (a-y)^2$ the output
   error is $\delta^{(L)} = \frac1m(a - y)\odot g'(z^{(L)})$.
2. The Summary page writes $\delta^{(3)}_1 = \Theta^{(3)}_{1,1}\delta^{(4)}_1$ and the course's
   Backpropagation Intuition notes
   $\delta^{(2)}_2 = \Theta^{(2)}_{12}\delta^{(3)}_1 + \Theta^{(2)}_{22}\delta^{(3)}_2$, leaving out
   the factor $g'(z^{(l)})$ (the course says this is the intuition "ignoring the sigmoid").
3. Jordan's post writes the factor as $f'(a^{(l)})$; it is $g'(z^{(l)})$, which for the sigmoid equals
   $a^{(l)}(1-a^{(l)})$ — so $f'(a)$ must be read as "the slope, written in terms of $a$".
"""),
("code", r"""
a3 = np.array([a.data for a in trace.a[-1]]); a2 = np.array([a.data for a in trace.a[0]])
Y = np.array(y); m = 1

def numerical_dz(layer, j, eps=1e-6):
    # ∂J/∂z_j of a layer by nudging z_j directly and redoing the rest of the forward pass
    W1 = np.array([[w.data for w in n.w] for n in net.layers[0].neurons])
    W2 = np.array([[w.data for w in n.w] for n in net.layers[1].neurons])
    sig = lambda t: 1 / (1 + np.exp(-t))
    def cost(dz):
        z2 = W1 @ np.array(x); z2 = z2 + (dz if layer == 2 else 0) * np.eye(2)[j]
        z3 = W2 @ sig(z2);     z3 = z3 + (dz if layer == 3 else 0) * np.eye(2)[j]
        return np.sum((sig(z3) - Y) ** 2) / (2 * m)
    return (cost(eps) - cost(-eps)) / (2 * eps)

num3 = np.array([numerical_dz(3, j) for j in range(2)])
num2 = np.array([numerical_dz(2, j) for j in range(2)])
right3 = (a3 - Y) / m * a3 * (1 - a3)
slip3 = (Y - a3) / m * a3 * (1 - a3)
W2 = np.array([[w.data for w in n.w] for n in net.layers[1].neurons])
right2 = (W2.T @ right3) * a2 * (1 - a2)
slip2 = W2.T @ right3                               # without g'(z)
print("δ^(3) numerical ", num3, "\n      (a − y)·g'", right3, "\n      (y − a)·g'", slip3)
print("δ^(2) numerical ", num2, "\n      Θᵀδ ⊙ g'  ", right2, "\n      Θᵀδ alone ", slip2)
assert np.allclose(num3, right3, atol=1e-9) and not np.allclose(num3, slip3, atol=1e-6)
assert np.allclose(num2, right2, atol=1e-9) and not np.allclose(num2, slip2, atol=1e-6)
"""),
("code", r"""
numeric = numerical_grad(lambda: nn.mse([net(x)], [y]), net.parameters())
print(compare([p.grad for p in net.parameters()], numeric))
"""),
]
