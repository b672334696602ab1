"""nn.gpt: microgpt's transformer on the engine, against the code a user writes, the matrix twin and
central differences; training, sampling, saving, and bad arguments.

References, each independent of nn.gpt: microgpt-style model code (bench/microgpt.py) run on chainrule's
Value and on a faithful microgpt Value; nn.gpt_matrix (NumPy, imports nothing from the engine, its
backward pass written out); five-point central differences of the matrix J in extended precision;
numbers worked out by hand. Tiny configurations only: the whole file runs in seconds.
"""

from __future__ import annotations

import json
import math
import random
import sys
from pathlib import Path

import graphviz
import numpy as np
import pytest

import nn
from autograd import StaleGraphError, Value, draw, numerical_grad, topological_order
from autograd.draw import pretty_label
from autograd.fused import rmsnorm, softmax
from nn import gpt_matrix
from nn.gpt import GPT, train
from nn.grader.gpt import check_gpt

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import microgpt  # noqa: E402  (bench/microgpt.py: microgpt-style model code)
from microgpt_value import Value as MicrogptValue  # noqa: E402

DOCS = ["emma", "olivia", "ava", "isabella", "sophia", "mia", "charlotte", "amelia"]
CONFIGS = [  # (n_embd, n_head, n_layer, block_size)
    (4, 1, 1, 3),
    (8, 2, 1, 8),
    (6, 3, 2, 5),
]


def grads(model: GPT) -> dict[str, np.ndarray]:
    return {name: np.array([[w.grad for w in row] for row in m]) for name, m in model.weights.items()}


def random_tokens(model: GPT, rng: random.Random) -> list[int]:
    n = rng.randint(1, model.block_size)
    return [model.bos] + [rng.randrange(model.vocab_size) for _ in range(n)]


def close_entries(a: np.ndarray, b: np.ndarray, tol: float = 1e-10) -> bool:
    return bool(np.all(np.abs(a - b) <= tol * np.maximum(1.0, np.abs(a))))


# ---------------------------------------------------------------- the model's parameters


def test_state_dict_has_microgpts_names_shapes_and_order():
    model = GPT(27, seed=1)
    sd = model.state_dict()
    assert list(sd) == [
        "wte", "wpe", "lm_head", "layer0.attn_wq", "layer0.attn_wk", "layer0.attn_wv", "layer0.attn_wo",
        "layer0.mlp_fc1", "layer0.mlp_fc2",
    ]  # fmt: skip
    shapes = {k: (len(v), len(v[0])) for k, v in sd.items()}
    assert shapes["wte"] == (27, 16) and shapes["wpe"] == (16, 16) and shapes["lm_head"] == (27, 16)
    assert shapes["layer0.mlp_fc1"] == (64, 16) and shapes["layer0.mlp_fc2"] == (16, 64)
    assert model.num_parameters() == 4192  # microgpt's count
    flat = [w for rows in sd.values() for row in rows for w in row]
    assert [p.data for p in model.parameters()] == flat  # names, then rows, then columns
    assert [n for n, _ in model.named_parameters()][:2] == ["wte.0.0", "wte.0.1"]
    assert model.weights["layer0.attn_wq"][2][0].label == "Wq_3,1^(1)"
    two = GPT(5, n_embd=4, n_head=2, n_layer=2, block_size=3)
    assert [k for k in two.state_dict() if k.startswith("layer1.")][0] == "layer1.attn_wq"
    # N(0, 0.08²): the sample's spread is 0.08 within sampling error
    assert abs(np.std(flat) - 0.08) < 0.004 and abs(np.mean(flat)) < 0.004


def test_load_state_dict_sets_every_weight_and_refuses_a_bad_one():
    a, b = GPT(5, n_embd=4, n_head=2, seed=1), GPT(5, n_embd=4, n_head=2, seed=2)
    b.load_state_dict(a.state_dict())
    assert b.state_dict() == a.state_dict()
    sd = a.state_dict()
    sd["wpe"][1][2] = math.nan
    with pytest.raises(ValueError, match=r"GPT.load_state_dict: wpe\[1\]\[2\] must be a finite real number, got nan"):
        b.load_state_dict(sd)
    sd = a.state_dict()
    del sd["lm_head"]
    with pytest.raises(ValueError, match=r"missing \['lm_head'\]"):
        b.load_state_dict(sd)
    sd = a.state_dict()
    sd["wte"] = sd["wte"][:-1]
    with pytest.raises(ValueError, match="wte must be 5 rows of 4 numbers"):
        b.load_state_dict(sd)


