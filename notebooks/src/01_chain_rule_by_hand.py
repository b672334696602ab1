CELLS = [
("md", r"""
# 1 · The chain rule by hand on the 1-1-1 network

Jordan's post ("Neural networks: training with backpropagation", Jeremy Jordan) starts with the
simplest network there is: one input, one hidden neuron, one output, no biases, sigmoid
activations and the squared error

$$z^{(2)} = \theta_1 x,\quad a^{(2)} = \sigma(z^{(2)}),\quad z^{(3)} = \theta_2 a^{(2)},\quad a^{(3)} = \sigma(z^{(3)}),\quad J = \tfrac12 (y - a^{(3)})^2 .$$

It writes each derivative as a *chain* of local derivatives:

$$\frac{\partial J}{\partial \theta_2} = \frac{\partial J}{\partial a^{(3)}}\,\frac{\partial a^{(3)}}{\partial z^{(3)}}\,\frac{\partial z^{(3)}}{\partial \theta_2},\qquad
\frac{\partial J}{\partial \theta_1} = \frac{\partial J}{\partial a^{(3)}}\,\frac{\partial a^{(3)}}{\partial z^{(3)}}\,\frac{\partial z^{(3)}}{\partial a^{(2)}}\,\frac{\partial a^{(2)}}{\partial z^{(2)}}\,\frac{\partial z^{(2)}}{\partial \theta_1}.$$

3 + 5 = **8 factors**. In chainrule every node stores exactly these local derivatives, so we can
check the hand-written chains factor by factor against `backward()`.
"""),
("code", r"""
from autograd import Value, weighted_sum, chain_paths, count_paths, numerical_grad

x, y = 1.5, 0.25                      # one training sample
x1 = Value(x, label="x_1")
t1 = Value(0.4, label="w_1,1^(1)")    # θ₁: to neuron 1 of layer 2, from neuron 1 of layer 1
t2 = Value(-0.7, label="w_1,1^(2)")   # θ₂

z2 = weighted_sum([t1], [x1], label="z_1^(2)")   # one node: z = θ₁x
a2 = z2.sigmoid(); a2.label = "a_1^(2)"
z3 = weighted_sum([t2], [a2], label="z_1^(3)")
a3 = z3.sigmoid(); a3.label = "a_1^(3)"
# the loss as ONE node whose local derivative is ∂J/∂a^(3) = a^(3) − y
J = Value.from_op(0.5 * (y - a3.data) ** 2, [a3], [a3.data - y], "½(y−a)²", label="J")

J.backward()
for v in (t1, t2, z2, a2, z3, a3, J):
    print(f"{v.label:>10}  data {v.data:+.6f}   grad {v.grad:+.6f}")
"""),
("md", r"""
## Each factor, computed by hand

The local derivatives are the textbook ones: $\partial J/\partial a^{(3)} = a^{(3)} - y$,
$\sigma'(z) = \sigma(z)(1-\sigma(z))$, $\partial z^{(3)}/\partial\theta_2 = a^{(2)}$,
$\partial z^{(3)}/\partial a^{(2)} = \theta_2$, $\partial z^{(2)}/\partial\theta_1 = x$.
(The engine computes $\sigma'$ as $e^{-|z|}/(1+e^{-|z|})^2$, which keeps every digit where
$\sigma(1-\sigma)$ would round away the small ones; the two can differ in the 16th digit, as the
last digit printed below may show.)
"""),
("code", r"""
A2, A3 = a2.data, a3.data
dJ_da3 = A3 - y
da3_dz3 = A3 * (1 - A3)
dz3_dt2 = A2
dz3_da2 = t2.data
da2_dz2 = A2 * (1 - A2)
dz2_dt1 = x

by_hand_t2 = dJ_da3 * da3_dz3 * dz3_dt2
by_hand_t1 = dJ_da3 * da3_dz3 * dz3_da2 * da2_dz2 * dz2_dt1
print(f"∂J/∂θ₂  by hand {by_hand_t2:+.15f}   backward() {t2.grad:+.15f}")
print(f"∂J/∂θ₁  by hand {by_hand_t1:+.15f}   backward() {t1.grad:+.15f}")
assert abs(by_hand_t2 - t2.grad) < 1e-15 and abs(by_hand_t1 - t1.grad) < 1e-15
"""),
("md", r"""
## The same chains, read off the graph

`chain_paths(J, leaf)` lists every path from a parameter to the loss with the local derivative
on each edge; the products sum to the parameter's grad. `count_paths` counts paths and factors
without listing them: here 2 paths (one per parameter) with **8 factors**, as in Jordan's post.
Each printed path names the nodes it runs through, then its factors and their product.
"""),
("code", r"""
for leaf in (t2, t1):
    for path in chain_paths(J, leaf):
        print(path)
print(count_paths(J, [t1, t2]))
assert count_paths(J, [t1, t2]) == (2, 8)
"""),
("md", r"""
## The picture

`autograd.draw` shows the same graph: each box a value with its data and grad, each edge the local
derivative it carries. `highlight=t1` colours θ₁'s path to the loss and lists its 5 factors in the
legend; their product is θ₁'s grad.
"""),
("code", r"""
from autograd import draw
draw(J, highlight=t1)
"""),
("md", r"""
## A sign slip in Jordan's post, settled numerically

The post's summary writes the output error as $\delta^{(L)} = \frac1m (y - a^{(L)}) f'(a^{(L)})$.
With $J = \frac12 (y - a)^2$ the derivative is $\partial J/\partial a = a - y$, not $y - a$. Central
differences decide which sign is right:
"""),
("code", r"""
def loss():
    h = (weighted_sum([t2], [weighted_sum([t1], [x1]).sigmoid()])).sigmoid()
    return 0.5 * (y - h.data) ** 2

numeric = numerical_grad(loss, [t2])[0]
with_a_minus_y = (A3 - y) * da3_dz3 * A2
with_y_minus_a = (y - A3) * da3_dz3 * A2
print(f"numerical         {numeric:+.10f}")
print(f"(a − y)·σ'·a^(2)  {with_a_minus_y:+.10f}   ← agrees")
print(f"(y − a)·σ'·a^(2)  {with_y_minus_a:+.10f}   ← the post's sign")
assert abs(numeric - with_a_minus_y) < 1e-9 and abs(numeric - with_y_minus_a) > 1e-3
"""),
("md", r"""
## The same network from `nn`

`nn.MLP` builds the same graph — one `z` and one `a` node per neuron, the loss as one node — with
the course's labels. Without biases and with `mse` as one node, the count is again 8.
"""),
("code", r"""
import nn

net = nn.MLP(1, [1, 1], activation="sigmoid", bias=False)
net.layers[0].neurons[0].w[0].data = 0.4
net.layers[1].neurons[0].w[0].data = -0.7
J_nn = nn.mse([net([x])], [[y]])
J_nn.backward()
print(net)
for name, p in net.named_parameters():
    print(f"{name:28} {p.label:>10}  grad {p.grad:+.15f}")
assert abs(J_nn.data - J.data) < 1e-15 and abs(net.layers[0].neurons[0].w[0].grad - t1.grad) < 1e-15
print(count_paths(J_nn, net.parameters()))
"""),
]
