"""The float forms that need care: extreme ranges, and errors that name the op.

What it is: the few places where the textbook formula for a local derivative loses digits (or
overflows) at inputs a real computation reaches, each with an equal form that does not, and the
reason. `value.py` writes every op's output and derivative out in full and calls in here only for
these forms:

    sech2           tanh′ = 1 − tanh²x cancels for |tanh x| ≥ 0.7 (x = 20: 0.0 instead of 1.7e-17)
    power_slope     d(aⁿ)/da = n·aⁿ⁻¹: the exponent n − 1 rounds, a ** (n − 1) over- or underflows
    power_log_slope d(aᵇ)/db = aᵇ·ln a: aᵇ underflows first
    exp, power      eˣ and aⁿ, with errors that name the op instead of a bare OverflowError
    sigmoids        σ(x) and σ(−x) = 1 − σ(x), both to full precision (1 − σ(x) is 0.0 for x > 37)
    softplus        ln(1 + eˣ) = −ln σ(−x) as max(x, 0) + ln(1 + e^−|x|): no overflow, no lost digits

The slope functions are written once for both number types: called with floats they give the
float `backward()` uses; called with Values (by the op objects' rules, `ops.py`) they build the
same derivative as a graph, for derivatives of derivatives — the same operations on the same
numbers, so the two agree to the last bit (tests/test_ops.py checks it).

What it is not: a general special-function library. Division's −(a/b)/b and σ′ = e/(1 + e)² are
one line each and stay in `value.py` beside their op.
"""

from __future__ import annotations

import math

__all__ = ["TINY", "exp", "exp_or_inf", "power", "sigmoids", "softplus", "sech2", "power_slope", "power_log_slope"]

TINY = 2.2250738585072014e-308
"""The smallest normal float: below it a float has lost digits (a subnormal)."""

_inf = math.inf


def _f(x):
    """The number in `x`: a float, or a Value's data (the rules below run on both)."""
    return x if type(x) is float else x.data


def _log(x):
    return math.log(x) if type(x) is float else x.log()


def exp(x: float) -> float:
    """eˣ, or an OverflowError naming the op (x > 709.78)."""
    try:
        return math.exp(x)
    except OverflowError:
        raise OverflowError(f"op 'exp': exp({x!r}) overflows a float (x > 709.78)") from None


def exp_or_inf(x: float) -> float:
    """eˣ, and +inf where it overflows (x > 709.78): for a derivative that is honestly too large for a float."""
    try:
        return math.exp(x)
    except OverflowError:
        return _inf


def sigmoids(x: float) -> tuple[float, float]:
    """(σ(x), σ(−x)): with e = e^−|x| ≤ 1 (no overflow), 1/(1 + e) and e/(1 + e) by the sign of x.

    σ(−x) = 1 − σ(x) is computed as its own number, never as a difference: for x = 40, 1 − σ(x)
    is 0.0 while σ(−40) = 4.2e-18. The same floats as `Value.sigmoid` gives. NaN in, NaN out.
    """
    e = math.exp(-abs(x))
    p = 1.0 + e
    return (1.0 / p, e / p) if x >= 0.0 else (e / p, 1.0 / p)


def softplus(x: float) -> float:
    """ln(1 + eˣ) = −ln σ(−x), as max(x, 0) + ln(1 + e^−|x|): exact at any x (softplus(800) = 800,
    softplus(−800) = e^−800 rounded to 0.0), where ln(1 + eˣ) overflows at x > 709.78 and rounds
    to 0.0 for x < −37. ±inf give +inf and 0.0; NaN gives NaN. The same float as `Value.softplus`."""
    return (x if x > 0.0 else 0.0 if x == x else x) + math.log1p(math.exp(-abs(x)))


def power(a: float, n: float, exponent_is_a_value: bool = False) -> float:
    """aⁿ, or an error naming op '**' where it is not a real number or overflows.

    A number exponent: 0 to a negative power is a ZeroDivisionError, a negative base to a
    fractional power a ValueError. A Value exponent b (aᵇ, differentiated in b too): the base must
    be > 0 (∂/∂b = aᵇ·ln a), or 0 with b > 0; a NaN exponent gives NaN whatever the base
    (IEEE 754, as 1 ** NaN = 1 does).
    """
    if exponent_is_a_value:
        if n != n:
            return 1.0 if a == 1.0 else n
        if a < 0.0 or (a == 0.0 and not n > 0.0):
            raise ValueError(f"op '**': {a!r} ** Value({n!r}) needs a base > 0 (∂/∂b = aᵇ·ln a is undefined)")
    elif a == 0.0 and n < 0.0:
        raise ZeroDivisionError(f"op '**': 0.0 ** {n!r} is undefined (0 to a negative power)")
    elif a < 0.0 and math.isfinite(n) and not n.is_integer():
        raise ValueError(f"op '**': ({a!r}) ** {n!r} is not a real number (negative base, fractional exponent)")
    try:
        return a**n
    except OverflowError:
        raise OverflowError(f"op '**': {a!r} ** {n!r} overflows a float") from None


