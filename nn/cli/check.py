"""`chainrule check`: the three-way gradient cross-check (engine, matrix, numerical) of one network."""

from __future__ import annotations

import argparse

from .. import crosscheck, matrix
from .options import layer_sizes, positive_int

__all__ = ["add_parser"]


def _run(args: argparse.Namespace) -> int:
    if args.course:
        results = [crosscheck.course_check(lam) for lam in (0.0, 3.0)]
        for r in results:
            print(r)
        return 0 if all(r.ok for r in results) else 1
    if not args.lam >= 0:
        raise ValueError(f"--lam must be ≥ 0, got {args.lam}")
    out = args.output_activation or ("sigmoid" if args.loss == "cross_entropy" else args.activation)
    if args.loss == "cross_entropy" and out != "sigmoid":
        raise ValueError(
            f"--loss cross_entropy needs outputs in [0, 1] (probabilities), which only a sigmoid output layer "
            f"gives, but the output activation is {out}: use --output-activation sigmoid, or another --loss"
        )
    try:
        report = crosscheck.cross_check(
            args.sizes, args.activation, out, args.loss, args.lam, args.m, args.seed, max_parameters=args.max_parameters
        )
    except ValueError as exc:  # the library's words for its bound, in the command line's
        raise ValueError(str(exc).replace("pass max_parameters=", "pass --max-parameters ")) from None
    print(report)
    return 0 if report.ok else 1


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "check",
        help="cross-check gradients: engine vs matrix implementation vs numerical",
        description="Compare the gradients of one network three ways; exit 0 when they agree, 1 when not.",
    )
    p.add_argument("--sizes", type=layer_sizes, default=[3, 5, 3], help="layer sizes, e.g. 3,5,3 (default)")
    p.add_argument("--activation", choices=matrix.ACTIVATIONS, default="sigmoid")
    p.add_argument(
        "--output-activation",
        choices=matrix.ACTIVATIONS,
        default=None,
        help="of the output layer (default: sigmoid for cross_entropy, else as --activation)",
    )
    p.add_argument("--loss", choices=matrix.LOSSES, default="cross_entropy")
    p.add_argument("--lam", type=float, default=0.0, help="L2 regularization λ (default 0)")
    p.add_argument("--m", type=positive_int, default=5, help="samples in the batch (default 5)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--course", action="store_true", help="run the course's 3-5-3 check with λ = 0 and 3")
    p.add_argument(
        "--max-parameters",
        type=positive_int,
        default=crosscheck.MAX_PARAMETERS,
        help=f"refuse larger networks, and batches of more than 100 samples per parameter allowed "
        f"(default {crosscheck.MAX_PARAMETERS:,}: about a second)",
    )
    p.set_defaults(func=_run)