# ---------------------------------------------------------------- fused = elementary = the user's code


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: "-".join(map(str, c)))
def test_fused_and_elementary_graphs_and_microgpt_code_give_the_same_loss_and_grads(config):
    n_embd, n_head, n_layer, block = config
    model = GPT.from_documents(DOCS, n_embd=n_embd, n_head=n_head, n_layer=n_layer, block_size=block, seed=7)
    rng = random.Random(3)
    for _ in range(3):
        tokens = random_tokens(model, rng)
        results = {}
        for mode in ("fused", "elementary", "folded"):
            model.zero_grad()
            J = model.loss(tokens, mode=mode)
            J.backward()
            results[mode] = (J.data, grads(model))
        # microgpt's model code, written as a user writes it, on chainrule's Value and on microgpt's own
        for name, V in (("user code", Value), ("microgpt's Value", MicrogptValue)):
            params, loss_of = microgpt.model(V, model.state_dict(), n_head)
            J = loss_of(tokens)
            J.backward()
            it = iter(p.grad for p in params)
            shaped = {k: np.array([[next(it) for _ in row] for row in m]) for k, m in model.weights.items()}
            results[name] = (J.data, shaped)
        J_f, G_f = results["fused"]
        # nn.gpt's elementary graph IS the user's code on chainrule's Value: the same floats
        assert results["elementary"][0] == results["user code"][0]
        assert all(np.array_equal(results["elementary"][1][k], results["user code"][1][k]) for k in G_f)
        for name, (J, G) in results.items():
            # fused: the same floats up to the loss's last steps; microgpt's Value divides as a·b⁻¹
            assert abs(J - J_f) <= 1e-15 * J_f, name
            if name != "folded":  # folded: the weights are constants, their grads stay 0
                assert all(close_entries(G_f[k], G[k], 1e-13) for k in G_f), name
        assert all(not np.any(results["folded"][1][k]) for k in G_f)


def test_the_fused_graph_is_one_node_per_named_quantity():
    model = GPT(27)  # microgpt's sizes
    tokens = [26, 4, 12, 12, 0, 26]  # "emma": 5 positions
    J = model.loss(tokens)
    nodes = topological_order(J)
    ops = {}
    for v in nodes:
        ops[v.op.kind if v.op else "leaf"] = ops.get(v.op.kind if v.op else "leaf", 0) + 1
    n, d, H = 5, 16, 4
    # the leaves are parameters, all but the embedding rows of unused tokens (27 − 4) and positions (16 − 5)
    assert ops["leaf"] == 4192 - 23 * d - 11 * d
    assert {v for v in nodes if not v.parents} <= set(model.parameters())  # no constant leaves
    assert ops["rmsnorm"] == 3 * d * n  # after the embedding, before attention, before the MLP
    assert ops["softmax"] == H * sum(range(1, n + 1))  # one α per head, position and earlier position
    assert ops["softmax_cross_entropy"] == 1 and J.label == "J"
    # q, k, v, Wo, fc1 (4d), fc2, lm_head (27), q·k per head and pair, Σαv per channel
    assert ops["Σwx"] == n * (4 * d + 4 * d + d + 27) + H * sum(range(1, n + 1)) + n * d
    assert ops["+"] == 3 * d * n and ops["relu"] == 4 * d * n  # embedding and two residuals
    computed = [v for v in nodes if v.parents]
    labels = {v.label.split("_")[0] for v in computed}
    assert {"e", "x", "x̂", "q", "k", "v", "s", "α", "o", "a", "z", "h", "m", "ℓ", "J"} == labels
    # each a math name (one letter, indices), which draw and the explorer page pretty-print: a₂₁⁽¹⁾
    assert all(pretty_label(v.label) != v.label for v in computed if v is not J)
    assert pretty_label("a_2,1^(1)") == "a₂₁⁽¹⁾" and pretty_label("m_1,4^(1)") == "m₁₄⁽¹⁾"
    alpha = next(v for v in nodes if v.label == "α_3,2^(1.4)")  # position 3 attending to 2, head 4
    assert len(alpha.parents) == 3 and alpha.op.params["divisor"] == 2.0  # √(16/4)


