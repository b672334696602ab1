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
from collections.abc import Callable, Sequence
from typing import NamedTuple

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
    if not eps > 0.0:
        raise ValueError(f"numerical_grad: eps must be > 0, got {eps!r}")
    grads = []
    for x in inputs:
        if not isinstance(x, Value):
            raise TypeError(f"numerical_grad: inputs must be Values, got {type(x).__name__}")
        original = x.data
        try:
            x.data = original + eps
            up = float(f())
            x.data = original - eps
            down = float(f())
        finally:
            x.data = original
        grads.append((up - down) / (2.0 * eps))
    return grads


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
    a = [float(x) for x in a]
    b = [float(x) for x in b]
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
