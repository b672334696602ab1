"""`make bench`: chainrule side by side with micrograd 0.1.0 and a hand-written float baseline.

Everything runs in one process, on this machine, and is reported as one table of figures and
ratios (never asserted in tests: a shared machine's timings move from run to run). Sections:

1. micrograd's demo workload — MLP(2, [16, 16, 1]), ReLU hidden, linear output, 100 two-moons
   points, SVM max-margin loss + 1e-4·Σp² over every parameter, full batch, SGD with the demo's
   learning-rate schedule — from the SAME initial weights (micrograd's, copied) for micrograd,
   micrograd with the cyclic garbage collector off, chainrule (fused neurons and micrograd-shaped
   elementary ones) and the same network hand-written on Python floats. Median ms per epoch
   (forward, loss, backward, update, and freeing the graph), the ratios, and the largest
   difference between the loss trajectories (they must agree to 1e-9: it is the same arithmetic).
   micrograd's loop on chainrule runs once more in parts: the collector's share of its epoch and
   the topological walk, each in units of the floats' epoch (why it stays above 4× the floats).
2. The deepest chain each engine backpropagates, and bytes per node.
3. A 10⁵-term sum as one node.
4. The matrix implementation: one gradient of the course's digit network shape (400-25-10,
   m = 5000), and the scalar engine against the matrix implementation on a smaller network.
5. nn.matrix against the same cost and gradient in PyTorch (CPU, float64, autograd), in
   alternating rounds, with BLAS/torch threads as installed and on one thread each — when torch
   is importable (it is not a dependency; the section says how to get it otherwise).
6. The handwritten digits (64-25-10 sigmoid, cross-entropy + λ/(2M)Σw², mini-batches of 32, SGD,
   the same initial Θ's and batches for all): chainrule's epoch over the 1,437 training images (as
   `nn.digits` trains: constant inputs, gc paused; and with input Values, as `nn.fit` does), the
   same network hand-written on Python floats, and micrograd 0.1.0 (sigmoid and log added to it
   the way its own ops are written) on the first few batches, its epoch extrapolated per batch.
7. What the core's guards cost: a node made through `make_node` (which reads anomaly mode's state)
   against a copy without the read; backward with its strong zero (0 · x = 0) against the loop
   without that test; `chain_paths` along one path of 10⁴, 3·10⁴ and 10⁵ edges.
8. microgpt's workload (bench/microgpt.py): a training step of its GPT on (a) a faithful microgpt
   `Value`, (b) chainrule's `Value` running the same model code, (c) `nn.gpt`'s fused graph, (d) the
   NumPy twin — each in a process of its own, the collector at its default, in three rounds of the
   five processes in turn (a slow spell of the machine falls on all of them); ms per step, the
   ratios round by round, nodes and edges per step, bytes per node, the losses over 30 steps.

    .venv/bin/python bench/run.py               # the full run, about a minute
    .venv/bin/python bench/run.py --quick       # tiny sizes, seconds (a smoke test)
    .venv/bin/python bench/run.py --json out.json

Exits 1 if two implementations disagree (loss trajectories or gradients beyond 1e-9).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import math
import random
import statistics
import sys
import time
import tracemalloc
from operator import mul

import numpy as np

import nn
from autograd import Value, collector, topological_order, total
from nn import matrix

AGREE = 1e-9  # the largest loss or gradient difference two implementations may show


def target(value: float, goal: float, *, at_least: bool = False, unit: str = "×", digits: int = 2) -> str:
    """`9.55× (target ≤ 5×: MISSED)` or `4.30× (target ≤ 5×: met)`: every target with its mark."""
    met = value >= goal if at_least else value <= goal
    shown = f"{value:.{digits}f}"
    while float(shown) == goal and value != goal and digits < 6:  # 1.496× must not print as 1.50×, MISSED
        digits += 1
        shown = f"{value:.{digits}f}"
    return f"{shown}{unit} (target {'≥' if at_least else '≤'} {goal:g}{unit}: {'met' if met else 'MISSED'})"


# ---------------------------------------------------------------- 1. the demo workload

ALPHA = 1e-4  # micrograd demo's L2 strength, over all parameters (biases included)


def learning_rate(k: int) -> float:
    """micrograd demo's schedule: 1.0 at epoch 0, down by 0.009 per epoch."""
    return 1.0 - 0.9 * k / 100


def moons_pm1(n: int) -> tuple[list[list[float]], list[float]]:
    X, y = nn.data.moons(n, noise=0.1, seed=1)
    return X.tolist(), (2.0 * y - 1.0).tolist()


def micrograd_epoch(model, X, Y, k: int) -> tuple[float, float]:
    """One epoch of micrograd's demo loop, on micrograd itself; (loss, seconds). Its graph is freed by
    the cyclic collector, in whichever later epoch that runs."""
    from micrograd.engine import Value as MicrogradValue

    return demo_loop_epoch(model, MicrogradValue, X, Y, k)


def l2_all(params: list[Value], alpha: float) -> Value:
    """α·Σp² over every parameter as ONE node (local derivatives 2αp), to match micrograd's demo.

    (`nn.l2` is the course's λ/(2m)·Σw² without the biases, a different regularizer.)
    """
    return Value.from_op(
        alpha * sum(p.data * p.data for p in params), params, [2.0 * alpha * p.data for p in params], "α Σp²"
    )


def chainrule_epoch(model: nn.MLP, params: list[Value], X, targets, k: int, pause_gc: bool = False):
    """One epoch with chainrule: one-node hinge loss and L2; (loss, seconds)."""
    if pause_gc:
        gc.disable()  # as nn.fit trains (chainrule's graph has no cycles: refcounting frees it)
    try:
        t0 = time.perf_counter()
        outputs = [model(x) for x in X]
        loss = nn.hinge(outputs, targets) + l2_all(params, ALPHA)
        for p in params:
            p.grad = 0.0
        loss.backward()
        lr = learning_rate(k)
        for p in params:
            p.data -= lr * p.grad
        value = loss.data
        del outputs, loss  # freeing the graph is part of the epoch
        return value, time.perf_counter() - t0
    finally:
        if pause_gc:
            gc.enable()


