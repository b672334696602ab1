"""The course's handwritten-digit exercise on real data, trained both ways, with its pictures.

What it is: the network the course's backpropagation exercise ends with — sigmoid layers, the
cross-entropy cost and the regularization λ — on scikit-learn's 8×8 digits (`nn.data.digits`),
so 64-25-10 where the course has 400-25-10 on 20×20 images. Both ways minimize the same
J(Θ) = −1/M Σᵢ Σₖ [yₖ log aₖ + (1 − yₖ) log(1 − aₖ)] + λ/(2M) Σ Θ² (bias columns excluded)
over the M training images, starting from the same Θ's (the course's uniform [−ε, ε]):

- `train_matrix`: `nn.matrix.backprop` gives J and ∂J/∂Θ for the unrolled Θ's (the course's
  `nnCostFunction`), and SciPy's `optimize.minimize` (L-BFGS-B by default; the course used fmincg,
  a conjugate gradient) minimizes it, with a progress bar of iterations and cost.
- `train_scalar`: the scalar engine, `backward()` through the graph of each mini-batch and Adam.
  A batch of B images estimates the same J: 1/B Σ over the batch + λ/(2M) Σ w² — the penalty
  keeps the whole set's M, so λ means what it means for the matrix side. The pixels enter as
  constants (`MLP(x, constant_inputs=True)`): backward skips ∂J/∂x, which no one reads.
- `check_batch`: before the scalar engine trains, its gradient of one real mini-batch against the
  matrix implementation's (they must agree to 1e-9): the cross-check on real data.
- The pictures: each hidden unit's 64 weights as an 8×8 image (the course's picture of what the
  hidden layer learned), the confusion matrix, and misclassified test digits, as matplotlib
  Figures and as PNG files (`save_pictures`, through the one atomic writer).

What it is not: a digit recognizer to rely on (1,797 small images; 97% is the course's level).
BLAS runs on one thread while training: on these small matrices its threads only wait on each
other, and on a busy machine they made L-BFGS-B ~8× slower here. Needs the `digits` extra
(scikit-learn, SciPy): `pip install '.[digits]'` in the chainrule checkout.
"""

from __future__ import annotations

import contextlib
import math
import random
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from autograd import collector
from autograd.args import choice, flag, integer, real
from autograd.files import write_atomically

from . import matrix
from .convert import grads_from_mlp, mlp_from_thetas, thetas_from_mlp
from .crosscheck import Report, make_report
from .data import Digits, _require
from .init import layer_sizes
from .losses import cross_entropy, l2
from .module import MLP
from .optim import Adam
from .train import check_cost

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "Step",
    "DigitsResult",
    "train_matrix",
    "train_scalar",
    "check_batch",
    "check_before_training",
    "unroll",
    "roll",
    "one_hot",
    "confusion_matrix",
    "hidden_units_figure",
    "confusion_figure",
    "misclassified_figure",
    "save_figure",
    "save_pictures",
    "ENGINES",
    "PICTURES",
]

ENGINES = ("matrix", "scalar")
CLASSES = 10
PICTURES = ("hidden-units", "confusion", "misclassified")  # file names: digits-<engine>-<picture>.png


# ---------------------------------------------------------------- results


class Step(NamedTuple):
    """One line of training progress: an optimizer iteration (matrix) or an epoch (scalar).

    `cost`: J on the training set — for the matrix side at the iterate, for the scalar engine the
    mean of the epoch's batch costs (each measured before its step). `train_accuracy`: the scalar
    engine's forward passes of the epoch (before each step); `test_accuracy` after the epoch.
    """

    step: int
    cost: float
    train_accuracy: float | None = None
    test_accuracy: float | None = None

    def __str__(self) -> str:
        acc = "" if self.train_accuracy is None else f"  train {self.train_accuracy:6.1%}"
        acc += "" if self.test_accuracy is None else f"  test {self.test_accuracy:6.1%}"
        return f"{self.step:5d}  cost {self.cost:.6f}{acc}"


