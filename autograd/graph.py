"""Walking the graph: topological order, backward, and the chain rule as a sum over paths.

What it is: the two views of one derivative. `backward()` does one multiply-add per edge, in
reverse topological order. `chain_paths()` writes the same derivative the way Jordan's post does by
hand, as a sum over every path leaf → root of the product of the local derivatives on it;
`count_paths()` counts those paths and their factors without listing them, to show how fast the
hand-written sum grows.

Two checks guard `backward()`, each costing one global lookup when it has nothing to do: a graph
built before an optimizer step changed its parameters is refused (`StaleGraphError`, see
`mark_changed`), and inside `detect_anomaly()` every multiply-add is checked for NaN and ±inf.

What it is not: recursive. Every walk here is a loop with an explicit stack, so a 10⁶-deep chain
works at Python's default recursion limit.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from .value import Value

__all__ = [
    "topological_order",
    "backward",
    "chain_paths",
    "count_paths",
    "Edge",
    "Path",
    "mark_changed",
    "StaleGraphError",
    "backward_steps",
]

_isfinite = math.isfinite


class StaleGraphError(RuntimeError):
    """`backward()` on a graph built before some of its parameters changed (see `mark_changed`)."""


def topological_order(root: Value) -> list[Value]:
    """Every node `root` depends on (itself included), each one after all of its parents.

    Depth-first, parents in the order the op stored them, so the order is the same on every run
    (it is the order of the recursive walk `visit(node): visit each unseen parent; append node`).
    """
    return _walk(root)[0]


def _walk(root: Value) -> tuple[list[Value], set[Value]]:
    """`topological_order(root)` and the set of its nodes."""
    order: list[Value] = []
    seen: set[Value] = set()
    # Nodes still to visit, the next one on top. A None on the stack stands just above a node whose
    # parents are being visited: when the None is back on top, they are all in `order`.
    # (Plain nodes and None rather than (node, iterator) pairs: the walk allocates nothing per
    # node, so the garbage collector stays quiet; backward through a 10⁶-deep chain: 2.2 → 1.2 s.)
    stack: list[Value | None] = [root]
    push, pop, emit, mark = stack.append, stack.pop, order.append, seen.add  # bound once: per-node calls
    while stack:
        node = pop()
        if node is None:
            emit(pop())  # the node under the None: all of its parents are in `order`
        elif node not in seen:  # (a node already seen was reached twice: it is already in `order`)
            mark(node)
            parents = node.parents
            # Invariant: a seen parent is already in `order` (it cannot be waiting under a None:
            # that would make it depend on `node`, a cycle). So when every parent has been seen,
            # node may follow them at once. set.issuperset checks them all in C: most of a
            # network's z nodes are finished this way (their weights and inputs were met first),
            # which takes ~20% off the walk of the moons network's graph.
            if seen.issuperset(parents):
                emit(node)
            else:
                push(node)
                push(None)
                for p in reversed(parents):  # reversed: the first parent is visited first
                    if p not in seen:
                        push(p)
    return order, seen


def backward(root: Value) -> None:
    """Set `node.grad = ∂root/∂node` for every node below `root`.

    Interior nodes (results of ops) are reset first, so calling backward twice gives the same
    grads; leaves (inputs and parameters) accumulate across calls, as in PyTorch: zero them
    between steps with `zero_grad`.

    A node whose grad is exactly 0 passes nothing on (0 × inf and 0 × NaN count as 0 there):
    no path from it reaches the root with a non-zero weight.

    Raises `StaleGraphError` (before touching any grad) when the graph was built before an
    optimizer step or `load_weights` changed one of its parameters; inside `detect_anomaly()`,
    `AnomalyError` at the first grad that becomes NaN or ±inf, naming the edge.
    """
    order, seen = _walk(root)
    if _changed:
        _check_fresh(order, seen)
    del seen  # (not kept alive through the loop below)
    if _value._anomaly_blocks and _value._anomaly_mode.get():
        _backward_checked(root, order)
        return
    for node in order:
        if node.parents:
            node.grad = 0.0
    root.grad += 1.0  # ∂root/∂root; a leaf root accumulates like any leaf
    # Reverse topological order: when a node is reached, every node that uses it is done,
    # so node.grad is complete and can be passed on to its parents.
    for node in reversed(order):
        g = node.grad
        if g == 0.0 or not node.parents:
            # Nothing to pass on: a zero grad (a dead relu, say) would add zeros, and a leaf has
            # no parents. Skipping leaves before zip() is called takes ~40% off the backward of a
            # 10⁵-term sum (one node with 10⁵ leaf parents).
            continue
        for parent, local in zip(node.parents, node.local_grads):
            parent.grad += local * g


def _backward_checked(root: Value, order: list[Value]) -> None:
    """`backward`'s loop in anomaly mode: the same floats, each multiply-add checked."""
    for node in order:
        if node.parents:
            node.grad = 0.0
    if not _isfinite(root.grad):
        raise _value.AnomalyError(
            f"backward: the root, {_value._node_words(root)}, already has grad {root.grad!r} "
            f"(a leaf accumulates across backward() calls: zero its grad first)"
        )
    root.grad += 1.0
    for node in reversed(order):
        g = node.grad
        if g == 0.0 or not node.parents:
            continue
        for parent, local in zip(node.parents, node.local_grads):
            before = parent.grad
            after = before + local * g
            if not _isfinite(after):
                raise _value.AnomalyError(_edge_anomaly(parent, node, local, g, before, after))
            parent.grad = after