def demo_loop_epoch(model, value_class, X, Y, k: int, walks: list | None = None) -> tuple[float, float]:
    """micrograd's demo loop as written (its notebook's `loss()` and update), on the model given:
    inputs made Values, `sum()` of `(1 + -yi * scorei).relu()`, `alpha * sum(p * p …)`, the accuracy
    list, zero_grad, backward, the update — the code a user ports, no fused loss; (loss, seconds).
    micrograd's MLP and chainrule's nn.MLP (a one-output network returns the Value) both run it.
    With `walks` (chainrule only), the topological walk of the epoch's graph is also timed on its
    own, after the update, and appended there (its time is not in the epoch's seconds)."""
    t0 = time.perf_counter()
    inputs = [list(map(value_class, xrow)) for xrow in X]
    scores = list(map(model, inputs))  # a one-output network returns the Value
    losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(Y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = ALPHA * sum(p * p for p in model.parameters())
    total_loss = data_loss + reg_loss
    accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(Y, scores)]  # noqa: F841 (as the demo)
    model.zero_grad()
    total_loss.backward()
    lr = learning_rate(k)
    for p in model.parameters():
        p.data -= lr * p.grad
    value = total_loss.data
    walked = 0.0
    if walks is not None:
        t1 = time.perf_counter()
        topological_order(total_loss)
        walked = time.perf_counter() - t1
        walks.append(walked)
    del inputs, scores, losses, data_loss, reg_loss, total_loss
    return value, time.perf_counter() - t0 - walked


def floats_epoch(weights, biases, X, Y, k: int, map_dot: bool = False) -> tuple[float, float]:
    """The same network written out by hand on Python floats: the floor for a scalar engine.

    weights[l][j] is neuron j's weight list, biases[l][j] its bias; relu on hidden layers.
    Plain lists and loops. With `map_dot` the forward's dot products are `sum(map(mul, w, x), b)`,
    the C-level idiom chainrule's weighted sum itself uses; without it, a loop `z += w * x`.
    Both add b + w₁x₁ + w₂x₂ + … left to right, the very floats micrograd computes.
    """
    t0 = time.perf_counter()
    L, m = len(weights), len(X)
    gW = [[[0.0] * len(row) for row in layer] for layer in weights]
    gB = [[0.0] * len(layer) for layer in biases]
    data_loss = 0.0
    for x, y in zip(X, Y):
        acts, zs = [x], []  # every layer's input and pre-activations, for the backward pass
        h = x
        for l in range(L):
            if map_dot:
                z = [sum(map(mul, row, h), b) for row, b in zip(weights[l], biases[l])]
            else:
                z = []
                for row, b in zip(weights[l], biases[l]):
                    s = b
                    for w, xi in zip(row, h):
                        s += w * xi
                    z.append(s)
            zs.append(z)
            h = [v if v > 0.0 else 0.0 for v in z] if l < L - 1 else z
            acts.append(h)
        margin = 1.0 + -y * h[0]
        if margin <= 0.0:
            continue  # no loss, no gradient from this sample
        data_loss += margin
        d = [-y / m]  # ∂J/∂score
        for l in range(L - 1, -1, -1):  # d: ∂J/∂z of layer l's neurons
            inp, back = acts[l], [0.0] * len(acts[l])
            for j, dj in enumerate(d):
                if dj == 0.0:
                    continue
                gB[l][j] += dj
                grow, wrow = gW[l][j], weights[l][j]
                for i, xi in enumerate(inp):
                    grow[i] += dj * xi
                    back[i] += dj * wrow[i]
            if l:
                d = [bi if zi > 0.0 else 0.0 for bi, zi in zip(back, zs[l - 1])]  # through the relu
    data_loss = data_loss * (1.0 / m)
    reg = ALPHA * sum(p * p for layer in weights for row in layer for p in row)
    reg += ALPHA * sum(b * b for layer in biases for b in layer)
    # micrograd sums the reg over w…, b per neuron; the order differs, so the float may differ
    # in its last bit (well inside AGREE)
    lr = learning_rate(k)
    for l in range(L):
        for j, row in enumerate(weights[l]):
            g = gW[l][j]
            for i in range(len(row)):
                row[i] -= lr * (g[i] + 2.0 * ALPHA * row[i])
            biases[l][j] -= lr * (gB[l][j] + 2.0 * ALPHA * biases[l][j])
    return data_loss + reg, time.perf_counter() - t0


