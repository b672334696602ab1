"""Losses by hand, optimizers by hand, training on moons, save/load, data sets."""

from __future__ import annotations

import json
import math
import os
import random
import warnings
from pathlib import Path

import numpy as np
import pytest

import nn
from autograd import Value, numerical_grad

# ---------------------------------------------------------------- losses: value and ∂J/∂a by hand


def outs(rows):
    return [[Value(v) for v in row] for row in rows]


def test_mse_by_hand():
    a = outs([[0.2, 0.7], [0.9, 0.4]])
    J = nn.mse(a, [[0.0, 1.0], [1.0, 0.0]])
    # 1/(2·2) · (0.04 + 0.09 + 0.01 + 0.16) = 0.075
    assert J.data == pytest.approx(0.075, rel=1e-15)
    assert J.local_grads == pytest.approx([0.1, -0.15, -0.05, 0.2], rel=1e-14)
    assert J.parents == (*a[0], *a[1]) and J.label == "J"


def test_cross_entropy_by_hand_and_clipping():
    a = outs([[0.8], [0.3]])
    J = nn.cross_entropy(a, [[1.0], [0.0]])
    assert J.data == pytest.approx(-(math.log(0.8) + math.log(0.7)) / 2, rel=1e-15)
    assert J.local_grads == pytest.approx([-1 / 0.8 / 2, 1 / 0.7 / 2], rel=1e-14)
    # a = 1 exactly: clipped to 1 − 1e-12, a large finite cost, not inf
    J = nn.cross_entropy([[Value(1.0)]], [[0.0]])
    assert math.isfinite(J.data) and J.data == pytest.approx(-math.log(1e-12), rel=1e-3)
    with pytest.raises(ValueError, match=r"cross_entropy: outputs must be in \[0, 1\].*got 1.5"):
        nn.cross_entropy([[Value(1.5)]], [[1.0]])


def test_hinge_by_hand():
    a = outs([[0.5], [-2.0], [1.5]])
    J = nn.hinge(a, [1, 1, -1])
    # margins: 1 − 0.5 = 0.5, 1 + 2 = 3, 1 + 1.5 = 2.5 → mean 2.0
    assert J.data == pytest.approx(2.0, rel=1e-15)
    assert J.local_grads == pytest.approx([-1 / 3, -1 / 3, 1 / 3], rel=1e-15)
    assert nn.hinge([[Value(2.0)]], [1]).local_grads == (0.0,)  # margin met: no gradient
    with pytest.raises(ValueError, match="hinge: targets must be -1 or \\+1, got 0.0"):
        nn.hinge(a, [1, 0, 1])


def test_softmax_cross_entropy_by_hand():
    a = outs([[1.0, 2.0, 0.5]])
    J = nn.softmax_cross_entropy(a, [[0, 1, 0]])
    e = [math.exp(1.0), math.exp(2.0), math.exp(0.5)]
    p = [v / sum(e) for v in e]
    assert J.data == pytest.approx(-math.log(p[1]), rel=1e-14)
    assert J.local_grads == pytest.approx([p[0], p[1] - 1, p[2]], rel=1e-13)
    # stable for large logits
    big = nn.softmax_cross_entropy(outs([[1000.0, 0.0]]), [[1, 0]])
    assert big.data == pytest.approx(0.0, abs=1e-300)


def test_l2_excludes_biases():
    net = nn.MLP(2, [2], bias=True, init="debug")
    R = nn.l2(net, lam=3.0, m=5)
    ws = [w.data for n in net.layers[0].neurons for w in n.w]
    assert R.data == pytest.approx(3.0 / 10 * sum(w * w for w in ws), rel=1e-14)
    assert len(R.parents) == 4 and all(p.label.startswith("w") for p in R.parents)
    assert R.local_grads == pytest.approx([3.0 * w / 5 for w in ws], rel=1e-14)
    with pytest.raises(ValueError, match="l2: lam must be a finite real number ≥ 0, got -1.0"):
        nn.l2(net, -1.0, 5)


@pytest.mark.parametrize("name", ["mse", "cross_entropy", "hinge", "softmax_cross_entropy"])
def test_every_loss_against_central_differences(name):
    a = outs([[0.2, 0.7, 0.45], [0.9, 0.35, 0.6]])
    y = {"hinge": [[1, -1, 1], [-1, -1, 1]]}.get(name, [[0, 1, 0], [1, 0, 0]])
    f = lambda: nn.get_loss(name)(a, y)
    J = f()
    num = numerical_grad(f, [v for row in a for v in row])
    assert list(J.local_grads) == pytest.approx(num, rel=1e-6, abs=1e-9)


