"""Toy datasets for two-class (and few-class) problems in the plane, made with NumPy.

What it is: moons, circles, XOR, spirals and blobs, each `f(n, noise, seed) -> (X, y)` with `X`
an `n × 2` float array and `y` an array of n integer labels (0/1, or 0..k−1 for blobs and
spirals). Seeded with `numpy.random.default_rng(seed)`: the same arguments give the same data.

What it is not: downloaded, or meant as a benchmark of anything but this package.
For the hinge loss use the labels as `2 * y - 1`.
"""

from __future__ import annotations

import numpy as np

__all__ = ["moons", "circles", "xor", "spirals", "blobs", "DATASETS", "MAX_SAMPLES"]


MAX_SAMPLES = 10_000_000
"""The most samples a generator makes (n × 2 floats: 160 MB); a toy problem needs far fewer."""


def _check(n: int, noise: float, minimum: int = 2, noise_name: str = "noise") -> None:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < minimum:
        raise ValueError(f"n must be an integer ≥ {minimum}, got {n!r}")
    if n > MAX_SAMPLES:
        raise ValueError(f"n = {n:,} samples is more than this toy data generator makes ({MAX_SAMPLES:,})")
    if isinstance(noise, (bool, np.bool_)) or not isinstance(noise, (int, float, np.integer, np.floating)):
        raise TypeError(f"{noise_name} must be a number, got {type(noise).__name__}: {noise!r:.60}")
    if not 0.0 <= noise < float("inf"):
        raise ValueError(f"{noise_name} must be a finite number ≥ 0, got {noise!r}")


def _rng(seed: object) -> np.random.Generator:
    """numpy's generator for `seed`, or a TypeError/ValueError naming the seed."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be an integer ≥ 0, got {seed!r:.60}")
    return np.random.default_rng(int(seed))


def _count(k: object, what: str, minimum: int = 2) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < minimum:
        raise ValueError(f"{what} must be an integer ≥ {minimum}, got {k!r}")
    return int(k)


def _jitter(X: np.ndarray, noise: float, rng: np.random.Generator) -> np.ndarray:
    return X + rng.normal(scale=noise, size=X.shape) if noise else X


def moons(n: int = 100, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles: class 0 the upper arc, class 1 the lower arc shifted by (1, −½)."""
    _check(n, noise)
    rng = _rng(seed)
    n0 = n // 2
    t0 = np.linspace(0.0, np.pi, n0)
    t1 = np.linspace(0.0, np.pi, n - n0)
    X = np.concatenate([np.c_[np.cos(t0), np.sin(t0)], np.c_[1.0 - np.cos(t1), 0.5 - np.sin(t1)]])
    y = np.r_[np.zeros(n0, dtype=int), np.ones(n - n0, dtype=int)]
    order = rng.permutation(n)
    return _jitter(X, noise, rng)[order], y[order]


def circles(n: int = 100, noise: float = 0.05, factor: float = 0.5, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A ring (class 0, radius 1) around a smaller one (class 1, radius `factor`)."""
    _check(n, noise)
    if isinstance(factor, bool) or not isinstance(factor, (int, float, np.integer, np.floating)):
        raise TypeError(f"factor must be a number, got {type(factor).__name__}: {factor!r:.60}")
    if not 0.0 < factor < 1.0:
        raise ValueError(f"factor must be in (0, 1), got {factor!r}")
    rng = _rng(seed)
    n0 = n // 2
    t0 = np.linspace(0.0, 2 * np.pi, n0, endpoint=False)
    t1 = np.linspace(0.0, 2 * np.pi, n - n0, endpoint=False)
    X = np.concatenate([np.c_[np.cos(t0), np.sin(t0)], factor * np.c_[np.cos(t1), np.sin(t1)]])
    y = np.r_[np.zeros(n0, dtype=int), np.ones(n - n0, dtype=int)]
    order = rng.permutation(n)
    return _jitter(X, noise, rng)[order], y[order]


def xor(n: int = 100, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Points around the four corners (±1, ±1); class 1 where the signs differ (x₁·x₂ < 0)."""
    _check(n, noise)
    rng = _rng(seed)
    corners = np.array([[1.0, 1.0], [-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0]])
    pick = np.arange(n) % 4
    X = _jitter(corners[pick], noise, rng)
    y = (pick >= 2).astype(int)
    order = rng.permutation(n)
    return X[order], y[order]


def spirals(n: int = 100, noise: float = 0.1, classes: int = 2, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """`classes` interleaved spiral arms, one class each, from the centre out to radius 1."""
    classes = _count(classes, "classes")
    _check(n, noise, minimum=classes)
    rng = _rng(seed)
    counts = [len(range(c, n, classes)) for c in range(classes)]  # as even as n allows
    y = np.concatenate([np.full(k, c) for c, k in enumerate(counts)])
    r = np.concatenate([np.linspace(0.05, 1.0, k) for k in counts])
    t = 3.5 * np.pi * r + 2 * np.pi * y / classes  # 1¾ turns, the arms evenly rotated
    X = _jitter(np.c_[r * np.cos(t), r * np.sin(t)], noise * 0.3, rng)
    order = rng.permutation(n)
    return X[order], y[order]


def blobs(n: int = 100, centers: int = 3, std: float = 0.3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """`centers` Gaussian blobs with standard deviation `std`, centres evenly on a circle of radius 2."""
    centers = _count(centers, "centers")
    _check(n, std, minimum=centers, noise_name="std")
    rng = _rng(seed)
    y = np.arange(n) % centers
    angle = 2 * np.pi * y / centers
    X = _jitter(2.0 * np.c_[np.cos(angle), np.sin(angle)], std, rng)
    order = rng.permutation(n)
    return X[order], y[order]


DATASETS = {"moons": moons, "circles": circles, "xor": xor, "spirals": spirals, "blobs": blobs}