def demo_workload(
    epochs_slow: int, epochs_fast: int, n: int, parts: dict | None = None
) -> dict[str, tuple[list[float], list[float]]]:
    """{implementation: (losses, seconds per epoch)}; the slow ones timed over fewer epochs.

    `parts`, when given, gets where chainrule's time on micrograd's loop goes, from the same
    epochs run again: {"seconds", "collector", "walk"}, lists of seconds per epoch."""
    import micrograd.nn as mnn

    def micrograd_model():
        random.seed(1337)  # as micrograd's demo
        return mnn.MLP(2, [16, 16, 1])  # ReLU hidden, linear output

    init = [float(p.data) for p in micrograd_model().parameters()]  # w…, b per neuron, layer by layer
    X, Y = moons_pm1(n)
    targets = [[y] for y in Y]

    def chainrule_model(fused: bool) -> nn.MLP:
        model = nn.MLP(2, [16, 16, 1], activation="relu", output_activation="linear", fused=fused)
        params = model.parameters()
        assert len(params) == len(init)
        for p, v in zip(params, init):  # the same order: w…, b per neuron
            p.data = v
        return model

    def float_model():
        weights, biases, k = [], [], 0
        for s_in, s_out in zip([2, 16, 16], [16, 16, 1]):
            W, B = [], []
            for _ in range(s_out):
                W.append(init[k : k + s_in])
                B.append(init[k + s_in])
                k += s_in + 1
            weights.append(W)
            biases.append(B)
        return weights, biases

    def runner(kind: str):
        if kind.startswith("micrograd"):
            model = micrograd_model()
            return lambda k: micrograd_epoch(model, X, Y, k)
        if kind == "chainrule, micrograd's loop":
            model = chainrule_model(fused=True)
            return lambda k: demo_loop_epoch(model, Value, X, Y, k)
        if kind.startswith("chainrule"):
            model = chainrule_model(fused="elementary" not in kind)
            params = model.parameters()
            pause = "gc off" in kind
            return lambda k: chainrule_epoch(model, params, X, targets, k, pause_gc=pause)
        weights, biases = float_model()
        map_dot = "map" in kind
        return lambda k: floats_epoch(weights, biases, X, Y, k, map_dot=map_dot)

    out: dict[str, tuple[list[float], list[float]]] = {}

    def timed(kinds: list[str], epochs: int) -> None:
        # Epoch by epoch in turn, so a burst of load from another process lands on all of them.
        runs = {kind: runner(kind) for kind in kinds}
        for kind in kinds:
            out[kind] = ([], [])
        for k in range(epochs):
            for kind, run_epoch in runs.items():
                loss, seconds = run_epoch(k)
                out[kind][0].append(loss)
                out[kind][1].append(seconds)

    gc.collect()
    timed(["micrograd"], epochs_slow)
    gc.collect()
    gc.disable()
    try:
        timed(["micrograd, gc off"], epochs_slow)
    finally:
        gc.enable()
        gc.collect()
    timed(["chainrule, elementary"], epochs_slow)
    gc.collect()
    timed(
        ["chainrule", "chainrule, gc off", "chainrule, micrograd's loop", "floats by hand", "floats, map dot"],
        epochs_fast,
    )
    gc.collect()
    if parts is not None:  # micrograd's loop on chainrule again, timed in parts
        model = chainrule_model(fused=True)
        parts.update(seconds=[], collector=[], walk=[])
        for k in range(epochs_fast):
            with collector.measure() as m:
                _, seconds = demo_loop_epoch(model, Value, X, Y, k, walks=parts["walk"])
            parts["seconds"].append(seconds)
            parts["collector"].append(m.seconds)
        gc.collect()
    return out


# ---------------------------------------------------------------- 2. deep chains and memory


def chainrule_chain(n: int) -> tuple[Value, Value]:
    """(x, y) with y = x·c·c·…·c, n multiplications by the constant c = −1."""
    x = Value(0.5)
    c = Value(-1.0)
    y = x
    for _ in range(n):
        y = y * c
    return x, y


def micrograd_chain(n: int):
    from micrograd.engine import Value as MValue

    x = MValue(0.5)
    c = MValue(-1.0)
    y = x
    for _ in range(n):
        y = y * c
    return x, y


def time_chain(depth: int) -> tuple[float, float]:
    """(seconds to build, seconds to backpropagate) a chainrule chain `depth` nodes deep."""
    t0 = time.perf_counter()
    x, y = chainrule_chain(depth)
    t1 = time.perf_counter()
    y.backward()
    t2 = time.perf_counter()
    assert x.grad == (-1.0) ** depth
    del x, y
    return t1 - t0, t2 - t1


def micrograd_deepest(limit: int) -> int:
    """The deepest chain micrograd's recursive backward survives at the default recursion limit."""

    def ok(depth: int) -> bool:
        _, y = micrograd_chain(depth)
        try:
            y.backward()
            return True
        except RecursionError:
            return False

    lo, hi = 1, 2
    while hi < limit and ok(hi):
        lo, hi = hi, hi * 2
    if hi >= limit:
        return limit if ok(limit) else micrograd_bisect(ok, lo, limit)
    return micrograd_bisect(ok, lo, hi)


def micrograd_bisect(ok, lo: int, hi: int) -> int:
    """The largest depth in [lo, hi) that works, given ok(lo) and not ok(hi)."""
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if ok(mid) else (lo, mid)
    return lo


def bytes_per_node(make_chain, n: int) -> float:
    """Memory a chain of n nodes holds after its backward (grads included), per node."""
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        x, y = make_chain(n)
        y.backward()
        used = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
    del x, y
    gc.collect()
    return used / n


# ---------------------------------------------------------------- 3. a long sum


def time_sum(n: int) -> tuple[float, float]:
    """(seconds to build, seconds to backpropagate) `total` of n leaves."""
    xs = [Value(float(i)) for i in range(n)]
    t0 = time.perf_counter()
    s = total(xs)
    t1 = time.perf_counter()
    s.backward()
    t2 = time.perf_counter()
    assert all(x.grad == 1.0 for x in xs)
    return t1 - t0, t2 - t1


# ---------------------------------------------------------------- 4. matrix figures


