"""Helpers for the explorer page's tests: random expression graphs, and the engine's own backward order.

`engine_backward(root)` runs the real `backward()` and records, as it happens, every grad it
writes: for the call, each node's class is swapped for a subclass whose `grad` is a property that
logs each write. The edges backward() passes grads along are read off that log (an edge whose local
derivative is 0 writes nothing, so those come from the structure, between the observed ones), and
each write is checked to be the chain rule's: the parent's grad so far + local · the child's grad.
That order is the reference the page's steps are compared with — observed from the engine.

`programs()` draws a random graph as a recipe (`Program`) that can be built again with other leaf
values: the page's what-if changes a leaf, and the engine builds the changed graph from scratch to
compare with. Its ops are every kind of op the engine has, fed so that any leaf in [−2, 2] keeps
them in their domain (a log of x² + 0.5, a division by x² + 1).
"""

from __future__ import annotations

import math
from typing import NamedTuple

from hypothesis import strategies as st

from autograd import Value, fused, topological_order, total, weighted_sum

__all__ = ["engine_backward", "expression_graphs", "programs", "Program", "close"]


def engine_backward(root: Value) -> tuple[list[tuple[int, int]], list[float]]:
    """The engine's backward() from zero grads: the edges it processed, as (child, slot) indices into
    topological_order(root), in order, and every node's grad afterwards."""
    order = topological_order(root)
    index = {id(v): i for i, v in enumerate(order)}
    writes: list[tuple[int, float]] = []
    slot = Value.__dict__["grad"]  # the slot's descriptor

    class Recording(Value):  # the same layout (no new slots): a node's class can be swapped for it
        __slots__ = ()
        grad = property(slot.__get__, lambda self, g: (writes.append((index[id(self)], g)), slot.__set__(self, g)))

    classes = [type(v) for v in order]
    for v in order:
        v.grad = 0.0
        v.__class__ = Recording
    try:
        root.backward()
    finally:
        for v, cls in zip(order, classes):
            v.__class__ = cls
    grads = [v.grad for v in order]
    n = len(order)
    seed = writes.index((n - 1, 1.0))  # root.grad += 1.0; before it, the walk set interior grads to 0.0
    assert all(g == 0.0 for _, g in writes[:seed])
    # A node is processed when its grad (complete by then) is not 0 and it has parents: every slot of it
    # is an edge, and each slot whose local derivative is not 0 writes its parent's grad, in order.
    edges = [(c, k) for c in range(n - 1, -1, -1) if order[c].parents and grads[c] != 0.0
             for k in range(len(order[c].parents))]  # fmt: skip
    wrote = [(c, k) for c, k in edges if order[c].local_grads[k] != 0.0]
    targets = [index[id(order[c].parents[k])] for c, k in wrote]
    assert [i for i, _ in writes[seed + 1 :]] == targets, "backward() wrote grads off the edges' order"
    # and each write is the chain rule's: the parent's grad so far + local · the child's (complete) grad
    so_far = [0.0] * n
    so_far[-1] = 1.0
    for (c, k), (j, written) in zip(wrote, writes[seed + 1 :]):
        expected = so_far[j] + order[c].local_grads[k] * grads[c]
        assert written == expected or (written != written and expected != expected), (c, k, written, expected)
        so_far[j] = written
    return edges, grads


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


# ---------------------------------------------------------------- programs: graphs to build again with other leaves


def _positive(v: Value) -> Value:
    return v * v + 0.5  # > 0 for any leaf: log, sqrt, a base of ** with a Value exponent, a divisor


def _power(a: Value, n: float) -> Value:
    t = a.tanh()  # bounded: powers of powers do not overflow
    return t**n if n in (2.0, 3.0) else _positive(t) ** n


