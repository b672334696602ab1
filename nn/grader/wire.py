"""The messages between chainrule and the child running a learner's function: JSON and .npy, never pickles.

What it is: `send(fd, value)` and `receive(fd, deadline)` move one value over a pipe as a frame:
an 8-byte length, a JSON header, then the arrays it holds as .npy bytes (`np.save`, read back with
`allow_pickle=False`). A value is None, a bool, an int, a float (NaN and ±inf included), a str, a
NumPy array or scalar (its dtype kept: a float32 learner stays float32), or a list, tuple or
dict of str keys of these. Anything else — an object of the learner's own class, an array of
Python objects — cannot travel: `encode` raises `Unreadable` naming what it was and where
("item 1 of the tuple is a mine.Result"), so the child can say so instead of crashing the checker
with an import of the learner's module (which unpickling would need).

Why not pickle: NumPy 2's pickles do not load in NumPy 1, and the child may run in the learner's
own interpreter (`--python`) with another NumPy; the .npy format is the same in both.

It needs only the standard library and NumPy, and runs on Python ≥ 3.8 and NumPy ≥ 1.17: the
child (`child.py`) loads it by path in the learner's interpreter.
"""

from __future__ import annotations

import io
import json
import os
import select
import struct
import time

import numpy as np

__all__ = ["send", "receive", "encode", "decode", "Unreadable", "Timeout", "Closed", "MAX_MESSAGE"]

MAX_MESSAGE = 256 * 2**20  # bytes: a learner's return is a few numbers; this bounds a runaway one


class Unreadable(Exception):
    """A value that cannot travel as JSON and .npy; the message says what it was and where."""


class Timeout(Exception):
    """No complete message before the deadline."""


class Closed(Exception):
    """The other end closed the pipe (the process ended) before a complete message."""


def _where(path: str) -> str:
    return f" ({path})" if path else ""


def encode(value, arrays: list, path: str = ""):
    """`value` as JSON-ready data, its arrays appended to `arrays` (as .npy bytes)."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else {"float": repr(value)}
    if isinstance(value, (np.ndarray, np.generic)):
        a = np.asarray(value)
        if a.dtype.hasobject:
            raise Unreadable(f"an array of Python objects{_where(path)}")
        buf = io.BytesIO()
        np.save(buf, a, allow_pickle=False)
        arrays.append(buf.getvalue())
        return {"array": len(arrays) - 1, "scalar": isinstance(value, np.generic)}
    if isinstance(value, (list, tuple)):
        kind = "list" if isinstance(value, list) else "tuple"
        items = [
            encode(v, arrays, f"{path}item {i} of the {kind}" if not path else f"{path}, item {i}")
            for i, v in enumerate(value)
        ]
        return {kind: items}
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"dict": {k: encode(v, arrays, f"{path}, key {k!r}" if path else "") for k, v in value.items()}}
    kind = type(value)
    raise Unreadable(f"an object of class {kind.__module__}.{kind.__qualname__}{_where(path)}")


def decode(data, arrays: list):
    """`encode` undone."""
    if not isinstance(data, dict):
        return data
    if "float" in data:
        return float(data["float"])
    if "array" in data:
        a = np.load(io.BytesIO(arrays[data["array"]]), allow_pickle=False)
        return a[()] if data["scalar"] else a
    if "list" in data:
        return [decode(v, arrays) for v in data["list"]]
    if "tuple" in data:
        return tuple(decode(v, arrays) for v in data["tuple"])
    return {k: decode(v, arrays) for k, v in data["dict"].items()}


def send(fd: int, value) -> None:
    """Write one message holding `value` (raises Unreadable before writing anything)."""
    arrays: list = []
    header = json.dumps({"value": encode(value, arrays), "sizes": [len(a) for a in arrays]}).encode()
    body = struct.pack(">Q", len(header)) + header + b"".join(arrays)
    view = memoryview(struct.pack(">Q", len(body)) + body)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def _read(fd: int, n: int, deadline: float | None) -> bytes:
    parts, got = [], 0
    while got < n:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Timeout()
            ready, _, _ = select.select([fd], [], [], min(left, 1.0))
            if not ready:
                continue
        chunk = os.read(fd, min(n - got, 1 << 20))
        if not chunk:
            raise Closed()
        parts.append(chunk)
        got += len(chunk)
    return b"".join(parts)


def receive(fd: int, deadline: float | None = None):
    """The next value; Timeout past `deadline` (a time.monotonic() value), Closed at the end of the pipe."""
    (size,) = struct.unpack(">Q", _read(fd, 8, deadline))
    if size > MAX_MESSAGE:
        raise Unreadable(f"a message of {size:,} bytes, more than {MAX_MESSAGE:,}")
    body = _read(fd, size, deadline)
    (hsize,) = struct.unpack(">Q", body[:8])
    header = json.loads(body[8 : 8 + hsize].decode())
    arrays, start = [], 8 + hsize
    for n in header["sizes"]:
        arrays.append(body[start : start + n])
        start += n
    return decode(header["value"], arrays)
