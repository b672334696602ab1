"""Every op of the engine at the extremes of float64, against mpmath at 320 bits.

For inputs from 1e-300 to 1e300 (both signs, and 0 where it matters), each op's output and each of
its local derivatives must be the true value rounded to float64 within RTOL (a few units in the
last place), or within ATOL where the true value is below the smallest normal float (subnormal
numbers have lost digits by nature). An op may raise only where the true value or a derivative is
not a finite float (it overflows, or it is not real), and then its message names the op and its
inputs. Where the true value overflows, an op that does not raise returns ±inf (IEEE 754).
NaN in gives NaN out, as IEEE 754 says (pow(NaN, 0) = pow(1, NaN) = 1 are IEEE 754's own exceptions).
"""

from __future__ import annotations

import math
import sys

import mpmath
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from autograd import Value, total, weighted_sum

MAX = sys.float_info.max
TINY = sys.float_info.min  # 2.2e-308, the smallest normal float
RTOL = 4e-15  # ≈ 18 units in the last place: every op here is within a few
ATOL = 64 * 5e-324  # results below TINY: a few dozen units of the smallest subnormal
NAN = math.nan

SETTINGS = settings(max_examples=300, deadline=None)

# |x| log-uniform in [1e-300, 1e300], Hypothesis's own floats in that range (its boundaries and
# "nasty" values), and a few simple ones
magnitude = st.one_of(
    st.floats(min_value=-300.0, max_value=300.0).map(lambda e: 10.0**e),
    st.floats(min_value=1e-300, max_value=1e300),
    st.sampled_from([1.0, 0.5, 2.0, 3.0, 0.1, 1e-300, 1e300]),
)
signed = st.builds(lambda x, negative: -x if negative else x, magnitude, st.booleans())
signed_or_zero = st.one_of(signed, st.just(0.0))
# where exp, tanh and sigmoid have their digits: |x| up to 800 (exp overflows above 709.78)
moderate = st.floats(min_value=-800.0, max_value=800.0)
exponents = st.one_of(
    st.integers(min_value=-12, max_value=12).map(float),
    st.integers(min_value=-24, max_value=24).map(lambda k: k / 2),
    st.floats(min_value=-50.0, max_value=50.0),
    signed,
)


def mp(x: float) -> mpmath.mpf:
    return mpmath.mpf(x)  # exact: every float is an mpf


def true_float(x) -> float:
    return float(x)  # mpmath rounds to nearest: ±inf above MAX, 0.0 or a subnormal below TINY


def overflows(x) -> bool:
    """The true value is not a finite float, or so near the edge that a correct rounding may be inf."""
    return x is None or abs(x) > MAX * (1 - RTOL)


def assert_close(got: float, want, what: str) -> None:
    if overflows(want):
        if math.isinf(true_float(want)):
            assert math.isinf(got) and math.copysign(1, got) == math.copysign(1, want), f"{what}: {got!r}, want ±inf"
            return
        if math.isinf(got):
            return  # the true value rounds to MAX, but an error of a few ulps may carry it over
    assert math.isfinite(got), f"{what}: got {got!r}, the true value is {true_float(want)!r}"
    err = abs(mp(got) - want)
    assert err <= RTOL * abs(want) + ATOL, f"{what}: got {got!r}, true value {mpmath.nstr(want, 20)}"


def check(op: str, make, reference, *xs: float) -> None:
    """Run `make(*xs)`; compare with `reference(*mp(xs))` = (value, [derivatives]) or None (not real)."""
    with mpmath.workprec(320):
        try:
            want = reference(*[mp(x) for x in xs])
        except (ZeroDivisionError, ValueError):
            want = None
    try:
        out = make(*xs)
    except (ArithmeticError, ValueError) as exc:
        allowed = want is None or overflows(want[0]) or any(overflows(d) for d in want[1])
        assert allowed, f"{op}{xs} raised {exc!r}, but its value and derivatives are finite floats: {want}"
        message = str(exc)
        assert f"'{op}'" in message, f"{op}: the message does not name the op: {message}"
        for x in xs:
            assert repr(x) in message, f"{op}: the message does not name the input {x!r}: {message}"
        return
    assert want is not None, f"{op}{xs} returned {out.data!r} where the true value is not a real number"
    value, slopes = want
    assert_close(out.data, value, f"{op}{xs} value")
    assert len(out.local_grads) == len(slopes)
    for k, (got, slope) in enumerate(zip(out.local_grads, slopes)):
        assert_close(got, slope, f"{op}{xs} ∂/∂input{k}")


# ---------------------------------------------------------------- references


def ref_div(a, b):
    return a / b, [1 / b, -a / b**2]


