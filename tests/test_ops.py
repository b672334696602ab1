"""The op objects: every op's float derivative (value.py) against its rule as Values (ops.py), and the new ops.

Each built-in op writes its local derivatives twice: as floats in its method, for backward(), and as
Values in its rule, for derivatives of derivatives. Here both are evaluated at random points and at
the extreme-range points where the careful forms matter, and must agree to 1e-15 relative — so
they cannot drift apart. A new kind of op in the table without a case here fails the test.
The new ops (abs, sqrt, softplus, log_sigmoid, clamp, maximum, minimum) are checked against mpmath
and central differences, with the documented values at their kinks.
"""

from __future__ import annotations

import math
import random

import mpmath
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Value, fused, numerical_grad, ops, total, weighted_sum
from autograd.higher import local_grads_as_values

mpmath.mp.prec = 320
NAN, INF = math.nan, math.inf
EXTREME = [
    0.0, 5e-324, 1e-310, 2.2250738585072014e-308, 1e-300, 1e-200, 1e-30, 1e-8, 0.3, 0.5, 0.7, 0.9, 1.0, 2.0,
    3.0, 19.0, 20.0, 30.0, 37.0, 40.0, 100.0, 354.0, 400.0, 700.0, 709.0, 750.0, 800.0, 1e10, 1e150, 1e300,
]  # fmt: skip
EXTREME = sorted({s * x for x in EXTREME for s in (1.0, -1.0)})


def random_points(n: int, seed: int) -> list[float]:
    """Numbers of every magnitude, both signs: 10^U(−300, 300), and moderate ones."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        if rng.random() < 0.5:
            x = 10.0 ** rng.uniform(-300, 300)
        else:
            x = rng.uniform(-10.0, 10.0)
        out.append(x if rng.random() < 0.5 else -x)
    return out


POINTS = EXTREME + random_points(200, 1)
EXPONENTS = [0.0, 1.0, 2.0, 3.0, -1.0, -2.0, 0.5, -0.5, 0.3, -0.03, 1 / 3, 2.5, 1e-5, 7.0, 1e6, -1e6, 2.0**53]


def agree(node: Value) -> None:
    """The node's float local derivatives equal its rule's Values' data to 1e-15 relative (NaN = NaN)."""
    for i, (d, stored) in enumerate(zip(local_grads_as_values(node), node.local_grads)):
        got = d.data if isinstance(d, Value) else d
        if math.isnan(stored) and math.isnan(got):
            continue
        assert got == stored or abs(got - stored) <= 1e-15 * abs(stored), (
            f"op {str(node.op)!r} at {[p.data for p in node.parents]}: ∂/∂parents[{i}] float {stored!r}, rule {got!r}"
        )


def attempt(make, *args):
    """`make(*args)`, or None where the op refuses the point (a domain error or an overflow, named)."""
    try:
        return make(*args)
    except (ValueError, ZeroDivisionError, OverflowError):
        return None


# kind → a function of the points that yields the nodes to check
def _unary(method):
    return lambda xs: (attempt(method, Value(x)) for x in xs)


def _binary(f):
    rng = random.Random(2)
    return lambda xs: (attempt(f, Value(x), Value(rng.choice(xs))) for x in xs)


