"""Derivatives of derivatives (autograd.higher): every op's second derivative against central differences
of its first derivative and against closed forms in mpmath, third derivatives, the Hessian of a small
network's loss against central differences of backward() gradients, H·v, and the errors."""

from __future__ import annotations

import ast
import json
import math
import re
from pathlib import Path

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
from autograd import (
    CustomOp,
    Value,
    draw,
    explore,
    fused,
    grad,
    hessian,
    hvp,
    local_grads_as_values,
    topological_order,
    total,
    weighted_sum,
)
from autograd import ops as op_table

mpmath.mp.dps = 40

finite = st.floats(min_value=-4.0, max_value=4.0)
positive = st.floats(min_value=0.1, max_value=4.0)
away_from_zero = st.one_of(st.floats(min_value=0.2, max_value=4.0), st.floats(min_value=-4.0, max_value=-0.2))


def close(a: float, b: float, rel: float, abs_: float) -> bool:
    return math.isclose(float(a), float(b), rel_tol=rel, abs_tol=abs_)


def first_derivatives(f, point: list[float]) -> list[float]:
    """∇f at `point` by backward() on a fresh graph: the first-order engine, the reference's input."""
    xs = [Value(v) for v in point]
    f(*xs).backward()
    return [x.grad for x in xs]


def central_hessian(f, point: list[float], eps: float = 1e-5) -> list[list[float]]:
    """H[i][j] = (∂ⱼf(x + εeᵢ) − ∂ⱼf(x − εeᵢ)) / 2ε: central differences of backward()'s gradient."""
    rows = []
    for i in range(len(point)):
        up = list(point)
        down = list(point)
        up[i] += eps
        down[i] -= eps
        gu, gd = first_derivatives(f, up), first_derivatives(f, down)
        rows.append([(a - b) / (2 * eps) for a, b in zip(gu, gd)])
    return rows


def engine_hessian(f, point: list[float]) -> list[list[float]]:
    xs = [Value(v) for v in point]
    return hessian(f(*xs), xs)


def nth_derivative(f, x: float, n: int) -> float:
    """dⁿf/dxⁿ by n nested grads (the last without create_graph)."""
    v = Value(x)
    out = f(v)
    for k in range(n):
        (out,) = grad(out, [v], create_graph=k < n - 1, allow_unused=True)
    return out.data


# ---------------------------------------------------------------- every op: second derivatives

# name: (function of Values, arity, domain of each argument)
OPS = {
    "+": (lambda a, b: a + b, (finite, finite)),
    "-": (lambda a, b: a - b, (finite, finite)),
    "*": (lambda a, b: a * b, (finite, finite)),
    "/": (lambda a, b: a / b, (finite, away_from_zero)),
    "**Value": (lambda a, b: a**b, (positive, st.floats(min_value=-3.0, max_value=3.0))),
    "**3": (lambda a: a**3, (finite,)),
    "**2": (lambda a: a**2, (finite,)),
    "**-2": (lambda a: a**-2, (away_from_zero,)),
    "**0.5": (lambda a: a**0.5, (positive,)),
    "**(1/3)": (lambda a: a ** (1 / 3), (positive,)),
    "**2.5": (lambda a: a**2.5, (positive,)),
    "**0": (lambda a: a**0 * a, (finite,)),  # a⁰ alone would not depend on a
    "**1": (lambda a: a**1 * a, (finite,)),
    "neg": (lambda a: -a * a, (finite,)),
    "exp": (lambda a: a.exp(), (finite,)),
    "log": (lambda a: a.log(), (positive,)),
    "tanh": (lambda a: a.tanh(), (finite,)),
    "sigmoid": (lambda a: a.sigmoid(), (st.floats(min_value=-8.0, max_value=8.0),)),
    "relu": (lambda a: a.relu() * a, (away_from_zero,)),
    "3/x": (lambda a: 3.0 / a, (away_from_zero,)),
    "2**x": (lambda a: 2.0**a, (finite,)),
    "abs": (lambda a: a.abs() * a, (away_from_zero,)),
    "sqrt": (lambda a: a.sqrt(), (positive,)),
    "softplus": (lambda a: a.softplus(), (finite,)),
    "log_sigmoid": (lambda a: a.log_sigmoid(), (finite,)),
    "clamp": (lambda a: a.clamp(-1.0, 1.0) * a, (st.one_of(st.floats(-0.9, 0.9), st.floats(1.1, 4.0)),)),
    "maximum": (lambda a, b: a.maximum(b) * a, (st.floats(-4.0, -0.1), st.floats(0.1, 4.0))),
    "minimum": (lambda a, b: b.minimum(a) * a, (st.floats(-4.0, -0.1), st.floats(0.1, 4.0))),
    "Σwx+b": (lambda w1, w2, x1, x2, b: weighted_sum([w1, w2], [x1, x2], b), (finite,) * 5),
    "Σwx": (lambda w1, w2, x1, x2: weighted_sum([w1, w2], [x1, x2]) * x1, (finite,) * 4),
    "Σ": (lambda a, b, c: total([a, b, a * c]), (finite,) * 3),
    # the losses: J of sigmoid outputs (∂J/∂a written in the logit), from logits, and softmax's
    "cross_entropy of σ(z)": (lambda z1, z2: nn.cross_entropy([z1.sigmoid(), z2.sigmoid()], [1.0, 0.3]), (finite,) * 2),
    "sigmoid_cross_entropy": (
        lambda z1, z2: nn.cross_entropy([z1, z2 * z1], [0.0, 0.7], from_logits=True),
        (finite,) * 2,
    ),
    "softmax_cross_entropy": (
        lambda a, b, c: nn.softmax_cross_entropy([[a, b, c * a]], [[0.2, 0.8, 0.0]]),
        (finite,) * 3,
    ),
    # one node per output, every input a parent (nn.gpt's RMSNorm and attention softmax): Σ cᵢyᵢ mixes the outputs
    "rmsnorm": (  # |a| ≥ 0.2: near x = 0, where ε = 1e-5 dominates mean(x²), the reference's step 1e-5 is too coarse
        lambda a, b, c: total([y * w for y, w in zip(fused.rmsnorm([a, b, c]), (0.7, -1.3, 0.4))]),
        (away_from_zero, finite, finite),
    ),
    "softmax": (
        lambda a, b, c: total([y * w for y, w in zip(fused.softmax([a, b, c], 2.0), (0.7, -1.3, 0.4))]),
        (finite,) * 3,
    ),
}