def ref_pow(a, n):
    """(aⁿ, [n·aⁿ⁻¹]); None where it is not real (a < 0 with a fractional n)."""
    if a == 0:
        if n < 0:
            return None
        value = mpmath.mpf(1) if n == 0 else mpmath.mpf(0)
        slope = 0 if n == 0 else (mpmath.inf if n < 1 else (1 if n == 1 else 0))
        return value, [slope]
    if a < 0 and not mpmath.isint(n):
        return None
    value = mpmath.power(a, n)
    return value, [n * value / a]  # n·aⁿ⁻¹ (n − 1 itself would need 1000 bits for n = 1e300)


def ref_pow_value(a, b):
    if a == 0 and b > 0:
        return mpmath.mpf(0), [ref_pow(a, b)[1][0], mpmath.mpf(0)]
    if a <= 0:
        return None
    value = mpmath.power(a, b)
    return value, [b * value / a, value * mpmath.log(a)]


def ref_sigmoid(x):
    e = mpmath.exp(-x)
    return 1 / (1 + e), [e / (1 + e) ** 2]  # σ(1 − σ), without 1 − σ (it cancels even at 320 bits)


def ref_tanh(x):
    return mpmath.tanh(x), [mpmath.sech(x) ** 2]


def ref_log(x):
    if x <= 0:
        return None
    return mpmath.log(x), [1 / x]


# ---------------------------------------------------------------- the ops


@SETTINGS
@given(signed_or_zero, signed_or_zero)
def test_add_sub_mul(a, b):
    check("+", lambda a, b: Value(a) + Value(b), lambda a, b: (a + b, [1, 1]), a, b)
    check("-", lambda a, b: Value(a) - Value(b), lambda a, b: (a - b, [1, -1]), a, b)
    check("*", lambda a, b: Value(a) * Value(b), lambda a, b: (a * b, [b, a]), a, b)


@SETTINGS
@given(signed_or_zero, signed)
@example(1e-200, 1e-170)  # ∂/∂b = −1e140, but b² = 1e-340 underflows to 0 (it was a ZeroDivisionError)
@example(1e200, 1e200)  # ∂/∂b = −1e-200, but b² = 1e400 overflows (it was −0.0)
def test_division(a, b):
    check("/", lambda a, b: Value(a) / Value(b), ref_div, a, b)


def test_division_examples_from_the_issue():
    q = Value(1e-200) / Value(1e-170)
    assert q.data == pytest.approx(1e-30, rel=1e-15) and q.local_grads[1] == pytest.approx(-1e140, rel=1e-15)
    q = Value(1e200) / Value(1e200)
    assert q.data == 1.0 and q.local_grads == (1e-200, -1e-200)


@SETTINGS
@given(signed_or_zero, exponents)
@example(1e-300, -1.0)  # 1e300 is a float, its slope −1e600 is not: −inf, not an OverflowError
@example(1e-300, -0.03)  # |a⁻¹·⁰³| overflows, the slope −0.03·a⁻¹·⁰³ = −3e307 does not
@example(0.99999, 7.2e7)  # aⁿ = 2e-313 has lost digits, the slope 1.46e-305 must not
@example(-2.0, 3.0)
@example(0.0, 0.5)  # √x at 0: slope +inf
def test_power_with_a_number(a, n):
    check("**", lambda a, n: Value(a) ** n, ref_pow, a, n)


def test_power_example_from_the_issue():
    r = Value(1e-300) ** -1
    # the float the README writes: what plain floats give, 1 ulp below 1e300
    assert r.data == 1e-300**-1 == 9.999999999999999e299 and r.local_grads == (-math.inf,)


@SETTINGS
@given(st.one_of(magnitude, st.just(0.0), st.floats(min_value=-5.0, max_value=0.0)), exponents)
@example(0.0, 2.0)  # 0² = 0 and both slopes finite: no error
def test_power_of_two_values(a, b):
    check("**", lambda a, b: Value(a) ** Value(b), ref_pow_value, a, b)


@SETTINGS
@given(st.one_of(moderate, signed))
def test_exp(x):
    check("exp", lambda x: Value(x).exp(), lambda x: (mpmath.exp(x), [mpmath.exp(x)]), x)


@SETTINGS
@given(st.one_of(signed, st.just(0.0)))
def test_log(x):
    check("log", lambda x: Value(x).log(), ref_log, x)


@SETTINGS
@given(st.one_of(moderate, signed))
@example(20.0)  # 1 − tanh² cancels to 0.0; the slope is 1.7e-17
@example(0.66)
@example(-375.0)  # the slope is subnormal
def test_tanh(x):
    check("tanh", lambda x: Value(x).tanh(), ref_tanh, x)


@SETTINGS
@given(st.one_of(moderate, signed))
@example(40.0)  # σ rounds to 1.0, but σ' = 4.2e-18
@example(-40.0)
@example(-740.0)  # σ and σ' subnormal
def test_sigmoid(x):
    check("sigmoid", lambda x: Value(x).sigmoid(), ref_sigmoid, x)


