"""Optimizers: how a gradient becomes a step.

What it is: plain gradient descent θ := θ − η ∂J/∂θ (Jordan's post), with optional momentum, and
Adam. Each optimizer holds the parameters it updates; `step()` reads their `.grad`, and
`zero_grad()` clears them before the next `backward()` (leaves accumulate).

`step()` reports its parameters to `autograd.mark_changed`, so that `backward()` on a graph built
before the step raises `autograd.StaleGraphError` instead of silently giving the gradients of the
old weights.

What it is not: a scheduler or a clipper; change `lr` between steps if you need to.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from numbers import Real

from autograd import ChangeReport, Value, mark_changed

__all__ = ["Optimizer", "SGD", "Adam"]


def _count(params: list[Value]) -> str:
    return f"{len(params)} parameter{'' if len(params) == 1 else 's'}"


def _real(x: object, what: str) -> float:
    """`x` as a float, or a TypeError naming `what` (bool and strings are refused)."""
    if isinstance(x, bool) or not isinstance(x, Real):
        raise TypeError(f"{what} must be a number, got {type(x).__name__}: {x!r}")
    return float(x)


class Optimizer:
    """Holds `params` (a list of Values) and the learning rate `lr`."""

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        name = type(self).__name__
        if hasattr(params, "parameters") and callable(params.parameters):
            raise TypeError(f"{name}: params must be a list of Values; for a model pass model.parameters()")
        if isinstance(params, (Value, str, bytes)) or not isinstance(params, Iterable):
            raise TypeError(f"{name}: params must be a list of Values, got {type(params).__name__}")
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{name}: no parameters to optimize (params is empty)")
        for i, p in enumerate(self.params):
            if not isinstance(p, Value):
                raise TypeError(f"{name}: params[{i}] must be a Value, got {type(p).__name__}: {p!r}")
        if len({id(p) for p in self.params}) != len(self.params):
            raise ValueError(f"{name}: a parameter is listed twice in params (it would be stepped twice)")
        lr = _real(lr, f"{name}: lr")
        if not lr > 0.0 or not math.isfinite(lr):
            raise ValueError(f"{name}: lr must be a finite number > 0, got {lr!r}")
        self.lr = lr
        # What step() reports to autograd.mark_changed: built once, so a step adds one dict assignment.
        self._report = ChangeReport.of(self.params, f"{name}.step()")

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    """θ := θ − η·v, v := μ·v + ∂J/∂θ (with momentum μ = 0: θ := θ − η ∂J/∂θ)."""

    def __init__(self, params: Iterable[Value], lr: float = 0.1, momentum: float = 0.0) -> None:
        super().__init__(params, lr)
        momentum = _real(momentum, "SGD: momentum")
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"SGD: momentum must be in [0, 1), got {momentum!r}")
        self.momentum = momentum
        self._velocity = [0.0] * len(self.params)

    def step(self) -> None:
        lr, mu = self.lr, self.momentum
        if mu == 0.0:
            for p in self.params:
                p.data -= lr * p.grad
        else:
            v = self._velocity
            for i, p in enumerate(self.params):
                v[i] = mu * v[i] + p.grad
                p.data -= lr * v[i]
        mark_changed(self._report, key=self)  # one dict assignment: the report was built once

    def __repr__(self) -> str:
        mom = f", momentum={self.momentum}" if self.momentum else ""
        return f"SGD({_count(self.params)}, lr={self.lr}{mom})"


class Adam(Optimizer):
    """Adam (Kingma & Ba): m := β₁m + (1−β₁)g, v := β₂v + (1−β₂)g²,
    θ := θ − η m̂ / (√v̂ + ε) with m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ)."""

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        super().__init__(params, lr)
        if isinstance(betas, (str, bytes)) or not hasattr(betas, "__len__") or len(betas) != 2:
            raise TypeError(f"Adam: betas must be a pair of numbers (β₁, β₂), got {betas!r}")
        b1, b2 = _real(betas[0], "Adam: betas[0]"), _real(betas[1], "Adam: betas[1]")
        if not (0.0 <= b1 < 1.0 and 0.0 <= b2 < 1.0):
            raise ValueError(f"Adam: betas must be in [0, 1), got {betas!r}")
        eps = _real(eps, "Adam: eps")
        if not (eps > 0.0 and math.isfinite(eps)):
            raise ValueError(f"Adam: eps must be a finite number > 0, got {eps!r}")
        self.betas, self.eps = (b1, b2), eps
        self.t = 0
        self._m = [0.0] * len(self.params)
        self._v = [0.0] * len(self.params)

    def step(self) -> None:
        self.t += 1
        b1, b2 = self.betas
        c1, c2 = 1.0 - b1**self.t, 1.0 - b2**self.t  # bias corrections
        m, v, lr, eps = self._m, self._v, self.lr, self.eps
        for i, p in enumerate(self.params):
            g = p.grad
            m[i] = b1 * m[i] + (1.0 - b1) * g
            v[i] = b2 * v[i] + (1.0 - b2) * g * g
            p.data -= lr * (m[i] / c1) / (math.sqrt(v[i] / c2) + eps)
        mark_changed(self._report, key=self)  # one dict assignment: the report was built once

    def __repr__(self) -> str:
        return f"Adam({_count(self.params)}, lr={self.lr}, betas={self.betas}, step {self.t})"
