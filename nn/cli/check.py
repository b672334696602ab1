"""`chainrule check`: the three-way gradient cross-check of one network, or a learner's own backprop.

Without --function: the engine, the matrix implementation and central differences on one network
(or --course, the course's 3-5-3 check); exit 0 when they agree, 1 when not. With --function
FILE.py:NAME or FILE.ipynb:NAME: the learner's cost-and-gradient function against those
references (`nn.grader`), in a child process of their own interpreter (--python): exit 0 RIGHT,
1 WRONG, 3 NOT CHECKED (nothing could be compared: the report says the one line that gets it
checked), 2 for bad options or files.
"""

from __future__ import annotations

import argparse

from .. import crosscheck, matrix
from .options import byte_size, layer_sizes, positive_int, seconds

__all__ = ["add_parser"]

_FUNCTION_ONLY = ("signature", "order", "labels", "timeout", "load_timeout", "memory", "python", "gradient", "y")
_NOT_A_BOUNDARY = (
    "The learner's code runs with your rights: the check is a convenience, not a security boundary. "
    "It needs a POSIX system (Linux, macOS): process groups, fork and resource limits."
)


def _run_function(args: argparse.Namespace) -> int:
    from .. import grader

    if args.course:
        raise ValueError("--course and --function are two different checks: pass one of them")
    if args.gradient is not None and args.gradient.rpartition(":")[0] == "":
        raise ValueError(f"--gradient: expected FILE.py:NAME, got {args.gradient!r}")
    lams = None if args.lam is None else (0.0, args.lam) if args.lam > 0 else (0.0,)  # None: λ = 0 and 3
    options = {
        "timeout": args.timeout,
        "load_timeout": args.load_timeout,
        "memory": args.memory,
        "python": args.python,
        "gradient": args.gradient,
        "y": args.y,
    }
    report = grader.check_backprop(
        args.function,
        signature=args.signature,
        sizes=args.sizes,
        lams=lams,
        order=args.order or "C",
        labels=0 if args.labels is None else args.labels,
        m=args.m,
        seed=args.seed,
        activation=args.activation,
        output_activation=args.output_activation,
        loss=args.loss,
        **{k: v for k, v in options.items() if v is not None},
    )
    print(report)
    return report.exit_code