def _edge_anomaly(parent: Value, child: Value, local: float, g: float, before: float, after: float) -> str:
    """Name the edge parent → child where a grad became NaN or ±inf, and say why."""
    term = local * g
    if not _isfinite(local):
        why = f"the local derivative ∂child/∂parent is {local!r}"
    elif not _isfinite(before):
        why = (
            f"the parent's grad was already {before!r} before this backward() "
            f"(leaves accumulate across calls: zero_grad() between them)"
        )
    elif not _isfinite(term):
        why = f"the product local derivative × upstream grad, {local!r} × {g!r}, overflows"
    else:
        why = f"adding {term!r} to the grad accumulated so far, {before!r}, overflows"
    return (
        f"backward: the grad of {_value._node_words(parent)} (data {parent.data!r}) became {after!r} "
        f"on the edge {_value._node_words(parent)} → {_value._node_words(child)}: {why}. "
        f"Edge: local derivative {local!r}, upstream grad ∂root/∂child = {g!r}, grad before {before!r}"
    )


# ---------------------------------------------------------------- stale graphs
#
# `forward; optimizer.step(); backward` would silently give the gradients of the old weights.
# Optimizers (and nn.load_weights) report the Values whose data they change with `mark_changed`:
# one dict assignment per step. `backward()` looks at its graph only when such a report is pending
# and the graph uses those Values, and then only at the few nodes nearest the root that multiply
# one of them: a `*` or weighted-sum node stores each factor's data of the time it was built (as
# the local derivative of the other factor). If that differs from the data now, the graph is
# older than the change: StaleGraphError. If not, the graph is fresh and the report is dropped.

# key → (the changed Values, two of them to test for cheaply, who changed them)
_changed: dict[object, tuple[frozenset, tuple, str]] = {}
# Ops whose node records its factors' data: `*` and `Σwx(+b)` as local derivatives; `Σwc(+b)` (weights
# times constants) in its own value, which the weights' data now must give again, float for float.
_CHECKABLE = frozenset({"*", "Σwx", "Σwx+b", "Σwc", "Σwc+b"})
_NODES_TO_CHECK = 2  # a fresh graph is believed after this many agreeing nodes (3 µs for a 16-input neuron)
_MAX_REPORTS = 16  # reports nobody answered (a model trained, never backpropagated again) are dropped oldest first


def mark_changed(values: Iterable[Value], by: str = "an update", *, key: object = None) -> None:
    """Record that `values` (parameters) got new data, so that `backward()` refuses a graph built before.

    Optimizers call it from `step()` (with `key=self`, so a later step replaces the report) and
    `nn.load_weights` after filling a model; call it from an optimizer of your own. `by` names
    the change in the error, e.g. "SGD.step()".
    """
    if isinstance(values, _value.Value) or not isinstance(values, Iterable):
        raise TypeError(f"mark_changed: values must be an iterable of Values, got {type(values).__name__}")
    values = list(values)
    for v in values:
        if not isinstance(v, _value.Value):
            raise TypeError(f"mark_changed: values must be Values, got {type(v).__name__}: {v!r}")
    if values:
        _record(key if key is not None else object(), _report(values, str(by)))


def _report(values: list[Value], by: str) -> tuple[frozenset, tuple, str]:
    """What `_changed` holds for `values` (built once per optimizer: a step then costs O(1))."""
    return frozenset(values), (values[0], values[-1]), by


def _record(key: object, report: tuple[frozenset, tuple, str]) -> None:
    """File `report` under `key`, newest last, keeping at most _MAX_REPORTS (they hold their Values)."""
    _changed.pop(key, None)
    _changed[key] = report
    if len(_changed) > _MAX_REPORTS:
        del _changed[next(iter(_changed))]


