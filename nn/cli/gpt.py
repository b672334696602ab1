"""`chainrule gpt`: train microgpt's transformer on real first names, sample names, check, draw and explore it.

    chainrule gpt                         # train 1,000 steps on the census first names, print 20 names
    chainrule gpt --data input.txt        # your own documents, one per line
    chainrule gpt --check                 # engine (fused), engine (elementary), matrices, central differences
    chainrule gpt --draw                  # the graph of a tiny GPT (4 tokens, n_embd 4, 1 head, 2 positions)
    chainrule gpt --explore               # the same graph on the explorer page: step through its backward pass
    chainrule gpt --load out/gpt.json     # sample from a saved model (and draw its attention)

Training writes into --out (default ./chainrule-out): gpt.json (the model, `nn.load` reads it) and
gpt-attention.png (the attention maps on one document).
"""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path

from .options import add_progress_options, folder, input_file, positive_int, say_written, show_progress

__all__ = ["add_parser", "check_model", "DEFAULT_STEPS"]

DEFAULT_STEPS = 1000
SECONDS_PER_STEP = 0.012  # measured: `chainrule gpt`, 1,000 steps in 12.0 s on the 2-core development machine
MAX_STEPS = 1_000_000
EMPTY_SAMPLE = "(empty: the model ended the name at once, BOS as its first character)"


def _unreadable(option: str, path: str, exc: OSError) -> ValueError:
    """A file checked when parsed that cannot be read now (gone, no permission): one line naming the option."""
    return ValueError(f"argument {option}: {path}: {(exc.strerror or str(exc)).lower()}")


def _documents(args: argparse.Namespace) -> tuple[list[str], str]:
    from .. import names

    if args.data is not None:
        try:
            docs = names.read_documents(args.data)
        except OSError as exc:  # checked when parsed; gone or unreadable since: still one line naming the option
            raise _unreadable("--data", args.data, exc) from None
        return names.shuffled(docs, args.seed), f"{len(docs):,} documents from {args.data}"
    return names.shuffled(names.first_names(), args.seed), (
        "the 5,163 first names of the 1990 US census (the `names` package; not microgpt's 32,033 names)"
    )


def _model(args: argparse.Namespace, docs: list[str]):
    from ..gpt import GPT

    if args.load is not None:
        from ..io import load

        try:
            model = load(args.load)
        except OSError as exc:
            raise _unreadable("--load", args.load, exc) from None
        if not isinstance(model, GPT):
            raise ValueError(f"--load {args.load}: the file holds an MLP, not a GPT")
        return model
    try:
        return GPT.from_documents(
            docs,
            n_embd=args.n_embd,
            n_head=args.n_head,
            n_layer=args.n_layer,
            block_size=args.block_size,
            seed=args.seed,
        )
    except ValueError as exc:
        raise ValueError(_cli_terms(str(exc))) from None


def _cli_terms(message: str) -> str:
    """The size guard's advice in the command line's terms: it has no max_parameters, only the sizes."""
    message = re.sub(r"more than max_parameters=([\d,]+)", r"more than the limit of \1", message)
    return re.sub(
        r"build a smaller network, or pass max_parameters=\d+ to build it anyway",
        "pass a smaller --n-embd, --n-layer or --block-size",
        message,
    )


def _check(args: argparse.Namespace) -> int:
    from ..grader.gpt import check_gpt

    docs, where = _documents(args)
    model = _model(args, docs)
    doc = args.doc if args.doc is not None else docs[0]
    how = "three ways" if args.no_numerical else "three ways and by central differences"
    print(f"chainrule gpt --check: ∂J/∂W {how}, on one document of {where}")
    tokens = model.tokens(doc)
    if len(tokens) < len(doc) + 2:  # BOS, the characters, BOS: cut to block_size + 1 tokens
        cut = len(tokens) - 1
        print(f"(--doc is longer than block_size {model.block_size}: its first {cut} characters are checked)")
    report = check_gpt(model, tokens, numerical=not args.no_numerical)
    print(report)
    return 0 if report.ok else 1


