"""Option parsers that several subcommands share: layer sizes, lists of numbers, counts and amounts,
output folders, input files.

The numeric ones check their value with `autograd.args`, the checkers the library uses, so an option
and the argument it becomes are refused in the same words: `argument --lam: expected a finite real
number ≥ 0, got 'nan'`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from autograd.args import integer, real

__all__ = [
    "layer_sizes",
    "numbers",
    "positive_int",
    "integer_option",
    "real_option",
    "folder",
    "input_file",
    "seconds",
    "byte_size",
    "add_progress_options",
    "show_progress",
    "say_written",
]

MAX_SECONDS = 86_400.0  # a day: a longer limit is a typing slip (and overflows the OS's timers)


def layer_sizes(text: str) -> list[int]:
    """An argparse type: "2,4,1" → [2, 4, 1], at least two sizes, each ≥ 1."""
    try:
        sizes = [int(s) for s in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"layer sizes must be integers separated by commas, got {text!r}") from None
    if len(sizes) < 2 or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"need at least two layer sizes ≥ 1, got {text!r}")
    return sizes


def numbers(text: str) -> list[float]:
    """An argparse type: "0.35,0.9" → [0.35, 0.9]."""
    try:
        return [float(t) for t in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers separated by commas, got {text!r}") from None


def _checked(check: Callable, parse: Callable[[str], object], **bounds) -> Callable[[str], object]:
    """An argparse type: the text parsed (`int`, `float`), then `check`ed (an `autograd.args` checker)
    with `bounds`; a refusal is argparse's one-line error, in the checker's words."""

    def option(text: str):
        try:
            value = parse(text)
        except ValueError:
            value = text  # not a number at all: the checker says what was expected
        try:
            return check(value, "option", "value", **bounds)
        except (TypeError, ValueError) as e:
            wanted = str(e).removeprefix("option: value must be ").rsplit(", got ", 1)[0]
            raise argparse.ArgumentTypeError(f"expected {wanted}, got {text!r}") from None

    option.__name__ = check.__name__
    return option


def integer_option(low: int = 1, high: int | None = None) -> Callable[[str], int]:
    """An argparse type: an integer in [low, high]."""
    return _checked(integer, int, low=low, high=high)


def real_option(low: float | None = None, *, low_open: bool = False) -> Callable[[str], float]:
    """An argparse type: a finite number ≥ low (> low with `low_open`); nan and inf are refused."""
    return _checked(real, float, low=low, low_open=low_open)


positive_int = integer_option(1)
"""An argparse type: an integer ≥ 1."""


def folder(text: str) -> str:
    """An argparse type: a folder to write into, existing or not, but not a file (nor inside one)."""
    path = Path(text)
    for place in (path, *path.parents):
        if place.exists():
            if not place.is_dir():
                where = "is a file" if place == path else f"is inside {place}, a file"
                raise argparse.ArgumentTypeError(f"{text} {where}, not a folder: name a folder (it is made if missing)")
            break
    return text


def input_file(text: str) -> str:
    """An argparse type: a file to read, which must exist and not be a folder."""
    path = Path(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a folder, not a file: name a file")
    if not path.exists():
        raise argparse.ArgumentTypeError(f"{text}: no such file")
    return text


def seconds(text: str) -> float:
    """An argparse type: a number of seconds > 0, at most a day."""
    try:
        t = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds > 0, got {text!r}") from None
    if not 0 < t <= MAX_SECONDS:
        raise argparse.ArgumentTypeError(
            f"expected a number of seconds > 0 and ≤ {MAX_SECONDS:g} (a day), got {text!r}"
        )
    return t


_UNITS = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}


def byte_size(text: str) -> int:
    """An argparse type: "4G", "512M", "4GiB", "1.5G" or a number of bytes → bytes (at least 64 MiB)."""
    t = text.strip().upper().removesuffix("IB").removesuffix("B")
    unit = t[-1:] if t[-1:] in _UNITS and t[-1:] else ""
    try:
        n = int(float(t[: len(t) - len(unit)]) * _UNITS[unit])
    except (ValueError, OverflowError):
        raise argparse.ArgumentTypeError(
            f"expected a size such as 4G, 512M or a number of bytes, got {text!r}"
        ) from None
    if n < 64 * 2**20:
        raise argparse.ArgumentTypeError(f"expected a size of at least 64M, got {text!r}")
    return n


def add_progress_options(p: argparse.ArgumentParser) -> None:
    """--progress / --no-progress: the progress bar always, or never (default: on a terminal only)."""
    bar = p.add_mutually_exclusive_group()
    bar.add_argument("--progress", action="store_true", help="always show the progress bar")
    bar.add_argument("--no-progress", action="store_true", help="never show it (default: on a terminal only)")


def show_progress(args: argparse.Namespace) -> bool:
    """Whether to show a progress bar, from --progress / --no-progress and whether stderr is a terminal."""
    return False if args.no_progress else (True if args.progress else sys.stderr.isatty())


def say_written(paths: Iterable[Path], say: Callable[[str], object] = print) -> None:
    """One line per file written: its path and size."""
    for p in paths:
        say(f"wrote {p}  ({p.stat().st_size:,} bytes)")