# name → (arity, build from the chosen nodes and the program's numbers)
_OPS = {
    "+": (2, lambda a, b, c: a + b),
    "-": (2, lambda a, b, c: a - b),
    "*": (2, lambda a, b, c: a * b),
    "/": (2, lambda a, b, c: a / (b * b + 1.0)),
    "**": (2, lambda a, b, c: _positive(a) ** b.tanh()),
    "**n": (1, lambda a, c: _power(a, [2.0, 3.0, -1.0, 0.5, 1.5][int(abs(c[0]) * 2.4) % 5])),
    "neg": (1, lambda a, c: -a),
    "exp": (1, lambda a, c: a.tanh().exp()),
    "log": (1, lambda a, c: _positive(a).log()),
    "sqrt": (1, lambda a, c: _positive(a).sqrt()),
    "abs": (1, lambda a, c: abs(a)),
    "tanh": (1, lambda a, c: a.tanh()),
    "sigmoid": (1, lambda a, c: a.sigmoid()),
    "relu": (1, lambda a, c: a.relu()),
    "softplus": (1, lambda a, c: a.softplus()),
    "log_sigmoid": (1, lambda a, c: a.log_sigmoid()),
    "clamp": (1, lambda a, c: a.clamp(-abs(c[0]), abs(c[1]))),
    "maximum": (2, lambda a, b, c: a.maximum(b)),
    "minimum": (2, lambda a, b, c: a.minimum(b)),
    "Σ": (3, lambda a, b, d, c: total([a, b, d])),
    "Σwx+b": (3, lambda a, b, d, c: weighted_sum([a, b], [d, a], d)),
    "Σwx": (3, lambda a, b, d, c: weighted_sum([a, b], [b, d])),
    "Σwc+b": (2, lambda a, b, c: fused.weighted_sum_of_constants([a, b], [c[0], c[1]], a)),
    "Σwc": (2, lambda a, b, c: fused.weighted_sum_of_constants([a, b], [c[0], c[1]])),
    "mse": (2, lambda a, b, c: fused.mse([a, b], [c[0], c[1]], 2)),
    "cross_entropy": (2, lambda a, b, c: fused.cross_entropy([a.sigmoid(), b.sigmoid()], [1.0, 0.0], 1)),
    "sigmoid_cross_entropy": (2, lambda a, b, c: fused.sigmoid_cross_entropy([a, b], [1.0, 0.3], 2)),
    "hinge": (2, lambda a, b, c: fused.hinge([a, b], [1.0, -1.0], 2)),
    "softmax_cross_entropy": (3, lambda a, b, d, c: fused.softmax_cross_entropy([a, b, d], [0.0, 1.0, 0.0], 1, 3)),
    "l2": (2, lambda a, b, c: fused.l2([a, b], 0.5 + abs(c[0]), 3)),
    "rmsnorm": (3, lambda a, b, d, c: fused.rmsnorm([a, b, d])[int(abs(c[0]) * 1.4) % 3]),
    "softmax": (3, lambda a, b, d, c: fused.softmax([a, b, d], divisor=1.5)[int(abs(c[1]) * 1.4) % 3]),
}
OP_NAMES = sorted(_OPS)


class Program(NamedTuple):
    """A graph as a recipe: its leaves' values, then ops on earlier nodes [(op, node indices, two numbers)]."""

    leaves: list[float]
    ops: list[tuple[str, tuple[int, ...], tuple[float, float]]]

    def build(self, leaves: list[float] | None = None) -> tuple[Value, list[Value]]:
        """(root, leaves): the graph made with these leaf values (default: the program's own)."""
        xs = [Value(x, label=f"x_{i + 1}") for i, x in enumerate(leaves or self.leaves)]
        nodes = list(xs)
        for name, picks, numbers in self.ops:
            arity, make = _OPS[name]
            nodes.append(make(*(nodes[k] for k in picks), numbers))
        return nodes[-1], xs


@st.composite
def programs(draw, max_ops: int = 10, ops: list[str] | None = None) -> Program:
    """A random program: 1–3 leaves in [−2, 2], then ops (of `ops`, default all) on earlier nodes; the
    root is the last."""
    values = st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False)
    leaves = [draw(values) for _ in range(draw(st.integers(1, 3)))]
    steps = []
    for k in range(draw(st.integers(1, max_ops))):
        name = draw(st.sampled_from(ops or OP_NAMES))
        arity = _OPS[name][0]
        picks = tuple(draw(st.integers(0, len(leaves) + k - 1)) for _ in range(arity))
        steps.append((name, picks, (draw(values), draw(values))))
    return Program(leaves, steps)


def close(a: float, b: float, rel: float = 1e-12) -> bool:
    """a and b equal to `rel` (NaN equals NaN; a last-bit floor of 1e-15 around 0, where a difference of
    JavaScript's and C's libm in an input's last bit may cancel down to)."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= rel * max(abs(a), abs(b)) + 1e-15
