"""Argument checkers shared by `autograd` and `nn`: one way to say "bad argument".

What it is: small functions that take an argument as the user passed it and return it converted
(an `int`, a `float`, a `bool`, a `list`), or raise an error that names the function, the
argument and what was expected, with what was given:

    >>> integer(0, "hessian", "max_inputs")
    Traceback (most recent call last):
    ValueError: hessian: max_inputs must be an integer ≥ 1, got 0

A wrong *type* is a TypeError (a str where a number belongs, a bool where an integer belongs: True
is not a count), a wrong *value* of the right type is a ValueError (0 where ≥ 1 is needed, NaN,
inf, an integer too large for a float). NumPy's integers and floats count as integers and reals.

What it is not: aware of the node. Nothing here imports `Value`; a checker of Values takes the
class as an argument (`sequence(xs, "grad", "inputs", of=Value)`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from numbers import Integral, Real

__all__ = ["integer", "real", "probability", "flag", "choice", "sequence", "text", "describe", "counted"]


def describe(x: object, width: int = 60) -> str:
    """`type: repr` of a value, cut to `width` characters (a huge string is not echoed whole)."""
    r = repr(x)
    if len(r) > width:
        r = r[: width - 1] + "…"
    return f"{type(x).__name__}: {r}"


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """`n` and the noun, plural unless n is 1, for messages: "1 output", "3 outputs", "0 outputs";
    `plural` when it is not the noun + s ("1 entry", "2 entries")."""
    return f"{n} {noun}" if n == 1 else f"{n} {plural or noun + 's'}"


def _bound_words(low: float | None, high: float | None, low_open: bool, high_open: bool) -> str:
    parts = []
    if low is not None:
        parts.append(f"{'>' if low_open else '≥'} {_number(low)}")
    if high is not None:
        parts.append(f"{'<' if high_open else '≤'} {_number(high)}")
    return " and ".join(parts)


def _wanted(low: float | None, high: float | None, low_open: bool, high_open: bool, finite: bool) -> str:
    """What `real` expects, in words: "a finite real number ≥ 0 and < 1" (built only for an error)."""
    bounds = _bound_words(low, high, low_open, high_open)
    return ("a finite real number" if finite else "a real number") + (f" {bounds}" if bounds else "")


def _number(bound: float) -> str:
    """A bound as the user would write it: integers in full (2**32 − 1 is 4294967295, not 4.29497e+09)."""
    return str(bound) if isinstance(bound, int) else f"{bound:g}"


def integer(x: object, where: str, name: str, *, low: int | None = 1, high: int | None = None) -> int:
    """`x` as an int in [low, high] (default: ≥ 1); bools and floats (even 2.0) are refused.

    Raises TypeError when `x` is not an integer, ValueError when it is out of range.
    """
    bounds = _bound_words(low, high, False, False)
    wanted = f"an integer {bounds}" if bounds else "an integer"
    if isinstance(x, bool) or not isinstance(x, Integral):
        raise TypeError(f"{where}: {name} must be {wanted}, got {describe(x)}")
    n = int(x)
    if (low is not None and n < low) or (high is not None and n > high):
        raise ValueError(f"{where}: {name} must be {wanted}, got {n!r}")
    return n


def real(
    x: object,
    where: str,
    name: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    finite: bool = True,
) -> float:
    """`x` as a float, finite unless `finite=False` (then ±inf and NaN pass), within the bounds given.

    Raises TypeError when `x` is not a real number (bools and complex numbers are not), ValueError
    when it is NaN or infinite (with `finite=True`), too large for a float, or out of range (open
    bounds with `low_open`/`high_open`; NaN is out of any range).
    """
    if type(x) is float:  # the usual cases first, without an ABC check: this runs on hot paths
        f = x
    elif type(x) is not int and (isinstance(x, bool) or not isinstance(x, Real)):
        raise TypeError(f"{where}: {name} must be {_wanted(low, high, low_open, high_open, finite)}, got {describe(x)}")
    else:
        try:
            f = float(x)
        except OverflowError:
            wanted = _wanted(low, high, low_open, high_open, finite)
            raise ValueError(f"{where}: {name} must be {wanted}, got an integer too large for a float") from None
    if (
        (finite and not math.isfinite(f))
        or ((low is not None or high is not None) and f != f)
        or (low is not None and (f <= low if low_open else f < low))
        or (high is not None and (f >= high if high_open else f > high))
    ):
        raise ValueError(f"{where}: {name} must be {_wanted(low, high, low_open, high_open, finite)}, got {f!r}")
    return f


def probability(x: object, where: str, name: str) -> float:
    """`x` as a float in [0, 1]."""
    return real(x, where, name, low=0.0, high=1.0)


def flag(x: object, where: str, name: str) -> bool:
    """True or False (NumPy's bools too); "no", 0 or 2 are errors, not truthy surprises."""
    if x is True or x is False:
        return x
    if type(x).__module__ == "numpy" and type(x).__name__ in ("bool_", "bool"):  # np.bool_ (NumPy 2: np.bool)
        return bool(x)
    raise TypeError(f"{where}: {name} must be True or False, got {describe(x)}")


def choice(x: object, where: str, name: str, options: Iterable[str]) -> str:
    """`x`, which must be one of `options` (strings)."""
    options = tuple(options)
    if not isinstance(x, str) or x not in options:
        raise ValueError(f"{where}: {name} must be one of {', '.join(map(repr, options))}, got {describe(x)}")
    return x


def sequence(
    x: object,
    where: str,
    name: str,
    *,
    of: type | tuple[type, ...] | None = None,
    nonempty: bool = True,
    max_length: int | None = None,
) -> list:
    """`x` as a list (any iterable but a str, bytes, dict or set), each item an instance of `of`.

    Raises TypeError for a non-iterable or a wrong item (naming its index), ValueError when empty
    (with `nonempty=True`) or longer than `max_length` (counted before anything is copied, where
    `x` has a length, so a huge input is refused without being read).
    """
    what = f"a list of {_kind(of)}" if of is not None else "a list"
    if isinstance(x, (str, bytes, dict, set, frozenset)) or not isinstance(x, Iterable):
        if of is not None and isinstance(x, of):
            raise TypeError(f"{where}: {name} must be {what}, got one {type(x).__name__} (pass [x])")
        raise TypeError(f"{where}: {name} must be {what}, got {describe(x)}")
    if max_length is not None and hasattr(x, "__len__") and len(x) > max_length:
        raise ValueError(f"{where}: {name} has {len(x):,} items, more than {max_length:,}")
    items = list(x)
    if max_length is not None and len(items) > max_length:
        raise ValueError(f"{where}: {name} has {len(items):,} items, more than {max_length:,}")
    if nonempty and not items:
        raise ValueError(f"{where}: {name} is empty (expected {what})")
    if of is not None:
        for i, item in enumerate(items):
            if not isinstance(item, of):
                raise TypeError(f"{where}: {name}[{i}] must be {_kind(of, one=True)}, got {describe(item)}")
    return items


def text(x: object, where: str, name: str, *, none: bool = False, max_length: int | None = None) -> str | None:
    """`x` as a str (or None, with `none=True`) of at most `max_length` characters, with no lone
    surrogate (it could not be written to a UTF-8 file)."""
    if x is None and none:
        return None
    if not isinstance(x, str):
        raise TypeError(f"{where}: {name} must be a str{' or None' if none else ''}, got {describe(x)}")
    if max_length is not None and len(x) > max_length:
        raise ValueError(f"{where}: {name} has {len(x):,} characters, more than {max_length:,}")
    try:
        x.encode("utf-8")
    except UnicodeEncodeError as e:
        raise ValueError(
            f"{where}: {name} holds a lone surrogate {x[e.start]!r} at index {e.start}, which no UTF-8 file can hold"
        ) from None
    return x


def _kind(of: type | tuple[type, ...], one: bool = False) -> str:
    kinds = of if isinstance(of, tuple) else (of,)
    names = " or ".join(k.__name__ for k in kinds)
    return f"a {names}" if one else f"{names}s" if len(kinds) == 1 else names