def _recorded_inputs(node: Value) -> list[tuple[Value, float]]:
    """(parent, its data when `node` was built) for each parent of a `*` or weighted-sum node."""
    ps, ls = node.parents, node.local_grads
    if node.op == "*":
        return [(ps[0], ls[1]), (ps[1], ls[0])]
    n = (len(ps) - (node.op == "Σwx+b")) // 2  # parents (w₁…wₙ, x₁…xₙ[, b]), locals (x₁…xₙ, w₁…wₙ[, 1])
    return [(ps[i], ls[n + i]) for i in range(n)] + [(ps[n + i], ls[i]) for i in range(n)]


def _moved(node: Value, suspects) -> tuple[Value, float | None] | None:
    """The first of `suspects` among node's factors whose data differs from what node recorded
    (None for what it recorded when only the node's value shows it)."""
    ps, ls = node.parents, node.local_grads
    if node.op in ("Σwc", "Σwc+b"):
        # parents (w₁…wₙ[, b]), locals (c₁…cₙ[, 1]): z = b + Σ wᵢcᵢ, added as _weighted_sum_of_constants adds
        n = len(ls) - (node.op == "Σwc+b")
        start = ps[n].data if node.op == "Σwc+b" else 0
        z = sum(map(float.__mul__, [w.data for w in ps[:n]], ls[:n]), start)
        if z == node.data or (z != z and node.data != node.data):
            return None
        return next(((p, None) for p in ps if p in suspects), None)
    if node.op != "*":
        n = (len(ps) - (node.op == "Σwx+b")) // 2
        # The weights as they were, compared in C (the usual answer, and a fast one); the inputs
        # only when one of them is a suspect too (in a network they are activations, not parameters).
        if ls[n : 2 * n] == tuple([w.data for w in ps[:n]]) and (
            suspects.isdisjoint(ps[n : 2 * n]) or ls[:n] == tuple([x.data for x in ps[n : 2 * n]])
        ):
            return None
    for parent, recorded in _recorded_inputs(node):
        now = parent.data
        if parent in suspects and now != recorded and (now == now or recorded == recorded):  # NaN = NaN
            return parent, recorded
    return None


def _find_stale(order: list[Value], suspects) -> tuple[Value, Value, float] | bool | None:
    """Whether the graph in `order` (topological) was built before `suspects` got their data.

    Looks at the nodes nearest the root that multiply one of `suspects`: (node, suspect, the
    data node recorded) for the first that recorded other data than the suspect holds now;
    True when a few agree (fresh); None when no node can tell.
    """
    agreeing = 0
    for node in reversed(order):
        if node.op in _CHECKABLE and type(node.op) is str and not suspects.isdisjoint(node.parents):
            moved = _moved(node, suspects)
            if moved is not None:
                return node, *moved
            agreeing += 1
            if agreeing == _NODES_TO_CHECK:
                return True
    return True if agreeing else None


def _check_fresh(order: list[Value], seen: set[Value]) -> None:
    for key, (values, probes, by) in list(_changed.items()):
        if probes[0] not in seen and probes[1] not in seen:
            continue  # this graph does not use those Values (another model's)
        found = _find_stale(order, values)
        if isinstance(found, tuple):
            node, parent, recorded = found
            name = repr(parent.label) if parent.label is not None else "a parameter"
            where = f"{node.label!r} " if node.label is not None else ""
            used = f"used {recorded!r}" if recorded is not None else f"holds {node.data!r}, computed before"
            raise StaleGraphError(
                f"backward(): this graph was built before {name} changed ({by} set it to {parent.data!r}; "
                f"the graph's {node.op!r} node {where}{used}), so its gradients would be those of "
                f"the old parameters. Build the graph again from the new parameters (run the forward pass "
                f"and the loss after the step), then call backward(): forward → loss → backward → step"
            )
        del _changed[key]  # fresh (or nothing here can tell): the report has been answered


def backward_steps(order: list[Value]) -> tuple[list[float], list[tuple[int, int]], list[list[int]]]:
    """`backward()`'s walk over `order` (a topological order, root last), recorded.

    Returns (grads, steps, passed): the grad of each node after the walk, starting from zero
    grads; the edges processed, in order, as (index of the child in `order`, index of the
    parent among the child's parents); and for each step the nodes the walk passed over before
    it without a step (leaves, and nodes whose grad is 0.0), those after the last step added to
    the last step's list. The same float operations as `autograd.graph.backward`, in the same
    order, so the grads are the same floats. The explorer page replays the steps;
    `autograd.grad` (without create_graph) reads the grads.
    """
    index = {v: i for i, v in enumerate(order)}
    grads = [0.0] * len(order)
    grads[-1] += 1.0  # the root: ∂root/∂root
    steps: list[tuple[int, int]] = []
    passed: list[list[int]] = []
    waiting: list[int] = []  # passed over since the last step
    for i in range(len(order) - 1, -1, -1):  # reverse topological order: each node after every node that uses it
        node = order[i]
        g = grads[i]
        if g == 0.0 or not node.parents:
            waiting.append(i)
            continue
        for slot, (parent, local) in enumerate(zip(node.parents, node.local_grads)):
            grads[index[parent]] += local * g
            steps.append((i, slot))
            passed.append(waiting)
            waiting = []
    if passed:
        passed[-1].extend(waiting)
    return grads, steps, passed


