"""Walking the graph: topological order and `backward()`, the chain rule applied edge by edge.

Each node stores ∂node/∂parent for each parent (value.py). The chain rule says ∂root/∂parent =
Σ over the nodes that use parent of ∂node/∂parent · ∂root/∂node: once every node that uses a parent
is done, its grad is complete. Walking in reverse topological order guarantees exactly that, so
`backward()` is one multiply-add per edge. The same derivative as a sum over every path leaf → root,
as Jordan's post writes it by hand, is in `paths.py` (`chain_paths`, `count_paths`).

Guards (guards.py) are one call each: a graph older than an optimizer step is refused, and inside
`detect_anomaly()` the walk runs step by step, each step checked (steps.py: the same loop as a
generator, which the explorer page and `autograd.grad` replay too).

What it is not: recursive (a loop with an explicit stack: a 10⁶-deep chain works), nor dependent
on the `Value` class (it reads the nodes' fields).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from .collector import backward_done
from .guards import anomaly_mode_enabled, backward_checked, check_fresh

if TYPE_CHECKING:
    from .value import Value

__all__ = ["topological_order", "backward", "zero_grad"]


def topological_order(root: Value) -> list[Value]:
    """Every node `root` depends on (itself included), each after all of its parents: the order of the
    recursive walk `visit(node): visit each unseen parent in order; append node`, the same every run."""
    return _walk(root)[0]


def _walk(root: Value, reset: bool = False) -> tuple[list[Value], set[Value]]:
    """`topological_order(root)` and the set of its nodes; with `reset`, each interior node's grad
    is set to 0.0 as it joins `order` (backward's first step, in the same pass)."""
    order: list[Value] = []
    seen: set[Value] = set()
    # Nodes still to visit, the next one on top. A None on the stack stands just above a node whose
    # parents are being visited: when the None is back on top, they are all in `order`.
    stack: list[Value | None] = [root]
    push, pop, emit, mark = stack.append, stack.pop, order.append, seen.add
    while stack:
        node = pop()
        if node is None:
            node = pop()  # the node under the None: all of its parents are in `order` now
        elif node in seen:
            continue  # reached twice: it is already in `order`
        else:
            mark(node)
            # Invariant: a seen parent is already in `order` (waiting under a None, it would depend
            # on `node`: a cycle). So when every parent was seen, node may follow them at once;
            # else node goes back under a None, its unseen parents above (the last branch; the
            # first two are the same, written out for two parents and for one: faster).
            parents = node.parents
            if len(parents) == 2:
                a, b = parents
                if a not in seen or b not in seen:
                    push(node)
                    push(None)
                    if b not in seen:
                        push(b)
                    if a not in seen:  # pushed last: visited first
                        push(a)
                    continue
            elif len(parents) == 1:  # (relu, exp, …)
                if parents[0] not in seen:
                    push(node)
                    push(None)
                    push(parents[0])
                    continue
            elif not seen.issuperset(parents):
                push(node)
                push(None)
                for p in reversed(parents):  # reversed: the first parent is visited first
                    if p not in seen:
                        push(p)
                continue
        # here every parent of node is in `order`: node follows them
        if reset and node.parents:
            node.grad = 0.0
        emit(node)
    return order, seen


def backward(root: Value) -> None:
    """Set `node.grad = ∂root/∂node` for every node below `root`.

    Interior nodes (results of ops) are reset first, so calling backward twice gives the same
    grads; leaves (inputs and parameters) accumulate across calls, as in PyTorch: zero them
    between steps with `zero_grad`.

    0 · x = 0 for every x, inf and NaN included (a "strong zero"): an edge whose local derivative
    is 0, or whose upstream grad ∂root/∂node is 0, passes nothing on (√((x − x)²) has slope 0, not
    NaN), in `autograd.grad` too; `detect_anomaly()` names each edge where it met inf or NaN.

    Raises `StaleGraphError` (before passing any grad on: the leaves' grads are as they were) when
    an optimizer step or `load_weights` changed a parameter after the graph was built; in
    `detect_anomaly()`, `AnomalyError` (the edge).
    """
    order, nodes = _walk(root, reset=True)  # interior nodes' grads are 0.0 from here
    check_fresh(order, nodes)  # StaleGraphError if a parameter changed after the graph was built
    del nodes
    if anomaly_mode_enabled():
        backward_checked(order)  # the same walk, each step checked (steps.py)
        return backward_done(order)
    root.grad += 1.0  # ∂root/∂root; a leaf root accumulates like any leaf
    # Reverse topological order: when a node is reached, every node that uses it is done,
    # so node.grad is complete and can be passed on to its parents.
    for node in reversed(order):
        g = node.grad
        if g == 0.0 or not node.parents:
            continue  # nothing to pass on (a leaf has no parents; 0 · x = 0)
        if len(node.parents) == 2:  # the loop below, written out for two parents (most nodes): faster
            (a, b), (da, db) = node.parents, node.local_grads
            if da:  # 0 · x = 0
                a.grad += da * g  # ∂root/∂a += ∂node/∂a · ∂root/∂node
            if db:
                b.grad += db * g
            continue
        for parent, local in zip(node.parents, node.local_grads):
            if local:  # 0 · x = 0, also for an infinite upstream grad
                parent.grad += local * g  # ∂root/∂parent += ∂node/∂parent · ∂root/∂node
    backward_done(order)  # collector.py: the cyclic collector's policy while graphs are alive


def zero_grad(values: Iterable[Value]) -> None:
    """Set `grad = 0.0` on each of `values` (typically a model's parameters)."""
    for v in values:
        v.grad = 0.0