# ---------------------------------------------------------------- against the matrix twin and central differences


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: "-".join(map(str, c)))
def test_engine_and_matrix_twin_agree_entry_by_entry(config):
    n_embd, n_head, n_layer, block = config
    rng = random.Random(11)
    for seed in range(3):
        model = GPT(rng.randint(2, 9), n_embd=n_embd, n_head=n_head, n_layer=n_layer, block_size=block, seed=seed)
        tokens = random_tokens(model, rng)
        model.zero_grad()
        J = model.loss(tokens)
        J.backward()
        W = gpt_matrix.as_arrays(model.state_dict())
        J_m, G_m = gpt_matrix.backprop(W, tokens, n_head)
        assert abs(J.data - J_m) <= 1e-12
        G = grads(model)
        for name in G:
            assert close_entries(G[name], G_m[name]), name
        A = gpt_matrix.attention(W, tokens, n_head)
        assert np.allclose(np.array(model.attention(tokens)), A, rtol=0, atol=1e-15)


def test_three_way_check_with_central_differences_passes_on_random_tiny_models():
    rng = random.Random(5)
    for seed, (n_embd, n_head, n_layer, block) in enumerate(CONFIGS):
        model = GPT(5, n_embd=n_embd, n_head=n_head, n_layer=n_layer, block_size=block, seed=seed)
        report = check_gpt(model, random_tokens(model, rng))
        assert report.ok, str(report)
        for row in report.rows:
            assert row.fused_vs_numerical <= 1e-9 and row.matrix_vs_numerical <= 1e-9, row
        assert "verdict: ok" in str(report) and len(report.worst) == 5


def test_the_check_catches_a_wrong_matrix_backward(monkeypatch):
    real = gpt_matrix._rms_backward

    def without_the_projection(Xh, s, dXh):  # RMSNorm's backward as if s were a constant
        return s * dXh

    monkeypatch.setattr(gpt_matrix, "_rms_backward", without_the_projection)
    model = GPT(5, n_embd=4, n_head=2, block_size=3, seed=1)
    report = check_gpt(model, [4, 1, 2, 3])
    assert not report.ok and "WRONG" in str(report)
    bad = {r.name for r in report.rows if not r.ok}
    assert "lm_head" not in bad and "wte" in bad  # the head is before any RMSNorm in backward
    monkeypatch.setattr(gpt_matrix, "_rms_backward", real)


def test_a_model_of_zeros_has_loss_ln_V_by_hand():
    model = GPT(7, n_embd=4, n_head=2, block_size=4)
    model.load_state_dict({k: [[0.0] * len(r) for r in m] for k, m in model.state_dict().items()})
    J = model.loss([6, 0, 1, 6])
    J.backward()
    # every logit is 0: softmax is 1/7 everywhere, J = ln 7; x = 0 everywhere, so ∂J/∂Wlm = (P − Y)ᵀ x = 0
    assert J.data == pytest.approx(math.log(7), rel=1e-15)
    assert all(p.grad == 0.0 for p in model.parameters())


def test_rmsnorm_and_softmax_nodes_by_hand_and_by_central_differences():
    ys = rmsnorm([Value(3.0), Value(4.0)])  # mean of squares 12.5: y = x / √12.50001
    s = 12.50001**-0.5
    assert [y.data for y in ys] == [3.0 * s, 4.0 * s]
    # ∂y₁/∂x₂ = −s·y₁y₂/2 = −12s³/2
    assert ys[0].local_grads[1] == pytest.approx(-6.0 * s**3, rel=1e-15)
    alphas = softmax([Value(0.0), Value(math.log(2.0)), Value(math.log(3.0))])
    assert [a.data for a in alphas] == pytest.approx([1 / 6, 2 / 6, 3 / 6], rel=1e-15)
    assert alphas[2].local_grads == pytest.approx((-3 / 36, -6 / 36, 3 / 6 * 3 / 6), rel=1e-14)
    xs = [Value(v) for v in (0.3, -1.1, 2.0, 0.7)]
    weights = [0.5, -1.5, 2.0, 1.0]

    def f():
        return sum(w * y for w, y in zip(weights, rmsnorm(xs))) + sum(
            w * a for w, a in zip(weights, softmax(xs, divisor=1.7))
        )

    out = f()
    out.backward()
    num = numerical_grad(f, xs)
    assert [x.grad for x in xs] == pytest.approx(num, rel=1e-7, abs=1e-9)