@pytest.mark.parametrize("name", list(OPS))
def test_second_derivatives_of_every_op_match_central_differences_of_backward(name):
    f, domains = OPS[name]

    @settings(max_examples=25, deadline=None)
    @given(st.tuples(*domains))
    def check(point):
        H = engine_hessian(f, list(point))
        ref = central_hessian(f, list(point))
        for i, (row, ref_row) in enumerate(zip(H, ref)):
            for j, (h, r) in enumerate(zip(row, ref_row)):
                assert close(h, r, rel=1e-5, abs_=1e-5), (i, j, h, r)

    check()


@pytest.mark.parametrize("name", list(OPS))
def test_every_rule_gives_the_nodes_own_local_derivatives(name):
    # the Values of the rule table have the floats value.py stores (so the two walks agree)
    f, domains = OPS[name]

    @settings(max_examples=25, deadline=None)
    @given(st.tuples(*domains))
    def check(point):
        out = f(*[Value(v) for v in point])
        for node in topological_order(out):
            if node.parents:
                got = [d.data if isinstance(d, Value) else d for d in local_grads_as_values(node)]
                assert all(close(a, b, rel=1e-12, abs_=1e-300) for a, b in zip(got, node.local_grads)), node

    check()


def test_every_op_that_value_py_makes_has_a_rule():
    # Each op object passed to make_node in value.py (an op added there needs a rule in ops.py).
    source = (Path(__file__).resolve().parent.parent / "autograd" / "value.py").read_text(encoding="utf-8")
    made = set()
    for call in ast.walk(ast.parse(source)):
        if isinstance(call, ast.Call) and getattr(call.func, "id", None) == "make_node" and len(call.args) >= 4:
            arg = call.args[3]
            if isinstance(arg, ast.Call):  # ops.power_op(n), ops.clamp_op(lo, hi)
                arg = arg.func
            if isinstance(arg, ast.Attribute) and getattr(arg.value, "id", None) == "ops":
                made.add(arg.attr)
    objects = {name: getattr(op_table, name) for name in made}
    ops = {str(o) for o in objects.values() if isinstance(o, op_table.Op)}
    assert {"+", "-", "*", "/", "**", "neg", "exp", "log", "tanh", "sigmoid", "relu"} <= ops
    assert {"power_op", "clamp_op"} <= made
    for name, o in objects.items():
        if not isinstance(o, op_table.Op):
            o = o(2.0) if name == "power_op" else o(0.0, 1.0)
        assert callable(o.rule), name
        assert o.kind in op_table.KINDS, name


