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

from autograd import mark_changed
from autograd.files import write_atomically

from .module import ACTIVATIONS, MLP

__all__ = ["save", "load", "load_weights", "FORMAT", "VERSION"]

FORMAT = "chainrule-mlp"
VERSION = 1


def _thetas(model: MLP) -> list[list[list[float]]]:
    return [
        [[n.b.data if n.b is not None else 0.0] + [w.data for w in n.w] for n in layer.neurons]
        for layer in model.layers
    ]


def _check_path(path: object, what: str) -> None:
    if isinstance(path, MLP):
        raise TypeError(f"{what}: got a model where the path goes; the call is {what}(model, path)")
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{what}: path must be a str or os.PathLike, got {type(path).__name__}: {path!r}")


def save(model: MLP, path: str | os.PathLike) -> Path:
    """Write `model` to `path` as JSON, atomically; returns the path.

    A weight that is NaN or ±inf is refused (naming it): JSON holds finite numbers, and `load`
    would refuse the file.
    """
    if isinstance(model, (str, os.PathLike)) and isinstance(path, MLP):
        raise TypeError("save: the arguments are swapped: the call is nn.save(model, path)")
    if not isinstance(model, MLP):
        raise TypeError(f"save: expected an nn.MLP to save, got {type(model).__name__}")
    _check_path(path, "save")
    for name, p in model.named_parameters():
        if not math.isfinite(p.data):
            raise ValueError(
                f"save: parameter {p.label} ({name}) is {p.data!r}; only finite weights can be saved "
                f"(a NaN or inf weight usually means training diverged: try a smaller learning rate)"
            )
    doc = {
        "format": FORMAT,
        "version": VERSION,
        "sizes": model.sizes,
        "activation": model.activation,
        "output_activation": model.output_activation,
        "bias": model.bias,
        "fused": model.fused,
        "thetas": _thetas(model),
    }
    return write_atomically(path, json.dumps(doc, indent=1, allow_nan=False) + "\n")


