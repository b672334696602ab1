"""The three-way gradient cross-check: scalar engine, matrix implementation, central differences.

What it is: for one network and one batch, the gradient of the cost with respect to every Θ
entry computed three independent ways — `backward()` over the graph of Values, the vectorized
backprop of `nn.matrix`, and central differences of the cost — and the δ's of every layer from
the engine (the grads of the z nodes) and from the matrix implementation. The report is a table
per layer with the largest absolute difference and the relative difference ‖a − b‖/‖a + b‖,
and a verdict: engine and matrix agree to 1e-9, both agree with the numerical gradient to 1e-7.

Also the course's own gradient check (`course_check`): a 3-5-3 network with its deterministic
initialization, m = 5, ε = 1e-4, relative difference below 1e-9.

Its work is bounded before it starts: the numerical gradient evaluates the cost twice per
parameter, so it grows as parameters² × samples; `cross_check` refuses networks of more than
`max_parameters` (default `MAX_PARAMETERS`) and batches of more than 100 samples per allowed
parameter, and says how to go past the bound.

What it is not: a unit test of either side alone; it is the evidence that they agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from autograd.args import flag, integer, real

from . import losses as engine_losses
from . import matrix
from .convert import grads_from_mlp, mlp_from_thetas, thetas_from_mlp
from .data import _rng
from .init import debug_matrix, layer_sizes
from .module import MLP

__all__ = [
    "cross_check",
    "check_size",
    "MAX_PARAMETERS",
    "course_check",
    "make_report",
    "sample_batch",
    "engine_backprop",
    "Report",
    "Row",
    "CourseCheck",
]

MAX_PARAMETERS = 10_000
"""The largest network `cross_check` checks unless told otherwise: with 5 samples, about a second
of numerical gradients on a laptop (2 × 10,000 cost evaluations)."""

SAMPLES_PER_PARAMETER = 100
"""A batch may hold up to max_parameters × 100 (sample, parameter) products: 10⁶ by default, the
size of the engine's graph in edges."""

ENGINE_VS_MATRIX = 1e-9
VS_NUMERICAL = 1e-7
# A layer whose gradients are ~0 (a dead relu layer, say) has a meaningless relative difference;
# it passes when its largest absolute difference is below this floor.
ABS_FLOOR = {ENGINE_VS_MATRIX: 1e-13, VS_NUMERICAL: 1e-10}


class Row(NamedTuple):
    """One line of the report: what is compared, on which layer, and how far apart."""

    what: str
    layer: str
    max_abs: float
    relative: float
    tolerance: float

    @property
    def ok(self) -> bool:
        return self.relative < self.tolerance or self.max_abs < ABS_FLOOR[self.tolerance]


class Report(NamedTuple):
    """The table of `Row`s and a verdict."""

    title: str
    rows: list[Row]

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.rows)

    def __str__(self) -> str:
        lines = [
            self.title,
            f"{'comparison':<22}{'layer':<10}{'max |a−b|':>12}{'‖a−b‖/‖a+b‖':>14}  {'tolerance':>9}  verdict",
        ]
        for r in self.rows:
            lines.append(
                f"{r.what:<22}{r.layer:<10}{r.max_abs:>12.3e}{r.relative:>14.3e}  {r.tolerance:>9.0e}  "
                f"{'ok' if r.ok else 'FAIL'}"
            )
        agree = "the three gradients agree" if any("numerical" in r.what for r in self.rows) else "they agree"
        lines.append("verdict: " + (agree if self.ok else "DISAGREEMENT — see the rows marked FAIL"))
        return "\n".join(lines)


def _row(what: str, layer: str, a: np.ndarray, b: np.ndarray, tol: float) -> Row:
    a, b = np.ravel(a), np.ravel(b)
    max_abs = float(np.max(np.abs(a - b))) if a.size else 0.0
    return Row(what, layer, max_abs, matrix.relative_difference([a], [b]), tol)


def make_report(
    title: str,
    engine: Sequence[np.ndarray],
    matrix_grads: Sequence[np.ndarray],
    numerical: Sequence[np.ndarray] | None,
    engine_deltas: Sequence[np.ndarray],
    matrix_deltas: Sequence[np.ndarray],
) -> Report:
    """The table from the gradients (one array per Θ) and the δ's (one m × s array per layer)."""
    rows = []
    for i in range(len(engine)):
        theta = f"Θ^({i + 1})"
        rows.append(_row("engine vs matrix", theta, engine[i], matrix_grads[i], ENGINE_VS_MATRIX))
        if numerical is not None:
            rows.append(_row("engine vs numerical", theta, engine[i], numerical[i], VS_NUMERICAL))
            rows.append(_row("matrix vs numerical", theta, matrix_grads[i], numerical[i], VS_NUMERICAL))
    for i in range(len(engine_deltas)):
        rows.append(_row("δ engine vs matrix", f"δ^({i + 2})", engine_deltas[i], matrix_deltas[i], ENGINE_VS_MATRIX))
    if numerical is not None:
        rows.append(
            _row(
                "engine vs numerical",
                "all",
                np.concatenate([np.ravel(g) for g in engine]),
                np.concatenate([np.ravel(g) for g in numerical]),
                VS_NUMERICAL,
            )
        )
    return Report(title, rows)