def test_shapes_are_checked():
    a = outs([[0.1, 0.2], [0.3, 0.4]])
    with pytest.raises(ValueError, match="mse: 2 samples of outputs but 3 targets"):
        nn.mse(a, [[0, 1], [1, 0], [0, 0]])
    with pytest.raises(ValueError, match="mse: sample 1 has 2 outputs but 1 target"):
        nn.mse(a, [[0, 1], [1]])
    with pytest.raises(TypeError, match="mse: targets must be a finite real number, got str"):
        nn.mse(a, [["a", 1], [1, 0]])
    with pytest.raises(
        ValueError, match="get_loss: name .* must be one of 'mse', 'cross_entropy', 'hinge', 'softmax_cross_entropy'"
    ):
        nn.get_loss("l1")
    # a flat list of outputs is one output per sample (a one-output network's outputs): m = 2, K = 1,
    # J = ((0.5 − 0)² + (0.5 − 1)²)/(2·2); one sample of K outputs is passed as [outputs]: m = 1
    assert nn.mse([Value(0.5), Value(0.5)], [0.0, 1.0]).data == 0.125
    assert nn.mse([[Value(0.5), Value(0.5)]], [[0.0, 1.0]]).data == 0.25
    assert nn.mse([[Value(0.5)], [Value(1.0)]], np.array([0.0, 1.0])).data == pytest.approx(0.0625)
    # one Value: one sample of one output, its target a number or a list of one
    assert nn.mse(Value(0.5), 1.5).data == nn.mse(Value(0.5), [1.5]).data == 0.5


# ---------------------------------------------------------------- optimizers by hand


def test_sgd_with_momentum_by_hand():
    p = Value(1.0)
    opt = nn.SGD([p], lr=0.1, momentum=0.9)
    p.grad = 2.0
    opt.step()  # v = 2, θ = 1 − 0.2
    assert p.data == pytest.approx(0.8)
    opt.step()  # v = 0.9·2 + 2 = 3.8, θ = 0.8 − 0.38
    assert p.data == pytest.approx(0.42)
    opt.zero_grad()
    assert p.grad == 0.0


def test_adam_first_step_by_hand():
    p = Value(1.0)
    opt = nn.Adam([p], lr=0.01)
    p.grad = 0.5
    opt.step()
    # m̂ = 0.5, v̂ = 0.25 → step = 0.01 · 0.5 / (0.5 + 1e-8)
    assert p.data == pytest.approx(1.0 - 0.01 * 0.5 / (0.5 + 1e-8), rel=1e-15)


def test_adam_second_step_by_hand_shows_the_bias_correction():
    p = Value(1.0)
    opt = nn.Adam([p], lr=0.1)  # β₁ = 0.9, β₂ = 0.999, ε = 1e-8
    p.grad = 0.5
    opt.step()  # m = 0.05, v = 0.00025; m̂ = 0.05/0.1 = 0.5, v̂ = 0.00025/0.001 = 0.25 → θ ≈ 1 − 0.1
    p.grad = -1.0
    opt.step()
    m = 0.9 * 0.05 + 0.1 * -1.0  # = −0.055
    v = 0.999 * 0.00025 + 0.001 * 1.0  # = 0.00124975
    m_hat, v_hat = m / (1 - 0.9**2), v / (1 - 0.999**2)  # −0.055/0.19, 0.00124975/0.001999
    first = 1.0 - 0.1 * 0.5 / (0.5 + 1e-8)
    assert p.data == pytest.approx(first - 0.1 * m_hat / (math.sqrt(v_hat) + 1e-8), rel=1e-14)
    assert p.data == pytest.approx(0.93661, abs=1e-5)  # the step back is 0.0366: smaller than the first
    assert repr(opt) == "Adam(1 parameter, lr=0.1, betas=(0.9, 0.999), step 2)"
    assert repr(nn.SGD([p, Value(0.0)], lr=0.5, momentum=0.9)) == "SGD(2 parameters, lr=0.5, momentum=0.9)"


