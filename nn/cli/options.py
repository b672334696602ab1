"""Option parsers that several subcommands share: layer sizes, lists of numbers, positive integers."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

__all__ = [
    "layer_sizes",
    "numbers",
    "positive_int",
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


def positive_int(text: str) -> int:
    """An argparse type: an integer ≥ 1."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer ≥ 1, got {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected an integer ≥ 1, got {text!r}")
    return n


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
