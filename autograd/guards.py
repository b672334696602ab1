"""The engine's two guards: anomaly mode (NaN and ±inf, named where they start) and stale graphs.

What it is: the checks that keep `backward()` honest, kept out of the chain rule's two files.
Each costs the hot path one attribute read of `guard` while it has nothing to do:

- **Anomaly mode** (`detect_anomaly()`): the first NaN or ±inf raises `AnomalyError`, naming the
  op that made it (its inputs, its output, its local derivatives), a NaN or ±inf leaf at its first
  use, or the edge parent → child of `backward()` where a grad became NaN or ±inf — and the edge
  where backward's strong zero (0 · x = 0, for x inf or NaN too) met an infinite or NaN factor,
  since the limit the learner wanted may not be 0. Per thread (a context variable): `guard.anomaly`
  counts the blocks open in any thread, and only while one is open does a node look further.
- **Stale graphs** (`mark_changed`, `StaleGraphError`): `forward; optimizer.step(); backward`
  would silently give the gradients of the old weights. Optimizers (and `nn.load_weights`) report
  the Values whose data they change; `backward()` then reads the few nodes nearest the root that
  multiply one of them. A node that recorded its factors' data when it was built (a product
  records each factor's data as the other's local derivative) and finds different data now is
  older than the change: StaleGraphError. An op says what it recorded through `op.moved`.

What it is not: imported by the ops for anything but this. It knows nodes only by their fields
(`data`, `parents`, `local_grads`, `op`, `label`), never the class.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import NamedTuple

from .steps import backward_walk

__all__ = [
    "guard",
    "AnomalyError",
    "detect_anomaly",
    "anomaly_mode_enabled",
    "check_new_node",
    "watch_new_node",
    "on_next_node",
    "backward_checked",
    "describe_node",
    "StaleGraphError",
    "ChangeReport",
    "mark_changed",
    "check_fresh",
    "find_stale",
    "first_moved",
    "MAX_REPORTS",
    "NODES_TO_CHECK",
]

_isfinite = math.isfinite


class _Guards:
    """The guards' state, read by the hot path as one bound object: `guard.watch` (true while new
    nodes must be looked at: some `detect_anomaly()` block is open, or a hook waits for the next
    node), `guard.anomaly` (the number of blocks open in any thread), `guard.hooks` (functions
    waiting for the next node, each called once: the collector's, `collector.py`) and
    `guard.changed` (the pending change reports)."""

    __slots__ = ("watch", "anomaly", "hooks", "changed")

    def __init__(self) -> None:
        self.watch = False
        self.anomaly = 0
        self.hooks: list[Callable] = []
        self.changed: dict[object, ChangeReport] = {}


def on_next_node(hook: Callable) -> None:
    """Call `hook(node)` once, with the next node an op makes (in any thread)."""
    if hook not in guard.hooks:
        guard.hooks.append(hook)
    guard.watch = True


def watch_new_node(node) -> None:
    """What `make_node` calls while `guard.watch` is set: the waiting hooks, then anomaly mode's check."""
    hooks = guard.hooks
    if hooks:
        guard.hooks = []
        for hook in hooks:
            hook(node)
    guard.watch = bool(guard.anomaly or guard.hooks)
    if guard.anomaly:
        check_new_node(node)


guard = _Guards()
_anomaly_here: ContextVar[bool] = ContextVar("chainrule_detect_anomaly", default=False)
_lock = threading.Lock()


# ---------------------------------------------------------------- anomaly mode


class AnomalyError(FloatingPointError):
    """Raised inside `detect_anomaly()` when an op or a step of `backward()` produces NaN or ±inf."""


@contextmanager
def detect_anomaly() -> Iterator[None]:
    """Inside this block, the first NaN or ±inf raises `AnomalyError`, naming where it came from.

    - an op whose output or local derivative is NaN or ±inf: the op, its inputs and the node;
    - a leaf holding NaN or ±inf, at its first use: the leaf's label and the op that uses it;
    - in `backward()`, a grad that becomes NaN or ±inf: the edge parent → child, its local
      derivative and the upstream grad, and whether the product or the sum overflowed;
    - in `backward()`, an edge where one factor is 0 and the other ±inf or NaN: backward's
      strong zero makes the product 0, but the derivative you wanted may be a limit that is not.

    The mode is per thread (a context variable): other threads run unchecked, and at full speed.

    >>> with detect_anomaly():
    ...     y = (Value(1e308) * 10).log()      # doctest: +SKIP
    AnomalyError: op '*' produced output inf from inputs (1e+308, 10.0)
    """
    with _lock:
        guard.anomaly += 1
        guard.watch = True
    token = _anomaly_here.set(True)
    try:
        yield
    finally:
        _anomaly_here.reset(token)
        with _lock:
            guard.anomaly -= 1
            guard.watch = bool(guard.anomaly or guard.hooks)


def anomaly_mode_enabled() -> bool:
    """Whether this thread is inside `detect_anomaly()`."""
    return bool(guard.anomaly) and _anomaly_here.get()


def describe_node(v) -> str:
    """A node in words, for error messages: "leaf 'x_1'", "node 'z_1^(2)' (op 'Σwx+b')", "a '*' node"."""
    kind = "leaf" if not v.parents else "node"
    if v.label is not None:
        return f"{kind} {v.label!r}" + (f" (op {str(v.op)!r})" if v.parents else "")
    return "a constant leaf" if not v.parents else f"an unlabelled {str(v.op)!r} node"


def _value_words(v) -> str:
    return f"{v.label}={v.data!r}" if v.label is not None else repr(v.data)


def check_new_node(node) -> None:
    """Anomaly mode's check of a node an op just made (called while some block is open anywhere).
    A leaf (a constant an op made) is checked at its first use, as an input."""
    if not node.parents or not _anomaly_here.get():
        return
    name = f" (node {node.label!r})" if node.label is not None else ""
    op = str(node.op)
    for p in node.parents:
        if not _isfinite(p.data):
            if not p.parents:
                raise AnomalyError(
                    f"{describe_node(p)} holds {p.data!r}: it enters the graph here, at its first use, "
                    f"as an input of op {op!r}{name}"
                )
            raise AnomalyError(
                f"op {op!r}{name} got the input {describe_node(p)} = {p.data!r} from op {str(p.op)!r}, "
                f"made before detect_anomaly() began"
            )
    bad = [d for d in node.local_grads if not _isfinite(d)]
    if _isfinite(node.data) and not bad:
        return
    inputs = ", ".join(_value_words(p) for p in node.parents)
    what = f"output {node.data!r}" if not _isfinite(node.data) else f"local derivative {bad[0]!r}"
    raise AnomalyError(f"op {op!r}{name} produced {what} from inputs ({inputs})")


def backward_checked(order: list) -> None:
    """`backward()` in anomaly mode: `steps.backward_walk` over `order`, each step checked.

    The same floats as the fast loop (leaves accumulate, interior nodes start from 0); the grads
    are written to the nodes only when the whole walk passed, so an error leaves the leaves' grads
    as they were (the interior nodes' were set to 0 by the walk).
    """
    root = order[-1]
    if not _isfinite(root.grad):
        raise AnomalyError(
            f"backward: the root, {describe_node(root)}, already has grad {root.grad!r} "
            f"(a leaf accumulates across backward() calls: zero its grad first)"
        )
    grads = [0.0 if v.parents else v.grad for v in order]
    grads[-1] += 1.0
    for step in backward_walk(order, grads):
        child = order[step.child]
        if step.slot < 0:  # a node passed over: its grad is 0 (or it is a leaf)
            if child.parents and step.upstream == 0.0:
                for parent, local in zip(child.parents, child.local_grads):
                    if not _isfinite(local):
                        raise AnomalyError(_strong_zero(parent, child, local, 0.0))
            continue
        parent, local, g, before = order[step.parent], step.local, step.upstream, step.before
        after = grads[step.parent]
        if local == 0.0 and not _isfinite(g):
            raise AnomalyError(_strong_zero(parent, child, local, g))
        if not _isfinite(after):
            raise AnomalyError(_edge_anomaly(parent, child, local, g, before, after))
    for v, g in zip(order, grads):
        v.grad = g


def _strong_zero(parent, child, local: float, g: float) -> str:
    return (
        f"backward: on the edge {describe_node(parent)} → {describe_node(child)} the local derivative is "
        f"{local!r} and the upstream grad ∂root/∂child is {g!r}: backward() takes 0 · x = 0 for every x, "
        f"so this edge passes 0, but a product of 0 and {'an infinity' if local == local and g == g else 'NaN'} "
        f"is indeterminate: the derivative you want may be a limit that is not 0 "
        f"(e.g. √x at x = 0 has slope +inf; rewrite the expression, or move the point)"
    )


def _edge_anomaly(parent, child, local: float, g: float, before: float, after: float) -> str:
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
        f"backward: the grad of {describe_node(parent)} (data {parent.data!r}) became {after!r} "
        f"on the edge {describe_node(parent)} → {describe_node(child)}: {why}. "
        f"Edge: local derivative {local!r}, upstream grad ∂root/∂child = {g!r}, grad before {before!r}"
    )


