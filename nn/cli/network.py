"""The network options `chainrule graph` and `chainrule explore` share, and the graph they build.

`add_network_options(parser)` declares them; `network_from_args(args)` builds the network, runs
one forward pass on the sample and, with a target, one backward pass of J = mse, and returns
what to draw. With no options at all that is Jordan's 2-2-2 network on its sample and target,
after backward: something worth looking at.
"""

from __future__ import annotations

import argparse
import math
import re
from typing import NamedTuple

from autograd import Value
from autograd.args import counted

from ..examples import EXAMPLE_DATA, EXAMPLES, example
from ..losses import mse
from ..module import ACTIVATIONS, MLP
from .options import integer_option, layer_sizes, numbers, positive_int

__all__ = ["add_network_options", "network_from_args", "Network", "cli_message", "MAX_PARAMETERS"]

MAX_PARAMETERS = 100_000
"""The largest network the drawing commands build by default (a drawable one is far smaller: see
--max-nodes); --max-parameters raises it."""


class Network(NamedTuple):
    """What the drawing commands draw: the model, the root (J after backward, or the output), the highlight."""

    mlp: MLP
    root: Value
    highlight: Value | None


def add_network_options(p: argparse.ArgumentParser) -> None:
    which = p.add_mutually_exclusive_group()
    which.add_argument(
        "--example",
        choices=sorted(EXAMPLES),
        help="Jordan's 1-1-1 or 2-2-2 network (sigmoid, no biases, the course's deterministic weights); "
        "the default is 2-2-2 unless --sizes is given",
    )
    which.add_argument("--sizes", type=layer_sizes, help="layer sizes of a network of your own, e.g. 2,3,1")
    p.add_argument("--activation", choices=ACTIVATIONS, help="default sigmoid")
    p.add_argument(
        "--bias",
        action=argparse.BooleanOptionalAction,
        help="neurons with biases (default: yes for --sizes, no for --example)",
    )
    p.add_argument(
        "--elementary", action="store_true", help="micrograd-style * and + nodes instead of one z node per neuron"
    )
    p.add_argument(
        "--seed", type=integer_option(0), default=0, help="for the random initial weights of --sizes (default 0)"
    )
    p.add_argument(
        "--sample", type=numbers, help="the input, e.g. 0.35,0.9 (default: the example's; 0.25,0.5,… for --sizes)"
    )
    p.add_argument(
        "--target",
        type=numbers,
        help="the target of J = mse, e.g. 0.5,0.1 (default: the example's; 0.5 per output for --sizes)",
    )
    p.add_argument(
        "--no-backward",
        action="store_true",
        help="draw the forward pass only (the network's single output, grads not computed)",
    )
    p.add_argument(
        "--highlight",
        metavar="PARAM",
        help="colour a parameter's chain-rule paths to J, by label (w_1,1^(1)) or name (layers.0.neurons.0.w.0)",
    )
    p.add_argument(
        "--rankdir",
        choices=["LR", "TB"],
        help="left to right or top to bottom (default: LR for graph; explore opens on the layout that fits the window)",
    )
    p.add_argument("--max-nodes", type=positive_int, default=200, help="refuse larger graphs (default 200)")
    p.add_argument(
        "--max-parameters",
        type=positive_int,
        default=MAX_PARAMETERS,
        help=f"refuse to build a --sizes network with more parameters (default {MAX_PARAMETERS:,})",
    )
    p.add_argument("--path-limit", type=positive_int, default=16, help="most paths to highlight (default 16)")


_LISTED = 24  # --highlight's error lists every parameter of a network this small (2-2-2: 8)


def _find(mlp: MLP, wanted: str) -> Value:
    """A parameter by its label (w_1,1^(1)) or its `named_parameters()` name (layers.0.neurons.0.w.0)."""
    for name, p in mlp.named_parameters():
        if wanted in (name, p.label):
            return p
    names = [f"{p.label} ({n})" for n, p in mlp.named_parameters()]
    if len(names) <= _LISTED:
        shown = f"the network's {counted(len(names), 'parameter')}: {', '.join(names)}"
    else:
        shown = (
            f"the network has {len(names):,} parameters: {', '.join(names[:6])}, … and {len(names) - 6:,} more, "
            f"named alike (w_j,i^(l): to neuron j of layer l + 1 from neuron i of layer l; b_j^(l) its bias)"
        )
    raise ValueError(f"--highlight: no parameter called {wanted!r}; {shown}")