def test_the_op_objects_of_softmax_and_rmsnorm_are_shared_and_their_cache_is_bounded():
    import autograd.fused as fused

    a, b = softmax([Value(0.1), Value(0.2), Value(0.3)], 2.0), softmax([Value(1.0), Value(2.0), Value(3.0)], 2.0)
    assert [x.op for x in a] == ["softmax"] * 3 and [x.op.index for x in a] == [0, 1, 2]
    assert all(x.op is y.op for x, y in zip(a, b)) and a[0].op.divisor == 2.0  # one object per (n, d, index)
    for n in range(1, 120):  # attention over many lengths, with many divisors: the cache stops growing
        for d in (1.5, 2.5, 3.5):
            out = softmax([Value(0.01 * i) for i in range(n)], d)
            assert [x.op.index for x in out] == list(range(n))
    assert sum(map(len, fused._row_ops.values())) <= 4096


# ---------------------------------------------------------------- training and sampling


def test_fifty_training_steps_match_the_matrix_twin_to_1e_9():
    docs = nn.names.shuffled(nn.names.first_names(), 1)[:50]
    model = GPT.from_documents(docs, n_embd=8, n_head=2, block_size=8, seed=4)
    W = gpt_matrix.as_arrays(model.state_dict())
    losses = train(model, docs, 50)
    twin = gpt_matrix.train(W, [model.tokens(d) for d in docs], 50, model.n_head)
    assert max(abs(a - b) for a, b in zip(losses, twin)) < 1e-9
    assert sum(losses[-10:]) < sum(losses[:10])  # it learns
    state = model.state_dict()
    assert all(np.allclose(np.array(state[k]), W[k], rtol=0, atol=1e-9) for k in W)


def test_a_graph_from_before_a_step_is_stale():
    model = GPT.from_documents(DOCS, n_embd=4, n_head=1, block_size=4)
    J = model.loss(model.tokens("emma"))
    train(model, ["ava"], 1)
    with pytest.raises(StaleGraphError):
        J.backward()


def test_generation_is_determined_by_the_seed():
    model = GPT.from_documents(DOCS, n_embd=8, n_head=2, block_size=6, seed=2)
    train(model, DOCS, 20)
    a = model.generate(8, temperature=0.7, seed=3)
    assert a == model.generate(8, temperature=0.7, seed=3)
    assert a != model.generate(8, temperature=0.7, seed=4)
    assert all(isinstance(s, str) and len(s) <= 6 and set(s) <= set(model.chars) for s in a)
    # a temperature near 0 is argmax: every sample is the same
    assert len(set(model.generate(5, temperature=1e-3, seed=0))) == 1
    ids = GPT(5, n_embd=4, n_head=1, block_size=3).generate(3, seed=0)  # no chars: token ids
    assert all(isinstance(s, list) and all(0 <= c < 4 for c in s) for s in ids)


def test_generation_samples_microgpts_distribution():
    # the first token drawn from BOS, by hand: softmax(ℓ/T) of the logits, then random.choices
    model = GPT.from_documents(DOCS, n_embd=4, n_head=1, block_size=1, seed=5)
    logits = [v.data for v in model.forward([model.bos, 0]).logits[0]]
    T = 0.8
    e = [math.exp(v / T - max(logits) / T) for v in logits]
    probs = [x / sum(e) for x in e]
    rng = random.Random(9)
    want = []
    for _ in range(4):
        c = rng.choices(range(model.vocab_size), weights=probs)[0]
        want.append("" if c == model.bos else model.chars[c])
    assert model.generate(4, temperature=T, seed=9) == want


# ---------------------------------------------------------------- saving and loading


def test_save_and_load_round_trip(tmp_path):
    model = GPT.from_documents(DOCS, n_embd=8, n_head=2, n_layer=2, block_size=6, seed=3)
    train(model, DOCS, 3)
    path = nn.save(model, tmp_path / "gpt.json")
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert (doc["format"], doc["version"], doc["model"]) == ("chainrule", 2, "gpt")
    back = nn.load(path)
    assert isinstance(back, GPT) and back.chars == model.chars and back.state_dict() == model.state_dict()
    assert (back.n_embd, back.n_head, back.n_layer, back.block_size) == (8, 2, 2, 6)
    tokens = model.tokens("amelia")
    assert back.loss(tokens).data == model.loss(tokens).data
    other = GPT.from_documents(DOCS, n_embd=8, n_head=2, n_layer=2, block_size=6, seed=9)
    nn.load_weights(other, path)
    assert other.state_dict() == model.state_dict()
    with pytest.raises(ValueError, match="the file holds a GPT of sizes"):
        nn.load_weights(GPT(5, n_embd=4, n_head=1), path)
    with pytest.raises(ValueError, match="the file holds a GPT, the model is an MLP"):
        nn.load_weights(nn.MLP(2, [1]), path)


