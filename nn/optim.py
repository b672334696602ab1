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

from collections.abc import Iterable
from numbers import Real

from autograd import ChangeReport, Value, mark_changed
from autograd.args import describe, real

__all__ = ["Optimizer", "SGD", "Adam"]


def _floats(values: list, name: str):
    """`values` (each parameter's grad or data) as a float64 vector, an int or a bool as float() turns it;
    TypeError naming the first that is not a real number (None, a str: NumPy would take those)."""
    import numpy as np

    a = np.array(values)
    if a.dtype.kind not in "biuf":  # None, a str, a Decimal, an int beyond 64 bits: looked at one by one
        for i, x in enumerate(values):
            if not isinstance(x, Real):  # (a bool is one, as in the loop's arithmetic)
                raise TypeError(f"Adam.step: params[{i}].{name} must be a real number, got {describe(x)}")
        a = np.array([float(x) for x in values])  # (OverflowError for an int too large for a float)
    return a.astype(float, copy=False)


def _count(params: list[Value]) -> str:
    return f"{len(params)} parameter{'' if len(params) == 1 else 's'}"


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
        self.lr = real(lr, name, "lr", low=0.0, low_open=True)
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
        self.momentum = real(momentum, "SGD", "momentum", low=0.0, high=1.0, high_open=True)
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
    θ := θ − η m̂ / (√v̂ + ε) with m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ).

    Written on vectors, as the paper writes it (NumPy float64: each operation rounds as the same
    operation on Python floats, so θ is the float a loop over the parameters would give).
    """

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
        b1, b2 = (real(b, "Adam", f"betas[{i}]", low=0.0, high=1.0, high_open=True) for i, b in enumerate(betas))
        self.betas, self.eps = (b1, b2), real(eps, "Adam", "eps", low=0.0, low_open=True)
        import numpy as np  # here, not at the top: `import nn` stays light (numpy loads on first use)

        self.t = 0
        self._m = np.zeros(len(self.params))  # the moments, one entry per parameter
        self._v = np.zeros(len(self.params))

    def step(self) -> None:
        import numpy as np

        params, m, v = self.params, self._m, self._v
        if len(params) != len(m):
            raise ValueError(f"Adam.step: params holds {len(params)} Values, but this Adam was made for {len(m)} "
                             f"(make a new optimizer for a new list of parameters)")  # fmt: skip
        g = _floats([p.grad for p in params], "grad")  # (checked before anything changes)
        theta = _floats([p.data for p in params], "data")
        self.t += 1
        b1, b2 = self.betas
        c1, c2 = 1.0 - b1**self.t, 1.0 - b2**self.t  # bias corrections
        with np.errstate(all="ignore"):  # an inf or NaN grad gives inf or NaN, silently, as on Python floats
            m *= b1  # m := β₁m + (1−β₁)g, in place
            m += (1.0 - b1) * g
            v *= b2  # v := β₂v + (1−β₂)g²
            v += (1.0 - b2) * g * g
            theta -= self.lr * (m / c1) / (np.sqrt(v / c2) + self.eps)
        for p, new in zip(params, theta.tolist()):
            p.data = new
        mark_changed(self._report, key=self)  # one dict assignment: the report was built once

    def __repr__(self) -> str:
        return f"Adam({_count(self.params)}, lr={self.lr}, betas={self.betas}, step {self.t})"