def test_adam_on_vectors_gives_the_floats_of_a_loop_over_the_parameters():
    # step() works on NumPy vectors; each θ must be the very float the scalar formulas give on Python
    # floats (the loop below), also where a grad is 0, huge, inf, NaN or an int — silently, no warning
    rng = random.Random(3)
    grads = [[rng.gauss(0.0, 10.0 ** rng.randint(-8, 8)) for _ in range(40)] for _ in range(4)]
    for row in grads:
        row[:7] = [0.0, 1e200, -math.inf, math.nan, 5e-324, 2**70, True]  # ints too: a user's p.grad = 1
    ps = [Value(rng.uniform(-1.0, 1.0)) for _ in range(40)]
    ps[6].data, ps[7].data = 0, 1  # weights a user reset to ints
    theta = [p.data for p in ps]
    m, v = [0.0] * 40, [0.0] * 40
    b1, b2, lr, eps = 0.85, 0.99, 0.01, 1e-8
    opt = nn.Adam(ps, lr=lr, betas=(b1, b2), eps=eps)
    for t, row in enumerate(grads, start=1):
        for p, g in zip(ps, row):
            p.grad = g
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            opt.step()
        for i, g in enumerate(row):
            m[i] = b1 * m[i] + (1.0 - b1) * g
            v[i] = b2 * v[i] + (1.0 - b2) * g * g
            theta[i] -= lr * (m[i] / (1.0 - b1**t)) / (math.sqrt(v[i] / (1.0 - b2**t)) + eps)
        assert [repr(p.data) for p in ps] == [repr(x) for x in theta]  # repr: NaN equals NaN
        assert all(type(p.data) is float for p in ps)
    assert math.isfinite(ps[0].data) and math.isfinite(ps[1].data)  # g = 0; g² overflows: the step is 0
    assert math.isnan(ps[2].data) and math.isnan(ps[3].data)  # −inf / inf; NaN
    q = Value(0.5)  # every weight an int (a user's reset), every grad an int: still the loop's floats
    opt = nn.Adam([q], lr=0.1)
    q.data, q.grad = 0, 2**70
    opt.step()
    m, v = (1.0 - 0.9) * 2**70, (1.0 - 0.999) * 2**70 * 2**70  # Adam's default betas
    assert q.data == 0 - 0.1 * (m / (1.0 - 0.9)) / (math.sqrt(v / (1.0 - 0.999)) + 1e-8) and type(q.data) is float


@pytest.mark.parametrize("bad", [None, "1.5", b"2", 1j])
def test_adam_refuses_a_grad_or_weight_that_is_not_a_number_and_changes_nothing(bad):
    # NumPy would read "1.5" as 1.5 and None as NaN: the step checks first, and names the parameter
    ps = [Value(0.1), Value(0.2)]
    opt = nn.Adam(ps, lr=0.1)
    ps[0].grad, ps[1].grad = 0.5, bad
    with pytest.raises(TypeError, match=r"Adam\.step: params\[1\]\.grad must be a real number, got"):
        opt.step()
    assert [p.data for p in ps] == [0.1, 0.2] and opt.t == 0
    ps[1].grad, ps[1].data = 0.5, bad
    with pytest.raises(TypeError, match=r"Adam\.step: params\[1\]\.data must be a real number"):
        opt.step()
    ps[1].data = 0.2
    opt.step()
    assert opt.t == 1 and ps[0].data == pytest.approx(0.1 - 0.1 * 0.5 / (0.5 + 1e-8), rel=1e-14) == ps[1].data - 0.1
    opt.params.append(Value(1.0))
    with pytest.raises(ValueError, match="Adam.step: params holds 3 Values, but this Adam was made for 2"):
        opt.step()


def test_optimizer_bad_input():
    with pytest.raises(ValueError, match="SGD: lr must be a finite real number > 0"):
        nn.SGD([Value(1.0)], lr=0)
    with pytest.raises(ValueError, match="no parameters to optimize"):
        nn.Adam([], lr=0.1)
    with pytest.raises(TypeError, match=r"params\[0\] must be a Value, got float"):
        nn.SGD([1.0], lr=0.1)


# ---------------------------------------------------------------- training


def test_fit_reaches_97_percent_on_moons():
    X, y = nn.data.moons(100, noise=0.1, seed=1)
    model = nn.MLP(2, [16, 16, 1], activation="tanh", output_activation="sigmoid", seed=0)
    history = nn.fit(
        model, X, y, loss="cross_entropy", optimizer=nn.Adam(model.parameters(), lr=0.05), epochs=60, progress=False
    )
    assert len(history) == 60 and history.losses[-1] < history.losses[0] / 5
    assert nn.accuracy(model, X, y) >= 0.97