def sech2(x):
    """sech²x = 1 − tanh²x, as 4e/(1 + e)² with e = e^(−2|x|) ≤ 1: no cancellation, no overflow.

    Where |tanh x| ≥ 0.7 the textbook 1 − t² subtracts two nearly equal numbers: at x = 20, t
    rounds to 1.0 and 1 − t² is 0.0, while the slope is 1.7e-17. This form keeps every digit at
    every x (e underflows to 0 only where sech²x itself does, beyond |x| ≈ 373).
    """
    if type(x) is float:
        e = math.exp(-2.0 * abs(x))
    else:
        e = (x * (-2.0 if x.data >= 0.0 else 2.0)).exp()  # e^(−2|x|) without abs: the rule stays smooth at 0
    p = 1.0 + e
    return 4.0 * e / (p * p)


def power_slope(a, n, out):
    """d(aⁿ)/da = n·aⁿ⁻¹, given out = aⁿ, without the rounding and the over- or underflow of the formula.

    Computed as (aⁿ/a)·n: n − 1 is never formed (it rounds: for n = 0.3 it loses the digits that
    |ln a| ≈ 690 then multiplies, and for |n| ≥ 2⁵³ it equals n), and a ** (n − 1) cannot overflow
    where the slope is a float (1e-300 ** −1 is 1e300; its slope −1e600 is −inf, not an error).
    (n·aⁿ)/a where aⁿ/a alone overflows but the slope does not (n = −0.03, a = 1e-300). Where aⁿ is
    below TINY and has lost digits, |a|^((n−1)/2)·√|n| is a full-precision float wherever the
    slope is one: its square, with the sign of n·aⁿ⁻¹. At a = 0 (n > 0): +inf for n < 1 (√x is
    vertical there), 1 for n = 1, 0 beyond. a, n and out are floats, or Values (see the module doc);
    as Values, a slope that depends on them stays a Value (a Value exponent 0 gives (n·aⁿ)/a, not 0).
    """
    floats = type(a) is float  # backward()'s slope (then n and out are floats too), else a rule's Values
    av, nv = (a, n) if floats else (_f(a), _f(n))
    if nv == 0.0 and type(n) is float:
        return 0.0  # a⁰ = 1 for every a, NaN included (IEEE 754)
    if av == 0.0:
        if nv != nv or nv <= 1.0:
            return nv if nv != nv else _inf if nv < 1.0 else 1.0
        # n > 1: 0. As Values, n·aⁿ⁻¹ itself (0 too), whose own derivative may not be (x^1.5 at 0)
        return 0.0 if floats and type(n) is float else n * a ** (n - 1.0)
    if not (math.isfinite(av) and math.isfinite(nv)):
        return n * a ** (n - 1.0)  # IEEE 754 arithmetic on inf and NaN
    if abs(out if floats else out.data) >= TINY:
        d = (out / a) * n
        if abs(nv) < 1.0 and not math.isfinite(d if floats else d.data):
            d = (n * out) / a
        return d
    # n·aⁿ⁻¹ with the sign of n, times −1 when a < 0 and n − 1 is odd (n is an integer then)
    negative = (nv < 0.0) != (av < 0.0 and (nv - 1.0) % 2.0 == 1.0)
    try:
        h = abs(a) ** ((n - 1.0) * 0.5) * math.sqrt(abs(nv))
    except OverflowError:
        return -_inf if negative else _inf
    return -(h * h) if negative else h * h


def power_log_slope(a, b, out):
    """d(aᵇ)/db = aᵇ·ln a, given out = aᵇ (a > 0; 0 at a = 0, where aᵇ = 0 for every b > 0).

    Where aᵇ is below TINY it has lost digits that aᵇ·ln a may not have: (a^(b/2))² · ln a, as
    h·(h·ln a). NaN in, NaN out. a, b and out are floats, or Values (see the module doc).
    """
    ov = _f(out)
    if ov != ov:
        return ov
    if _f(a) == 0.0:
        return 0.0
    if abs(ov) >= TINY:
        return out * _log(a)
    h = a ** (b * 0.5)
    return h * (h * _log(a))
