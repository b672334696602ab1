"""`chainrule explore`: write the explorer page of a small network, to step through its backprop in a browser.

    chainrule explore                                     # Jordan's 2-2-2 network: explore.html
    chainrule explore --highlight 'w_1,1^(1)' -o p.html   # opening on one weight's chain-rule paths
    chainrule explore --quiz -o quiz.html                 # a quiz page: no grad in the file but J's

The page is one self-contained HTML file (see `autograd.explore`): open it in any browser, no
server and no network needed. The network options are `chainrule graph`'s (see `network.py`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from autograd import explore

from ..layout import layout
from .network import add_network_options, cli_message, network_from_args

__all__ = ["add_parser"]


def _run(args: argparse.Namespace) -> int:
    if Path(args.out).suffix.lower() not in (".html", ".htm"):
        raise ValueError(f"-o {args.out}: the explorer page is HTML; use a name ending in .html")
    net = network_from_args(args)
    try:
        page = explore(
            net.root,
            highlight=net.highlight,
            quiz=args.quiz,
            params=net.mlp.parameters(),  # what "gradient step" moves: the weights and biases, not the inputs
            max_nodes=args.max_nodes,
            path_limit=args.path_limit,
            rankdir=args.rankdir,
            **layout(net.root),  # a box per layer, the weights next to what they multiply
        )
    except ValueError as exc:
        raise ValueError(cli_message(exc, args.elementary)) from None
    path = page.save(args.out)
    root = net.root.label or "the output"
    what = "a quiz on the grads" if args.quiz else f"{page.steps} backward steps"
    print(f"wrote {path} ({path.stat().st_size:,} bytes): {page.nodes} nodes, {what} of {root}; open it in a browser")
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "explore",
        help="write a page on which to step through a small network's backprop in a browser",
        description="Write the explorer page of a small network: one self-contained HTML file on which to step "
        "through the forward pass and the backward pass edge by edge (in backward()'s order, with the numbers), "
        "click a node for its chain-rule paths, change a value or take a gradient step and watch both passes "
        "change, and quiz yourself on the grads. With no options: Jordan's 2-2-2 network on its sample and target. "
        "With --highlight, the page opens on that parameter's paths; with --quiz, it is a quiz whose file holds no "
        "grad but J's.",
    )
    add_network_options(p)
    p.add_argument(
        "--quiz",
        action="store_true",
        help="a quiz page: the grads are for the learner to find (the file holds none but J's)",
    )
    p.add_argument("-o", "--out", default="explore.html", help="the page to write (default explore.html)")
    p.set_defaults(func=_run)
