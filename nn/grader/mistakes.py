"""What each classic backprop mistake does to the gradient and the cost: variants of the matrix implementation.

What it is: the course's backpropagation (sigmoid units, cross-entropy cost, λ/(2m) regularization,
and the other activations and losses of `nn.matrix`) rewritten with one switch per mistake a
learner makes in `nnCostFunction`, and a search over every combination of switches for the fewest
mistakes that reproduce the learner's numbers at every λ that was run. The mistakes:

    δ^(l) without the factor g′(z^(l))           g′ applied to a^(l): σ(a)(1 − σ(a))
    δ^(L) = y − a (the sign slip)                 δ^(L) with an extra (or a missing) g′(z^(L))
    Δ not divided by m                            (λ/2m)Θ, λΘ or nothing as the gradient's penalty
    the bias column penalized (gradient, cost)    the cost's penalty λ/m, λ/2 or missing; no 1/m; sign
    Θ's read or the gradient unrolled in the other order (row- vs column-major, a transposed Θ)
    labels off by one (0..K−1 read as 1..K or the reverse; wrapped round or dropped)

A diagnosis is a set of mistake keys (`MISTAKES`): the empty set is the right answer.

What it is not: the reference. The right gradient is `nn.matrix.backprop`'s, checked against the
engine and central differences by `nn.grader.problems`; this module only reproduces wrong ones, with
code of its own (it calls only the public `matrix.forward`, `matrix.cost` and `matrix.backprop`).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from .. import matrix
from ..matrix import reroll, unroll  # (re-exported: the unrolling orders the diagnosis speaks of)
from .problems import Problem

__all__ = [
    "Mistake",
    "MISTAKES",
    "Run",
    "Diagnosis",
    "diagnose",
    "unroll",
    "reroll",
    "label_matrix",
    "variant_gradient",
    "variant_cost",
]


class Mistake(NamedTuple):
    """One classic mistake: what it is in plain words, the line of the formula to fix, where it shows."""

    key: str
    what: str
    fix: str
    shows: str  # "gradient", "cost" or "both"


_M = [
    Mistake(
        "no_gprime",
        "hidden δ's without the factor g′(z^(l)): δ^(l) = (Θ^(l))ᵀ δ^(l+1), the Intuition notes' form",
        "δ^(l) = (Θ^(l))ᵀ δ^(l+1) ⊙ g′(z^(l)), no bias row; sigmoid: g′(z^(l)) = a^(l)⊙(1−a^(l))",
        "gradient",
    ),
    Mistake(
        "gprime_of_a",
        "g′ is applied to a^(l), not z^(l): sigmoidGradient(a) = σ(a)(1 − σ(a)) takes the sigmoid twice",
        "δ^(l) = (Θ^(l))ᵀ δ^(l+1) ⊙ g′(z^(l)): sigmoidGradient(z), or a⊙(1−a) with no other σ",
        "gradient",
    ),
    Mistake(
        "sign",
        "the output error's sign is flipped: δ^(L) = y − a^(L), the slip in the Summary page and Jordan's post",
        "δ^(L) = a^(L) − y  (the numerical gradient confirms this sign)",
        "gradient",
    ),
    Mistake(
        "output_extra_gprime",
        "δ^(L) has an extra factor g′(z^(L)): with a sigmoid output and the cross-entropy it cancels out",
        "δ^(L) = a^(L) − y  (the factor g′ belongs to the squared-error cost)",
        "gradient",
    ),
    Mistake(
        "output_no_gprime",
        "δ^(L) lacks the factor g′(z^(L)): with the squared-error cost it does not cancel",
        "δ^(L) = (a^(L) − y) ⊙ g′(z^(L))",
        "gradient",
    ),
    Mistake(
        "grad_no_m",
        "the accumulated Δ^(l) = Σ_t δ^(l+1) (a^(l))ᵀ is not divided by m",
        "∂J/∂Θ^(l) = (1/m) Δ^(l) + (λ/m) Θ^(l)  (bias column without the penalty)",
        "gradient",
    ),
    Mistake(
        "grad_reg_2m",
        "the gradient's penalty is (λ/2m)Θ, the cost's factor; the derivative of (λ/2m)Θ² is (λ/m)Θ",
        "∂J/∂Θ^(l)_{j,i} += (λ/m) Θ^(l)_{j,i} for i ≥ 1",
        "gradient",
    ),
    Mistake(
        "grad_reg_no_m",
        "the gradient's penalty is λΘ: its 1/m is missing",
        "∂J/∂Θ^(l)_{j,i} += (λ/m) Θ^(l)_{j,i} for i ≥ 1",
        "gradient",
    ),
    Mistake(
        "grad_no_reg",
        "the gradient has no penalty term, though the cost has one",
        "∂J/∂Θ^(l)_{j,i} += (λ/m) Θ^(l)_{j,i} for i ≥ 1",
        "gradient",
    ),
    Mistake(
        "grad_reg_bias",
        "the bias column is penalized in the gradient: (λ/m)Θ is added to column 0 too",
        "Theta_grad[:, 1:] += lambda_ / m * Theta[:, 1:]  (column 0, the bias: no penalty)",
        "gradient",
    ),
    Mistake(
        "cost_sign",
        "the cost has the wrong sign: the minus of J = −(1/m) Σ [y log h + (1 − y) log(1 − h)] is lost",
        "J = −(1/m) Σ_t Σ_k [y log h + (1 − y) log(1 − h)] + (λ/2m) Σ Θ²",
        "cost",
    ),
    Mistake(
        "cost_no_m",
        "the cost's sum over the m samples is not divided by m",
        "J = −(1/m) Σ_t Σ_k [y log h + (1 − y) log(1 − h)] + (λ/2m) Σ Θ²",
        "cost",
    ),
    Mistake(
        "cost_reg_m",
        "the cost's penalty is (λ/m) Σ Θ²: the 1/2 is missing",
        "J = … + (λ/2m) Σ_l Σ_j Σ_{i≥1} (Θ^(l)_{j,i})²",
        "cost",
    ),
    Mistake(
        "cost_reg_no_m",
        "the cost's penalty is (λ/2) Σ Θ²: its 1/m is missing",
        "J = … + (λ/2m) Σ_l Σ_j Σ_{i≥1} (Θ^(l)_{j,i})²",
        "cost",
    ),
    Mistake(
        "cost_no_reg",
        "the cost has no penalty term",
        "J = … + (λ/2m) Σ_l Σ_j Σ_{i≥1} (Θ^(l)_{j,i})²",
        "cost",
    ),
    Mistake(
        "cost_reg_bias",
        "the bias column is penalized in the cost: Σ Θ² includes column 0",
        "J = … + (λ/2m) Σ Θ[:, 1:]²  (column 0, the bias, is not penalized)",
        "cost",
    ),
    Mistake(
        "read_order",
        "your code reads the Θ's in the other order: column by column (order='F') where they are "
        "unrolled row by row, or as (s_l + 1) × s_{l+1} matrices then transposed",
        "Theta1 = nn_params[:s2 * (s1 + 1)].reshape(s2, s1 + 1)  (row-major, as ravel() unrolls)",
        "both",
    ),
    Mistake(
        "write_order",
        "your gradient is unrolled in the other order: column by column (order='F', or G.T.ravel()) "
        "where row by row is expected",
        "grad = np.concatenate([Theta1_grad.ravel(), Theta2_grad.ravel()])  (row-major)",
        "gradient",
    ),
    Mistake(
        "labels_down_wrap",
        "labels off by one: y holds 0..K−1, read as 1..K (np.eye(K)[y − 1] makes label 0 class K)",
        "Y = np.eye(num_labels)[y]  (or check with --labels 1 if y is 1..K)",
        "both",
    ),
    Mistake(
        "labels_down_zero",
        "labels off by one: y holds 0..K−1, read as 1..K (y == 1..K leaves label 0 without a class)",
        "Y = (y[:, None] == np.arange(num_labels))  (or check with --labels 1 if y is 1..K)",
        "both",
    ),
    Mistake(
        "labels_up_wrap",
        "labels off by one: y holds 1..K, read as 0..K−1 (label K wraps round to class 1)",
        "Y = np.eye(num_labels)[y - 1]  (or check with --labels 0 if y is 0..K−1)",
        "both",
    ),
    Mistake(
        "labels_up_zero",
        "labels off by one: y holds 1..K, read as 0..K−1 (y == 0..K−1 leaves label K without a class)",
        "Y = (y[:, None] == np.arange(1, num_labels + 1))  (or check with --labels 0 if y is 0..K−1)",
        "both",
    ),
]
MISTAKES: dict[str, Mistake] = {m.key: m for m in _M}

# the axes of the search: each picks one option (None: done right); a variant is one pick per axis
_HIDDEN = (None, "no_gprime", "gprime_of_a")
_SIGN = (None, "sign")
_GRAD_M = (None, "grad_no_m")
_GRAD_REG = (None, "grad_reg_2m", "grad_reg_no_m", "grad_no_reg")
_GRAD_BIAS = (None, "grad_reg_bias")
_COST_SIGN = (None, "cost_sign")
_COST_M = (None, "cost_no_m")
_COST_REG = (None, "cost_reg_m", "cost_reg_no_m", "cost_no_reg")
_COST_BIAS = (None, "cost_reg_bias")
_LABELS = (None, "labels_down_wrap", "labels_down_zero", "labels_up_wrap", "labels_up_zero")


def _grad_reg_factor(key: str | None, lam: float, m: int) -> float:
    return {None: lam / m, "grad_reg_2m": lam / (2 * m), "grad_reg_no_m": lam, "grad_no_reg": 0.0}[key]


def _cost_reg_factor(key: str | None, lam: float, m: int) -> float:
    return {None: lam / (2 * m), "cost_reg_m": lam / m, "cost_reg_no_m": lam / 2, "cost_no_reg": 0.0}[key]


# ---------------------------------------------------------------- the layouts


def _other(order: str) -> str:
    return "F" if order == "C" else "C"


def label_matrix(labels: np.ndarray, k: int, key: str | None = None) -> np.ndarray:
    """The one-hot m × K targets a learner builds from 0-based labels, right (key None) or off by one."""
    labels = np.asarray(labels, dtype=int)
    shift = {None: 0, "labels_down_wrap": -1, "labels_down_zero": -1, "labels_up_wrap": 1, "labels_up_zero": 1}[key]
    cls = labels + shift
    Y = np.zeros((labels.size, k))
    if key is not None and key.endswith("_wrap"):
        Y[np.arange(labels.size), cls % k] = 1.0
    else:
        keep = (cls >= 0) & (cls < k)
        Y[np.arange(labels.size)[keep], cls[keep]] = 1.0
    return Y


# ---------------------------------------------------------------- the variant backprop


def _g_prime(activation: str, x: np.ndarray) -> np.ndarray:
    """g′ evaluated at the point x (the mistake 'g′ of a' evaluates it at a = g(z))."""
    if activation == "sigmoid":
        s = 1.0 / (1.0 + np.exp(-x))
        return s * (1.0 - s)
    if activation == "tanh":
        return 1.0 - np.tanh(x) ** 2
    if activation == "relu":
        return (x > 0).astype(float)
    return np.ones_like(x)


def _output_keys(p: Problem) -> tuple[str | None, ...]:
    if p.loss == "cross_entropy" and p.output_activation == "sigmoid":
        return (None, "output_extra_gprime")
    if p.loss == "mse" and p.output_activation != "linear":
        return (None, "output_no_gprime")
    return (None,)


def _data_gradients(
    p: Problem, thetas: list[np.ndarray], Y: np.ndarray, hidden: str | None, output: str | None
) -> list[np.ndarray]:
    """∂J/∂Θ without the penalty (1/m included) as the learner's δ formulas compute it."""
    fw = matrix.forward(thetas, p.X, p.activation, p.output_activation)
    m, L = p.m, len(thetas)
    A, Z = fw.a[L], fw.z[L]
    if p.loss == "cross_entropy" and p.output_activation == "sigmoid":
        delta = (A - Y) / m  # δ^(L) = a − y: g′(z^(L)) cancels against ∂J/∂a
        if output == "output_extra_gprime":
            delta = delta * _g_prime("sigmoid", Z)
    elif p.loss == "mse":
        delta = (A - Y) / m
        if output != "output_no_gprime":
            delta = delta * _g_prime(p.output_activation, Z)
    else:  # other losses: the reference δ^(L), no output variants
        delta = matrix.backprop(thetas, p.X, Y, p.activation, p.output_activation, p.loss).deltas[-1]
    grads: list[np.ndarray] = [None] * L
    for i in range(L - 1, -1, -1):  # delta is δ^(i+2), m × s_{i+2}
        a_prev = fw.a[i]
        grads[i] = delta.T @ np.hstack([np.ones((m, 1)), a_prev])
        if i:
            back = (delta @ thetas[i])[:, 1:]  # (Θ^(i+1))ᵀ δ^(i+2), the bias row dropped
            if hidden is None:
                back = back * _g_prime(p.activation, fw.z[i])
            elif hidden == "gprime_of_a":
                back = back * _g_prime(p.activation, a_prev)
            delta = back
    return grads


