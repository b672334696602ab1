"""`make bench`: chainrule side by side with micrograd 0.1.0 and a hand-written float baseline.

Everything runs in one process, on this machine, and is reported as ratios (never asserted in
tests). Sections:

1. micrograd's demo workload — MLP(2, [16, 16, 1]), ReLU hidden, linear output, 100 two-moons
   points, SVM max-margin loss + 1e-4·Σp², full batch, SGD with the demo's learning-rate
   schedule — from the SAME initial weights for micrograd, micrograd with the cyclic garbage
   collector off, chainrule (fused and micrograd-shaped elementary neurons) and the same network
   hand-written on Python floats. Median ms per epoch, the ratios, and the largest difference
   between the loss trajectories (they must agree to 1e-9: the same arithmetic).
2. The deepest chain each engine backpropagates, and bytes per node.
3. A 10⁵-term sum as one node.
4. The matrix implementation: one gradient of the course's digit network shape (400-25-10,
   m = 5000), and the scalar engine against the matrix implementation on a smaller batch.

    .venv/bin/python bench/run.py            # the full run, a minute or two
    .venv/bin/python bench/run.py --quick    # tiny sizes, seconds (a smoke test)
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import sys
import time
import tracemalloc

import numpy as np

import nn
from autograd import Value, total
from nn import matrix

# ---------------------------------------------------------------- the demo workload

ALPHA = 1e-4  # micrograd demo's L2 strength, over all parameters (biases included)


def moons_pm1(n: int) -> tuple[list[list[float]], list[float]]:
    X, y = nn.data.moons(n, noise=0.1, seed=1)
    return X.tolist(), (2.0 * y - 1.0).tolist()


def micrograd_epochs(model, X, Y, epochs: int) -> tuple[list[float], list[float]]:
    """micrograd's demo loop, as in its demo notebook; returns (losses, seconds per epoch)."""
    losses, times = [], []
    for k in range(epochs):
        t0 = time.perf_counter()
        scores = list(map(model, X))
        data_loss = sum((1 + -yi * si).relu() for yi, si in zip(Y, scores)) * (1.0 / len(Y))
        reg_loss = ALPHA * sum(p * p for p in model.parameters())
        loss = data_loss + reg_loss
        model.zero_grad()
        loss.backward()
        lr = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= lr * p.grad
        times.append(time.perf_counter() - t0)
        losses.append(loss.data)
    return losses, times


def l2_all(params: list[Value], alpha: float) -> Value:
    """α·Σp² over every parameter as ONE node (local derivatives 2αp), to match micrograd's demo."""
    return Value.from_op(
        alpha * sum(p.data * p.data for p in params), params, [2.0 * alpha * p.data for p in params], "α Σp²"
    )


def chainrule_epochs(model: nn.MLP, X, Y, epochs: int, start: int = 0) -> tuple[list[float], list[float]]:
    params = model.parameters()
    targets = [[y] for y in Y]
    losses, times = [], []
    for k in range(start, start + epochs):
        t0 = time.perf_counter()
        outputs = [model(x) for x in X]
        loss = nn.hinge(outputs, targets) + l2_all(params, ALPHA)
        for p in params:
            p.grad = 0.0
        loss.backward()
        lr = 1.0 - 0.9 * k / 100
        for p in params:
            p.data -= lr * p.grad
        times.append(time.perf_counter() - t0)
        losses.append(loss.data)
    return losses, times


