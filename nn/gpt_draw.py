"""Pictures of a GPT: its computation graph (a tiny one), and its attention maps.

What it is: `tiny_gpt()` is the smallest GPT worth drawing — a vocabulary of 4 tokens (3 characters
and BOS), n_embd 4, one head, one layer, block_size 2 — and `graph(model, tokens)` draws its graph
after one backward pass, the weights folded into their nodes (mode "folded") so that what is left
is the activations: e, x, x̂, q, k, v, s, α, o, z, h, ℓ and J, each block in a cluster (embedding,
attention head, attention, MLP, logits and loss). `attention_map(model, tokens)` draws the α's of
every head as a positions × positions heatmap (row t: what position t attends to), and
`save_attention_map` writes it as a PNG, atomically.

What it is not: for big graphs. A GPT of microgpt's size makes ~1,300 nodes per document even
fused; `autograd.draw` refuses more than `max_nodes`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from autograd import draw
from autograd.files import write_atomically

from .gpt import GPT

__all__ = ["tiny_gpt", "TINY_DOCUMENT", "graph", "attention_map", "save_attention_map", "token_names"]

TINY_DOCUMENT = "ana"
"""The document the tiny graph is drawn on: [BOS, a, n, a, BOS] cut to block_size + 1 = 3 tokens, 2 positions."""


def tiny_gpt(seed: int = 0) -> GPT:
    """A GPT of 4 tokens ("aen" and BOS), n_embd 4, 1 head, 1 layer, block_size 2: 232 parameters."""
    return GPT(4, n_embd=4, n_head=1, n_layer=1, block_size=2, seed=seed, chars="aen")


def graph(
    model: GPT,
    tokens: Sequence[int],
    *,
    max_nodes: int = 200,
    rankdir: str = "LR",
    backward: bool = True,
    edge_labels: bool = False,
):
    """The folded graph of J on `tokens`, grouped by block, after one backward pass (a `graphviz.Digraph`).

    ValueError (from `autograd.draw`) when it has more than `max_nodes` nodes: the tiny GPT on
    2 positions has 183.
    """
    trace = model.forward(tokens, mode="folded", groups=True)
    if backward:
        trace.loss.backward()
    return draw(trace.loss, groups=trace.groups, max_nodes=max_nodes, rankdir=rankdir, edge_labels=edge_labels)


def token_names(model: GPT, tokens: Sequence[int]) -> list[str]:
    """How the tokens are shown on a map's axes: their characters, BOS as ⟨BOS⟩."""
    if model.chars is None:
        return ["⟨BOS⟩" if c == model.bos else str(c) for c in tokens]
    return ["⟨BOS⟩" if c == model.bos else model.chars[c] for c in tokens]


def attention_map(model: GPT, tokens: Sequence[int]):
    """A matplotlib Figure: one heatmap per layer and head, α_t,u with t (the query's position) down
    and u (the key's) across, the masked future blank. Needs matplotlib (no pyplot: no GUI backend)."""
    import numpy as np
    from matplotlib.figure import Figure

    A = np.array(model.attention(tokens))  # layer × head × n × n
    n = A.shape[-1]
    names = token_names(model, tokens[:n])
    fig = Figure(figsize=(2.2 * model.n_head + 1.2, 2.2 * model.n_layer + 0.9), dpi=110)
    axes = fig.subplots(model.n_layer, model.n_head, squeeze=False)
    mask = np.triu(np.ones((n, n), dtype=bool), k=1)
    for l in range(model.n_layer):
        for h in range(model.n_head):
            ax = axes[l][h]
            im = ax.imshow(np.ma.masked_array(A[l, h], mask), vmin=0.0, vmax=1.0, cmap="viridis")
            ax.set_title(f"layer {l + 1}, head {h + 1}", fontsize=9)
            ax.set_xticks(range(n), names, fontsize=8)
            ax.set_yticks(range(n), names, fontsize=8)
            if h == 0:
                ax.set_ylabel("query position t", fontsize=8)
            ax.set_xlabel("key position u", fontsize=8)
    doc = "".join(c for c in names if c != "⟨BOS⟩")
    fig.suptitle(f"attention weights α_t,u on {doc!r} (each row sums to 1; the future is masked)", fontsize=10)
    fig.colorbar(im, ax=axes, shrink=0.8, label="α")
    return fig


def save_attention_map(model: GPT, tokens: Sequence[int], path: str | os.PathLike) -> Path:
    """`attention_map` written to `path` as a PNG, atomically; returns the path."""
    fig = attention_map(model, tokens)
    return write_atomically(path, lambda f: fig.savefig(f, format="png", bbox_inches="tight"))
