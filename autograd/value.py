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
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from numbers import Real
from operator import mul as _mul  # on floats, exactly float.__mul__, and twice as fast through map()

__all__ = [
    "Value",
    "weighted_sum",
    "total",
    "zero_grad",
    "detect_anomaly",
    "anomaly_mode_enabled",
    "AnomalyError",
]

_exp = math.exp
_log = math.log
_tanh = math.tanh
_cosh = math.cosh
_isfinite = math.isfinite


class AnomalyError(FloatingPointError):
    """Raised inside `detect_anomaly()` when an op or a step of `backward()` produces NaN or ±inf."""


# Anomaly mode is per thread (and per asyncio task): a context variable. Reading one costs more
# than a global, so the hot path first reads `_anomaly_blocks`, the number of `detect_anomaly()`
# blocks open in any thread: while it is 0 (always, unless you debug) a node costs one global
# lookup, as before, and only inside some block does `_anomaly_mode.get()` decide for this thread.
_anomaly_mode: ContextVar[bool] = ContextVar("chainrule_detect_anomaly", default=False)
_anomaly_blocks = 0
_anomaly_lock = threading.Lock()


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
        if label is not None and not isinstance(label, str):
            raise TypeError(f"label must be a str or None, got {type(label).__name__}: {label!r}")
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
        if not isinstance(op, str):
            raise TypeError(f"from_op: op must be a str (the op's name), got {type(op).__name__}: {op!r}")
        if label is not None and not isinstance(label, str):
            raise TypeError(f"from_op: label must be a str or None, got {type(label).__name__}: {label!r}")
        if isinstance(parents, Value) or not hasattr(parents, "__iter__"):
            raise TypeError(f"op {op!r}: parents must be a sequence of Values, got {type(parents).__name__}")
        if isinstance(local_grads, (str, bytes)) or not hasattr(local_grads, "__iter__"):
            raise TypeError(f"op {op!r}: local_grads must be a sequence of numbers, got {type(local_grads).__name__}")
        parents = tuple(parents)
        try:
            local_grads = tuple(_as_float(d, "a local derivative") for d in local_grads)
        except TypeError as exc:
            raise TypeError(f"op {op!r}: {exc}") from None
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
        if _anomaly_blocks and _anomaly_mode.get():
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
        """a / b; ∂/∂a = 1/b, ∂/∂b = −a/b², computed as −(a/b)/b.

        A primitive rather than a · b⁻¹: a / b is one correctly rounded float, a · (1/b) is two.
        Not −a/(b·b): b² under- or overflows long before a/b² does (1e-200 / 1e-170 has
        ∂/∂b = −1e140, but b² = 1e-340 is 0.0).
        """
        other = other if isinstance(other, Value) else Value(other)
        a, b = self.data, other.data
        if b == 0.0:
            if a != a:  # NaN / 0 is NaN (IEEE 754), not an error
                return Value._result(a, (self, other), (a, a), "/")
            raise ZeroDivisionError(f"op '/': division by zero ({a!r} / {b!r})")
        q = a / b
        return Value._result(q, (self, other), (1.0 / b, -q / b), "/")

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
        if a < 0.0 and _isfinite(n) and not n.is_integer():
            raise ValueError(f"op '**': {a!r} ** {n!r} is not a real number (negative base, fractional exponent)")
        try:
            out = a**n
        except OverflowError:
            raise OverflowError(f"op '**': {a!r} ** {n!r} overflows a float") from None
        op = _pow_ops.get(n)
        if op is None:
            # "**2", "**0.5"; the full repr where :g's 6 digits would lose the exponent (autograd.higher reads it)
            op = f"**{n:g}" if float(f"{n:g}") == n else f"**{n!r}"
            if len(_pow_ops) < 1024:
                _pow_ops[n] = op
        return Value._result(out, (self,), (_power_slope(a, n, out),), op)

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
        """tanh(x); d/dx = 1 − tanh(x)².

        Where |tanh x| ≥ 0.7, 1 − t² would cancel: at x = 20 it is 0.0 instead of 1.7e-17 (t rounds
        to 1.0). There the slope is computed as sech²x = 1/cosh²x, which keeps every digit (and,
        beyond |x| = 354, where cosh² overflows, as 4e/(1 + e)² with e = e⁻²|ˣ|).
        """
        x = self.data
        t = _tanh(x)
        if -0.7 < t < 0.7:
            d = 1.0 - t * t
        elif -354.0 < x < 354.0:
            c = _cosh(x)
            d = 1.0 / (c * c)
        else:  # (also NaN)
            e = _exp(-2.0 * abs(x))
            d = 4.0 * e / ((1.0 + e) * (1.0 + e))
        return Value._result(t, (self,), (d,), "tanh")

    def sigmoid(self) -> Value:
        """σ(x) = 1/(1 + e⁻ˣ); d/dx = σ(x)(1 − σ(x)). Never overflows: e⁻|ˣ| ≤ 1 is all it takes.

        The slope is e/(1 + e)² with e = e⁻|ˣ|, not σ·(1 − σ): for x > 37, σ rounds to 1.0 and
        1 − σ to 0.0, while the slope is still e⁻ˣ ≈ 8e-17.
        """
        x = self.data
        if x >= 0.0:
            e = _exp(-x)
            p = 1.0 + e
            s = 1.0 / p
            d = e / (p * p)
        else:  # (also NaN: exp(nan) is nan)
            e = _exp(x)
            p = 1.0 + e
            s = e / p
            d = s / p
        return Value._result(s, (self,), (d,), "sigmoid")

    def relu(self) -> Value:
        """max(0, x); d/dx = 1 for x > 0, else 0 (the subgradient 0 at the kink x = 0).

        NaN stays NaN (value and slope), as IEEE 754's `maximum` does: a NaN never becomes a 0.
        """
        x = self.data
        if x > 0.0:
            return Value._result(x, (self,), (1.0,), "relu")
        if x == x:
            return Value._result(0.0, (self,), (0.0,), "relu")
        return Value._result(x, (self,), (x,), "relu")

    # ------------------------------------------------------------------ backward

    def backward(self) -> None:
        """Fill in `grad` = ∂self/∂node for every node this one depends on (see `graph.backward`)."""
        _graph.backward(self)

    def zero_grad(self) -> None:
        """Set the grad of this node and of every node it depends on to 0."""
        for node in _graph.topological_order(self):
            node.grad = 0.0