# Closed forms, evaluated in 40-digit arithmetic: the second derivative of each unary op.
CLOSED = {
    "tanh": (lambda v: v.tanh(), lambda x: -2 * mpmath.tanh(x) * (1 - mpmath.tanh(x) ** 2), finite),
    "sigmoid": (
        lambda v: v.sigmoid(),
        lambda x: (lambda s: s * (1 - s) * (1 - 2 * s))(1 / (1 + mpmath.exp(-x))),
        st.floats(min_value=-8.0, max_value=8.0),
    ),
    "exp": (lambda v: v.exp(), mpmath.exp, finite),
    "log": (lambda v: v.log(), lambda x: -1 / x**2, positive),
    "x**3": (lambda v: v**3, lambda x: 6 * x, finite),
    "x**-1": (lambda v: v**-1, lambda x: 2 / x**3, away_from_zero),
    "x**0.5": (lambda v: v**0.5, lambda x: -mpmath.mpf(1) / 4 * x ** mpmath.mpf(-1.5), positive),
    "x**(1/3)": (lambda v: v ** (1 / 3), lambda x: mpmath.mpf(1 / 3) * (1 / 3 - 1) * x ** (1 / 3 - 2), positive),
    "relu": (lambda v: v.relu(), lambda x: 0, away_from_zero),
    "neg": (lambda v: -v, lambda x: 0, finite),
}


@pytest.mark.parametrize("name", list(CLOSED))
def test_second_derivatives_match_closed_forms(name):
    f, d2, domain = CLOSED[name]

    @settings(max_examples=40, deadline=None)
    @given(domain)
    def check(x):
        ref = d2(mpmath.mpf(x))
        assert close(nth_derivative(f, x, 2), ref, rel=1e-9, abs_=1e-12)

    check()


@given(positive, st.floats(min_value=-3.0, max_value=3.0))
@settings(max_examples=40, deadline=None)
def test_power_with_a_value_exponent_hessian_closed_form(a, b):
    # f = aᵇ: f_aa = b(b−1)aᵇ⁻², f_ab = aᵇ⁻¹(1 + b ln a), f_bb = aᵇ ln²a
    A, B = mpmath.mpf(a), mpmath.mpf(b)
    ref = [
        [B * (B - 1) * A ** (B - 2), A ** (B - 1) * (1 + B * mpmath.log(A))],
        [A ** (B - 1) * (1 + B * mpmath.log(A)), A**B * mpmath.log(A) ** 2],
    ]
    H = engine_hessian(lambda x, y: x**y, [a, b])
    assert all(close(H[i][j], ref[i][j], rel=1e-9, abs_=1e-12) for i in range(2) for j in range(2))


@given(finite, away_from_zero)
@settings(max_examples=40, deadline=None)
def test_division_hessian_closed_form(a, b):
    # f = a/b: f_aa = 0, f_ab = −1/b², f_bb = 2a/b³
    A, B = mpmath.mpf(a), mpmath.mpf(b)
    ref = [[0, -1 / B**2], [-1 / B**2, 2 * A / B**3]]
    H = engine_hessian(lambda x, y: x / y, [a, b])
    assert all(close(H[i][j], ref[i][j], rel=1e-12, abs_=1e-15) for i in range(2) for j in range(2))


def test_multiplication_weighted_sum_and_total_hessians_are_their_exact_patterns():
    assert engine_hessian(lambda a, b: a * b, [2.0, -3.0]) == [[0.0, 1.0], [1.0, 0.0]]
    assert engine_hessian(lambda a, b: a + b - a, [2.0, -3.0]) == [[0.0, 0.0], [0.0, 0.0]]
    # z = b + w₁x₁ + w₂x₂: ∂²z/∂wᵢ∂xᵢ = 1, every other entry 0
    H = engine_hessian(lambda w1, w2, x1, x2, b: weighted_sum([w1, w2], [x1, x2], b), [0.5, -1.0, 2.0, 3.0, 0.1])
    expected = np.zeros((5, 5))
    expected[0, 2] = expected[2, 0] = expected[1, 3] = expected[3, 1] = 1.0
    assert np.array_equal(H, expected)
    assert engine_hessian(lambda a, b: total([a, b, 1.5]), [1.0, 2.0]) == [[0.0, 0.0], [0.0, 0.0]]


