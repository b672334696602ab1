"""Neural networks on the chainrule engine, in the terms of the course and Jordan's post.

`MLP`, `Layer` and `Neuron` build the graph of a network one z and one a node per neuron, with
the course's labels; losses are one node each; `SGD` and `Adam` step; `fit` trains by epochs.
`nn.matrix` is the same network as NumPy matrices (Θ, δ), independent of the engine, and
`nn.crosscheck` compares the two with numerical gradients; `nn.grader` (old name `nn.gradcheck`)
checks a learner's own backprop against them and diagnoses its mistake. `GPT` is microgpt's
transformer on the engine (`nn.gpt`), with its matrix twin `nn.gpt_matrix`, its three-way check
`nn.grader.gpt` and real first names to train on (`nn.names`).

`import nn` stays light: the parts that need NumPy (`data`, `matrix`, `crosscheck`, `digits`, and the
`thetas_from_mlp` / `mlp_from_thetas` conversions) are imported the first time they are used,
so a script that only builds and trains networks never pays NumPy's import time.
"""

from __future__ import annotations

import importlib

from . import init
from .examples import EXAMPLE_DATA, EXAMPLES, example
from .gpt import GPT
from .io import load, load_weights, save
from .layout import layout
from .losses import LOSSES, cross_entropy, get_loss, hinge, l2, mse, softmax_cross_entropy
from .module import ACTIVATIONS, MLP, Layer, Module, Neuron, Trace
from .optim import SGD, Adam, Optimizer
from .train import Epoch, History, accuracy, fit, predict

__all__ = [
    "Module",
    "Neuron",
    "Layer",
    "MLP",
    "Trace",
    "GPT",
    "ACTIVATIONS",
    "mse",
    "cross_entropy",
    "hinge",
    "softmax_cross_entropy",
    "l2",
    "get_loss",
    "LOSSES",
    "Optimizer",
    "SGD",
    "Adam",
    "fit",
    "accuracy",
    "predict",
    "Epoch",
    "History",
    "save",
    "load",
    "load_weights",
    "example",
    "layout",
    "EXAMPLES",
    "EXAMPLE_DATA",
    "thetas_from_mlp",
    "mlp_from_thetas",
    "data",
    "init",
    "matrix",
    "crosscheck",
    "grader",
    "gradcheck",
    "digits",
    "gpt",
    "gpt_matrix",
    "names",
]

# Imported on first use (PEP 562): name → the submodule that provides it (itself, for a submodule).
_LAZY = {
    "data": "data",
    "matrix": "matrix",
    "crosscheck": "crosscheck",
    "grader": "grader",
    "gradcheck": "gradcheck",
    "digits": "digits",
    "gpt_matrix": "gpt_matrix",
    "names": "names",
    "thetas_from_mlp": "convert",
    "mlp_from_thetas": "convert",
}


def __getattr__(name: str) -> object:
    if name not in _LAZY:
        raise AttributeError(f"module 'nn' has no attribute {name!r}")
    module = importlib.import_module(f".{_LAZY[name]}", __name__)
    value = module if _LAZY[name] == name else getattr(module, name)
    globals()[name] = value  # later lookups are ordinary attribute reads
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
