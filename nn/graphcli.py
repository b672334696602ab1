"""`chainrule graph`: draw a small network's computation graph to a file.

What it is: the command-line face of `autograd.draw` for networks built by `nn`: from layer
sizes or the seeds' 1-1-1 and 2-2-2 examples, optionally after a forward pass on a sample and
one backward pass of J = mse, with one parameter's chain-rule paths highlighted.

    chainrule graph --example 2-2-2 --sample 0.35,0.9 --target 0.5,0.1 --highlight 'w_1,1^(1)' -o g.png

What it is not: a training tool. The weights are the initial ones (the course's deterministic
"debug" weights for the examples, seeded uniform ones for --sizes).
"""

from __future__ import annotations

import argparse

from autograd import Value, chain_paths, draw, save

from .cli import layer_sizes
from .losses import mse
from .module import ACTIVATIONS, MLP

__all__ = ["add_parser", "example", "EXAMPLES"]

# The seeds' networks (seed 001): sigmoid, no biases, the course's deterministic weights.
EXAMPLES = {"1-1-1": [1, 1, 1], "2-2-2": [2, 2, 2]}


def example(name: str, fused: bool = True, activation: str = "sigmoid", bias: bool = False) -> MLP:
    """The seeds' 1-1-1 or 2-2-2 network: sigmoid, no biases, the course's sin ("debug") weights."""
    if name not in EXAMPLES:
        raise ValueError(f"unknown example {name!r}; valid names: {', '.join(EXAMPLES)}")
    sizes = EXAMPLES[name]
    return MLP(sizes[0], sizes[1:], activation=activation, bias=bias, fused=fused, init="debug")


def _numbers(text: str) -> list[float]:
    try:
        return [float(t) for t in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers separated by commas, got {text!r}") from None


def _find(mlp: MLP, wanted: str) -> Value:
    """A parameter by its `named_parameters()` name (layers.0.neurons.0.w.0) or its label (w_1,1^(1))."""
    for name, p in mlp.named_parameters():
        if wanted in (name, p.label):
            return p
    names = [f"{n} ({p.label})" for n, p in mlp.named_parameters()]
    shown = ", ".join(names[:6]) + (f", … ({len(names)} in all)" if len(names) > 6 else "")
    raise ValueError(f"no parameter called {wanted!r}; valid names include: {shown}")


def _run(args: argparse.Namespace) -> int:
    activation = args.activation or "sigmoid"
    if args.example:
        bias = bool(args.bias)  # the seeds' examples have no biases unless --bias asks for them
        mlp = example(args.example, fused=not args.elementary, activation=activation, bias=bias)
    else:
        bias = True if args.bias is None else args.bias
        mlp = MLP(
            args.sizes[0], args.sizes[1:], activation=activation, bias=bias, fused=not args.elementary, seed=args.seed
        )
    if args.highlight and args.target is None:
        raise ValueError("--highlight needs --target: the paths run to the loss J, which needs a target")
    highlight = _find(mlp, args.highlight) if args.highlight else None
    x = args.sample if args.sample is not None else [round(0.5 * (i + 1) / mlp.nin, 4) for i in range(mlp.nin)]
    if len(x) != mlp.nin:
        raise ValueError(f"--sample has {len(x)} numbers but the network takes {mlp.nin} (its first layer size)")
    out = mlp(x)
    if args.target is not None:
        if len(args.target) != len(out):
            raise ValueError(
                f"--target has {len(args.target)} numbers but the network gives {len(out)} (its last layer size)"
            )
        root = mse([out], [args.target])
        root.backward()
    elif len(out) == 1:
        root = out[0]  # no loss: the output itself, grads not computed
    else:
        raise ValueError(f"the network has {len(out)} outputs: give --target to draw the loss J over them")
    try:
        graph = draw(
            root, highlight=highlight, max_nodes=args.max_nodes, path_limit=args.path_limit, rankdir=args.rankdir
        )
    except ValueError as exc:
        # draw's advice names its keyword arguments; on the command line they are options
        message = str(exc).replace("max_nodes=", "--max-nodes ").replace("path_limit", "--path-limit")
        raise ValueError(message.replace("nn.MLP(..., fused=True)", "without --elementary")) from None
    path = save(graph, args.out)
    what = f"wrote {path}"
    if highlight is not None:
        paths = chain_paths(root, highlight, limit=args.path_limit)
        plural = "s" * (len(paths) != 1)
        what += f": {len(paths)} path{plural} from {highlight.label} to J, ∂J/∂{highlight.label} = {highlight.grad:.6g}"
    print(what)
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "graph",
        help="draw a small network's computation graph to SVG, PNG or PDF",
        description="Draw the computation graph of a small network: every value with its data and grad, every "
        "op, the local derivative on every edge, a cluster per layer. With --target, after one backward pass "
        "of J = mse; with --highlight, one parameter's chain-rule paths coloured and summed in a legend.",
    )
    which = p.add_mutually_exclusive_group()
    which.add_argument(
        "--example",
        choices=sorted(EXAMPLES),
        help="the seeds' 1-1-1 or 2-2-2 network (sigmoid, no biases, the course's deterministic weights)",
    )
    which.add_argument("--sizes", type=layer_sizes, default=[2, 2, 2], help="layer sizes, e.g. 2,3,1 (default 2,2,2)")
    p.add_argument("--activation", choices=ACTIVATIONS, help="default sigmoid")
    p.add_argument(
        "--bias",
        action=argparse.BooleanOptionalAction,
        help="neurons with biases (default: yes for --sizes, no for --example)",
    )
    p.add_argument(
        "--elementary", action="store_true", help="micrograd-style * and + nodes instead of one z node per neuron"
    )
    p.add_argument("--seed", type=int, default=0, help="for the random initial weights of --sizes (default 0)")
    p.add_argument("--sample", type=_numbers, help="the input, e.g. 0.35,0.9 (default 0.25,0.5 for two inputs)")
    p.add_argument("--target", type=_numbers, help="the target, e.g. 0.5,0.1: draws J = mse after one backward pass")
    p.add_argument(
        "--highlight",
        metavar="PARAM",
        help="colour a parameter's paths to J, by name (layers.0.neurons.0.w.0) or label (w_1,1^(1)); needs --target",
    )
    p.add_argument("--rankdir", choices=["LR", "TB"], default="LR", help="left to right (default) or top to bottom")
    p.add_argument("--max-nodes", type=int, default=200, help="refuse larger graphs (default 200)")
    p.add_argument("--path-limit", type=int, default=16, help="most paths to highlight (default 16)")
    p.add_argument("-o", "--out", default="graph.svg", help="the file to write: .svg, .png or .pdf (default graph.svg)")
    p.set_defaults(func=_run)