def median_time(f, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def matrix_figures(m_digits: int, sizes: list[int], m_small: int, repeat: int) -> dict:
    """The course's setting throughout: sigmoid layers, cross-entropy cost."""
    rng = np.random.default_rng(0)
    thetas = matrix.random_thetas([400, 25, 10], seed=0)
    X = rng.uniform(0, 1, size=(m_digits, 400))
    Y = np.eye(10)[rng.integers(0, 10, size=m_digits)]
    t_digits = median_time(lambda: matrix.backprop(thetas, X, Y, loss="cross_entropy", lam=1.0), repeat)

    # the same Θ's in both implementations
    th = matrix.random_thetas(sizes, seed=1)
    mlp = nn.mlp_from_thetas(th, activation="sigmoid")
    Xs = rng.uniform(-1, 1, size=(m_small, sizes[0]))
    Ys = np.eye(sizes[-1])[rng.integers(0, sizes[-1], size=m_small)]
    Xl, Yl = Xs.tolist(), Ys.tolist()

    def engine():
        J = nn.cross_entropy([mlp(x) for x in Xl], Yl)
        mlp.zero_grad()
        J.backward()
        return J.data

    def matrix_gradient():
        return matrix.backprop(th, Xs, Ys, loss="cross_entropy")

    t_engine = median_time(engine, repeat)
    t_matrix = median_time(matrix_gradient, repeat)
    J_engine = engine()
    res = matrix_gradient()
    grads_engine = [
        np.array([[n.b.grad] + [w.grad for w in n.w] for n in layer.neurons]) for layer in mlp.layers
    ]  # as ∂J/∂Θ^(l): rows [∂J/∂b_j, ∂J/∂w_j1, …]
    diff = max(float(np.max(np.abs(a - b))) for a, b in zip(grads_engine, res.gradients))
    return {
        "digits_ms": 1e3 * t_digits,
        "m_digits": m_digits,
        "sizes": sizes,
        "m_small": m_small,
        "engine_ms": 1e3 * t_engine,
        "matrix_ms": 1e3 * t_matrix,
        "max_gradient_diff": max(diff, abs(J_engine - res.cost)),
    }


# ---------------------------------------------------------------- 5. nn.matrix vs PyTorch


TORCH_HINT = (
    "torch is not installed (it is not a dependency of chainrule); for this comparison install it into "
    "the venv: .venv/bin/pip install torch"
)


def torch_cost_and_gradient(torch, thetas, X, Y, lam: float):
    """The course's J(Θ) in PyTorch, float64, and ∂J/∂Θ by its autograd: the comparison for nn.matrix."""
    T = [torch.from_numpy(t).requires_grad_(True) for t in thetas]
    m = X.shape[0]
    a = X
    for t in T:
        a = torch.sigmoid(torch.addmm(t[:, 0], a, t[:, 1:].T))  # b + a Wᵀ: the bias column, as nn.matrix
    p = a.clamp(matrix.CLIP, 1.0 - matrix.CLIP)
    J = -(Y * torch.log(p) + (1.0 - Y) * torch.log(1.0 - p)).sum() / m
    J = J + lam / (2 * m) * sum((t[:, 1:] ** 2).sum() for t in T)
    J.backward()
    return J.item(), [t.grad.numpy() for t in T]


def torch_figures(m: int, rounds: int) -> dict | None:
    """Median ms of one cost+gradient of 400-25-10 on m samples, nn.matrix and torch in turn."""
    try:
        import torch
    except ImportError:
        return None
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(0)
    thetas = matrix.random_thetas([400, 25, 10], seed=0)
    X = rng.uniform(0, 1, size=(m, 400))
    Y = np.eye(10)[rng.integers(0, 10, size=m)]
    tX, tY = torch.from_numpy(X), torch.from_numpy(Y)

    def ours():
        return matrix.backprop(thetas, X, Y, loss="cross_entropy", lam=1.0)

    def theirs():
        return torch_cost_and_gradient(torch, thetas, tX, tY, 1.0)

    res, (J, grads) = ours(), theirs()
    diff = max(matrix.relative_difference([g], [h]) for g, h in zip(res.gradients, grads))
    out = {
        "m": m,
        "torch": torch.__version__,
        "relative_gradient_difference": diff,
        "cost_difference": abs(J - res.cost),
    }
    default_threads = torch.get_num_threads()
    for name, threads in (("installed", None), ("one thread", 1)):
        times = {"nn.matrix": [], "torch": []}
        if threads:
            torch.set_num_threads(threads)
        limit = threadpool_limits(limits=threads, user_api="blas") if threads else contextlib.nullcontext()
        try:
            with limit:
                for _ in range(rounds):  # in turn, so a burst of load lands on both
                    for key, f in (("nn.matrix", ours), ("torch", theirs)):
                        t0 = time.perf_counter()
                        f()
                        times[key].append(time.perf_counter() - t0)
        finally:
            torch.set_num_threads(default_threads)
        out[name] = {k: 1e3 * statistics.median(v) for k, v in times.items()}
    out["threads"] = default_threads
    return out


# ---------------------------------------------------------------- 6. the handwritten digits, one epoch

DIGITS_LR = 0.5  # plain SGD: the same arithmetic in every implementation
DIGITS_LAM = 1.0


def digits_setup():
    """(X rows, one-hot rows, the batches in order, initial Θ's): the digits training set, seed 0."""
    d = nn.data.digits(seed=0)
    X, Y = d.X_train.tolist(), np.eye(10)[d.y_train].tolist()
    order = list(range(len(X)))
    random.Random(0).shuffle(order)
    batches = [order[k : k + 32] for k in range(0, len(order), 32)]
    return X, Y, batches, matrix.random_thetas([64, 25, 10], seed=0)


def chainrule_digits(thetas, X, Y, constant_inputs: bool):
    """A step function for one batch on the scalar engine, as `nn.digits.train_scalar` computes it."""
    from nn.digits import _batch_cost

    mlp = nn.mlp_from_thetas(thetas, "sigmoid")
    params, M = mlp.parameters(), len(X)

    def step(batch: list[int]) -> float:
        if constant_inputs:
            J, _ = _batch_cost(mlp, [X[i] for i in batch], [Y[i] for i in batch], DIGITS_LAM, M)
        else:  # input Values, as nn.fit passes samples
            J = nn.cross_entropy([mlp(X[i]) for i in batch], [Y[i] for i in batch]) + nn.l2(mlp, DIGITS_LAM, M)
        for p in params:
            p.grad = 0.0
        J.backward()
        for p in params:
            p.data -= DIGITS_LR * p.grad
        return J.data

    return step


def floats_digits(thetas, X, Y):
    """The same step hand-written on Python floats: the floor for a scalar engine."""
    W1 = [row[1:] for row in thetas[0].tolist()]
    b1 = [row[0] for row in thetas[0].tolist()]
    W2 = [row[1:] for row in thetas[1].tolist()]
    b2 = [row[0] for row in thetas[1].tolist()]
    M, exp, log = len(X), math.exp, math.log

    def sig(z: float) -> float:
        if z >= 0.0:
            return 1.0 / (1.0 + exp(-z))
        e = exp(z)
        return e / (1.0 + e)

    def step(batch: list[int]) -> float:
        B = len(batch)
        gW1 = [[0.0] * 64 for _ in range(25)]
        gb1 = [0.0] * 25
        gW2 = [[0.0] * 25 for _ in range(10)]
        gb2 = [0.0] * 10
        J = 0.0
        for i in batch:
            x, y = X[i], Y[i]
            h = [sig(sum(map(mul, row, x), b)) for row, b in zip(W1, b1)]
            o = [sig(sum(map(mul, row, h), b)) for row, b in zip(W2, b2)]
            J -= sum(yk * log(ok) + (1.0 - yk) * log(1.0 - ok) for ok, yk in zip(o, y))
            d2 = [(ok - yk) / B for ok, yk in zip(o, y)]  # ∂J/∂z of the outputs: (a − y)/B
            back = [0.0] * 25
            for k, dk in enumerate(d2):
                gb2[k] += dk
                grow, wrow = gW2[k], W2[k]
                for j in range(25):
                    grow[j] += dk * h[j]
                    back[j] += dk * wrow[j]
            for j in range(25):
                dj = back[j] * h[j] * (1.0 - h[j])
                gb1[j] += dj
                grow = gW1[j]
                for n in range(64):
                    grow[n] += dj * x[n]
        reg = DIGITS_LAM / (2 * M) * (sum(w * w for row in W1 for w in row) + sum(w * w for row in W2 for w in row))
        c = DIGITS_LAM / M
        for W, gW, b, gb in ((W1, gW1, b1, gb1), (W2, gW2, b2, gb2)):
            for j, (row, grow) in enumerate(zip(W, gW)):
                for n in range(len(row)):
                    row[n] -= DIGITS_LR * (grow[n] + c * row[n])
                b[j] -= DIGITS_LR * gb[j]
        return J / B + reg

    return step


def micrograd_digits(thetas, X, Y):
    """The same step in micrograd 0.1.0: its Value, a neuron written as its Neuron writes it, and
    sigmoid and log added the way its own ops are (a closure per node). Its recursive topological
    sort needs a deeper stack for the 1,850-term L2 sum, so the limit is raised while it runs."""
    from micrograd.engine import Value as MValue

    def sigmoid(v):
        x = v.data
        s = 1.0 / (1.0 + math.exp(-x)) if x >= 0.0 else math.exp(x) / (1.0 + math.exp(x))
        out = MValue(s, (v,), "sigmoid")

        def _backward():
            v.grad += s * (1.0 - s) * out.grad

        out._backward = _backward
        return out

    def log(v):
        x = v.data
        out = MValue(math.log(x), (v,), "log")

        def _backward():
            v.grad += out.grad / x

        out._backward = _backward
        return out

    layers = [[([MValue(w) for w in row[1:]], MValue(row[0])) for row in T.tolist()] for T in thetas]
    weights = [w for layer in layers for ws, _ in layer for w in ws]
    params = [p for layer in layers for ws, b in layer for p in (*ws, b)]
    M = len(X)

    def step(batch: list[int]) -> float:
        B = len(batch)
        terms = []
        for i in batch:
            a = X[i]
            for layer in layers:
                a = [sigmoid(sum((wi * xi for wi, xi in zip(ws, a)), b)) for ws, b in layer]
            terms += [yk * log(ak) + (1.0 - yk) * log(1.0 - ak) for ak, yk in zip(a, Y[i])]
        loss = sum(terms) * (-1.0 / B) + (DIGITS_LAM / (2 * M)) * sum(w * w for w in weights)
        for p in params:
            p.grad = 0
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(limit, 20_000))
        try:
            loss.backward()
        finally:
            sys.setrecursionlimit(limit)
        for p in params:
            p.data -= DIGITS_LR * p.grad
        return loss.data

    return step