_new_value = object.__new__
_pow_ops: dict[float, str] = {}  # exponent → op string, so `x**2` formats "**2" once, not per node


def _pow_value(base: Value, exponent: Value) -> Value:
    """aᵇ with both a Value: ∂/∂a = b·aᵇ⁻¹, ∂/∂b = aᵇ·ln a, defined for a > 0 (and a = 0 with b > 0)."""
    a, b = base.data, exponent.data
    if b != b and a != 1.0:  # a NaN exponent gives NaN (IEEE 754; 1 ** NaN is 1), whatever the base
        return Value._result(b, (base, exponent), (b, b), "**")
    if a == 0.0 and b > 0.0:
        # 0ᵇ = 0 for every b > 0, so ∂/∂b = 0 (aᵇ·ln a is 0 · −inf only as a formula)
        return Value._result(0.0, (base, exponent), (_power_slope(a, b, 0.0), 0.0), "**")
    if a <= 0.0:
        raise ValueError(f"op '**': {a!r} ** Value({b!r}) needs a base > 0 (∂/∂b = aᵇ·ln a is undefined)")
    try:
        out = a**b
    except OverflowError:
        raise OverflowError(f"op '**': {a!r} ** {b!r} overflows a float") from None
    if abs(out) >= _TINY:
        slope_b = out * _log(a)
    else:  # aᵇ has lost digits below 2.2e-308, aᵇ·ln a may not have: (a^(b/2))² · ln a
        h = a ** (b * 0.5)
        slope_b = h * (h * _log(a))
    return Value._result(out, (base, exponent), (_power_slope(a, b, out), slope_b), "**")


_TINY = 2.2250738585072014e-308  # the smallest normal float: below it a float has lost digits


def _power_slope(a: float, n: float, out: float) -> float:
    """n·aⁿ⁻¹ given out = aⁿ, without the intermediate over- or underflow of the formula.

    Computed as (aⁿ / a)·n: the exponent n − 1 is never rounded (for |n| ≥ 2⁵³ it would equal n,
    and for n = 0.3 it loses the digits that |ln a| ≈ 690 then multiplies), and a ** (n − 1)
    cannot overflow where the slope is a float (1e-300 ** -1 is 1e300, its slope −inf, not an
    OverflowError). Where aⁿ is below 2.2e-308 and has lost digits, |a|^((n−1)/2) is taken instead
    and squared with √|n| folded in: it is a full-precision float wherever the slope is one.
    """
    if n == 0.0:
        return 0.0  # a⁰ = 1 for every a, NaN included (IEEE 754)
    if a == 0.0:
        if n != n:
            return n
        # n > 0 here: the slope is +inf for n < 1 (√x at 0: vertical), 1 for n = 1, else 0
        return math.inf if n < 1.0 else (1.0 if n == 1.0 else 0.0)
    if not (_isfinite(a) and _isfinite(n)):
        return n * a ** (n - 1.0)  # IEEE 754 arithmetic on inf and NaN
    if abs(out) >= _TINY:
        d = (out / a) * n
        if not _isfinite(d) and abs(n) < 1.0:
            d = (n * out) / a  # |aⁿ⁻¹| may overflow while |n·aⁿ⁻¹| does not (n = −0.03, a = 1e-300)
        return d
    # n·aⁿ⁻¹ with the sign of n, times −1 when a < 0 and n − 1 is odd (n is an integer then)
    negative = (n < 0.0) != (a < 0.0 and (n - 1.0) % 2.0 == 1.0)
    try:
        h = abs(a) ** ((n - 1.0) * 0.5) * math.sqrt(abs(n))
    except OverflowError:
        return -math.inf if negative else math.inf
    return -(h * h) if negative else h * h


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
    return _weighted_sums((weights,), (bias,), xs, (label,))[0]