def _run(args: argparse.Namespace) -> int:
    if args.lam is not None and not args.lam >= 0:
        raise ValueError(f"--lam must be ≥ 0, got {args.lam}")
    if args.model == "gpt":
        mlp_only = [
            o for o, v in (("--function", args.function), ("--sizes", args.sizes), ("--course", args.course)) if v
        ]
        if mlp_only:
            raise ValueError(
                f"{mlp_only[0]} applies to --model mlp; --model gpt checks microgpt's GPT (see chainrule gpt)"
            )
        from .gpt import check_model

        return check_model(args.seed)
    if args.function is not None:
        return _run_function(args)
    given = [name for name in _FUNCTION_ONLY if getattr(args, name) is not None]
    if given:
        option = "--" + given[0].replace("_", "-")
        raise ValueError(f"{option} applies to a learner's function: use it with --function FILE.py:NAME")
    if args.course:
        fixed = [o for o, v in (("--sizes", args.sizes), ("--lam", args.lam)) if v is not None]
        if fixed:  # the course's set-up is fixed: an option that would change it would be ignored
            raise ValueError(f"{fixed[0]} does not apply to --course (the course's check is 3-5-3, m = 5, λ = 0 and 3)")
        results = [crosscheck.course_check(lam) for lam in (0.0, 3.0)]
        for r in results:
            print(r)
        return 0 if all(r.ok for r in results) else 1
    from ..grader.problems import default_output

    lam = args.lam or 0.0
    sizes = args.sizes or [3, 5, 3]
    out = default_output(args.loss, args.activation, args.output_activation)
    if args.loss == "cross_entropy" and out != "sigmoid":
        raise ValueError(
            f"--loss cross_entropy needs outputs in [0, 1] (probabilities), which only a sigmoid output layer "
            f"gives, but the output activation is {out}: use --output-activation sigmoid, or another --loss"
        )
    try:
        report = crosscheck.cross_check(
            sizes, args.activation, out, args.loss, lam, args.m, args.seed, max_parameters=args.max_parameters
        )
    except ValueError as exc:  # the library's words for its bound, in the command line's
        raise ValueError(str(exc).replace("pass max_parameters=", "pass --max-parameters ")) from None
    print(report)
    return 0 if report.ok else 1


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "check",
        allow_abbrev=False,  # --load is no --load-timeout, --mem no --memory: a misspelt option is an error
        help="cross-check gradients: engine vs matrix implementation vs numerical, or check your own backprop",
        description="Compare the gradients of one network three ways (exit 0 when they agree, 1 when not), or "
        "check your own cost-and-gradient function against them (--function): exit 0 RIGHT, 1 WRONG, "
        "3 NOT CHECKED (nothing could be compared; the report says what to do), 2 for bad options. " + _NOT_A_BOUNDARY,
    )
    p.add_argument(
        "--sizes",
        type=layer_sizes,
        default=None,
        help="layer sizes, e.g. 3,5,3 (default); with --function a random network of these sizes "
        "(default: the course's 3-5-3 set-up); required for a one-parameter NAME(theta), to split θ into the Θ's",
    )
    p.add_argument("--activation", choices=matrix.ACTIVATIONS, default="sigmoid")
    p.add_argument(
        "--output-activation",
        choices=matrix.ACTIVATIONS,
        default=None,
        help="of the output layer (default: sigmoid for cross_entropy, none (linear, the softmax is the cost's) "
        "for softmax_cross_entropy, else as --activation)",
    )
    p.add_argument(
        "--loss",
        choices=matrix.LOSSES,
        default="cross_entropy",
        help="with --function and the course's signature: cross_entropy (sigmoid outputs) or softmax_cross_entropy",
    )
    p.add_argument(
        "--lam",
        type=float,
        default=None,
        help="L2 regularization λ (default 0); with --function the λ > 0 run beside λ = 0 (default 3); "
        "not with a one-parameter NAME(theta), which fixes its own λ",
    )
    p.add_argument("--m", type=positive_int, default=5, help="samples in the batch (default 5)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--course", action="store_true", help="run the course's 3-5-3 check with λ = 0 and 3")
    p.add_argument(
        "--model",
        choices=("mlp", "gpt"),
        default="mlp",
        help="gpt: the three-way check of microgpt's GPT (4,192 parameters, the default sizes, weights from --seed) "
        "on a census name, per parameter matrix, as `chainrule gpt --check --seed SEED`; for other sizes, a saved "
        "model (--load) or another document (--doc), run `chainrule gpt --check` with them",
    )
    p.add_argument(
        "--max-parameters",
        type=positive_int,
        default=crosscheck.MAX_PARAMETERS,
        help=f"refuse larger networks, and batches of more than 100 samples per parameter allowed "
        f"(default {crosscheck.MAX_PARAMETERS:,}: about a second)",
    )
    learner = p.add_argument_group("checking your own backprop", _NOT_A_BOUNDARY)
    learner.add_argument(
        "--function",
        metavar="FILE:NAME",
        default=None,
        help="your cost-and-gradient function: ex4.py:nnCostFunction, or in a notebook exercise4.ipynb:nnCostFunction "
        "(its imports and the cells defining what the function uses run; never a cell calling it or an optimizer)",
    )
    learner.add_argument(
        "--gradient",
        metavar="FILE:NAME",
        default=None,
        help="the gradient function of a cost that returns J alone (the fmin_cg(f, x0, fprime=…) pattern), "
        "called with the same arguments; without it such a cost is checked but its gradient is NOT CHECKED",
    )
    learner.add_argument(
        "--signature",
        choices=("course", "theta", "thetas", "separate"),
        default=None,
        help="course: NAME(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_) (one more "
        "size per extra hidden layer); theta: NAME(theta, sizes, X, Y, lam), or NAME(theta) on your own data (its "
        "gradient against central differences of its own cost; needs --sizes); thetas: NAME(thetas, X, Y, lam); "
        "separate: NAME(Theta1, Theta2, X, y, lambda_); all → (J, grad). Default: detected from the parameters",
    )
    learner.add_argument(
        "--order",
        choices=("C", "F"),
        default=None,
        help="how the Θ's and the gradient are unrolled: C row-major (the Python port's, default) or F "
        "column-major (MATLAB's)",
    )
    learner.add_argument(
        "--labels",
        type=int,
        choices=(0, 1),
        default=None,
        help="y holds 0..K-1 (0, the Python port's, default) or 1..K (1, MATLAB's)",
    )
    learner.add_argument(
        "--y",
        choices=("labels", "onehot"),
        default=None,
        help="y as labels or one-hot m × K (default: labels, retried one-hot when your function fails with them)",
    )
    learner.add_argument(
        "--timeout", type=seconds, default=None, help="seconds your function may take per call (default 10)"
    )
    learner.add_argument(
        "--load-timeout",
        type=seconds,
        default=None,
        help="seconds your file may take to load, its imports included (default 120)",
    )
    learner.add_argument(
        "--memory",
        type=byte_size,
        default=None,
        help="data segment your function's process may use, e.g. 4G (default), 512M; past it: NOT CHECKED",
    )
    learner.add_argument(
        "--python",
        metavar="PATH",
        default=None,
        help="run your function in this interpreter (your venv's or conda env's python), so your imports "
        "resolve; it needs Python ≥ 3.8 and NumPy ≥ 1.17, not chainrule (default: chainrule's own)",
    )
    p.set_defaults(func=_run)