def digits_workload(rounds: int, mg_batches: int, fast_batches: int | None) -> dict:
    """{implementation: (losses, seconds per batch)}: in each round every implementation runs its
    share of batches in turn (a full epoch, or `fast_batches`; micrograd `mg_batches`)."""
    X, Y, batches, thetas = digits_setup()
    fast = fast_batches or len(batches)
    steps = {
        "chainrule (constant inputs)": (chainrule_digits(thetas, X, Y, True), fast, True),
        "chainrule (input Values)": (chainrule_digits(thetas, X, Y, False), fast, True),
        "floats by hand": (floats_digits(thetas, X, Y), fast, False),
        "micrograd": (micrograd_digits(thetas, X, Y), mg_batches, False),
    }
    out = {k: ([], []) for k in steps}
    done = dict.fromkeys(steps, 0)
    for _ in range(rounds):
        for key, (step, n, pause) in steps.items():
            gc.collect()
            if pause:
                gc.disable()  # as nn.digits and nn.fit train: the graphs hold no cycles
            try:
                for _ in range(n):
                    batch = batches[done[key] % len(batches)]
                    t0 = time.perf_counter()
                    loss = step(batch)
                    if key == "micrograd":
                        gc.collect()  # its graph of closures is freed only by the cyclic collector
                    out[key][1].append(time.perf_counter() - t0)
                    out[key][0].append(loss)
                    done[key] += 1
            finally:
                if pause:
                    gc.enable()
    out["batches per epoch"] = len(batches)
    return out


# ---------------------------------------------------------------- 7. what the core's guards and rules cost


