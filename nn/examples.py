"""The example networks of Jordan's post: the 1-1-1 and 2-2-2 networks, built by `nn`.

What it is: `example("2-2-2")` is the network Jordan's post "Neural networks: training with
backpropagation" derives by hand — sigmoid neurons, no biases — with the course's deterministic
"debug" weights (sin(1), sin(2), … / 10), so every run shows the same numbers; `EXAMPLE_DATA`
holds a sample and target for each (the 2-2-2 one is the one the demo and the notebooks use).

What it is not: data to learn from; these networks exist to be drawn and differentiated by hand.
"""

from __future__ import annotations

from .module import MLP

__all__ = ["EXAMPLES", "EXAMPLE_DATA", "example"]

EXAMPLES = {"1-1-1": [1, 1, 1], "2-2-2": [2, 2, 2]}
"""Layer sizes of each example network."""

EXAMPLE_DATA = {"1-1-1": ([0.35], [0.5]), "2-2-2": ([0.35, 0.9], [0.5, 0.1])}
"""(sample, target) for each example network: the 2-2-2 one is the one the demo uses."""


def example(name: str, fused: bool = True, activation: str = "sigmoid", bias: bool = False) -> MLP:
    """Jordan's 1-1-1 or 2-2-2 network: sigmoid, no biases, the course's sin ("debug") weights."""
    if name not in EXAMPLES:
        raise ValueError(f"unknown example {name!r}; valid names: {', '.join(EXAMPLES)}")
    sizes = EXAMPLES[name]
    return MLP(sizes[0], sizes[1:], activation=activation, bias=bias, fused=fused, init="debug")