@SETTINGS
@given(signed_or_zero)
def test_relu_and_neg(x):
    check("relu", lambda x: Value(x).relu(), lambda x: (max(x, 0), [1 if x > 0 else 0]), x)
    check("neg", lambda x: -Value(x), lambda x: (-x, [-1]), x)


def _sum_bound(terms: list) -> mpmath.mpf:
    """The error bound of a left-to-right float sum of n terms: n·ε·Σ|terms| (each term exact here)."""
    return len(terms) * mpmath.mpf(2) ** -53 * sum(abs(t) for t in terms)


@SETTINGS
@given(st.lists(st.tuples(signed_or_zero, signed_or_zero), min_size=1, max_size=4), signed_or_zero)
def test_weighted_sum(pairs, b):
    ws, xs = [Value(w) for w, _ in pairs], [x for _, x in pairs]
    with mpmath.workprec(320):
        products = [mp(w) * mp(x) for w, x in pairs]
        terms = products + [mp(b)]
        # A float sum meets its error bound only while no product or partial sum overflows.
        assume(sum(abs(t) for t in terms) < MAX / 2)
        want = sum(terms)
        bound = _sum_bound(terms) + len(terms) * ATOL  # products below TINY round to subnormals
    z = weighted_sum(ws, xs, b)
    assert abs(mp(z.data) - want) <= bound
    assert z.local_grads == (*xs, *[w for w, _ in pairs], 1.0)  # ∂z/∂w = x, ∂z/∂x = w, ∂z/∂b = 1: exact


@SETTINGS
@given(st.lists(signed_or_zero, min_size=1, max_size=6))
def test_total(values):
    with mpmath.workprec(320):
        terms = [mp(v) for v in values]
        assume(sum(abs(t) for t in terms) < MAX / 2)
        want, bound = sum(terms), _sum_bound(terms)
    s = total(values)
    assert abs(mp(s.data) - want) <= bound and s.local_grads == (1.0,) * len(values)


# ---------------------------------------------------------------- NaN in, NaN out

UNARY = {
    "neg": lambda v: -v,
    "exp": Value.exp,
    "log": Value.log,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "relu": Value.relu,
    "**2": lambda v: v**2,
    "**0.5": lambda v: v**0.5,
    "**-1": lambda v: v**-1,
}
BINARY = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "** (Value)": lambda a, b: a**b,
    "weighted_sum": lambda a, b: weighted_sum([a], [b], 1.0),
    "total": lambda a, b: total([a, b]),
}


@pytest.mark.parametrize("name", UNARY)
def test_nan_goes_through_every_unary_op(name):
    out = UNARY[name](Value(NAN))
    assert math.isnan(out.data)
    assert all(math.isnan(d) for d in out.local_grads) or name == "neg"  # −x has the constant slope −1


def test_relu_of_nan_is_nan_not_zero():
    out = Value(NAN).relu()
    assert math.isnan(out.data) and math.isnan(out.local_grads[0])  # it was 0.0 and 0.0


@pytest.mark.parametrize("name", BINARY)
@pytest.mark.parametrize("other", [2.0, -1.5, 0.0, 1e300])
def test_nan_goes_through_every_binary_op(name, other):
    for a, b in ((NAN, other), (other, NAN)):
        out = BINARY[name](Value(a), Value(b))
        if name == "** (Value)" and b == 0.0:
            assert out.data == 1.0  # NaN⁰ = 1 (IEEE 754)
            continue
        assert math.isnan(out.data), f"{name}({a}, {b}) gave {out.data!r}"


def test_ieee_754s_own_exceptions_for_pow():
    assert (Value(NAN) ** 0).data == 1.0 and (Value(NAN) ** 0).local_grads == (0.0,)
    one = Value(1.0) ** Value(NAN)
    assert one.data == 1.0 and math.isnan(one.local_grads[0]) and one.local_grads[1] == 0.0
    assert math.isnan((Value(-2.0) ** NAN).data)  # not "negative base, fractional exponent"


def test_nan_at_a_leaf_reaches_the_grads():
    x, w = Value(NAN, label="x"), Value(0.5, label="w")
    y = (w * x).tanh()
    y.backward()
    assert math.isnan(y.data) and math.isnan(w.grad) and math.isnan(x.grad)


def test_a_zero_grad_passes_nothing_on():
    # y = √x · 0 at x = 0: the local derivative of √x is inf, but no path reaches y with a
    # non-zero weight, so x.grad is 0 (IEEE 754 would make 0 × inf a NaN)
    x = Value(0.0)
    y = (x**0.5) * 0.0
    y.backward()
    assert x.grad == 0.0
