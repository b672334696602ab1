"""Datasets: toy problems in the plane made with NumPy, and the handwritten digits.

What it is: moons, circles, XOR, spirals and blobs, each `f(n, noise, seed) -> (X, y)` with `X`
an `n × 2` float array and `y` an array of n integer labels (0/1, or 0..k−1 for blobs and
spirals). Seeded with `numpy.random.default_rng(seed)`: the same arguments give the same data.
And `digits(seed, test_fraction)`: scikit-learn's 1,797 handwritten 8×8 digits (they ship
inside the package, no download), split into a stratified train and test set (`Digits`).

What it is not: downloaded, or meant as a benchmark of anything but this package.
For the hinge loss use the labels as `2 * y - 1`. `digits` needs the `digits` extra
(scikit-learn): `pip install '.[digits]'` in the chainrule checkout. Bad arguments are a
TypeError or ValueError naming the function and the argument (`moons: noise must be …`).
"""

from __future__ import annotations

import importlib
from functools import lru_cache
from types import ModuleType
from typing import NamedTuple

import numpy as np

from autograd.args import integer, real

__all__ = ["moons", "circles", "xor", "spirals", "blobs", "DATASETS", "MAX_SAMPLES", "digits", "Digits", "DIGITS_EXTRA"]

DIGITS_EXTRA = "pip install '.[digits]' in the chainrule checkout (or: pip install scikit-learn scipy)"
"""How to get the `digits` extra: chainrule is installed from its checkout (the name `chainrule` on
PyPI is not this project's), so the extra is `.[digits]` there; its packages can be named directly."""


MAX_SAMPLES = 10_000_000
"""The most samples a generator makes (n × 2 floats: 160 MB); a toy problem needs far fewer."""


def _check(where: str, n: object, noise: object, minimum: int = 2, noise_name: str = "noise") -> tuple[int, float]:
    """(n, noise) checked: an integer from `minimum` to MAX_SAMPLES, a finite number ≥ 0."""
    n = integer(n, where, "n (the number of samples)", low=minimum)
    if n > MAX_SAMPLES:
        raise ValueError(f"{where}: n = {n:,} samples is more than this toy data generator makes ({MAX_SAMPLES:,})")
    return n, real(noise, where, noise_name, low=0.0)


def _rng(seed: object, where: str = "seed") -> np.random.Generator:
    """numpy's generator for `seed`, or a TypeError/ValueError naming `where` and the seed."""
    return np.random.default_rng(integer(seed, where, "seed", low=0))


def _jitter(X: np.ndarray, noise: float, rng: np.random.Generator) -> np.ndarray:
    return X + rng.normal(scale=noise, size=X.shape) if noise else X


