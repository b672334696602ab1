"""Training by epochs: forward, loss, backward, step — and a report after each epoch.

What it is: `fit()`, the loop seed 001 describes ("during each iteration we perform forward
propagation to compute the outputs and backward propagation to compute the errors; one complete
iteration is known as an epoch. It is common to report evaluation metrics after each epoch"),
full batch or in shuffled mini-batches, with an optional progress bar; and `accuracy()`.

What it is not: a framework. No callbacks, no early stopping: read the returned history.
"""

from __future__ import annotations

import gc
import random
import sys
from collections.abc import Callable, Sequence
from typing import NamedTuple

from autograd import Value

from .losses import get_loss, l2
from .module import MLP
from .optim import SGD, Optimizer

__all__ = ["fit", "accuracy", "predict", "targets_for", "Epoch", "History"]


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


def targets_for(y: Sequence, k: int, loss: str | Callable) -> list[list[float]]:
    """Per-sample target rows of length k from labels.

    Rows already of length k pass through. With k = 1 a label is its own target. With k > 1 an
    integer class label c becomes a one-hot row (−1/+1 instead of 0/1 for the hinge loss).
    """
    rows = []
    for i, t in enumerate(y):
        if hasattr(t, "__len__"):
            if len(t) != k:
                raise ValueError(f"target {i} has {len(t)} entries, the network has {k} outputs")
            rows.append([float(v) for v in t])
        elif k == 1:
            rows.append([float(t)])
        else:
            c = int(t)
            if c != t or not 0 <= c < k:
                raise ValueError(f"label {i} is {t!r}: with {k} outputs, labels are classes 0..{k - 1}")
            off = -1.0 if loss == "hinge" else 0.0
            rows.append([1.0 if j == c else off for j in range(k)])
    return rows


def _correct(output: Sequence[float], target: Sequence[float], loss: str | Callable) -> bool | None:
    """Whether one prediction is right: argmax for k > 1; for k = 1 the sign (hinge) or a ≥ ½."""
    if len(output) > 1:
        return max(range(len(output)), key=output.__getitem__) == max(range(len(target)), key=target.__getitem__)
    a, t = output[0], target[0]
    if loss == "hinge":
        return (a > 0.0) == (t > 0.0)
    if t in (0.0, 1.0):
        return (a >= 0.5) == (t == 1.0)
    return None  # a regression target: accuracy does not apply


def predict(model: MLP, X: Sequence[Sequence[float]]) -> list[list[float]]:
    """The model's outputs (as floats) for each sample of X."""
    return [[a.data for a in model(x)] for x in X]


def accuracy(model: MLP, X: Sequence[Sequence[float]], y: Sequence, loss: str = "mse") -> float | None:
    """The fraction of samples classified right (see `fit` for the rule); None for regression."""
    k = model.sizes[-1]
    verdicts = [_correct(o, t, loss) for o, t in zip(predict(model, X), targets_for(y, k, loss))]
    if not verdicts or any(v is None for v in verdicts):
        return None
    return sum(verdicts) / len(verdicts)


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
    pause_gc: bool = True,
) -> History:
    """Train `model` on samples X with labels or targets y; return the `History` of epochs.

    Each batch: outputs = model(x) for x in the batch, J = loss(outputs, targets) (+ `nn.l2`
    with `lam`), zero the grads, `J.backward()`, `optimizer.step()` (default: SGD, lr 0.1).
    `batch_size=None` is full-batch gradient descent; otherwise the samples are shuffled each
    epoch with `random.Random(seed)`.

    After each epoch the record holds the mean loss of its batches and the accuracy of its
    forward passes (the weights before each step, so no extra pass is needed): argmax for
    several outputs; for one output, a ≥ ½ against 0/1 labels, or the sign against ±1 labels
    with the hinge loss; None for other targets. `progress` shows a tqdm bar (None: only for
    runs of 50 epochs or more when stderr is a terminal); `verbose` prints one line per epoch
    (through `log` if given).

    `pause_gc`: the engine's graphs hold no reference cycles (local derivatives are numbers, not
    closures), so reference counting frees every epoch's graph and Python's cyclic garbage
    collector only costs time — about a fifth of an epoch here. It is paused while training and
    restored afterwards, even on an error.
    """
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be an integer ≥ 1, got {epochs!r}")
    m = len(X)
    if m == 0:
        raise ValueError("fit: no samples in X")
    if len(y) != m:
        raise ValueError(f"fit: {m} samples in X but {len(y)} labels in y")
    if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1):
        raise ValueError(f"batch_size must be an integer ≥ 1 or None, got {batch_size!r}")
    loss_name = loss if isinstance(loss, str) else getattr(loss, "__name__", "loss")
    loss_fn = get_loss(loss)
    samples = [list(x) for x in X]
    targets = targets_for(y, model.sizes[-1], loss_name)
    optimizer = optimizer or SGD(model.parameters(), lr=0.1)
    rng = random.Random(seed)
    order = list(range(m))
    size = batch_size or m

    bar = None
    if progress or (progress is None and epochs >= 50 and sys.stderr.isatty()):
        from tqdm.auto import tqdm

        bar = tqdm(total=epochs, desc="training", unit="epoch", leave=False)
    say = log or (bar.write if bar is not None else print)

    history = History()
    paused = pause_gc and gc.isenabled()
    if paused:
        gc.disable()
    try:
        for epoch in range(1, epochs + 1):
            if batch_size is not None:
                rng.shuffle(order)
            total_loss, verdicts = 0.0, []
            for start in range(0, m, size):
                batch = order[start : start + size]
                outputs = [model(samples[i]) for i in batch]
                J = loss_fn(outputs, [targets[i] for i in batch])
                if lam:
                    J = J + l2(model, lam, len(batch))
                optimizer.zero_grad()
                J.backward()
                optimizer.step()
                total_loss += J.data * len(batch)
                verdicts.extend(_correct([a.data for a in o], targets[i], loss_name) for o, i in zip(outputs, batch))
            acc = None if any(v is None for v in verdicts) else sum(verdicts) / m
            record = Epoch(epoch, total_loss / m, acc)
            history.append(record)
            if bar is not None:
                bar.update(1)
                bar.set_postfix(loss=f"{record.loss:.4f}", acc="-" if acc is None else f"{acc:.1%}")
            if verbose:
                say(str(record))
    finally:
        if paused:
            gc.enable()
        if bar is not None:
            bar.close()
    return history