# ---------------------------------------------------------------- stale graphs

MAX_REPORTS = 16
"""Reports nobody answered (a model trained, never backpropagated again) are dropped oldest first."""

NODES_TO_CHECK = 2
"""A graph is believed fresh after this many agreeing nodes nearest the root."""


class StaleGraphError(RuntimeError):
    """`backward()` on a graph built before some of its parameters changed (see `mark_changed`)."""


class ChangeReport(NamedTuple):
    """What `mark_changed` files: the changed Values, two of them to test a graph for cheaply, and who
    changed them. An optimizer builds one for its parameters once and files it on every step."""

    values: frozenset
    probes: tuple
    by: str

    @classmethod
    def of(cls, values: list, by: str) -> ChangeReport:
        return cls(frozenset(values), (values[0], values[-1]), by)


def mark_changed(values: Iterable | ChangeReport, by: str = "an update", *, key: object = None) -> None:
    """Record that `values` (parameters) got new data, so that `backward()` refuses a graph built before.

    Optimizers call it from `step()` (with `key=self`, so a later step replaces the report) and
    `nn.load_weights` after filling a model; call it from an optimizer of your own. `by` names
    the change in the error, e.g. "SGD.step()". `values` may be a `ChangeReport` built once
    (`ChangeReport.of(params, "SGD.step()")`): a step then costs one dict assignment.
    Raises TypeError when `values` is not an iterable of Values.
    """
    if isinstance(values, ChangeReport):
        report = values
    else:
        if not isinstance(values, Iterable) or hasattr(values, "local_grads"):
            raise TypeError(f"mark_changed: values must be an iterable of Values, got {type(values).__name__}")
        values = list(values)
        for v in values:
            if not hasattr(v, "local_grads"):
                raise TypeError(f"mark_changed: values must be Values, got {type(v).__name__}: {v!r}")
        if not values:
            return
        report = ChangeReport.of(values, str(by))
    key = key if key is not None else object()
    changed = guard.changed
    changed.pop(key, None)
    changed[key] = report
    if len(changed) > MAX_REPORTS:
        del changed[next(iter(changed))]


