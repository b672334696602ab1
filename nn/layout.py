"""How a network's graph is laid out when drawn: its layers, read from the labels nn gives its nodes.

What it is: `layout(root)` returns the keyword arguments `autograd.draw` and `autograd.explore` take
to group a network by layer — `groups` (each node → "layer 1 (inputs)", "layer 2", …,
"layer 3 (output)") and `columns` (per layer, its activations with the weights and biases of
Θ^(l) that leave them, in the order of the course's diagrams):

    draw(J, **nn.layout(J))
    explore(J, **nn.layout(J), params=net.parameters())

The labels are nn's: x_i, w_j,i^(l), b_j^(l), z_j^(l), a_j^(l), and J. A weight or bias of Θ^(l) is
drawn in layer l, the layer it leaves (its superscript, the "mailing label" of Jordan's post), next
to the activations it multiplies; so every layer's nodes sit together (x, Θ^(1) | z^(2), a^(2),
Θ^(2) | z^(3), a^(3)) and the layers side by side. An unlabelled node (a `*` or `+` inside an
elementary neuron, a constant) joins the layer of the node that uses it.

What it is not: part of `autograd`, which knows nothing of these labels (it draws any groups it is given).
"""

from __future__ import annotations

import re

from autograd import Value, topological_order

__all__ = ["layout"]

# nn's labels: x_2, w_2,1^(1), b_1^(1), z_1^(2), a_2^(3)
_LABEL = re.compile(r"(?P<base>[xwbza])_(?P<sub>[0-9]+(?:,[0-9]+)*)(?:\^\((?P<sup>[0-9]+)\))?")


def _parse(v: Value) -> tuple[str, tuple[int, ...], int] | None:
    """(letter, indices, layer) of an nn label, or None: x_2 → ("x", (2,), 1), w_2,1^(1) → ("w", (2, 1), 1)."""
    m = _LABEL.fullmatch(v.label) if isinstance(v.label, str) else None
    if not m or (m["sup"] is None) != (m["base"] == "x"):
        return None
    return m["base"], tuple(int(t) for t in m["sub"].split(",")), 1 if m["sup"] is None else int(m["sup"])


def layout(root: Value) -> dict:
    """`{"groups": {Value: layer name}, "columns": [[Value, …], …]}` for the graph below `root`, read
    from nn's labels; empty when no node carries a layer (not a network's graph)."""
    order = topological_order(root)
    parsed = {v: _parse(v) for v in order}
    layer_of: dict[Value, int | None] = {v: (p[2] if p else None) for v, p in parsed.items()}
    if not any(p and p[0] in "za" for p in parsed.values()):
        return {"groups": {}, "columns": []}
    # An unlabelled node joins the layer of the node that uses it; walking from the root, that node's
    # layer is already known.
    for v in reversed(order):
        for p in v.parents:
            if layer_of[p] is None and p.label is None:
                layer_of[p] = layer_of[v]
    layers = sorted({l for l in layer_of.values() if l is not None})

    def title(l: int) -> str:
        if len(layers) > 1 and l == layers[0] == 1:
            return f"layer {l} (inputs)"
        return f"layer {l} (output)" if len(layers) > 1 and l == layers[-1] else f"layer {l}"

    groups = {v: title(l) for v, l in layer_of.items() if l is not None}
    columns = []
    for l in layers:
        members = [(v, parsed[v]) for v in order if layer_of[v] == l and parsed[v]]
        params = [(v, p) for v, p in members if p[0] in "wb"]
        for base in ("a", "z", "x"):  # what leaves the layer: its activations (or inputs)
            outputs = sorted(((v, p) for v, p in members if p[0] == base), key=lambda vp: vp[1][1])
            if outputs:
                break
        # The weights into neuron j (w_j,i, then b_j) around the outputs, the first half's above them
        # and the second half's below, each next to the neuron it feeds.
        params.sort(key=lambda vp: (vp[1][1][0], vp[1][0] == "b", vp[1][1][1:]))
        half = max((p[1][0] for _, p in params), default=0) // 2
        above = [v for v, p in params if p[1][0] <= half]
        below = [v for v, p in params if p[1][0] > half]
        columns.append(above + [v for v, _ in outputs] + below)
    return {"groups": groups, "columns": columns}
