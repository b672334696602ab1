"""The shared argument checkers (autograd.args): what they accept, convert and refuse, and the words they use."""

import math

import numpy as np
import pytest

from autograd import Value
from autograd.args import choice, flag, integer, probability, real, sequence, text


def test_integer_accepts_ints_and_numpy_ints_and_returns_int():
    assert integer(3, "f", "n") == 3
    n = integer(np.int64(7), "f", "n")
    assert n == 7 and type(n) is int
    assert integer(0, "f", "n", low=0) == 0
    assert integer(-5, "f", "n", low=None) == -5


@pytest.mark.parametrize("bad", [True, False, 2.0, 1.5, "3", None, np.bool_(True), math.nan])
def test_integer_refuses_non_integers_by_type(bad):
    with pytest.raises(TypeError, match=r"^hessian: max_inputs must be an integer ≥ 1, got "):
        integer(bad, "hessian", "max_inputs")


def test_integer_range_is_a_value_error_that_names_the_bounds():
    with pytest.raises(ValueError, match=r"^f: n must be an integer ≥ 1, got 0$"):
        integer(0, "f", "n")
    with pytest.raises(ValueError, match=r"^f: k must be an integer ≥ 2 and ≤ 5, got 6$"):
        integer(6, "f", "k", low=2, high=5)


def test_real_converts_and_refuses_nan_inf_and_huge_ints():
    assert real(3, "f", "x") == 3.0 and type(real(3, "f", "x")) is float
    assert real(np.float32(0.5), "f", "x") == 0.5
    assert real(math.inf, "f", "x", finite=False) == math.inf
    for bad in (math.nan, math.inf, -math.inf):
        with pytest.raises(ValueError, match=r"^f: x must be a finite real number, got"):
            real(bad, "f", "x")
    with pytest.raises(ValueError, match="too large for a float"):
        real(10**400, "f", "x")
    assert math.isnan(real(math.nan, "f", "x", finite=False))  # finite=False: any float
    with pytest.raises(ValueError, match=r"got nan"):
        real(math.nan, "f", "x", finite=False, low=0.0)  # but NaN is in no range
    for bad in (True, "0.1", None, 1j):
        with pytest.raises(TypeError, match=r"^f: x must be a finite real number, got"):
            real(bad, "f", "x")


def test_real_bounds_open_and_closed():
    assert real(0.0, "f", "lr", low=0.0) == 0.0
    with pytest.raises(ValueError, match=r"lr must be a finite real number > 0, got 0.0"):
        real(0.0, "f", "lr", low=0.0, low_open=True)
    with pytest.raises(ValueError, match=r"≥ 0 and < 1"):
        real(1.0, "f", "beta", low=0.0, high=1.0, high_open=True)
    assert probability(1, "f", "p") == 1.0
    with pytest.raises(ValueError, match=r"^f: p must be a finite real number ≥ 0 and ≤ 1, got 2.0$"):
        probability(2.0, "f", "p")


def test_flag_choice_text():
    assert flag(True, "f", "on") is True and flag(np.bool_(False), "f", "on") is False
    for bad in (0, 1, "no", None):
        with pytest.raises(TypeError, match=r"^f: on must be True or False"):
            flag(bad, "f", "on")
    assert choice("LR", "f", "rankdir", ("LR", "TB")) == "LR"
    with pytest.raises(ValueError, match=r"rankdir must be one of 'LR', 'TB', got str: 'XY'"):
        choice("XY", "f", "rankdir", ("LR", "TB"))
    assert text(None, "f", "label", none=True) is None
    with pytest.raises(ValueError, match="1,001 characters, more than 1,000"):
        text("x" * 1001, "f", "label", max_length=1000)
    with pytest.raises(ValueError, match="lone surrogate"):
        text("a\ud800", "f", "label")
    with pytest.raises(TypeError, match="label must be a str or None"):
        text(3, "f", "label", none=True)


def test_sequence_of_values_names_the_bad_item_and_hints_at_a_single_value():
    x = Value(1.0)
    assert sequence((x,), "grad", "inputs", of=Value) == [x]
    with pytest.raises(TypeError, match=r"grad: inputs\[1\] must be a Value, got float: 2.0"):
        sequence([x, 2.0], "grad", "inputs", of=Value)
    with pytest.raises(TypeError, match=r"must be a list of Values, got one Value \(pass \[x\]\)"):
        sequence(x, "grad", "inputs", of=Value)
    with pytest.raises(ValueError, match="inputs is empty"):
        sequence([], "grad", "inputs", of=Value)
    with pytest.raises(ValueError, match="more than 3"):
        sequence(range(10**9), "f", "xs", max_length=3)
