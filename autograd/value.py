"""The `Value` node: one number, the operation that made it, and that operation's local derivatives.

What it is: a scalar in a computation graph. Each op computes its output *and* the partial
derivatives of the output with respect to each input, and stores both on the new node:

    node.parents[i]      the i-th input of the op
    node.local_grads[i]  ∂node/∂parents[i], a float, computed when the node is made

`backward()` (in `graph.py`) then applies the chain rule with nothing but these numbers:
every edge parent → node contributes `local_grad × node.grad` to `parent.grad`.

What it is not: a tensor library. There are no closures here (the local derivative is data you can
print, draw and test), so no node sits in a reference cycle and the garbage collector has nothing
to chase.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from numbers import Real

__all__ = [
    "Value",
    "weighted_sum",
    "total",
    "zero_grad",
    "detect_anomaly",
    "AnomalyError",
]

_exp = math.exp
_log = math.log
_tanh = math.tanh
_isfinite = math.isfinite


class AnomalyError(FloatingPointError):
    """Raised inside `detect_anomaly()` when an op produces NaN or ±inf."""


# Set by `detect_anomaly()`; read by `Value._result` (one global lookup per node).
_check_anomalies = False


def _as_float(x: object, what: str = "Value data") -> float:
    """`x` as a float, or a TypeError naming its type (bool and complex are refused)."""
    if type(x) is float:
        return x
    if isinstance(x, Real) and not isinstance(x, bool):
        return float(x)
    raise TypeError(f"{what} must be a real number (int or float), got {type(x).__name__}: {x!r}")


class Value:
    """A scalar node of the computation graph.

    >>> a = Value(2.0, label="a"); b = Value(-3.0, label="b")
    >>> c = a * b + a          # c = ab + a
    >>> c.backward()
    >>> a.grad, b.grad         # ∂c/∂a = b + 1, ∂c/∂b = a
    (-2.0, 2.0)

    Fields: `data` (float), `grad` (float, ∂root/∂self after `root.backward()`), `parents`
    (tuple of Values), `local_grads` (tuple of floats, ∂self/∂parents[i]), `op` (str, '' for a
    leaf) and `label` (str or None, used when printing and drawing).
    """

    __slots__ = ("data", "grad", "parents", "local_grads", "op", "label")

    def __init__(self, data: float, label: str | None = None) -> None:
        """A leaf: a number you supply (an input or a parameter)."""
        self.data = _as_float(data)
        self.grad = 0.0
        self.parents: tuple[Value, ...] = ()
        self.local_grads: tuple[float, ...] = ()
        self.op = ""
        self.label = label

    @classmethod
    def from_op(
        cls,
        data: float,
        parents: Sequence[Value],
        local_grads: Sequence[float],
        op: str,
        label: str | None = None,
        *,
        rule: Callable[[Value], Sequence[Value | float]] | None = None,
    ) -> Value:
        """Make the node of a custom op, checking what the built-in ops are trusted to get right.

        `local_grads[i]` must be ∂data/∂parents[i]. Use this to add an op of your own:

        >>> x = Value(3.0)
        >>> cube = Value.from_op(x.data ** 3, (x,), (3 * x.data ** 2,), "cube")

        `rule(node)`, optional, gives the same local derivatives as Values built from `node.parents`
        (e.g. `lambda node: (3 * node.parents[0] ** 2,)`); only `autograd.grad(..., create_graph=True)`
        (derivatives of derivatives, `autograd.higher`) needs it. The node's op becomes a `CustomOp`,
        a str that carries the rule, so a custom op is never mistaken for a built-in one of the same name.
        """
        parents = tuple(parents)
        local_grads = tuple(_as_float(d, "a local derivative") for d in local_grads)
        for p in parents:
            if not isinstance(p, Value):
                raise TypeError(f"op {op!r}: parents must be Values, got {type(p).__name__}")
        if len(parents) != len(local_grads):
            raise ValueError(f"op {op!r}: {len(parents)} parents but {len(local_grads)} local derivatives")
        op = CustomOp(op, rule)
        return Value._result(_as_float(data, f"op {op!r} output"), parents, local_grads, op, label)

    @staticmethod
    def _result(data: float, parents: tuple, local_grads: tuple, op: str, label: str | None = None) -> Value:
        """The node an op returns. Every op goes through here, so anomaly mode is checked once."""
        # Built without __init__: the op already has a float, and skipping the type check
        # makes node creation, the hot path of every forward pass, ~1.8× faster (0.22 vs 0.38 µs).
        node = _new_value(Value)
        node.data = data
        node.grad = 0.0
        node.parents = parents
        node.local_grads = local_grads
        node.op = op
        node.label = label
        if _check_anomalies:
            _check(node)
        return node

    # ------------------------------------------------------------------ printing

    def __repr__(self) -> str:
        name = f"label={self.label!r}, " if self.label is not None else ""
        op = f", op={self.op!r}" if self.op else ""
        return f"Value({name}data={self.data:.6g}, grad={self.grad:.6g}{op})"

    def __float__(self) -> float:
        return self.data

    # ------------------------------------------------------------------ binary ops
    # A number on either side becomes a constant leaf, as in micrograd, so it shows in the graph.

    def __add__(self, other: Value | float) -> Value:
        """a + b; ∂/∂a = 1, ∂/∂b = 1."""
        other = other if isinstance(other, Value) else Value(other)
        return Value._result(self.data + other.data, (self, other), (1.0, 1.0), "+")

    def __radd__(self, other: float) -> Value:
        return Value(other) + self

    def __sub__(self, other: Value | float) -> Value:
        """a − b; ∂/∂a = 1, ∂/∂b = −1."""
        other = other if isinstance(other, Value) else Value(other)
        return Value._result(self.data - other.data, (self, other), (1.0, -1.0), "-")

    def __rsub__(self, other: float) -> Value:
        return Value(other) - self

    def __mul__(self, other: Value | float) -> Value:
        """a · b; ∂/∂a = b, ∂/∂b = a."""
        other = other if isinstance(other, Value) else Value(other)
        return Value._result(self.data * other.data, (self, other), (other.data, self.data), "*")

    def __rmul__(self, other: float) -> Value:
        return Value(other) * self

    def __truediv__(self, other: Value | float) -> Value:
        """a / b; ∂/∂a = 1/b, ∂/∂b = −a/b².

        A primitive rather than a · b⁻¹: a / b is one correctly rounded float, a · (1/b) is two.
        """
        other = other if isinstance(other, Value) else Value(other)
        a, b = self.data, other.data
        if b == 0.0:
            raise ZeroDivisionError(f"op '/': division by zero ({a!r} / {b!r})")
        return Value._result(a / b, (self, other), (1.0 / b, -a / (b * b)), "/")

    def __rtruediv__(self, other: float) -> Value:
        return Value(other) / self

    def __pow__(self, other: Value | float) -> Value:
        """aⁿ for a number n: ∂/∂a = n·aⁿ⁻¹.  aᵇ for a Value b (a > 0): ∂/∂a = b·aᵇ⁻¹, ∂/∂b = aᵇ·ln a."""
        if isinstance(other, Value):
            return _pow_value(self, other)
        n = _as_float(other, "exponent")
        a = self.data
        if a == 0.0 and n < 0.0:
            raise ZeroDivisionError(f"op '**': 0.0 ** {n!r} is undefined (0 to a negative power)")
        if a < 0.0 and not n.is_integer():
            raise ValueError(f"op '**': {a!r} ** {n!r} is not a real number (negative base, fractional exponent)")
        try:
            out = a**n
        except OverflowError:
            raise OverflowError(f"op '**': {a!r} ** {n!r} overflows a float") from None
        if n == 0.0:
            d = 0.0
        elif a == 0.0 and n < 1.0:
            d = math.inf  # e.g. √x at 0: the slope is vertical
        else:
            d = n * a ** (n - 1.0)
        op = _pow_ops.get(n)
        if op is None:
            # "**2", "**0.5"; the full repr where :g's 6 digits would lose the exponent (autograd.higher reads it)
            op = f"**{n:g}" if float(f"{n:g}") == n else f"**{n!r}"
            if len(_pow_ops) < 1024:
                _pow_ops[n] = op
        return Value._result(out, (self,), (d,), op)

    def __rpow__(self, other: float) -> Value:
        return _pow_value(Value(other), self)

    # ------------------------------------------------------------------ unary ops

    def __neg__(self) -> Value:
        """−a; ∂/∂a = −1."""
        return Value._result(-self.data, (self,), (-1.0,), "neg")

    def __pos__(self) -> Value:
        return self

    def exp(self) -> Value:
        """eˣ; d/dx = eˣ."""
        x = self.data
        try:
            e = _exp(x)
        except OverflowError:
            raise OverflowError(f"op 'exp': exp({x!r}) overflows a float (x > 709.78)") from None
        return Value._result(e, (self,), (e,), "exp")

    def log(self) -> Value:
        """ln x, defined for x > 0; d/dx = 1/x."""
        x = self.data
        if x <= 0.0:
            raise ValueError(f"op 'log': log({x!r}) is undefined (log needs x > 0)")
        return Value._result(_log(x), (self,), (1.0 / x,), "log")

    def tanh(self) -> Value:
        """tanh(x); d/dx = 1 − tanh(x)²."""
        t = _tanh(self.data)
        return Value._result(t, (self,), (1.0 - t * t,), "tanh")

    def sigmoid(self) -> Value:
        """σ(x) = 1/(1 + e⁻ˣ); d/dx = σ(x)(1 − σ(x)). Never overflows: e⁻|ˣ| ≤ 1 is all it takes."""
        x = self.data
        if x >= 0.0:
            s = 1.0 / (1.0 + _exp(-x))
        else:
            e = _exp(x)
            s = e / (1.0 + e)
        return Value._result(s, (self,), (s * (1.0 - s),), "sigmoid")

    def relu(self) -> Value:
        """max(0, x); d/dx = 1 for x > 0, else 0 (the subgradient 0 at the kink x = 0)."""
        x = self.data
        if x > 0.0:
            return Value._result(x, (self,), (1.0,), "relu")
        return Value._result(0.0, (self,), (0.0,), "relu")

    # ------------------------------------------------------------------ backward

    def backward(self) -> None:
        """Fill in `grad` = ∂self/∂node for every node this one depends on (see `graph.backward`)."""
        _backward(self)

    def zero_grad(self) -> None:
        """Set the grad of this node and of every node it depends on to 0."""
        for node in _topological_order(self):
            node.grad = 0.0


_new_value = object.__new__
_pow_ops: dict[float, str] = {}  # exponent → op string, so `x**2` formats "**2" once, not per node


def _pow_value(base: Value, exponent: Value) -> Value:
    """aᵇ with both a Value: ∂/∂a = b·aᵇ⁻¹, ∂/∂b = aᵇ·ln a, defined for a > 0."""
    a, b = base.data, exponent.data
    if a <= 0.0:
        raise ValueError(f"op '**': {a!r} ** Value({b!r}) needs a base > 0 (∂/∂b = aᵇ·ln a is undefined)")
    try:
        out = a**b
    except OverflowError:
        raise OverflowError(f"op '**': {a!r} ** {b!r} overflows a float") from None
    return Value._result(out, (base, exponent), (b * a ** (b - 1.0), out * _log(a)), "**")


def weighted_sum(
    weights: Sequence[Value],
    inputs: Sequence[Value | float],
    bias: Value | float | None = None,
    label: str | None = None,
) -> Value:
    """z = b + Σᵢ wᵢxᵢ as ONE node (a neuron's pre-activation, the course's z).

    Parents are (w₁…wₙ, x₁…xₙ, b) and local derivatives (x₁…xₙ, w₁…wₙ, 1):
    ∂z/∂wᵢ = xᵢ, ∂z/∂xᵢ = wᵢ, ∂z/∂b = 1. Numbers among the inputs or the bias become constant leaves.
    """
    if len(weights) != len(inputs):
        raise ValueError(f"weighted_sum: {len(weights)} weights but {len(inputs)} inputs")
    for w in weights:
        if not isinstance(w, Value):
            raise TypeError(f"weighted_sum: weights must be Values, got {type(w).__name__}")
    xs = [x if isinstance(x, Value) else Value(x) for x in inputs]
    if bias is not None and not isinstance(bias, Value):
        bias = Value(bias)
    return _weighted_sum(weights, xs, bias, label)


def _weighted_sum(weights: Sequence[Value], xs: Sequence[Value], bias: Value | None, label: str | None) -> Value:
    """`weighted_sum` for arguments already checked: equal lengths, all Values (nn's hot path)."""
    wd = [w.data for w in weights]
    xd = [x.data for x in xs]
    if bias is None:
        # sum(map(mul)) runs the n multiply-adds in C, in the same order as a Python loop.
        z = sum(map(float.__mul__, wd, xd))
        return Value._result(z, (*weights, *xs), (*xd, *wd), "Σwx", label)
    # b + w₁x₁ + w₂x₂ + …, left to right: the very float micrograd's Neuron computes.
    z = sum(map(float.__mul__, wd, xd), bias.data)
    return Value._result(z, (*weights, *xs, bias), (*xd, *wd, 1.0), "Σwx+b", label)


def _weighted_sum_of_constants(
    weights: Sequence[Value], xs: Sequence[float], bias: Value | None, label: str | None
) -> Value:
    """z = b + Σᵢ wᵢcᵢ with the cᵢ plain floats (constants, not nodes): op "Σwc+b" (or "Σwc").

    Parents (w₁…wₙ, b), local derivatives (c₁…cₙ, 1): the same z and the same ∂z/∂w as
    `weighted_sum` with constant leaves, but no edge to the constants, so backward spends nothing
    on derivatives nobody reads (a network's inputs while training). Arguments already checked:
    equal lengths, Values and floats (nn's hot path).
    """
    wd = [w.data for w in weights]
    if bias is None:
        return Value._result(sum(map(float.__mul__, wd, xs)), tuple(weights), tuple(xs), "Σwc", label)
    # b + w₁c₁ + w₂c₂ + …, left to right, as `_weighted_sum` adds
    z = sum(map(float.__mul__, wd, xs), bias.data)
    return Value._result(z, (*weights, bias), (*xs, 1.0), "Σwc+b", label)


def total(values: Iterable[Value | float], label: str | None = None) -> Value:
    """Σᵢ vᵢ as ONE node with n parents, each local derivative 1.

    Python's `sum()` builds a chain of n binary `+` nodes (deep graphs, n nodes); this builds one.
    Use it for losses and batches.
    """
    vs = tuple(v if isinstance(v, Value) else Value(v) for v in values)
    if not vs:
        raise ValueError("total: needs at least one value")
    # Summed left to right, so the result is the same float as the chain `sum()` would build.
    return Value._result(sum([v.data for v in vs]), vs, (1.0,) * len(vs), "Σ", label)


def zero_grad(values: Iterable[Value]) -> None:
    """Set `grad = 0.0` on each of `values` (typically a model's parameters)."""
    for v in values:
        v.grad = 0.0


@contextmanager
def detect_anomaly() -> Iterator[None]:
    """Inside this block, the first op whose output is NaN or ±inf raises `AnomalyError`.

    >>> with detect_anomaly():
    ...     y = (Value(1e308) * 10).log()      # doctest: +SKIP
    AnomalyError: op '*' produced inf from inputs (1e+308, 10.0) ...
    """
    global _check_anomalies
    previous = _check_anomalies
    _check_anomalies = True
    try:
        yield
    finally:
        _check_anomalies = previous


def _check(node: Value) -> None:
    bad = [d for d in node.local_grads if not _isfinite(d)]
    if _isfinite(node.data) and not bad:
        return
    inputs = ", ".join(_describe(p) for p in node.parents)
    what = f"output {node.data!r}" if not _isfinite(node.data) else f"local derivative {bad[0]!r}"
    name = f" (node {node.label!r})" if node.label is not None else ""
    raise AnomalyError(f"op {node.op!r}{name} produced {what} from inputs ({inputs})")


def _describe(v: Value) -> str:
    return f"{v.label}={v.data!r}" if v.label is not None else repr(v.data)


# Bound at the bottom to avoid an import cycle: graph.py needs Value only for type hints.
from .graph import backward as _backward  # noqa: E402
from .graph import topological_order as _topological_order  # noqa: E402
from .higher import CustomOp  # noqa: E402