class Edge(NamedTuple):
    """One factor of a chain-rule path: `local` = ∂child/∂parent; `slot` = which input of child parent is."""

    parent: Value
    child: Value
    local: float
    slot: int = 0


class Path(NamedTuple):
    """A path leaf → root: its edges in that order and the product of their local derivatives.

    Printed with the nodes it passes through, so two paths with the same factors can be told apart:
    `x → * → * → + → f: 3 · -2 · 1 · 1 = -6`.
    """

    edges: tuple[Edge, ...]
    product: float

    def nodes(self) -> list[Value]:
        """The nodes along the path, leaf first, root last (empty for the path of a root to itself)."""
        return [self.edges[0].parent, *(e.child for e in self.edges)] if self.edges else []

    def names(self) -> str:
        """`x → * → * → + → f`: each node's label, else its op, else (a constant) its value.

        An edge into a node that has the same parent in several inputs (`a + a`) says which input
        it enters, `a →[2] +`, so the two paths through `a + a` print differently.
        """
        if not self.edges:
            return "(the root itself)"
        out = _name(self.edges[0].parent)
        for e in self.edges:
            twice = sum(p is e.parent for p in e.child.parents) > 1
            out += f" →[{e.slot + 1}] " if twice else " → "
            out += _name(e.child)
        return out

    def __str__(self) -> str:
        factors = " · ".join(f"{e.local:.6g}" for e in self.edges) or "(no factors)"
        return f"{self.names()}: {factors} = {self.product:.6g}"


def _name(v: Value) -> str:
    if v.label is not None:
        return v.label
    return v.op if v.op else f"{v.data:g}"


def count_paths(root: Value, leaves: Iterable[Value]) -> tuple[int, int]:
    """(number of paths, total number of factors on them) from `leaves` to `root`.

    Dynamic programming over the edges, no enumeration, exact integers, so it works on graphs
    with astronomically many paths. With n(v) the number of paths v → root and f(v) the total
    number of factors on them: n(root) = 1, f(root) = 0, and each edge v → c adds n(c) to n(v)
    and f(c) + n(c) to f(v) (each of c's paths, one edge longer).
    """
    order = topological_order(root)
    n = {root: 1}
    f = {root: 0}
    for node in reversed(order):  # every child before its parents
        nc = n.get(node, 0)
        if nc == 0:
            continue
        fc = f[node]
        for p in node.parents:  # a parent listed twice (a + a) is two edges
            n[p] = n.get(p, 0) + nc
            f[p] = f.get(p, 0) + fc + nc
    leaves = list(dict.fromkeys(leaves))  # a leaf named twice counts once
    return sum(n.get(v, 0) for v in leaves), sum(f.get(v, 0) for v in leaves)


def chain_paths(root: Value, leaf: Value, limit: int = 10_000) -> list[Path]:
    """Every path from `leaf` to `root` with its local derivatives; the products sum to ∂root/∂leaf.

    Raises ValueError when there are more than `limit` paths (count them with `count_paths`).
    Each product is taken from the root end, in the order `backward()` multiplies.
    """
    count, _ = count_paths(root, [leaf])
    if count > limit:
        raise ValueError(
            f"{count} paths lead from the leaf to the root, more than limit={limit}; "
            f"pass a larger limit, or use count_paths() to count them without listing them"
        )
    # Nodes that depend on `leaf`: only through these can a path from the root reach it.
    reaches = {leaf}
    for node in topological_order(root):
        if any(p in reaches for p in node.parents):
            reaches.add(node)
    if root not in reaches:
        return []

    paths: list[Path] = []
    # Depth-first from the root down to the leaf; each entry is (node, edges so far, product).
    stack: list[tuple[Value, tuple[Edge, ...], float]] = [(root, (), 1.0)]
    while stack:
        node, edges, product = stack.pop()
        if node is leaf:
            paths.append(Path(edges, product))
            continue
        # Pushed in reverse so the paths come out in the order of the parents.
        for slot in reversed(range(len(node.parents))):
            p = node.parents[slot]
            if p in reaches:
                local = node.local_grads[slot]
                stack.append((p, (Edge(p, node, local, slot), *edges), product * local))
    return paths


# At the bottom: value.py imports this module (and higher.py, which imports this one) when it loads;
# whichever is imported first, the other then finds it complete in sys.modules.
from . import value as _value  # noqa: E402
