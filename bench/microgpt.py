"""The microgpt workload for `make bench` (section 8): one training step of microgpt's GPT, four ways.

    (a) microgpt's own engine (bench/microgpt_value.py, a faithful re-implementation) running
        microgpt-style model code (below: `linear`, `softmax`, `rmsnorm`, `gpt`, the loss, Adam);
    (b) chainrule's `Value` running the very same code, unchanged;
    (c) `nn.gpt`, the fused graph (a dot product one node, RMSNorm and attention softmax one node per
        output, one loss node), with `nn.gpt.train_step`;
    (d) `nn.gpt_matrix`, the NumPy twin with its hand-written backward pass.

All four start from the same weights (`nn.GPT(seed=0)`'s state_dict) and train on the same documents
(the census first names, shuffled with seed 42), one document per step, Adam (0.85, 0.99, 1e-8) at
0.01·(1 − k/steps). `python bench/microgpt.py ENGINE --steps N` runs one engine in this process (the
collector as Python sets it by default) and prints one JSON line: the losses, the seconds of each
step, the nodes of each step's graph and the bytes per node. bench/run.py runs each in a process of
its own, in rounds of the five processes in turn, and compares them. `model(Value, state, n_head)`
is also what tests/test_gpt.py runs on chainrule's Value to check `nn.gpt` against the code a user
would write.

The model code is microgpt's algorithm written here in its style (`sum(wi * xi …)`,
`(val - max_val).exp()`, `** -0.5`, `/`), not copied from it.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
import tracemalloc
from pathlib import Path

ENGINES = ("a", "b", "b0", "c", "d")
ROUNDS = 3  # make bench: rounds of the five processes, each engine once per round
NAMES = {
    "a": "microgpt's Value",
    "b": "chainrule Value, same code",
    "b0": "the same, collector policy off",
    "c": "nn.gpt (fused)",
    "d": "nn.gpt_matrix (NumPy)",
}


class CollectorClock:
    """The seconds Python's cyclic collector spends, per step (gc.callbacks, as autograd.collector.measure
    reads them — written out here so that engine (a) runs without chainrule imported)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._t0 = 0.0
        gc.callbacks.append(self._note)

    def _note(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._t0 = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._t0


LR, BETA1, BETA2, EPS_ADAM = 0.01, 0.85, 0.99, 1e-8


def model(Value, state: dict, n_head: int):
    """microgpt-style model code on the Value class given: (params, loss(tokens) → Value).

    state: {name: rows of floats} (nn.GPT's state_dict: microgpt's names, shapes and order).
    """
    state_dict = {name: [[Value(w) for w in row] for row in rows] for name, rows in state.items()}
    params = [p for mat in state_dict.values() for row in mat for p in row]
    n_layer = sum(1 for name in state if name.endswith(".attn_wq"))
    n_embd = len(state["wte"][0])
    head_dim = n_embd // n_head

    def linear(x, w):
        return [sum(wi * xi for wi, xi in zip(wo, x)) for wo in w]

    def softmax(logits):
        max_val = max(val.data for val in logits)
        exps = [(val - max_val).exp() for val in logits]
        total = sum(exps)
        return [e / total for e in exps]

    def rmsnorm(x):
        ms = sum(xi * xi for xi in x) / len(x)
        scale = (ms + 1e-5) ** -0.5
        return [xi * scale for xi in x]

    def gpt(token_id, pos_id, keys, values):
        tok_emb = state_dict["wte"][token_id]
        pos_emb = state_dict["wpe"][pos_id]
        x = [t + p for t, p in zip(tok_emb, pos_emb)]
        x = rmsnorm(x)
        for li in range(n_layer):
            x_residual = x
            x = rmsnorm(x)
            q = linear(x, state_dict[f"layer{li}.attn_wq"])
            k = linear(x, state_dict[f"layer{li}.attn_wk"])
            v = linear(x, state_dict[f"layer{li}.attn_wv"])
            keys[li].append(k)
            values[li].append(v)
            x_attn = []
            for h in range(n_head):
                hs = h * head_dim
                q_h = q[hs : hs + head_dim]
                k_h = [ki[hs : hs + head_dim] for ki in keys[li]]
                v_h = [vi[hs : hs + head_dim] for vi in values[li]]
                attn_logits = [
                    sum(q_h[j] * k_h[t][j] for j in range(head_dim)) / head_dim**0.5 for t in range(len(k_h))
                ]
                attn_weights = softmax(attn_logits)
                head_out = [sum(attn_weights[t] * v_h[t][j] for t in range(len(v_h))) for j in range(head_dim)]
                x_attn.extend(head_out)
            x = linear(x_attn, state_dict[f"layer{li}.attn_wo"])
            x = [a + b for a, b in zip(x, x_residual)]
            x_residual = x
            x = rmsnorm(x)
            x = linear(x, state_dict[f"layer{li}.mlp_fc1"])
            x = [xi.relu() for xi in x]
            x = linear(x, state_dict[f"layer{li}.mlp_fc2"])
            x = [a + b for a, b in zip(x, x_residual)]
        return linear(x, state_dict["lm_head"])

    def loss(tokens):
        n = len(tokens) - 1
        keys, values = [[] for _ in range(n_layer)], [[] for _ in range(n_layer)]
        losses = []
        for pos_id in range(n):
            token_id, target_id = tokens[pos_id], tokens[pos_id + 1]
            logits = gpt(token_id, pos_id, keys, values)
            probs = softmax(logits)
            losses.append(-probs[target_id].log())
        return (1 / n) * sum(losses)

    return params, loss


def adam(params, m, v, step: int, num_steps: int) -> None:
    """microgpt's update: Adam with bias correction, lr decaying linearly, grads zeroed after."""
    lr_t = LR * (1 - step / num_steps)
    for i, p in enumerate(params):
        m[i] = BETA1 * m[i] + (1 - BETA1) * p.grad
        v[i] = BETA2 * v[i] + (1 - BETA2) * p.grad**2
        m_hat = m[i] / (1 - BETA1 ** (step + 1))
        v_hat = v[i] / (1 - BETA2 ** (step + 1))
        p.data -= lr_t * m_hat / (v_hat**0.5 + EPS_ADAM)
        p.grad = 0


def count_nodes(root, children: str) -> int:
    """The nodes of root's graph (iteratively: the graph is deeper than some recursion limits)."""
    return count_graph(root, children)[0]


def count_graph(root, children: str) -> tuple[int, int]:
    """(nodes, edges) of root's graph: an edge per (node, child) pair, a + a counting twice."""
    seen, stack, edges = {id(root)}, [root], 0
    while stack:
        kids = getattr(stack.pop(), children)
        edges += len(kids)
        for c in kids:
            if id(c) not in seen:
                seen.add(id(c))
                stack.append(c)
    return len(seen), edges


def node_counts() -> dict[str, int]:
    """New nodes each op makes on microgpt's Value (a − b, a / b, −a, a ** k) and on chainrule's."""
    from microgpt_value import Value as Microgpt  # bench/ is on the path when run as a script

    from autograd import Value as Chainrule

    out = {}
    for name, V, children in (("microgpt", Microgpt, "_children"), ("chainrule", Chainrule, "parents")):
        a, b = V(2.0), V(3.0)
        for op, node, inputs in (("a - b", a - b, 2), ("a / b", a / b, 2), ("-a", -a, 1), ("a ** k", a**3, 1)):
            out[f"{name} {op}"] = count_nodes(node, children) - inputs  # the nodes the op adds
    return out


def setup(steps: int):
    import nn
    from nn.names import first_names, shuffled

    template = nn.GPT(27, seed=0, chars="abcdefghijklmnopqrstuvwxyz")
    docs = shuffled(first_names(), 42)
    tokens = [template.tokens(doc) for doc in docs[:steps]]
    return template, tokens


def run(engine: str, steps: int) -> dict:
    template, docs = setup(steps)
    state = template.state_dict()
    seconds, collecting, losses, nodes, edges = [], [], [], [], []
    if engine in ("a", "b", "b0"):
        if engine == "a":
            from microgpt_value import Value

            children = "_children"
        else:
            from autograd import Value, collector

            collector.enabled = engine == "b"  # b0: the collector left to Python, as without the policy
            children = "parents"
        params, loss_of = model(Value, state, template.n_head)
        m, v = [0.0] * len(params), [0.0] * len(params)

        def step(k):
            loss = loss_of(docs[k])
            loss.backward()
            adam(params, m, v, k, steps)
            return loss

    elif engine == "c":
        import nn

        gpt = nn.gpt
        params = template.parameters()
        optimizer = nn.Adam(params, lr=LR, **gpt.ADAM)
        children = "parents"

        def step(k):
            loss = template.loss(docs[k])
            optimizer.zero_grad()
            loss.backward()
            optimizer.lr = gpt.schedule(k, steps, LR)
            optimizer.step()
            return loss

    else:
        from nn import gpt_matrix

        W = gpt_matrix.as_arrays(state)
        opt = gpt_matrix.Adam(W)
        children = None

        def step(k):
            J, G = gpt_matrix.backprop(W, docs[k], template.n_head)
            opt.step(W, G, LR * (1 - k / steps))
            return J

    clock = CollectorClock()
    for k in range(steps):
        t0, c0 = time.perf_counter(), clock.seconds
        loss = step(k)
        t1, c1 = time.perf_counter(), clock.seconds
        if children is None:
            losses.append(float(loss))
        else:
            losses.append(loss.data)
            counted = count_graph(loss, children)
            nodes.append(counted[0])
            edges.append(counted[1])
        t2, c2 = time.perf_counter(), clock.seconds
        del loss  # dropping the step's graph is part of the step: freeing it is its cost too
        t3 = time.perf_counter()
        seconds.append((t1 - t0) + (t3 - t2))
        collecting.append((c1 - c0) + (clock.seconds - c2))
    out = {"engine": engine, "losses": losses, "seconds": seconds, "collecting": collecting, "nodes": nodes}
    out["edges"] = edges
    if children is not None:
        out["bytes_per_node"] = bytes_per_node(step, steps, children, params)
        out["leaves"] = len(template.parameters())
    if engine == "c":
        out["nodes_elementary"] = count_nodes(template.loss(docs[0], mode="elementary"), "parents")
    return out


def bytes_per_node(step, k: int, children: str, params: list) -> float:
    """Memory one more step's graph holds after its backward (nodes, tuples, floats), per node it adds
    (every node of the graph but the parameters, which were there before)."""
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        loss = step(k - 1)  # the last document again: the graph is alive until `loss` goes
        used = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
    ids = {id(p) for p in params}
    seen, stack, added = {id(loss)}, [loss], 1
    while stack:
        for c in getattr(stack.pop(), children):
            if id(c) not in seen:
                seen.add(id(c))
                stack.append(c)
                added += id(c) not in ids
    return used / added


def measure(engine: str, steps: int) -> dict:
    """`run(engine, steps)` in a process of its own (a fresh interpreter, the collector at its default)."""
    import subprocess

    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), engine, "--steps", str(steps)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench/microgpt.py {engine} failed:\n{done.stderr}")
    return json.loads(done.stdout)