def _finite(numbers: list[float], option: str) -> list[float]:
    """The numbers of --sample or --target, each finite: a NaN or an infinity would make J NaN."""
    bad = next((x for x in numbers if not math.isfinite(x)), None)
    if bad is not None:
        raise ValueError(f"{option}: every number must be finite, got {bad!r} in {','.join(map(repr, numbers))}")
    return numbers


def network_from_args(args: argparse.Namespace) -> Network:
    """The network, forward pass and (unless --no-backward) backward pass the options describe."""
    activation = args.activation or "sigmoid"
    if args.sizes is None:
        name = args.example or "2-2-2"
        mlp = example(name, fused=not args.elementary, activation=activation, bias=bool(args.bias))
        sample, target = EXAMPLE_DATA[name]
    else:
        sizes = args.sizes
        bias = True if args.bias is None else args.bias
        try:  # MLP counts the parameters and refuses too many before it allocates any
            mlp = MLP(
                sizes[0],
                sizes[1:],
                activation=activation,
                bias=bias,
                fused=not args.elementary,
                seed=args.seed,
                max_parameters=args.max_parameters,
            )
        except ValueError as exc:
            raise ValueError(f"--sizes {','.join(map(str, sizes))}: {cli_message(exc)}") from None
        sample = [round(0.5 * (i + 1) / mlp.nin, 4) for i in range(mlp.nin)]
        target = [0.5] * mlp.sizes[-1]
    if args.sample is not None:
        sample = _finite(args.sample, "--sample")
    if args.target is not None:
        target = _finite(args.target, "--target")
    if len(sample) != mlp.nin:
        raise ValueError(
            f"--sample has {counted(len(sample), 'number')} but the network takes {mlp.nin} (its first layer size)"
        )
    if len(target) != mlp.sizes[-1]:
        raise ValueError(
            f"--target has {counted(len(target), 'number')} but the network gives {mlp.sizes[-1]} (its last layer size)"
        )
    highlight = _find(mlp, args.highlight) if args.highlight else None
    out = mlp(sample)
    if args.no_backward:
        if highlight is not None:
            raise ValueError("--highlight colours the paths to the loss J: drop --no-backward")
        if isinstance(out, list):
            raise ValueError(f"--no-backward draws a single output, but the network has {len(out)}: drop --no-backward")
        return Network(mlp, out, None)  # a one-output network returns the Value itself
    root = mse([out], [target])  # one sample: [a Value] (one output) or [a list of K]
    root.backward()
    return Network(mlp, root, highlight)


# draw()'s advice names its keyword arguments and Python calls; on the command line they are options.
_CLI_TERMS = [
    ("max_parameters=", "--max-parameters "),
    ("pass max_nodes=", "pass --max-nodes "),
    ("max_nodes=", "--max-nodes "),
    ("pass a larger path_limit", "pass a larger --path-limit"),
    ("path_limit=", "--path-limit "),
]
_SMALLER = "draw a smaller graph or a single sample,"  # draw's advice; the command draws one sample already


def cli_message(exc: Exception, elementary: bool = True) -> str:
    """A library error's message with its Python terms replaced by the command line's options, and
    without the function's name in front (`draw: `): the command's name is.

    `elementary`: whether --elementary was given; if so, the size guard's advice says to drop it.
    """
    message = re.sub(r"^(draw|explore): ", "", str(exc))
    drop = " drop --elementary (one z node per neuron)," if elementary else ""
    smaller = f"draw a smaller network (--sizes),{drop}"
    message = message.replace(_SMALLER, smaller)
    for python, option in _CLI_TERMS:
        message = message.replace(python, option)
    return message