class DigitsResult(NamedTuple):
    """What training gave: the Θ's, the progress, the accuracies and the test predictions."""

    engine: str
    sizes: list[int]
    lam: float
    thetas: list[np.ndarray]
    history: list[Step]
    train_accuracy: float
    test_accuracy: float
    predictions: np.ndarray  # the predicted label of each test image
    seconds: float  # training only (not loading the data, not the pictures)
    stopped: str  # why it stopped: the optimizer's message, or the epochs run
    check: Report | None = None  # the scalar engine's cross-check on one real mini-batch

    @property
    def cost(self) -> float:
        return self.history[-1].cost

    def __repr__(self) -> str:
        shape = "-".join(map(str, self.sizes))
        return (
            f"DigitsResult({self.engine}, {shape}, λ = {self.lam:g}, {self.stopped}: "
            f"train {self.train_accuracy:.1%}, test {self.test_accuracy:.1%})"
        )


# ---------------------------------------------------------------- helpers


def unroll(thetas: Sequence[np.ndarray]) -> np.ndarray:
    """The Θ's as one vector (the course's `nn_params`): each Θ row by row, Θ^(1) first."""
    return matrix.unroll(thetas)


def roll(vector: np.ndarray, sizes: Sequence[int]) -> list[np.ndarray]:
    """`unroll` undone: Θ^(l) of shape s_{l+1} × (s_l + 1) for layer sizes [s_1, s_2, …] (views, no copy)."""
    sizes = layer_sizes(sizes, "roll")
    vector = np.asarray(vector, dtype=float)
    shapes = [(s_out, s_in + 1) for s_in, s_out in zip(sizes, sizes[1:])]
    want = sum(r * c for r, c in shapes)
    if vector.ndim != 1 or vector.size != want:
        raise ValueError(f"roll: sizes {list(sizes)} need a vector of {want} numbers, got shape {vector.shape}")
    return matrix.reroll(vector, shapes)


def one_hot(y: np.ndarray, k: int = CLASSES) -> np.ndarray:
    """Labels 0..k−1 (m of them) as rows of a k × k identity, m × k (the course's recoding of y).
    TypeError/ValueError for a k that is not an integer ≥ 1 or a label that is not a class 0..k−1."""
    k = integer(k, "one_hot", "k (the number of classes)")
    y = np.asarray(y)
    if y.dtype.kind not in "iu" or (y.size and (y.min() < 0 or y.max() >= k)):
        raise ValueError(f"one_hot: y must hold integer labels 0..{k - 1}, got {y.dtype} values {y.ravel()[:5]!r:.60}")
    return np.eye(k)[y]


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, k: int = CLASSES) -> np.ndarray:
    """k × k counts: row = the true digit, column = the predicted one (the diagonal is right)."""
    k = integer(k, "confusion_matrix", "k (the number of classes)")
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"confusion_matrix: {y_true.shape} true labels but {y_pred.shape} predictions")
    return np.bincount(k * y_true + y_pred, minlength=k * k).reshape(k, k)


def _check_data(data: object, where: str) -> Digits:
    if not isinstance(data, Digits):
        raise TypeError(f"{where}: data must be the Digits of nn.data.digits(...), got {type(data).__name__}")
    return data


def _check_common(where: str, hidden: object, lam: object, seed: object) -> tuple[int, float, int]:
    """(hidden, lam, seed) checked: integers ≥ 1 and ≥ 0, λ a finite number ≥ 0 (errors name `where`)."""
    return (
        integer(hidden, where, "hidden (the number of hidden units)"),
        real(lam, where, "lam", low=0.0),
        integer(seed, where, "seed", low=0),
    )


def _check_switches(where: str, progress: object, verbose: object) -> tuple[bool | None, bool]:
    """`progress` True, False or None and `verbose` True or False (a "no" is not a truthy surprise)."""
    return (None if progress is None else flag(progress, where, "progress")), flag(verbose, where, "verbose")


