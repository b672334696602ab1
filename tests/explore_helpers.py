"""Helpers for the explorer page's tests: random expression graphs, and the engine's own backward order.

`engine_backward(root)` runs the real `backward()` and records, as it happens, each edge it
processes: `autograd.graph.backward` reads `zip` from its module's globals, so a recording `zip`
put there sees every (parent, local) pair it consumes, in order. That order is the reference the
page's steps are compared with — observed from the engine, not re-derived.
"""

from __future__ import annotations

import pytest
from hypothesis import strategies as st

import autograd.graph
from autograd import Value, topological_order, total, weighted_sum

__all__ = ["engine_backward", "expression_graphs"]


def engine_backward(root: Value) -> tuple[list[tuple[int, int]], list[float]]:
    """The engine's backward() from zero grads: the edges it processed, as (child, slot) indices into
    topological_order(root), in order, and every node's grad afterwards."""
    order = topological_order(root)
    index = {id(v): i for i, v in enumerate(order)}
    owner = {id(v.parents): v for v in order if v.parents}  # the parents tuple a zip() is given → its node
    assert len(owner) == sum(1 for v in order if v.parents), "two nodes share one parents tuple"
    record: list[tuple[int, int]] = []
    real_zip = zip

    def recording_zip(parents, local_grads):
        child = index[id(owner[id(parents)])]
        for slot, pair in enumerate(real_zip(parents, local_grads)):
            record.append((child, slot))
            yield pair

    for v in order:
        v.grad = 0.0
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(autograd.graph, "zip", recording_zip, raising=False)
        root.backward()
    assert record, "the recording zip saw nothing: backward() no longer zips parents with local_grads"
    return record, [v.grad for v in order]


_UNARY = ["tanh", "relu", "sigmoid", "neg", "square"]
_BINARY = ["+", "*", "-", "twice"]


@st.composite
def expression_graphs(draw, max_ops: int = 14) -> Value:
    """A random expression graph: a few labelled leaves, then ops on earlier nodes (so nodes are shared,
    diamonds and a + a appear), relu's that die (zero grads: nodes backward() skips), n-ary sums,
    weighted sums and constants. The root is the last op."""
    values = st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False)
    nodes = [Value(draw(values), label=f"x_{i + 1}") for i in range(draw(st.integers(1, 4)))]
    for k in range(draw(st.integers(1, max_ops))):
        pick = lambda: nodes[draw(st.integers(0, len(nodes) - 1))]  # noqa: E731
        kind = draw(st.sampled_from(_UNARY + _BINARY + ["total", "wsum", "const"]))
        if kind == "tanh":
            v = pick().tanh()
        elif kind == "relu":
            v = pick().relu()
        elif kind == "sigmoid":
            v = pick().sigmoid()
        elif kind == "neg":
            v = -pick()
        elif kind == "square":
            v = pick() ** 2
        elif kind == "+":
            v = pick() + pick()
        elif kind == "*":
            v = pick() * pick()
        elif kind == "-":
            v = pick() - pick()
        elif kind == "twice":
            a = pick()
            v = a + a  # one parent, two edges
        elif kind == "total":
            v = total([pick() for _ in range(draw(st.integers(1, 4)))])
        elif kind == "wsum":
            m = draw(st.integers(1, 3))
            v = weighted_sum(
                [pick() for _ in range(m)], [pick() for _ in range(m)], pick() if draw(st.booleans()) else None
            )
        else:
            v = pick() * draw(values)  # a constant leaf, unlabelled
        if draw(st.booleans()):
            v.label = f"h_{k + 1}"
        nodes.append(v)
    return nodes[-1]