def _alternate(fs: dict, rounds: int) -> dict[str, float]:
    """Median seconds of each function, timed in alternation (a burst of load lands on all of them)."""
    times: dict[str, list[float]] = {k: [] for k in fs}
    for _ in range(rounds):
        for k, f in fs.items():
            t0 = time.perf_counter()
            f()
            times[k].append(time.perf_counter() - t0)
    return {k: statistics.median(t) for k, t in times.items()}


def guard_figures(n_nodes: int, rounds: int) -> dict:
    """The per-node cost of anomaly mode's read of `guard.anomaly` (made in value.make_node, off), and
    of backward's strong zero (0 · x = 0: one test per edge) on the moons network's graph."""
    from autograd import ops
    from autograd.graph import topological_order
    from autograd.value import make_node

    def make_unguarded(data, parents, local_grads, op, label=None):  # make_node without the guard's read
        node = object.__new__(Value)
        node.data = data
        node.grad = 0.0
        node.parents = parents
        node.local_grads = local_grads
        node.op = op
        node.label = label
        return node

    a, b, mul = Value(2.0), Value(3.0), ops.MUL

    def nodes(make):
        def run():
            for _ in range(n_nodes):
                make(a.data * b.data, (a, b), (b.data, a.data), mul)

        return run

    made = _alternate({"guarded": nodes(make_node), "unguarded": nodes(make_unguarded)}, rounds)

    X, Y = moons_pm1(100)
    model = nn.MLP(2, [16, 16, 1], activation="relu", output_activation="linear")
    loss = nn.hinge([model(x) for x in X], [[y] for y in Y]) + l2_all(model.parameters(), ALPHA)
    order = topological_order(loss)

    def loop(strong_zero: bool):  # backward()'s loop, with and without the strong zero's test
        def run():
            for node in order:
                if node.parents:
                    node.grad = 0.0
            loss.grad += 1.0
            for node in reversed(order):
                g = node.grad
                if g == 0.0 or not node.parents:
                    continue
                if strong_zero:
                    for parent, local in zip(node.parents, node.local_grads):
                        if local:
                            parent.grad += local * g
                else:
                    for parent, local in zip(node.parents, node.local_grads):
                        parent.grad += local * g

        return run

    walked = _alternate({"strong zero": loop(True), "plain": loop(False)}, rounds)
    return {
        "ns_per_node_guarded": 1e9 * made["guarded"] / n_nodes,
        "ns_per_node_unguarded": 1e9 * made["unguarded"] / n_nodes,
        "backward_ms_strong_zero": 1e3 * walked["strong zero"],
        "backward_ms_plain": 1e3 * walked["plain"],
        "graph_nodes": len(order),
    }


OPS_TIMED = ("a * b", "a * 2.0", "2.0 * a", "0 + a", "a + b", "a - b", "a / b", "a ** -0.5", "a.exp()")


def op_figures(number: int, rounds: int) -> dict[str, dict[str, float]]:
    """ns per op (the node it makes included), chainrule's Value and microgpt's (bench/microgpt_value.py)
    side by side, timed in alternation; `0 + a` is what `sum()` starts with, `a * 2.0` makes a constant leaf."""
    import timeit

    from microgpt_value import Value as MicroValue

    out: dict[str, dict[str, float]] = {}
    for stmt in OPS_TIMED:
        best = {"chainrule": math.inf, "microgpt": math.inf}
        for _ in range(rounds):
            for name, cls in (("chainrule", Value), ("microgpt", MicroValue)):
                env = {"a": cls(2.0), "b": cls(3.0)}
                best[name] = min(best[name], timeit.timeit(stmt, globals=env, number=number) / number)
        out[stmt] = {k: 1e9 * v for k, v in best.items()}
    return out


def chain_path_figures(sizes: list[int]) -> dict[int, float]:
    """Seconds for chain_paths along one path of n edges (linear: each edge is made once)."""
    from autograd import chain_paths

    out = {}
    for n in sizes:
        x = Value(1.0)
        v = x
        for _ in range(n):
            v = v * 1.0
        t0 = time.perf_counter()
        (path,) = chain_paths(v, x, limit=1)
        out[n] = time.perf_counter() - t0
        assert len(path.edges) == n
    return out


