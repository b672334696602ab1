"""The same network as NumPy matrices: forward propagation, δ's and Θ gradients, vectorized.

What it is: the course's backpropagation written the way the course and Jordan's post write it, over a
whole batch at once (no Python loop over the m samples):

    a^(1) = X                                   m × s_1
    z^(l+1) = [1, a^(l)] (Θ^(l))ᵀ               m × s_{l+1}   (bias column of ones prepended)
    a^(l+1) = g(z^(l+1))
    δ^(L) = (a^(L) − y)/m                       for a sigmoid output with the cross-entropy (the course)
    δ^(L) = ∂J/∂a^(L) ⊙ g'(z^(L))               for the other pairs (a linear output: ∂J/∂a^(L))
    δ^(l) = (δ^(l+1) Θ^(l))[:, 1:] ⊙ g'(z^(l))   (the bias column dropped)
    ∂J/∂Θ^(l) = (δ^(l+1))ᵀ [1, a^(l)]  (+ (λ/m) Θ^(l) on the non-bias columns)

Θ^(l) has shape s_{l+1} × (s_l + 1): row j is neuron j of layer l+1, column 0 its bias,
column i the weight from neuron i of layer l (the "mailing label" θ_ji of Jordan's post).

A δ here is ∂J/∂z of the whole batch cost J, which already carries the 1/m of the average; it
is exactly the grad of the z node in the scalar engine. The course's per-sample δ is m times it.

At the edges: a sigmoid output's cross-entropy J is computed from z^(L) (softplus, exact at any
z) and its δ^(L) = a − y directly, never ∂J/∂a ⊙ g′(z), whose factors under- and overflow at
saturation (at z = 40, y = 0: δ = 1, where a(1 − a) rounds to 4e-18 and 1/(1 − a) to 1e12);
a − y is computed as (1 − y)σ(z) − yσ(−z), so a − 1 keeps its digits where a ≈ 1. The softmax
cross-entropy takes the output layer's a as logits and is exact at any of them. A term whose
target weight is 0 adds nothing (0 · log 0 = 0). The engine's losses do the same (`nn.losses`).

What it is not: connected to `autograd`'s engine. This module imports nothing from it, so that
agreement between the two (see `nn.crosscheck`) is evidence, not a tautology — only the argument
checkers every module shares (`autograd.args`, which import nothing of the node either), so a bad
argument is named the same way here: `random_thetas: epsilon must be a finite real number > 0`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from autograd.args import integer, real

from .init import debug_matrix, layer_sizes

__all__ = [
    "ACTIVATIONS",
    "LOSSES",
    "Forward",
    "Backprop",
    "forward",
    "cost",
    "backprop",
    "numerical_gradients",
    "relative_difference",
    "unroll",
    "reroll",
    "train",
    "debug_thetas",
    "random_thetas",
    "CLIP",
]

CLIP = 1e-12  # cross_entropy clips an output that is not a sigmoid to [CLIP, 1 − CLIP], as nn.cross_entropy does


# ---------------------------------------------------------------- activations g and g'


def _sigmoid(z: np.ndarray) -> np.ndarray:
    # e^(−|z|) never overflows; by sign, 1/(1 + e) or e/(1 + e), so neither branch divides by inf
    e = np.abs(z)
    np.negative(e, out=e)
    np.exp(e, out=e)
    return np.where(z >= 0, 1.0, e) / (1.0 + e)  # one division: the same floats as dividing each branch


def _tanh(z: np.ndarray) -> np.ndarray:
    return np.tanh(z)


def _relu(z: np.ndarray) -> np.ndarray:
    return np.maximum(z, 0.0)


def _linear(z: np.ndarray) -> np.ndarray:
    return z


# g'(z), written in terms of a = g(z) where that is the cheaper form
_DERIVATIVES = {
    "sigmoid": lambda z, a: a * (1.0 - a),
    "tanh": lambda z, a: 1.0 - a * a,
    "relu": lambda z, a: (z > 0).astype(float),  # 0 at the kink, as the engine
    "linear": lambda z, a: np.ones_like(z),
}
_ACTIVATIONS = {"sigmoid": _sigmoid, "tanh": _tanh, "relu": _relu, "linear": _linear}
ACTIVATIONS = tuple(_ACTIVATIONS)


def _activation(name: str, what: str = "activation") -> str:
    if name not in _ACTIVATIONS:
        raise ValueError(f"unknown {what} {name!r}; valid names: {', '.join(ACTIVATIONS)}")
    return name


# ---------------------------------------------------------------- losses J(a, Y) and ∂J/∂a


def _mse(A: np.ndarray, Y: np.ndarray) -> tuple[float, np.ndarray]:
    m = A.shape[0]
    D = A - Y
    return float(np.sum(D * D)) / (2 * m), D / m


def _unit_targets(Y: np.ndarray, loss: str) -> None:
    if not np.all((Y >= 0.0) & (Y <= 1.0)):
        bad = float(Y[~((Y >= 0.0) & (Y <= 1.0))].flat[0])
        raise ValueError(f"{loss}: targets must be in [0, 1] (probabilities: 0/1 labels or soft ones), got {bad!r}")


def _weighted(W: np.ndarray, T: np.ndarray) -> np.ndarray:
    """W ⊙ T with the entries of weight 0 left at 0, also where T is ±inf (0 · log 0 = 0)."""
    return W * np.where(W != 0.0, T, 0.0)


def _cross_entropy(A: np.ndarray, Y: np.ndarray) -> tuple[float, np.ndarray]:
    """For outputs that are not a sigmoid's: a in [0, 1], clipped to [CLIP, 1 − CLIP] before the log."""
    m = A.shape[0]
    _unit_targets(Y, "cross_entropy")
    if np.any((A < 0.0) | (A > 1.0)):
        bad = float(A[(A < 0.0) | (A > 1.0)].flat[0])
        raise ValueError(
            f"cross_entropy: outputs must be in [0, 1] (probabilities), got {bad!r}; use a sigmoid output layer"
        )
    P = np.clip(A, CLIP, 1.0 - CLIP)
    J = -float(np.sum(_weighted(Y, np.log(P)) + _weighted(1.0 - Y, np.log(1.0 - P)))) / m
    return J, -(Y / P - (1.0 - Y) / (1.0 - P)) / m


