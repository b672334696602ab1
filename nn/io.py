"""Saving and loading a network's weights as JSON: an MLP or a GPT.

What it is: `save(model, path)` writes the model's type ("model": "mlp" or "gpt"), the format's
version (2) and then, for an MLP, the architecture (sizes, activations, bias, fused) and every
layer's Θ — rows [b, w₁, …] per neuron, the course's layout — and for a GPT its sizes, its characters
and its state_dict (microgpt's names and shapes), to a JSON file, atomically (a temporary file in
the same folder, then a rename, so a crash never leaves half a file where your weights were).
`load(path)` builds the model back; `load_weights(model, path)` fills an existing one and checks
every shape first. Files of version 1 (format "chainrule-mlp", before GPTs) still load, as MLPs.

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

from .gpt import GPT, shapes
from .module import ACTIVATIONS, MLP

__all__ = ["save", "load", "load_weights", "FORMAT", "VERSION", "MODELS"]

FORMAT = "chainrule"
VERSION = 2
MODELS = ("mlp", "gpt")
_FORMAT_1 = "chainrule-mlp"  # version 1: MLPs only, no "model" field
_GPT_SIZES = ("vocab_size", "n_embd", "n_head", "n_layer", "block_size")
_MODELS = (MLP, GPT)


def _thetas(model: MLP) -> list[list[list[float]]]:
    return [
        [[n.b.data if n.b is not None else 0.0] + [w.data for w in n.w] for n in layer.neurons]
        for layer in model.layers
    ]


def _check_path(path: object, what: str) -> None:
    if isinstance(path, _MODELS):
        raise TypeError(f"{what}: got a model where the path goes; the call is {what}(model, path)")
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{what}: path must be a str or os.PathLike, got {type(path).__name__}: {path!r}")


def save(model: MLP, path: str | os.PathLike) -> Path:
    """Write `model` to `path` as JSON, atomically; returns the path.

    A weight that is NaN or ±inf is refused (naming it): JSON holds finite numbers, and `load`
    would refuse the file.
    """
    if isinstance(model, (str, os.PathLike)) and isinstance(path, _MODELS):
        raise TypeError("save: the arguments are swapped: the call is nn.save(model, path)")
    if not isinstance(model, _MODELS):
        raise TypeError(f"save: expected an nn.MLP or nn.GPT to save, got {type(model).__name__}")
    _check_path(path, "save")
    for name, p in model.named_parameters():
        if not math.isfinite(p.data):
            raise ValueError(
                f"save: parameter {p.label} ({name}) is {p.data!r}; only finite weights can be saved "
                f"(a NaN or inf weight usually means training diverged: try a smaller learning rate)"
            )
    if isinstance(model, GPT):
        doc = {"format": FORMAT, "version": VERSION, "model": "gpt"}
        doc.update({k: getattr(model, k) for k in _GPT_SIZES})
        doc.update(chars=model.chars, state_dict=model.state_dict())
        return write_atomically(path, json.dumps(doc, indent=1, allow_nan=False, ensure_ascii=False) + "\n")
    doc = {
        "format": FORMAT,
        "version": VERSION,
        "model": "mlp",
        "sizes": model.sizes,
        "activation": model.activation,
        "output_activation": model.output_activation,
        "bias": model.bias,
        "fused": model.fused,
        "thetas": _thetas(model),
    }
    return write_atomically(path, json.dumps(doc, indent=1, allow_nan=False) + "\n")


def _read(path: str | os.PathLike, what: str) -> tuple[dict, str]:
    """The file's JSON document and its model type, checked to be a chainrule weights file of a version
    this code reads (2, or 1: an MLP)."""
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
    if isinstance(doc, dict) and doc.get("format") == _FORMAT_1 and doc.get("version") == 1:
        return doc, "mlp"  # before GPTs: every file was an MLP
    if not isinstance(doc, dict) or doc.get("format") not in (FORMAT, _FORMAT_1):
        raise ValueError(f'{path}: not a chainrule weights file (no "format": "{FORMAT}")')
    version = doc.get("version")
    if version != VERSION or isinstance(version, bool) or doc["format"] != FORMAT:
        raise ValueError(
            f"{path}: version {version!r} of the weights format; this chainrule reads versions 1 and {VERSION} "
            f"(a file from a newer chainrule? upgrade chainrule to read it)"
        )
    model = doc.get("model")
    if model not in MODELS:
        raise ValueError(f'{path}: "model" must be one of {", ".join(map(repr, MODELS))}, the file has {model!r:.80}')
    return doc, model


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


def load(path: str | os.PathLike) -> MLP | GPT:
    """The network saved at `path` (an MLP or a GPT), with its architecture and weights.

    The whole file is checked before anything is built: its format and version, the architecture,
    and every Θ (or state_dict matrix) against the sizes (so a small file claiming a huge network is
    refused at once).
    """
    doc, kind = _read(path, "load")
    if kind == "gpt":
        sizes = _gpt_sizes(doc, path)
        chars = doc.get("chars")
        if chars is not None and not isinstance(chars, str):
            raise ValueError(f'{path}: "chars" must be a string or null, the file has {chars!r:.80}')
        state = _gpt_state(doc, sizes, path)
        model = GPT(**sizes, chars=chars, max_parameters=max(1, sum(len(r) for m in state.values() for r in m)))
        return model.load_state_dict(state)
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
    if not isinstance(model, _MODELS):
        raise TypeError(f"load_weights: expected an nn.MLP or nn.GPT to fill, got {type(model).__name__}")
    doc, kind = _read(path, "load_weights")
    if kind != ("gpt" if isinstance(model, GPT) else "mlp"):
        raise ValueError(f"{path}: the file holds a {kind.upper()}, the model is an {type(model).__name__}")
    if kind == "gpt":
        sizes = _gpt_sizes(doc, path)
        mine = {k: getattr(model, k) for k in _GPT_SIZES}
        if sizes != mine:
            raise ValueError(f"{path}: the file holds a GPT of sizes {sizes}, the model has {mine}")
        return model.load_state_dict(_gpt_state(doc, sizes, path))
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


def _gpt_sizes(doc: dict, path) -> dict[str, int]:
    sizes = {}
    for key in _GPT_SIZES:
        n = doc.get(key)
        if isinstance(n, bool) or not isinstance(n, int) or n < (2 if key == "vocab_size" else 1):
            raise ValueError(
                f'{path}: "{key}" must be an integer ≥ {2 if key == "vocab_size" else 1}, the file has {n!r:.80}'
            )
        sizes[key] = n
    if sizes["n_embd"] % sizes["n_head"]:
        raise ValueError(f'{path}: "n_head" ({sizes["n_head"]}) must divide "n_embd" ({sizes["n_embd"]})')
    return sizes


def _gpt_state(doc: dict, sizes: dict[str, int], path) -> dict[str, list[list[float]]]:
    """The file's state_dict, every name and shape checked against the sizes before anything is built
    (the lists are in memory already: a file claiming a huge GPT is refused without allocating it)."""
    state = doc.get("state_dict")
    want = shapes(sizes["vocab_size"], sizes["n_embd"], sizes["n_layer"], sizes["block_size"])
    if not isinstance(state, dict) or set(state) != set(want):
        names = sorted(state) if isinstance(state, dict) else "none"
        raise ValueError(f'{path}: "state_dict" must hold the matrices {", ".join(want)}; the file has {names!s:.200}')
    for name, (rows, cols) in want.items():
        m = state[name]
        if not isinstance(m, list) or len(m) != rows or any(not isinstance(r, list) or len(r) != cols for r in m):
            raise ValueError(f"{path}: {name} should be {rows} × {cols} (a list of rows of numbers)")
        for r, row in enumerate(m):
            for v in row:
                if isinstance(v, bool) or not isinstance(v, (int, float)) or not (-1e308 < v < 1e308):
                    raise ValueError(f"{path}: {name} row {r} holds {v!r:.40}, not a finite float")
    return state
