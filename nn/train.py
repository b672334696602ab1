"""Training by epochs: forward, loss, backward, step — and a report after each epoch.

What it is: `fit()`, the loop Jordan's post describes ("during each iteration we perform forward
propagation to compute the outputs and backward propagation to compute the errors; one complete
iteration is known as an epoch. It is common to report evaluation metrics after each epoch"),
full batch or in shuffled mini-batches, with an optional progress bar; and `accuracy()`.

What it is not: a framework. No callbacks, no early stopping: read the returned history.
"""

from __future__ import annotations

import contextlib
import random
import sys
from collections.abc import Callable, Sequence
from typing import NamedTuple

from autograd import Value, collector
from autograd.args import choice, counted, flag, integer, real

from .losses import LOSSES, get_loss, l2
from .module import _NOT_SAMPLES, MLP
from .optim import SGD, Optimizer

__all__ = ["fit", "accuracy", "predict", "targets_for", "check_cost", "Epoch", "History"]


class Epoch(NamedTuple):
    """One epoch's report: the mean loss of its batches and the accuracy of its forward passes."""

    epoch: int
    loss: float
    accuracy: float | None

    def __str__(self) -> str:
        acc = "" if self.accuracy is None else f"  accuracy {self.accuracy:6.1%}"
        return f"epoch {self.epoch:4d}  loss {self.loss:.6f}{acc}"


class History(list):
    """The list of `Epoch` records `fit()` returns; `.losses` and `.accuracies` as lists."""

    @property
    def losses(self) -> list[float]:
        return [e.loss for e in self]

    @property
    def accuracies(self) -> list[float | None]:
        return [e.accuracy for e in self]

    def __repr__(self) -> str:
        if not self:
            return "History([])"
        return f"History({len(self)} epochs, last: {self[-1]})"


def _label(t: object, where: str, i: int) -> float:
    """Label i as a finite float, or a TypeError/ValueError naming it (a string, a bool, None or NaN is not a label)."""
    if type(t) is float and t - t == 0.0:  # a finite float: the usual case, cheaply
        return t
    return real(t, where, f"y[{i}] (a label or target)")


def targets_for(y: Sequence, k: int, loss: str | Callable, where: str = "targets_for") -> list[list[float]]:
    """Per-sample target rows of length k from labels.

    Rows already of length k pass through. With k = 1 a label is its own target. With k > 1 an
    integer class label c becomes a one-hot row (−1/+1 instead of 0/1 for the hinge loss).
    TypeError/ValueError, naming `where` and the label, for a label that is not a finite number,
    a row of the wrong length or a class outside 0..k−1.
    """
    if isinstance(y, _NOT_SAMPLES) or not hasattr(y, "__iter__"):
        raise TypeError(f"{where}: y must be a sequence of labels or target rows, got {type(y).__name__}")
    rows = []
    for i, t in enumerate(y):
        if hasattr(t, "__len__") and not isinstance(t, (str, bytes)):
            if len(t) != k:
                raise ValueError(
                    f"{where}: target {i} has {counted(len(t), 'entry', 'entries')}, "
                    f"the network has {counted(k, 'output')}"
                )
            rows.append([_label(v, where, i) for v in t])
        elif k == 1:
            rows.append([_label(t, where, i)])
        else:
            c = _label(t, where, i)
            if not (c.is_integer() and 0 <= c < k):
                raise ValueError(f"{where}: label {i} is {c:g}: with {k} outputs, labels are classes 0..{k - 1}")
            c = int(c)
            off = -1.0 if loss == "hinge" else 0.0
            rows.append([1.0 if j == c else off for j in range(k)])
    return rows


def _rule(targets: Sequence[Sequence[float]], loss: str | Callable) -> str | None:
    """How accuracy is judged, decided once from all the target rows.

    "argmax" for several outputs; for one output "sign" (a > 0 means +1) with the hinge loss or
    with targets all in {−1, +1}, "half" (a ≥ ½ means 1) with targets all in {0, 1}; None for
    other targets (regression: accuracy does not apply).
    """
    if not targets:
        return None
    if len(targets[0]) > 1:
        return "argmax"
    values = {row[0] for row in targets}
    if loss == "hinge" or (values <= {-1.0, 1.0} and -1.0 in values):
        return "sign"
    if values <= {0.0, 1.0}:
        return "half"
    return None


def _correct(output: Sequence[float], target: Sequence[float], rule: str) -> bool:
    """Whether one prediction is right under `rule` (see `_rule`); a NaN output never is."""
    if any(o != o for o in output):
        return False
    if rule == "argmax":
        return max(range(len(output)), key=output.__getitem__) == max(range(len(target)), key=target.__getitem__)
    if rule == "sign":
        return (output[0] > 0.0) == (target[0] > 0.0)
    return (output[0] >= 0.5) == (target[0] == 1.0)


