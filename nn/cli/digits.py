"""`chainrule digits`: the course's handwritten-digit exercise, trained by either implementation.

Loads scikit-learn's 8×8 digits (stratified train/test split by --seed), cross-checks the scalar
engine against the matrix implementation on one real mini-batch, trains a 64-H-10 sigmoid
network with the cross-entropy cost and λ — by `nn.matrix` and SciPy's L-BFGS-B (`--engine
matrix`, the default) or by the scalar engine with mini-batches and Adam (`--engine scalar`) —
writes three pictures, and ends with the line `test accuracy: 97.5%`.
"""

from __future__ import annotations

import argparse

from .options import add_progress_options, folder, integer_option, positive_int, real_option, say_written, show_progress

__all__ = ["add_parser"]

MAX_HIDDEN = 1000  # a bound on the work one command asks for (the scalar engine is O(hidden) per image)


def _run(args: argparse.Namespace) -> int:
    scalar_only = [o for o, v in (("--batch-size", args.batch_size), ("--lr", args.lr)) if v is not None]
    if args.engine == "matrix" and scalar_only:
        verb = "apply" if len(scalar_only) > 1 else "applies"
        raise ValueError(f"{' and '.join(scalar_only)} {verb} to --engine scalar only (the matrix side uses SciPy)")
    if args.engine == "scalar" and args.method is not None:
        raise ValueError("--method applies to --engine matrix only (the scalar engine uses Adam)")
    progress = show_progress(args)

    try:
        from .. import digits
        from ..data import digits as load_digits

        data = load_digits(seed=args.seed)
    except ImportError as exc:  # the `digits` extra is missing: one line, not a traceback
        raise RuntimeError(str(exc)) from None

    say = print
    say(
        f"handwritten digits: {len(data.y_train)} training and {len(data.y_test)} test images, 8×8 pixels in [0, 1] "
        f"(scikit-learn; stratified split, seed {args.seed})"
    )
    shape = f"64-{args.hidden}-10"
    batch_size = args.batch_size or 32
    # the cross-check on real data, before any training: the scalar engine's gradient of the first
    # mini-batch it would train on against the matrix implementation's
    report = digits.check_before_training(data, args.hidden, args.lam, args.seed, batch_size)
    say(str(report))
    if not report.ok:
        say("the engine and the matrix implementation disagree: not training")
        return 1
    say("")
    try:
        if args.engine == "matrix":
            method = args.method or "L-BFGS-B"
            iterations = args.epochs or 200
            say(
                f"training {shape} (sigmoid, cross-entropy, λ = {args.lam:g}) with the matrix implementation: "
                f"SciPy's {method} on the unrolled Θ's, at most {iterations} iterations"
            )
            result = digits.train_matrix(
                data,
                args.hidden,
                args.lam,
                iterations,
                args.seed,
                method,
                progress=progress,
                verbose=True,
                log=None if progress else say,
            )
        else:
            epochs = args.epochs or 15
            lr = args.lr or 0.02
            passes = f"{epochs} epoch{'' if epochs == 1 else 's'}"
            say(
                f"training {shape} (sigmoid, cross-entropy, λ = {args.lam:g}) with the scalar engine: {passes} "
                f"of mini-batches of {batch_size}, Adam(lr={lr:g}), backward() through each batch's graph"
            )
            result = digits.train_scalar(
                data,
                args.hidden,
                args.lam,
                epochs,
                batch_size,
                lr,
                args.seed,
                check=False,  # done above, on the same batch
                progress=progress,
                verbose=True,
                log=None if progress else say,
            )
    except ImportError as exc:
        raise RuntimeError(str(exc)) from None
    # the matrix side's J is at its last iterate; the scalar engine's, each batch's before its step, averaged
    cost = "final cost J" if result.engine == "matrix" else "last epoch's mean batch cost J"
    say(f"trained in {result.seconds:.1f} s ({result.stopped}); {cost} = {result.cost:.6f}")
    say(f"training accuracy at the final weights: {result.train_accuracy:.1%}")  # (an epoch's line: during it)
    say_written(digits.save_pictures(result, data, args.out), say)
    say(f"test accuracy: {result.test_accuracy:.1%}")
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "digits",
        help="train on scikit-learn's handwritten digits, by the matrix implementation or the scalar engine",
        description=(
            "The course's exercise on real data: a 64-H-10 sigmoid network, cross-entropy and λ, trained on "
            "1,437 of scikit-learn's 8×8 digits and tested on the other 360. Writes the hidden units' weights "
            "as images, the confusion matrix and the misclassified digits (PNG) and ends with the test accuracy."
        ),
    )
    p.add_argument(
        "--engine",
        choices=("matrix", "scalar"),
        default="matrix",
        help="matrix: nn.matrix + SciPy L-BFGS-B (default; 0.2 s of training, 3 s in all); scalar: the engine, "
        "mini-batches, Adam (8 s of training, 11 s in all, on a 2-core machine)",
    )
    p.add_argument(
        "--hidden", type=integer_option(1, MAX_HIDDEN), default=25, help="hidden units (default 25, as the course)"
    )
    p.add_argument("--lam", type=real_option(0.0), default=1.0, help="regularization λ (default 1)")
    p.add_argument(
        "--epochs",
        type=positive_int,
        default=None,
        help="scalar: passes over the training set (default 15); matrix: optimizer iterations (default 200)",
    )
    p.add_argument(
        "--seed",
        type=integer_option(0, 2**32 - 1),
        default=0,
        help="the train/test split, the initial Θ's, the shuffling",
    )
    p.add_argument(
        "-o", "--out", type=folder, default="chainrule-out", help="folder for the pictures (default ./chainrule-out)"
    )
    p.add_argument("--batch-size", type=positive_int, default=None, help="scalar only: images per batch (32)")
    p.add_argument(
        "--lr", type=real_option(0.0, low_open=True), default=None, help="scalar only: Adam's learning rate (0.02)"
    )
    p.add_argument("--method", choices=("L-BFGS-B", "CG"), default=None, help="matrix only: SciPy's method")
    add_progress_options(p)
    p.set_defaults(func=_run)
