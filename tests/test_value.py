"""The Value node: every op's value and local derivatives, against math and central differences."""

from __future__ import annotations

import math
import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
from autograd import AnomalyError, Value, detect_anomaly, total, weighted_sum, weighted_sums, zero_grad

finite = st.floats(min_value=-5.0, max_value=5.0, allow_nan=False)
positive = st.floats(min_value=0.05, max_value=5.0)
away_from_zero = finite.filter(lambda x: abs(x) > 0.05)


def central(f, x: float, eps: float = 1e-6) -> float:
    """d f / dx at x on plain floats: the independent reference for a local derivative."""
    return (f(x + eps) - f(x - eps)) / (2 * eps)


def close(a: float, b: float, rel: float = 1e-6, abs_: float = 1e-6) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


def test_tests_import_the_checkout_not_an_installed_autograd():
    # PyPI's `autograd` (HIPS) has the same import name; the suite must test this repository.
    repo = Path(__file__).resolve().parent.parent
    assert Path(autograd.__file__).resolve().parent == repo / "autograd"


# ---------------------------------------------------------------- unary ops

UNARY = {
    # name: (how to apply it to a Value, the same function on floats, domain of x)
    "exp": (lambda v: v.exp(), math.exp, finite),
    "log": (lambda v: v.log(), math.log, positive),
    "tanh": (lambda v: v.tanh(), math.tanh, finite),
    "sigmoid": (lambda v: v.sigmoid(), lambda x: 1 / (1 + math.exp(-x)), finite),
    "relu": (lambda v: v.relu(), lambda x: max(0.0, x), away_from_zero),
    "neg": (lambda v: -v, lambda x: -x, finite),
    "square": (lambda v: v**2, lambda x: x * x, finite),
    "cube": (lambda v: v**3, lambda x: x**3, finite),
    "sqrt": (lambda v: v**0.5, math.sqrt, positive),
    "reciprocal": (lambda v: v**-1, lambda x: 1 / x, away_from_zero),
    "2**x": (lambda v: 2**v, lambda x: 2.0**x, finite),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_op_value_and_local_derivative(name):
    op, f, domain = UNARY[name]

    @settings(max_examples=60, deadline=None)
    @given(domain)
    def check(x):
        a = Value(x)
        out = op(a)
        assert close(out.data, f(x), rel=1e-12, abs_=1e-300)
        assert len(out.parents) == len(out.local_grads)
        # the local derivative stored on the node, with respect to the Value a
        (d,) = [g for p, g in zip(out.parents, out.local_grads) if p is a]
        assert close(d, central(f, x), rel=1e-5, abs_=1e-6)

    check()


# ---------------------------------------------------------------- binary ops

BINARY = {
    "+": (lambda a, b: a + b, finite, finite),
    "-": (lambda a, b: a - b, finite, finite),
    "*": (lambda a, b: a * b, finite, finite),
    "/": (lambda a, b: a / b, finite, away_from_zero),
    "**": (lambda a, b: a**b, positive, st.floats(min_value=-3.0, max_value=3.0)),
}


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_op_value_and_both_local_derivatives(name):
    op, dom_a, dom_b = BINARY[name]

    @settings(max_examples=60, deadline=None)
    @given(dom_a, dom_b)
    def check(x, y):
        a, b = Value(x), Value(y)
        out = op(a, b)
        assert out.data == op(x, y)  # the same float as Python's own arithmetic
        assert out.parents == (a, b)
        da, db = out.local_grads
        assert close(da, central(lambda t: op(t, y), x), rel=1e-5)
        assert close(db, central(lambda t: op(x, t), y), rel=1e-5)

    check()


@pytest.mark.parametrize(
    "expr, expected",
    [
        (lambda v: v + 2, 5.0),
        (lambda v: 2 + v, 5.0),
        (lambda v: v - 2, 1.0),
        (lambda v: 2 - v, -1.0),
        (lambda v: v * 2, 6.0),
        (lambda v: 2 * v, 6.0),
        (lambda v: v / 2, 1.5),
        (lambda v: 6 / v, 2.0),
        (lambda v: v**2, 9.0),
        (lambda v: 2**v, 8.0),
        (lambda v: +v, 3.0),
    ],
)
def test_numbers_on_either_side(expr, expected):
    assert expr(Value(3.0)).data == expected


def test_weighted_sum_is_one_node_with_its_local_derivatives_x_w_1():
    w = [Value(0.5), Value(-2.0)]
    x = [Value(3.0), Value(4.0)]
    b = Value(0.25)
    z = weighted_sum(w, x, b, label="z_1^(2)")
    assert z.data == 0.25 + 0.5 * 3.0 + -2.0 * 4.0
    assert z.parents == (*w, *x, b)
    assert z.local_grads == (3.0, 4.0, 0.5, -2.0, 1.0)  # (x…, w…, 1)
    assert z.label == "z_1^(2)"
    z.backward()
    assert [v.grad for v in (*w, *x, b)] == [3.0, 4.0, 0.5, -2.0, 1.0]


def test_weighted_sum_without_bias_and_with_number_inputs():
    w = [Value(2.0), Value(3.0)]
    z = weighted_sum(w, [1.5, -1.0])
    assert z.data == 0.0
    assert len(z.parents) == 4 and z.local_grads == (1.5, -1.0, 2.0, 3.0)


def test_weighted_sum_matches_micrograds_order_of_additions():
    # micrograd's neuron: sum((wi*xi for ...), b) = ((b + w1x1) + w2x2) + ...
    ws = [0.1, 0.2, 0.3, 1e16, -1e16]
    xs = [0.7, 0.11, 0.13, 1.0, 1.0]
    b = 0.3
    expected = b
    for w_, x_ in zip(ws, xs):
        expected = expected + w_ * x_
    z = weighted_sum([Value(v) for v in ws], xs, Value(b))
    assert z.data == expected


def test_total_is_one_node_and_matches_sum():
    vs = [Value(float(i) / 7) for i in range(50)]
    t = total(vs, label="J")
    assert t.data == sum(v.data for v in vs)
    assert len(t.parents) == 50 and set(t.local_grads) == {1.0}
    t.backward()
    assert all(v.grad == 1.0 for v in vs)


def test_sigmoid_is_stable_at_plus_minus_1000():
    hi, lo = Value(1000.0).sigmoid(), Value(-1000.0).sigmoid()
    assert hi.data == 1.0 and hi.local_grads == (0.0,)
    assert lo.data == 0.0 and lo.local_grads == (0.0,)
    assert Value(-30.0).sigmoid().data == pytest.approx(math.exp(-30) / (1 + math.exp(-30)), rel=1e-15)


def test_relu_kink_uses_the_zero_subgradient():
    assert Value(0.0).relu().local_grads == (0.0,)
    assert Value(-1.0).relu().data == 0.0


def test_sqrt_at_zero_has_an_infinite_slope_not_an_exception():
    r = Value(0.0) ** 0.5
    assert r.data == 0.0 and r.local_grads == (math.inf,)


def test_integer_power_of_a_negative_base():
    out = Value(-2.0) ** 3
    assert out.data == -8.0 and out.local_grads == (12.0,)


def test_repr_format_and_float():
    # Issue 18: float(v) raises (math.tanh(v) would silently leave the graph); format() formats the data
    v = Value(2.5, label="w")
    assert repr(v) == "Value(label='w', data=2.5, grad=0)"
    assert f"{v * 2:.4f}" == "5.0000" and format(v * 2, "g") == "5" and f"{v}" == repr(v)
    assert "op='*'" in repr(v * 2)
    with pytest.raises(TypeError, match=r"float\(Value\) leaves the graph: read \.data .* x\.tanh\(\), x\.exp\(\)"):
        float(v * 2)


def test_from_op_builds_a_custom_node_and_checks_it():
    x = Value(3.0)
    cube = Value.from_op(27.0, [x], [27.0], "cube", label="c")
    assert cube.parents == (x,) and cube.local_grads == (27.0,) and cube.label == "c"
    cube.backward()
    assert x.grad == 27.0
    with pytest.raises(ValueError, match="1 parents but 2 local derivatives"):
        Value.from_op(1.0, [x], [1.0, 2.0], "bad")
    with pytest.raises(TypeError, match=r"parents\[0\] must be a Value, got float"):
        Value.from_op(1.0, [3.0], [1.0], "bad")


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize("bad", ["3", None, [1.0], 1j, True])
def test_non_numeric_data_is_a_type_error_naming_the_type(bad):
    with pytest.raises(TypeError, match=type(bad).__name__):
        Value(bad)


def test_numeric_types_are_converted_to_float():
    for x in (3, np.float64(3.0), np.int64(3), np.float32(3.0)):
        v = Value(x)
        assert type(v.data) is float and v.data == 3.0


def test_operand_of_the_wrong_type_is_a_type_error():
    with pytest.raises(TypeError, match="str"):
        Value(1.0) + "2"
    with pytest.raises(TypeError, match="exponent must be a real number"):
        Value(2.0) ** "2"


@pytest.mark.parametrize(
    "make, exc, message",
    [
        (lambda: Value(0.0).log(), ValueError, r"op 'log': log\(0.0\)"),
        (lambda: Value(-1.5).log(), ValueError, r"op 'log': log\(-1.5\)"),
        (lambda: Value(0.0) ** -1, ZeroDivisionError, r"op '\*\*': 0.0 \*\* -1.0"),
        (lambda: Value(1.0) / Value(0.0), ZeroDivisionError, r"op '/': division by zero"),
        (lambda: 1 / Value(0.0), ZeroDivisionError, r"op '/'"),
        (lambda: Value(-2.0) ** Value(0.5), ValueError, r"op '\*\*': -2.0 \*\* Value\(0.5\)"),
        (lambda: Value(0.0) ** Value(-2.0), ValueError, r"needs a base > 0"),
        (lambda: (-2) ** Value(2.0), ValueError, r"needs a base > 0"),
        (lambda: Value(-8.0) ** (1 / 3), ValueError, r"negative base, fractional exponent"),
        (lambda: Value(1000.0).exp(), OverflowError, r"op 'exp': exp\(1000.0\)"),
        (lambda: Value(10.0) ** 400, OverflowError, r"op '\*\*'"),
    ],
)
def test_domain_errors_name_the_op_and_the_value(make, exc, message):
    with pytest.raises(exc, match=message):
        make()


def test_anomaly_mode_raises_at_the_first_op_producing_inf_or_nan():
    big = Value(1e308, label="big")
    ok = big * 10  # outside anomaly mode: inf, as Python floats do
    assert ok.data == math.inf
    with detect_anomaly():
        with pytest.raises(AnomalyError, match=r"op '\*' produced output inf from inputs \(big=1e\+308, 10.0\)"):
            big * 10
        with pytest.raises(AnomalyError, match=r"op 'inf-op' \(node 'J'\) produced output nan"):
            Value.from_op(math.nan, [big], [1.0], "inf-op", label="J")
        with pytest.raises(AnomalyError, match="local derivative inf"):
            Value(0.0) ** 0.5
        assert (Value(2.0) * 3).data == 6.0  # ordinary ops pass
    big * 10  # and the mode ends with the block


def test_zero_grad_of_a_collection_and_of_a_graph():
    a, b = Value(2.0), Value(3.0)
    c = a * b
    c.backward()
    assert (a.grad, b.grad) == (3.0, 2.0)
    zero_grad([a, b])
    assert (a.grad, b.grad, c.grad) == (0.0, 0.0, 1.0)
    c.zero_grad()
    assert c.grad == 0.0


def test_a_layers_weighted_sums_are_one_weighted_sum_node_per_neuron():
    # nn builds a layer's z's in one call that reads the inputs once; each node must be what the
    # seeds' z is: parents (w…, x…, b), local derivatives (x…, w…, 1), b + w₁x₁ + … added left to right
    rng = random.Random(7)
    xs = [Value(rng.uniform(-2, 2)) for _ in range(5)]
    rows = [[Value(rng.uniform(-1, 1)) for _ in range(5)] for _ in range(4)]
    biases = [Value(0.25), None, Value(-1.5), Value(3.0)]
    labels = ["z_1^(2)", None, "z_3^(2)", "z_4^(2)"]
    xd = tuple(x.data for x in xs)
    for z, ws, b, label in zip(weighted_sums(rows, biases, xs, labels), rows, biases, labels):
        wd = tuple(w.data for w in ws)
        if b is None:
            assert (z.parents, z.local_grads, z.op) == ((*ws, *xs), (*xd, *wd), "Σwx")
        else:
            assert (z.parents, z.local_grads, z.op) == ((*ws, *xs, b), (*xd, *wd, 1.0), "Σwx+b")
        assert z.label == label
        s = b.data if b is not None else 0.0
        for w, x in zip(wd, xd):
            s += w * x
        assert z.data == s
