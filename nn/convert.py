"""Between the two implementations: an MLP's weights as Θ matrices, and back.

What it is: `thetas_from_mlp(mlp)` gives Θ^(l) = rows [b_j, w_j1, …, w_jn] per neuron j (the
course's layout, column 0 the bias; zeros there for a network without biases), and
`mlp_from_thetas(thetas, ...)` builds the network those matrices describe. Floats are copied,
never recomputed, so the round trip is exact.

What it is not: part of either implementation; it is the one place (with `nn.crosscheck`) that
sees both the engine's networks and NumPy's matrices.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .matrix import _check_thetas
from .module import MLP

__all__ = ["thetas_from_mlp", "grads_from_mlp", "mlp_from_thetas"]


def thetas_from_mlp(mlp: MLP) -> list[np.ndarray]:
    """Θ^(1), …, Θ^(L−1) of `mlp`, each s_{l+1} × (s_l + 1)."""
    return _in_theta_layout(mlp, "data")


def grads_from_mlp(mlp: MLP) -> list[np.ndarray]:
    """The parameters' grads (after `backward()`) laid out as the Θ's: ∂J/∂Θ^(l), column 0 the bias."""
    return _in_theta_layout(mlp, "grad")


def _in_theta_layout(mlp: MLP, field: str) -> list[np.ndarray]:
    """Each layer's parameters' `field` as rows [b, w₁, …] (0 for a network without biases)."""
    return [
        np.array(
            [
                [getattr(n.b, field) if n.b is not None else 0.0] + [getattr(w, field) for w in n.w]
                for n in layer.neurons
            ]
        )
        for layer in mlp.layers
    ]


def mlp_from_thetas(
    thetas: Sequence[np.ndarray],
    activation: str = "sigmoid",
    output_activation: str | None = None,
    bias: bool = True,
    fused: bool = True,
) -> MLP:
    """The MLP whose weights are the Θ's. With `bias=False` the bias columns must be zero."""
    thetas = _check_thetas(thetas)
    if not bias and any(np.any(T[:, 0] != 0.0) for T in thetas):
        raise ValueError("bias=False but a Θ has a non-zero bias column (column 0)")
    sizes = [thetas[0].shape[1] - 1] + [T.shape[0] for T in thetas]
    mlp = MLP(sizes[0], sizes[1:], activation, output_activation, bias=bias, fused=fused, init="debug")
    for T, layer in zip(thetas, mlp.layers):
        for row, n in zip(T.tolist(), layer.neurons):
            if n.b is not None:
                n.b.data = row[0]
            for w, v in zip(n.w, row[1:]):
                w.data = v
    return mlp