def _read(p: Problem, shared: tuple[str | None, str | None]) -> tuple[list[np.ndarray], np.ndarray]:
    """The Θ's and the targets the learner's code works with, given the shared mistakes."""
    read, labels = shared
    thetas = p.thetas
    if read == "read_order":
        # what they see: the vector we passed, reshaped in the other order
        thetas = reroll(unroll(p.thetas, p.order), p.shapes, _other(p.order))
    Y = p.Y if p.labels is None else label_matrix(p.labels, p.Y.shape[1], labels)
    return thetas, Y


def variant_gradient(p: Problem, lam: float, keys: frozenset[str] | set[str] = frozenset()) -> np.ndarray:
    """The gradient (unrolled as the learner's would be, or concatenated row by row for a list)
    that the mistakes `keys` produce."""
    keys = set(keys)
    unknown = keys - set(MISTAKES)
    if unknown:
        raise ValueError(f"unknown mistake keys {sorted(unknown)}; valid keys: {', '.join(MISTAKES)}")

    def pick(axis):
        return next((k for k in axis[1:] if k in keys), None)

    outputs = (None, "output_extra_gprime", "output_no_gprime")
    thetas, Y = _read(p, (pick((None, "read_order")), pick(_LABELS)))
    D = _data_gradients(p, thetas, Y, pick(_HIDDEN), pick(outputs))
    scale = (-1.0 if "sign" in keys else 1.0) * (p.m if "grad_no_m" in keys else 1.0)
    c = _grad_reg_factor(pick(_GRAD_REG), lam, p.m)
    G = []
    for T, d in zip(thetas, D):
        R = T.copy()
        if "grad_reg_bias" not in keys:
            R[:, 0] = 0.0
        G.append(scale * d + c * R)
    order = p.order or "C"
    return unroll(G, _other(order) if "write_order" in keys else order)


