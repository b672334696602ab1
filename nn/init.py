"""Initial weights, as Θ matrices in plain Python lists.

What it is: the two initializers of the course, in the course's layout — a matrix of
`fan_out × (1 + fan_in)` numbers, row j for neuron j of the next layer, column 0 its bias:

- `uniform_matrix`: uniform in [−ε, ε] with ε = √6 / √(fan_in + fan_out), which breaks the
  symmetry between neurons (Jordan's post: equal weights would make every neuron of a layer equal);
- `debug_matrix`: the course's deterministic "debug" initialization, sin(1), sin(2), … / 10,
  filled column by column, for reproducible gradient checks.

What it is not: tied to the engine or to NumPy. It imports neither (only the argument checkers
every module shares, `autograd.args`), so both the scalar `nn` and the matrix implementation
`nn.matrix` draw their weights from the same numbers.
"""

from __future__ import annotations

import math
import random

from autograd.args import integer, real

__all__ = ["default_epsilon", "uniform_matrix", "debug_matrix", "layer_sizes", "MAX_ENTRIES"]

MAX_ENTRIES = 10_000_000
"""The default `max_entries` of the initializers: 10⁷ Python floats are about 300 MB as lists."""


def layer_sizes(sizes: object, where: str) -> list[int]:
    """A network's layer sizes [s_1, s_2, …] as ints ≥ 1, at least two of them (NumPy integers too);
    TypeError/ValueError naming `where` and the size otherwise."""
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__") or len(sizes) < 2:
        raise ValueError(
            f"{where}: sizes must be a list of at least two layer sizes, e.g. [3, 5, 3], got {sizes!r:.60}"
        )
    return [integer(s, where, f"sizes[{k}] (a layer size)") for k, s in enumerate(sizes)]


def _check_sizes(where: str, fan_out: int, fan_in: int) -> tuple[int, int]:
    """(fan_out, fan_in) as ints ≥ 1 (NumPy integers too), or an error naming `where`."""
    return integer(fan_out, where, "fan_out"), integer(fan_in, where, "fan_in")


def _check_matrix(where: str, fan_out: int, fan_in: int, max_entries: int) -> tuple[int, int]:
    """`_check_sizes`, and the fan_out × (1 + fan_in) matrix within `max_entries` (checked before it is made)."""
    fan_out, fan_in = _check_sizes(where, fan_out, fan_in)
    max_entries = integer(max_entries, where, "max_entries")
    count = fan_out * (fan_in + 1)
    if count > max_entries:
        raise ValueError(
            f"{where}: a {fan_out:,} × {fan_in + 1:,} matrix has {count:,} entries, more than "
            f"max_entries={max_entries:,}: pass max_entries={count} to build it anyway"
        )
    return fan_out, fan_in


def default_epsilon(fan_in: int, fan_out: int) -> float:
    """ε = √6 / √(fan_in + fan_out): 0.12 for the course's 400 → 25 layer."""
    fan_out, fan_in = _check_sizes("default_epsilon", fan_out, fan_in)
    return math.sqrt(6.0) / math.sqrt(fan_in + fan_out)


def uniform_matrix(
    fan_out: int, fan_in: int, rng: random.Random, epsilon: float | None = None, *, max_entries: int = MAX_ENTRIES
) -> list[list[float]]:
    """A `fan_out × (1 + fan_in)` matrix, each entry uniform in [−ε, ε] (column 0: the biases).

    `rng` is a `random.Random` you seed: no global random state is read or changed.
    """
    fan_out, fan_in = _check_matrix("uniform_matrix", fan_out, fan_in, max_entries)
    if not isinstance(rng, random.Random):
        raise TypeError(
            f"uniform_matrix: rng must be a random.Random (e.g. random.Random(0)), got {type(rng).__name__}"
        )
    if epsilon is None:
        eps = default_epsilon(fan_in, fan_out)
    else:
        eps = real(epsilon, "uniform_matrix", "epsilon (or None)", low=0.0, low_open=True)
    return [[rng.uniform(-eps, eps) for _ in range(1 + fan_in)] for _ in range(fan_out)]


def debug_matrix(fan_out: int, fan_in: int, *, max_entries: int = MAX_ENTRIES) -> list[list[float]]:
    """The course's deterministic weights: entry k (1-based, column by column) is sin(k) / 10.

    >>> debug_matrix(2, 1)  # [[sin 1, sin 3], [sin 2, sin 4]] / 10
    [[0.08414709848078965, 0.014112000805986721], [0.09092974268256818, -0.07568024953079282]]
    """
    fan_out, fan_in = _check_matrix("debug_matrix", fan_out, fan_in, max_entries)
    cols = 1 + fan_in
    # MATLAB fills column-major: entry (r, c) is number c·fan_out + r + 1.
    return [[math.sin(c * fan_out + r + 1) / 10.0 for c in range(cols)] for r in range(fan_out)]