def first_moved(pairs: Iterable[tuple], suspects: frozenset | set) -> tuple | None:
    """The first (parent, recorded data) of `pairs` whose parent is a suspect and holds other data now."""
    for parent, recorded in pairs:
        now = parent.data
        if parent in suspects and now != recorded and (now == now or recorded == recorded):  # NaN = NaN
            return parent, recorded
    return None


def find_stale(order: list, suspects: frozenset | set) -> tuple | bool | None:
    """Whether the graph in `order` (topological) was built before `suspects` got their data.

    Looks at the nodes nearest the root that multiply one of `suspects` (ops with a `moved`):
    (node, suspect, the data the node recorded, or None when only its value shows it) for the
    first that recorded other data than the suspect holds now; True when NODES_TO_CHECK agree
    (fresh); None when no node can tell.
    """
    agreeing = 0
    for node in reversed(order):
        moved = getattr(node.op, "moved", None)
        if moved is not None and not suspects.isdisjoint(node.parents):
            found = moved(node, suspects)
            if found is not None:
                return node, *found
            agreeing += 1
            if agreeing == NODES_TO_CHECK:
                return True
    return True if agreeing else None


def check_fresh(order: list, nodes: set) -> None:
    """`backward()`'s check (`nodes`: the set of `order`'s nodes): StaleGraphError when a pending
    report's Values changed after this graph was built; a report the graph answers is dropped."""
    changed = guard.changed
    if not changed:
        return
    for key, (values, probes, by) in list(changed.items()):
        if probes[0] not in nodes and probes[1] not in nodes:
            continue  # this graph does not use those Values (another model's)
        found = find_stale(order, values)
        if isinstance(found, tuple):
            node, parent, recorded = found
            name = repr(parent.label) if parent.label is not None else "a parameter"
            where = f"{node.label!r} " if node.label is not None else ""
            used = f"used {recorded!r}" if recorded is not None else f"holds {node.data!r}, computed before"
            raise StaleGraphError(
                f"backward(): this graph was built before {name} changed ({by} set it to {parent.data!r}; "
                f"the graph's {str(node.op)!r} node {where}{used}), so its gradients would be those of "
                f"the old parameters. Build the graph again from the new parameters (run the forward pass "
                f"and the loss after the step), then call backward(): forward → loss → backward → step"
            )
        del changed[key]  # fresh (or nothing here can tell): the report has been answered
