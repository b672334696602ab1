"""The node of the computation graph and its ops: the local half of the chain rule.

Each op computes its output *and* its local derivatives — the partial derivative of the output
with respect to each input — and stores both on the node it returns: `node.parents[i]` is the
i-th input, `node.local_grads[i]` = ∂node/∂parents[i], a float. `backward()` (graph.py, the other
half) then applies the chain rule with nothing but these numbers. Each op below is a few lines:
output, local derivatives, the textbook derivative in its docstring. Where that formula loses
digits at extreme inputs, the op calls an equal form from `numerics.py`, which says why.
`node.op` is an op object (`ops.py`): a str ("*", "tanh") that also carries the derivative as Values.

What it is not: a tensor library, nor a closure per node: a local derivative is data you can
print, draw and test, and no node sits in a reference cycle.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from . import ops
from .args import real, text
from .graph import backward, topological_order
from .guards import guard, watch_new_node
from .numerics import exp, power, power_log_slope, power_slope, sech2

__all__ = ["Value", "make_node"]


class Value:
    """A scalar node of the computation graph: `data`, `grad` (∂root/∂self after root.backward()),
    `parents`, `local_grads`, `op` ('' for a leaf) and `label` (str or None, for printing and drawing).

    >>> a = Value(2.0, label="a"); b = Value(-3.0, label="b")
    >>> c = a * b + a          # c = ab + a;  ∂c/∂a = b + 1, ∂c/∂b = a
    >>> c.backward(); a.grad, b.grad
    (-2.0, 2.0)

    A number in an op becomes a constant leaf (`x * 0.5`), shown in every view. `<`, `<=`, `>`, `>=`
    compare the data (so `max(values)` works); `==` and hashing stay by identity (sets, dicts).
    """

    __slots__ = ("data", "grad", "parents", "local_grads", "op", "label", "__weakref__")

    def __init__(self, data: float, label: str | None = None) -> None:
        """A leaf: an input, a parameter or a constant. TypeError/ValueError for data that is not a real number."""
        self.data = data if type(data) is float else real(data, "Value", "data", finite=False)
        self.grad = 0.0
        self.parents, self.local_grads, self.op = (), (), ""
        self.label = label if label is None else text(label, "Value", "label", none=True)

    @classmethod
    def from_op(
        cls, data: float, parents: Sequence[Value], local_grads: Sequence[float], op: str, label: str | None = None,
        *, rule: Callable[[Value], Sequence[Value | float]] | None = None,
    ) -> Value:  # fmt: skip
        """The node of an op of your own: `local_grads[i]` must be ∂data/∂parents[i].

        >>> x = Value(3.0)
        >>> cube = Value.from_op(x.data ** 3, [x], [3 * x.data ** 2], "cube", rule=lambda z: (3 * z.parents[0] ** 2,))

        `rule(node)`, needed only by `autograd.grad(..., create_graph=True)`, gives the same
        derivatives as Values built from `node.parents`. TypeError/ValueError naming the op when the
        parents are not Values, the derivatives not numbers, or their counts differ.
        """
        op = ops.CustomOp(op, rule)
        return make_node(*op.checked(data, parents, local_grads, label, Value), op, label)  # checked: see ops.py

    def __repr__(self) -> str:
        name = f"label={self.label!r}, " if self.label is not None else ""
        op = f", op={str(self.op)!r}" if self.op else ""
        return f"Value({name}data={self.data:.6g}, grad={self.grad:.6g}{op})"

    def __format__(self, spec: str) -> str:
        return format(self.data, spec) if spec else repr(self)  # f"{loss:.4f}" formats the data

    def __float__(self) -> float:  # what math.tanh(x) calls: its float would be a number backward() never sees
        raise TypeError("float(Value) leaves the graph: read .data for the number, or stay in the graph with "
                        "the op's method: x.tanh(), x.exp(), x.log(), x.sqrt(), abs(x), x ** n")  # fmt: skip

    __lt__ = lambda self, other: self.data < _data(other, "<")  # ordering compares the data
    __le__ = lambda self, other: self.data <= _data(other, "<=")
    __gt__ = lambda self, other: self.data > _data(other, ">")
    __ge__ = lambda self, other: self.data >= _data(other, ">=")

    # ---------------------------------------------------------------- ops of two inputs

    def __add__(self, other: Value | float) -> Value:
        """a + b;  ∂/∂a = 1, ∂/∂b = 1."""
        other = other if isinstance(other, Value) else _constant(other, "op '+'")
        return make_node(self.data + other.data, (self, other), (1.0, 1.0), ops.ADD)

    def __sub__(self, other: Value | float) -> Value:
        """a − b;  ∂/∂a = 1, ∂/∂b = −1."""
        other = other if isinstance(other, Value) else _constant(other, "op '-'")
        return make_node(self.data - other.data, (self, other), (1.0, -1.0), ops.SUB)

    def __mul__(self, other: Value | float) -> Value:
        """a · b;  ∂/∂a = b, ∂/∂b = a."""
        other = other if isinstance(other, Value) else _constant(other, "op '*'")
        return make_node(self.data * other.data, (self, other), (other.data, self.data), ops.MUL)

    def __truediv__(self, other: Value | float) -> Value:
        """a / b;  ∂/∂a = 1/b, ∂/∂b = −a/b², computed as −(a/b)/b (b² under- or overflows long before a/b² does)."""
        other = other if isinstance(other, Value) else _constant(other, "op '/'")
        a, b = self.data, other.data
        if b == 0.0:
            if a == a:
                raise ZeroDivisionError(f"op '/': division by zero ({a!r} / {b!r})")
            return make_node(a, (self, other), (a, a), ops.DIV)  # NaN / 0 is NaN (IEEE 754)
        q = a / b
        return make_node(q, (self, other), (1.0 / b, -q / b), ops.DIV)

    def __pow__(self, other: Value | float) -> Value:
        """aⁿ, n a number: ∂/∂a = n·aⁿ⁻¹ (as (aⁿ/a)·n).  aᵇ, b a Value: ∂/∂a = b·aᵇ⁻¹, ∂/∂b = aᵇ·ln a."""
        a = self.data
        if not isinstance(other, Value):
            n = other if type(other) is float else real(other, "op '**'", "exponent", finite=False)
            out = power(a, n)
            return make_node(out, (self,), (power_slope(a, n, out),), ops.power_op(n))
        b = other.data
        out = power(a, b, exponent_is_a_value=True)
        return make_node(out, (self, other), (power_slope(a, b, out), power_log_slope(a, b, out)), ops.POW)

    # a number on the left: 2 + x, 2 - x, 2 * x, 2 / x, 2 ** x (the constant comes first in the node)
    __radd__ = lambda self, other: _constant(other, "op '+'") + self
    __rsub__ = lambda self, other: _constant(other, "op '-'") - self
    __rmul__ = lambda self, other: _constant(other, "op '*'") * self
    __rtruediv__ = lambda self, other: _constant(other, "op '/'") / self
    __rpow__ = lambda self, other: _constant(other, "op '**'") ** self

    def maximum(self, other: Value | float) -> Value:
        """max(a, b);  ∂/∂a = 1 where a > b, else 0; ∂/∂b = 1 − ∂/∂a (a tie passes the grad to b). NaN wins."""
        other = other if isinstance(other, Value) else _constant(other, "op 'maximum'")
        return _pick(self, other, self.data > other.data, ops.MAXIMUM)

    def minimum(self, other: Value | float) -> Value:
        """min(a, b);  ∂/∂a = 1 where a < b, else 0; ∂/∂b = 1 − ∂/∂a (a tie passes the grad to b). NaN wins."""
        other = other if isinstance(other, Value) else _constant(other, "op 'minimum'")
        return _pick(self, other, self.data < other.data, ops.MINIMUM)

    # ---------------------------------------------------------------- ops of one input

    def __neg__(self) -> Value:
        """−a;  ∂/∂a = −1."""
        return make_node(-self.data, (self,), (-1.0,), ops.NEG)

    __pos__ = lambda self: self

    def exp(self) -> Value:
        """eˣ;  d/dx = eˣ."""
        x = self.data
        e = math.exp(x) if x < 709.0 else exp(x)  # (numerics.exp names the overflow beyond 709.78)
        return make_node(e, (self,), (e,), ops.EXP)

    def log(self) -> Value:
        """ln x, for x > 0;  d/dx = 1/x."""
        x = self.data
        if x <= 0.0:
            raise ValueError(f"op 'log': log({x!r}) is undefined (log needs x > 0)")
        return make_node(math.log(x), (self,), (1.0 / x,), ops.LOG)

    def sqrt(self) -> Value:
        """√x, for x ≥ 0;  d/dx = 1/(2√x), +inf at x = 0."""
        x = self.data
        if x < 0.0:
            raise ValueError(f"op 'sqrt': sqrt({x!r}) is undefined (sqrt needs x ≥ 0)")
        r = math.sqrt(x)
        return make_node(r, (self,), (0.5 / r if r else math.inf,), ops.SQRT)

    def abs(self) -> Value:
        """|x|;  d/dx = sign(x), taken as 0 at the kink x = 0. NaN stays NaN."""
        x = self.data
        return make_node(abs(x), (self,), (1.0 if x > 0.0 else -1.0 if x < 0.0 else x * 0.0,), ops.ABS)

    __abs__ = abs

    def tanh(self) -> Value:
        """tanh x;  d/dx = 1 − tanh²x, computed as sech²x where 1 − t² would cancel (|t| ≥ 0.7)."""
        x = self.data
        t = math.tanh(x)
        return make_node(t, (self,), (1.0 - t * t if -0.7 < t < 0.7 else sech2(x),), ops.TANH)

    def sigmoid(self) -> Value:
        """σ(x) = 1/(1 + e⁻ˣ);  dσ/dx = σ(1 − σ), computed as σ(x)·σ(−x) (1 − σ is 0.0 for x > 37)."""
        x = self.data
        e = math.exp(-abs(x))  # ≤ 1: never overflows
        p = 1.0 + e
        if x >= 0.0:
            s, r = 1.0 / p, e / p  # σ(x), σ(−x) = 1 − σ(x)
        else:
            s, r = e / p, 1.0 / p
        return make_node(s, (self,), (s * r,), ops.SIGMOID)

    def relu(self) -> Value:
        """max(0, x);  d/dx = 1 for x > 0, else 0 (the subgradient 0 at the kink). NaN stays NaN."""
        x = self.data
        if x > 0.0:
            return make_node(x, (self,), (1.0,), ops.RELU)
        return make_node(0.0, (self,), (0.0,), ops.RELU) if x == x else make_node(x, (self,), (x,), ops.RELU)

    def softplus(self) -> Value:
        """ln(1 + eˣ);  d/dx = σ(x). Computed as max(x, 0) + ln(1 + e^−|x|): no overflow, no lost digits."""
        x = self.data
        e = math.exp(-abs(x))
        p = 1.0 + e
        return make_node(max(x, 0.0) + math.log1p(e), (self,), (1.0 / p if x >= 0.0 else e / p,), ops.SOFTPLUS)

    def log_sigmoid(self) -> Value:
        """ln σ(x) = −softplus(−x);  d/dx = 1 − σ(x) = σ(−x). Exact at any x: log_sigmoid(−800) = −800."""
        x = self.data
        e = math.exp(-abs(x))
        p = 1.0 + e
        return make_node(min(x, 0.0) - math.log1p(e), (self,), (e / p if x >= 0.0 else 1.0 / p,), ops.LOG_SIGMOID)

    def clamp(self, lo: float | None = None, hi: float | None = None) -> Value:
        """min(max(x, lo), hi);  d/dx = 1 for lo < x < hi, else 0 (at a bound too). A bound may be None."""
        lo = -math.inf if lo is None else real(lo, "clamp", "lo", finite=False)
        hi = math.inf if hi is None else real(hi, "clamp", "hi", finite=False)
        if not lo <= hi:
            raise ValueError(f"clamp: lo must be ≤ hi, got lo={lo!r}, hi={hi!r}")
        x = self.data
        d = 1.0 if lo < x < hi else 0.0 if x == x else x
        return make_node(min(max(x, lo), hi) if x == x else x, (self,), (d,), ops.clamp_op(lo, hi))

    # ---------------------------------------------------------------- the chain rule (graph.py)

    def backward(self) -> None:
        """Fill in `grad` = ∂self/∂node for every node this one depends on (see `graph.backward`)."""
        backward(self)

    def zero_grad(self) -> None:
        """Set the grad of this node and of every node it depends on to 0."""
        for node in topological_order(self):
            node.grad = 0.0


def make_node(data: float, parents: tuple, local_grads: tuple, op: str, label: str | None = None) -> Value:
    """The node an op returns, unchecked (ops of your own go through `Value.from_op`); every op
    passes here, so anomaly mode checks each new node in one place."""
    node = object.__new__(Value)  # without __init__: data is already a float
    node.data = data
    node.grad = 0.0
    node.parents = parents
    node.local_grads = local_grads
    node.op = op
    node.label = label
    if guard.watch:
        watch_new_node(node)
    return node


def _pick(a: Value, b: Value, a_wins: bool, op: ops.Op) -> Value:
    """maximum's and minimum's node: a where it wins, else b (local derivatives (1, 0) or (0, 1)), NaN if either is."""
    if a_wins:
        return make_node(a.data, (a, b), (1.0, 0.0), op)
    nan = a.data + b.data
    return make_node(b.data, (a, b), (0.0, 1.0), op) if nan == nan else make_node(nan, (a, b), (nan, nan), op)


def _constant(x: object, where: str) -> Value:
    """A number in an op, as a constant leaf (it shows in the graph, as in micrograd)."""
    return make_node(x if type(x) is float else real(x, where, "operand", finite=False), (), (), "")


def _data(x: object, how: str) -> float:  # what a comparison compares
    return x.data if isinstance(x, Value) else real(x, f"'{how}' with a Value", "operand", finite=False)