def check_model(seed: int) -> int:
    """`chainrule check --model gpt`: what `chainrule gpt --check --seed SEED` does (the default sizes)."""
    parser = argparse.ArgumentParser(prog="chainrule")
    add_parser(parser.add_subparsers())
    return _run(parser.parse_args(["gpt", "--check", "--seed", str(seed)]))


def _tiny(args: argparse.Namespace):
    """--draw's and --explore's GPT: the tiny one, its tokens, and a line saying what it is."""
    from ..gpt_draw import TINY_DOCUMENT, tiny_gpt

    model = tiny_gpt(args.seed)
    tokens = model.tokens(TINY_DOCUMENT)
    what = (
        f"a tiny GPT (vocabulary {model.vocab_size}: {model.chars!r} and BOS; n_embd {model.n_embd}, "
        f"{model.n_head} head, {model.n_layer} layer) on {TINY_DOCUMENT!r} cut to {len(tokens) - 1} positions"
    )
    return model, tokens, what


def _draw(args: argparse.Namespace) -> int:
    from autograd import save
    from autograd.draw import FORMATS

    from ..gpt_draw import graph

    model, tokens, what = _tiny(args)
    g = graph(model, tokens, edge_labels=args.edge_labels)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    formats = [args.format] if args.format else ["svg", "png"]
    paths = [save(g, out / f"gpt-graph.{fmt}") for fmt in formats if fmt in FORMATS]
    print(
        f"the graph of {what}, after one backward pass: {g.values} nodes, weights folded into their nodes "
        f"(op Σwc), a row of blocks per position (embedding, attention head, MLP), then the logits and J"
    )
    say_written(paths)
    return 0


def _explore(args: argparse.Namespace) -> int:
    from ..gpt_draw import attention_start, explore_page

    model, tokens, what = _tiny(args)
    page = explore_page(model, tokens)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = page.save(out / "gpt-explore.html")
    start = attention_start(model.loss(tokens, mode="folded"))
    print(
        f"the explorer page of {what}: {page.nodes} nodes, {page.steps} backward steps, a row of blocks per "
        f"position as --draw lays it out. The weights are folded into their nodes (op Σwc): the leaves are "
        f'the embeddings e, and they are what "gradient step" moves (by −lr·∂J/∂e)'
    )
    say_written([path])
    print(
        f"open it in a browser. Step {start + 1} of {page.steps} is the backward pass's first out of an attention "
        f"head's output o (then o → α and v; α → s; s → q and k); this link opens just before it, at "
        f'"step {start} of {page.steps}": press → for step {start + 1}'
    )
    print(f"  {path.resolve().as_uri()}#mode=backward&step={start}")
    return 0


# Each option that has an effect in some of the command's modes only: given in another, it is refused rather
# than ignored. The modes: training (no mode option), --check, --draw, --explore.
_SIZES = {"n_embd": 16, "n_head": 4, "n_layer": 1, "block_size": 16}
_DEFAULTS = {**_SIZES, "samples": 20, "temperature": 0.5}
_APPLIES = {
    "--data": ("training", "--check"),
    "--steps": ("training",),
    "--lr": ("training",),
    **{"--" + name.replace("_", "-"): ("training", "--check") for name in _SIZES},
    "--samples": ("training",),
    "--temperature": ("training",),
    "--doc": ("training", "--check"),
    "--load": ("training", "--check"),
    "--no-numerical": ("--check",),
    "--edge-labels": ("--draw",),
    "--format": ("--draw",),
    "--out": ("training", "--draw", "--explore"),
}
_TINY = "a tiny GPT of its own: 4 tokens, n_embd 4, 1 head, 2 positions"
_WHY = {
    "--check": "it checks an untrained GPT of the given sizes, or --load's, and trains, samples and writes nothing",
    "--draw": f"it draws {_TINY}",
    "--explore": f"it shows {_TINY}",
}


