"""Numerical gradients and how to compare them: the independent reference for `backward()`.

What it is: central differences, (f(x + ε) − f(x − ε)) / 2ε, one input at a time, and the relative
difference ‖a − b‖ / ‖a + b‖ that the course (Andrew Ng's Machine Learning) uses to judge a gradient check.

What it is not: exact. Central differences have an error of order ε² from the function's
curvature plus an error of order (machine ε)/ε from rounding; ε = 1e-6 balances the two for
smooth functions of moderate size. At a kink (relu at 0) they measure a secant, not the
subgradient `backward()` uses: keep check points away from kinks.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from numbers import Real
from typing import NamedTuple

from .args import real, sequence
from .graph import topological_order
from .guards import find_stale
from .value import Value

__all__ = ["numerical_grad", "compare", "Comparison"]


def numerical_grad(f: Callable[[], Value | float], inputs: Sequence[Value], eps: float = 1e-6) -> list[float]:
    """∂f/∂x for each x in `inputs`, by central differences.

    `f` takes no arguments and recomputes its result from the inputs' current `.data` (for
    example `lambda: loss(model(x), y)`); each input's data is nudged by ±eps and restored exactly.

    >>> a = Value(3.0)
    >>> [round(g, 6) for g in numerical_grad(lambda: a * a, [a])]
    [6.0]
    """
    if not callable(f):
        raise TypeError(f"numerical_grad: f must be a function of no arguments, got {type(f).__name__}")
    inputs = sequence(inputs, "numerical_grad", "inputs", of=Value, nonempty=False)
    eps = real(eps, "numerical_grad", "eps", low=0.0, low_open=True)
    grads = []
    for x in inputs:
        original = x.data
        try:
            x.data = original + eps
            up_value = f()
            up = _number(up_value)
            x.data = original - eps
            down_value = f()
            down = _number(down_value)
            if isinstance(down_value, Value) and (
                down_value is up_value or (up == down and _built_before(down_value, x))
            ):
                name = f" {x.label!r}" if x.label is not None else ""
                what = "the same Value both times" if down_value is up_value else "a graph built before the input moved"
                raise ValueError(
                    f"numerical_grad: f did not recompute its result from the input{name}: it returned {what}"
                    f", so the difference would be 0. Pass a function that rebuilds the result from the inputs' "
                    f"data, e.g. lambda: loss(model(x), y), not one returning a node built beforehand"
                )
        finally:
            x.data = original
        grads.append((up - down) / (2.0 * eps))
    return grads


def _number(result: object) -> float:
    """f's result as a float: a Value's data or a real number."""
    if isinstance(result, Value):
        return result.data
    if isinstance(result, bool) or not isinstance(result, Real):
        raise TypeError(f"numerical_grad: f must return a Value or a number, got {type(result).__name__}")
    return float(result)


def _built_before(result: Value, x: Value) -> bool:
    """Whether `result`'s graph recorded other data for `x` than it holds now (f did not recompute)."""
    return isinstance(find_stale(topological_order(result), {x}), tuple)


def _floats(v: object, name: str) -> list[float]:
    if isinstance(v, (str, bytes, Value)) or not isinstance(v, Iterable):
        raise TypeError(f"compare: {name} must be a sequence of numbers, got {type(v).__name__}")
    out = []
    for i, x in enumerate(v):
        if isinstance(x, bool) or not isinstance(x, (Real, Value)):
            raise TypeError(f"compare: {name}[{i}] must be a number, got {type(x).__name__}: {x!r:.60}")
        out.append(x.data if isinstance(x, Value) else float(x))
    return out


class Comparison(NamedTuple):
    """How far apart two gradient vectors are.

    `relative` = ‖a − b‖ / ‖a + b‖ (the course's measure; 0.0 when both are zero),
    `max_abs` = the largest |aᵢ − bᵢ|, at index `worst`.
    """

    relative: float
    max_abs: float
    worst: int

    def __str__(self) -> str:
        return f"relative {self.relative:.3e}, max abs {self.max_abs:.3e} (entry {self.worst})"


def compare(a: Sequence[float], b: Sequence[float]) -> Comparison:
    """Compare two gradient vectors of the same length (numbers or Values' grads as floats)."""
    a, b = _floats(a, "a"), _floats(b, "b")
    if len(a) != len(b):
        raise ValueError(f"compare: lengths differ ({len(a)} vs {len(b)})")
    if not a:
        raise ValueError("compare: nothing to compare (both empty)")
    diffs = [abs(x - y) for x, y in zip(a, b)]
    worst = max(range(len(diffs)), key=diffs.__getitem__)
    num = math.sqrt(math.fsum(d * d for d in diffs))
    den = math.sqrt(math.fsum((x + y) ** 2 for x, y in zip(a, b)))
    if den == 0.0:
        relative = 0.0 if num == 0.0 else math.inf
    else:
        relative = num / den
    return Comparison(relative, diffs[worst], worst)