def test_relu_at_its_kink_first_derivative_0_second_derivative_0():
    x = Value(0.0)
    y = x.relu()
    (d1,) = grad(y, [x], create_graph=True)
    assert d1.data == 0.0  # the subgradient backward() uses
    assert grad(d1, [x], allow_unused=True)[0].data == 0.0
    assert nth_derivative(lambda v: v.relu() * v.relu(), 1.5, 2) == 2.0  # (x²)'' on the live side


def test_pow_keeps_the_exact_exponent_in_its_op():
    x = Value(2.0)
    y = x ** (1 / 3)
    assert float(y.op[2:]) == 1 / 3 and y.op.params["exponent"] == 1 / 3
    assert (x**2).op == "**2" and (x**0.5).op == "**0.5" and (x**-1).op == "**-1"  # short where :g is exact


@pytest.mark.parametrize(
    "f, d2, x",
    [
        # where the textbook formulas cancel or underflow: 1 − tanh² is 0.0 for x > 19, 1 − σ for x > 37
        (lambda v: v.tanh(), lambda x: -2 * mpmath.tanh(x) * mpmath.sech(x) ** 2, 20.0),
        (lambda v: v.tanh(), lambda x: -2 * mpmath.tanh(x) * mpmath.sech(x) ** 2, -100.0),
        (lambda v: v.tanh(), lambda x: -2 * mpmath.tanh(x) * mpmath.sech(x) ** 2, 2.9),  # either side of
        (lambda v: v.tanh(), lambda x: -2 * mpmath.tanh(x) * mpmath.sech(x) ** 2, 3.1),  # the switch
        (lambda v: v.sigmoid(), lambda x: mpmath.diff(lambda t: 1 / (1 + mpmath.exp(-t)), x, 2), 40.0),
        (lambda v: v.sigmoid(), lambda x: mpmath.diff(lambda t: 1 / (1 + mpmath.exp(-t)), x, 2), -100.0),
        (lambda v: v.sigmoid(), lambda x: mpmath.diff(lambda t: 1 / (1 + mpmath.exp(-t)), x, 2), 4.5),
        (lambda v: v.sigmoid(), lambda x: mpmath.diff(lambda t: 1 / (1 + mpmath.exp(-t)), x, 2), 4.7),
        # aⁿ far from 1 (n = 0.3 at 1e-150: aⁿ⁻² = 1e295), and where aⁿ underflows (1e-325) but n·aⁿ⁻¹ does not
        (lambda v: v**0.3, lambda x: mpmath.mpf(0.3) * (mpmath.mpf(0.3) - 1) * x ** (mpmath.mpf(0.3) - 2), 1e-150),
        (lambda v: v**2.5, lambda x: mpmath.mpf(2.5) * 1.5 * x**0.5, 1e-130),
        (lambda v: v**3, lambda x: 6 * x, 1e100),
    ],
)
def test_second_derivatives_keep_their_digits_at_extreme_arguments(f, d2, x):
    assert close(nth_derivative(f, x, 2), d2(mpmath.mpf(x)), rel=1e-9, abs_=0.0)


def test_first_derivative_rules_keep_their_digits_at_extreme_arguments():
    x = Value(1e-130)
    (d,) = local_grads_as_values(x**2.5)  # x^2.5 = 1e-325 underflows to 0; 2.5x^1.5 = 2.5e-195 does not
    assert close(d.data, mpmath.mpf(2.5) * mpmath.mpf(1e-130) ** 1.5, rel=1e-14, abs_=0.0)
    a, b = Value(1e-200), Value(1.7)
    da, _ = local_grads_as_values(a**b)  # a^b = 1e-340 underflows to 0; b·a^(b−1) = 1.7e-140 does not
    A, B = mpmath.mpf(1e-200), mpmath.mpf(1.7)
    assert close(da.data, B * A ** (B - 1), rel=1e-12, abs_=0.0)
    (d,) = local_grads_as_values(Value(50.0).sigmoid())
    assert close(d.data, mpmath.exp(-50) / (1 + mpmath.exp(-50)) ** 2, rel=1e-14, abs_=0.0)


def test_division_rule_does_not_overflow_where_b_squared_would():
    # ∂(a/b)/∂b = −a/b² with b² = 1e320 (overflow); the rule computes −(a/b)/b = −1e-20
    a, b = Value(1e300), Value(1e160)
    _, d = local_grads_as_values(a / b)
    assert close(d.data, -mpmath.mpf(1e300) / mpmath.mpf(1e160) ** 2, rel=1e-14, abs_=0.0)


