"""Loss functions, each ONE node of the graph whose local derivatives are ∂J/∂a.

What it is: J over a batch of m samples with K outputs each, as in the course and Jordan's post:

    mse                     J = 1/(2m) Σᵢ Σₖ (aₖ − yₖ)²                      ∂J/∂aₖ = (aₖ − yₖ)/m
    cross_entropy           J = −1/m Σᵢ Σₖ [yₖ log aₖ + (1 − yₖ) log(1 − aₖ)]
                                                                ∂J/∂aₖ = −(yₖ/aₖ − (1 − yₖ)/(1 − aₖ))/m
      from_logits=True      the same J of a = σ(z), from the logits z         ∂J/∂zₖ = (σ(zₖ) − yₖ)/m
    hinge                   J = 1/m Σᵢ Σₖ max(0, 1 − yₖaₖ), y = ±1      ∂J/∂aₖ = −yₖ/m where 1 − yₖaₖ > 0
    softmax_cross_entropy   J = −1/m Σᵢ Σₖ yₖ log pₖ, p = softmax(a)   ∂J/∂aₖ = (pₖ Σⱼyⱼ − yₖ)/m
    l2                      λ/(2m) Σ w² over the weights (biases excluded)     ∂/∂w = λw/m

With the loss as one node, the chain-rule paths of a network have exactly the factors of Jordan's post
(8 for the 1-1-1 network, 52 for the 2-2-2 one).

What it is not: a reduction you choose. Every loss is averaged over the m samples, as the course
does; the matrix implementation (`nn.matrix`) computes the same numbers independently.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from autograd import Value, fused
from autograd.args import choice, counted, flag, integer, real, sequence
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

# m per-sample lists of K outputs (as a K-output MLP returns them); a flat list of m Values, one
# output per sample (as a one-output MLP returns them); or one Value (one sample, one output).
Outputs = Sequence[Sequence[Value | float]] | Sequence[Value | float] | Value
# The same shape in numbers (lists or a NumPy array); with K = 1 also a flat list of m numbers.
Targets = Sequence[Sequence[float]] | Sequence[float] | float


def _is_seq(x: object) -> bool:
    return hasattr(x, "__len__") and not isinstance(x, (str, bytes, Value, dict, set, frozenset))


def _number(t: object, loss: str) -> float:
    if type(t) is float and t - t == 0.0:  # a finite float, the usual case: no ABC check (a loss runs every batch)
        return t
    return real(t, loss, "targets")


def _output(a: object, loss: str) -> Value:
    if isinstance(a, Value):
        return a
    return Value(real(a, loss, "outputs", finite=False))


def _batch(outputs: Outputs, targets: Targets, loss: str) -> tuple[list[Value], list[float], int, int]:
    """Flatten outputs (m × K Values) and targets (m × K numbers), checking the shapes.

    `outputs`: a list of m per-sample lists of K outputs; a flat list of m outputs, one per
    sample (K = 1, what `[model(x) for x in X]` gives for a one-output network); or one Value
    (m = K = 1). `targets` has the same shape (lists or a NumPy array); with K = 1 a flat list
    of m numbers (or one number for one Value) is accepted too.
    """
    if isinstance(outputs, Value):  # a one-output network on one sample
        outputs = [[outputs]]
        targets = targets if _is_seq(targets) else [targets]
    if not _is_seq(outputs) or not len(outputs):
        raise ValueError(
            f"{loss}: outputs must be a non-empty list of per-sample outputs (lists, or Values for one output "
            f"each), got {type(outputs).__name__}{' (empty)' if _is_seq(outputs) else ''}"
        )
    if not _is_seq(targets):
        raise ValueError(
            f"{loss}: targets must be a list (one row of numbers per sample), got {type(targets).__name__}"
        )
    flat = not _is_seq(outputs[0])
    if flat:  # one output per sample (a one-output network's outputs)
        outputs = [[a] for a in outputs]
    m, k = len(outputs), len(outputs[0])
    if len(targets) != m:
        hint = ""
        if flat and len(targets) == 1 and _is_seq(targets[0]) and len(targets[0]) == m:
            one = counted(m, "output")
            hint = f" (a flat list of outputs is one output per sample; for one sample of {one} pass [outputs])"
        raise ValueError(f"{loss}: {counted(m, 'sample')} of outputs but {counted(len(targets), 'target')}{hint}")
    if not k:
        raise ValueError(f"{loss}: sample 0 has no outputs (each sample needs at least one)")
    flat_a: list[Value] = []
    flat_y: list[float] = []
    for i, (row, y) in enumerate(zip(outputs, targets)):
        if type(row) is not list and not _is_seq(row):
            raise ValueError(f"{loss}: sample {i} of the outputs is a {type(row).__name__}, not a list of outputs")
        if len(row) != k:
            raise ValueError(f"{loss}: sample {i} has {counted(len(row), 'output')}, sample 0 has {k}")
        if not _is_seq(y):
            y = (y,)  # a flat list of numbers: one target per sample
        if len(y) != k:
            raise ValueError(f"{loss}: sample {i} has {counted(k, 'output')} but {counted(len(y), 'target')}")
        flat_a.extend(a if isinstance(a, Value) else _output(a, loss) for a in row)
        flat_y.extend(_number(t, loss) for t in y)
    return flat_a, flat_y, m, k


def mse(outputs: Outputs, targets: Targets) -> Value:
    """J = 1/(2m) Σᵢ Σₖ (aₖ − yₖ)² (Jordan's post); ∂J/∂aₖ = (aₖ − yₖ)/m. One node (`autograd.fused.mse`).

    outputs: m per-sample lists of K Values (`[model(x) for x in X]` of a K-output network); a flat
    list of m Values, one output per sample (the same of a one-output network, which returns the
    Value itself); or one Value. For one sample of K outputs pass `[model(x)]`. targets: the same
    shape in numbers (finite), or a flat list of m numbers when K = 1. ValueError for shapes that
    do not match or an empty batch, TypeError for a target that is not a number.
    """
    a, y, m, _ = _batch(outputs, targets, "mse")
    return fused.mse(a, y, m)


def cross_entropy(outputs: Outputs, targets: Targets, from_logits: bool = False) -> Value:
    """J = −1/m Σᵢ Σₖ [yₖ log aₖ + (1 − yₖ) log(1 − aₖ)] (the course), targets in [0, 1]. One node.

    ∂J/∂aₖ = (−yₖ/aₖ + (1 − yₖ)/(1 − aₖ))/m. Outputs as for `mse` (m × K; a flat list: one per
    sample). A term whose weight (yₖ or 1 − yₖ) is 0 adds nothing (0 · log 0 = 0).

    - The outputs of a sigmoid layer (sigmoid nodes a = σ(z)): J and ∂J/∂a are computed from the
      logit z, so the graph stays z → a → J and the chain through a gives δ = ∂J/∂z = (σ(z) − y)/m
      to the last digits for |z| ≤ 700 (at z = 40, y = 0: J = 40, δ = 1). Beyond |z| ≈ 700
      σ′(z) underflows to 0 and so does that chain: use `from_logits=True`.
    - `from_logits=True`: the outputs are the logits z themselves (a linear output layer), and J =
      1/m Σ [y softplus(−z) + (1 − y) softplus(z)] with ∂J/∂z = (σ(z) − y)/m, exact at any z
      (`autograd.fused.sigmoid_cross_entropy`) — "binary cross-entropy with logits".
    - Other outputs must lie in [0, 1] and are clipped to [CLIP, 1 − CLIP] (`autograd.fused.cross_entropy`):
      an output of exactly 0 or 1 costs −log(1e-12) ≈ 27.6 rather than inf, with the derivative
      at the clipped point.

    ValueError for targets outside [0, 1] or outputs outside [0, 1] (probability form);
    TypeError for `from_logits` that is not a bool.
    """
    from_logits = flag(from_logits, "cross_entropy", "from_logits")
    a, y, m, _ = _batch(outputs, targets, "cross_entropy")
    return (fused.sigmoid_cross_entropy if from_logits else fused.cross_entropy)(a, y, m)


def hinge(outputs: Outputs, targets: Targets) -> Value:
    """J = 1/m Σᵢ Σₖ max(0, 1 − yₖaₖ), targets ±1 (micrograd's max-margin loss). One node (`autograd.fused.hinge`).

    ∂J/∂aₖ = −yₖ/m where the margin is violated (1 − yₖaₖ > 0), else 0 (0 at the kink).
    A NaN output makes J NaN (it is not a satisfied margin).
    """
    a, y, m, _ = _batch(outputs, targets, "hinge")
    return fused.hinge(a, y, m)


def softmax_cross_entropy(outputs: Outputs, targets: Targets) -> Value:
    """J = −1/m Σᵢ Σₖ yₖ log softmax(a)ₖ for K classes; the outputs are logits. One node.

    ∂J/∂aₖ = (pₖ Σⱼ yⱼ − yₖ)/m with p = softmax(a) (= (pₖ − yₖ)/m for one-hot y). Exact at any
    logits, ±800 and beyond: −log pₖ = log1p(Σ_{j≠top} e^(aⱼ − max a)) + (max a − aₖ), and pₖ − 1
    as −Σ_{j≠k} pⱼ (`autograd.fused.softmax_cross_entropy`). A class whose target is 0 adds
    nothing, also at a logit of −inf. Targets in [0, 1] (ValueError otherwise).
    """
    a, y, m, k = _batch(outputs, targets, "softmax_cross_entropy")
    return fused.softmax_cross_entropy(a, y, m, k)


def l2(model_or_weights: object, lam: float, m: int) -> Value:
    """λ/(2m) Σ w² over the weights, biases excluded (the course, as the Summary page writes it); ∂/∂w = λw/m.

    Pass a model (its `weights()` are used) or a list of weight Values; m is the number of samples
    of the cost J it is added to — the training set's M, also when J is estimated on a mini-batch
    (as `fit` and `nn.digits` do: one λ, one J). One node (`autograd.fused.l2`). TypeError for a
    lam or m of the wrong type, ValueError for lam < 0, NaN or inf and m < 1.
    """
    if hasattr(model_or_weights, "weights") and callable(model_or_weights.weights):
        weights = model_or_weights.weights()
    else:
        weights = sequence(model_or_weights, "l2", "model_or_weights", of=Value)
    lam = real(lam, "l2", "lam", low=0.0)
    m = integer(m, "l2", "m (the number of samples)")
    if not weights:
        raise ValueError("l2: no weights given")
    return fused.l2(weights, lam, m)


LOSSES: dict[str, Callable[..., Value]] = {
    "mse": mse,
    "cross_entropy": cross_entropy,
    "hinge": hinge,
    "softmax_cross_entropy": softmax_cross_entropy,
}


def get_loss(name: str | Callable[..., Value]) -> Callable[..., Value]:
    """The loss function called `name` (a callable is returned as it is); ValueError naming the valid names."""
    if callable(name):
        return name
    return LOSSES[choice(name, "get_loss", "name (the loss)", LOSSES)]