def floats_epochs(weights: list[list[list[float]]], biases: list[list[float]], X, Y, epochs: int, start: int = 0):
    """The same network written out by hand on Python floats: the floor for a scalar engine.

    weights[l][j] is neuron j's weight list, biases[l][j] its bias; relu on hidden layers.
    """
    L = len(weights)
    m = len(X)
    losses, times = [], []
    for k in range(start, start + epochs):
        t0 = time.perf_counter()
        gW = [[[0.0] * len(row) for row in layer] for layer in weights]
        gB = [[0.0] * len(layer) for layer in biases]
        data_loss = 0.0
        for x, y in zip(X, Y):
            acts = [x]  # forward, keeping each layer's inputs and pre-activations
            zs = []
            h = x
            for l in range(L):
                z = [sum([w * xi for w, xi in zip(row, h)], b) for row, b in zip(weights[l], biases[l])]
                zs.append(z)
                h = [v if v > 0.0 else 0.0 for v in z] if l < L - 1 else z
                acts.append(h)
            margin = 1.0 + -y * h[0]
            if margin > 0.0:
                data_loss += margin
                d = [-y / m]  # ∂J/∂score
            else:
                continue
            for l in range(L - 1, -1, -1):  # backward
                if l < L - 1:
                    d = [dv if zv > 0.0 else 0.0 for dv, zv in zip(d, zs[l])]
                inp = acts[l]
                for j, dj in enumerate(d):
                    if dj:
                        gB[l][j] += dj
                        row = gW[l][j]
                        for i, xi in enumerate(inp):
                            row[i] += dj * xi
                if l:
                    d = [sum(weights[l][j][i] * d[j] for j in range(len(d))) for i in range(len(inp))]
        data_loss = data_loss * (1.0 / m)
        params = [p for layer in weights for row in layer for p in row] + [b for layer in biases for b in layer]
        reg = ALPHA * sum(p * p for p in params)
        lr = 1.0 - 0.9 * k / 100
        for l in range(L):
            for j, row in enumerate(weights[l]):
                g = gW[l][j]
                for i in range(len(row)):
                    row[i] -= lr * (g[i] + 2.0 * ALPHA * row[i])
                biases[l][j] -= lr * (gB[l][j] + 2.0 * ALPHA * biases[l][j])
        times.append(time.perf_counter() - t0)
        losses.append(data_loss + reg)
    return losses, times