def test_a_derivative_that_has_no_finite_value_is_inf_as_in_backward():
    # Issue 18: √x at 0 has slope +inf in backward(), grad() and grad(create_graph=True) alike
    # (this test asserted a ZeroDivisionError for the last one before).
    x = Value(0.0)
    (d1,) = grad(x**1.5, [x], create_graph=True)  # 1.5·x^0.5 = 0 at 0, a graph over x
    assert d1.data == 0.0 and d1.parents
    (d2,) = grad(d1, [x], create_graph=True)  # 0.75·x^-0.5: infinite at 0
    assert d2.data == math.inf
    assert grad(d1, [x])[0].data == math.inf


# ---------------------------------------------------------------- third derivatives


THIRD = {
    # f, its third derivative in mpmath, domain
    "tanh": (lambda v: v.tanh(), lambda x: -2 * (1 - mpmath.tanh(x) ** 2) * (1 - 3 * mpmath.tanh(x) ** 2), finite),
    "sigmoid": (
        lambda v: v.sigmoid(),
        lambda x: (lambda s: s * (1 - s) * (1 - 6 * s + 6 * s**2))(1 / (1 + mpmath.exp(-x))),
        finite,
    ),
    "x**4": (lambda v: v**4, lambda x: 24 * x, finite),
    "log": (lambda v: v.log(), lambda x: 2 / x**3, positive),
    "x·e^(−x²)/(1 + x²)": (
        lambda v: v * (-(v * v)).exp() / (1 + v * v),
        lambda x: mpmath.diff(lambda t: t * mpmath.exp(-(t**2)) / (1 + t**2), x, 3),
        st.floats(min_value=-2.0, max_value=2.0),
    ),
    "tanh(x)·log(x) + x^x": (
        lambda v: v.tanh() * v.log() + v**v,
        lambda x: mpmath.diff(lambda t: mpmath.tanh(t) * mpmath.log(t) + t**t, x, 3),
        positive,
    ),
}


@pytest.mark.parametrize("name", list(THIRD))
def test_third_derivatives(name):
    f, d3, domain = THIRD[name]

    @settings(max_examples=20, deadline=None)
    @given(domain)
    def check(x):
        assert close(nth_derivative(f, x, 3), d3(mpmath.mpf(x)), rel=1e-8, abs_=1e-10)

    check()


def test_fourth_derivative_of_exp_is_exp():
    assert close(nth_derivative(lambda v: (2 * v).exp(), 0.3, 4), 16 * math.exp(0.6), rel=1e-14, abs_=0.0)


# ---------------------------------------------------------------- a network's loss

LOSS_CASES = {
    "cross_entropy + l2, sigmoid": ("tanh", "sigmoid", "cross_entropy", 0.7),
    "mse, tanh": ("tanh", "tanh", "mse", 0.0),
    "softmax_cross_entropy, linear": ("sigmoid", "linear", "softmax_cross_entropy", 0.0),
    "hinge + l2, relu": ("relu", "linear", "hinge", 0.3),
}


@pytest.mark.parametrize("case", list(LOSS_CASES))
def test_hessian_of_a_small_networks_loss_matches_central_differences_of_backward(case):
    activation, output, loss_name, lam = LOSS_CASES[case]
    mlp = nn.MLP(2, [3, 2], activation=activation, output_activation=output, seed=3)
    X = [[0.3, -0.7], [1.2, 0.4], [-0.5, 0.9]]
    Y = [[1, 0], [0, 1], [1, 0]]
    if loss_name == "hinge":
        Y = [[1, -1], [-1, 1], [1, -1]]
    loss = nn.get_loss(loss_name)
    params = mlp.parameters()

    def J() -> Value:
        out = loss([mlp(x) for x in X], Y)
        return out + nn.l2(mlp, lam, len(X)) if lam else out

    H = np.array(hessian(J(), params))
    # central differences of backward()'s gradient, one parameter nudged at a time
    eps = 1e-5
    ref = []
    for p in params:
        rows = []
        for delta in (eps, -eps):
            p.data += delta
            mlp.zero_grad()
            J().backward()
            rows.append(np.array([q.grad for q in params]))
            p.data -= delta
        ref.append((rows[0] - rows[1]) / (2 * eps))
    ref = np.array(ref)
    assert H.shape == (len(params), len(params)) == (17, 17)
    assert np.abs(H - ref).max() < 1e-7 * max(1.0, np.abs(H).max())
    assert np.abs(H - H.T).max() < 1e-14 * max(1.0, np.abs(H).max())  # symmetric up to rounding
    assert np.abs(H).max() > 1e-3  # a real curvature, not a matrix of zeros


