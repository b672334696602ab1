"""Option parsers that several subcommands share: layer sizes, lists of numbers, positive integers."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

__all__ = ["layer_sizes", "numbers", "positive_int", "add_progress_options", "show_progress", "say_written"]


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