def section(quick: bool, target, agree: float = 1e-9) -> tuple[bool, dict]:
    """Section 8 of bench/run.py: prints the table and the targets; (losses agree, the figures)."""
    import statistics

    steps, rounds = (5, 1) if quick else (30, ROUNDS)
    counts = measure("counts", 0)
    # Rounds of one process per engine, in turn: a slow spell of the machine falls on every engine
    # alike instead of on whichever ran then. Each engine's ms / step is the median of its rounds'
    # medians; each ratio is also taken round by round (a round's (a) against the same round's).
    runs = {e: [] for e in ENGINES}
    for _ in range(rounds):
        for e in ENGINES:
            runs[e].append(measure(e, steps))
    res = {e: r[0] for e, r in runs.items()}
    per_round = {e: [1e3 * statistics.median(r["seconds"]) for r in rs] for e, rs in runs.items()}
    ms = {e: statistics.median(v) for e, v in per_round.items()}
    ratios = {e: [a / x for a, x in zip(per_round["a"], v)] for e, v in per_round.items()}
    base = res["a"]["losses"]
    diff = {e: max(abs(x - y) for r in rs for x, y in zip(base, r["losses"])) for e, rs in runs.items()}
    ok = max(diff.values()) <= agree
    print(
        f"8. microgpt's workload: its GPT (n_embd 16, 4 heads, 1 layer, block 16, 4,192 parameters), one census "
        f"name per step, Adam; {steps} steps from the same weights, each engine in a process of its own, the "
        f"collector at Python's default; {rounds} round{'s' if rounds > 1 else ''} of the five processes in turn"
    )
    print(
        "   nodes an op adds — microgpt's Value: "
        + ", ".join(f"{op} {counts[f'microgpt {op}']}" for op in ("a - b", "a / b", "-a", "a ** k"))
        + "; chainrule's: "
        + ", ".join(f"{op} {counts[f'chainrule {op}']}" for op in ("a - b", "a / b", "-a", "a ** k"))
    )
    share = {
        e: 100 * sum(sum(r["collecting"]) for r in rs) / sum(sum(r["seconds"]) for r in rs) for e, rs in runs.items()
    }
    header = (
        f"   {'engine':<36}{'ms / step':>10}{'vs (a)':>9}{'collector':>11}{'nodes / step':>14}{'edges / step':>14}"
        f"{'bytes / node':>14}{'max |Δloss| vs (a)':>20}"
    )
    print(header)
    print("   " + "-" * (len(header) - 3))
    for e, r in res.items():
        nodes = f"{statistics.mean(r['nodes']):,.0f}" if r["nodes"] else "—"
        edges = f"{statistics.mean(r['edges']):,.0f}" if r["edges"] else "—"
        per = f"{r['bytes_per_node']:.0f}" if "bytes_per_node" in r else "—"
        name = f"({e}) {NAMES[e]}"
        print(
            f"   {name:<36}{ms[e]:>10.2f}{statistics.median(ratios[e]):>8.1f}×{share[e]:>10.0f}%{nodes:>14}"
            f"{edges:>14}{per:>14}{diff[e]:>20.1e}"
        )
    print("   (collector: the share of the steps' time Python's cyclic collector took)")
    print(f"   (nodes include the parameter leaves a step's graph reaches: all {res['a']['leaves']:,} but the "
          f"embedding rows of unused tokens and positions; nn.gpt's elementary mode builds "
          f"{res['c']['nodes_elementary']:,} on the first document)")  # fmt: skip
    spread = lambda e: f"rounds {min(ratios[e]):.2f}–{max(ratios[e]):.2f}×" if rounds > 1 else "one round"  # noqa: E731
    print(
        f"   (c) nn.gpt fused, faster than (a) microgpt's Value: "
        f"{target(statistics.median(ratios['c']), 10, at_least=True, digits=1)} ({spread('c')})"
    )
    print(
        f"   (b) chainrule's Value on the unchanged code, faster than (a): "
        f"{target(statistics.median(ratios['b']), 1.5, at_least=True)} ({spread('b')}; the performance "
        f"issue's target); with the collector policy off (b0): {statistics.median(ratios['b0']):.2f}×"
    )
    print(
        f"   losses of (a), (b), (c), (d) agree over the {steps} steps: {'yes' if ok else 'NO'} (within {agree:g}; "
        f"largest {max(diff.values()):.1e})"
    )
    return ok, {
        "ms_per_step": ms,
        "ms_per_step_per_round": per_round,
        "ratio_to_a_per_round": ratios,
        "collector_share_percent": share,
        "loss_max_diff": diff,
        "node_counts": counts,
        "runs": runs,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="one engine of the microgpt workload; prints JSON")
    ap.add_argument("engine", choices=[*ENGINES, "counts"])
    ap.add_argument("--steps", type=int, default=50)
    args = ap.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the checkout's autograd and nn
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    if args.engine == "counts":
        print(json.dumps(node_counts()))
    else:
        print(json.dumps(run(args.engine, args.steps)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
