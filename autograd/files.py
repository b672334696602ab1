"""Writing a file atomically: the one helper every writer in chainrule uses.

What it is: `write_atomically(path, data)` puts `data` (bytes, str, or a function that writes to
a binary file object) at `path` so that the file is either the old one or the complete new one,
never half of each: the bytes go to a temporary file in the same folder, are flushed to disk
(fsync), get the permissions a plain `open()` would give (the old file's mode, or 0666 minus the
umask for a new file), and replace the target in one `os.replace`. A symlink at `path` is
followed, as `open()` follows it: the link's target is replaced and the link stays a link.

What it is not: a lock. Two processes writing the same path at once each write a whole file;
the last rename wins.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

__all__ = ["write_atomically"]

Writer = Callable[[BinaryIO], object]


def write_atomically(path: str | os.PathLike, data: bytes | str | Writer, *, encoding: str = "utf-8") -> Path:
    """Write `data` to `path` atomically and return `path` (as given, a `Path`).

    `data`: bytes; a str (encoded with `encoding`); or a callable `write(f)` given the open
    binary temporary file (for writers such as matplotlib's `savefig` that want a file object).
    Errors name the path: a missing folder is FileNotFoundError, a folder at `path`
    IsADirectoryError. If anything fails, the old file is untouched and no temporary file stays.
    """
    if isinstance(path, (bytes, bytearray)) or not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or os.PathLike, got {type(path).__name__}: {path!r}")
    given = Path(path)
    if isinstance(data, str):
        data = data.encode(encoding)
    elif not isinstance(data, (bytes, bytearray, memoryview)) and not callable(data):
        raise TypeError(f"data must be bytes, str or a function of a file, got {type(data).__name__}")
    # A symlink is followed to the file it names: that file is replaced, the link stays.
    target = Path(os.path.realpath(given)) if given.is_symlink() else given
    if not target.parent.is_dir():
        raise FileNotFoundError(f"cannot write {str(given)!r}: no directory {str(target.parent)!r}")
    if target.is_dir():
        raise IsADirectoryError(f"cannot write {str(given)!r}: it is a directory")
    mode = target.stat().st_mode & 0o7777 if target.exists() else 0o666 & ~_umask()
    # The temporary name starts with a dot and ends in .tmp: a leftover from a killed process is
    # never mistaken for the file, and the next write uses a fresh random name beside it.
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            if callable(data):
                data(f)
            else:
                f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)  # mkstemp made it private (0600)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return given


def _umask() -> int:
    """The process's umask, read without changing it where Linux allows (os.umask can only set it)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