def test_constant_inputs_give_the_same_hessian_as_input_values():
    # MLP(..., constant_inputs=True) makes "Σwc+b" nodes (no edges to the inputs): their rule has
    # constant local derivatives, and the Hessian over the parameters is the same matrix.
    mlp = nn.MLP(3, [4, 2], activation="sigmoid", seed=5)
    X = [[0.3, -0.7, 0.1], [1.2, 0.4, -0.2]]
    Y = [[1, 0], [0, 1]]
    params = mlp.parameters()
    with_values = hessian(nn.cross_entropy([mlp(x) for x in X], Y), params)
    constants = nn.cross_entropy([mlp(x, constant_inputs=True) for x in X], Y)
    assert any(str(v.op) == "Σwc+b" for v in topological_order(constants))
    with_constants = hessian(constants, params)
    assert np.abs(np.array(with_values) - np.array(with_constants)).max() < 1e-15
    assert np.abs(np.array(with_values)).max() > 1e-3


def test_loss_rules_give_the_losses_own_derivatives_and_hessians_in_the_outputs():
    # With respect to the outputs a: mse's Hessian is I/m; cross_entropy's diag(y/a² + (1−y)/(1−a)²)/m;
    # l2's λ/m I
    a = [Value(0.3), Value(0.8)]
    assert hessian(nn.mse([a], [[0.5, 0.1]]), a) == [[1.0, 0.0], [0.0, 1.0]]
    H = hessian(nn.cross_entropy([[a[0]], [a[1]]], [[1.0], [0.0]]), a)
    assert close(H[0][0], 1 / 0.3**2 / 2, rel=1e-14, abs_=0) and close(H[1][1], 1 / 0.2**2 / 2, rel=1e-13, abs_=0)
    assert H[0][1] == H[1][0] == 0.0
    assert np.allclose(hessian(nn.l2(a, 0.6, 3), a), [[0.2, 0.0], [0.0, 0.2]], rtol=1e-15, atol=0.0)
    # softmax cross-entropy: H = (diag(p) − ppᵀ)/m for one-hot targets
    logits = [Value(0.5), Value(-1.0), Value(2.0)]
    H = np.array(hessian(nn.softmax_cross_entropy([logits], [[0, 1, 0]]), logits))
    p = np.exp([0.5, -1.0, 2.0])
    p /= p.sum()
    assert np.allclose(H, np.diag(p) - np.outer(p, p), rtol=1e-13, atol=1e-15)


def test_cross_entropy_at_a_clipped_output_has_a_constant_derivative():
    a = Value(1.0)  # clipped to 1 − 1e-12: J is flat in a there
    (d1,) = grad(nn.cross_entropy([[a]], [[0.0]]), [a], create_graph=True)
    p = 1.0 - 1e-12
    assert close(d1.data, 1 / (1 - p), rel=1e-12, abs_=0.0)  # −(y/p − (1 − y)/(1 − p)) at the clipped point
    assert grad(d1, [a], allow_unused=True)[0].data == 0.0


# ---------------------------------------------------------------- grad itself


def small_network_loss():
    mlp = nn.MLP(2, [3, 1], activation="tanh", output_activation="sigmoid", seed=1)
    X, Y = [[0.3, -0.7], [1.2, 0.4]], [[1.0], [0.0]]
    return mlp, nn.cross_entropy([mlp(x) for x in X], Y) + nn.l2(mlp, 0.5, 2)


def test_grad_without_create_graph_gives_backwards_floats_exactly():
    mlp, J = small_network_loss()
    got = [g.data for g in grad(J, mlp.parameters())]
    J.backward()
    assert got == [p.grad for p in mlp.parameters()]  # the same float walk, the same order


def test_grad_with_create_graph_gives_the_same_first_derivatives_as_values():
    mlp, J = small_network_loss()
    got = grad(J, mlp.parameters(), create_graph=True)
    J.backward()
    assert all(isinstance(g, Value) for g in got)
    assert all(close(g.data, p.grad, rel=1e-13, abs_=1e-16) for g, p in zip(got, mlp.parameters()))


def test_grad_hessian_and_hvp_touch_no_grad():
    mlp, J = small_network_loss()
    nodes = topological_order(J)
    for k, node in enumerate(nodes):
        node.grad = 0.125 * k  # distinct marks
    params = mlp.parameters()
    grad(J, params)
    g = grad(J, params, create_graph=True)
    hessian(J, params[:4])
    hvp(J, params, [1.0] * len(params))
    assert [node.grad for node in nodes] == [0.125 * k for k in range(len(nodes))]
    assert all(v.grad == 0.0 for v in topological_order(g[0]) if v not in set(nodes))