def _softplus(Z: np.ndarray) -> np.ndarray:
    """ln(1 + eᶻ) as max(z, 0) + ln(1 + e^−|z|): no overflow, no lost digits, at any z."""
    return np.maximum(Z, 0.0) + np.log1p(np.exp(-np.abs(Z)))


def _sigmoid_cross_entropy(Z: np.ndarray, A: np.ndarray, Y: np.ndarray) -> tuple[float, np.ndarray]:
    """(J, δ^(L)) of a sigmoid output a = σ(z) from its logits Z: J = 1/m Σ [y softplus(−z) +
    (1 − y) softplus(z)] and δ^(L) = (a − y)/m, written (1 − y)σ(z) − yσ(−z) (σ(−z) = 1 − a)."""
    m = Z.shape[0]
    _unit_targets(Y, "cross_entropy")
    J = float(np.sum(_weighted(Y, _softplus(-Z)) + _weighted(1.0 - Y, _softplus(Z)))) / m
    return J, ((1.0 - Y) * A - Y * _sigmoid(-Z)) / m


def _hinge(A: np.ndarray, Y: np.ndarray) -> tuple[float, np.ndarray]:
    m = A.shape[0]
    if not np.all((Y == 1.0) | (Y == -1.0)):
        raise ValueError("hinge: targets must be -1 or +1 (for 0/1 labels use 2*y - 1)")
    margin = 1.0 - Y * A
    active = margin > 0.0
    return float(np.sum(np.where(active, margin, 0.0))) / m, np.where(active, -Y, 0.0) / m