def _sample(x: Sequence, i: int, n: int) -> list[Value | float]:
    """Sample i as a list of n finite Python floats (or Values), converted once rather than every epoch."""
    if isinstance(x, _NOT_SAMPLES) or not hasattr(x, "__len__"):
        raise TypeError(f"fit: X[{i}] (a sample) must be a sequence of numbers, got {type(x).__name__}")
    _width(x, i, n, "fit")
    row = []
    for j, v in enumerate(x):
        if isinstance(v, Value):
            row.append(v)
        else:  # np.float64 → float: the engine's fast path; NaN and ±inf refused, they would train on as NaN
            row.append(v if type(v) is float and v - v == 0.0 else real(v, "fit", f"X[{i}][{j}]"))
    return row


def _width(x: Sequence, i: int, n: int, where: str) -> Sequence:
    """Sample i of X, or a ValueError naming `where` when it does not hold the network's n inputs
    (anything without a length goes on to the network, whose TypeError says what it is)."""
    if hasattr(x, "__len__") and not isinstance(x, _NOT_SAMPLES) and len(x) != n:
        raise ValueError(
            f"{where}: X[{i}] has {counted(len(x), 'number')}, but the network takes {counted(n, 'input')} "
            f"(a sample has as many numbers as the first layer)"
        )
    return x


def _outputs(out: Value | list[Value]) -> list[float]:
    """A network's output for one sample as a list of floats (a one-output network returns the Value)."""
    return [out.data] if isinstance(out, Value) else [a.data for a in out]


def check_cost(J: Value, where: str, epoch: int, batch: int, batches: int, lr: float) -> None:
    """FloatingPointError when the cost J of a training batch is NaN or ±inf, naming the epoch and the batch:
    training stops there, the model at its last finite step, rather than reporting NaN losses."""
    cost = J.data
    if cost - cost == 0.0:
        return
    first = epoch == 1 and batch == 1
    advice = (
        "before any step: check the data and the initial weights"
        if first
        else f"the steps diverged: try a smaller learning rate than lr={lr:g}"
    )
    raise FloatingPointError(f"{where}: the cost is {cost!r} at epoch {epoch}, batch {batch} of {batches}; {advice}")


def _check_model(model: object, what: str) -> None:
    if not isinstance(model, MLP):
        raise TypeError(f"{what}: model must be an nn.MLP, got {type(model).__name__}")


def _check_samples(X: object, what: str) -> int:
    """len(X), or a TypeError when X is not a sequence of samples."""
    if isinstance(X, _NOT_SAMPLES) or not hasattr(X, "__len__") or not hasattr(X, "__iter__"):
        raise TypeError(
            f"{what}: X must be a sequence of samples (a list of lists, or a 2-D array), got {type(X).__name__}"
        )
    return len(X)


def predict(model: MLP, X: Sequence[Sequence[float]]) -> list[list[float]]:
    """The model's outputs as floats, one row of K per sample of X (m × K, also for K = 1)."""
    _check_model(model, "predict")
    _check_samples(X, "predict")
    return [_outputs(model(_width(x, i, model.nin, "predict"))) for i, x in enumerate(X)]


def accuracy(model: MLP, X: Sequence[Sequence[float]], y: Sequence, loss: str = "mse") -> float | None:
    """The fraction of samples classified right (see `fit` for the rule); None for regression."""
    _check_model(model, "accuracy")
    m = _check_samples(X, "accuracy")
    if not hasattr(y, "__len__") or len(y) != m:
        raise ValueError(
            f"accuracy: {m} samples in X but {len(y) if hasattr(y, '__len__') else 'no list of'} labels in y"
        )
    if m == 0:
        raise ValueError("accuracy: no samples in X")
    targets = targets_for(y, model.sizes[-1], loss, "accuracy")
    rule = _rule(targets, loss)
    if rule is None:
        return None
    outputs = [_outputs(model(_width(x, i, model.nin, "accuracy"))) for i, x in enumerate(X)]
    return sum(_correct(o, t, rule) for o, t in zip(outputs, targets)) / len(targets)