def test_an_mlp_file_of_version_1_still_loads(tmp_path):
    mlp = nn.MLP(2, [3, 1], seed=0)
    doc = json.loads(nn.save(mlp, tmp_path / "m.json").read_text())
    assert doc["model"] == "mlp" and doc["version"] == 2
    del doc["model"]
    doc.update(format="chainrule-mlp", version=1)  # as chainrule 0.1 wrote it
    (tmp_path / "old.json").write_text(json.dumps(doc))
    back = nn.load(tmp_path / "old.json")
    assert [p.data for p in back.parameters()] == [p.data for p in mlp.parameters()]


@pytest.mark.parametrize(
    "change, words",
    [
        ({"n_embd": 10**6}, r"wte should be 5 × 1000000"),  # a huge claim, refused without building it
        ({"model": "rnn"}, "\"model\" must be one of 'mlp', 'gpt'"),
        ({"n_head": 3}, r'"n_head" \(3\) must divide "n_embd" \(4\)'),
        ({"vocab_size": True}, '"vocab_size" must be an integer ≥ 2'),
        ({"chars": 7}, '"chars" must be a string or null'),
        ({"state_dict": []}, '"state_dict" must hold the matrices wte, wpe'),
    ],
)
def test_bad_gpt_files_are_refused_with_the_reason(tmp_path, change, words):
    doc = json.loads(nn.save(GPT(5, n_embd=4, n_head=2, block_size=3), tmp_path / "g.json").read_text())
    doc.update(change)
    (tmp_path / "g.json").write_text(json.dumps(doc))
    with pytest.raises(ValueError, match=words):
        nn.load(tmp_path / "g.json")


def test_a_nan_weight_in_a_gpt_file_is_refused(tmp_path):
    text = nn.save(GPT(5, n_embd=4, n_head=2, block_size=3), tmp_path / "g.json").read_text()
    doc = json.loads(text)
    doc["state_dict"]["layer0.attn_wk"][1][2] = 1e309  # json.dumps writes Infinity
    (tmp_path / "g.json").write_text(json.dumps(doc))
    with pytest.raises(ValueError, match="layer0.attn_wk row 1 holds inf, not a finite float"):
        nn.load(tmp_path / "g.json")


# ---------------------------------------------------------------- bad arguments