CASES = {
    "+": _binary(lambda a, b: a + b),
    "-": _binary(lambda a, b: a - b),
    "*": _binary(lambda a, b: a * b),
    "/": _binary(lambda a, b: a / b),
    "neg": _unary(lambda a: -a),
    "exp": _unary(Value.exp),
    "log": _unary(Value.log),
    "sqrt": _unary(Value.sqrt),
    "abs": _unary(Value.abs),
    "tanh": _unary(Value.tanh),
    "sigmoid": _unary(Value.sigmoid),
    "relu": _unary(Value.relu),
    "softplus": _unary(Value.softplus),
    "log_sigmoid": _unary(Value.log_sigmoid),
    "clamp": lambda xs: (Value(x).clamp(-1.0, 30.0) for x in xs),
    "maximum": _binary(Value.maximum),
    "minimum": _binary(Value.minimum),
    "**n": lambda xs: (attempt(pow, Value(x), n) for x in xs for n in EXPONENTS),
    "**": lambda xs: (attempt(pow, Value(abs(x)), Value(n)) for x in xs for n in [*EXPONENTS, -3.7, 600.0]),
    "Σwx+b": lambda xs: [
        weighted_sum([Value(w) for w in xs[i : i + 3]], xs[i + 3 : i + 6], xs[i + 6]) for i in (0, 20)
    ],
    "Σwx": lambda xs: [weighted_sum([Value(w) for w in xs[i : i + 3]], xs[i + 3 : i + 6]) for i in (0, 20)],
    "Σwc+b": lambda xs: [fused.weighted_sum_of_constants([Value(1.5), Value(-2.0)], [0.25, 4.0], Value(1.0))],
    "Σwc": lambda xs: [fused.weighted_sum_of_constants([Value(1.5), Value(-2.0)], [0.25, 4.0])],
    "Σ": lambda xs: [total([Value(x) for x in xs[:10]])],
    "mse": lambda xs: [fused.mse([Value(0.3), Value(-2.0)], [1.0, 0.5], 2)],
    # probabilities (clipped at 0.0), and sigmoid outputs at every point: from their logits
    "cross_entropy": lambda xs: (
        [fused.cross_entropy([Value(p) for p in (0.3, 1e-3, 0.999, 0.0)], [1, 0, 1, 1], 2)]
        + [
            fused.cross_entropy([Value(x).sigmoid(), Value(-x).sigmoid(), Value(x).sigmoid()], [0, 1, 0.3], 3)
            for x in xs
        ]
    ),
    "sigmoid_cross_entropy": lambda xs: [
        fused.sigmoid_cross_entropy([Value(x), Value(-x), Value(x)], [0, 1, 0.3], 1) for x in xs
    ],
    "hinge": lambda xs: [fused.hinge([Value(0.3), Value(2.0), Value(-1.0)], [1.0, 1.0, -1.0], 3)],
    "softmax_cross_entropy": lambda xs: (
        [
            fused.softmax_cross_entropy(
                [Value(v) for v in (1.0, -2.0, 30.0, 0.5, 0.5, 0.0)], [0, 0, 1, 0.2, 0.8, 0], 2, 3
            )
        ]
        + [
            fused.softmax_cross_entropy(
                [Value(x), Value(0.0), Value(-x), Value(x), Value(1.0)], [1, 0, 0, 0.25, 0.75], 1, 5
            )
            for x in xs
        ]
    ),
    "l2": lambda xs: [fused.l2([Value(0.3), Value(-2.0)], 0.7, 5)],
    # a transformer's n-to-n ops (nn.gpt): every output of windows of 4 points, of every magnitude
    "rmsnorm": lambda xs: [
        y for i in range(0, len(xs) - 4, 4) for y in fused.rmsnorm([Value(x) for x in xs[i : i + 4]])
    ],
    "softmax": lambda xs: [
        a
        for i in range(0, len(xs) - 3, 3)
        for d in (1.0, 2.0)
        for a in fused.softmax([Value(x) for x in xs[i : i + 3]], d)
    ],
}


def test_every_kind_of_op_has_a_case():
    assert set(ops.KINDS) == set(CASES), "a new kind of op needs a case here (and a mirror on the explorer page)"


@pytest.mark.parametrize("kind", list(CASES))
def test_the_float_derivatives_and_the_rule_agree_to_1e_15(kind):
    checked = 0
    for node in CASES[kind](POINTS):
        if node is None:
            continue
        assert node.op.kind == kind, (kind, node.op)
        try:
            agree(node)
        except OverflowError as e:
            pytest.fail(f"{kind}: the rule overflows where the float form does not: {e}")
        checked += 1
    assert checked >= 1


