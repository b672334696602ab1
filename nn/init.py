"""Initial weights, as Θ matrices in plain Python lists.

What it is: the two initializers of the course, in the course's layout — a matrix of
`fan_out × (1 + fan_in)` numbers, row j for neuron j of the next layer, column 0 its bias:

- `uniform_matrix`: uniform in [−ε, ε] with ε = √6 / √(fan_in + fan_out), which breaks the
  symmetry between neurons (Jordan's post: equal weights would make every neuron of a layer equal);
- `debug_matrix`: the course's deterministic "debug" initialization, sin(1), sin(2), … / 10,
  filled column by column, for reproducible gradient checks.

What it is not: tied to the engine or to NumPy. It imports neither, so both the scalar `nn`
and the matrix implementation `nn.matrix` draw their weights from the same numbers.
"""

from __future__ import annotations

import math
import random

__all__ = ["default_epsilon", "uniform_matrix", "debug_matrix"]


def _check_sizes(fan_out: int, fan_in: int) -> None:
    for name, n in (("fan_out", fan_out), ("fan_in", fan_in)):
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"{name} must be an integer ≥ 1, got {n!r}")


def default_epsilon(fan_in: int, fan_out: int) -> float:
    """ε = √6 / √(fan_in + fan_out): 0.12 for the course's 400 → 25 layer."""
    _check_sizes(fan_out, fan_in)
    return math.sqrt(6.0) / math.sqrt(fan_in + fan_out)


def uniform_matrix(fan_out: int, fan_in: int, rng: random.Random, epsilon: float | None = None) -> list[list[float]]:
    """A `fan_out × (1 + fan_in)` matrix, each entry uniform in [−ε, ε] (column 0: the biases).

    `rng` is a `random.Random` you seed: no global random state is read or changed.
    """
    _check_sizes(fan_out, fan_in)
    eps = default_epsilon(fan_in, fan_out) if epsilon is None else float(epsilon)
    if not eps > 0.0 or not math.isfinite(eps):
        raise ValueError(f"epsilon must be a finite number > 0, got {epsilon!r}")
    return [[rng.uniform(-eps, eps) for _ in range(1 + fan_in)] for _ in range(fan_out)]


def debug_matrix(fan_out: int, fan_in: int) -> list[list[float]]:
    """The course's deterministic weights: entry k (1-based, column by column) is sin(k) / 10.

    >>> debug_matrix(2, 1)  # [[sin 1, sin 3], [sin 2, sin 4]] / 10
    [[0.08414709848078965, 0.014112000805986721], [0.09092974268256818, -0.07568024953079282]]
    """
    _check_sizes(fan_out, fan_in)
    cols = 1 + fan_in
    # MATLAB fills column-major: entry (r, c) is number c·fan_out + r + 1.
    return [[math.sin(c * fan_out + r + 1) / 10.0 for c in range(cols)] for r in range(fan_out)]