def test_fit_minibatches_hinge_and_report(capsys):
    X, y = nn.data.xor(40, noise=0.05, seed=2)
    model = nn.MLP(2, [8, 1], "tanh", output_activation="linear", seed=1)
    history = nn.fit(
        model,
        X,
        2 * y - 1,
        loss="hinge",
        optimizer=nn.SGD(model.parameters(), 0.1, momentum=0.5),
        epochs=40,
        batch_size=8,
        lam=1e-4,
        seed=3,
        progress=False,
        verbose=True,
    )
    lines = capsys.readouterr().out.strip().splitlines()
    assert (
        lines[0] == "(each epoch's loss and accuracy are measured on its own forward passes, before each of its steps)"
    )
    assert len(lines) == 41 and lines[1].startswith("epoch    1  loss ")
    assert history[-1].accuracy >= 0.9 and "accuracy" in lines[-1]
    assert nn.accuracy(model, X, 2 * y - 1, loss="hinge") >= 0.9


def test_an_epochs_accuracy_is_the_models_before_its_step(capsys):
    # The printed line says "before its step": epoch 5's accuracy is that of the model after 4 epochs,
    # and the model after epoch 5 is measured by nn.accuracy (the two once looked contradictory: 81% vs 82%).
    X, y = nn.data.moons(40, noise=0.1, seed=1)

    def trained(epochs, verbose=False):
        model = nn.MLP(2, [8, 1], "tanh", output_activation="sigmoid", seed=0)
        opt = nn.Adam(model.parameters(), lr=0.05)
        h = nn.fit(model, X, y, loss="cross_entropy", optimizer=opt, epochs=epochs, progress=False, verbose=verbose)
        return model, h

    model5, history = trained(5, verbose=True)
    assert "before its step)" in capsys.readouterr().out.splitlines()[0]
    model4, _ = trained(4)
    assert history[-1].accuracy == nn.accuracy(model4, X, y)
    assert history[-1].loss == nn.cross_entropy([model4(x) for x in X.tolist()], y.tolist()).data


def test_fit_is_reproducible_and_multiclass():
    X, y = nn.data.blobs(60, centers=3, seed=4)
    runs = []
    for _ in range(2):
        model = nn.MLP(2, [8, 3], "tanh", output_activation="linear", seed=2)
        runs.append(
            nn.fit(
                model,
                X,
                y,
                loss="softmax_cross_entropy",
                epochs=15,
                batch_size=10,
                optimizer=nn.Adam(model.parameters(), 0.05),
                progress=False,
            ).losses
        )
    assert runs[0] == runs[1]
    assert nn.accuracy(model, X, y) >= 0.95


def test_accuracy_rules_sign_for_pm1_half_for_01_argmax_for_classes_none_for_regression():
    model = nn.MLP(1, [1], "linear")
    model.layers[0].neurons[0].w[0].data, model.layers[0].neurons[0].b.data = 1.0, 0.0  # a = x
    X = [[-0.7], [0.2], [0.6], [0.9]]
    # ±1 labels (any loss): right when the sign agrees → -0.7↔-1 ✓, 0.2↔-1 ✗, 0.6↔+1 ✓, 0.9↔+1 ✓
    assert nn.accuracy(model, X, [-1, -1, 1, 1]) == 0.75
    # 0/1 labels: right when (a ≥ ½) agrees → -0.7↔0 ✓, 0.2↔1 ✗, 0.6↔1 ✓, 0.9↔0 ✗
    assert nn.accuracy(model, X, [0, 1, 1, 0]) == 0.5
    # hinge judges by the sign even when every label happens to be +1: 0.2, 0.6, 0.9 > 0, -0.7 not
    assert nn.accuracy(model, X, [1, 1, 1, 1], loss="hinge") == 0.75
    assert nn.accuracy(model, X, [0.3, 1.2, 0.0, 1.0]) is None  # regression targets
    history = nn.fit(model, X, [0.3, 1.2, 0.0, 1.0], epochs=2, progress=False)
    assert history.accuracies == [None, None]
    # several outputs: argmax of the outputs against the class label
    two = nn.MLP(1, [2], "linear")
    for n, (w, b) in zip(two.layers[0].neurons, [(1.0, 0.0), (-1.0, 0.0)]):  # a = (x, -x)
        n.w[0].data, n.b.data = w, b
    assert nn.accuracy(two, X, [1, 0, 0, 0]) == 1.0  # argmax: 1, 0, 0, 0 (-0.7 < 0.7, then x > -x)
    assert nn.accuracy(two, X, [[0, 1], [0, 1], [1, 0], [1, 0]]) == 0.75  # one-hot rows: ✓ ✗ ✓ ✓