def _read(path: str | os.PathLike, what: str) -> dict:
    """The file's JSON document, checked to be a chainrule weights file of a version this code reads."""
    _check_path(path, what)
    with open(path, "rb") as f:
        raw = f.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"{path}: not a chainrule weights file (not UTF-8 text: byte {raw[exc.start]:#04x} at offset {exc.start})"
        ) from None
    try:
        doc = json.loads(text)
    except RecursionError:
        raise ValueError(f"{path}: not a chainrule weights file (its JSON is nested too deeply)") from None
    except ValueError as exc:  # JSONDecodeError, or an integer of more than 4,300 digits
        raise ValueError(f"{path}: not a chainrule weights file (invalid JSON: {exc})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ValueError(f'{path}: not a chainrule weights file (no "format": "{FORMAT}")')
    version = doc.get("version")
    if version != VERSION or isinstance(version, bool):
        raise ValueError(
            f"{path}: version {version!r} of the weights format; this chainrule reads version {VERSION} "
            f"(a file from a newer chainrule? upgrade chainrule to read it)"
        )
    return doc


def _architecture(doc: dict, path) -> dict:
    """The MLP arguments the file names, each checked (nothing is built yet)."""
    arch = {}
    sizes = doc.get("sizes")
    if (
        not isinstance(sizes, list)
        or len(sizes) < 2
        or any(isinstance(n, bool) or not isinstance(n, int) or n < 1 for n in sizes)
    ):
        raise ValueError(f'{path}: "sizes" must be a list of at least two integers ≥ 1, the file has {sizes!r:.80}')
    arch["sizes"] = sizes
    for key in ("activation", "output_activation"):
        name = doc.get(key)
        if not isinstance(name, str) or name not in ACTIVATIONS:
            raise ValueError(f'{path}: "{key}" must be one of {", ".join(ACTIVATIONS)}, the file has {name!r:.80}')
        arch[key] = name
    for key, default in (("bias", None), ("fused", True)):
        flag = doc.get(key, default)
        if not isinstance(flag, bool):
            raise ValueError(f'{path}: "{key}" must be true or false, the file has {flag!r:.80}')
        arch[key] = flag
    return arch


def _checked_thetas(doc: dict, sizes: list[int], bias: bool, path) -> list[list[list[float]]]:
    """The file's Θ's as floats, every shape and number checked against `sizes` before anything changes.

    Θ^(l) is s_{l+1} × (s_l + 1). The lists are already in memory (they came from the file), so a
    file that claims sizes it does not hold is refused without allocating for the claim.
    """
    thetas = doc.get("thetas")
    if not isinstance(thetas, list) or len(thetas) != len(sizes) - 1:
        found = len(thetas) if isinstance(thetas, list) else "no list of"
        raise ValueError(f'{path}: expected {len(sizes) - 1} weight matrices in "thetas", found {found}')
    out = []
    for l, theta in enumerate(thetas, start=1):
        want = (sizes[l], sizes[l - 1] + 1)
        if not isinstance(theta, list) or not all(isinstance(row, list) for row in theta):
            raise ValueError(f"{path}: Θ^({l}) should be a {want[0]} × {want[1]} list of rows of numbers")
        bad_row = next((row for row in theta if len(row) != want[1]), None)
        if len(theta) != want[0] or bad_row is not None:
            cols = len(bad_row) if bad_row is not None else want[1]
            raise ValueError(f"{path}: Θ^({l}) should be {want[0]} × {want[1]}, the file has {len(theta)} × {cols}")
        matrix = []
        for j, row in enumerate(theta, start=1):
            floats = []
            for v in row:
                if isinstance(v, bool) or not isinstance(v, (int, float)):
                    raise ValueError(f"{path}: Θ^({l}) row {j} holds {v!r:.80}, not a number")
                try:
                    f = float(v)
                except OverflowError:
                    f = math.inf
                if not math.isfinite(f):
                    raise ValueError(f"{path}: Θ^({l}) row {j} holds {v!r:.40}, not a finite float")
                floats.append(f)
            matrix.append(floats)
        # A model without biases has nowhere to put them: refuse rather than drop them silently.
        if not bias and any(row[0] != 0.0 for row in matrix):
            raise ValueError(f"{path}: Θ^({l}) has non-zero biases (column 0) but the model has bias=False")
        out.append(matrix)
    return out


def load(path: str | os.PathLike) -> MLP:
    """The network saved at `path`, with its architecture and weights.

    The whole file is checked before anything is built: its format and version, the architecture,
    and every Θ against the sizes (so a small file claiming a huge network is refused at once).
    """
    doc = _read(path, "load")
    arch = _architecture(doc, path)
    if arch["bias"] is None:
        raise ValueError(f'{path}: "bias" must be true or false, the file has none')
    sizes = arch["sizes"]
    thetas = _checked_thetas(doc, sizes, arch["bias"], path)
    model = MLP(
        sizes[0],
        sizes[1:],
        activation=arch["activation"],
        output_activation=arch["output_activation"],
        bias=arch["bias"],
        fused=arch["fused"],
        init="debug",  # overwritten below: no random numbers drawn for nothing
        max_parameters=sum(len(row) for theta in thetas for row in theta),
    )
    _fill(model, thetas)
    return model


def load_weights(model: MLP, path: str | os.PathLike) -> MLP:
    """Fill `model`'s weights from `path`; a different architecture is a ValueError naming the layer.

    Nothing changes unless the whole file is right. A graph built from the model before is stale
    afterwards: `backward()` on it raises `autograd.StaleGraphError`.
    """
    if not isinstance(model, MLP):
        raise TypeError(f"load_weights: expected an nn.MLP to fill, got {type(model).__name__}")
    doc = _read(path, "load_weights")
    sizes = doc.get("sizes")
    if sizes != model.sizes:
        raise ValueError(f"{path}: {_shape_mismatch(sizes, model.sizes)}")
    thetas = _checked_thetas(doc, model.sizes, model.bias, path)
    _fill(model, thetas)
    mark_changed(model.parameters(), f"nn.load_weights({str(path)!r})")
    return model


def _shape_mismatch(file_sizes: object, model_sizes: list[int]) -> str:
    """Say how the file's network differs from the model's, naming the first Θ^(l) that does."""
    msg = f"the file holds a network of sizes {file_sizes!r:.80}, the model has {model_sizes}"
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


def _fill(model: MLP, thetas: list[list[list[float]]]) -> None:
    for theta, layer in zip(thetas, model.layers):
        for row, n in zip(theta, layer.neurons):
            if n.b is not None:
                n.b.data = row[0]
            for w, v in zip(n.w, row[1:]):
                w.data = v