def variant_cost(p: Problem, lam: float, keys: frozenset[str] | set[str] = frozenset()) -> float:
    """The cost J that the mistakes `keys` produce."""
    keys = set(keys)

    def pick(axis):
        return next((k for k in axis[1:] if k in keys), None)

    thetas, Y = _read(p, (pick((None, "read_order")), pick(_LABELS)))
    data = matrix.cost(thetas, p.X, Y, p.activation, p.output_activation, p.loss)
    data *= (-1.0 if "cost_sign" in keys else 1.0) * (p.m if "cost_no_m" in keys else 1.0)
    first = 0 if "cost_reg_bias" in keys else 1
    penalty = sum(float(np.sum(T[:, first:] ** 2)) for T in thetas)
    return data + _cost_reg_factor(pick(_COST_REG), lam, p.m) * penalty


# ---------------------------------------------------------------- the search


class Run(NamedTuple):
    """What the learner's function returned at one λ: J (None if unusable) and the gradient as one
    vector in the layout it was returned (None if unusable)."""

    lam: float
    cost: float | None
    gradient: np.ndarray | None


class Diagnosis(NamedTuple):
    """The fewest mistakes that reproduce the learner's gradient and cost at every λ run.

    `gradient` / `cost`: the set of mistake keys that reproduces it (empty: it is right), or None
    when no combination does. `mistakes`: their union, each once.
    """

    gradient: frozenset[str] | None
    cost: frozenset[str] | None

    @property
    def mistakes(self) -> frozenset[str]:
        return (self.gradient or frozenset()) | (self.cost or frozenset())

    @property
    def found(self) -> bool:
        return bool(self.mistakes)