@pytest.mark.parametrize(
    "make, error, words",
    [
        (lambda: GPT(1), ValueError, r"GPT: vocab_size \(characters \+ 1 for BOS\) must be an integer ≥ 2, got 1"),
        (lambda: GPT(5, n_embd=6, n_head=4), ValueError, "GPT: n_head must divide n_embd"),
        (lambda: GPT(5, n_embd=2.0), TypeError, "GPT: n_embd must be an integer ≥ 1, got float: 2.0"),
        (lambda: GPT(5, seed=-1), ValueError, "GPT: seed must be an integer ≥ 0, got -1"),
        (lambda: GPT(50_000, n_embd=64), ValueError, "more than max_parameters=1,000,000"),
        (lambda: GPT(5, chars="abcc"), ValueError, "chars must be vocab_size − 1 = 4 distinct characters"),
        (
            lambda: GPT.from_documents("emma"),
            TypeError,
            r"GPT.from_documents: docs must be a list of strs, got one str \(pass \[x\]\)",
        ),
        (lambda: GPT(5, block_size=3).loss([4, 1, 2, 3, 4]), ValueError, "tokens has 5 items, more than 4"),
        (lambda: GPT(5).loss([4]), ValueError, "tokens must hold at least 2 ids"),
        (lambda: GPT(5).loss([4, 5]), ValueError, r"GPT.forward: tokens\[1\] must be an integer ≥ 0 and ≤ 4, got 5"),
        (lambda: GPT(5).loss([4, 1.0]), TypeError, r"tokens\[1\] must be an integer"),
        (lambda: GPT(5).loss([4, 1], mode="fast"), ValueError, "mode must be one of 'fused', 'elementary', 'folded'"),
        (
            lambda: GPT(5).generate(temperature=0),
            ValueError,
            "GPT.generate: temperature must be a finite real number > 0",
        ),
        (lambda: GPT(5).generate(n=0), ValueError, "GPT.generate: n must be an integer ≥ 1"),
        (lambda: GPT(5).generate(n=10**6), ValueError, "GPT.generate: n must be an integer ≥ 1 and ≤ 10000"),
        (lambda: GPT(5).generate(seed="1"), TypeError, "GPT.generate: seed must be an integer"),
        (lambda: GPT.from_documents(["ab"]).encode("abc"), ValueError, "character 'c' .* is not in the vocabulary"),
        (lambda: GPT(5).encode("ab"), ValueError, "GPT.encode: this model has no characters"),
        (lambda: train(GPT(5), ["ab"], 0), ValueError, "gpt.train: steps must be an integer ≥ 1"),
        (lambda: train(GPT(5), ["ab"], 1, lr=-1), ValueError, "gpt.train: lr must be a finite real number > 0"),
        (lambda: nn.save(GPT(5), 3), TypeError, "save: path must be a str or os.PathLike, got int"),
        (lambda: nn.save("g.json", GPT(5)), TypeError, "save: the arguments are swapped"),
        (lambda: check_gpt("model", [1, 2]), TypeError, "check_gpt: model must be an nn.GPT, got str"),
        (
            lambda: gpt_matrix.numerical_gradients(
                gpt_matrix.as_arrays(GPT(500, n_embd=64, n_head=4).state_dict()), [1, 2], 4
            ),
            ValueError,
            "numerical_gradients: 114,176 entries, more than 100,000",
        ),
    ],
)
def test_bad_arguments_are_named(make, error, words):
    with pytest.raises(error, match=words):
        make()


# ---------------------------------------------------------------- the names data, the pictures, the layers


def test_the_census_names():
    names = nn.names.first_names()
    assert len(names) == 5163 and len(set(names)) == 5163
    assert max(map(len, names)) == 11 and all(n.isalpha() and n.islower() for n in names)
    assert {"mary", "james", "emma"} <= set(names)
    assert nn.names.shuffled(names, 3) == nn.names.shuffled(names, 3) != names
    assert GPT.from_documents(names).vocab_size == 27


def test_read_documents(tmp_path):
    (tmp_path / "d.txt").write_text("  anna \n\nbob\n\n  \n", encoding="utf-8")
    assert nn.names.read_documents(tmp_path / "d.txt") == ["anna", "bob"]
    (tmp_path / "b.txt").write_bytes(b"ab\xffc\n")
    with pytest.raises(ValueError, match=r"not UTF-8 text \(byte 0xff at offset 2\)"):
        nn.names.read_documents(tmp_path / "b.txt")
    (tmp_path / "e.txt").write_text("\n \n")
    with pytest.raises(ValueError, match="no documents"):
        nn.names.read_documents(tmp_path / "e.txt")
    (tmp_path / "big.txt").write_text("x\n" * 100)
    with pytest.raises(ValueError, match="more than 50 bytes"):
        nn.names.read_documents(tmp_path / "big.txt", max_bytes=50)


def test_the_tiny_graph_is_drawable_and_grouped_by_block():
    from nn.gpt_draw import TINY_DOCUMENT, graph, tiny_gpt

    model = tiny_gpt()
    tokens = model.tokens(TINY_DOCUMENT)
    assert model.vocab_size == 4 and model.n_embd == 4 and model.n_head == 1 and len(tokens) - 1 == 2
    trace = model.forward(tokens, mode="folded", groups=True)
    nodes = topological_order(trace.loss)
    assert len(nodes) <= 200
    assert set(trace.groups.values()) == {
        "embedding", "layer 1 · head 1", "layer 1 · attention", "layer 1 · MLP", "logits and loss",
    }  # fmt: skip
    assert all(v in trace.groups for v in nodes if v.label and v.parents)  # every computed node has a block
    g = graph(model, tokens)
    assert g.values == len(nodes) and "position 2 · attention head" in g.source and "α<SUB>2,1</SUB>" in g.source