def moons(n: int = 100, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles: class 0 the upper arc, class 1 the lower arc shifted by (1, −½)."""
    n, noise = _check("moons", n, noise)
    rng = _rng(seed, "moons")
    n0 = n // 2
    t0 = np.linspace(0.0, np.pi, n0)
    t1 = np.linspace(0.0, np.pi, n - n0)
    X = np.concatenate([np.c_[np.cos(t0), np.sin(t0)], np.c_[1.0 - np.cos(t1), 0.5 - np.sin(t1)]])
    y = np.r_[np.zeros(n0, dtype=int), np.ones(n - n0, dtype=int)]
    order = rng.permutation(n)
    return _jitter(X, noise, rng)[order], y[order]


def circles(n: int = 100, noise: float = 0.05, factor: float = 0.5, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A ring (class 0, radius 1) around a smaller one (class 1, radius `factor`, in (0, 1))."""
    n, noise = _check("circles", n, noise)
    factor = real(factor, "circles", "factor", low=0.0, high=1.0, low_open=True, high_open=True)
    rng = _rng(seed, "circles")
    n0 = n // 2
    t0 = np.linspace(0.0, 2 * np.pi, n0, endpoint=False)
    t1 = np.linspace(0.0, 2 * np.pi, n - n0, endpoint=False)
    X = np.concatenate([np.c_[np.cos(t0), np.sin(t0)], factor * np.c_[np.cos(t1), np.sin(t1)]])
    y = np.r_[np.zeros(n0, dtype=int), np.ones(n - n0, dtype=int)]
    order = rng.permutation(n)
    return _jitter(X, noise, rng)[order], y[order]


def xor(n: int = 100, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Points around the four corners (±1, ±1); class 1 where the signs differ (x₁·x₂ < 0)."""
    n, noise = _check("xor", n, noise)
    rng = _rng(seed, "xor")
    corners = np.array([[1.0, 1.0], [-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0]])
    pick = np.arange(n) % 4
    X = _jitter(corners[pick], noise, rng)
    y = (pick >= 2).astype(int)
    order = rng.permutation(n)
    return X[order], y[order]


def spirals(n: int = 100, noise: float = 0.1, classes: int = 2, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """`classes` interleaved spiral arms, one class each, from the centre out to radius 1."""
    classes = integer(classes, "spirals", "classes", low=2)
    n, noise = _check("spirals", n, noise, minimum=classes)
    rng = _rng(seed, "spirals")
    counts = [len(range(c, n, classes)) for c in range(classes)]  # as even as n allows
    y = np.concatenate([np.full(k, c) for c, k in enumerate(counts)])
    r = np.concatenate([np.linspace(0.05, 1.0, k) for k in counts])
    t = 3.5 * np.pi * r + 2 * np.pi * y / classes  # 1¾ turns, the arms evenly rotated
    X = _jitter(np.c_[r * np.cos(t), r * np.sin(t)], noise * 0.3, rng)
    order = rng.permutation(n)
    return X[order], y[order]


def blobs(n: int = 100, centers: int = 3, std: float = 0.3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """`centers` Gaussian blobs with standard deviation `std`, centres evenly on a circle of radius 2."""
    centers = integer(centers, "blobs", "centers", low=2)
    n, std = _check("blobs", n, std, minimum=centers, noise_name="std")
    rng = _rng(seed, "blobs")
    y = np.arange(n) % centers
    angle = 2 * np.pi * y / centers
    X = _jitter(2.0 * np.c_[np.cos(angle), np.sin(angle)], std, rng)
    order = rng.permutation(n)
    return X[order], y[order]


DATASETS = {"moons": moons, "circles": circles, "xor": xor, "spirals": spirals, "blobs": blobs}


# ---------------------------------------------------------------- the handwritten digits


def _require(module: str, who: str = "nn.data.digits") -> ModuleType:
    """Import `module` from the `digits` extra, or raise an ImportError that is one clear line."""
    try:
        return importlib.import_module(module)
    except ImportError:
        top = module.split(".")[0]
        package = {"sklearn": "scikit-learn"}.get(top, top)
        raise ImportError(f"{who} needs {package}, which is not installed: {DIGITS_EXTRA}") from None


class Digits(NamedTuple):
    """A train/test split of the handwritten digits: `X_*` is m × 64 (8×8 images, row by row,
    pixels scaled to [0, 1]), `y_*` the labels 0..9. `images(X)` gives them back as m × 8 × 8."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    seed: int

    @staticmethod
    def images(X: np.ndarray) -> np.ndarray:
        return np.asarray(X).reshape(-1, 8, 8)

    def __repr__(self) -> str:
        return (
            f"Digits(train {self.X_train.shape[0]} × {self.X_train.shape[1]}, test {self.X_test.shape[0]} × "
            f"{self.X_test.shape[1]}, pixels in [0, 1], labels 0..9, stratified, seed {self.seed})"
        )


@lru_cache(maxsize=1)
def _load_digits() -> tuple[np.ndarray, np.ndarray]:
    """All 1,797 digits, read once per process: pixels 0..16 → [0, 1], labels as ints."""
    bunch = _require("sklearn.datasets").load_digits()
    X = bunch.data.astype(float) / 16.0
    y = bunch.target.astype(np.int64)
    X.setflags(write=False)  # cached: shared by every call, so nobody may change it
    y.setflags(write=False)
    return X, y


def digits(seed: int = 0, test_fraction: float = 0.2) -> Digits:
    """scikit-learn's handwritten digits (1,797 8×8 images), split train/test by `seed`.

    Stratified: each digit is in the test set in the proportion `test_fraction` (360 test and
    1,437 training images for 0.2). Pixels are scaled from 0..16 to [0, 1]. The same seed gives
    the same split; the arrays are fresh copies, yours to change.
    """
    seed = integer(seed, "digits", "seed", low=0, high=2**32 - 1)
    f = real(test_fraction, "digits", "test_fraction", low=0.0, high=1.0, low_open=True, high_open=True)
    X, y = _load_digits()
    n, classes = len(y), 10
    n_test = int(np.ceil(f * n))  # as scikit-learn rounds it
    if n_test < classes or n - n_test < classes:
        raise ValueError(
            f"digits: test_fraction {test_fraction!r} leaves {n_test} test and {n - n_test} training images of {n}: "
            f"a stratified split needs at least {classes} in each (one per digit)"
        )
    split = _require("sklearn.model_selection").train_test_split
    X_train, X_test, y_train, y_test = split(X, y, test_size=f, stratify=y, random_state=seed)
    return Digits(X_train, y_train, X_test, y_test, seed)