def _weighted_sums(
    rows: Sequence[Sequence[Value]], biases: Sequence[Value | None], xs: Sequence[Value], labels: Sequence[str | None]
) -> list[Value]:
    """One `weighted_sum` node per row of weights, all over the same inputs `xs` (a layer's z's).

    The inputs' tuple and data are read once for the whole layer instead of once per neuron (nn's hot
    path: about a tenth off a forward pass of a 16-wide layer). Arguments already checked: equal
    lengths, all Values. Each z is b + w₁x₁ + w₂x₂ + …, added left to right: the very float
    micrograd's Neuron computes (sum(map(mul)) runs the multiply-adds in C, in a Python loop's order).
    """
    xt = tuple(xs)
    xd = tuple([x.data for x in xt])
    out = []
    for ws, b, label in zip(rows, biases, labels):
        wd = [w.data for w in ws]
        if b is None:
            out.append(Value._result(sum(map(_mul, wd, xd)), (*ws, *xt), (*xd, *wd), "Σwx", label))
        else:
            out.append(Value._result(sum(map(_mul, wd, xd), b.data), (*ws, *xt, b), (*xd, *wd, 1.0), "Σwx+b", label))
    return out


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
        return Value._result(sum(map(_mul, wd, xs)), tuple(weights), tuple(xs), "Σwc", label)
    # b + w₁c₁ + w₂c₂ + …, left to right, as `_weighted_sums` adds
    z = sum(map(_mul, wd, xs), bias.data)
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
    """Inside this block, the first NaN or ±inf raises `AnomalyError`, naming where it came from.

    - an op whose output or local derivative is NaN or ±inf: the op, its inputs and the node;
    - a leaf holding NaN or ±inf, at its first use: the leaf's label and the op that uses it;
    - in `backward()`, a grad that becomes NaN or ±inf: the edge parent → child, its local
      derivative and the upstream grad, and whether the product or the sum overflowed.

    The mode is per thread (a context variable): other threads run unchecked, and at full speed.

    >>> with detect_anomaly():
    ...     y = (Value(1e308) * 10).log()      # doctest: +SKIP
    AnomalyError: op '*' produced output inf from inputs (1e+308, 10.0)
    """
    global _anomaly_blocks
    with _anomaly_lock:
        _anomaly_blocks += 1
    token = _anomaly_mode.set(True)
    try:
        yield
    finally:
        _anomaly_mode.reset(token)
        with _anomaly_lock:
            _anomaly_blocks -= 1


def anomaly_mode_enabled() -> bool:
    """Whether this thread is inside `detect_anomaly()`."""
    return bool(_anomaly_blocks) and _anomaly_mode.get()


def _check(node: Value) -> None:
    """Anomaly mode's check of a new node: its inputs, then its output and local derivatives."""
    name = f" (node {node.label!r})" if node.label is not None else ""
    for p in node.parents:
        if not _isfinite(p.data):
            if not p.parents:
                raise AnomalyError(
                    f"{_node_words(p)} holds {p.data!r}: it enters the graph here, at its first use, "
                    f"as an input of op {node.op!r}{name}"
                )
            raise AnomalyError(
                f"op {node.op!r}{name} got the input {_node_words(p)} = {p.data!r} from op {p.op!r}, "
                f"made before detect_anomaly() began"
            )
    bad = [d for d in node.local_grads if not _isfinite(d)]
    if _isfinite(node.data) and not bad:
        return
    inputs = ", ".join(_describe(p) for p in node.parents)
    what = f"output {node.data!r}" if not _isfinite(node.data) else f"local derivative {bad[0]!r}"
    raise AnomalyError(f"op {node.op!r}{name} produced {what} from inputs ({inputs})")


def _describe(v: Value) -> str:
    return f"{v.label}={v.data!r}" if v.label is not None else repr(v.data)


def _node_words(v: Value) -> str:
    """A node in words, for error messages: "leaf 'x_1'", "node 'z_1^(2)' (op 'Σwx+b')", "a '*' node"."""
    kind = "leaf" if not v.parents else "node"
    if v.label is not None:
        return f"{kind} {v.label!r}" + (f" (op {v.op!r})" if v.parents else "")
    return "a constant leaf" if not v.parents else f"an unlabelled {v.op!r} node"


# At the bottom, and as modules: graph.py imports this module too (for anomaly mode), so whichever
# of the two is imported first, the other finds it in sys.modules.
from . import graph as _graph  # noqa: E402
from .higher import CustomOp  # noqa: E402