GRADIENT_TOLERANCE = 1e-7  # ‖theirs − variant‖ ≤ this × the larger norm: the same numbers up to rounding
COST_TOLERANCE = 1e-9


FLOAT32 = 1e3  # float32 arithmetic: the tolerances × this (its rounding is about 6e-8, float64's 1e-16)


def same_vector(a: np.ndarray, b: np.ndarray, scale: float = 1.0) -> bool:
    """a = b up to rounding: ‖a − b‖ ≤ GRADIENT_TOLERANCE × `scale` × the larger norm."""
    norm = max(np.linalg.norm(a), np.linalg.norm(b), 1e-300)
    return bool(np.linalg.norm(a - b) <= GRADIENT_TOLERANCE * scale * norm)


def same_cost(a: float, b: float, scale: float = 1.0) -> bool:
    """a = b up to rounding: |a − b| ≤ COST_TOLERANCE × `scale` × max(1, |a|, |b|)."""
    return abs(a - b) <= COST_TOLERANCE * scale * max(1.0, abs(a), abs(b))


def _keys(*picks: str | None) -> frozenset[str]:
    return frozenset(k for k in picks if k is not None)


def _shared_axes(p: Problem) -> list[tuple[str | None, str | None]]:
    reads = (None, "read_order") if p.order else (None,)
    labels = _LABELS if p.labels is not None else (None,)
    return list(itertools.product(reads, labels))