def _softmax_cross_entropy(A: np.ndarray, Y: np.ndarray) -> tuple[float, np.ndarray]:
    """J = −1/m Σ y ln softmax(a) over the rows, the outputs a taken as logits, exact at any of them:
    −ln pₖ = ln(1 + Σ_{j≠top} e^(aⱼ − max a)) + (max a − aₖ), with log1p, and ∂J/∂aₖ =
    (pₖ(Σy − yₖ) − yₖ Σ_{j≠k} pⱼ)/m — pₖ − 1 as a sum of the other p's, not a difference."""
    m = A.shape[0]
    _unit_targets(Y, "softmax_cross_entropy")
    rows = np.arange(m)
    top_j = A.argmax(axis=1)  # the first largest logit of each row
    top = A[rows, top_j][:, None]
    E = np.exp(A - top)  # E[row, top_j] = 1
    off_top = E.copy()
    off_top[rows, top_j] = 0.0
    others = off_top.sum(axis=1, keepdims=True)  # Σ_{j≠top} e^(aⱼ − max a)
    norm = 1.0 + others
    J = float(np.sum(_weighted(Y, np.log1p(others) + (top - A)))) / m
    rest = norm - E  # Σ_{j≠k} eⱼ: at least norm/2 off the top, so no cancellation
    rest[rows, top_j] = others[:, 0]
    return J, (E / norm * (Y.sum(axis=1, keepdims=True) - Y) - Y * (rest / norm)) / m


_LOSSES = {
    "mse": _mse,
    "cross_entropy": _cross_entropy,
    "hinge": _hinge,
    "softmax_cross_entropy": _softmax_cross_entropy,
}
LOSSES = tuple(_LOSSES)