def test_the_tiny_graphs_layout_is_a_row_of_blocks_per_position():
    from nn.gpt_draw import TINY_DOCUMENT, layout, tiny_gpt

    model = tiny_gpt()
    J = model.loss(model.tokens(TINY_DOCUMENT), mode="folded")
    nodes = topological_order(J)
    found = layout(J)
    groups, columns = found["groups"], found["columns"]
    assert set(groups) == set(nodes)  # every node in a block
    members: dict[str, set] = {}
    for v, block in groups.items():
        members.setdefault(block, set()).add(v.label.split("_")[0])
    assert members == {
        **{f"position {t} · embedding": {"e", "x"} for t in (1, 2)},
        **{f"position {t} · attention head": {"x̂", "q", "k", "v", "s", "α", "o", "a", "x"} for t in (1, 2)},
        **{f"position {t} · MLP": {"x̂", "z", "h", "m", "x"} for t in (1, 2)},
        "logits and loss": {"ℓ", "J"},
    }
    for v, block in groups.items():  # each position's nodes in its own row (x^(0) embeds, x^(1) ends attention)
        if block != "logits and loss":
            assert block.startswith(f"position {v.label.split('_')[1].split(',')[0]} ·"), (v.label, block)
    assert groups[next(v for v in nodes if v.label == "x_1,1^(0)")] == "position 1 · embedding"
    assert groups[next(v for v in nodes if v.label == "x_2,3^(1)")] == "position 2 · attention head"
    assert groups[next(v for v in nodes if v.label == "x̂_2,3^(1)")] == "position 2 · MLP"
    # a column: one kind of node of one block, in index order; q, k and v together; all nodes but J in one
    by_label = [[v.label for v in column] for column in columns]
    assert ["q_2,1^(1)", "q_2,2^(1)", "q_2,3^(1)", "q_2,4^(1)", "k_2,1^(1)"] == by_label[
        next(k for k, c in enumerate(by_label) if c[0] == "q_2,1^(1)")][:5]  # fmt: skip
    assert [f"z_1,{j}^(1)" for j in range(1, 17)] in by_label
    assert [f"ℓ_{t},{c}" for t in (1, 2) for c in range(1, 5)] in by_label
    assert sorted(v.label for c in columns for v in c) == sorted(v.label for v in nodes if v is not J)
    assert all(len({groups[v] for v in c}) == 1 for c in columns)  # a column never leaves its block


@pytest.mark.parametrize("rankdir", ["LR", "TB"])
def test_the_drawn_graph_keeps_each_column_in_index_order(rankdir):
    # dot's second crossing minimization reordered columns inside a block (e₁,₂ e₁,₃ e₁,₄ e₁,₁; q, k, v
    # interleaved): where it would, the render turns it off. Positions as dot lays the graph out.
    from nn.gpt_draw import TINY_DOCUMENT, graph, tiny_gpt

    model = tiny_gpt()
    g = graph(model, model.tokens(TINY_DOCUMENT), rankdir=rankdir)
    assert len(g.columns) == 27 and "remincross" not in g.graph_attr
    laid = json.loads(g.pipe(format="json"))
    at = {o["name"]: tuple(map(float, o["pos"].split(","))) for o in laid["objects"] if "pos" in o}
    label = {o["name"]: o["tooltip"].split(":")[0] for o in laid["objects"] if "pos" in o}
    for column in g.columns:  # top to bottom (LR), or left to right (TB)
        place = [at[n][0] if rankdir == "TB" else -at[n][1] for n in column]
        assert place == sorted(place) and len(set(place)) == len(place), [label[n] for n in column]
    drawn = {label[c[0]]: [label[n] for n in c] for c in g.columns}
    assert drawn["e_1,1"] == ["e_1,1", "e_1,2", "e_1,3", "e_1,4"]
    assert drawn["q_2,1^(1)"] == [f"{b}_2,{i}^(1)" for b in "qkv" for i in range(1, 5)]
    # a graph dot already lays out in order keeps dot's whole layout: Jordan's 2-2-2
    net = nn.example("2-2-2")
    J = nn.mse([net.trace(nn.EXAMPLE_DATA["2-2-2"][0]).output], [nn.EXAMPLE_DATA["2-2-2"][1]])
    g = draw(J, rankdir=rankdir, **nn.layout(J))
    assert len(g.columns) == 3 and g.pipe(format="json") == graphviz.Digraph.pipe(g, format="json")