def test_fit_progress_bar_is_switchable(capsys):
    X, y = nn.data.moons(10, seed=0)
    model = nn.MLP(2, [2, 1])
    nn.fit(model, X, y, epochs=3, progress=True)
    assert "training" in capsys.readouterr().err
    nn.fit(model, X, y, epochs=3, progress=False)
    assert capsys.readouterr().err == ""


def test_fit_bad_input():
    model = nn.MLP(2, [1])
    X, y = nn.data.moons(10, seed=0)
    with pytest.raises(ValueError, match="10 samples in X but 9 labels"):
        nn.fit(model, X, y[:9])
    with pytest.raises(ValueError, match="fit: epochs must be an integer ≥ 1"):
        nn.fit(model, X, y, epochs=0)
    with pytest.raises(ValueError, match=r"^fit: X\[1\] has 3 numbers, but the network takes 2 inputs \(a sample"):
        nn.fit(model, [[1, 2], [1, 2, 3]], [1, 0])
    with pytest.raises(ValueError, match=r"^fit: X\[0\] has 1 number, but the network takes 2 inputs"):
        nn.fit(model, [[1]], [1])
    with pytest.raises(ValueError, match=r"^accuracy: X\[0\] has 3 numbers, but the network takes 2 inputs"):
        nn.accuracy(model, [[1, 2, 3]], [1])
    with pytest.raises(ValueError, match=r"^predict: X\[0\] has 3 numbers"):
        nn.predict(model, [[1, 2, 3]])
    with pytest.raises(ValueError, match=r"^MLP: expected 2 inputs, got 3 \(a sample"):
        model([1, 2, 3])
    with pytest.raises(ValueError, match=r"^Neuron: expected 1 input, got 2"):
        nn.MLP(1, [1]).layers[0].neurons[0]([1, 2])
    with pytest.raises(ValueError, match=r"^fit: target 0 has 2 entries, the network has 1 output$"):
        nn.fit(model, [[1, 2]], [[0, 1]])
    with pytest.raises(ValueError, match="fit: label 0 is 5: with 3 outputs, labels are classes 0..2"):
        nn.fit(nn.MLP(2, [3]), X, y + 5)
    with pytest.raises(TypeError, match=r"fit: X\[1\]\[1\] must be a finite real number, got str: 'b'"):
        nn.fit(model, [[1.0, 2.0], [1.0, "b"]], [0, 1])
    with pytest.raises(TypeError, match=r"fit: X\[0\] \(a sample\) must be a sequence of numbers, got float"):
        nn.fit(model, [1.0, 2.0], [0, 1])
    # NaN or inf in the data would train on as NaN: refused before the first step
    Xn = X.copy()
    Xn[3, 1] = np.nan
    with pytest.raises(ValueError, match=r"fit: X\[3\]\[1\] must be a finite real number, got nan"):
        nn.fit(model, Xn, y)
    with pytest.raises(ValueError, match=r"fit: y\[2\] \(a label or target\) must be a finite real number, got inf"):
        nn.fit(model, X, [0, 1, np.inf] + [0] * 7)


# ---------------------------------------------------------------- λ/(2M): one λ, one J


@pytest.mark.parametrize("batch_size, w", [(1, 1.80737578125), (2, 1.90125), (None, 1.95)])
def test_the_penalty_is_lambda_over_2M_whatever_the_batch(batch_size, w):
    # y = w·x, w = 2, four samples with x = 0 (the data pull nothing), SGD lr 0.1, λ = 1, one epoch.
    # The course's J = … + λ/(2M) w² with M = 4: each step w := w − 0.1·(λ/M)·w = 0.975·w, one step per
    # batch: 2·0.975⁴ = 1.80737578125 (B = 1), 2·0.975² = 1.90125 (B = 2), 2·0.975 = 1.95 (full batch).
    # (λ/(2B) gave 2·0.9⁴ = 1.3122 and 2·0.95² = 1.805: B = 1 regularized 4 times harder.)
    model = nn.MLP(1, [1], activation="linear", bias=False)
    (weight,) = model.parameters()
    weight.data = 2.0
    nn.fit(model, [[0.0]] * 4, [0.0] * 4, lam=1.0, epochs=1, batch_size=batch_size, optimizer=nn.SGD([weight], lr=0.1))
    assert weight.data == pytest.approx(w, rel=1e-15)