# ---------------------------------------------------------------- the new ops against mpmath


def mp_sigmoid(x):
    return 1 / (1 + mpmath.exp(-x))


REFERENCE = {
    # op: (Value method, f in mpmath, f′ in mpmath, domain test)
    "abs": (Value.abs, abs, lambda x: mpmath.sign(x), lambda x: True),
    "sqrt": (Value.sqrt, mpmath.sqrt, lambda x: 1 / (2 * mpmath.sqrt(x)), lambda x: x > 0),
    "softplus": (Value.softplus, lambda x: mpmath.log1p(mpmath.exp(x)), mp_sigmoid, lambda x: True),
    "log_sigmoid": (
        Value.log_sigmoid,
        lambda x: -mpmath.log1p(mpmath.exp(-x)),
        lambda x: mp_sigmoid(-x),
        lambda x: True,
    ),
}


def within(got: float, want, ulps: float = 4.0) -> bool:
    want = float(want)  # rounds to nearest (0.0 below the smallest subnormal, ±inf beyond the largest float)
    if math.isinf(want) or want == 0.0:
        return got == want or abs(got - want) <= 5e-324 * ulps
    return abs(got - want) <= ulps * 2.220446049250313e-16 * abs(want) or abs(got - want) <= 5e-324 * ulps


@pytest.mark.parametrize("name", list(REFERENCE))
def test_new_ops_match_mpmath_at_every_magnitude(name):
    method, f, df, inside = REFERENCE[name]
    for x in POINTS:
        if not inside(x):
            continue
        node = method(Value(x))
        X = mpmath.mpf(x)
        assert within(node.data, f(X)), (name, x, node.data, f(X))
        assert within(node.local_grads[0], df(X)), (name, x, node.local_grads[0], df(X))


@pytest.mark.parametrize("name", ["abs", "sqrt", "softplus", "log_sigmoid", "clamp", "maximum", "minimum"])
def test_new_ops_match_central_differences(name):
    f = {
        "abs": lambda a, b: a.abs() * b,
        "sqrt": lambda a, b: (a * a + 0.5).sqrt() * b,
        "softplus": lambda a, b: (a * b).softplus(),
        "log_sigmoid": lambda a, b: (a * b).log_sigmoid(),
        "clamp": lambda a, b: (a * b).clamp(-1.0, 1.0) * a,
        "maximum": lambda a, b: a.maximum(b) * (a + b),
        "minimum": lambda a, b: a.minimum(b) * (a - b),
    }[name]

    @settings(max_examples=40, deadline=None)
    @given(st.floats(-3.0, 3.0), st.floats(-3.0, 3.0))
    def check(x, y):
        if abs(x) < 1e-3 or abs(abs(x * y) - 1.0) < 1e-3 or abs(x - y) < 1e-3:
            return  # a kink: central differences measure a secant there
        a, b = Value(x), Value(y)
        f(a, b).backward()
        num = numerical_grad(lambda: f(a, b), [a, b])
        assert a.grad == pytest.approx(num[0], rel=1e-6, abs=1e-6)
        assert b.grad == pytest.approx(num[1], rel=1e-6, abs=1e-6)

    check()


def test_extreme_values_of_the_new_ops():
    assert Value(-800.0).log_sigmoid().data == -800.0 and Value(-800.0).log_sigmoid().local_grads == (1.0,)
    assert Value(800.0).log_sigmoid().data == -0.0 or Value(800.0).log_sigmoid().data == 0.0
    assert Value(800.0).softplus().data == 800.0 and Value(800.0).softplus().local_grads == (1.0,)
    assert Value(-800.0).softplus().data == 0.0 and Value(-800.0).softplus().local_grads == (0.0,)
    assert Value(-40.0).log_sigmoid().data == float(-mpmath.log1p(mpmath.exp(40)))
    assert Value(1e-300).sqrt().data == 1e-150 and Value(1e-300).sqrt().local_grads == (5e149,)
    assert Value(math.inf).sqrt().local_grads == (0.0,)