def sample_batch(sizes: Sequence[int], loss: str, m: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Random inputs in [−1, 1] and targets that suit the loss (0/1, ±1, one-hot or in [0, 1]):
    X m × s_1, Y m × K for sizes [s_1, …, K]. m and seed integers (≥ 1, ≥ 0)."""
    sizes = layer_sizes(sizes, "sample_batch")
    m = integer(m, "sample_batch", "m (the number of samples)")
    rng = _rng(seed, "sample_batch")
    k = sizes[-1]
    X = rng.uniform(-1.0, 1.0, size=(m, sizes[0]))
    if loss == "mse":
        Y = rng.uniform(0.0, 1.0, size=(m, k))
    elif loss == "cross_entropy":
        Y = rng.integers(0, 2, size=(m, k)).astype(float)
    elif loss == "hinge":
        Y = rng.choice([-1.0, 1.0], size=(m, k))
    elif loss == "softmax_cross_entropy":
        Y = np.eye(k)[rng.integers(0, k, size=m)]
    else:
        matrix._loss(loss)  # raises, listing the valid names
    return X, Y


def engine_backprop(
    mlp: MLP, X: np.ndarray, Y: np.ndarray, loss: str, lam: float
) -> tuple[float, list[np.ndarray], list[np.ndarray]]:
    """(cost, Θ-shaped gradients, δ's per layer) from the scalar engine's `backward()`; the penalty
    λ/(2m) Σ w² over the batch's m = len(X) samples (the J the matrix side computes)."""
    lam = real(lam, "engine_backprop", "lam", low=0.0)
    traces = [mlp.trace(list(x)) for x in X]
    J = engine_losses.get_loss(loss)([t.output for t in traces], Y.tolist())
    if lam:
        J = J + engine_losses.l2(mlp, lam, len(X))
    mlp.zero_grad()
    J.backward()
    grads = grads_from_mlp(mlp)
    deltas = [np.array([[z.grad for z in t.z[l]] for t in traces]) for l in range(len(mlp.layers))]
    return J.data, grads, deltas


def check_size(sizes: Sequence[int], m: int, max_parameters: int = MAX_PARAMETERS) -> int:
    """The number of parameters of the network `sizes`, after checking that a cross-check of it on
    m samples stays within `max_parameters`; a ValueError saying how to go past it otherwise."""
    return _check_size("check_size", sizes, m, max_parameters)


def _check_size(where: str, sizes: Sequence[int], m: int, max_parameters: int) -> int:
    max_parameters = integer(max_parameters, where, "max_parameters")
    sizes = layer_sizes(sizes, where)
    m = integer(m, where, "m (the number of samples)")
    count = sum((a + 1) * b for a, b in zip(sizes, sizes[1:]))
    shown = ",".join(map(str, sizes))
    if count > max_parameters:
        raise ValueError(
            f"cross_check: sizes {shown} make {count:,} parameters, more than max_parameters={max_parameters:,}: "
            f"the numerical gradient evaluates the cost twice per parameter, so the work grows as parameters² × "
            f"samples. Check a smaller network (the course checks 3-5-3), or pass max_parameters={count} to go past it"
        )
    products = int(m) * count
    if products > SAMPLES_PER_PARAMETER * max_parameters:
        raise ValueError(
            f"cross_check: m = {int(m):,} samples × {count:,} parameters = {products:,} products per cost "
            f"evaluation, more than {SAMPLES_PER_PARAMETER} × max_parameters = "
            f"{SAMPLES_PER_PARAMETER * max_parameters:,}: check fewer samples (5 show any mistake), or pass "
            f"max_parameters={-(-products // SAMPLES_PER_PARAMETER)} to go past it"
        )
    return count


def cross_check(
    sizes: Sequence[int] | MLP,
    activation: str = "sigmoid",
    output_activation: str | None = None,
    loss: str = "mse",
    lam: float = 0.0,
    m: int = 5,
    seed: int = 0,
    X: np.ndarray | None = None,
    Y: np.ndarray | None = None,
    numerical: bool = True,
    eps: float = 1e-5,
    max_parameters: int = MAX_PARAMETERS,
) -> Report:
    """Cross-check the gradients of a network (layer sizes, or an `MLP`) on a batch.

    Without X and Y, a random batch of m samples suited to the loss is drawn with `seed`.
    For cross_entropy the output layer defaults to the sigmoid (its outputs must be in [0, 1]).
    A network of more than `max_parameters` parameters, or a batch of more than 100 samples per
    allowed parameter, is refused before any work (see `check_size`).
    """
    _check_size(
        "cross_check",
        sizes.sizes if isinstance(sizes, MLP) else sizes,
        len(X) if X is not None and hasattr(X, "__len__") else m,
        max_parameters,
    )
    lam, seed = real(lam, "cross_check", "lam", low=0.0), integer(seed, "cross_check", "seed", low=0)
    numerical = flag(numerical, "cross_check", "numerical")
    eps = real(eps, "cross_check", "eps", low=0.0, low_open=True)
    if isinstance(sizes, MLP):
        mlp = sizes
        activation, output_activation = mlp.activation, mlp.output_activation
    else:
        if output_activation is None and loss == "cross_entropy":
            output_activation = "sigmoid"
        mlp = MLP(sizes[0], list(sizes[1:]), activation, output_activation, seed=seed)
        output_activation = mlp.output_activation
    if X is None or Y is None:
        X, Y = sample_batch(mlp.sizes, loss, m, seed)
    thetas = thetas_from_mlp(mlp)
    res = matrix.backprop(thetas, X, Y, activation, output_activation, loss, lam)
    J, grads, deltas = engine_backprop(mlp, np.asarray(X, dtype=float), np.asarray(Y, dtype=float), loss, lam)
    num = None
    if numerical:
        num = matrix.numerical_gradients(
            thetas, X, Y, eps=eps, activation=activation, output_activation=output_activation, loss=loss, lam=lam
        )
    if not mlp.bias:  # no bias parameters in the engine: compare the weight columns only
        grads = [g[:, 1:] for g in grads]
        mgrads = [g[:, 1:] for g in res.gradients]
        num = None if num is None else [g[:, 1:] for g in num]
    else:
        mgrads = res.gradients
    title = (
        f"cross-check: sizes {mlp.sizes}, {activation} → {output_activation}, {loss}, λ = {lam:g}, "
        f"m = {len(X)}; cost engine {J:.12g}, matrix {res.cost:.12g}"
    )
    return make_report(title, grads, mgrads, num, deltas, res.deltas)


class CourseCheck(NamedTuple):
    """The course's gradient check: relative differences of backprop and the engine to numerical."""

    lam: float
    cost: float
    matrix_relative: float
    engine_relative: float

    @property
    def ok(self) -> bool:
        return self.matrix_relative < 1e-9 and self.engine_relative < 1e-9

    def __str__(self) -> str:
        return (
            f"course check 3-5-3, m = 5, λ = {self.lam:g}: cost {self.cost:.6f}; relative difference "
            f"to numerical: matrix {self.matrix_relative:.2e}, engine {self.engine_relative:.2e} "
            f"(must be < 1e-9) — {'ok' if self.ok else 'FAIL'}"
        )


def course_data() -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """The course's checkNNGradients set-up: Θ's for 3-5-3 from the sin initialization, X the same
    initializer with fan_in 2 (5 × 3), labels y = 1 + (i mod 3) for i = 1..5, one-hot."""
    thetas = matrix.debug_thetas([3, 5, 3])
    X = np.array(debug_matrix(5, 2))
    labels = [1 + (i % 3) for i in range(1, 6)]
    Y = np.eye(3)[[c - 1 for c in labels]]
    return thetas, X, Y


def course_check(lam: float = 0.0) -> CourseCheck:
    """The course's check with λ (it uses 0 and 3): sigmoid, cross_entropy, ε = 1e-4."""
    lam = real(lam, "course_check", "lam", low=0.0)
    thetas, X, Y = course_data()
    kw = dict(activation="sigmoid", loss="cross_entropy", lam=lam)
    num = matrix.numerical_gradients(thetas, X, Y, eps=1e-4, **kw)
    res = matrix.backprop(thetas, X, Y, **kw)
    mlp = mlp_from_thetas(thetas, "sigmoid")
    _, engine_grads, _ = engine_backprop(mlp, X, Y, "cross_entropy", lam)
    return CourseCheck(
        lam, res.cost, matrix.relative_difference(res.gradients, num), matrix.relative_difference(engine_grads, num)
    )
