"""Anomaly mode: the first NaN or ±inf of a forward pass or of backward() raises, saying where it came from.

References are hand-computed: the floats below are chosen so that exactly one product or one sum
overflows, and the messages must name that edge with its numbers.
"""

from __future__ import annotations

import math
import threading

import pytest

import nn
from autograd import AnomalyError, Value, anomaly_mode_enabled, detect_anomaly, total, weighted_sum


def test_a_nan_leaf_is_named_at_its_first_use_with_its_label():
    x = Value(math.nan, label="x_1")
    w = Value(0.5, label="w")
    with detect_anomaly():
        with pytest.raises(AnomalyError, match=r"leaf 'x_1' holds nan: it enters the graph here, .* op '\*'"):
            w * x
        with pytest.raises(AnomalyError, match=r"leaf 'x_1' holds nan: .* op 'Σwx'"):
            weighted_sum([w], [x])
    inf = Value(math.inf, label="big")
    with detect_anomaly(), pytest.raises(AnomalyError, match="leaf 'big' holds inf"):
        total([inf, w])


def test_a_nan_input_of_a_network_is_named_as_x_i():
    net = nn.MLP(2, [2, 1], seed=0)
    with (
        detect_anomaly(),
        pytest.raises(AnomalyError, match=r"leaf 'x_2' holds nan: .* op 'Σwx\+b' \(node 'z_1\^\(2\)'\)"),
    ):
        net([0.5, math.nan])


def test_an_op_producing_inf_names_the_op_and_its_inputs():
    a = Value(1e200, label="a")
    with (
        detect_anomaly(),
        pytest.raises(AnomalyError, match=r"op '\*' produced output inf from inputs \(a=1e\+200, a=1e\+200\)"),
    ):
        a * a


def _product_overflow():
    """z = (x·c)·k with x = 1e-300, c = k = 1e300: every value finite (z = 1e300), but
    ∂z/∂x = k · c = 1e300 · 1e300 overflows on the edge x → (x·c)."""
    x, c, k = Value(1e-300, label="x"), Value(1e300, label="c"), Value(1e300, label="k")
    y = x * c
    y.label = "y"
    return x, y, y * k


def test_backward_names_the_edge_where_a_product_overflows():
    x, y, z = _product_overflow()
    z.backward()  # outside anomaly mode: inf, silently, as float arithmetic does
    assert x.grad == math.inf and y.grad == 1e300
    x.grad = 0.0
    with detect_anomaly():
        with pytest.raises(AnomalyError) as caught:
            z.backward()
    message = str(caught.value)
    assert "the grad of leaf 'x' (data 1e-300) became inf on the edge leaf 'x' → node 'y' (op '*')" in message
    assert "the product local derivative × upstream grad, 1e+300 × 1e+300, overflows" in message
    assert "local derivative 1e+300, upstream grad ∂root/∂child = 1e+300, grad before 0.0" in message


def test_backward_names_an_overflowing_accumulation():
    # r = x·1e308 + x·1e308 with x = 1e-300: r = 2e8, but ∂r/∂x = 1e308 + 1e308 overflows in the sum
    x = Value(1e-300, label="x")
    r = x * 1e308 + x * 1e308
    assert r.data == pytest.approx(2e8)
    with (
        detect_anomaly(),
        pytest.raises(AnomalyError, match=r"adding 1e\+308 to the grad accumulated so far, 1e\+308, overflows"),
    ):
        r.backward()


def test_backward_names_a_non_finite_local_derivative_of_a_graph_built_outside():
    x = Value(0.0, label="x")
    y = (x**0.5) * 2.0  # √x at 0: local derivative inf (built outside anomaly mode: no error yet)
    with detect_anomaly(), pytest.raises(AnomalyError, match=r"the local derivative ∂child/∂parent is inf"):
        y.backward()


def test_backward_says_when_a_leaf_grad_was_already_nan():
    w = Value(2.0, label="w")
    y = w * 3.0
    w.grad = math.nan  # left over from an earlier, broken backward
    with detect_anomaly(), pytest.raises(AnomalyError, match=r"already nan before this backward\(\) .*zero_grad"):
        y.backward()


def test_anomaly_mode_gives_the_same_grads_when_nothing_is_wrong():
    X = [[0.3, -0.8], [1.1, 0.2], [-0.6, 0.9]]
    Y = [[0.1], [0.7], [0.4]]
    net = nn.MLP(2, [4, 3, 1], "tanh", seed=3)
    J = nn.mse([net(x) for x in X], Y)
    J.backward()
    plain = [p.grad for p in net.parameters()]
    net.zero_grad()
    with detect_anomaly():
        J2 = nn.mse([net(x) for x in X], Y)
        J2.backward()
    assert [p.grad for p in net.parameters()] == plain  # the same floats, bit for bit


def test_the_mode_nests_and_ends_with_its_block():
    assert not anomaly_mode_enabled()
    with detect_anomaly():
        with detect_anomaly():
            assert anomaly_mode_enabled()
        assert anomaly_mode_enabled()
        with pytest.raises(AnomalyError):
            Value(1e308) * 10
    assert not anomaly_mode_enabled()
    assert (Value(1e308) * 10).data == math.inf


def test_the_mode_is_per_thread():
    inside, checked = threading.Event(), threading.Event()
    seen = {}

    def other_thread():
        inside.wait(5)
        seen["enabled"] = anomaly_mode_enabled()
        seen["product"] = (Value(1e308) * 10).data  # no error here: this thread is not in the block
        try:
            with detect_anomaly():
                Value(1e308) * 10
        except AnomalyError as exc:
            seen["own block"] = str(exc)
        checked.set()

    t = threading.Thread(target=other_thread)
    t.start()
    with detect_anomaly():
        inside.set()
        checked.wait(5)
        with pytest.raises(AnomalyError):  # this thread's block is still on
            Value(1e308) * 10
    t.join(5)
    assert seen["enabled"] is False and seen["product"] == math.inf
    assert "produced output inf" in seen["own block"]
    assert not anomaly_mode_enabled()