def test_a_gradient_graph_can_be_backpropagated_and_gives_second_derivatives():
    x, y = Value(0.7, label="x"), Value(-0.9, label="y")
    f = (x * y).tanh() + x * x * y  # |xy| < 0.66: tanh's rule is 1 − t·t, which uses the tanh node
    f.label = "f"
    dfdx, dfdy = grad(f, [x, y], create_graph=True)
    H = hessian(f, [x, y])
    dfdx.backward()  # the first-order engine on the graph of backprop
    assert close(x.grad, H[0][0], rel=1e-14, abs_=1e-15) and close(y.grad, H[0][1], rel=1e-14, abs_=1e-15)
    # and the graph of a gradient draws: its result node and the forward nodes it reuses
    source = draw(dfdx).source
    assert "∂f/∂x" in source and "tanh" in source and "Σ" in source


def test_the_explorer_accepts_a_gradient_graph():
    # The page steps through backward() over the graph of ∂f/∂x: the grads it shows at x and y are ∂²f/∂x², ∂²f/∂x∂y.
    x, y = Value(0.7, label="x"), Value(-0.9, label="y")
    f = (x * y).tanh() + x * x * y
    f.label = "f"
    dfdx, _ = grad(f, [x, y], create_graph=True)
    page = explore(dfdx)
    data = json.loads(re.search(r'id="chainrule-data">(.*?)</script>', page.html, re.S)[1])
    nodes = {n["label"]: n for n in data["nodes"] if n["label"] is not None}
    H = hessian(f, [x, y])
    assert data["nodes"][-1]["label"] == "∂f/∂x" and data["nodes"][-1]["grad"] == 1.0
    assert close(nodes["x"]["grad"], H[0][0], rel=1e-14, abs_=1e-15)
    assert close(nodes["y"]["grad"], H[0][1], rel=1e-14, abs_=1e-15)
    assert len(data["nodes"]) == len(topological_order(dfdx))
    assert x.grad == y.grad == 0.0  # neither grad nor explore touched them


def test_hvp_equals_hessian_times_v():
    mlp, J = small_network_loss()
    params = mlp.parameters()
    H = np.array(hessian(J, params))
    rng = np.random.default_rng(0)
    for v in (rng.normal(size=len(params)), np.eye(len(params))[4], np.zeros(len(params))):
        assert np.allclose(hvp(J, params, list(v)), H @ v, rtol=1e-12, atol=1e-14)


def test_derivative_with_respect_to_an_interior_node_is_its_delta():
    mlp = nn.MLP(2, [2, 1], activation="sigmoid", seed=0)
    trace = mlp.trace([0.35, 0.9])
    J = nn.mse([trace.output], [[0.5]])
    zs = [z for layer in trace.z for z in layer]
    got = [g.data for g in grad(J, zs)]
    J.backward()
    assert got == [z.grad for z in zs]


def test_results_are_labelled_after_what_they_are():
    x = Value(2.0, label="x")
    f = x * x * x
    f.label = "f"
    (d1,) = grad(f, [x], create_graph=True)
    (d2,) = grad(d1, [x], create_graph=True)
    (d3,) = grad(d2, [x])
    assert (d1.label, d2.label, d3.label) == ("∂f/∂x", "∂(∂f/∂x)/∂x", "∂(∂(∂f/∂x)/∂x)/∂x")
    assert (d1.data, d2.data, d3.data) == (12.0, 12.0, 6.0)
    y = Value(3.0, label="y")
    (dy,) = grad(x * y, [x], create_graph=True)
    assert dy is y and y.label == "y"  # ∂(xy)/∂x is y itself, whose label stays


def test_newtons_method_on_rosenbrock_converges_in_a_few_steps():
    # f = (1 − x)² + 100(y − x²)², minimum at (1, 1); pure Newton steps from the classic (−1.2, 1)
    point = np.array([-1.2, 1.0])
    steps = 0
    while steps < 20:
        x, y = Value(point[0]), Value(point[1])
        f = (1 - x) ** 2 + 100 * (y - x**2) ** 2
        g = np.array([d.data for d in grad(f, [x, y])])
        if np.linalg.norm(g) < 1e-10:
            break
        point = point - np.linalg.solve(np.array(hessian(f, [x, y])), g)
        steps += 1
    assert steps <= 8
    assert np.allclose(point, [1.0, 1.0], atol=1e-12)