def test_a_batch_cost_is_the_average_loss_plus_the_penalty_over_the_whole_set():
    X, y = nn.data.moons(12, seed=3)
    model = nn.MLP(2, [3, 1], "tanh", "sigmoid", seed=2)
    history = nn.fit(model, X, y, loss="cross_entropy", lam=0.7, epochs=1, batch_size=5,
                     optimizer=nn.SGD(model.parameters(), lr=1e-300))  # fmt: skip
    # lr ≈ 0: every batch sees the initial weights, so the epoch's mean cost is J(Θ) on all 12 samples
    J = nn.cross_entropy([model(x) for x in X.tolist()], y.tolist()) + nn.l2(model, 0.7, 12)
    assert history[-1].loss == pytest.approx(J.data, rel=1e-14)


# ---------------------------------------------------------------- a cost that leaves the floats


def test_fit_stops_at_the_first_non_finite_cost_naming_the_epoch_and_batch():
    X, y = nn.data.moons(20, seed=0)
    model = nn.MLP(2, [8, 1], "tanh", "linear", seed=0)
    with pytest.raises(FloatingPointError, match=r"fit: the cost is (inf|nan) at epoch \d+, batch \d+ of 4; "
                       r"the steps diverged: try a smaller learning rate than lr=1e\+150"):  # fmt: skip
        nn.fit(model, X, y, loss="mse", batch_size=5, epochs=50, optimizer=nn.SGD(model.parameters(), lr=1e150))
    assert all(math.isfinite(p.data) for p in model.parameters())  # stopped before a step to NaN


def test_a_non_finite_cost_before_any_step_says_so():
    model = nn.MLP(1, [1], activation="linear", bias=False)
    model.parameters()[0].data = 1e200
    with pytest.raises(FloatingPointError, match="fit: the cost is inf at epoch 1, batch 1 of 1; before any step"):
        nn.fit(model, [[1e200]], [0.0], loss="mse")


# ---------------------------------------------------------------- save / load


def test_save_load_round_trip_is_exact(tmp_path):
    model = nn.MLP(3, [4, 2], "tanh", output_activation="sigmoid", seed=9)
    path = nn.save(model, tmp_path / "w.json")
    back = nn.load(path)
    assert back.sizes == model.sizes and back.output_activation == "sigmoid"
    assert [p.data for p in back.parameters()] == [p.data for p in model.parameters()]
    assert [p.label for p in back.parameters()] == [p.label for p in model.parameters()]
    assert os.listdir(tmp_path) == ["w.json"]  # no temporary file left behind


def test_load_checks_shapes_before_changing_anything(tmp_path):
    path = nn.save(nn.MLP(3, [4, 2], seed=1), tmp_path / "w.json")
    other = nn.MLP(3, [5, 2], seed=2)
    before = [p.data for p in other.parameters()]
    with pytest.raises(
        ValueError,
        match=r"sizes \[3, 4, 2\], the model has \[3, 5, 2\]: Θ\^\(1\) is 4 × 4 in the file, 5 × 4 in the model",
    ):
        nn.load_weights(other, path)
    assert [p.data for p in other.parameters()] == before
    with pytest.raises(ValueError, match=r"\(2 weight matrices in the file, 1 in the model\)"):
        nn.load_weights(nn.MLP(3, [2]), path)
    # biases have nowhere to go in a model without them: an error, not a silent loss
    with pytest.raises(ValueError, match=r"Θ\^\(1\) has non-zero biases \(column 0\) but the model has bias=False"):
        nn.load_weights(nn.MLP(3, [4, 2], bias=False), path)
    # the other way round is fine: a bias-free network's zero column becomes zero biases
    plain = nn.MLP(3, [4, 2], bias=False, seed=3)
    with_bias = nn.load_weights(nn.MLP(3, [4, 2], seed=4), nn.save(plain, tmp_path / "plain.json"))
    assert [n.b.data for layer in with_bias.layers for n in layer.neurons] == [0.0] * 6
    assert [w.data for w in with_bias.weights()] == [w.data for w in plain.weights()]
    (tmp_path / "plain.json").unlink()
    doc = json.loads(path.read_text())
    doc["thetas"][1][0] = doc["thetas"][1][0][:-1]
    path.write_text(json.dumps(doc))
    with pytest.raises(ValueError, match=r"Θ\^\(2\) should be 2 × 5"):
        nn.load(path)
    path.write_text("{not json")
    with pytest.raises(ValueError, match="not a chainrule weights file"):
        nn.load(path)


