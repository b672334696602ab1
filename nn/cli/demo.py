"""`chainrule demo` (what `make demo` runs): the whole project in one run, on built-in data.

1. Jordan's 2-2-2 network: forward values, backward, the 52 chain-rule factors against the
   edges backprop visits, and the δ's of each layer from the engine and from the matrix form.
2. The three-way gradient cross-check table.
3. An MLP trained on the two-moons data, a metrics line per epoch and a progress bar.
4. Files in an output folder: the 2-2-2 graph with a highlighted path (SVG and PNG), its explorer
   page (HTML: step through its backprop in a browser), the loss curve and the decision boundary
   (PNG); the run ends by listing them.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np

from autograd import chain_paths, count_paths, draw, explore, save, topological_order
from autograd.files import write_atomically

from .. import crosscheck, matrix
from ..convert import thetas_from_mlp
from ..data import moons
from ..examples import EXAMPLE_DATA, example
from ..layout import layout
from ..losses import mse
from ..module import MLP
from ..optim import Adam
from ..train import accuracy, fit
from .options import add_progress_options, folder, integer_option, positive_int, say_written, show_progress

__all__ = ["run_demo", "add_parser"]


def _heading(text: str, say) -> None:
    say(f"\n{text}\n{'─' * len(text)}")


def jordans_network(say) -> tuple[MLP, object]:
    """Part 1: the 2-2-2 network of Jordan's post, its 52 chain-rule factors and its δ's."""
    _heading("1 · Jordan's 2-2-2 network (sigmoid, no biases, the course's sin weights)", say)
    net = example("2-2-2")
    x, y = EXAMPLE_DATA["2-2-2"]
    trace = net.trace(x)
    J = mse([trace.output], [y])
    J.backward()
    say(f"x = {x}, y = {y}")
    for l, (zs, acts) in enumerate(zip(trace.z, trace.a), start=2):
        say(f"layer {l}: z = {[round(z.data, 6) for z in zs]}   a = {[round(a.data, 6) for a in acts]}")
    say(f"J = ½·Σ(a − y)² = {J.data:.8f}\n")
    say(f"{'parameter':<12}{'value':>11}{'∂J/∂θ (backward)':>20}{'Σ path products':>18}  paths")
    for p in net.parameters():
        paths = chain_paths(J, p)
        say(f"{p.label:<12}{p.data:>11.6f}{p.grad:>20.10f}{sum(q.product for q in paths):>18.10f}  {len(paths)}")
    n_paths, factors = count_paths(J, net.parameters())
    edges = sum(len(v.parents) for v in topological_order(J))
    say(
        f"\nchain rule written out: {n_paths} paths, {factors} factors (Jordan's post counts 52);"
        f" backward() visits {edges} edges, one multiply-add each"
    )

    res = matrix.backprop(thetas_from_mlp(net), np.array([x]), np.array([y]), loss="mse")
    say("\nδ = ∂J/∂z per layer: the engine's z grads beside the matrix implementation's δ's")
    for l, (zs, d) in enumerate(zip(trace.z, res.deltas), start=2):
        engine = [z.grad for z in zs]
        diff = max(abs(a - b) for a, b in zip(engine, d[0]))
        say(
            f"δ^({l})  engine {np.array2string(np.array(engine), precision=10)}"
            f"   matrix {np.array2string(d[0], precision=10)}   max |diff| {diff:.1e}"
        )
    return net, J


def run_demo(
    out: str | os.PathLike = "chainrule-out",
    epochs: int = 60,
    samples: int = 100,
    progress: bool | None = True,
    say=print,
) -> list[Path]:
    """Run the tour, write its files into `out`, and return their paths."""
    import matplotlib

    matplotlib.use("Agg")  # files only; no window
    import matplotlib.pyplot as plt

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    net, J = jordans_network(say)

    _heading("2 · Three-way gradient cross-check: engine, matrix implementation, central differences", say)
    report = crosscheck.cross_check([2, 4, 3, 2], activation="tanh", loss="mse", lam=1.0, m=7, seed=0)
    say(str(report))
    for lam in (0.0, 3.0):
        say(str(crosscheck.course_check(lam)))

    _heading(f"3 · Training MLP(2, [16, 16, 1]) on {samples} two-moons points", say)
    X, y = moons(samples, noise=0.1, seed=1)
    model = MLP(2, [16, 16, 1], activation="tanh", output_activation="sigmoid", seed=0)
    say(f"{model}, cross-entropy, Adam(lr=0.05), full batch, {epochs} epochs")
    history = fit(
        model,
        X,
        y,
        loss="cross_entropy",
        optimizer=Adam(model.parameters(), lr=0.05),
        epochs=epochs,
        progress=progress,
        verbose=True,
        log=None if progress else say,
    )
    final = accuracy(model, X, y)  # the model the pictures show: after the last step
    say(f"accuracy on the training set after the last step: {final:.1%}")

    _heading("4 · Files", say)
    w = net.layers[0].neurons[0].w[0]
    graph = draw(J, highlight=w, **layout(J))
    for suffix in ("svg", "png"):
        written.append(save(graph, out / f"graph-2-2-2.{suffix}"))
    # open it in a browser: backprop step by step, and "gradient step" on the network's parameters
    written.append(explore(J, params=net.parameters(), **layout(J)).save(out / "explore-2-2-2.html"))

    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(range(1, len(history) + 1), history.losses, color="#1f77b4")
    ax.set(xlabel="epoch", ylabel="loss J (cross-entropy)", title="training loss")
    ax.grid(alpha=0.3)
    written.append(_savefig(fig, out / "loss-curve.png"))
    plt.close(fig)

    # the boundary over a grid, evaluated with the matrix form: one vectorized pass, no graph
    xx, yy = np.meshgrid(
        np.linspace(X[:, 0].min() - 0.5, X[:, 0].max() + 0.5, 150),
        np.linspace(X[:, 1].min() - 0.5, X[:, 1].max() + 0.5, 150),
    )
    grid = np.c_[xx.ravel(), yy.ravel()]
    prob = matrix.forward(thetas_from_mlp(model), grid, "tanh", "sigmoid").output.reshape(xx.shape)
    fig, ax = plt.subplots(figsize=(6, 4.5))
    ax.contourf(xx, yy, prob, levels=[0.0, 0.5, 1.0], colors=["#aec7e8", "#ffbb78"], alpha=0.6)
    ax.contour(xx, yy, prob, levels=[0.5], colors="k", linewidths=1)
    ax.scatter(X[:, 0], X[:, 1], c=np.where(y == 1, "#ff7f0e", "#1f77b4"), s=18, edgecolors="k", linewidths=0.3)
    ax.set(title=f"decision boundary after training (training accuracy {final:.0%})", xlabel="x₁", ylabel="x₂")
    written.append(_savefig(fig, out / "decision-boundary.png"))
    plt.close(fig)

    say_written(written, say)
    return written


def _savefig(fig, path: Path) -> Path:
    """Save a figure as PNG, atomically (see `autograd.files.write_atomically`)."""
    return write_atomically(path, lambda f: fig.savefig(f, format="png", dpi=110, bbox_inches="tight"))


def _run(args: argparse.Namespace) -> int:
    run_demo(args.out, args.epochs, args.samples, progress=show_progress(args))
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo",
        help="the tour: Jordan's 2-2-2 network, the cross-check, training, graphs and plots",
        description="Run the whole tour on built-in data and write its pictures to a folder.",
    )
    p.add_argument(
        "-o", "--out", type=folder, default="chainrule-out", help="folder for the files (default ./chainrule-out)"
    )
    p.add_argument("--epochs", type=positive_int, default=60, help="training epochs (default 60)")
    p.add_argument("--samples", type=integer_option(4), default=100, help="two-moons points, at least 4 (default 100)")
    add_progress_options(p)
    p.set_defaults(func=_run)