def test_the_kinks_take_the_documented_values():
    assert Value(0.0).abs().local_grads == (0.0,) and Value(-2.0).abs().local_grads == (-1.0,)
    assert abs(Value(-3.0)).data == 3.0 and abs(Value(-3.0)).op == "abs"
    assert Value(0.0).sqrt().local_grads == (math.inf,)
    lo, hi = Value(-1.0).clamp(-1.0, 2.0), Value(2.0).clamp(-1.0, 2.0)
    assert lo.local_grads == (0.0,) and hi.local_grads == (0.0,) and lo.data == -1.0 and hi.data == 2.0
    assert Value(0.5).clamp(-1.0, 2.0).local_grads == (1.0,) and Value(5.0).clamp(-1.0, 2.0).data == 2.0
    assert Value(5.0).clamp(hi=2.0).data == 2.0 and Value(-5.0).clamp(lo=0.0).data == 0.0
    c = Value(0.5).clamp(0.0, 1.0)
    assert c.op == "clamp" and c.op.params == {"lo": 0.0, "hi": 1.0}
    a, b = Value(1.0), Value(1.0)
    tie_max, tie_min = a.maximum(b), a.minimum(b)
    assert tie_max.local_grads == (0.0, 1.0) and tie_min.local_grads == (0.0, 1.0)  # a tie passes the grad to b
    assert Value(3.0).maximum(Value(1.0)).local_grads == (1.0, 0.0) and Value(3.0).minimum(1.0).data == 1.0
    for node in (Value(NAN).abs(), Value(NAN).clamp(0.0, 1.0), Value(NAN).maximum(1.0), Value(1.0).minimum(NAN)):
        assert math.isnan(node.data) and all(math.isnan(d) for d in node.local_grads), node.op


def test_clamp_refuses_bad_bounds():
    with pytest.raises(ValueError, match=r"clamp: lo must be ≤ hi, got lo=2.0, hi=1.0"):
        Value(0.0).clamp(2.0, 1.0)
    with pytest.raises(ValueError, match=r"clamp: lo must be ≤ hi, got lo=nan"):
        Value(0.0).clamp(NAN, 1.0)
    with pytest.raises(TypeError, match=r"clamp: hi must be a real number, got str"):
        Value(0.0).clamp(0.0, "1")


def test_comparisons_read_the_data_and_equality_stays_identity():
    vs = [Value(3.0), Value(-1.0), Value(2.0)]
    assert max(vs) is vs[0] and min(vs) is vs[1]
    assert [v.data for v in sorted(vs)] == [-1.0, 2.0, 3.0]
    a, b = Value(1.0), Value(1.0)
    assert a <= b and a >= b and not a < b and not a > b
    assert a != b and a == a and len({a, b}) == 2 and {a: 1, b: 2}[b] == 2
    assert Value(1.0) < 2 and 2 > Value(1.0) and Value(1.0) <= 1.0 and Value(1.0) < math.inf
    with pytest.raises(TypeError, match=r"'<' with a Value: operand must be a real number, got str"):
        Value(1.0) < "2"  # noqa: B015


def test_every_op_of_a_value_has_an_op_object_with_its_rule():
    x, y = Value(0.5), Value(2.0)
    nodes = [x + y, x - y, x * y, x / y, x**2, x**y, 2**x, -x, x.exp(), x.log(), x.sqrt(), abs(x), x.tanh()]
    nodes += [x.sigmoid(), x.relu(), x.softplus(), x.log_sigmoid(), x.clamp(0, 1), x.maximum(y), x.minimum(y)]
    for node in nodes:
        assert isinstance(node.op, ops.Op) and callable(node.op.rule) and node.op.kind in ops.KINDS
    assert (x**2).op == "**2" and (x**2).op.params == {"exponent": 2.0} and (x**2).op.kind == "**n"
    assert (x**2).op.exponent == 2.0 and x.clamp(0, 1).op.hi == 1.0
