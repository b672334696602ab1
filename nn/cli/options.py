"""Option parsers that several subcommands share: layer sizes, lists of numbers, positive integers."""

from __future__ import annotations

import argparse

__all__ = ["layer_sizes", "numbers", "positive_int"]


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