# ---------------------------------------------------------------- the table


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="tiny sizes: a smoke test in seconds")
    ap.add_argument(
        "--epochs", type=int, default=None, help="epochs timed for micrograd (default 6, quick 2); 8× that for the rest"
    )
    ap.add_argument("--json", metavar="PATH", help="also write the figures to this file")
    args = ap.parse_args(argv)
    quick = args.quick
    slow = args.epochs or (2 if quick else 6)
    if not 1 <= slow <= 12:
        ap.error("--epochs must be between 1 and 12 (the demo's learning rate turns negative after epoch 111)")
    fast = 8 * slow
    n = 20 if quick else 100
    ok = True

    print(f"chainrule benchmark — Python {sys.version.split()[0]}, numpy {np.__version__}{' (quick)' if quick else ''}")
    print()
    parts: dict = {}
    res = demo_workload(slow, fast, n, parts)
    ms = {k: 1e3 * statistics.median(t) for k, (_, t) in res.items()}
    base = res["micrograd"][0]
    agree = {k: max(abs(a - b) for a, b in zip(base, losses)) for k, (losses, _) in res.items()}
    # the fast ones were timed over more epochs: compare those with each other over all of them
    cr = res["chainrule"][0]
    agree_fast = max(
        max(abs(a - b) for a, b in zip(cr, res[k][0]))
        for k in ("chainrule, gc off", "chainrule, micrograd's loop", "floats by hand", "floats, map dot")
    )
    print(f"1. micrograd's demo workload: MLP(2, [16, 16, 1]), {n} moons points, hinge + 1e-4·Σp² (all")
    print("   parameters, one node in chainrule), full batch, SGD, micrograd's initial weights for all")
    header = (
        f"   {'implementation':<30}{'epochs':>7}{'ms / epoch':>12}{'vs chainrule':>14}{'max |Δloss| vs micrograd':>27}"
    )
    print(header)
    print("   " + "-" * (len(header) - 3))
    for k, (_, t) in res.items():
        print(f"   {k:<30}{len(t):>7}{ms[k]:>12.2f}{ms[k] / ms['chainrule']:>13.2f}×{agree[k]:>27.1e}")
    speedup = ms["micrograd"] / ms["chainrule"]
    floor = ms["chainrule"] / ms["floats by hand"]
    print(
        f"   chainrule faster than micrograd: {target(speedup, 40, at_least=True, digits=1)}; with both collectors "
        f"off: {ms['micrograd, gc off'] / ms['chainrule, gc off']:.1f}×"
    )
    print(
        f"   chainrule vs the floats by hand: {target(floor, 5)}; gc off: "
        f"{ms['chainrule, gc off'] / ms['floats by hand']:.2f}×; against the map-dot floats: "
        f"{ms['chainrule'] / ms['floats, map dot']:.2f}×"
    )
    users = ms["chainrule, micrograd's loop"]
    vs_mg = target(ms["micrograd"] / users, 60, at_least=True, digits=1)
    print(
        f"   micrograd's own loop on chainrule's MLP (its `sum()` of `(1 + -yi * scorei).relu()` and "
        f"`1e-4 * sum(p * p …)`, no fused loss): faster than micrograd {vs_mg}; vs the floats by hand "
        f"{target(users / ms['floats by hand'], 4)}"
    )
    floats = ms["floats by hand"]
    walk, coll, whole = (1e3 * statistics.median(parts[k]) for k in ("walk", "collector", "seconds"))
    print(
        f"   where that loop's epoch goes (its {fast} epochs again, in parts; in units of the floats' epoch): "
        f"the collector {coll:.2f} ms ({coll / floats:.2f}×: young collections, each new object scanned once, "
        f"for the dropped-cycle promise), the topological walk {walk:.2f} ms ({walk / floats:.2f}×: the floats "
        f"know their order), the rest {whole - coll - walk:.2f} ms ({(whole - coll - walk) / floats:.2f}×)"
    )
    ok_traj = max(agree.values()) < AGREE and agree_fast < AGREE
    print(
        f"   loss trajectories agree: {'yes' if ok_traj else 'NO'} (within {AGREE:g}; over {fast} epochs the fast "
        f"rows differ from chainrule by ≤ {agree_fast:.1e})"
    )
    ok &= ok_traj
    print()

    depth = 10**4 if quick else 10**6
    t_build, t_back = time_chain(depth)
    mg_depth = micrograd_deepest(10**5)
    n_mem = min(900, mg_depth - 50)  # micrograd must backpropagate it from a slightly deeper stack
    n_big = 10**4 if quick else 10**5
    b_cr_big = bytes_per_node(chainrule_chain, n_big)
    b_cr = bytes_per_node(chainrule_chain, n_mem)
    b_mg = bytes_per_node(micrograd_chain, n_mem)
    print("2. deep chains and memory: y = x·c·c·…·c (one `*` node per step, c a constant Value)")
    print(
        f"   chainrule: {depth:,} deep (target 10⁶: {'not tried with --quick' if quick else 'met'}) built in "
        f"{t_build:.2f} s, "
        f"backpropagated in {t_back:.2f} s; "
        f"micrograd's deepest: {mg_depth:,} (recursion limit {sys.getrecursionlimit()})"
    )
    print(
        f"   bytes per node after backward: chainrule {b_cr:.0f} at {n_mem} nodes, "
        f"{target(b_cr_big, 300, unit=' B', digits=0)} at {n_big:,}; micrograd {b_mg:.0f} at {n_mem} nodes"
    )
    print()

    t_sum_build, t_sum_back = time_sum(n_big)
    print(
        f"3. a {n_big:,}-term sum as one node (autograd.total): built in {1e3 * t_sum_build:.1f} ms, "
        f"backpropagated in {1e3 * t_sum_back:.1f} ms"
    )
    print()

    mf = matrix_figures(500 if quick else 5000, [20, 10, 5], 10 if quick else 50, 2 if quick else 7)
    ok_grad = mf["max_gradient_diff"] < AGREE
    ok &= ok_grad
    shape = "-".join(map(str, mf["sizes"]))
    print("4. the matrix implementation (nn.matrix; sigmoid layers, cross-entropy)")
    print(f"   one gradient of 400-25-10 on m = {mf['m_digits']:,} samples (λ = 1): {mf['digits_ms']:.1f} ms")
    print(
        f"   {shape} on m = {mf['m_small']}, the same Θ's: engine {mf['engine_ms']:.2f} ms, matrix "
        f"{mf['matrix_ms']:.3f} ms — the matrix form is {mf['engine_ms'] / mf['matrix_ms']:.0f}× faster; "
        f"gradients agree: {'yes' if ok_grad else 'NO'} (max |Δ| {mf['max_gradient_diff']:.1e})"
    )

    print()

    tf = torch_figures(500 if quick else 5000, 3 if quick else 15)
    print("5. nn.matrix vs PyTorch: J and ∂J/∂Θ of 400-25-10 (sigmoid, cross-entropy, λ = 1), float64, CPU")
    if tf is None:
        print(f"   {TORCH_HINT}")
    else:
        ok_torch = tf["relative_gradient_difference"] < AGREE
        ok &= ok_torch
        print(
            f"   m = {tf['m']:,}, torch {tf['torch']} (autograd), median of alternating rounds; gradients agree: "
            f"{'yes' if ok_torch else 'NO'} (‖Δ‖/‖Σ‖ {tf['relative_gradient_difference']:.1e})"
        )
        for name in ("installed", "one thread"):
            row = tf[name]
            label = f"threads as installed ({tf['threads']})" if name == "installed" else "one thread each"
            print(
                f"   {label:<28} nn.matrix {row['nn.matrix']:7.1f} ms   torch {row['torch']:7.1f} ms   "
                f"nn.matrix / torch {target(row['nn.matrix'] / row['torch'], 1.2)}"
            )
    print()

    dw = digits_workload(1 if quick else 3, 1, 3 if quick else None)
    per_epoch = dw.pop("batches per epoch")
    dms = {k: 1e3 * statistics.median(t) * per_epoch for k, (_, t) in dw.items()}  # per batch × batches
    first = len(dw["micrograd"][0])  # every implementation ran these batches from the same Θ's
    ref = dw["floats by hand"][0][:first]
    dagree = {k: max(abs(a - b) for a, b in zip(ref, losses[:first])) for k, (losses, _) in dw.items()}
    ok_digits = max(dagree.values()) < AGREE
    ok &= ok_digits
    cr = "chainrule (constant inputs)"
    print(
        f"6. the handwritten digits: one epoch = {per_epoch} batches of 32 of the 1,437 training images, 64-25-10 "
        "sigmoid, cross-entropy + λ/(2M)Σw², SGD"
    )
    header = f"   {'implementation':<30}{'batches':>8}{'ms / epoch':>12}{'vs chainrule':>14}{'max |Δloss|':>13}"
    print(header)
    print("   " + "-" * (len(header) - 3))
    for k, (_, t) in dw.items():
        note = "  (extrapolated: median ms per batch × batches)" if len(t) < per_epoch else ""
        print(f"   {k:<30}{len(t):>8}{dms[k]:>12.0f}{dms[k] / dms[cr]:>13.2f}×{dagree[k]:>13.1e}{note}")
    print(
        f"   chainrule vs micrograd: {dms['micrograd'] / dms[cr]:.1f}× faster per epoch; vs the floats by hand: "
        f"{dms[cr] / dms['floats by hand']:.2f}×; constant inputs vs input Values: "
        f"{dms['chainrule (input Values)'] / dms[cr]:.2f}× faster"
    )
    print(
        f"   losses agree: {'yes' if ok_digits else 'NO'} (the first {first} batch{'es' if first != 1 else ''}, "
        f"within {AGREE:g} of the floats)"
    )

    print()

    gf = guard_figures(20_000 if quick else 200_000, 5 if quick else 15)
    guard_share = gf["ns_per_node_guarded"] / gf["ns_per_node_unguarded"] - 1.0
    zero_ms = gf["backward_ms_strong_zero"] - gf["backward_ms_plain"]
    print("7. what the core's guards cost (value.make_node reads guards.guard.anomaly; backward tests 0 · x = 0)")
    print(
        f"   a `*` node: {gf['ns_per_node_guarded']:.0f} ns with anomaly mode's read (off), "
        f"{gf['ns_per_node_unguarded']:.0f} ns without: {100 * guard_share:+.1f}% per node"
    )
    print(
        f"   backward's loop over the moons epoch's graph ({gf['graph_nodes']:,} nodes): "
        f"{gf['backward_ms_strong_zero']:.2f} ms with the strong zero's test, {gf['backward_ms_plain']:.2f} ms "
        f"without: {zero_ms:+.2f} ms, {target(100 * zero_ms / ms['chainrule'], 5, unit='%', digits=1)} of the "
        f"epoch (section 1's {ms['chainrule']:.2f} ms)"
    )
    of = op_figures(20_000 if quick else 200_000, 3 if quick else 7)
    print(
        "   ns per op (its node made), chainrule's Value / microgpt's: "
        + "; ".join(f"{stmt} {v['chainrule']:.0f} / {v['microgpt']:.0f}" for stmt, v in of.items())
    )
    sizes = [1_000, 3_000, 10_000] if quick else [10_000, 30_000, 100_000]
    cp = chain_path_figures(sizes)
    print(
        "   chain_paths along one path: "
        + ", ".join(f"{n:,} edges {1e3 * t:.0f} ms" for n, t in cp.items())
        + f" ({cp[sizes[-1]] / cp[sizes[0]]:.1f}× the time for 10× the edges; a quadratic walk takes 100×)"
    )

    print()
    import microgpt  # bench/microgpt.py (bench/ is this script's folder)

    ok_gpt, gpt_figures = microgpt.section(quick, target, AGREE)
    ok &= ok_gpt

    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(
                {
                    "python": sys.version.split()[0],
                    "quick": quick,
                    "ms_per_epoch": ms,
                    "epochs": {k: len(t) for k, (_, t) in res.items()},
                    "trajectory_max_diff_vs_micrograd": agree,
                    "trajectory_max_diff_fast_rows": agree_fast,
                    "speedup_vs_micrograd": speedup,
                    "vs_floats": floor,
                    "users_loop_vs_micrograd": ms["micrograd"] / users,
                    "users_loop_vs_floats": users / ms["floats by hand"],
                    "users_loop_parts_ms": {"collector": coll, "walk": walk, "epoch": whole},
                    "chain_depth": depth,
                    "chain_build_s": t_build,
                    "chain_backward_s": t_back,
                    "micrograd_deepest": mg_depth,
                    "bytes_per_node": {
                        f"chainrule_{n_mem}": b_cr,
                        f"chainrule_{n_big}": b_cr_big,
                        f"micrograd_{n_mem}": b_mg,
                    },
                    "sum_terms": n_big,
                    "sum_build_ms": 1e3 * t_sum_build,
                    "sum_backward_ms": 1e3 * t_sum_back,
                    "matrix": mf,
                    "torch": tf,
                    "digits_ms_per_epoch": dms,
                    "digits_loss_max_diff": dagree,
                    "guards": gf,
                    "ns_per_op": of,
                    "chain_paths_s": cp,
                    "microgpt": gpt_figures,
                },
                f,
                indent=1,
            )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
