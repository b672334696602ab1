"""Loss functions, each ONE node of the graph whose local derivatives are ∂J/∂a.

What it is: J over a batch of m samples with K outputs each, as in the course and Jordan's post:

    mse                     J = 1/(2m) Σᵢ Σₖ (aₖ − yₖ)²                      ∂J/∂aₖ = (aₖ − yₖ)/m
    cross_entropy           J = −1/m Σᵢ Σₖ [yₖ log aₖ + (1 − yₖ) log(1 − aₖ)]
                                                                ∂J/∂aₖ = −(yₖ/aₖ − (1 − yₖ)/(1 − aₖ))/m
    hinge                   J = 1/m Σᵢ Σₖ max(0, 1 − yₖaₖ), y = ±1      ∂J/∂aₖ = −yₖ/m where 1 − yₖaₖ > 0
    softmax_cross_entropy   J = −1/m Σᵢ Σₖ yₖ log pₖ, p = softmax(a)   ∂J/∂aₖ = (pₖ Σⱼyⱼ − yₖ)/m
    l2                      λ/(2m) Σ w² over the weights (biases excluded)     ∂/∂w = λw/m

With the loss as one node, the chain-rule paths of a network have exactly the factors of Jordan's post
(8 for the 1-1-1 network, 52 for the 2-2-2 one).

What it is not: a reduction you choose. Every loss is averaged over the m samples, as the course
does; the matrix implementation (`nn.matrix`) computes the same numbers independently.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from numbers import Integral, Real

from autograd import Value, fused
from autograd.fused import CLIP

__all__ = [
    "mse",
    "cross_entropy",
    "hinge",
    "softmax_cross_entropy",
    "l2",
    "get_loss",
    "LOSSES",
    "CLIP",
]

# m per-sample lists of K outputs (as an MLP returns them), or one sample's list (m = 1).
Outputs = Sequence[Sequence[Value | float]] | Sequence[Value | float]
# The same shape in numbers (lists or a NumPy array); with K = 1 also a flat list of m numbers.
Targets = Sequence[Sequence[float]] | Sequence[float]


def _is_seq(x: object) -> bool:
    return hasattr(x, "__len__") and not isinstance(x, (str, bytes, Value, dict, set, frozenset))


def _number(t: object, loss: str) -> float:
    if type(t) is float:  # the usual case, without the cost of an ABC check (a loss runs every batch)
        return t
    if isinstance(t, bool) or not isinstance(t, Real):
        raise TypeError(f"{loss}: targets must be numbers, got {type(t).__name__}: {t!r:.60}")
    return float(t)


def _output(a: object, loss: str) -> Value:
    if isinstance(a, Value):
        return a
    if isinstance(a, bool) or not isinstance(a, Real):
        raise TypeError(f"{loss}: outputs must be Values or numbers, got {type(a).__name__}: {a!r:.60}")
    return Value(a)


def _batch(outputs: Outputs, targets: Targets, loss: str) -> tuple[list[Value], list[float], int, int]:
    """Flatten outputs (m × K Values) and targets (m × K numbers), checking the shapes.

    `outputs` is a list of m per-sample lists, as a network returns them, or one sample's list
    (m = 1). `targets` has the same shape (lists or a NumPy array); with K = 1 a flat list of m
    numbers is accepted too.
    """
    if not _is_seq(outputs) or not len(outputs):
        raise ValueError(
            f"{loss}: outputs must be a non-empty list of per-sample output lists, got {type(outputs).__name__}"
        )
    if not _is_seq(targets):
        raise ValueError(
            f"{loss}: targets must be a list (one row of numbers per sample), got {type(targets).__name__}"
        )
    if not _is_seq(outputs[0]):  # one sample's outputs
        outputs = [outputs]
        if len(targets) and not _is_seq(targets[0]):
            targets = [targets]
    m, k = len(outputs), len(outputs[0])
    if len(targets) != m:
        raise ValueError(f"{loss}: {m} samples of outputs but {len(targets)} targets")
    flat_a: list[Value] = []
    flat_y: list[float] = []
    for i, (row, y) in enumerate(zip(outputs, targets)):
        if type(row) is not list and not _is_seq(row):
            raise ValueError(f"{loss}: sample {i} of the outputs is a {type(row).__name__}, not a list of outputs")
        if len(row) != k:
            raise ValueError(f"{loss}: sample {i} has {len(row)} outputs, sample 0 has {k}")
        if not _is_seq(y):
            y = (y,)  # a flat list of numbers: one target per sample
        if len(y) != k:
            raise ValueError(f"{loss}: sample {i} has {k} outputs but {len(y)} targets")
        flat_a.extend(a if isinstance(a, Value) else _output(a, loss) for a in row)
        flat_y.extend(_number(t, loss) for t in y)
    return flat_a, flat_y, m, k


def mse(outputs: Outputs, targets: Targets) -> Value:
    """J = 1/(2m) Σᵢ Σₖ (aₖ − yₖ)² (Jordan's post); ∂J/∂aₖ = (aₖ − yₖ)/m. One node (`autograd.fused.mse`)."""
    a, y, m, _ = _batch(outputs, targets, "mse")
    return fused.mse(a, y, m)


def cross_entropy(outputs: Outputs, targets: Targets) -> Value:
    """J = −1/m Σᵢ Σₖ [yₖ log aₖ + (1 − yₖ) log(1 − aₖ)] (the course). One node (`autograd.fused.cross_entropy`).

    ∂J/∂aₖ = −(yₖ/aₖ − (1 − yₖ)/(1 − aₖ))/m. Outputs must lie in [0, 1] (use a sigmoid output
    layer); a is clipped to [CLIP, 1 − CLIP] first, so a saturated output costs −log(1e-12) ≈ 27.6
    rather than inf, and the derivative is the one at the clipped point.
    """
    a, y, m, _ = _batch(outputs, targets, "cross_entropy")
    return fused.cross_entropy(a, y, m)


def hinge(outputs: Outputs, targets: Targets) -> Value:
    """J = 1/m Σᵢ Σₖ max(0, 1 − yₖaₖ), targets ±1 (micrograd's max-margin loss). One node (`autograd.fused.hinge`).

    ∂J/∂aₖ = −yₖ/m where the margin is violated (1 − yₖaₖ > 0), else 0 (0 at the kink).
    A NaN output makes J NaN (it is not a satisfied margin).
    """
    a, y, m, _ = _batch(outputs, targets, "hinge")
    return fused.hinge(a, y, m)


def softmax_cross_entropy(outputs: Outputs, targets: Targets) -> Value:
    """J = −1/m Σᵢ Σₖ yₖ log softmax(a)ₖ for K classes; the outputs are logits. One node.

    ∂J/∂aₖ = (pₖ Σⱼ yⱼ − yₖ)/m with p = softmax(a) (= (pₖ − yₖ)/m for one-hot y). Computed
    stably: log pₖ = aₖ − max(a) − log Σⱼ exp(aⱼ − max(a)) (`autograd.fused.softmax_cross_entropy`).
    """
    a, y, m, k = _batch(outputs, targets, "softmax_cross_entropy")
    return fused.softmax_cross_entropy(a, y, m, k)


def l2(model_or_weights: object, lam: float, m: int) -> Value:
    """λ/(2m) Σ w² over the weights, biases excluded (the course, as the Summary page writes it); ∂/∂w = λw/m.

    Pass a model (its `weights()` are used) or a list of weight Values. One node (`autograd.fused.l2`).
    """
    if hasattr(model_or_weights, "weights") and callable(model_or_weights.weights):
        weights = model_or_weights.weights()
    elif isinstance(model_or_weights, (Value, str, bytes)) or not isinstance(model_or_weights, Iterable):
        raise TypeError(f"l2: pass a model or a list of weight Values, got {type(model_or_weights).__name__}")
    else:
        weights = list(model_or_weights)
    if isinstance(lam, bool) or not isinstance(lam, Real):
        raise TypeError(f"l2: lam must be a number, got {type(lam).__name__}: {lam!r:.60}")
    lam = float(lam)
    if lam < 0.0 or not math.isfinite(lam):
        raise ValueError(f"l2: lam must be a finite number ≥ 0, got {lam!r}")
    if isinstance(m, bool) or not isinstance(m, Integral) or m < 1:
        raise ValueError(f"l2: m (the number of samples) must be an integer ≥ 1, got {m!r}")
    if not weights:
        raise ValueError("l2: no weights given")
    for i, w in enumerate(weights):
        if not isinstance(w, Value):
            raise TypeError(f"l2: weights must be Values (a model's weights()), but entry {i} is {type(w).__name__}")
    return fused.l2(weights, lam, int(m))


LOSSES: dict[str, Callable[..., Value]] = {
    "mse": mse,
    "cross_entropy": cross_entropy,
    "hinge": hinge,
    "softmax_cross_entropy": softmax_cross_entropy,
}


def get_loss(name: str | Callable[..., Value]) -> Callable[..., Value]:
    """The loss function called `name` (a callable is returned as it is)."""
    if callable(name):
        return name
    try:
        return LOSSES[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown loss {name!r}; valid names: {', '.join(LOSSES)}") from None
