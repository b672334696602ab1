"""`backward()` one step at a time: the same float operations as graph.py's loop, on a list of grads.

graph.py's `backward()` passes each node's grad on to its parents in one tight loop. Three tools need
to see each of those steps: the explorer page replays them one by one, anomaly mode checks each one
(guards.py), and `autograd.grad` runs them on a list instead of the nodes' `.grad` (higher.py).
`backward_walk` is that loop written as a generator: the same edges, in the same order, with the
same strong zero (an edge whose local derivative is 0 passes nothing on), so the floats agree to
the last bit (tests/test_graph.py checks it on random graphs).

What it is not: a second chain rule to keep in step by hand with graph.py's; it writes no node's
`.grad`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from .value import Value

__all__ = ["Step", "backward_walk"]


class Step(NamedTuple):
    """grads[parent] += local · upstream on the edge order[parent] → order[child] (the child's input
    number `slot`); `before`: the parent's grad before. A node passed over has slot −1."""

    child: int
    slot: int
    parent: int
    local: float
    upstream: float
    before: float


def backward_walk(order: list[Value], grads: list[float]) -> Iterator[Step]:
    """`backward()`'s float operations in its order over `order` (root last), on the list `grads`
    (grads[i] is order[i]'s) instead of the nodes' `.grad`, yielding each step: the explorer page
    replays them, anomaly mode checks them, `autograd.grad` reads `grads` when the walk ends."""
    index = {v: i for i, v in enumerate(order)}
    for i in range(len(order) - 1, -1, -1):
        node, g = order[i], grads[i]
        if g == 0.0 or not node.parents:
            yield Step(i, -1, -1, 0.0, g, 0.0)
            continue
        for slot, (parent, local) in enumerate(zip(node.parents, node.local_grads)):
            j = index[parent]
            before = grads[j]
            if local:
                grads[j] = before + local * g
            yield Step(i, slot, j, local, g, before)