def _refuse_ignored(args: argparse.Namespace) -> None:
    """A ValueError `argument --format: only with --draw` for an option that would have no effect."""
    mode = "--check" if args.check else "--draw" if args.draw else "--explore" if args.explore else "training"
    for option, modes in _APPLIES.items():
        if getattr(args, option[2:].replace("-", "_")) in (None, False) or mode in modes:
            continue
        if modes[0] != "training":
            raise ValueError(f"argument {option}: only with {' or '.join(modes)}")
        raise ValueError(f"argument {option}: not with {mode} ({_WHY[mode]})")
    if args.load is not None:
        for name in _SIZES:
            if getattr(args, name) is not None:
                option = "--" + name.replace("_", "-")
                raise ValueError(f"argument {option}: not with --load (the loaded GPT has its own sizes)")
        if args.lr is not None and args.steps is None:
            raise ValueError("argument --lr: with --load, only with --steps (--load alone samples, without training)")
    for name, default in _DEFAULTS.items():
        if getattr(args, name) is None:
            setattr(args, name, default)
    if args.out is None:
        try:
            args.out = folder("chainrule-out")  # the default, checked as a given one is
        except argparse.ArgumentTypeError as exc:
            raise ValueError(f"argument -o/--out: {exc}") from None


def _run(args: argparse.Namespace) -> int:
    _refuse_ignored(args)
    if args.lr is not None and not 0 < args.lr < float("inf"):
        raise ValueError(f"--lr must be a finite number > 0, got {args.lr}")
    if not 0 < args.temperature < float("inf"):
        raise ValueError(f"--temperature must be a finite number > 0, got {args.temperature}")
    if args.steps is not None and args.steps > MAX_STEPS:
        raise ValueError(f"--steps must be at most {MAX_STEPS:,}, got {args.steps:,}")
    if args.seed < 0:
        raise ValueError(f"--seed must be an integer ≥ 0, got {args.seed}")
    if args.draw:
        return _draw(args)
    if args.explore:
        return _explore(args)
    if args.check:
        return _check(args)
    from .. import gpt
    from ..gpt_draw import save_attention_map
    from ..io import save

    docs, where = _documents(args)
    model = _model(args, docs)
    say = print
    steps = 0 if args.load is not None and args.steps is None else (args.steps or DEFAULT_STEPS)
    say(f"data: {where}")
    say(f"model: {model}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if steps:
        lr = args.lr or gpt.LEARNING_RATE
        say(
            f"training {steps:,} steps, one document per step, Adam (β₁ 0.85, β₂ 0.99) at lr {lr:g} decaying "
            f"linearly to 0; the fused graph (Σwx dot products, one node per RMSNorm output and per α, one J)"
        )
        progress = show_progress(args)
        every = max(1, steps // 20)

        def log(k: int, loss: float) -> None:
            if not progress and (k == 0 or (k + 1) % every == 0 or k + 1 == steps):
                say(f"step {k + 1:>6,} / {steps:,}   loss {loss:.4f}")

        t0 = time.perf_counter()
        losses = gpt.train(model, docs, steps, lr, progress=progress, callback=log)
        seconds = time.perf_counter() - t0
        tail = losses[-min(50, len(losses)) :]
        say(
            f"trained in {seconds:.1f} s ({1e3 * seconds / steps:.1f} ms per step); loss {losses[0]:.4f} at step 1, "
            f"{sum(tail) / len(tail):.4f} averaged over the last {len(tail)}"
        )
        say_written([save(model, out / "gpt.json")])
    doc = args.doc if args.doc is not None else docs[0]
    tokens = model.tokens(doc)
    say_written([save_attention_map(model, tokens, out / "gpt-attention.png")])
    say(f"{args.samples} sample{'s' * (args.samples != 1)} at temperature {args.temperature:g} (seed {args.seed}):")
    for k, name in enumerate(model.generate(args.samples, args.temperature, args.seed), start=1):
        say(f"  sample {k:2d}: {name or EMPTY_SAMPLE}")
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    seconds = DEFAULT_STEPS * SECONDS_PER_STEP
    p = sub.add_parser(
        "gpt",
        help="train microgpt's transformer on first names and sample names; --check, --draw, --explore",
        description=(
            "microgpt's GPT (one layer, 4 heads, n_embd 16, block 16: 4,192 parameters) on chainrule's engine, "
            "trained on the 1990 US census first names (5,163 names, shipped in the `names` package; not "
            f"microgpt's 32,033) or your own --data. The default {DEFAULT_STEPS:,} steps take about "
            f"{seconds:.0f} s on a 2-core machine ({1e3 * SECONDS_PER_STEP:.0f} ms per step). Prints the loss as "
            "it goes and 20 sampled names, writes the model (gpt.json) and the attention maps (gpt-attention.png)."
        ),
    )
    p.add_argument(
        "--data",
        metavar="FILE",
        type=input_file,
        help="your documents, one per line (UTF-8), instead of the census names",
    )
    p.add_argument(
        "--steps",
        type=positive_int,
        default=None,
        help=f"training steps, one document each (default {DEFAULT_STEPS:,}: about {seconds:.0f} s)",
    )
    p.add_argument(
        "--lr", type=float, default=None, help="Adam's learning rate at step 1, decaying to 0 (default 0.01)"
    )
    p.add_argument("--n-embd", type=positive_int, default=None, help="embedding width (default 16)")
    p.add_argument(
        "--n-head", type=positive_int, default=None, help="attention heads; must divide --n-embd (default 4)"
    )
    p.add_argument("--n-layer", type=positive_int, default=None, help="transformer layers (default 1)")
    p.add_argument("--block-size", type=positive_int, default=None, help="positions per document (default 16)")
    p.add_argument(
        "--seed", type=int, default=0, help="seeds the weights, the documents' order and sampling (default 0)"
    )
    p.add_argument("--samples", type=positive_int, default=None, help="names to sample after training (default 20)")
    p.add_argument("--temperature", type=float, default=None, help="sampling temperature > 0 (default 0.5)")
    p.add_argument("--doc", help="the document for the attention maps and --check (default: the first one)")
    p.add_argument(
        "--load",
        metavar="FILE",
        type=input_file,
        help="a GPT saved by chainrule gpt: sample from it (trained further only with --steps)",
    )
    p.add_argument(
        "-o",
        "--out",
        type=folder,
        default=None,
        help="folder for gpt.json and the pictures, made if missing (default ./chainrule-out)",
    )
    what = p.add_mutually_exclusive_group()
    what.add_argument(
        "--check",
        action="store_true",
        help="instead of training: the three-way gradient check of a GPT of these sizes (or --load's) on one "
        "document; exit code 0 when all agree, 1 when not",
    )
    what.add_argument(
        "--draw",
        action="store_true",
        help="instead of training: draw a tiny GPT's graph (4 tokens, n_embd 4, 1 head, 2 positions; 175 nodes) "
        "into --out as gpt-graph.svg and .png",
    )
    what.add_argument(
        "--explore",
        action="store_true",
        help="instead of training: the same tiny graph on the explorer page, gpt-explore.html in --out, to step "
        "through its backward pass edge by edge in a browser",
    )
    p.add_argument("--no-numerical", action="store_true", help="--check without central differences (faster)")
    p.add_argument("--edge-labels", action="store_true", help="--draw: print each local derivative on its edge")
    p.add_argument("--format", choices=("svg", "png", "pdf"), help="--draw: one format only")
    add_progress_options(p)
    p.set_defaults(func=_run)
