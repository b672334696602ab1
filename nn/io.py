"""Saving and loading a network's weights as JSON.

What it is: `save(model, path)` writes the architecture (sizes, activations, bias, fused) and
every layer's Θ — rows [b, w₁, …] per neuron, the course's layout — to a JSON file, atomically
(a temporary file in the same folder, then a rename, so a crash never leaves half a file where
your weights were). `load(path)` builds the network back; `load_weights(model, path)` fills an
existing one and checks every shape first.

What it is not: pickle. Nothing in the file is executed; floats round-trip exactly (JSON keeps
17 significant digits).
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

from autograd.files import write_atomically

from .module import MLP

__all__ = ["save", "load", "load_weights", "FORMAT"]

FORMAT = "chainrule-mlp"


def _thetas(model: MLP) -> list[list[list[float]]]:
    return [
        [[n.b.data if n.b is not None else 0.0] + [w.data for w in n.w] for n in layer.neurons]
        for layer in model.layers
    ]


def save(model: MLP, path: str | os.PathLike) -> Path:
    """Write `model` to `path` as JSON, atomically; returns the path."""
    if not isinstance(model, MLP):
        raise TypeError(f"save: expected an nn.MLP, got {type(model).__name__}")
    doc = {
        "format": FORMAT,
        "version": 1,
        "sizes": model.sizes,
        "activation": model.activation,
        "output_activation": model.output_activation,
        "bias": model.bias,
        "fused": model.fused,
        "thetas": _thetas(model),
    }
    return write_atomically(path, json.dumps(doc, indent=1) + "\n")


def _read(path: str | os.PathLike) -> dict:
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not a chainrule weights file (invalid JSON: {exc})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ValueError(f'{path}: not a chainrule weights file (no "format": "{FORMAT}")')
    return doc


def load(path: str | os.PathLike) -> MLP:
    """The network saved at `path`, with its architecture and weights."""
    doc = _read(path)
    try:
        sizes = doc["sizes"]
        model = MLP(
            sizes[0],
            sizes[1:],
            activation=doc["activation"],
            output_activation=doc["output_activation"],
            bias=doc["bias"],
            fused=doc.get("fused", True),
        )
    except (KeyError, TypeError, IndexError) as exc:
        raise ValueError(f"{path}: the architecture is incomplete or malformed ({exc!r})") from None
    _fill(model, doc, path)
    return model


def load_weights(model: MLP, path: str | os.PathLike) -> MLP:
    """Fill `model`'s weights from `path`; a different architecture is a ValueError naming the layer."""
    doc = _read(path)
    sizes = doc.get("sizes")
    if sizes != model.sizes:
        raise ValueError(f"{path}: {_shape_mismatch(sizes, model.sizes)}")
    _fill(model, doc, path)
    return model


def _shape_mismatch(file_sizes: object, model_sizes: list[int]) -> str:
    """Say how the file's network differs from the model's, naming the first Θ^(l) that does."""
    msg = f"the file holds a network of sizes {file_sizes}, the model has {model_sizes}"
    if not (isinstance(file_sizes, list) and all(isinstance(s, int) for s in file_sizes)):
        return msg
    if len(file_sizes) != len(model_sizes):
        return f"{msg} ({len(file_sizes) - 1} weight matrices in the file, {len(model_sizes) - 1} in the model)"
    # Θ^(l) is s_{l+1} × (s_l + 1): the first l where the two differ.
    for l in range(1, len(model_sizes)):
        got = (file_sizes[l], file_sizes[l - 1] + 1)
        want = (model_sizes[l], model_sizes[l - 1] + 1)
        if got != want:
            return f"{msg}: Θ^({l}) is {got[0]} × {got[1]} in the file, {want[0]} × {want[1]} in the model"
    return msg


def _fill(model: MLP, doc: dict, path) -> None:
    thetas = doc.get("thetas")
    if not isinstance(thetas, list) or len(thetas) != len(model.layers):
        raise ValueError(f"{path}: expected {len(model.layers)} weight matrices, found {len(thetas or [])}")
    # Check every shape and number before changing a single weight.
    for l, (theta, layer) in enumerate(zip(thetas, model.layers), start=1):
        want = (layer.nout, layer.nin + 1)
        if not isinstance(theta, list):
            raise ValueError(f"{path}: Θ^({l}) should be a {want[0]} × {want[1]} list of rows, the file has {theta!r}")
        got = (len(theta), len(theta[0]) if theta and isinstance(theta[0], list) else 0)
        if got != want or any(not isinstance(row, list) or len(row) != want[1] for row in theta):
            raise ValueError(f"{path}: Θ^({l}) should be {want[0]} × {want[1]}, the file has {got[0]} × {got[1]}")
        for row in theta:
            for v in row:
                if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                    raise ValueError(f"{path}: Θ^({l}) holds {v!r}, not a finite number")
        # A model without biases has nowhere to put them: refuse rather than drop them silently.
        if not model.bias and any(row[0] != 0 for row in theta):
            raise ValueError(f"{path}: Θ^({l}) has non-zero biases (column 0) but the model has bias=False")
    for theta, layer in zip(thetas, model.layers):
        for row, n in zip(theta, layer.neurons):
            if n.b is not None:
                n.b.data = float(row[0])
            for w, v in zip(n.w, row[1:]):
                w.data = float(v)
