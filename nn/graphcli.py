"""`chainrule graph`: draw a small network's computation graph to a file.

What it is: the command-line face of `autograd.draw` for networks built by `nn`: from layer
sizes or the seeds' 1-1-1 and 2-2-2 examples, optionally after a forward pass on a sample and
one backward pass, with one parameter's chain-rule paths highlighted.
"""

from __future__ import annotations

import argparse

from autograd import draw, save

from .cli import layer_sizes
from .losses import mse
from .module import ACTIVATIONS, MLP

__all__ = ["add_parser", "example", "EXAMPLES"]

# The seeds' networks (seed 001): sigmoid, no biases, the course's deterministic weights.
EXAMPLES = {"1-1-1": [1, 1, 1], "2-2-2": [2, 2, 2]}


def example(name: str, fused: bool = True) -> MLP:
    """The seeds' 1-1-1 or 2-2-2 network: sigmoid, no biases, the course's sin initialization."""
    if name not in EXAMPLES:
        raise ValueError(f"unknown example {name!r}; valid names: {', '.join(EXAMPLES)}")
    sizes = EXAMPLES[name]
    return MLP(sizes[0], sizes[1:], activation="sigmoid", bias=False, fused=fused, init="debug")


def _numbers(text: str) -> list[float]:
    try:
        return [float(t) for t in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers separated by commas, got {text!r}") from None


def _find(mlp: MLP, wanted: str):
    for name, p in mlp.named_parameters():
        if wanted in (name, p.label):
            return p
    names = [f"{n} ({p.label})" for n, p in mlp.named_parameters()]
    shown = ", ".join(names[:6]) + (", …" if len(names) > 6 else "")
    raise ValueError(f"no parameter called {wanted!r}; valid names include: {shown}")


def _run(args: argparse.Namespace) -> int:
    if args.example:
        mlp = example(args.example, fused=not args.elementary)
    else:
        mlp = MLP(
            args.sizes[0],
            args.sizes[1:],
            activation=args.activation,
            bias=args.bias,
            fused=not args.elementary,
            seed=args.seed,
        )
    x = args.sample if args.sample is not None else [0.5 * (i + 1) / mlp.nin for i in range(mlp.nin)]
    out = mlp(x)
    if args.target is not None:
        root = mse([out], [args.target])
        root.backward()
    elif args.highlight or args.backward:
        raise ValueError("--highlight and --backward need --target (the loss needs a target)")
    else:
        if len(out) != 1:
            raise ValueError(f"the network has {len(out)} outputs: give --target to draw the loss J over them")
        root = out[0]
    highlight = _find(mlp, args.highlight) if args.highlight else None
    graph = draw(root, highlight=highlight, max_nodes=args.max_nodes, rankdir=args.rankdir)
    path = save(graph, args.out)
    print(f"wrote {path}")
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "graph",
        help="draw a small network's computation graph to SVG, PNG or PDF",
        description="Draw the computation graph of a small network; with --target, after "
        "one backward pass of J = mse, optionally highlighting one parameter's paths.",
    )
    which = p.add_mutually_exclusive_group()
    which.add_argument("--example", choices=sorted(EXAMPLES), help="the seeds' 1-1-1 or 2-2-2 network")
    which.add_argument("--sizes", type=layer_sizes, default=[2, 2, 2], help="layer sizes, e.g. 2,3,1 (default 2,2,2)")
    p.add_argument("--activation", choices=ACTIVATIONS, default="sigmoid")
    p.add_argument("--bias", action=argparse.BooleanOptionalAction, default=True, help="neurons with biases (default)")
    p.add_argument(
        "--elementary", action="store_true", help="micrograd-style * and + nodes instead of one z node per neuron"
    )
    p.add_argument("--seed", type=int, default=0, help="for the random initial weights")
    p.add_argument("--sample", type=_numbers, help="the input, e.g. 0.35,0.9")
    p.add_argument("--target", type=_numbers, help="the target; draws J = mse after one backward pass")
    p.add_argument("--backward", action="store_true", help="(implied by --target)")
    p.add_argument("--highlight", help="a parameter, by name (layers.0.neurons.0.w.0) or label (w_1,1^(1))")
    p.add_argument("--rankdir", choices=["LR", "TB"], default="LR")
    p.add_argument("--max-nodes", type=int, default=200)
    p.add_argument("-o", "--out", default="graph.svg", help="the file to write: .svg, .png or .pdf (default graph.svg)")
    p.set_defaults(func=_run)