def _loss(name: str):
    try:
        return _LOSSES[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown loss {name!r}; valid names: {', '.join(LOSSES)}") from None


def _cost_and_output_delta(loss: str, output_activation: str, fw: Forward, Y: np.ndarray) -> tuple[float, np.ndarray]:
    """The unregularized J and δ^(L) = ∂J/∂z^(L) (m × s_L, with J's 1/m): a − y for a sigmoid output
    with the cross-entropy (J from z^(L)), ∂J/∂a ⊙ g′(z^(L)) for the other pairs."""
    Z, A = fw.z[-1], fw.a[-1]
    if loss == "cross_entropy" and output_activation == "sigmoid":
        return _sigmoid_cross_entropy(Z, A, Y)
    J, dJ_da = _LOSSES[loss](A, Y)
    if output_activation == "linear":
        return J, dJ_da  # g′ = 1
    return J, dJ_da * _DERIVATIVES[output_activation](Z, A)


# ---------------------------------------------------------------- input checks


def _check_thetas(thetas: Sequence[np.ndarray]) -> list[np.ndarray]:
    if isinstance(thetas, np.ndarray) or not len(thetas):
        raise ValueError("thetas must be a non-empty list of 2-D arrays Θ^(1), Θ^(2), …")
    out = []
    for l, T in enumerate(thetas, start=1):
        T = np.asarray(T, dtype=float)
        if T.ndim != 2 or T.shape[1] < 2:
            raise ValueError(f"Θ^({l}) must be 2-D, s_(l+1) × (s_l + 1) with a bias column, got shape {T.shape}")
        if not np.all(np.isfinite(T)):
            raise ValueError(f"Θ^({l}) has non-finite entries")
        if out and T.shape[1] != out[-1].shape[0] + 1:
            raise ValueError(
                f"Θ^({l}) has {T.shape[1]} columns but Θ^({l - 1}) has {out[-1].shape[0]} rows: "
                f"expected {out[-1].shape[0] + 1} columns (one per neuron of layer {l}, plus the bias)"
            )
        out.append(T)
    return out


def _check_X(X, thetas: list[np.ndarray]) -> np.ndarray:
    X = np.asarray(X, dtype=float)
    if X.ndim == 1:  # one sample
        X = X[None, :]
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D, m × s_1, got shape {X.shape}")
    if X.shape[0] == 0:
        raise ValueError("X has no samples (m = 0)")
    want = thetas[0].shape[1] - 1
    if X.shape[1] != want:
        raise ValueError(f"X has {X.shape[1]} columns but Θ^(1) expects {want} inputs")
    # A sum is one pass with no temporary; it is finite exactly when every entry is, unless finite
    # entries overflow it, and then the entry-by-entry check decides. (Saves ~1/10 of a backprop.)
    if not np.isfinite(np.sum(X)) and not np.all(np.isfinite(X)):
        raise ValueError("X has non-finite entries")
    return X


def _check_Y(Y, m: int, k: int) -> np.ndarray:
    Y = np.asarray(Y, dtype=float)
    if Y.ndim == 1 and k == 1 and Y.shape[0] == m:
        Y = Y[:, None]
    elif Y.ndim == 1 and m == 1:
        Y = Y[None, :]
    if Y.shape != (m, k):
        raise ValueError(f"Y must be m × K = {m} × {k}, got shape {Y.shape}")
    if not np.all(np.isfinite(Y)):
        raise ValueError("Y has non-finite entries")
    return Y


# ---------------------------------------------------------------- forward and backprop


class Forward(NamedTuple):
    """The batch's activations `a[l]` (m × s_l, no bias column; a[0] = X) and `z[l]` (z[0] = None)."""

    a: list[np.ndarray]
    z: list[np.ndarray | None]

    @property
    def output(self) -> np.ndarray:
        return self.a[-1]


def _forward(thetas: list[np.ndarray], X: np.ndarray, activation: str, output_activation: str) -> Forward:
    a, z = [X], [None]
    last = len(thetas) - 1
    for l, T in enumerate(thetas):
        # [1, a] Θᵀ = a Θ[:, 1:]ᵀ + Θ[:, 0]: one BLAS product on the batch as it is (Θ[:, 1:]ᵀ is a
        # strided view BLAS reads directly), then the biases broadcast in place; no copy of a.
        Z = a[-1] @ T[:, 1:].T  # m × s_l times s_l × s_{l+1}
        Z += T[:, 0]
        g = _ACTIVATIONS[output_activation if l == last else activation]
        z.append(Z)
        a.append(g(Z))
    return Forward(a, z)


def forward(thetas, X, activation: str = "sigmoid", output_activation: str | None = None) -> Forward:
    """Forward propagation of the batch X (m × s_1; a 1-D X is one sample) through the Θ's."""
    thetas = _check_thetas(thetas)
    _activation(activation)
    output_activation = _activation(output_activation or activation, "output_activation")
    return _forward(thetas, _check_X(X, thetas), activation, output_activation)


class Backprop(NamedTuple):
    """`cost` J; `gradients[i]` = ∂J/∂Θ^(i+1) (shape of Θ); `deltas[i]` = ∂J/∂z of the layer Θ^(i+1)
    feeds (δ^(i+2), m × s_{i+2}, including the 1/m of the average)."""

    cost: float
    gradients: list[np.ndarray]
    deltas: list[np.ndarray]


def _regularization(thetas: list[np.ndarray], lam: float, m: int) -> float:
    if not lam:
        return 0.0  # λ = 0 adds nothing, also where a Θ² overflows
    return lam / (2 * m) * sum(float(np.sum(T[:, 1:] ** 2)) for T in thetas)


def _evaluate(thetas, X, Y, activation, output_activation, loss, lam, where: str):
    """Checked inputs, the forward pass, the regularized cost J and δ^(L)."""
    thetas = _check_thetas(thetas)
    _activation(activation)
    output_activation = _activation(output_activation or activation, "output_activation")
    _loss(loss)
    lam = real(lam, where, "lam", low=0.0)
    X = _check_X(X, thetas)
    m = X.shape[0]
    Y = _check_Y(Y, m, thetas[-1].shape[0])
    fw = _forward(thetas, X, activation, output_activation)
    J, delta = _cost_and_output_delta(loss, output_activation, fw, Y)
    return thetas, lam, m, fw, J + _regularization(thetas, lam, m), delta


def cost(
    thetas, X, Y, activation: str = "sigmoid", output_activation: str | None = None, loss: str = "mse", lam: float = 0.0
) -> float:
    """J(Θ) = loss(a^(L), Y) + λ/(2m) Σ_l Σ Θ^(l)[:, 1:]² — the regularized cost of the course (the Summary page).

    X: m × s_1 (a 1-D X is one sample), Y: m × K. A sigmoid output's cross-entropy is computed from
    z^(L), exact at any z (see the module doc). ValueError for shapes that do not match, non-finite
    entries, an unknown activation or loss, λ < 0, or targets outside [0, 1] for a cross-entropy.
    """
    return _evaluate(thetas, X, Y, activation, output_activation, loss, lam, "cost")[4]


def backprop(
    thetas, X, Y, activation: str = "sigmoid", output_activation: str | None = None, loss: str = "mse", lam: float = 0.0
) -> Backprop:
    """The cost, its gradient with respect to every Θ, and the δ's of every layer (see the module doc).

    δ^(L) = (a^(L) − y)/m for a sigmoid output with the cross-entropy (the course's form, exact at
    saturation), ∂J/∂a ⊙ g′(z^(L)) for the other pairs. The arguments and errors are `cost`'s.
    """
    thetas, lam, m, fw, J, delta = _evaluate(thetas, X, Y, activation, output_activation, loss, lam, "backprop")
    L = len(thetas)
    deltas: list[np.ndarray] = [None] * L
    grads: list[np.ndarray] = [None] * L
    # delta is δ^(L),  m × s_L
    for i in range(L - 1, -1, -1):  # Θ^(i+1) maps layer i+1 → i+2; delta is δ^(i+2)
        deltas[i] = delta
        # δᵀ [1, a] = [Σ δ, δᵀ a]: s_{i+2} × (s_{i+1} + 1), summed over the m samples
        G = np.empty_like(thetas[i])
        G[:, 0] = delta.sum(axis=0)
        G[:, 1:] = delta.T @ fw.a[i]
        if lam:
            G[:, 1:] += (lam / m) * thetas[i][:, 1:]
        grads[i] = G
        if i:
            # δ^(i+1) = (δ^(i+2) Θ^(i+1)) without the bias column, ⊙ g'(z^(i+1))
            delta = (delta @ thetas[i])[:, 1:] * _DERIVATIVES[activation](fw.z[i], fw.a[i])
    return Backprop(J, grads, deltas)


# ---------------------------------------------------------------- checks and training


def numerical_gradients(thetas, X, Y, eps: float = 1e-4, **kwargs) -> list[np.ndarray]:
    """∂J/∂Θ by central differences, (J(Θ + ε) − J(Θ − ε)) / 2ε, one entry at a time (the course's ε).
    `kwargs` are `cost`'s; eps must be a finite number > 0."""
    eps = real(eps, "numerical_gradients", "eps", low=0.0, low_open=True)
    thetas = [T.copy() for T in _check_thetas(thetas)]
    grads = []
    for T in thetas:
        G = np.zeros_like(T)
        for idx in np.ndindex(T.shape):
            keep = T[idx]
            T[idx] = keep + eps
            up = cost(thetas, X, Y, **kwargs)
            T[idx] = keep - eps
            down = cost(thetas, X, Y, **kwargs)
            T[idx] = keep
            G[idx] = (up - down) / (2 * eps)
        grads.append(G)
    return grads


def unroll(mats: Sequence[np.ndarray], order: str = "C") -> np.ndarray:
    """The matrices as one vector (the course's `nn_params`): each row by row (order "C", as the
    course's Python port does) or column by column ("F", MATLAB's `[Theta1(:); Theta2(:)]`), in turn."""
    return np.concatenate([np.ravel(M, order=order) for M in mats])


def reroll(vector: np.ndarray, shapes: Sequence[tuple[int, int]], order: str = "C") -> list[np.ndarray]:
    """`unroll(mats, order)` undone: the matrices of those shapes (views into `vector` where NumPy can)."""
    out, start = [], 0
    for r, c in shapes:
        out.append(np.reshape(vector[start : start + r * c], (r, c), order=order))
        start += r * c
    return out


def relative_difference(a: Sequence[np.ndarray], b: Sequence[np.ndarray]) -> float:
    """‖a − b‖ / ‖a + b‖ over all entries (the course's measure); 0.0 when both are zero."""
    fa = np.concatenate([np.ravel(x) for x in a])
    fb = np.concatenate([np.ravel(x) for x in b])
    if fa.shape != fb.shape:
        raise ValueError(f"relative_difference: {fa.size} entries vs {fb.size}")
    num, den = np.linalg.norm(fa - fb), np.linalg.norm(fa + fb)
    if den == 0.0:
        return 0.0 if num == 0.0 else float("inf")
    return float(num / den)


def train(
    thetas,
    X,
    Y,
    lr: float = 0.1,
    epochs: int = 100,
    activation: str = "sigmoid",
    output_activation: str | None = None,
    loss: str = "mse",
    lam: float = 0.0,
) -> tuple[list[np.ndarray], list[float]]:
    """Full-batch gradient descent Θ := Θ − η ∂J/∂Θ; returns new Θ's and the cost before each step.
    lr: a finite number > 0, epochs an integer ≥ 1 (TypeError/ValueError naming them)."""
    lr = real(lr, "train", "lr", low=0.0, low_open=True)
    epochs = integer(epochs, "train", "epochs")
    lam = real(lam, "train", "lam", low=0.0)
    thetas = [T.copy() for T in _check_thetas(thetas)]  # never the caller's arrays
    history = []
    for _ in range(epochs):
        res = backprop(thetas, X, Y, activation, output_activation, loss, lam)
        history.append(res.cost)
        for T, G in zip(thetas, res.gradients):
            T -= lr * G
    return thetas, history


MAX_ENTRIES = 10_000_000
"""The most Θ entries `debug_thetas` and `random_thetas` make unless told otherwise (80 MB of floats)."""


def debug_thetas(sizes: Sequence[int], max_entries: int = MAX_ENTRIES) -> list[np.ndarray]:
    """Θ's for layer sizes [s_1, s_2, …] from the course's deterministic sin initialization."""
    sizes = _check_sizes(sizes, max_entries, "debug_thetas")
    return [np.array(debug_matrix(s_out, s_in)) for s_in, s_out in zip(sizes, sizes[1:])]


def random_thetas(
    sizes: Sequence[int], seed: int = 0, epsilon: float | None = None, max_entries: int = MAX_ENTRIES
) -> list[np.ndarray]:
    """Θ's uniform in [−ε, ε], ε = √6/√(s_l + s_{l+1}) unless given (a finite number > 0), from
    `default_rng(seed)` (seed an integer ≥ 0)."""
    sizes = _check_sizes(sizes, max_entries, "random_thetas")
    seed = integer(seed, "random_thetas", "seed", low=0)
    if epsilon is not None:
        epsilon = real(epsilon, "random_thetas", "epsilon", low=0.0, low_open=True)
    rng = np.random.default_rng(seed)
    out = []
    for s_in, s_out in zip(sizes, sizes[1:]):
        eps = np.sqrt(6.0) / np.sqrt(s_in + s_out) if epsilon is None else epsilon
        out.append(rng.uniform(-eps, eps, size=(s_out, s_in + 1)))
    return out


def _check_sizes(sizes: Sequence[int], max_entries: int, where: str) -> list[int]:
    """The layer sizes as ints ≥ 1 (at least two of them), their Θ's within `max_entries` entries."""
    sizes = layer_sizes(sizes, where)
    max_entries = integer(max_entries, where, "max_entries")
    entries = sum((a + 1) * b for a, b in zip(sizes, sizes[1:]))  # exact: Python ints
    if entries > max_entries:
        raise ValueError(
            f"{where}: sizes {sizes} make {entries:,} Θ entries, more than max_entries={max_entries:,} "
            f"({entries * 8 / 1e9:.3g} GB of floats): use smaller layers, or pass max_entries={entries} to make them"
        )
    return sizes
