"""Losses at the edges: saturated outputs, logits of ±800 and beyond, 0 · log 0, against mpmath.

The cross-entropy of a sigmoid output is computed from its logit (both J and ∂J/∂a), so the chain
z → a → J gives δ = σ(z) − y to the last digits where σ′(z) is a normal float (|z| ≤ 700); from the
logits (`from_logits=True`, `softmax_cross_entropy`) it is exact at any z. Every reference here is
computed in 60-digit arithmetic by mpmath, from the textbook formulas.
"""

from __future__ import annotations

import math

import mpmath
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
from autograd import Value, fused

mpmath.mp.dps = 60
ULP = 2.220446049250313e-16
INF, NAN = math.inf, math.nan


def close(got: float, want, ulps: float) -> bool:
    """got within `ulps` units of the last place of the true value `want` (an mpf)."""
    want = float(want)
    return got == want or abs(got - want) <= ulps * ULP * abs(want)


def mp_sigmoid(z):
    return 1 / (1 + mpmath.exp(-mpmath.mpf(z)))


def mp_delta(z, y):
    """σ(z) − y, with 1 − σ(z) written σ(−z) so that 60 digits are enough at any z."""
    y = mpmath.mpf(y)
    return (1 - y) * mp_sigmoid(z) - y * mp_sigmoid(-z)


def mp_cross_entropy(z, y):
    """−[y ln σ(z) + (1 − y) ln(1 − σ(z))], with −ln σ(z) = ln(1 + e⁻ᶻ) (log1p keeps its digits at any z)
    and 0 · ln 0 read as 0."""
    z, y = mpmath.mpf(z), mpmath.mpf(y)
    return (y * mpmath.log1p(mpmath.exp(-z)) if y else 0) + ((1 - y) * mpmath.log1p(mpmath.exp(z)) if y != 1 else 0)


# ---------------------------------------------------------------- the examples


@pytest.mark.parametrize("x", [40.0, 30.0])
def test_a_saturated_sigmoid_with_cross_entropy_costs_its_logit_and_has_slope_sigma(x):
    v = Value(x)
    J = nn.cross_entropy([[v.sigmoid()]], [[0.0]])
    J.backward()
    assert close(J.data, mp_cross_entropy(x, 0), 1)  # 40.0, not −ln(1e-12) = 27.631
    assert close(v.grad, mp_sigmoid(x), 4)  # σ(40) ≈ 1.0, not 4.2e-06


def test_the_cross_entropy_of_0_and_minus_inf_logits_is_0_not_nan():
    a, b = Value(0.0), Value(-INF)
    J = nn.softmax_cross_entropy([[a, b]], [[1, 0]])
    J.backward()
    assert J.data == 0.0 and a.grad == 0.0 and b.grad == 0.0


def test_every_cross_entropy_leaves_out_a_term_whose_weight_is_0():
    # the log is −inf exactly where the weight is 0: the term adds nothing (the definition's limit)
    assert nn.cross_entropy([Value(-INF).sigmoid()], [0.0]).data == 0.0
    assert nn.cross_entropy([Value(INF).sigmoid()], [1.0]).data == 0.0
    assert nn.cross_entropy([Value(-INF), Value(INF)], [0.0, 1.0], from_logits=True).data == 0.0
    assert nn.softmax_cross_entropy([[Value(-INF), Value(3.0), Value(-INF)]], [[0, 1, 0]]).data == 0.0
    # where the weight is not 0 the cost is honestly infinite, not NaN
    assert nn.cross_entropy([Value(-INF)], [1.0], from_logits=True).data == INF
    assert nn.softmax_cross_entropy([[Value(-INF), Value(3.0)]], [[1, 0]]).data == INF


# ---------------------------------------------------------------- against mpmath

logits = st.floats(min_value=-700.0, max_value=700.0, allow_subnormal=False)
any_logit = st.one_of(logits, st.floats(min_value=-1e300, max_value=1e300), st.sampled_from([800.0, -800.0, 1e4]))
labels = st.sampled_from([0.0, 1.0])


@settings(max_examples=300, deadline=None)
@given(logits, labels, st.integers(1, 4))
def test_the_chain_through_a_sigmoid_output_gives_sigma_minus_y_for_logits_up_to_700(z, y, m):
    v = Value(z)
    J = fused.cross_entropy([v.sigmoid()] + [Value(0.5)] * (m - 1), [y] + [0.0] * (m - 1), m)
    J.backward()
    want = mp_delta(z, y) / m
    assert close(v.grad, want, 8), (z, y, v.grad, float(want))
    if m == 1:
        assert close(J.data, mp_cross_entropy(z, y), 4), (z, y, J.data)


@settings(max_examples=200, deadline=None)
@given(logits, st.floats(min_value=0.01, max_value=0.99))
def test_soft_targets_through_a_sigmoid_output(z, y):
    v = Value(z)
    J = nn.cross_entropy([v.sigmoid()], [y])
    J.backward()
    # σ(z) − y cancels where σ(z) ≈ y: the error is a few units of the terms' size, ~1, not of the result
    assert abs(v.grad - float(mp_delta(z, y))) <= 8 * ULP
    assert close(J.data, mp_cross_entropy(z, y), 8)


