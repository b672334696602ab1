"""The op objects: what `node.op` is, and each op's derivative written as Values.

What it is: `node.op` is a str equal to the op's name — "+", "*", "tanh", "**2", "Σwx+b" — so it
prints, compares (`node.op == "*"`) and draws as that name. It is also an `Op`, which carries

    op.rule(node)   ∂node/∂parents[i] for each i, as Values built from node.parents and node (or
                    plain numbers where a derivative is a constant): what `autograd.higher`
                    multiplies along each edge to write backward() itself as a graph
    op.kind         the family: "**n" for every number power, else the name
    op.params       the numbers the op was made with: a power's exponent, clamp's bounds, a loss's
                    targets — what a view that recomputes the op (the explorer page) needs; each
                    is an attribute too (`op.exponent`, `op.lo`, `op.hi`, `op.targets`)
    op.moved        for ops that record their factors' data (a product), how the stale-graph
                    check (`guards.find_stale`) reads it; None for the others

The table below is HIPS autograd's idea (one line of derivative per op) with the chain rule's
local derivatives: `z` is the node, `a, b` its parents. The float derivatives that `backward()`
uses are written in the ops of `value.py`, where a learner reads them; tests/test_ops.py evaluates
every op's float form and its rule at random and at extreme-range points and requires agreement to
1e-15, so the two cannot drift. Where a float form calls `numerics`, its rule calls the same
function on Values. `Value.from_op`'s ops are `CustomOp`s, carrying the rule a user gives.

What it is not: dependent on the node. Nothing here imports `Value`; a rule uses the Values'
own arithmetic (`1.0 / b`, `a.sigmoid()`), so this module sits below `value.py`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from .args import real, sequence, text
from .guards import first_moved
from .numerics import power_log_slope, power_slope, sech2

__all__ = ["Op", "CustomOp", "Rule", "KINDS", "op", "power_op", "clamp_op"]

Rule = Callable[[Any], Sequence[Any]]
"""rule(node) → (∂node/∂parents[0], ∂node/∂parents[1], …) as Values built from node.parents (or
the node itself), or plain numbers where a derivative is a constant."""


class Op(str):
    """An op's name (the str itself) with its rule for derivatives of derivatives and its parameters.

    >>> from autograd import Value
    >>> z = Value(2.0) * Value(3.0)
    >>> z.op == "*", z.op.kind, z.op.rule(z) == z.parents[::-1]
    (True, '*', True)
    """

    rule: Rule | None
    kind: str
    params: dict
    moved: Callable | None

    def __new__(cls, name: str, rule: Rule | None, *, kind: str | None = None, moved=None, **params: Any) -> Op:
        self = super().__new__(cls, name)
        self.rule = rule
        self.kind = name if kind is None else kind
        self.params = params
        self.moved = moved
        self.__dict__.update(params)  # op.exponent, op.lo, op.hi, op.targets: the params as attributes too
        return self

    def __reduce__(self):  # a pickled op is its name (rules are functions: they do not pickle)
        return (str, (str(self),))


KINDS: dict[str, str] = {}
"""Every kind of built-in op → a one-line description: the op table (value.py's ops register
here; fused.py's n-ary ops too). The explorer page has a mirror of each."""


def op(name: str, what: str, moved: Callable | None = None) -> Callable[[Callable], Op]:
    """Decorator: the rule `f(z, *parents)` becomes the Op called `name`, registered in KINDS."""

    def make(f: Callable) -> Op:
        KINDS[name] = what
        return Op(name, lambda z: f(z, *z.parents), moved=moved)

    return make


# ---------------------------------------------------------------- the table: z = the node, a, b = its parents


@op("+", "a + b")
def ADD(z, a, b):
    return 1.0, 1.0


@op("-", "a − b")
def SUB(z, a, b):
    return 1.0, -1.0


def _mul_moved(z, suspects):
    (a, b), (da, db) = z.parents, z.local_grads  # ∂z/∂a is b's data when z was built, and vice versa
    return first_moved(((a, db), (b, da)), suspects)


@op("*", "a · b", moved=_mul_moved)
def MUL(z, a, b):
    return b, a  # ∂(ab)/∂a = b, ∂(ab)/∂b = a: the parents themselves


@op("/", "a / b")
def DIV(z, a, b):
    return 1.0 / b, -(z / b)  # −a/b² as −(a/b)/b: the node divided once more, b² never formed


@op("neg", "−a")
def NEG(z, a):
    return (-1.0,)


@op("exp", "eᵃ")
def EXP(z, a):
    return (z,)  # (eᵃ)′ = eᵃ: the node itself


@op("log", "ln a")
def LOG(z, a):
    return (1.0 / a,)


@op("tanh", "tanh a")
def TANH(z, a):
    return (1.0 - z * z if -0.7 < z.data < 0.7 else sech2(a),)  # the same threshold as value.py


@op("sigmoid", "σ(a) = 1/(1 + e⁻ᵃ)")
def SIGMOID(z, a):
    return (z * (-a).sigmoid(),)  # σ(1 − σ) as σ(a)·σ(−a): both factors keep every digit


@op("relu", "max(0, a)")
def RELU(z, a):
    return z.local_grads  # 1 or 0 (or NaN): a constant, so relu″ = 0 everywhere, kink included


@op("abs", "|a|")
def ABS(z, a):
    return z.local_grads  # sign(a), 0 at the kink: a constant


@op("sqrt", "√a")
def SQRT(z, a):
    return (0.5 / z if z.data else math.inf,)  # 1/(2√a): +inf at 0 (vertical)


@op("softplus", "ln(1 + eᵃ)")
def SOFTPLUS(z, a):
    return (a.sigmoid(),)


@op("log_sigmoid", "ln σ(a)")
def LOG_SIGMOID(z, a):
    return ((-a).sigmoid(),)  # 1 − σ(a) = σ(−a), without the cancellation


@op("maximum", "max(a, b)")
def MAXIMUM(z, a, b):
    return z.local_grads  # (1, 0) or (0, 1): constants


@op("minimum", "min(a, b)")
def MINIMUM(z, a, b):
    return z.local_grads


@op("**", "aᵇ, b a Value")
def POW(z, a, b):
    return power_slope(a, b, z), power_log_slope(a, b, z)


def _pow_number(z):
    (a,) = z.parents
    n = z.op.params["exponent"]
    return (2.0 * a,) if n == 2.0 else (power_slope(a, n, z),)  # 2a: the readable form of the one exact case


def _clamp(z):
    return z.local_grads  # 1 inside, 0 at and beyond the bounds: a constant


KINDS["**n"] = "aⁿ, n a number (op '**2', '**0.5', …; op.params['exponent'] = n)"
KINDS["clamp"] = "min(max(a, lo), hi) (op.params: lo, hi)"

_powers: dict[float, Op] = {}
_clamps: dict[tuple[float, float], Op] = {}
_CACHE = 1024  # distinct exponents (or bounds) kept: an op made for each node beyond that


def power_op(n: float) -> Op:
    """The op of aⁿ for the number n: "**2", "**0.5", or n's full repr where :g would lose digits."""
    found = _powers.get(n)
    if found is None:
        name = f"**{n:g}" if float(f"{n:g}") == n else f"**{n!r}"
        found = Op(name, _pow_number, kind="**n", exponent=n)
        if len(_powers) < _CACHE:
            _powers[n] = found
    return found


def clamp_op(lo: float, hi: float) -> Op:
    """The op of clamp(a, lo, hi): named "clamp", its bounds in op.params."""
    found = _clamps.get((lo, hi))
    if found is None:
        found = Op("clamp", _clamp, lo=lo, hi=hi)
        if len(_clamps) < _CACHE:
            _clamps[lo, hi] = found
    return found


# ---------------------------------------------------------------- ops of your own


class CustomOp(Op):
    """The op of a node made by `Value.from_op`: a str (it prints, compares and draws as the op's
    name) that carries the rule given to `from_op(..., rule=...)`, or None. A custom op called
    "tanh" is not the built-in tanh: its rule is its own.

    >>> op = CustomOp("cube", lambda node: (3 * node.parents[0] ** 2,))
    >>> op == "cube", op.rule is not None
    (True, True)
    """

    def __new__(cls, name: str, rule: Rule | None = None) -> CustomOp:
        if not isinstance(name, str):
            raise TypeError(f"Value.from_op: op must be a str (the op's name), got {type(name).__name__}: {name!r}")
        if rule is not None and not callable(rule):
            raise TypeError(
                f"Value.from_op: rule for op {name!r} must be a function node → local derivatives as Values, "
                f"got {type(rule).__name__}"
            )
        return super().__new__(cls, name, rule)

    def checked(self, data: object, parents: object, local_grads: object, label: object, kind: type) -> tuple:
        """`Value.from_op`'s arguments checked: (data, parents, local_grads) as a float and two
        tuples, parents of class `kind` (Value), as many as the derivatives, which are numbers."""
        where = f"Value.from_op (op {str(self)!r})"
        parents = tuple(sequence(parents, where, "parents", of=kind, nonempty=False))
        grads = sequence(local_grads, where, "local_grads", nonempty=False)
        grads = tuple(real(d, where, "a local derivative", finite=False) for d in grads)
        if len(parents) != len(grads):
            raise ValueError(f"{where}: {len(parents)} parents but {len(grads)} local derivatives")
        text(label, where, "label", none=True)
        return real(data, where, "data", finite=False), parents, grads
