"""The networks a learner's function is checked on, and the right answer on each, known three ways.

What it is: a `Problem` is Θ's, a batch X, targets Y (and the labels when the learner is given
labels), the unrolling order and the units and cost: `course_problem()` is the course's
checkNNGradients set-up (3-5-3, the sin initialization, m = 5, labels 1 + (i mod 3)),
`random_problem(sizes, …)` a network of any sizes from the course's random initialization.
`reference(p, λ)` is the right cost and gradient there: the matrix implementation's, checked
against the scalar engine and against central differences with the course's ε = 1e-4.

What it is not: a judge. Comparing a learner's numbers with these is `report`'s job.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from .. import matrix
from ..convert import mlp_from_thetas
from ..crosscheck import course_data, engine_backprop

__all__ = [
    "Problem",
    "Reference",
    "course_problem",
    "random_problem",
    "reference",
    "entry_name",
    "sizes_text",
    "default_output",
    "network_text",
    "EPSILON",
]

EPSILON = 1e-4  # the course's ε for central differences


class Problem(NamedTuple):
    """A network and a batch the learner's function is run on.

    `thetas`: Θ^(l), s_{l+1} × (s_l + 1); `X`: m × s_1; `Y`: m × K targets; `labels` (0-based
    classes, one per sample) when the learner is given labels rather than Y (the course's
    signature); `order` "C" or "F" when the Θ's travel unrolled, None for a list.
    """

    thetas: list[np.ndarray]
    X: np.ndarray
    Y: np.ndarray
    labels: np.ndarray | None = None
    order: str | None = "C"
    activation: str = "sigmoid"
    output_activation: str = "sigmoid"
    loss: str = "cross_entropy"

    @property
    def shapes(self) -> list[tuple[int, int]]:
        return [T.shape for T in self.thetas]

    @property
    def sizes(self) -> list[int]:
        return [self.thetas[0].shape[1] - 1] + [T.shape[0] for T in self.thetas]

    @property
    def m(self) -> int:
        return self.X.shape[0]

    @property
    def n(self) -> int:
        """The number of Θ entries."""
        return sum(T.size for T in self.thetas)


def entry_name(layer: int, j: int, i: int) -> tuple[str, str]:
    """("Θ^(l)_{j,i}", "to neuron j of layer l+1 from neuron i of layer l"); i = 0 is the bias."""
    source = f"the bias of layer {layer}" if i == 0 else f"neuron {i} of layer {layer}"
    return f"Θ^({layer})_{{{j},{i}}}", f"to neuron {j} of layer {layer + 1} from {source}"


def sizes_text(shapes: Sequence[tuple[int, int]]) -> str:
    """[(5, 4), (3, 6)] → "5×4 + 3×6"."""
    return " + ".join(f"{r}×{c}" for r, c in shapes)


def default_output(loss: str, activation: str, output_activation: str | None = None) -> str:
    """The output layer's units unless given: sigmoid for the cross-entropy, none (linear: the
    softmax is the cost's) for the softmax cross-entropy, else the hidden layers' units."""
    if output_activation is not None:
        return output_activation
    return {"cross_entropy": "sigmoid", "softmax_cross_entropy": "linear"}.get(loss, activation)


def course_problem(order: str = "C", loss: str = "cross_entropy") -> Problem:
    """The course's checkNNGradients set-up: 3-5-3, the sin initialization, m = 5, labels 1 + (i mod 3)."""
    thetas, X, Y = course_data()
    return Problem(
        thetas, X, Y, labels=Y.argmax(axis=1), order=order, output_activation=default_output(loss, "sigmoid"), loss=loss
    )


def random_problem(
    sizes: Sequence[int],
    m: int = 5,
    seed: int = 0,
    order: str | None = "C",
    labels: bool = False,
    activation: str = "sigmoid",
    output_activation: str | None = None,
    loss: str = "cross_entropy",
) -> Problem:
    """Θ's from the course's random initialization (uniform in ±√6/√(s_l + s_{l+1})), X uniform in
    [−1, 1], one-hot targets whose classes cycle through 0..K−1 in a shuffled order."""
    sizes = list(sizes)
    thetas = matrix.random_thetas(sizes, seed=seed)
    rng = np.random.default_rng(seed + 1)
    X = rng.uniform(-1.0, 1.0, size=(m, sizes[0]))
    k = sizes[-1]
    classes = rng.permutation(np.arange(m) % k)
    Y = np.eye(k)[classes]
    if loss == "hinge":
        Y = 2.0 * Y - 1.0
    out = default_output(loss, activation, output_activation)
    return Problem(thetas, X, Y, classes if labels else None, order, activation, out, loss)


class Reference(NamedTuple):
    """The right answer at one λ: the matrix implementation's cost and gradient, central differences
    of the right cost (ε = 1e-4), and how far the engine and those differences are from it."""

    cost: float
    gradients: list[np.ndarray]
    numerical: list[np.ndarray]
    engine_difference: float
    numerical_difference: float


def reference(p: Problem, lam: float) -> Reference:
    """The right cost and gradient of `p` at λ, three ways (see `Reference`)."""
    kw = dict(activation=p.activation, output_activation=p.output_activation, loss=p.loss, lam=lam)
    res = matrix.backprop(p.thetas, p.X, p.Y, **kw)
    num = matrix.numerical_gradients(p.thetas, p.X, p.Y, eps=EPSILON, **kw)
    mlp = mlp_from_thetas(p.thetas, p.activation, p.output_activation)
    _, engine, _ = engine_backprop(mlp, p.X, p.Y, p.loss, lam)
    return Reference(
        res.cost,
        res.gradients,
        num,
        matrix.relative_difference(engine, res.gradients),
        matrix.relative_difference(num, res.gradients),
    )


def network_text(p: Problem, sizes: Sequence[int] | None, seed: int) -> str:
    """ "network 3-5-3, the course's check set-up (sin weights, m = 5), sigmoid, cross-entropy + (λ/2m)ΣΘ²"."""
    dims = "-".join(str(s) for s in p.sizes)
    loss = {"cross_entropy": "cross-entropy", "softmax_cross_entropy": "softmax cross-entropy"}.get(p.loss, p.loss)
    if sizes is None:
        where = f"the course's check set-up (sin weights, m = {p.m})"
    else:
        where = f"random (the course's ε-initialization, seed {seed}, m = {p.m})"
    out = "softmax" if p.loss == "softmax_cross_entropy" and p.output_activation == "linear" else p.output_activation
    units = p.activation if p.activation == out else f"{p.activation} → {out}"
    return f"network {dims}, {where}, {units}, {loss} + (λ/2m)ΣΘ²"