@settings(max_examples=300, deadline=None)
@given(any_logit, labels)
def test_from_logits_is_exact_at_any_logit(z, y):
    v = Value(z)
    J = nn.cross_entropy([v], [y], from_logits=True)
    J.backward()
    assert close(J.data, mp_cross_entropy(z, y), 4), (z, y, J.data)
    assert close(v.grad, mp_delta(z, y), 4), (z, y, v.grad)


def test_from_logits_at_800_and_the_documented_limit_of_the_chain_through_a():
    for z, y, J_want, grad_want in [(800.0, 0.0, 800.0, 1.0), (-800.0, 1.0, 800.0, -1.0), (800.0, 1.0, 0.0, 0.0)]:
        v = Value(z)
        J = nn.cross_entropy([v], [y], from_logits=True)
        J.backward()
        assert (J.data, v.grad) == (J_want, grad_want)
    # through a = σ(800): J is still exact, but σ′(800) underflows to 0 and the chain passes 0
    # (the docstring says so and points to from_logits)
    v = Value(800.0)
    J = nn.cross_entropy([v.sigmoid()], [0.0])
    J.backward()
    assert J.data == 800.0 and v.grad == 0.0


def mp_softmax_cross_entropy(zs, ys):
    """J = −Σ y ln pₖ and ∂J/∂zₖ = pₖ Σy − yₖ, in 2,000 digits: e^(−2000) added to 1 keeps its own."""
    with mpmath.workdps(2000):
        zs = [mpmath.mpf(z) for z in zs]
        top = max(zs)
        log_norm = mpmath.log(mpmath.fsum(mpmath.exp(z - top) for z in zs))
        p = [mpmath.exp(z - top - log_norm) for z in zs]
        J = -mpmath.fsum(y * (z - top - log_norm) for z, y in zip(zs, ys) if y)
        return +J, [+(pk * sum(ys) - y) for pk, y in zip(p, ys)]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.one_of(st.floats(-1000.0, 1000.0), st.floats(-5.0, 5.0)), min_size=2, max_size=6),
    st.data(),
)
def test_softmax_cross_entropy_is_exact_at_any_logits(zs, data):
    k = len(zs)
    hot = data.draw(st.integers(0, k - 1))
    ys = [1.0 if j == hot else 0.0 for j in range(k)]
    vs = [Value(z) for z in zs]
    J = nn.softmax_cross_entropy([vs], [ys])
    J.backward()
    J_want, grads_want = mp_softmax_cross_entropy(zs, ys)
    # e^(zⱼ − max z) reads zⱼ − max z rounded to a float (half a unit of its last place): a relative
    # error up to |zⱼ − max z|·ε/2 that any float softmax has (the inputs' own precision); beyond it,
    # a few units per class
    ulps = 4 * k + max(zs) - min(zs)
    # (a J below the smallest normal float has lost digits as a float: compared absolutely)
    assert close(J.data, J_want, ulps) or abs(J.data - float(J_want)) < 1e-300, (zs, ys, J.data, float(J_want))
    for v, g in zip(vs, grads_want):
        # pⱼ below the smallest normal float has lost digits as a float: compare those absolutely
        assert close(v.grad, g, ulps) or abs(v.grad - float(g)) < 1e-300, (zs, ys, v.grad, float(g))


def test_softmax_cross_entropy_keeps_the_digits_of_p_minus_1():
    a, b = Value(40.0), Value(0.0)
    J = nn.softmax_cross_entropy([[a, b]], [[1, 0]])
    J.backward()
    # J = ln(1 + e⁻⁴⁰), ∂J/∂a = p − 1 = −σ(−40): 4.2e-18, not 0
    assert close(J.data, mpmath.log1p(mpmath.exp(-40)), 2) and close(a.grad, -mp_sigmoid(-40), 4)
    assert close(b.grad, mp_sigmoid(-40), 4)
    c, d = Value(800.0), Value(-800.0)
    J = nn.softmax_cross_entropy([[c, d]], [[0, 1]])
    J.backward()
    assert (J.data, c.grad, d.grad) == (1600.0, 1.0, -1.0)


def test_the_loss_nodes_describe_themselves_for_a_view_that_recomputes_them():
    z = Value(2.0)
    J = nn.cross_entropy([z.sigmoid(), Value(0.25)], [1.0, 0.0])
    assert J.op.kind == "cross_entropy" and J.op.params["from_logit"] == (True, False)
    assert J.op.params["targets"] == [1.0, 0.0] and J.op.params["m"] == 2
    L = nn.cross_entropy([z], [1.0], from_logits=True)
    assert L.op.kind == "sigmoid_cross_entropy" and L.op.params == {"targets": [1.0], "m": 1}
    assert L.parents == (z,)
