"""Derivatives of derivatives: `grad` (optionally building a graph), Hessians, Hessian-vector products.

What it is: a second walk over the graph, separate from `backward()`. A node stores its local
derivatives as floats (`local_grads`); its op object also knows them *as Values built from the
node's parents* — `node.op.rule(node)`, one line per op in `autograd/ops.py`:

    tanh     t = tanh(a)       ∂t/∂a = 1 − t·t            (a Value: t is the node itself)
    *        c = a·b           ∂c/∂a = b, ∂c/∂b = a         (the parents themselves)
    Σwx+b    z = b + Σ wᵢxᵢ    ∂z/∂wᵢ = xᵢ, ∂z/∂xᵢ = wᵢ, ∂z/∂b = 1

`grad(root, inputs, create_graph=True)` then runs the chain rule with those Values instead of
floats: every edge contributes `local × grad` as a new `*` node and the contributions meeting at
a node are summed by one `Σ` node. The result is the backward pass written as a graph of Values
over the inputs: it can be differentiated again (with `grad` or `backward()`), drawn with `draw`
(the graph of backprop itself) and explored. A Hessian is one such walk plus one float walk per
input; a Hessian-vector product is two walks.

A custom op (`Value.from_op`) carries the rule given to `from_op(..., rule=...)`, or None — then
`grad(..., create_graph=True)` says so and names the op.

What it is not: part of the first-order engine. `backward()` never calls into this module and
nodes keep their float `local_grads`, so first-order training is exactly as fast as before. Nor
is it fast: a Hessian of n inputs costs n + 1 walks of a graph larger than the original one.
It is meant for small graphs, where it shows what second derivatives are and lets Newton's
method run.

At relu's kink (x = 0) the first derivative is the subgradient 0 that `backward()` uses; the
second derivative of relu is taken as 0 everywhere, kink included (relu' is a step: 0 on both
sides, undefined at the step). The same holds for abs, clamp, maximum, minimum and the hinge loss.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from .args import counted, integer, real, sequence
from .fused import total
from .graph import topological_order
from .ops import CustomOp, Rule
from .steps import backward_walk
from .value import Value

__all__ = ["grad", "hessian", "hvp", "local_grads_as_values", "CustomOp", "Rule"]


def _describe(node: Value) -> str:
    name = f" (node {node.label!r})" if node.label is not None else ""
    return f"op {str(node.op)!r}{name}"


def _rule_of(node: Value) -> Rule:
    rule = getattr(node.op, "rule", None)
    if rule is None:
        if type(node.op) is CustomOp:
            raise ValueError(
                f"{_describe(node)} was made by Value.from_op without a rule, so its local derivatives "
                f"cannot be written as Values for grad(..., create_graph=True); give one: "
                f"Value.from_op(..., rule=lambda node: (∂/∂parents[0], …) as Values built from node.parents)"
            )
        raise ValueError(f"{_describe(node)} has no rule for derivatives of derivatives (its op is not an ops.Op)")
    return rule


def local_grads_as_values(node: Value) -> tuple[Value | float, ...]:
    """The node's local derivatives `∂node/∂parents[i]` as Values built from its parents (numbers
    where they are constants): what `grad(..., create_graph=True)` multiplies along each edge.

    >>> from autograd import Value
    >>> t = Value(0.5).tanh()
    >>> d, = local_grads_as_values(t)      # 1 − t·t, a Value whose data is t.local_grads[0]
    >>> d.op, d.data == t.local_grads[0]
    ('-', True)

    Raises ValueError for a custom op without a rule, and for a custom rule whose numbers differ
    from the node's `local_grads` (a wrong rule would silently give wrong second derivatives).
    """
    rule = _rule_of(node)
    try:
        given = tuple(rule(node))
    except (ArithmeticError, ValueError) as e:  # a derivative with no finite value as a Value
        raise type(e)(f"{_describe(node)}: its derivative cannot be formed as a Value: {e}") from e
    if len(given) != len(node.parents):
        raise ValueError(f"{_describe(node)}: its rule gave {len(given)} derivatives for {len(node.parents)} parents")
    locals_: list[Value | float] = []
    for i, d in enumerate(given):
        if isinstance(d, Value):
            value = d.data
        else:
            try:
                value = d = real(d, _describe(node), f"its rule's derivative for parent {i}", finite=False)
            except (TypeError, ValueError):
                raise TypeError(
                    f"{_describe(node)}: its rule must give Values or numbers, got {type(d).__name__} for parent {i}"
                ) from None
        locals_.append(d)
        stored = node.local_grads[i]
        if (
            type(node.op) is CustomOp
            and math.isfinite(stored)
            and not math.isclose(value, stored, rel_tol=1e-6, abs_tol=1e-9)
        ):
            raise ValueError(
                f"{_describe(node)}: its rule gives ∂/∂parents[{i}] = {value!r} but the node's "
                f"local_grads[{i}] = {stored!r}; the rule must give the same derivatives, as Values"
            )
    return tuple(locals_)


# ---------------------------------------------------------------- grad


def _check_inputs(where: str, root: object, inputs: object) -> list[Value]:
    if not isinstance(root, Value):
        raise TypeError(f"{where}: root must be a Value, got {type(root).__name__}")
    return sequence(inputs, where, "inputs", of=Value)


def _data(x: Value | float) -> float:
    return x if type(x) is float else x.data


def _times(local: Value | float, g: Value | float) -> Value | float:
    """local · g, without building a node where one factor is the constant 0, 1 or −1.

    backward()'s strong zero: where one factor is 0 and the other ±inf or NaN, the product is 0
    (a constant: what the float walk passes on), not the NaN a `*` node would hold.
    """
    ld, gd = _data(local), _data(g)
    if (ld == 0.0 and not math.isfinite(gd)) or (gd == 0.0 and not math.isfinite(ld)):
        return 0.0
    if type(local) is float:
        if local == 0.0:
            return 0.0
        if type(g) is float:
            return local * g
        if local == 1.0:
            return g
        if local == -1.0:
            return -g
    elif type(g) is float:
        if g == 1.0:
            return local
        if g == 0.0:
            return 0.0
    return local * g


def _sum(parts: list[Value | float]) -> Value | float:
    """The contributions meeting at a node: one Σ node over the Values (constants folded into one)."""
    values = [p for p in parts if type(p) is not float]
    constant = sum(p for p in parts if type(p) is float)
    if not values:
        return constant
    if constant != 0.0:
        values.append(constant)
    return values[0] if len(values) == 1 else total(values)


def grad(
    root: Value,
    inputs: Sequence[Value],
    create_graph: bool = False,
    allow_unused: bool = False,
) -> list[Value]:
    """∂root/∂x for each x in `inputs`, touching no `.grad`.

    create_graph=False: each result is a new constant Value holding the float that `backward()`
    would leave in `x.grad` (the same float, accumulated in the same order).

    create_graph=True: each result is a node of a new graph over the inputs — the backward pass
    written as Values — so it can be differentiated again, with `grad` or `backward()`, and drawn.
    A result may be a node that already exists (∂(x·y)/∂x is y itself) or a new constant.

    An input the root does not depend on is a ValueError (usually a Value of an older graph),
    unless allow_unused=True: then its derivative is 0. With respect to an interior node, the
    derivative is the one `backward()` leaves in its grad (for a neuron's z: its δ).

    >>> from autograd import Value
    >>> x = Value(3.0, label="x")
    >>> f = x * x * x
    >>> (df,) = grad(f, [x], create_graph=True)     # 3x² as a graph
    >>> (d2f,) = grad(df, [x])                       # 6x
    >>> df.data, d2f.data
    (27.0, 18.0)
    """
    inputs = _check_inputs("grad", root, inputs)
    order = topological_order(root)  # every node after its parents
    in_graph = set(order)
    if not allow_unused:
        for i, x in enumerate(inputs):
            if x not in in_graph:
                name = f" ({x.label!r})" if x.label is not None else ""
                raise ValueError(
                    f"grad: inputs[{i}]{name} is not in the graph of root (root does not depend on it; "
                    f"is it a Value of an older graph?); pass allow_unused=True to get 0 for it"
                )
    if not create_graph:
        # backward()'s own float walk, from zero grads, on a list instead of the nodes
        grads = [0.0] * len(order)
        grads[-1] = 1.0
        for _ in backward_walk(order, grads):
            pass
        found_float = dict(zip(order, grads))
        results = [Value(found_float.get(x, 0.0)) for x in inputs]
    else:
        # The nodes that depend on an input (the inputs included): only their derivatives are needed.
        needed = set(inputs)
        for node in order:
            if node.parents and not needed.isdisjoint(node.parents):
                needed.add(node)
        # The same walk with Values: contributions local × grad are collected per node, and summed
        # (one Σ node) when the node is reached, i.e. once every node that uses it has contributed.
        # (Not steps.backward_walk, which decides by floats: a grad whose value is 0 may still have a
        # derivative — ∂(x·z)/∂x at z = 0 is z, whose own derivative is 1 — so here only the constant
        # 0 passes nothing on, and backward's strong zero lives in `_times`.)
        parts: dict[Value, list[Value | float]] = {root: [1.0]}
        found: dict[Value, Value | float] = {}
        for node in reversed(order):
            if node not in parts:
                continue
            g = found[node] = _sum(parts.pop(node))
            if type(g) is float and g == 0.0:
                continue
            if needed.isdisjoint(node.parents):
                continue  # a leaf, or an interior input whose parents are not inputs: the walk stops here
            for p, local in zip(node.parents, local_grads_as_values(node)):
                if p in needed:
                    c = _times(local, g)
                    if not (type(c) is float and c == 0.0):
                        parts.setdefault(p, []).append(c)
        results = []
        for x in inputs:
            r = found.get(x, 0.0)
            results.append(Value(r) if type(r) is float else r)
    # Name the new result nodes after what they are (nodes of the forward graph keep their labels).
    if root.label is not None:
        top = f"({root.label})" if root.label.startswith("∂") else root.label  # ∂(∂f/∂x)/∂y
        for x, r in zip(inputs, results):
            if r.label is None and x.label is not None and r not in in_graph:
                r.label = f"∂{top}/∂{x.label}"
    return results


def hessian(root: Value, inputs: Sequence[Value], max_inputs: int = 1000) -> list[list[float]]:
    """H[i][j] = ∂²root/∂inputs[i]∂inputs[j], as floats: one `grad(create_graph=True)` for the
    gradient as Values, then one float `grad` of each of its entries (row i = ∂gᵢ/∂inputs).

    Touches no `.grad`. The rows are not symmetrized: H equals its transpose up to rounding, which
    is a check on the rules. Refuses more than `max_inputs` inputs (n + 1 walks of a graph larger
    than root's: raise the limit knowingly, or use `hvp` for products H·v).

    >>> from autograd import Value
    >>> x, y = Value(1.0), Value(2.0)
    >>> hessian(x * x * y, [x, y])        # f = x²y: [[2y, 2x], [2x, 0]]
    [[4.0, 2.0], [2.0, 0.0]]
    """
    inputs = _check_inputs("hessian", root, inputs)
    max_inputs = integer(max_inputs, "hessian", "max_inputs")
    if len(inputs) > max_inputs:
        raise ValueError(
            f"hessian: {len(inputs)} inputs, more than max_inputs={max_inputs} "
            f"({len(inputs)} + 1 walks of the graph); pass a larger max_inputs, or use hvp() for H·v"
        )
    gradient = grad(root, inputs, create_graph=True, allow_unused=True)  # an unused input: a row and column of 0
    return [[r.data for r in grad(g, inputs, allow_unused=True)] for g in gradient]


def hvp(root: Value, inputs: Sequence[Value], v: Sequence[float]) -> list[float]:
    """The Hessian-vector product H·v without forming H: the gradient g as Values, then the
    gradient of the scalar g·v (two walks, whatever the number of inputs).

    >>> from autograd import Value
    >>> x, y = Value(1.0), Value(2.0)
    >>> hvp(x * x * y, [x, y], [1.0, 0.0])      # the first column of [[4, 2], [2, 0]]
    [4.0, 2.0]
    """
    inputs = _check_inputs("hvp", root, inputs)
    v = sequence(v, "hvp", "v")
    if len(v) != len(inputs):
        have = counted(len(v), "entry", "entries")
        raise ValueError(f"hvp: v has {have} but there are {counted(len(inputs), 'input')}")
    v = [real(t, "hvp", f"v[{i}]") for i, t in enumerate(v)]
    gradient = grad(root, inputs, create_graph=True, allow_unused=True)
    # g·v = Σᵢ gᵢvᵢ as one Σ node (entries with vᵢ = 0 left out)
    gv = _sum([_times(t, g) for g, t in zip(gradient, v)])
    if type(gv) is float:
        return [0.0] * len(inputs)
    return [r.data for r in grad(gv, inputs, allow_unused=True)]
