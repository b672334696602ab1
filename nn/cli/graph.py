"""`chainrule graph`: draw a small network's computation graph to SVG, PNG or PDF.

    chainrule graph                                       # Jordan's 2-2-2 network after one backward pass
    chainrule graph --highlight 'w_1,1^(1)' -o g.png      # with one weight's chain-rule paths coloured

The weights are the initial ones (the course's deterministic "debug" weights for the examples,
seeded uniform ones for --sizes); see `network.py` for the options it shares with `explore`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from autograd import chain_paths, draw, save
from autograd.draw import FORMATS

from ..layout import layout
from .network import add_network_options, cli_message, network_from_args

__all__ = ["add_parser"]


def _run(args: argparse.Namespace) -> int:
    suffix = Path(args.out).suffix.lstrip(".").lower()
    if suffix not in FORMATS:
        raise ValueError(
            f"-o {args.out}: cannot tell the format from the suffix; use a name ending in .svg, .png or .pdf"
        )
    net = network_from_args(args)
    try:
        graph = draw(
            net.root,
            highlight=net.highlight,
            max_nodes=args.max_nodes,
            path_limit=args.path_limit,
            rankdir=args.rankdir or "LR",
            show_grad=False if args.no_backward else None,  # forward only: no grad column, no Python hint
            **layout(net.root),  # a box per layer, the weights next to what they multiply
        )
    except ValueError as exc:
        raise ValueError(cli_message(exc, args.elementary)) from None
    path = save(graph, args.out)
    what = f"wrote {path}"
    if net.highlight is not None:
        h = net.highlight
        paths = chain_paths(net.root, h, limit=args.path_limit)
        what += f": {len(paths)} path{'s' * (len(paths) != 1)} from {h.label} to J, ∂J/∂{h.label} = {h.grad:.6g}"
    elif not args.no_backward:
        what += f": J = {net.root.data:.6g} after one backward pass"
    print(what)
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "graph",
        help="draw a small network's computation graph to SVG, PNG or PDF",
        description="Draw the computation graph of a small network: every value with its data and grad, every "
        "op, the local derivative on every edge, a box per layer, after one backward pass of J = mse. "
        "With no options: Jordan's 2-2-2 network on its sample and target. With --highlight, one "
        "parameter's chain-rule paths coloured and summed in a legend.",
    )
    add_network_options(p)
    p.add_argument("-o", "--out", default="graph.svg", help="the file to write: .svg, .png or .pdf (default graph.svg)")
    p.set_defaults(func=_run)
