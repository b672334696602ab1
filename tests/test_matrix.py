"""The matrix implementation: by hand, against numerical gradients, against the engine."""

from __future__ import annotations

import ast
import math
from pathlib import Path

import mpmath as mp
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nn
from nn import crosscheck, matrix

ROOT = Path(__file__).resolve().parent.parent


def test_matrix_module_imports_nothing_from_the_engine():
    tree = ast.parse((ROOT / "nn" / "matrix.py").read_text())
    imported = {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    # the argument checkers only (they import nothing of the node): a bad argument named as everywhere
    imported.discard("autograd.args")
    assert not any("autograd" in m or m in (".module", ".losses") for m in imported), imported


def sig(t):
    return 1.0 / (1.0 + math.exp(-t))


def test_1_1_1_network_by_hand():
    # Θ^(1) = [b, θ₁] = [0.1, 0.4], Θ^(2) = [0.2, −0.7]; x = 1.5, y = 0.25, mse
    thetas = [np.array([[0.1, 0.4]]), np.array([[0.2, -0.7]])]
    x, y = 1.5, 0.25
    z2 = 0.1 + 0.4 * x
    a2 = sig(z2)
    z3 = 0.2 + -0.7 * a2
    a3 = sig(z3)
    J = 0.5 * (a3 - y) ** 2
    d3 = (a3 - y) * a3 * (1 - a3)
    d2 = -0.7 * d3 * a2 * (1 - a2)
    res = matrix.backprop(thetas, [[x]], [[y]], loss="mse")
    assert res.cost == pytest.approx(J, rel=1e-15)
    assert res.deltas[1][0, 0] == pytest.approx(d3, rel=1e-14)
    assert res.deltas[0][0, 0] == pytest.approx(d2, rel=1e-14)
    assert res.gradients[1] == pytest.approx(np.array([[d3, d3 * a2]]), rel=1e-14)
    assert res.gradients[0] == pytest.approx(np.array([[d2, d2 * x]]), rel=1e-14)
    fw = matrix.forward(thetas, [[x]])
    assert fw.z[1][0, 0] == pytest.approx(z2) and fw.output[0, 0] == pytest.approx(a3, rel=1e-15)


def test_forward_is_vectorized_and_equals_per_sample():
    thetas = matrix.random_thetas([4, 6, 3], seed=1)
    X = np.random.default_rng(0).normal(size=(9, 4))
    batch = matrix.forward(thetas, X, "tanh", "sigmoid").output
    rows = np.vstack([matrix.forward(thetas, X[i], "tanh", "sigmoid").output for i in range(9)])
    assert np.allclose(batch, rows, rtol=1e-14, atol=0)  # BLAS may round a batch differently
    assert batch.shape == (9, 3)


def test_the_courses_gradient_check():
    for lam in (0.0, 3.0):
        r = crosscheck.course_check(lam)
        assert r.matrix_relative < 1e-9 and r.engine_relative < 1e-9, r
        assert r.ok


def test_courses_setup_is_as_described():
    thetas, X, Y = crosscheck.course_data()
    assert [T.shape for T in thetas] == [(5, 4), (3, 6)]
    assert X.shape == (5, 3) and X[0, 0] == pytest.approx(math.sin(1) / 10)
    assert Y.argmax(axis=1).tolist() == [1, 2, 0, 1, 2]  # y = 2, 3, 1, 2, 3


def test_regularization_by_hand():
    thetas = [np.array([[1.0, 2.0, -1.0]]), np.array([[0.5, 3.0]])]
    X, Y = np.array([[0.1, 0.2], [0.3, -0.1]]), np.array([[0.0], [1.0]])
    plain = matrix.backprop(thetas, X, Y, loss="mse")
    reg = matrix.backprop(thetas, X, Y, loss="mse", lam=2.0)
    # λ/(2m) Σ non-bias Θ² = 2/4 · (4 + 1 + 9) = 7
    assert reg.cost - plain.cost == pytest.approx(7.0, rel=1e-14)
    assert reg.gradients[0] - plain.gradients[0] == pytest.approx(np.array([[0.0, 2.0, -1.0]]), rel=1e-14)
    assert reg.gradients[1] - plain.gradients[1] == pytest.approx(np.array([[0.0, 3.0]]), rel=1e-14)


def test_train_lowers_the_cost_and_leaves_the_inputs_alone():
    thetas = matrix.random_thetas([2, 4, 1], seed=0)
    copy = [T.copy() for T in thetas]
    X, y = nn.data.moons(40, seed=0)
    new, history = matrix.train(thetas, X, y[:, None], lr=1.0, epochs=50, loss="cross_entropy")
    assert history[-1] < history[0]
    assert all(np.array_equal(a, b) for a, b in zip(thetas, copy))
    assert not np.array_equal(new[0], thetas[0])


def test_same_network_trained_both_ways_gives_the_same_weights():
    X, y = nn.data.moons(20, seed=5)
    mlp = nn.MLP(2, [3, 1], "tanh", output_activation="sigmoid", seed=3)
    thetas, history = matrix.train(
        nn.thetas_from_mlp(mlp),
        X,
        y[:, None],
        lr=0.5,
        epochs=10,
        activation="tanh",
        output_activation="sigmoid",
        loss="cross_entropy",
    )
    h = nn.fit(mlp, X, y, loss="cross_entropy", optimizer=nn.SGD(mlp.parameters(), lr=0.5), epochs=10, progress=False)
    assert h.losses == pytest.approx(history, rel=1e-12)
    for a, b in zip(nn.thetas_from_mlp(mlp), thetas):
        assert np.allclose(a, b, rtol=0, atol=1e-12)


def test_round_trip_mlp_thetas_is_exact():
    mlp = nn.MLP(3, [4, 2], "relu", output_activation="linear", seed=8)
    thetas = nn.thetas_from_mlp(mlp)
    back = nn.mlp_from_thetas(thetas, "relu", "linear")
    assert [p.data for p in back.parameters()] == [p.data for p in mlp.parameters()]
    assert all(np.array_equal(a, b) for a, b in zip(nn.thetas_from_mlp(back), thetas))
    with pytest.raises(ValueError, match="bias=False but a Θ has a non-zero bias column"):
        nn.mlp_from_thetas(thetas, bias=False)


# ---------------------------------------------------------------- engine vs matrix, Hypothesis

architectures = st.tuples(
    st.lists(st.integers(1, 6), min_size=3, max_size=5),  # input, 1–3 hidden, output
    st.sampled_from(matrix.ACTIVATIONS),
    st.sampled_from(matrix.LOSSES),
    st.sampled_from([0.0, 1.0]),
    st.sampled_from([1, 7]),
    st.integers(0, 10_000),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(architectures)
def test_engine_and_matrix_agree_on_random_architectures(arch):
    sizes, activation, loss, lam, m, seed = arch
    out_act = {"cross_entropy": "sigmoid", "softmax_cross_entropy": "linear"}.get(loss, activation)
    report = crosscheck.cross_check(sizes, activation, out_act, loss, lam, m, seed, numerical=False)
    assert report.ok, str(report)
    assert all(r.relative < 1e-9 or r.max_abs < 1e-13 for r in report.rows)
    assert any(r.what.startswith("δ") for r in report.rows)


@settings(max_examples=15, deadline=None)
@given(architectures)
def test_both_agree_with_numerical_gradients(arch):
    sizes, activation, loss, lam, m, seed = arch
    if activation == "relu" or loss == "hinge":
        activation, loss = "tanh", "mse"  # kinks: central differences measure a secant there
    out_act = {"cross_entropy": "sigmoid", "softmax_cross_entropy": "linear"}.get(loss, activation)
    report = crosscheck.cross_check(sizes, activation, out_act, loss, lam, m, seed)
    assert report.ok, str(report)


def test_a_wrong_gradient_is_reported_as_a_failure():
    mlp = nn.MLP(3, [4, 2], "tanh", seed=0)
    X, Y = crosscheck.sample_batch(mlp.sizes, "mse", 5, seed=0)
    thetas = nn.thetas_from_mlp(mlp)
    res = matrix.backprop(thetas, X, Y, "tanh", loss="mse")
    _, engine, deltas = crosscheck.engine_backprop(mlp, X, Y, "mse", 0.0)
    num = matrix.numerical_gradients(thetas, X, Y, eps=1e-5, activation="tanh", loss="mse")
    good = crosscheck.make_report("good", engine, res.gradients, num, deltas, res.deltas)
    assert good.ok
    wrong = [g.copy() for g in res.gradients]
    wrong[0][1, 2] += 1e-6
    bad = crosscheck.make_report("bad", engine, wrong, num, deltas, res.deltas)
    assert not bad.ok
    failed = [(r.what, r.layer) for r in bad.rows if not r.ok]
    assert ("engine vs matrix", "Θ^(1)") in failed and ("matrix vs numerical", "Θ^(1)") in failed
    assert "FAIL" in str(bad) and "DISAGREEMENT" in str(bad)


# ---------------------------------------------------------------- bad input


def test_bad_input_is_named():
    good = matrix.random_thetas([2, 3, 1], seed=0)
    X, Y = np.zeros((4, 2)), np.zeros((4, 1))
    with pytest.raises(ValueError, match=r"Θ\^\(2\) has 5 columns but Θ\^\(1\) has 3 rows: expected 4 columns"):
        matrix.backprop([good[0], np.zeros((1, 5))], X, Y)
    with pytest.raises(ValueError, match=r"X has 3 columns but Θ\^\(1\) expects 2 inputs"):
        matrix.forward(good, np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"Y must be m × K = 4 × 1, got shape \(4, 2\)"):
        matrix.backprop(good, X, np.zeros((4, 2)))
    with pytest.raises(ValueError, match="X has no samples"):
        matrix.forward(good, np.zeros((0, 2)))
    with pytest.raises(ValueError, match="X has non-finite entries"):
        matrix.forward(good, np.array([[np.nan, 0.0]]))
    with pytest.raises(ValueError, match=r"Θ\^\(1\) must be 2-D"):
        matrix.forward([np.zeros(3)], X)
    with pytest.raises(ValueError, match="unknown activation 'swish'; valid names: sigmoid, tanh, relu, linear"):
        matrix.forward(good, X, "swish")
    with pytest.raises(ValueError, match="unknown loss 'l1'; valid names"):
        matrix.backprop(good, X, Y, loss="l1")
    with pytest.raises(ValueError, match="cross_entropy: outputs must be in"):
        matrix.backprop(good, X, Y, activation="linear", loss="cross_entropy")
    with pytest.raises(ValueError, match="backprop: lam must be a finite real number ≥ 0"):
        matrix.backprop(good, X, Y, lam=-1)


def test_sigmoid_is_stable_at_extremes():
    with np.errstate(over="raise", divide="raise", invalid="raise"):  # underflow to 0 is fine
        fw = matrix.forward([np.array([[0.0, 1.0]])], np.array([[1000.0], [-1000.0]]))
    assert fw.output.ravel().tolist() == [1.0, 0.0]


# ---------------------------------------------------------------- saturated outputs: the engine and the matrices agree


def test_a_saturated_sigmoid_output_has_delta_a_minus_y():
    # one weight, z = 0 + 40·1: the course's δ = a − y, where ∂J/∂a ⊙ g′(z) gave 0 (a clipped, a(1 − a) ≈ 4e-18)
    mp.mp.dps = 60
    s40, s_minus40 = 1 / (1 + mp.exp(-40)), 1 / (1 + mp.exp(40))
    res = matrix.backprop([np.array([[0.0, 40.0]])], [[1.0]], [[0.0]], loss="cross_entropy")
    assert res.cost == 40.0  # −ln(1 − σ(40)) = 40 + ln(1 + e⁻⁴⁰): 40.0 as a float
    assert res.gradients[0].tolist() == [[float(s40), float(s40)]]  # [[1, 1]]
    res = matrix.backprop([np.array([[0.0, 40.0]])], [[1.0]], [[1.0]], loss="cross_entropy")
    assert res.cost == pytest.approx(float(mp.log1p(mp.exp(-40))), rel=1e-15)
    assert res.gradients[0] == pytest.approx(np.array([[-float(s_minus40)] * 2]), rel=1e-15)  # a − 1, not 0


def saturated(z_out: list[float], seed: int = 0) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """A 3-4-2 network whose output logits sit near z_out (biases; small weights keep every layer's δ
    alive), and targets that make some outputs right and some wrong."""
    rng = np.random.default_rng(seed)
    T1 = rng.uniform(-1.0, 1.0, size=(4, 4))
    T2 = np.c_[np.array(z_out, dtype=float), rng.uniform(-1e-3, 1e-3, size=(2, 4))]
    X = rng.uniform(-1.0, 1.0, size=(4, 3))
    Y = np.array([[0.0, 1.0], [1.0, 1.0], [0.0, 0.0], [1.0, 0.0]])
    return [T1, T2], X, Y


@pytest.mark.parametrize("z", [30.0, 100.0, 400.0, 700.0])
def test_engine_through_sigmoid_outputs_and_matrix_agree_at_saturation(z):
    thetas, X, Y = saturated([z, -z])
    res = matrix.backprop(thetas, X, Y, "tanh", "sigmoid", "cross_entropy")
    mlp = nn.mlp_from_thetas(thetas, "tanh", "sigmoid")
    J, grads, deltas = crosscheck.engine_backprop(mlp, X, Y, "cross_entropy", 0.0)
    assert J == pytest.approx(res.cost, rel=1e-14) and res.cost > z / 4  # half the outputs are wrong by ~z
    for e, mtx in zip(deltas, res.deltas):  # entry by entry: the tiny δ's (e^−700) keep their digits too
        np.testing.assert_allclose(e, mtx, rtol=1e-13, atol=0)
    for e, mtx in zip(grads, res.gradients):
        np.testing.assert_allclose(e, mtx, rtol=1e-12, atol=0)


@pytest.mark.parametrize("z", [30.0, 700.0, 800.0, 1e4])
def test_engine_from_logits_and_matrix_agree_at_any_saturation(z):
    thetas, X, Y = saturated([z, -z])
    res = matrix.backprop(thetas, X, Y, "tanh", "sigmoid", "cross_entropy")
    mlp = nn.mlp_from_thetas(thetas, "tanh", "linear")  # the same network, its outputs the logits
    traces = [mlp.trace(list(x)) for x in X]
    J = nn.cross_entropy([t.output for t in traces], Y.tolist(), from_logits=True)
    J.backward()
    assert J.data == pytest.approx(res.cost, rel=1e-14)
    last = np.array([[zn.grad for zn in t.z[-1]] for t in traces])
    np.testing.assert_allclose(last, res.deltas[-1], rtol=1e-15, atol=0)
    if z >= 800:  # σ(z) rounds to 1: where an output is wrong, δ = ±1/m exactly, where it is right ∓e^−|z|/m
        wrong = (Y == 0) == (np.array([[1, 0]] * 4, dtype=bool))
        assert np.abs(res.deltas[-1][wrong]).tolist() == [0.25] * int(wrong.sum())
    np.testing.assert_allclose(nn.convert.grads_from_mlp(mlp)[0], res.gradients[0], rtol=1e-12, atol=0)


@pytest.mark.parametrize("z", [40.0, 800.0])
def test_softmax_cross_entropy_engine_and_matrix_agree_at_saturated_logits(z):
    thetas, X, Y = saturated([z, -z])
    Y = np.eye(2)[[0, 1, 1, 0]]
    res = matrix.backprop(thetas, X, Y, "tanh", "linear", "softmax_cross_entropy")
    mlp = nn.mlp_from_thetas(thetas, "tanh", "linear")
    J, grads, deltas = crosscheck.engine_backprop(mlp, X, Y, "softmax_cross_entropy", 0.0)
    assert J == pytest.approx(res.cost, rel=1e-14)
    for e, mtx in zip(deltas, res.deltas):
        np.testing.assert_allclose(e, mtx, rtol=1e-13, atol=0)
    if z == 40.0:  # sample 0 is right: δ = (p − 1)/m = −σ(−(z₁ − z₂))/m ≈ −e⁻⁸⁰/4, not 0
        z1, z2 = matrix.forward(thetas, X, "tanh", "linear").z[-1][0]
        assert res.deltas[-1][0, 0] == pytest.approx(-float(1 / (1 + mp.exp(mp.mpf(z1) - mp.mpf(z2)))) / 4, rel=1e-14)


def test_the_matrix_losses_leave_out_terms_of_weight_0():
    # a linear output driven to −inf by an overflow: its class has target 0, so it costs nothing
    thetas = [np.array([[-1e308, -1e308], [0.0, 1.0]])]
    with np.errstate(over="ignore"):
        res = matrix.backprop(thetas, [[1e10]], [[0.0, 1.0]], "linear", loss="softmax_cross_entropy")
    assert res.cost == 0.0 and not np.any(np.isnan(res.gradients[0]))
    with pytest.raises(ValueError, match=r"cross_entropy: targets must be in \[0, 1\].*got 2.0"):
        matrix.cost([np.ones((2, 2))], [[1.0]], [[2.0, 0.0]], loss="cross_entropy")