def test_the_layout_of_a_fused_graph_with_heads_and_layers():
    from nn.gpt_draw import layout

    model = GPT(5, n_embd=4, n_head=2, n_layer=2, block_size=2, seed=1)
    J = model.loss([4, 0, 1])
    groups = layout(J)["groups"]
    nodes = topological_order(J)
    assert set(groups) == set(nodes)
    assert set(groups.values()) == {
        *(f"position {t} · layer {l} attention, 2 heads" for t in (1, 2) for l in (1, 2)),
        *(f"position {t} · layer {l} MLP" for t in (1, 2) for l in (1, 2)),
        "position 1 · embedding", "position 2 · embedding", "logits and loss",
    }  # fmt: skip
    # a weight (a leaf nn.gpt labels Wq_i,j^(l) …) joins the block of a node that uses it
    wq = model.weights["layer1.attn_wq"][0][0]
    assert groups[wq] in {"position 1 · layer 2 attention, 2 heads", "position 2 · layer 2 attention, 2 heads"}
    assert groups[model.weights["wte"][4][0]] == "position 1 · embedding"
    assert layout(Value(1.0) * 2) == {"groups": {}, "columns": []}


def test_the_tiny_gpts_explorer_page_and_where_attention_starts():
    from autograd.explore import backward_steps
    from nn.gpt_draw import TINY_DOCUMENT, attention_start, explore_page, tiny_gpt

    model = tiny_gpt()
    tokens = model.tokens(TINY_DOCUMENT)
    page = explore_page(model, tokens)
    assert (page.nodes, page.steps, page.title) == (175, 565, "∂J/∂· in a tiny GPT")
    assert explore_page(model, tokens, title="mine", rankdir="TB").title == "mine"
    with pytest.raises(ValueError, match="more than max_nodes=100"):
        explore_page(model, tokens, max_nodes=100)
    J = model.loss(tokens, mode="folded")
    order = topological_order(J)
    _, steps, _ = backward_steps(order)
    k = attention_start(J)
    assert [order[c].label[0] for c, _ in steps[: k + 1]].index("o") == k  # the first step out of an o
    with pytest.raises(ValueError, match="attention_start: the graph has no attention head's output o"):
        attention_start(Value(1.0) * 2)


def test_the_attention_map_is_a_png(tmp_path):
    from nn.gpt_draw import save_attention_map

    model = GPT.from_documents(DOCS, n_embd=8, n_head=2, block_size=8)
    path = save_attention_map(model, model.tokens("emma"), tmp_path / "a.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    A = np.array(model.attention(model.tokens("emma")))
    assert A.shape == (1, 2, 5, 5) and np.allclose(A.sum(axis=-1), 1.0) and not np.any(np.triu(A, k=1))


@pytest.mark.parametrize("layers", [1, 2])
def test_the_attention_maps_labels_overlap_nothing(layers):
    # ⟨BOS⟩ on the y axis of heads 2–4 ran into the panel before; on 'isabella', the x axis's ⟨BOS⟩
    # ran into 'i'. The tokens are written once per row and column of panels, ⟨BOS⟩ upright below.
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from nn.gpt_draw import attention_map

    model = GPT.from_documents(DOCS, n_embd=8, n_head=4, n_layer=layers, block_size=16)
    fig = attention_map(model, model.tokens("isabella"))
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    r = canvas.get_renderer()
    panels = [ax for ax in fig.axes if ax.get_images()]
    assert len(panels) == 4 * layers
    shown = [
        (lab.get_text(), lab.get_window_extent(r), ax)
        for ax in panels
        for lab in ax.get_xticklabels() + ax.get_yticklabels()
        if lab.get_visible()
    ]
    # down the left of the first column, along the bottom of the last row: the 9 tokens each
    assert len(shown) == 9 * layers + 9 * 4
    assert [t for t, _, ax in shown if ax is panels[0]][-9:] == ["⟨BOS⟩", *"isabella"]
    for k, (text, box, _) in enumerate(shown):
        for other_text, other, _ in shown[k + 1 :]:
            assert not box.overlaps(other), (text, other_text)
        for ax in panels:
            assert not box.overlaps(ax.get_window_extent(r)), (text, ax.get_title())


def test_the_matrix_twin_imports_nothing_from_the_engine():
    from test_layers import imports

    found = imports(Path(nn.gpt_matrix.__file__))
    assert not {m for m in found if m.split(".")[0] == "autograd" or m.startswith("nn.")}, found