def demo_workload(epochs_slow: int, epochs_fast: int, n: int) -> dict:
    import micrograd.nn as mnn

    random.seed(1337)
    mg = mnn.MLP(2, [16, 16, 1])
    init = [float(p.data) for p in mg.parameters()]  # w…, b per neuron, layer by layer
    X, Y = moons_pm1(n)
    Xmg = X  # micrograd converts floats itself

    def chainrule_model(fused: bool) -> nn.MLP:
        model = nn.MLP(2, [16, 16, 1], activation="relu", output_activation="linear", fused=fused)
        for p, v in zip(model.parameters(), init):  # the same order: w…, b per neuron
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

    out = {}
    gc.collect()
    losses_mg, t = micrograd_epochs(mg, Xmg, Y, epochs_slow)
    out["micrograd"] = (losses_mg, t)
    random.seed(1337)
    mg2 = mnn.MLP(2, [16, 16, 1])
    gc.collect()
    gc.disable()
    try:
        out["micrograd, gc off"] = micrograd_epochs(mg2, Xmg, Y, epochs_slow)
    finally:
        gc.enable()
        gc.collect()
    # chainrule and the floats are timed in alternating rounds, so a burst of load from another
    # process lands on both of them rather than on one side of the ratio
    fused, (weights, biases) = chainrule_model(True), float_model()
    cr_losses, cr_times, fl_losses, fl_times = [], [], [], []
    rounds = 5
    bounds = [r * epochs_fast // rounds for r in range(rounds + 1)]
    for start, stop in zip(bounds, bounds[1:]):
        losses, times = chainrule_epochs(fused, X, Y, stop - start, start=start)
        cr_losses += losses
        cr_times += times
        losses, times = floats_epochs(weights, biases, X, Y, stop - start, start=start)
        fl_losses += losses
        fl_times += times
        gc.collect()
    out["chainrule"] = (cr_losses, cr_times)
    gc.collect()
    out["chainrule, elementary"] = chainrule_epochs(chainrule_model(False), X, Y, epochs_slow)
    gc.collect()
    out["floats by hand"] = (fl_losses, fl_times)
    return out


# ---------------------------------------------------------------- deep chains and memory


def chainrule_chain(depth: int) -> float:
    x = Value(0.5)
    y = x
    for _ in range(depth):
        y = -y
    t0 = time.perf_counter()
    y.backward()
    dt = time.perf_counter() - t0
    assert x.grad == (-1.0) ** depth
    return dt


def micrograd_deepest(limit: int) -> int:
    """The deepest chain micrograd's recursive backward survives at the default recursion limit."""
    from micrograd.engine import Value as MValue

    def ok(depth: int) -> bool:
        x = MValue(0.5)
        y = x
        for _ in range(depth):
            y = y * 1.0
        try:
            y.backward()
            return True
        except RecursionError:
            return False

    lo, hi = 1, 2
    while ok(hi) and hi < limit:
        lo, hi = hi, hi * 2
    if hi >= limit and ok(hi):
        return hi
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if ok(mid) else (lo, mid)
    return lo


def bytes_per_node(make_chain, n: int) -> float:
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    keep = make_chain(n)
    used = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    del keep
    gc.collect()
    return used / n


def chainrule_tanh_chain(n: int) -> Value:
    y = Value(0.5)
    for _ in range(n):
        y = y.tanh()
    return y


def chainrule_relu_chain(n: int) -> Value:
    y = Value(0.5)
    for _ in range(n):
        y = y.relu()
    return y


def micrograd_relu_chain(n: int):
    # relu is micrograd's only one-input op; it reuses its input's float, as chainrule's does
    from micrograd.engine import Value as MValue

    y = MValue(0.5)
    for _ in range(n):
        y = y.relu()
    return y


# ---------------------------------------------------------------- matrix figures


def median_time(f, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def matrix_figures(m_digits: int, sizes_small: list[int], m_small: int, repeat: int) -> dict:
    rng = np.random.default_rng(0)
    thetas = matrix.random_thetas([400, 25, 10], seed=0)
    X = rng.uniform(0, 1, size=(m_digits, 400))
    Y = np.eye(10)[rng.integers(0, 10, size=m_digits)]
    t_digits = median_time(lambda: matrix.backprop(thetas, X, Y, loss="cross_entropy", lam=1.0), repeat)

    mlp = nn.MLP(sizes_small[0], sizes_small[1:], seed=0)
    th = nn.thetas_from_mlp(mlp)
    Xs = rng.uniform(-1, 1, size=(m_small, sizes_small[0]))
    Ys = rng.uniform(0, 1, size=(m_small, sizes_small[-1]))
    Xl, Yl = Xs.tolist(), Ys.tolist()

    def engine():
        J = nn.mse([mlp(x) for x in Xl], Yl)
        mlp.zero_grad()
        J.backward()

    t_engine = median_time(engine, repeat)
    t_matrix = median_time(lambda: matrix.backprop(th, Xs, Ys, loss="mse"), repeat)
    return {
        "digits_ms": 1e3 * t_digits,
        "m_digits": m_digits,
        "engine_ms": 1e3 * t_engine,
        "matrix_ms": 1e3 * t_matrix,
        "small": sizes_small,
        "m_small": m_small,
    }


# ---------------------------------------------------------------- the table


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="tiny sizes: a smoke test in seconds")
    ap.add_argument("--epochs", type=int, default=None, help="epochs timed for micrograd (default 6; quick 2)")
    ap.add_argument("--json", help="also write the figures to this file")
    args = ap.parse_args(argv)
    quick = args.quick
    slow = args.epochs or (2 if quick else 6)
    fast = max(slow, 3 if quick else 30)
    n = 20 if quick else 100

    print(
        f"chainrule benchmark — Python {sys.version.split()[0]}, numpy {np.__version__}{' (quick)' if quick else ''}\n"
    )
    res = demo_workload(slow, fast, n)
    ms = {k: 1e3 * statistics.median(t) for k, (_, t) in res.items()}
    base = res["micrograd"][0]
    agree = {k: max(abs(a - b) for a, b in zip(base, losses)) for k, (losses, _) in res.items()}
    print(f"1. micrograd's demo workload: MLP(2, [16, 16, 1]), {n} moons points, hinge + 1e-4·Σp², full batch")
    print(f"   {'implementation':<24}{'ms / epoch':>12}{'vs chainrule':>14}{'max |Δloss| vs micrograd':>27}")
    for k in res:
        print(f"   {k:<24}{ms[k]:>12.2f}{ms[k] / ms['chainrule']:>13.2f}×{agree[k]:>27.1e}")
    speedup = ms["micrograd"] / ms["chainrule"]
    floor = ms["chainrule"] / ms["floats by hand"]
    print(
        f"   chainrule is {speedup:.1f}× faster than micrograd (target ≥ 40×), "
        f"{ms['micrograd, gc off'] / ms['chainrule']:.1f}× faster than micrograd with gc off,"
    )
    print(f"   and {floor:.2f}× the hand-written floats (target ≤ 5×)")
    ok_traj = all(v < 1e-9 for v in agree.values())
    print(f"   loss trajectories agree to 1e-9 over {slow} epochs: {'yes' if ok_traj else 'NO'}\n")

    depth = 10**4 if quick else 10**6
    t_chain = chainrule_chain(depth)
    mg_depth = micrograd_deepest(10**5)
    nb = 10**4 if quick else 10**5
    b_cr = bytes_per_node(chainrule_relu_chain, nb)
    b_tanh = bytes_per_node(chainrule_tanh_chain, nb)
    b_mg = bytes_per_node(micrograd_relu_chain, nb)
    print("2. deep chains and memory (one unary op per node)")
    print(
        f"   chainrule backpropagates a {depth:,}-deep chain in {t_chain:.2f} s (target 10⁶); "
        f"micrograd's deepest: {mg_depth:,} (recursion limit {sys.getrecursionlimit()})"
    )
    print(
        f"   bytes per node, a relu chain: chainrule {b_cr:.0f} (target ≤ 300), micrograd {b_mg:.0f}; "
        f"chainrule with tanh (a new float per node): {b_tanh:.0f}\n"
    )

    xs = [Value(float(i)) for i in range(nb)]
    t0 = time.perf_counter()
    s = total(xs)
    s.backward()
    t_sum = time.perf_counter() - t0
    assert all(x.grad == 1.0 for x in xs)
    print(f"3. a {nb:,}-term sum as one node: built and backpropagated in {1e3 * t_sum:.1f} ms\n")

    mf = matrix_figures(500 if quick else 5000, [20, 10, 5], 10 if quick else 50, 2 if quick else 5)
    print("4. the matrix implementation (nn.matrix)")
    print(f"   one gradient of 400-25-10 on m = {mf['m_digits']:,} samples: {mf['digits_ms']:.1f} ms")
    print(
        f"   {'-'.join(map(str, mf['small']))} on m = {mf['m_small']}: engine {mf['engine_ms']:.2f} ms, "
        f"matrix {mf['matrix_ms']:.3f} ms — the matrix form is {mf['engine_ms'] / mf['matrix_ms']:.0f}× faster"
    )

    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(
                {
                    "ms_per_epoch": ms,
                    "trajectory_max_diff": agree,
                    "speedup_vs_micrograd": speedup,
                    "vs_floats": floor,
                    "chain_depth": depth,
                    "chain_seconds": t_chain,
                    "micrograd_deepest": mg_depth,
                    "bytes_per_node": {"chainrule": b_cr, "chainrule_tanh": b_tanh, "micrograd": b_mg},
                    "sum_ms": 1e3 * t_sum,
                    "matrix": mf,
                },
                f,
                indent=1,
            )
    return 0 if ok_traj else 1


if __name__ == "__main__":
    sys.exit(main())
