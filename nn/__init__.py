"""Neural networks on the chainrule engine, in the seeds' terms.

`MLP`, `Layer` and `Neuron` build the graph of a network one z and one a node per neuron, with
the seeds' labels; losses are one node each; `SGD` and `Adam` step; `fit` trains by epochs.
`nn.matrix` is the same network as NumPy matrices (Θ, δ), independent of the engine, and
`nn.crosscheck` compares the two with numerical gradients.
"""

from . import crosscheck, data, init, matrix
from .convert import mlp_from_thetas, thetas_from_mlp
from .io import load, load_weights, save
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
    "thetas_from_mlp",
    "mlp_from_thetas",
    "data",
    "init",
    "matrix",
    "crosscheck",
]
