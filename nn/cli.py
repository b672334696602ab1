"""The `chainrule` command line: `chainrule demo`, `chainrule check`, `chainrule graph`.

Each subcommand lives in the module that does its work; this file only wires them up.
A module registers itself with `add_parser(subparsers)`, which sets `func(args) -> exit code`.
"""

from __future__ import annotations

import argparse
import importlib
import sys

__all__ = ["main", "layer_sizes"]

# Imported only when the command line is built, so `import nn` stays light.
SUBCOMMAND_MODULES = ["nn.demo", "nn.crosscheck", "nn.graphcli"]


def layer_sizes(text: str) -> list[int]:
    """An argparse type: "2,4,1" → [2, 4, 1], at least two sizes, each ≥ 1."""
    try:
        sizes = [int(s) for s in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"layer sizes must be integers separated by commas, got {text!r}") from None
    if len(sizes) < 2 or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"need at least two layer sizes ≥ 1, got {text!r}")
    return sizes


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="chainrule",
        description="A scalar autograd engine to read, draw and trust.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in SUBCOMMAND_MODULES:
        importlib.import_module(name).add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (ValueError, TypeError, OSError, RuntimeError) as exc:
        # Bad options or files: one clear line, not a traceback.
        print(f"chainrule {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