def _gradient_matches(p: Problem, runs: list[Run], scale: float) -> list[frozenset[str]]:
    """Every combination of mistakes whose gradient equals theirs at every run."""
    runs = [r for r in runs if r.gradient is not None]
    if not runs:
        return []
    found = []
    m = p.m
    writes = (None, "write_order") if p.order else (None,)
    order = p.order or "C"
    for shared in _shared_axes(p):
        thetas, Y = _read(p, shared)
        if any(r.gradient.size != sum(T.size for T in thetas) for r in runs):
            return []
        for hidden, output in itertools.product(_HIDDEN, _output_keys(p)):
            D = _data_gradients(p, thetas, Y, hidden, output)
            for write in writes:
                o = _other(order) if write else order
                d = unroll(D, o)
                r_bias = unroll(thetas, o)
                r_weights = unroll([np.hstack([np.zeros((T.shape[0], 1)), T[:, 1:]]) for T in thetas], o)
                for sign, gm, reg, bias in itertools.product(_SIGN, _GRAD_M, _GRAD_REG, _GRAD_BIAS):
                    if reg == "grad_no_reg" and bias:
                        continue  # nothing to put on the bias column
                    a = (-1.0 if sign else 1.0) * (m if gm else 1.0)
                    r = r_bias if bias else r_weights
                    if all(
                        same_vector(run.gradient, a * d + _grad_reg_factor(reg, run.lam, m) * r, scale) for run in runs
                    ):
                        found.append(_keys(*shared, hidden, output, write, sign, gm, reg, bias))
    return found


def _cost_matches(p: Problem, runs: list[Run], scale: float) -> list[frozenset[str]]:
    """Every combination of mistakes whose cost equals theirs at every run."""
    runs = [r for r in runs if r.cost is not None]
    if not runs:
        return []
    found = []
    for shared in _shared_axes(p):
        thetas, Y = _read(p, shared)
        data = matrix.cost(thetas, p.X, Y, p.activation, p.output_activation, p.loss)
        pen_w = sum(float(np.sum(T[:, 1:] ** 2)) for T in thetas)
        pen_b = sum(float(np.sum(T**2)) for T in thetas)
        for sign, cm, reg, bias in itertools.product(_COST_SIGN, _COST_M, _COST_REG, _COST_BIAS):
            if reg == "cost_no_reg" and bias:
                continue
            d = data * (-1.0 if sign else 1.0) * (p.m if cm else 1.0)
            pen = pen_b if bias else pen_w
            if all(same_cost(run.cost, d + _cost_reg_factor(reg, run.lam, p.m) * pen, scale) for run in runs):
                found.append(_keys(*shared, sign, cm, reg, bias))
    return found


_SHARED_KEYS = {"read_order", *(k for k in _LABELS if k)}


def diagnose(p: Problem, runs: Sequence[Run], float32: bool = False) -> Diagnosis:
    """The fewest mistakes that reproduce every run's gradient, then the fewest (beyond the mistakes
    the gradient already shows, such as the labels) that reproduce every run's cost; `float32`:
    the learner computes in float32, so "the same" allows its rounding (the tolerances × FLOAT32)."""
    runs = list(runs)
    scale = FLOAT32 if float32 else 1.0
    grads = _gradient_matches(p, runs, scale)
    gradient = min(grads, key=len) if grads else None
    costs = _cost_matches(p, runs, scale)
    cost = None
    if costs:
        shared = (gradient or frozenset()) & _SHARED_KEYS
        cost = min(costs, key=lambda ks: (len(ks - shared), len(ks)))
    return Diagnosis(gradient, cost)
