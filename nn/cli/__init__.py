"""The `chainrule` command line, the layer above the library.

What it is: one thin module per subcommand (`demo`, `graph`, `check`, …), each with
`add_parser(subparsers)` that declares its options and sets `func(args) -> exit code`; the
options several subcommands share live in `options.py`. A subcommand parses, calls library
functions and formats their results. Bad options and files end in one line on stderr and exit
code 2, never a traceback.

What it is not: imported by the library. Nothing in `autograd` or `nn` imports from here, and no
library module imports argparse.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import sys

__all__ = ["main", "build_parser", "version", "SUBCOMMANDS"]

# Imported only when the command line is built, so `import nn` stays light.
SUBCOMMANDS = ["demo", "graph", "explore", "check", "digits", "gpt"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="chainrule",
        description="A scalar autograd engine to read, draw and trust.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in SUBCOMMANDS:
        importlib.import_module(f"{__name__}.{name}").add_parser(sub)
    parser.set_defaults(commands=sub.choices)  # each subcommand's parser, for its own usage line
    return parser


def version() -> str:
    """The installed distribution's version (`pip install .` of the checkout), else the package's own."""
    try:
        return importlib.metadata.version("chainrule")
    except importlib.metadata.PackageNotFoundError:
        import autograd

        return autograd.__version__


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:  # with the subcommand's usage, not the top level's (`chainrule check --doc emma`)
        args.commands[args.command].error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        return int(args.func(args) or 0)
    except (ValueError, TypeError, OSError, RuntimeError) as exc:
        # Bad options or files: one clear line, not a traceback.
        print(f"chainrule {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"chainrule {args.command}: interrupted", file=sys.stderr)
        return 130