def fit(
    model: MLP,
    X: Sequence[Sequence[float]],
    y: Sequence,
    *,
    loss: str | Callable[..., Value] = "mse",
    optimizer: Optimizer | None = None,
    epochs: int = 100,
    batch_size: int | None = None,
    lam: float = 0.0,
    seed: int = 0,
    progress: bool | None = None,
    verbose: bool = False,
    log: Callable[[str], None] | None = None,
) -> History:
    """Train `model` on samples X with labels or targets y; return the `History` of epochs.

    Each batch of B samples: outputs = model(x) for x in the batch, J = loss(outputs, targets)
    (an average over the batch) + λ/(2M) Σw² with `lam` (`nn.l2`; biases excluded), zero the
    grads, `J.backward()`, `optimizer.step()` (default: SGD, lr 0.1). `batch_size=None` is
    full-batch gradient descent; otherwise the samples are shuffled each epoch with
    `random.Random(seed)`.

    One λ means one J, whatever the batch size: the penalty's M is the training set's size
    (len(X)), not the batch's, so each batch's cost estimates the course's J(Θ) = 1/M Σ loss +
    λ/(2M) Σ Θ²: each step's penalty gradient is λw/M, with any B. (With λ/(2B), batches of one
    sample regularized M times harder than full batch.)

    X: m samples of `model.nin` finite numbers (lists or a 2-D array); y: m labels or target rows
    (see `targets_for`). Errors: TypeError/ValueError naming the argument for bad input (NaN or
    ±inf in X or y included); FloatingPointError when a batch's cost is NaN or ±inf, naming the
    epoch and the batch — training stops there (with a learning rate too large the steps
    diverge: try a smaller one).

    After each epoch the record holds the mean loss of its batches and the accuracy of its
    forward passes (the weights before each step, so no extra pass is needed): argmax for
    several outputs; for one output, the sign (a > 0 means +1) with the hinge loss or ±1
    labels, a ≥ ½ against 0/1 labels; None for other targets (regression). `progress` shows a
    tqdm bar (None: only when epochs × batches ≥ 50 and stderr is a terminal); `verbose`
    prints one line saying what the numbers measure, then one line per epoch (through `log` if
    given). The model after the last step is a little better than the last epoch's line says:
    `accuracy(model, X, y)` measures it.

    The loop runs inside `autograd.collector.loop()`: Python's cyclic collector pauses while it trains
    (its graphs hold no cycles: reference counting frees each batch's) and collects once when it ends.
    """
    _check_model(model, "fit")
    epochs = integer(epochs, "fit", "epochs")
    m = _check_samples(X, "fit")
    if m == 0:
        raise ValueError("fit: no samples in X")
    if not hasattr(y, "__len__") or isinstance(y, (str, bytes)):
        raise TypeError(f"fit: y must be a sequence of labels or target rows, got {type(y).__name__}")
    if len(y) != m:
        raise ValueError(f"fit: {m} samples in X but {len(y)} labels in y")
    batch_size = None if batch_size is None else integer(batch_size, "fit", "batch_size (or None)")
    if optimizer is not None and not isinstance(optimizer, Optimizer):
        raise TypeError(
            f"fit: optimizer must be an nn.Optimizer, e.g. nn.Adam(model.parameters(), lr=0.01), "
            f"got {type(optimizer).__name__}: {optimizer!r:.60}"
        )
    if optimizer is not None and not any(p in set(model.parameters()) for p in optimizer.params[:1]):
        raise ValueError("fit: the optimizer holds none of the model's parameters (made for another model?)")
    lam = real(lam, "fit", "lam", low=0.0)
    seed = integer(seed, "fit", "seed", low=0)
    progress = None if progress is None else flag(progress, "fit", "progress")
    verbose = flag(verbose, "fit", "verbose")
    if log is not None and not callable(log):
        raise TypeError(f"fit: log must be a function of one string (e.g. print), got {type(log).__name__}")
    if not callable(loss):
        choice(loss, "fit", "loss", LOSSES)
    loss_name = loss if isinstance(loss, str) else getattr(loss, "__name__", "loss")
    loss_fn = get_loss(loss)
    samples = [_sample(x, i, model.nin) for i, x in enumerate(X)]
    targets = targets_for(y, model.sizes[-1], loss_name, "fit")
    rule = _rule(targets, loss_name)
    optimizer = optimizer or SGD(model.parameters(), lr=0.1)
    rng = random.Random(seed)
    order = list(range(m))
    size = batch_size or m
    batches = -(-m // size)  # per epoch

    bar = None
    if progress or (progress is None and epochs * batches >= 50 and sys.stderr.isatty()):
        from tqdm.auto import tqdm

        bar = tqdm(total=epochs, desc="training", unit="epoch", leave=False)
    say = log or (bar.write if bar is not None else print)

    history = History()
    if verbose:
        steps = "its step" if batches == 1 else "each of its steps"
        say(f"(each epoch's loss and accuracy are measured on its own forward passes, before {steps})")
    # the cyclic collector pauses while training and collects once at the end; the bar closes even on an error
    with collector.loop(), bar or contextlib.nullcontext():
        for epoch in range(1, epochs + 1):
            if batch_size is not None:
                rng.shuffle(order)
            total_loss, right = 0.0, 0
            for number, start in enumerate(range(0, m, size), start=1):
                batch = order[start : start + size]
                outputs = [model(samples[i]) for i in batch]
                J = loss_fn(outputs, [targets[i] for i in batch])
                if not isinstance(J, Value):
                    raise TypeError(f"fit: the loss function returned {type(J).__name__}, not a Value")
                if lam:
                    J = J + l2(model, lam, m)  # λ/(2M) with the training set's M: one λ, one J, whatever the batch
                check_cost(J, "fit", epoch, number, batches, optimizer.lr)
                optimizer.zero_grad()
                J.backward()
                optimizer.step()
                total_loss += J.data * len(batch)
                if rule is not None:
                    right += sum(_correct(_outputs(o), targets[i], rule) for o, i in zip(outputs, batch))
            acc = None if rule is None else right / m
            record = Epoch(epoch, total_loss / m, acc)
            history.append(record)
            if bar is not None:
                bar.update(1)
                bar.set_postfix(loss=f"{record.loss:.4f}", acc="-" if acc is None else f"{acc:.1%}")
            if verbose:
                say(str(record))
    return history