# ---------------------------------------------------------------- custom ops


def cube(x: Value, rule=None) -> Value:
    return Value.from_op(x.data**3, (x,), (3 * x.data**2,), "cube", rule=rule)


def test_a_custom_op_with_a_rule_is_differentiated_twice():
    x = Value(1.5)
    y = cube(x, rule=lambda node: (3 * node.parents[0] ** 2,))
    assert isinstance(y.op, CustomOp) and y.op == "cube"
    assert nth_derivative(lambda v: cube(v, rule=lambda node: (3 * node.parents[0] ** 2,)), 1.5, 2) == 9.0  # 6x
    assert hessian(y, [x]) == [[9.0]]


def test_a_custom_op_without_a_rule_works_at_first_order_and_says_so_at_second():
    x = Value(2.0)
    y = cube(x)
    assert [g.data for g in grad(y, [x])] == [12.0]  # first order needs no rule
    with pytest.raises(ValueError, match=r"op 'cube'.*without a rule.*rule="):
        grad(y, [x], create_graph=True)
    with pytest.raises(ValueError, match=r"op 'cube'"):
        hessian(y * 2, [x])


def test_a_custom_op_named_like_a_built_in_never_borrows_its_rule():
    x = Value(0.5)
    fake = Value.from_op(math.tanh(0.5), (x,), (1 - math.tanh(0.5) ** 2,), "tanh", label="mine")
    with pytest.raises(ValueError, match=r"op 'tanh' \(node 'mine'\).*without a rule"):
        grad(fake, [x], create_graph=True)


def test_bad_custom_rules_are_refused():
    x = Value(2.0)
    with pytest.raises(ValueError, match=r"op 'cube'.*rule gives ∂/∂parents\[0\] = 4.0 but.*local_grads\[0\] = 12.0"):
        grad(cube(x, rule=lambda node: (node.parents[0] ** 2,)), [x], create_graph=True)
    with pytest.raises(ValueError, match=r"op 'cube'.*2 derivatives for 1 parents"):
        grad(cube(x, rule=lambda node: (1.0, 2.0)), [x], create_graph=True)
    with pytest.raises(TypeError, match=r"op 'cube'.*Values or numbers, got str"):
        grad(cube(x, rule=lambda node: ("12",)), [x], create_graph=True)
    with pytest.raises(TypeError, match=r"rule for op 'cube' must be a function"):
        cube(x, rule=12.0)
    with pytest.raises(TypeError, match=r"op must be a str"):
        Value.from_op(1.0, (x,), (1.0,), 7)


# ---------------------------------------------------------------- bad input


def test_bad_input_errors_name_the_argument():
    x, y = Value(1.0, label="x"), Value(2.0)
    f = x * x
    with pytest.raises(TypeError, match=r"grad: root must be a Value, got float"):
        grad(1.0, [x])
    with pytest.raises(TypeError, match=r"got one Value \(pass \[x\]\)"):
        grad(f, x)
    with pytest.raises(TypeError, match=r"grad: inputs\[1\] must be a Value, got float"):
        grad(f, [x, 2.0])
    with pytest.raises(TypeError, match=r"inputs must be a list of Values, got int"):
        grad(f, 3)
    with pytest.raises(ValueError, match=r"grad: inputs is empty"):
        grad(f, [])
    with pytest.raises(ValueError, match=r"inputs\[1\] is not in the graph of root.*allow_unused=True"):
        grad(f, [x, y])
    assert [g.data for g in grad(f, [x, y], allow_unused=True)] == [2.0, 0.0]
    with pytest.raises(ValueError, match=r"inputs\[0\] \('x'\) is not in the graph"):
        grad(y * y, [x])
    with pytest.raises(ValueError, match=r"hessian: 3 inputs, more than max_inputs=2"):
        hessian(f + y, [x, y, x], max_inputs=2)
    with pytest.raises(ValueError, match=r"hvp: v has 1 entry but there are 2 inputs"):
        hvp(f + y, [x, y], [1.0])
    with pytest.raises(TypeError, match=r"hvp: v\[1\] must be a finite real number, got str"):
        hvp(f + y, [x, y], [1.0, "2"])
    with pytest.raises(ValueError, match=r"hvp: v\[0\] must be a finite real number, got nan"):
        hvp(f + y, [x, y], [math.nan, 1.0])
