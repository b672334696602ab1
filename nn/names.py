"""Documents for a character-level GPT: real first names, or a file of your own, one document a line.

What it is: `first_names()` reads the 1990 US census first-name lists that ship inside the PyPI
package `names` (0.3.0: `dist.female.first`, 4,275 names, and `dist.male.first`, 1,219, upper case,
one per line with its frequency columns) and returns the 5,163 unique names, lower-cased and sorted,
longest 11 letters. Nothing is downloaded: the files are part of the installed package. `read_documents(path)`
reads a text file of your own, one document per line (microgpt's `input.txt`): lines stripped,
blank lines skipped.

What it is not: microgpt's data. microgpt trains on makemore's list of 32,033 names (from the US
Social Security records); this census list is smaller and different, so a loss curve here will not
match microgpt's. `shuffled(docs, seed)` shuffles a copy, as microgpt shuffles its documents once.
"""

from __future__ import annotations

import importlib.resources
import os
import random
from functools import lru_cache

from autograd.args import integer

__all__ = ["first_names", "read_documents", "shuffled", "MAX_BYTES", "CENSUS_FILES"]

CENSUS_FILES = ("dist.female.first", "dist.male.first")
"""The files of the `names` package read by `first_names`."""

MAX_BYTES = 50_000_000
"""The largest documents file `read_documents` reads (a character-level GPT on a scalar engine
trains on one document per step: a file this size is already far more than it can use)."""


@lru_cache(maxsize=1)
def _census() -> tuple[str, ...]:
    try:
        package = importlib.resources.files("names")
    except ModuleNotFoundError:
        raise ModuleNotFoundError(
            "the first-name lists come from the package 'names' (a dependency of chainrule): pip install names==0.3.0"
        ) from None
    found = set()
    for name in CENSUS_FILES:
        for line in package.joinpath(name).read_text(encoding="ascii").splitlines():
            if line.strip():
                found.add(line.split()[0].lower())  # "MARY   2.629  2.629  1": the name, then its frequencies
    return tuple(sorted(found))


def first_names() -> list[str]:
    """The 5,163 unique first names of the 1990 US census lists, lower case, sorted (a new list each call)."""
    return list(_census())


def read_documents(path: str | os.PathLike, max_bytes: int = MAX_BYTES) -> list[str]:
    """The lines of a UTF-8 text file, stripped, blank ones skipped: one document each.

    ValueError naming the file when it is larger than `max_bytes`, not UTF-8, or holds no document;
    FileNotFoundError / IsADirectoryError as `open` raises them.
    """
    if isinstance(path, (bytes, bytearray)) or not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"read_documents: path must be a str or os.PathLike, got {type(path).__name__}: {path!r:.60}")
    max_bytes = integer(max_bytes, "read_documents", "max_bytes")
    with open(path, "rb") as f:
        raw = f.read(max_bytes + 1)  # bounded: a huge file is refused without being read whole
    if len(raw) > max_bytes:
        raise ValueError(f"{path}: more than {max_bytes:,} bytes; one document per line, a smaller file please")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not UTF-8 text (byte {raw[exc.start]:#04x} at offset {exc.start})") from None
    docs = [line.strip() for line in text.splitlines() if line.strip()]
    if not docs:
        raise ValueError(f"{path}: no documents (every line is blank); expected one document per line")
    return docs


def shuffled(docs: list[str], seed: int = 0) -> list[str]:
    """A copy of `docs` shuffled by `random.Random(seed)` (microgpt shuffles its documents once, then cycles)."""
    out = list(docs)
    random.Random(integer(seed, "shuffled", "seed", low=0)).shuffle(out)
    return out
