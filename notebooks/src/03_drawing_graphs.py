CELLS = [
("md", r"""
# 3 · Drawing graphs

`autograd.draw(root)` returns a `graphviz.Digraph`: every `Value` is a box of two lines — its
name and its op, then its data and its grad — and every edge carries its local derivative
∂child/∂parent. A node without a label is named by its op and its place (`prod₁`, `sum₁`). In
Jupyter the graph shows inline; `autograd.save(graph, "file.svg")` writes SVG, PNG or PDF.
"""),
("code", r"""
from autograd import Value, draw, save
a = Value(2.0, label="a"); b = Value(-3.0, label="b")
c = a * b; c.label = "c"
d = (c + a).tanh(); d.label = "d"
draw(d)          # before backward(): the picture says the grads are not computed yet
"""),
("code", r"""
d.backward()
draw(d)
"""),
("md", r"""
## Elementary nodes versus neuron-level nodes

micrograd builds a neuron from elementary `*` and `+` nodes. chainrule can do the same
(`fused=False`), but by default a neuron's $z = b + \sum_i w_i x_i$ is ONE node whose local
derivatives are $(x_1,\dots,x_n, w_1,\dots,w_n, 1)$ — the graph of the diagrams in Jordan's post.
"""),
("code", r"""
import nn
from autograd import topological_order
for fused in (False, True):
    net = nn.MLP(2, [2, 2], activation="sigmoid", bias=False, init="debug", fused=fused)
    J = nn.mse([net([0.35, 0.9])], [[0.5, 0.1]])
    print(f"fused={fused}: {len(topological_order(J))} nodes")
net = nn.MLP(2, [2, 2], activation="sigmoid", bias=False, init="debug", fused=False)
J = nn.mse([net([0.35, 0.9])], [[0.5, 0.1]]); J.backward()
draw(J, **nn.layout(J))   # nn.layout: a box per layer, read from nn's labels (autograd knows nothing of them)
"""),
("code", r"""
net = nn.MLP(2, [2, 2], activation="sigmoid", bias=False, init="debug")
J = nn.mse([net([0.35, 0.9])], [[0.5, 0.1]]); J.backward()
draw(J, **nn.layout(J))
"""),
("md", r"""
## Highlighting the chain-rule paths of one parameter

`highlight=leaf` colours each path from the leaf to the loss (blue, then orange, as in Jordan's post)
and lists the path products in a legend; they sum to the leaf's grad.
"""),
("code", r"""
import tempfile
from pathlib import Path
w11 = net.layers[0].neurons[0].w[0]
g = draw(J, highlight=w11, **nn.layout(J))
with tempfile.TemporaryDirectory() as folder:     # a scratch folder, removed afterwards
    path = save(g, Path(folder) / "2-2-2-highlighted.svg")   # or .png, .pdf
    print(f"wrote {path.name}: {path.stat().st_size:,} bytes of SVG")
g
"""),
("md", r"""
## Stepping through backprop: the explorer page

A picture shows the grads after the fact. `autograd.explore(J)` makes a page on which to *watch*
the chain rule happen: the same boxes, laid out by dot left to right and top to bottom (the page
opens on the one that fits, "⇣ vertical" switches), and the backward pass goes one edge at a
time, in exactly the order `backward()` processes them, the grad travelling along the edge as
the update is written out (`∂J/∂w₁₁⁽¹⁾ += 0.35 × −0.001838 = −0.0006432`). Use → and ← (or the
buttons) to step and undo, space to play; drag to pan, the wheel to zoom. **Forward** fills in
the data node by node; **Paths** lights a clicked node's chain-rule paths with their products;
**Quiz** hides the grads for you to find. **What if**: click a leaf and type a new value — the
page recomputes both passes with the engine's formulas and marks what changed — or press
"gradient step" to move the parameters by −lr·grad and watch the loss go down. The address after
`#` keeps the state: "copy link" gives a link to it. It shows inline below (when the notebook's
outputs are trusted); `page.save("page.html")` writes the same page as one file for any browser.
"""),
("code", r"""
from autograd import explore
page = explore(J, params=net.parameters(), **nn.layout(J))   # params: what "gradient step" moves
print(page)
page
"""),
("md", r"""
A quiz to hand out: `explore(J, quiz=True)` writes a page whose file holds no grad but J's (the
page computes them from the local derivatives when it checks an answer), so the answers cannot be
read in its source.
"""),
("code", r"""
quiz = explore(J, quiz=True, **nn.layout(J))
print(quiz)
"""),
]
