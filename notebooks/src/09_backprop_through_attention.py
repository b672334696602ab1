CELLS = [
("md", r"""
# 9 · Backprop through attention

Karpathy's microgpt (February 2026) trains a GPT — token and position embeddings, RMSNorm, causal
multi-head self-attention, an MLP, a softmax over the next character — on a scalar engine whose
nodes store their local derivatives as numbers: chainrule's design. `nn.GPT` is that transformer
on chainrule, with one node per quantity a textbook names: a dot product is one node (like an
MLP's $z$), RMSNorm one node per output, the attention softmax one node per weight $\alpha$, the
loss one node $J$.

This notebook follows the chain rule through one attention head: the graph, the same backward pass
in matrix form ($\delta S$, $\delta Q$, $\delta K$, $\delta V$ written out in NumPy), the attention
maps of a trained model, and the three-way check against central differences.
"""),
("code", r"""
%matplotlib inline
import numpy as np

import nn
from autograd import draw, topological_order
from nn import gpt_matrix
from nn.gpt_draw import TINY_DOCUMENT, attention_map, tiny_gpt

model = tiny_gpt(seed=0)                       # 4 tokens ('a', 'e', 'n', BOS), n_embd 4, 1 head, block 2
tokens = model.tokens(TINY_DOCUMENT)           # [BOS, a, n]: 2 positions, predicting a then n
trace = model.forward(tokens, mode="folded", groups=True)
J = trace.loss
J.backward()
print(model, " tokens", tokens, f" J = {J.data:.6f}")
print("nodes:", len(topological_order(J)), "folded (weights as constants),",
      len(topological_order(model.loss(tokens))), "fused with the weights as leaves,",
      len(topological_order(model.loss(tokens, mode="elementary"))), "elementary (microgpt's own graph)")
"""),
("md", r"""
## The graph of one head

At position 2 the head computes $s_{2,u} = q_2 \cdot k_u$ for $u = 1, 2$, the weights
$\alpha_{2,u} = \mathrm{softmax}_u(s_{2,u}/\sqrt{d})$ (one node each: its parents are both scores,
its local derivatives a row of the softmax Jacobian $\alpha_t(\delta_{tu} - \alpha_u)/\sqrt d$), and
the output $o_2 = \sum_u \alpha_{2,u} v_u$, one $\Sigma wx$ node per channel. Drawn below: everything
$o_{2,1}$ depends on. The grads printed are $\partial J/\partial(\text{node})$ from the backward pass
of $J$ above.
"""),
("code", r"""
o21 = next(v for v in topological_order(J) if v.label == "o_2,1^(1)")
sub = topological_order(o21)
print(len(sub), "nodes below o_2,1:", sorted({v.label.split('_')[0] for v in sub if v.label}))
draw(o21, groups={v: trace.groups[v] for v in sub if v in trace.groups}, grads={v: v.grad for v in sub}, edge_labels=False)
"""),
("md", r"""
## The same backward pass as matrices

Over all $n$ positions at once (rows = positions), one head: $S = QK^\top/\sqrt d + M$ with $M = -\infty$
above the diagonal (the causal mask), $A = \mathrm{softmax}(S)$ row by row, $O = AV$. Given
$\delta O = \partial J/\partial O$:

$$\delta V = A^\top \delta O,\qquad \delta A = \delta O\, V^\top,\qquad
\delta S = A \odot \big(\delta A - \mathrm{rowsum}(\delta A \odot A)\big),\qquad
\delta Q = \delta S\, K/\sqrt d,\qquad \delta K = \delta S^\top Q/\sqrt d .$$

$\delta S$ is softmax's Jacobian-vector product: row $t$ of $\mathrm{diag}(\alpha) - \alpha\alpha^\top$
times $\delta A_t$, without forming the Jacobian. Masked entries have $A = 0$, so their $\delta S$ is
0: the future gets no gradient. Below, these five lines in NumPy, from the $Q, K, V$ and $\delta O$
the engine's graph holds, against the grads the engine's backward pass left on the $v$, $\alpha$, $s$
(times $\sqrt d$: the engine's $s$ is $q\cdot k$ before the division), $q$ and $k$ nodes.
"""),
("code", r"""
by_label = {v.label: v for v in topological_order(J) if v.label}
n, d = 2, 4
def matrix(name, data=True):
    return np.array([[(by_label[f"{name}_{t},{i}^(1)"].data if data else by_label[f"{name}_{t},{i}^(1)"].grad)
                      for i in range(1, d + 1)] for t in range(1, n + 1)])
Q, K, V, dO = matrix("q"), matrix("k"), matrix("v"), matrix("o", data=False)
A = np.array([[by_label[f"α_{t},{u}^(1.1)"].data if u <= t else 0.0 for u in (1, 2)] for t in (1, 2)])

dV = A.T @ dO
dA = dO @ V.T
dS = A * (dA - np.sum(dA * A, axis=1, keepdims=True))
dQ = dS @ K / np.sqrt(d)
dK = dS.T @ Q / np.sqrt(d)

engine = {
    "δV": matrix("v", data=False), "δQ": matrix("q", data=False), "δK": matrix("k", data=False),
    "δA": np.array([[by_label[f"α_{t},{u}^(1.1)"].grad if u <= t else dA[t - 1, u - 1] for u in (1, 2)] for t in (1, 2)]),
    "δS": np.array([[by_label[f"s_{t},{u}^(1.1)"].grad * np.sqrt(d) if u <= t else 0.0 for u in (1, 2)] for t in (1, 2)]),
}
for name, M in (("δV", dV), ("δA", dA), ("δS", dS), ("δQ", dQ), ("δK", dK)):
    print(f"{name}: max |matrix − engine| = {np.max(np.abs(M - engine[name])):.1e}")
print("δS =\n", dS.round(8) + 0.0, "\n(row 1, u = 2 is the masked future: 0)")
"""),
("md", r"""
The δV row of position 2 is $\alpha_{2,2}\,\delta o_2$ only, but position 1's is
$\alpha_{1,1}\,\delta o_1 + \alpha_{2,1}\,\delta o_2$: a key and value are used by every later
position, and backprop sums their contributions — in the graph, the two edges leaving $v_1$.

## Attention maps of a trained model

microgpt's model (n_embd 16, 4 heads, 4,192 parameters) trained for 300 steps on the 1990 US census
first names (`nn.names`: 5,163 names, not microgpt's 32,033). Each map is one head: row $t$ is where
position $t$ looks ($\alpha_{t,u}$ over the positions $u \le t$ so far).
"""),
("code", r"""
docs = nn.names.shuffled(nn.names.first_names(), 0)
gpt = nn.GPT.from_documents(docs, seed=0)
losses = nn.gpt.train(gpt, docs, 300)
print(f"loss: {np.mean(losses[:20]):.3f} over the first 20 steps, {np.mean(losses[-20:]):.3f} over the last 20")
print("samples:", ", ".join(gpt.generate(10, temperature=0.5, seed=0)))
attention_map(gpt, gpt.tokens("isabella"))
"""),
("md", r"""
## The cross-check

`nn.grader.gpt.check_gpt`: $\partial J/\partial W$ for every parameter matrix by the fused graph, by
the elementary graph (microgpt's own model code on chainrule's `Value`: every `*`, `+`, `exp` a node)
and by `nn.gpt_matrix`, whose backward pass is the matrix form above for every layer (it imports
nothing from the engine), and five-point central differences of the matrix $J$ in extended precision.
"""),
("code", r"""
from nn.grader.gpt import check_gpt

print(check_gpt(gpt, gpt.tokens("isabella")))
"""),
]
