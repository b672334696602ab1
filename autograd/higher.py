"""Derivatives of derivatives: `grad` (optionally building a graph), Hessians, Hessian-vector products.

What it is: a second walk over the graph, separate from `backward()`. A node stores its local
derivatives as floats (`local_grads`); here each op also knows them *as Values built from the
node's parents* — one table, `RULES`, op → rule:

    tanh     t = tanh(a)       ∂t/∂a = 1 − t·t            (a Value: t is the node itself)
    *        c = a·b           ∂c/∂a = b, ∂c/∂b = a         (the parents themselves)
    Σwx+b    z = b + Σ wᵢxᵢ    ∂z/∂wᵢ = xᵢ, ∂z/∂xᵢ = wᵢ, ∂z/∂b = 1

`grad(root, inputs, create_graph=True)` then runs the chain rule with those Values instead of
floats: every edge contributes `local × grad` as a new `*` node and the contributions meeting at
a node are summed by one `Σ` node. The result is the backward pass written as a graph of Values
over the inputs: it can be differentiated again (with `grad` or `backward()`), drawn with `draw`
(the graph of backprop itself) and explored. A Hessian is one such walk plus one float walk per
input; a Hessian-vector product is two walks.

A custom op (`Value.from_op`) has no entry in the table: its op is a `CustomOp`, a str carrying the
rule given to `from_op(..., rule=...)`, or None — then `grad(..., create_graph=True)` says so
and names the op. Built-in ops are recognised by their op string *and* by not being custom, so a
custom op called "tanh" never borrows tanh's rule.

What it is not: part of the first-order engine. `backward()` never calls into this module and
nodes keep their float `local_grads`, so first-order training is exactly as fast as before. Nor
is it fast: a Hessian of n inputs costs n + 1 walks of a graph larger than the original one.
It is meant for small graphs, where it shows what second derivatives are and lets Newton's
method run.

At relu's kink (x = 0) the first derivative is the subgradient 0 that `backward()` uses; the
second derivative of relu is taken as 0 everywhere, kink included (relu' is a step: 0 on both
sides, undefined at the step). The same holds for the hinge loss.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from numbers import Real

from .graph import backward_steps, topological_order

# value.py imports this module at its bottom (for CustomOp), after Value and total are defined.
from .value import Value, total

__all__ = ["grad", "hessian", "hvp", "local_grads_as_values", "CustomOp", "RULES", "Rule"]

Rule = Callable[[Value], Sequence[Value | float]]
"""rule(node) → (∂node/∂parents[0], ∂node/∂parents[1], …) as Values built from node.parents
(or the node itself), or plain numbers where a derivative is a constant."""


class CustomOp(str):
    """The op of a node made by `Value.from_op`: a str (it prints, compares and draws as the op's
    name) that also carries the op's `rule` for derivatives of derivatives, or None.

    >>> op = CustomOp("cube", lambda node: (3 * node.parents[0] ** 2,))
    >>> op == "cube", op.rule is not None
    (True, True)
    """

    rule: Rule | None

    def __new__(cls, name: str, rule: Rule | None = None) -> CustomOp:
        if not isinstance(name, str):
            raise TypeError(f"Value.from_op: op must be a str (the op's name), got {type(name).__name__}: {name!r}")
        if rule is not None and not callable(rule):
            raise TypeError(
                f"Value.from_op: rule for op {name!r} must be a function node → local derivatives as Values, "
                f"got {type(rule).__name__}"
            )
        self = super().__new__(cls, name)
        self.rule = rule
        return self


# ---------------------------------------------------------------- the rules, one per op of value.py
# Each returns ∂node/∂parents[i] for every i. Where the derivative is the node itself or a parent,
# the rule returns that very Value, so the new graph shares the forward graph's nodes.


def _add(node: Value) -> tuple:
    return (1.0, 1.0)  # a + b


def _sub(node: Value) -> tuple:
    return (1.0, -1.0)  # a − b


def _mul(node: Value) -> tuple:
    a, b = node.parents
    return (b, a)  # ∂(ab)/∂a = b, ∂(ab)/∂b = a


def _div(node: Value) -> tuple:
    a, b = node.parents
    # ∂(a/b)/∂b = −a/b² written as −(a/b)/b: the node divided once more, so b² is never formed
    # (b² overflows for |b| > 1.3e154 where a/b/b is still an ordinary float).
    return (1.0 / b, -(node / b))


def _power_slope(node: Value, a: Value, n: Value | float) -> Value:
    """n·aⁿ⁻¹ as a Value, given node = aⁿ: (aⁿ/a)·n, so n − 1 is never rounded and no aⁿ⁻¹ is
    formed beside aⁿ; n·aⁿ⁻¹ itself where aⁿ is 0 or subnormal (it has lost digits) or a = 0."""
    if a.data == 0.0 or abs(node.data) < _TINY:
        return n * a ** (n - 1.0)
    if abs(n.data if isinstance(n, Value) else n) < 1.0:
        return node * n / a  # |aⁿ⁻¹| can exceed |n·aⁿ⁻¹| by 1/|n|: multiply by n first
    return node / a * n


def _pow_number(node: Value) -> tuple:
    (a,) = node.parents
    n = float(node.op[2:])  # "**2", "**0.5", "**0.3333333333333333": exact (value.py writes repr when :g is not)
    if n == 0.0:
        return (0.0,)  # a⁰ = 1: constant
    if n == 1.0:
        return (1.0,)
    if n == 2.0:
        return (2.0 * a,)  # 2a, the readable form
    return (_power_slope(node, a, n),)


def _pow_value(node: Value) -> tuple:
    a, b = node.parents
    # ∂(aᵇ)/∂a = b·aᵇ⁻¹; ∂(aᵇ)/∂b = aᵇ·ln a = node·ln a (0 at a = 0, where aᵇ = 0 for every b > 0)
    if a.data == 0.0:
        return (_power_slope(node, a, b), 0.0)
    return (_power_slope(node, a, b), node * a.log())


_TINY = 2.2250738585072014e-308  # the smallest normal float: below it a float has lost digits


def _neg(node: Value) -> tuple:
    return (-1.0,)


def _exp(node: Value) -> tuple:
    return (node,)  # (eᵃ)' = eᵃ: the node itself


def _log(node: Value) -> tuple:
    (a,) = node.parents
    return (1.0 / a,)


# tanh and sigmoid keep the textbook forms 1 − t² and σ(1 − σ) where the subtraction loses at most
# 7 of a float's 53 bits (t² ≤ 0.99: |x| < 2.99; σ ≤ 0.99: x < 4.6); beyond, it cancels (1 − t² is
# 0.0 at x = 20 instead of 1.7e-17, 1 − σ is 0.0 for x > 37) and an equal form without it is used.


def _tanh(node: Value) -> tuple:
    if node.data * node.data <= 0.99:
        return (1.0 - node * node,)  # 1 − tanh²
    # sech²x = 4e/(1 + e)² with e = e^(−2|x|) ≤ 1: every digit kept, no overflow.
    (a,) = node.parents
    e = (a * (-2.0 if a.data > 0.0 else 2.0)).exp()
    p = 1.0 + e
    return (4.0 * e / (p * p),)


def _sigmoid(node: Value) -> tuple:
    if node.data <= 0.99:
        return (node * (1.0 - node),)  # σ(1 − σ)
    # σ(x)(1 − σ(x)) = σ(x)·σ(−x): both factors to full precision.
    (a,) = node.parents
    return (node * (-a).sigmoid(),)


def _relu(node: Value) -> tuple:
    # relu' is 1 or 0 (0 at the kink, as backward() uses): a constant, so relu'' = 0 everywhere.
    return node.local_grads


def _weighted_sum_bias(node: Value) -> tuple:
    ps = node.parents  # (w₁…wₙ, x₁…xₙ, b)
    n = (len(ps) - 1) // 2
    return (*ps[n : 2 * n], *ps[:n], 1.0)  # (x…, w…, 1)


def _weighted_sum(node: Value) -> tuple:
    ps = node.parents  # (w₁…wₙ, x₁…xₙ)
    n = len(ps) // 2
    return (*ps[n:], *ps[:n])  # (x…, w…)


def _constant_local_grads(node: Value) -> tuple:
    # Σwc+b: ∂z/∂wᵢ = cᵢ and ∂z/∂b = 1 are constants (the cᵢ are not nodes), so their derivatives are 0.
    return node.local_grads


def _total(node: Value) -> tuple:
    return (1.0,) * len(node.parents)


RULES: dict[str, Rule] = {
    "+": _add,
    "-": _sub,
    "*": _mul,
    "/": _div,
    "**": _pow_value,  # aᵇ with b a Value
    "**n": _pow_number,  # aⁿ with n a number: the op is "**" followed by n, e.g. "**2"
    "neg": _neg,
    "exp": _exp,
    "log": _log,
    "tanh": _tanh,
    "sigmoid": _sigmoid,
    "relu": _relu,
    "Σwx+b": _weighted_sum_bias,
    "Σwx": _weighted_sum,
    "Σwc+b": _constant_local_grads,  # weights times constants (nn's inputs with constant_inputs=True)
    "Σwc": _constant_local_grads,
    "Σ": _total,
}
"""op → rule for every op of `autograd.value`. Custom ops carry their own (see `CustomOp`)."""


def _describe(node: Value) -> str:
    name = f" (node {node.label!r})" if node.label is not None else ""
    return f"op {str(node.op)!r}{name}"


def _rule_of(node: Value) -> Rule:
    op = node.op
    if type(op) is CustomOp:
        if op.rule is None:
            raise ValueError(
                f"{_describe(node)} was made by Value.from_op without a rule, so its local derivatives "
                f"cannot be written as Values for grad(..., create_graph=True); give one: "
                f"Value.from_op(..., rule=lambda node: (∂/∂parents[0], …) as Values built from node.parents)"
            )
        return op.rule
    rule = RULES.get(op)
    if rule is None and op.startswith("**"):
        rule = RULES["**n"]
    if rule is None:
        raise ValueError(f"{_describe(node)} has no rule for derivatives of derivatives (autograd.higher.RULES)")
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
    except (ArithmeticError, ValueError) as e:  # e.g. √x at 0: the derivative 1/(2√x) has no finite value
        raise type(e)(f"{_describe(node)}: its derivative cannot be formed as a Value: {e}") from e
    if len(given) != len(node.parents):
        raise ValueError(f"{_describe(node)}: its rule gave {len(given)} derivatives for {len(node.parents)} parents")
    locals_: list[Value | float] = []
    for i, d in enumerate(given):
        if isinstance(d, Value):
            value = d.data
        elif isinstance(d, Real) and not isinstance(d, bool):
            value = d = float(d)
        else:
            raise TypeError(
                f"{_describe(node)}: its rule must give Values or numbers, got {type(d).__name__} for parent {i}"
            )
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
    if isinstance(inputs, Value):
        raise TypeError(f"{where}: inputs must be a list of Values, got one Value (pass [x])")
    if not isinstance(inputs, Iterable) or isinstance(inputs, (str, bytes)):
        raise TypeError(f"{where}: inputs must be a list of Values, got {type(inputs).__name__}")
    inputs = list(inputs)
    if not inputs:
        raise ValueError(f"{where}: inputs is empty (give the Values to differentiate with respect to)")
    for i, x in enumerate(inputs):
        if not isinstance(x, Value):
            raise TypeError(f"{where}: inputs[{i}] must be a Value, got {type(x).__name__}: {x!r}")
    return inputs


def _times(local: Value | float, g: Value | float) -> Value | float:
    """local · g, without building a node where one factor is the constant 0, 1 or −1."""
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
        # backward()'s own float walk, on a copy of the grads
        grads = dict(zip(order, backward_steps(order)[0]))
        results = [Value(grads.get(x, 0.0)) for x in inputs]
    else:
        # The nodes that depend on an input (the inputs included): only their derivatives are needed.
        needed = set(inputs)
        for node in order:
            if node.parents and not needed.isdisjoint(node.parents):
                needed.add(node)
        # The same walk with Values: contributions local × grad are collected per node, and summed
        # (one Σ node) when the node is reached, i.e. once every node that uses it has contributed.
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
    if len(inputs) > max_inputs:
        raise ValueError(
            f"hessian: {len(inputs)} inputs, more than max_inputs={max_inputs} "
            f"({len(inputs)} + 1 walks of the graph); pass a larger max_inputs, or use hvp() for H·v"
        )
    gradient = grad(root, inputs, create_graph=True)
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
    if isinstance(v, (str, bytes)) or not isinstance(v, Iterable):
        raise TypeError(f"hvp: v must be a list of numbers, got {type(v).__name__}")
    v = list(v)
    if len(v) != len(inputs):
        raise ValueError(f"hvp: v has {len(v)} entries but there are {len(inputs)} inputs")
    for i, t in enumerate(v):
        if isinstance(t, bool) or not isinstance(t, Real):
            raise TypeError(f"hvp: v[{i}] must be a number, got {type(t).__name__}: {t!r}")
        if not math.isfinite(t):
            raise ValueError(f"hvp: v[{i}] must be finite, got {t!r}")
    gradient = grad(root, inputs, create_graph=True)
    # g·v = Σᵢ gᵢvᵢ as one Σ node (entries with vᵢ = 0 left out)
    gv = _sum([_times(float(t), g) for g, t in zip(gradient, v)])
    if type(gv) is float:
        return [0.0] * len(inputs)
    return [r.data for r in grad(gv, inputs, allow_unused=True)]
