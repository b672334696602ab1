"""Pictures of a GPT: its computation graph (a tiny one), its explorer page, and its attention maps.

What it is: `tiny_gpt()` is the smallest GPT worth drawing — a vocabulary of 4 tokens (3 characters
and BOS), n_embd 4, one head, one layer, block_size 2 — and `graph(model, tokens)` draws its graph
after one backward pass, the weights folded into their nodes (mode "folded") so that what is left
is the activations: e, x, x̂, q, k, v, s, α, o, a, z, h, m, ℓ and J. `explore_page(model,
tokens)` is the same graph on the explorer page (`autograd.explore`), to step through backward.

Both are laid out by `layout(root)`, read from nn.gpt's labels: one row of blocks per position —
embedding, attention head, MLP, each in a box of its own — then the logits of every position and J
in one box, "logits and loss"; inside a block, each kind of node in one column, in index order. So
the rows are linked only by attention (position 2's scores and outputs read position 1's k and v)
and by J. `attention_map(model, tokens)` draws the α's of every head as a positions × positions
heatmap (row t: what position t attends to), and `save_attention_map` writes it as a PNG, atomically.

What it is not: for big graphs. A GPT of microgpt's size makes ~1,300 nodes per document even
fused; `autograd.draw` refuses more than `max_nodes`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

from autograd import ExplorerPage, Value, draw, explore, topological_order
from autograd.explore import backward_steps
from autograd.files import write_atomically

from .gpt import GPT

__all__ = [
    "tiny_gpt",
    "TINY_DOCUMENT",
    "graph",
    "layout",
    "explore_page",
    "attention_start",
    "attention_map",
    "save_attention_map",
    "token_names",
]

TINY_DOCUMENT = "ana"
"""The document the tiny graph is drawn on: [BOS, a, n, a, BOS] cut to block_size + 1 = 3 tokens, 2 positions."""


def tiny_gpt(seed: int = 0) -> GPT:
    """A GPT of 4 tokens ("aen" and BOS), n_embd 4, 1 head, 1 layer, block_size 2: 232 parameters."""
    return GPT(4, n_embd=4, n_head=1, n_layer=1, block_size=2, seed=seed, chars="aen")


# nn.gpt's labels: e_t,i · x_t,i^(m) · x̂_t,i^(m) · q_t,i^(l) … · s_t,u^(l.h), α_t,u^(l.h) · ℓ_t,c
_LABEL = re.compile(r"(?P<base>[^_]+)_(?P<t>[0-9]+),(?P<i>[0-9]+)(?:\^\((?P<l>[0-9]+)(?:\.(?P<h>[0-9]+))?\))?")
_ATTENTION = ("q", "k", "v", "s", "α", "o", "a")  # a = Wo o, attention's output
_MLP = ("z", "h", "m")  # m = W2 h, the MLP's output
_COLUMN = {"q": "qkv", "k": "qkv", "v": "qkv"}  # q, k and v side by side: one column per position


def _block(base: str, sup: int | None) -> tuple[str, int] | None:
    """("embedding" | "attention" | "MLP" | "logits", layer) of a node of nn.gpt, from its label's letter and
    superscript; None for a label nn.gpt does not make."""
    if base == "e" or (base == "x" and sup == 0):
        return "embedding", 0
    if base == "ℓ":
        return "logits", 0
    if sup is None:
        return None
    if base in _ATTENTION:
        return "attention", sup
    if base in _MLP:
        return "MLP", sup
    if base == "x":  # x^(2l−1) after layer l's attention, x^(2l) after its MLP
        return ("attention", (sup + 1) // 2) if sup % 2 else ("MLP", sup // 2)
    if base == "x̂":  # x̂^(2l−2) before layer l's attention, x̂^(2l−1) before its MLP
        return ("attention", sup // 2 + 1) if sup % 2 == 0 else ("MLP", (sup + 1) // 2)
    return None


def layout(root: Value) -> dict:
    """`{"groups": {Value: block}, "columns": [[Value, …], …]}` for `autograd.draw` and `autograd.explore`:
    a GPT's graph (built by nn.gpt, whose labels it reads) as one row of blocks per position.

    Position t's blocks: "position t · embedding" (e, x^(0)), "position t · attention head" (x̂, q, k,
    v, s, α, o, a and the residual x after it; "layer l attention, H heads" when there are more
    layers or heads), "position t · MLP" (x̂, z, h, m, x); then one box, "logits and loss", for
    every position's ℓ and J. In a block, each kind of node is one column (q, k and v one column
    together), in index order. A node with no label of nn.gpt's (a weight, in mode "fused") joins
    the block of the node that uses it. Empty when no node carries such a label (not a GPT's graph).
    """
    order = topological_order(root)
    parsed = {v: _LABEL.fullmatch(v.label) if isinstance(v.label, str) else None for v in order}
    heads = {m["h"] for m in parsed.values() if m and m["h"]}
    layers = {m["l"] for m in parsed.values() if m and m["base"] == "a"}
    block_of: dict[Value, tuple | None] = {}
    columns: dict[tuple, list] = {}
    for v, m in parsed.items():
        found = _block(m["base"], None if m["l"] is None else int(m["l"])) if m else None
        if v is root or (found and found[0] == "logits"):
            block_of[v] = ("logits and loss",)
        else:
            block_of[v] = (int(m["t"]), *found) if found else None
        if found:
            key = (block_of[v], _COLUMN.get(m["base"], m["base"]), m["l"])
            place = (int(m["t"]), "qkv".find(m["base"]), int(m["h"] or 0), int(m["i"]))
            columns.setdefault(key, []).append((place, v))
    if not columns:
        return {"groups": {}, "columns": []}  # not a GPT's graph
    for v in reversed(order):  # a node without a block joins the block of its first user (known: users come later)
        for p in v.parents:
            if block_of[p] is None:
                block_of[p] = block_of[v]

    def name(block: tuple) -> str:
        if len(block) == 1:
            return block[0]
        t, what, l = block
        if what == "attention":
            what = "attention head" if len(heads) <= 1 else f"attention, {len(heads)} heads"
        if len(layers) > 1 and l:
            what = f"layer {l} {what}"
        return f"position {t} · {what}"

    groups = {v: name(b) for v, b in block_of.items() if b is not None}
    return {"groups": groups, "columns": [[v for _, v in sorted(c, key=lambda e: e[0])] for c in columns.values()]}


def graph(
    model: GPT,
    tokens: Sequence[int],
    *,
    max_nodes: int = 200,
    rankdir: str = "LR",
    backward: bool = True,
    edge_labels: bool = False,
):
    """The folded graph of J on `tokens`, a row of blocks per position (`layout`), after one backward
    pass (a `graphviz.Digraph`).

    ValueError (from `autograd.draw`) when it has more than `max_nodes` nodes: the tiny GPT on
    2 positions has 175.
    """
    J = model.loss(tokens, mode="folded")
    if backward:
        J.backward()
    return draw(J, max_nodes=max_nodes, rankdir=rankdir, edge_labels=edge_labels, **layout(J))


def explore_page(model: GPT, tokens: Sequence[int], *, max_nodes: int = 200, **options) -> ExplorerPage:
    """The explorer page of the folded graph of J on `tokens`, laid out as `graph` draws it (`layout`).

    The weights are folded into their nodes as constants (op Σwc), so the leaves are the embeddings
    e_t,i = Wte[c_t] + Wpe[t]: they are what the page's "gradient step" moves (params), by −lr·∂J/∂e,
    and what its what-if changes. options: `autograd.explore`'s (title, mode, rankdir, precision, …).
    """
    J = model.loss(tokens, mode="folded")
    embeddings = [v for v in topological_order(J) if not v.parents]
    options.setdefault("title", "∂J/∂· in a tiny GPT")  # short: the page's bar stays one row at 1280 px
    return explore(J, params=embeddings, max_nodes=max_nodes, **options, **layout(J))


def attention_start(root: Value) -> int:
    """The backward step (0-based, `backward()`'s order, as the explorer page counts them) at which the
    walk first leaves an attention head's output o: what comes next is the head's backward — o to α
    and v, α to s (a row of softmax's Jacobian), s to q and k. Open the page at
    `#mode=backward&step=N` to start there. ValueError if the graph has no o node."""
    order = topological_order(root)
    _, steps, _ = backward_steps(order)
    for k, (child, _slot) in enumerate(steps):
        m = _LABEL.fullmatch(order[child].label or "")
        if m and m["base"] == "o":
            return k
    raise ValueError("attention_start: the graph has no attention head's output o (labels o_t,i^(l))")


def token_names(model: GPT, tokens: Sequence[int]) -> list[str]:
    """How the tokens are shown on a map's axes: their characters, BOS as ⟨BOS⟩."""
    if model.chars is None:
        return ["⟨BOS⟩" if c == model.bos else str(c) for c in tokens]
    return ["⟨BOS⟩" if c == model.bos else model.chars[c] for c in tokens]


def attention_map(model: GPT, tokens: Sequence[int]):
    """A matplotlib Figure: one heatmap per layer and head, α_t,u with t (the query's position) down
    and u (the key's) across, the masked future blank. The panels share their axes: the tokens are
    written once down the left (⟨BOS⟩ clear of the panel before) and once along the bottom (⟨BOS⟩
    turned upright, clear of its neighbour). Needs matplotlib (no pyplot: no GUI backend)."""
    import numpy as np
    from matplotlib.figure import Figure

    A = np.array(model.attention(tokens))  # layer × head × n × n
    n = A.shape[-1]
    names = token_names(model, tokens[:n])
    fig = Figure(figsize=(1.9 * model.n_head + 1.6, 1.9 * model.n_layer + 1.2), dpi=110, layout="constrained")
    axes = fig.subplots(model.n_layer, model.n_head, squeeze=False, sharex=True, sharey=True)
    mask = np.triu(np.ones((n, n), dtype=bool), k=1)
    for l in range(model.n_layer):
        for h in range(model.n_head):
            ax = axes[l][h]
            im = ax.imshow(np.ma.masked_array(A[l, h], mask), vmin=0.0, vmax=1.0, cmap="viridis")
            ax.set_title(f"layer {l + 1}, head {h + 1}", fontsize=9)
            ax.set_xticks(range(n), names, fontsize=8)
            for label in ax.get_xticklabels():  # ⟨BOS⟩ upright would run into the next token's label
                label.set_rotation(90 if label.get_text() == "⟨BOS⟩" else 0)
            ax.set_yticks(range(n), names, fontsize=8)
            ax.tick_params(labelleft=h == 0, labelbottom=l == model.n_layer - 1)
    fig.supylabel("query position t", fontsize=8)
    fig.supxlabel("key position u", fontsize=8)
    doc = "".join(c for c in names if c != "⟨BOS⟩")
    fig.suptitle(f"attention weights α_t,u on {doc!r} (each row sums to 1; the future is masked)", fontsize=10)
    fig.colorbar(im, ax=axes, shrink=0.8, label="α")
    return fig


def save_attention_map(model: GPT, tokens: Sequence[int], path: str | os.PathLike) -> Path:
    """`attention_map` written to `path` as a PNG, atomically; returns the path."""
    fig = attention_map(model, tokens)
    return write_atomically(path, lambda f: fig.savefig(f, format="png", bbox_inches="tight"))