def test_save_gives_the_file_ordinary_permissions_and_names_a_missing_directory(tmp_path):
    old = os.umask(0o022)
    try:
        path = nn.save(nn.MLP(2, [1]), tmp_path / "w.json")
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o644  # not mkstemp's private 0600
    path.chmod(0o640)
    nn.save(nn.MLP(2, [1]), path)  # overwriting keeps the file's mode
    assert path.stat().st_mode & 0o777 == 0o640
    with pytest.raises(FileNotFoundError, match="no directory .*nowhere"):
        nn.save(nn.MLP(2, [1]), tmp_path / "nowhere" / "w.json")
    with pytest.raises(IsADirectoryError, match="it is a directory"):
        nn.save(nn.MLP(2, [1]), tmp_path)


def test_save_is_atomic_on_failure(tmp_path, monkeypatch):
    model = nn.MLP(2, [1], seed=0)
    path = nn.save(model, tmp_path / "w.json")
    saved = path.read_text()
    monkeypatch.setattr(os, "fsync", lambda *a, **k: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError, match="disk full"):
        nn.save(model, path)
    assert path.read_text() == saved and os.listdir(tmp_path) == ["w.json"]


# ---------------------------------------------------------------- data


@pytest.mark.parametrize("name", sorted(nn.data.DATASETS))
def test_datasets_are_seeded_and_shaped(name):
    f = nn.data.DATASETS[name]
    X, y = f(50, seed=3)
    X2, y2 = f(50, seed=3)
    X3, _ = f(50, seed=4)
    assert X.shape == (50, 2) and y.shape == (50,)
    assert np.array_equal(X, X2) and np.array_equal(y, y2) and not np.array_equal(X, X3)
    assert set(np.unique(y)) >= {0, 1}


def test_xor_labels_follow_the_signs():
    X, y = nn.data.xor(200, noise=0.0, seed=0)
    assert np.array_equal(y, (X[:, 0] * X[:, 1] < 0).astype(int))


def test_data_bad_input():
    with pytest.raises(ValueError, match=r"moons: n \(the number of samples\) must be an integer ≥ 2"):
        nn.data.moons(1)
    with pytest.raises(ValueError, match="circles: noise must be a finite real number ≥ 0, got -1"):
        nn.data.circles(10, noise=-1)


def test_fit_pauses_the_cyclic_gc_and_always_restores_it():
    import gc

    from autograd import collector

    X, y = nn.data.moons(10, seed=0)
    seen = []

    def spy(outputs, targets):
        seen.append((gc.isenabled(), collector.state()["loop"]))
        return nn.mse(outputs, targets)

    assert gc.isenabled()
    nn.fit(nn.MLP(2, [1]), X, y, loss=spy, epochs=2, progress=False)
    assert seen == [(False, True), (False, True)] and gc.isenabled() and not collector.state()["loop"]
    collector.enabled = False  # the policy off: the collector is Python's alone
    try:
        nn.fit(nn.MLP(2, [1]), X, y, loss=spy, epochs=1, progress=False)
    finally:
        collector.enabled = True
    assert seen[-1] == (True, True)

    def broken(outputs, targets):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        nn.fit(nn.MLP(2, [1]), X, y, loss=broken, epochs=1, progress=False)
    assert gc.isenabled() and not collector.state()["loop"]


def test_the_readmes_own_training_loop_runs_and_prints_what_it_says(capsys):
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    block = readme.split("**Your own training loop.**", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    exec(compile(block, "README", "exec"), {})  # on its own: the block imports nn itself
    said = block.strip().splitlines()[-1].split("# ", 1)[1]
    assert capsys.readouterr().out.strip() == said