def _one_blas_thread():
    """BLAS on one thread for the block (threadpoolctl comes with scikit-learn), or nothing without it."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def _bar(progress: bool | None, total: int, desc: str, unit: str):
    if not progress:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit=unit, leave=False)


def _accuracy(thetas: list[np.ndarray], X: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    pred = matrix.forward(thetas, X).output.argmax(axis=1)
    return float(np.mean(pred == y)), pred


# ---------------------------------------------------------------- the matrix implementation + SciPy


def train_matrix(
    data: Digits,
    hidden: int = 25,
    lam: float = 1.0,
    iterations: int = 200,
    seed: int = 0,
    method: str = "L-BFGS-B",
    progress: bool | None = False,
    verbose: bool = False,
    every: int = 25,
    log: Callable[[str], None] | None = None,
    tolerance: float | None = None,
) -> DigitsResult:
    """Minimize J(Θ) with SciPy's `minimize` on the unrolled Θ's, J and ∂J/∂Θ from `nn.matrix`.

    `iterations`: the optimizer's limit (each evaluates J and ∂J/∂Θ once or a few times, on all
    M images). `tolerance`: stop once every |∂J/∂θ| is at most this (SciPy's `gtol`; for L-BFGS-B
    the test on J's relative change is then switched off, so the gradient alone decides; SciPy's
    defaults when None). `method`: "L-BFGS-B" or "CG" (the course's fmincg is a conjugate gradient).
    `progress` shows a tqdm bar of iterations and cost; `verbose` writes a line every `every`
    iterations (through `log`, else the bar, else print).

    Where it stops decides what is reproducible. After a fixed number of iterations the Θ's are a
    point on the optimizer's path, and the path depends on the last bits of every gradient: BLAS
    sums them in an order (and with fused multiply-adds or not) that depends on the CPU, and after
    200 L-BFGS-B iterations two machines differ by ~1e-4 in the cost (0.497997 or 0.497967, measured
    with OpenBLAS's Haswell and Sandybridge kernels, OPENBLAS_CORETYPE). Run to convergence
    (`tolerance=1e-8`: about 1,900 iterations, 3 s) it stops at the minimum itself, 0.49224397749
    on both (to 5e-12): a property of J, not of the path. (The iterations taken still differ.)
    """
    data = _check_data(data, "train_matrix")
    hidden, lam, seed = _check_common("train_matrix", hidden, lam, seed)
    progress, verbose = _check_switches("train_matrix", progress, verbose)
    iterations = integer(iterations, "train_matrix", "iterations")
    every = integer(every, "train_matrix", "every")
    method = choice(method, "train_matrix", "method", ("L-BFGS-B", "CG"))
    options = {"maxiter": iterations}
    if tolerance is not None:
        options["gtol"] = real(tolerance, "train_matrix", "tolerance (or None)", low=0.0, low_open=True)
        if method == "L-BFGS-B":
            options["ftol"] = 0.0  # the gradient alone decides: J's relative change falls below ~1e-9 well before
    minimize = _require("scipy.optimize", "nn.digits.train_matrix").minimize

    sizes = [data.X_train.shape[1], int(hidden), CLASSES]
    X, Y = data.X_train, one_hot(data.y_train)
    theta0 = matrix.random_thetas(sizes, seed=int(seed))

    def cost_and_gradient(v: np.ndarray) -> tuple[float, np.ndarray]:  # the course's nnCostFunction
        res = matrix.backprop(roll(v, sizes), X, Y, "sigmoid", loss="cross_entropy", lam=lam)
        return res.cost, unroll(res.gradients)

    history: list[Step] = []
    bar = _bar(progress, iterations, method, "it")
    say = log or (bar.write if bar is not None else print)

    def callback(intermediate_result) -> None:  # SciPy ≥ 1.11 passes an OptimizeResult with .fun
        history.append(Step(len(history) + 1, float(intermediate_result.fun)))
        if bar is not None:
            bar.update(1)
            bar.set_postfix(cost=f"{intermediate_result.fun:.5f}")
        if verbose and len(history) % every == 0:
            say(f"iteration {history[-1]}")

    t0 = time.perf_counter()
    try:
        with _one_blas_thread():
            res = minimize(
                cost_and_gradient,
                unroll(theta0),
                jac=True,
                method=method,
                callback=callback,
                options=options,
            )
    finally:
        if bar is not None:
            bar.close()
    seconds = time.perf_counter() - t0
    thetas = [T.copy() for T in roll(res.x, sizes)]
    if not history or history[-1].cost != res.fun:
        history.append(Step(len(history) + 1 if history else 0, float(res.fun)))
    if verbose and len(history) % every:
        say(f"iteration {history[-1]}")
    train_acc, _ = _accuracy(thetas, data.X_train, data.y_train)
    test_acc, pred = _accuracy(thetas, data.X_test, data.y_test)
    message = res.message.decode() if isinstance(res.message, bytes) else str(res.message)
    stopped = f"{method}, {res.nit} iterations ({message.lower().rstrip('.')})"
    return DigitsResult("matrix", sizes, lam, thetas, history, train_acc, test_acc, pred, seconds, stopped)


# ---------------------------------------------------------------- the scalar engine, mini-batches


def _batch_cost(mlp: MLP, samples: list[list[float]], targets: list[list[float]], lam: float, M: int):
    """(J of the batch as ONE graph, the outputs): 1/B Σ cross-entropy + λ/(2M) Σ w²."""
    outputs = [mlp(x, constant_inputs=True) for x in samples]
    J = cross_entropy(outputs, targets)
    if lam:
        J = J + l2(mlp, lam, M)
    return J, outputs


def check_batch(mlp: MLP, X: np.ndarray, y: np.ndarray, lam: float, M: int) -> Report:
    """The engine's gradient of one batch's cost (as training computes it) against `nn.matrix`'s.

    The matrix side gets λ·B/M so that its λ/(2B) penalty is the engine's λ/(2M). Leaves the
    parameters' grads at the batch's gradient (training zeroes them before each step).
    """
    lam, M = real(lam, "check_batch", "lam", low=0.0), integer(M, "check_batch", "M (the training set's size)")
    X, Y = np.asarray(X, dtype=float), one_hot(y, mlp.sizes[-1])
    J, _ = _batch_cost(mlp, X.tolist(), Y.tolist(), lam, M)
    mlp.zero_grad()
    J.backward()
    engine = grads_from_mlp(mlp)
    res = matrix.backprop(thetas_from_mlp(mlp), X, Y, "sigmoid", loss="cross_entropy", lam=lam * len(X) / M)
    title = (
        f"cross-check on one real mini-batch: {len(X)} training images, sizes {mlp.sizes}, sigmoid, "
        f"cross-entropy, λ = {lam:g} (over M = {M}); cost engine {J.data:.12g}, matrix {res.cost:.12g}"
    )
    return make_report(title, engine, res.gradients, None, [], [])


def _start(data: Digits, hidden: int, seed: int, batch_size: int) -> tuple[list[int], MLP, random.Random, list[int]]:
    """The scalar engine's starting point: sizes, the network (the matrix side's initial Θ's), the
    shuffling stream and the first epoch's order of the training images."""
    sizes = [data.X_train.shape[1], int(hidden), CLASSES]
    mlp = mlp_from_thetas(matrix.random_thetas(sizes, seed=int(seed)), "sigmoid")
    rng = random.Random(int(seed))
    order = list(range(len(data.y_train)))
    rng.shuffle(order)
    return sizes, mlp, rng, order


def check_before_training(
    data: Digits, hidden: int = 25, lam: float = 1.0, seed: int = 0, batch_size: int = 32
) -> Report:
    """The cross-check `train_scalar` runs first: the initial network on the first mini-batch it will
    train on, the engine's gradient against the matrix implementation's (see `check_batch`)."""
    data = _check_data(data, "check_before_training")
    hidden, lam, seed = _check_common("check_before_training", hidden, lam, seed)
    batch_size = integer(batch_size, "check_before_training", "batch_size")
    _, mlp, _, order = _start(data, hidden, seed, batch_size)
    first = order[:batch_size]
    with _one_blas_thread():
        return check_batch(mlp, data.X_train[first], data.y_train[first], lam, len(order))


def _engine_predict(mlp: MLP, X: list[list[float]]) -> np.ndarray:
    out = []
    for x in X:
        a = [v.data for v in mlp(x, constant_inputs=True)]
        out.append(max(range(len(a)), key=a.__getitem__))
    return np.array(out)


def train_scalar(
    data: Digits,
    hidden: int = 25,
    lam: float = 1.0,
    epochs: int = 15,
    batch_size: int = 32,
    lr: float = 0.02,
    seed: int = 0,
    check: bool = True,
    progress: bool | None = False,
    verbose: bool = False,
    log: Callable[[str], None] | None = None,
) -> DigitsResult:
    """Train the same network on the scalar engine: shuffled mini-batches, `backward()`, Adam.

    First (with `check`) the cross-check of one real mini-batch — the first batch of the first
    epoch — against the matrix implementation; a disagreement beyond 1e-9 raises RuntimeError
    before any training. Then `epochs` passes over the training set in batches of `batch_size`
    (shuffled with `random.Random(seed)`), Adam with learning rate `lr`. After each epoch the
    test set goes through the engine (forward only) for the test accuracy. `progress`: a tqdm
    bar of batches; `verbose`: a line per epoch (through `log`, else the bar, else print).
    Python's cyclic garbage collector is paused while training, as `nn.fit` does.

    TypeError/ValueError naming the argument for a bad one (lr must be a finite number > 0);
    FloatingPointError when a batch's cost is NaN or ±inf (a learning rate so large the steps
    diverge), naming the epoch and the batch: training stops there.
    """
    data = _check_data(data, "train_scalar")
    hidden, lam, seed = _check_common("train_scalar", hidden, lam, seed)
    progress, verbose = _check_switches("train_scalar", progress, verbose)
    epochs = integer(epochs, "train_scalar", "epochs")
    batch_size = integer(batch_size, "train_scalar", "batch_size")
    lr_f = real(lr, "train_scalar", "lr", low=0.0, low_open=True)
    check = flag(check, "train_scalar", "check")

    sizes, mlp, rng, order = _start(data, hidden, seed, batch_size)  # order: the first epoch's
    samples = data.X_train.tolist()  # lists of floats, converted once
    targets = one_hot(data.y_train).tolist()
    labels = data.y_train.tolist()
    test_samples = data.X_test.tolist()
    M = len(samples)

    report = None
    if check:
        first = order[:batch_size]
        with _one_blas_thread():
            report = check_batch(mlp, data.X_train[first], data.y_train[first], lam, M)
        if not report.ok:
            raise RuntimeError(f"the engine and the matrix implementation disagree on a real batch:\n{report}")

    optimizer = Adam(mlp.parameters(), lr=lr_f)
    batches = -(-M // batch_size)
    bar = _bar(progress, epochs * batches, "training", "batch")
    say = log or (bar.write if bar is not None else print)
    history: list[Step] = []
    t0 = time.perf_counter()
    # the cyclic collector pauses while training and collects once at the end; the bar closes even on an error
    with collector.loop(), bar or contextlib.nullcontext():
        for epoch in range(1, epochs + 1):
            if epoch > 1:
                rng.shuffle(order)
            total, right = 0.0, 0
            for number, start in enumerate(range(0, M, batch_size), start=1):
                batch = order[start : start + batch_size]
                J, outputs = _batch_cost(mlp, [samples[i] for i in batch], [targets[i] for i in batch], lam, M)
                check_cost(J, "train_scalar", epoch, number, batches, lr_f)  # FloatingPointError at NaN or ±inf
                optimizer.zero_grad()
                J.backward()
                optimizer.step()
                total += J.data * len(batch)
                for out, i in zip(outputs, batch):
                    a = [v.data for v in out]
                    right += max(range(CLASSES), key=a.__getitem__) == labels[i]
                if bar is not None:
                    bar.update(1)
            del J, outputs  # free the last batch's graph before the test pass
            test_acc = float(np.mean(_engine_predict(mlp, test_samples) == data.y_test))
            history.append(Step(epoch, total / M, right / M, test_acc))
            if bar is not None:
                bar.set_postfix(cost=f"{history[-1].cost:.4f}", test=f"{test_acc:.1%}")
            if verbose:
                say(f"epoch {history[-1]}")
    seconds = time.perf_counter() - t0
    pred = _engine_predict(mlp, test_samples)
    train_acc = float(np.mean(_engine_predict(mlp, samples) == data.y_train))
    test_acc = float(np.mean(pred == data.y_test))
    stopped = f"Adam(lr={lr_f:g}), {epochs} epoch{'' if epochs == 1 else 's'} of {batches} batches of {batch_size}"
    return DigitsResult(
        "scalar", sizes, lam, thetas_from_mlp(mlp), history, train_acc, test_acc, pred, seconds, stopped, report
    )


# ---------------------------------------------------------------- pictures


def _figure(width: float, height: float) -> Figure:
    from matplotlib.figure import Figure  # no pyplot: no global state, no GUI backend

    return Figure(figsize=(width, height), dpi=110)


def _frame(ax) -> None:
    """An image axis with no ticks and a thin grey frame (a white pixel still shows where it ends)."""
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_color("#999999")
        spine.set_linewidth(0.6)


def _grid(n: int, max_cols: int) -> tuple[int, int]:
    cols = min(max_cols, max(1, math.ceil(math.sqrt(n))))
    return -(-n // cols), cols


def hidden_units_figure(theta1: np.ndarray, title: str | None = None) -> Figure:
    """Each hidden unit's weights Θ^(1)[j, 1:] as an 8×8 image (the bias left out).

    Red pixels excite the unit, blue ones inhibit it, each unit on its own symmetric scale
    (white = 0), as the course shows each unit scaled to its largest weight.
    """
    theta1 = np.asarray(theta1, dtype=float)
    if theta1.ndim != 2 or theta1.shape[1] != 65:
        raise ValueError(f"theta1 must be Θ^(1), hidden × 65 (bias + 64 pixels), got shape {theta1.shape}")
    n = theta1.shape[0]
    rows, cols = _grid(n, 8)
    fig = _figure(1.25 * cols + 0.4, 1.25 * rows + 0.7)
    axes = fig.subplots(rows, cols, squeeze=False)
    for j, ax in enumerate(axes.flat):
        if j >= n:
            ax.set_axis_off()
            continue
        w = theta1[j, 1:].reshape(8, 8)
        v = float(np.max(np.abs(w))) or 1.0
        ax.imshow(w, cmap="RdBu_r", vmin=-v, vmax=v, interpolation="nearest")
        _frame(ax)
        ax.set_title(f"unit {j + 1}", fontsize=8, pad=2)
    heading = title or f"what the {n} hidden units look for: the rows of Θ⁽¹⁾ as 8×8 images"
    fig.suptitle(
        f"{heading}\nred: ink there excites the unit, blue: it inhibits it (each unit on its own scale)", fontsize=9
    )
    fig.tight_layout(rect=(0, 0, 1, 0.96))
    return fig


def confusion_figure(y_true: np.ndarray, y_pred: np.ndarray, title: str | None = None) -> Figure:
    """The confusion matrix of the test set, counts written in each cell."""
    from matplotlib.colors import to_rgb

    cm = confusion_matrix(y_true, y_pred)
    fig = _figure(5.2, 4.8)
    ax = fig.subplots()
    # the right answers (the diagonal) in green, the mistakes in red, deeper for more
    worst = max(3, int(np.max(np.where(np.eye(CLASSES, dtype=bool), 0, cm))))
    white, green, red = np.ones(3), np.array(to_rgb("#a6dba0")), np.array(to_rgb("#d7301f"))
    rgb = np.empty((CLASSES, CLASSES, 3))
    for i in range(CLASSES):
        for j in range(CLASSES):
            t = 1.0 if i == j else min(1.0, cm[i, j] / worst)
            depth = 0.25 + 0.75 * t if cm[i, j] else 0.0  # an empty cell stays white
            rgb[i, j] = white + ((green if i == j else red) - white) * depth
            if cm[i, j]:
                dark = i != j and t > 0.6
                ax.text(j, i, str(cm[i, j]), ha="center", va="center", fontsize=8, color="white" if dark else "black")
    ax.imshow(rgb, interpolation="nearest")
    ax.set_xticks(np.arange(CLASSES + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(CLASSES + 1) - 0.5, minor=True)
    ax.grid(which="minor", color="#dddddd", linewidth=0.6)
    ax.tick_params(which="minor", length=0)
    ax.set_xticks(range(CLASSES))
    ax.set_yticks(range(CLASSES))
    ax.set_xlabel("predicted digit")
    ax.set_ylabel("true digit")
    acc = float(np.trace(cm)) / max(1, int(cm.sum()))
    ax.set_title(title or f"confusion matrix, {cm.sum()} test digits ({acc:.1%} on the diagonal)", fontsize=10)
    fig.tight_layout()
    return fig


def misclassified_figure(
    X: np.ndarray, y_true: np.ndarray, y_pred: np.ndarray, limit: int = 32, title: str | None = None
) -> Figure:
    """The first `limit` misclassified images, each titled "true → predicted"."""
    X, y_true, y_pred = np.asarray(X), np.asarray(y_true), np.asarray(y_pred)
    if not len(X) == len(y_true) == len(y_pred):
        raise ValueError(f"misclassified_figure: {len(X)} images, {len(y_true)} labels, {len(y_pred)} predictions")
    wrong = np.flatnonzero(y_true != y_pred)
    shown = wrong[: integer(limit, "misclassified_figure", "limit")]
    n = max(1, len(shown))
    cols = min(8, n) if n > 9 else math.ceil(math.sqrt(n))  # rows of 8 once there are many
    rows = -(-n // cols)
    fig = _figure(max(3.0, 1.1 * cols + 0.4), 1.25 * rows + 0.7)
    axes = fig.subplots(rows, cols, squeeze=False)
    for k, ax in enumerate(axes.flat):
        if k >= len(shown):
            ax.set_axis_off()
    for ax, i in zip(axes.flat, shown):
        ax.imshow(X[i].reshape(8, 8), cmap="gray_r", vmin=0.0, vmax=1.0, interpolation="nearest")
        _frame(ax)
        ax.set_title(f"{y_true[i]} → {y_pred[i]}", fontsize=9, pad=2, color="#b00000")
    if not len(shown):
        axes.flat[0].text(0.5, 0.5, "no mistakes", ha="center", va="center", fontsize=12)
    more = f", the first {len(shown)} shown" if len(wrong) > len(shown) else ""
    fig.suptitle(title or f"{len(wrong)} misclassified test digits{more} (true → predicted)", fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    return fig


def save_figure(fig: Figure, path: str | Path) -> Path:
    """The figure as a PNG at `path`, atomically (see `autograd.files.write_atomically`)."""
    return write_atomically(path, lambda f: fig.savefig(f, format="png", bbox_inches="tight"))


def save_pictures(result: DigitsResult, data: Digits, out: str | Path) -> list[Path]:
    """The three pictures of a training run as PNGs in folder `out` (made if missing):
    `digits-<engine>-hidden-units.png`, `-confusion.png` and `-misclassified.png`."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    name = f"{result.engine} engine" if result.engine == "scalar" else "matrix implementation"
    figures = {
        "hidden-units": hidden_units_figure(
            result.thetas[0], f"the {result.sizes[1]} hidden units of the {name}: the rows of Θ⁽¹⁾ as 8×8 images"
        ),
        "confusion": confusion_figure(data.y_test, result.predictions),
        "misclassified": misclassified_figure(data.X_test, data.y_test, result.predictions),
    }
    return [save_figure(fig, out / f"digits-{result.engine}-{key}.png") for key, fig in figures.items()]
