"""Every numeric parameter of nn's public functions refuses bad values with an error that names both.

The walk: each function and class in the `__all__` of `nn`, `nn.data`, `nn.init`, `nn.matrix`,
`nn.crosscheck` and `nn.digits`, each parameter annotated `int` or `float` (or a list of ints).
Each must have its valid range in SPECS below — a new numeric parameter without one fails
`test_every_numeric_parameter_has_a_spec` — and Hypothesis feeds it bools, strings, None (where None
is not allowed), complex numbers, NaN, ±inf, floats where an integer belongs, and numbers outside
its range: each must raise TypeError or ValueError whose message names the function (or class)
and the parameter, before any work is done. `nn.gradcheck` is the grader's and checked there.
"""

from __future__ import annotations

import inspect
import math
import random
import re
import types
from functools import lru_cache
from typing import NamedTuple

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nn
from autograd import Value
from nn import crosscheck, data, digits, init, matrix

MODULES = [nn, data, init, matrix, crosscheck, digits]
NUMERIC = re.compile(r"(int|float)( \| None)?|Sequence\[int\]( \| MLP)?|tuple\[float, float\]")


class Spec(NamedTuple):
    """The valid values: an integer or a real number within [low, high] (open ends where said);
    `items`: a list of such numbers (layer sizes, Adam's betas)."""

    kind: str  # "int" or "real"
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    items: bool = False


COUNT, SEED, REAL = Spec("int", 1), Spec("int", 0), Spec("real")
NONNEGATIVE, POSITIVE = Spec("real", 0.0), Spec("real", 0.0, low_open=True)
SIZES = Spec("int", 1, items=True)

SPECS: dict[tuple[str, str], Spec] = {
    **{("Neuron", p): COUNT for p in ("nin", "layer", "index", "max_parameters")},
    ("Neuron", "bias_init"): REAL,
    ("Neuron", "seed"): SEED,
    ("Neuron", "epsilon"): POSITIVE,
    **{("Layer", p): COUNT for p in ("nin", "nout", "layer", "max_parameters")},
    ("Layer", "seed"): SEED,
    ("Layer", "epsilon"): POSITIVE,
    ("MLP", "nin"): COUNT,
    ("MLP", "nouts"): SIZES,
    ("MLP", "epsilon"): POSITIVE,
    ("MLP", "seed"): SEED,
    ("MLP", "max_parameters"): COUNT,
    ("GPT", "vocab_size"): Spec("int", 2),
    **{("GPT", p): COUNT for p in ("n_embd", "n_layer", "block_size", "max_parameters")},
    ("GPT", "n_head"): Spec("int", 1, 4),  # and it must divide n_embd, 4 in the valid call below
    ("GPT", "seed"): SEED,
    ("l2", "lam"): NONNEGATIVE,
    ("l2", "m"): COUNT,
    ("Optimizer", "lr"): POSITIVE,
    ("SGD", "lr"): POSITIVE,
    ("SGD", "momentum"): Spec("real", 0.0, 1.0, high_open=True),
    ("Adam", "lr"): POSITIVE,
    ("Adam", "betas"): Spec("real", 0.0, 1.0, high_open=True, items=True),
    ("Adam", "eps"): POSITIVE,
    ("fit", "epochs"): COUNT,
    ("fit", "batch_size"): COUNT,
    ("fit", "lam"): NONNEGATIVE,
    ("fit", "seed"): SEED,
    ("moons", "n"): Spec("int", 2),
    ("moons", "noise"): NONNEGATIVE,
    ("moons", "seed"): SEED,
    ("circles", "n"): Spec("int", 2),
    ("circles", "noise"): NONNEGATIVE,
    ("circles", "factor"): Spec("real", 0.0, 1.0, low_open=True, high_open=True),
    ("circles", "seed"): SEED,
    ("xor", "n"): Spec("int", 2),
    ("xor", "noise"): NONNEGATIVE,
    ("xor", "seed"): SEED,
    ("spirals", "n"): Spec("int", 2),
    ("spirals", "noise"): NONNEGATIVE,
    ("spirals", "classes"): Spec("int", 2),
    ("spirals", "seed"): SEED,
    ("blobs", "n"): Spec("int", 3),  # at least one sample per centre (3 by default)
    ("blobs", "centers"): Spec("int", 2),
    ("blobs", "std"): NONNEGATIVE,
    ("blobs", "seed"): SEED,
    ("digits", "seed"): Spec("int", 0, 2**32 - 1),
    ("digits", "test_fraction"): Spec("real", 0.0, 1.0, low_open=True, high_open=True),
    ("default_epsilon", "fan_in"): COUNT,
    ("default_epsilon", "fan_out"): COUNT,
    **{("uniform_matrix", p): COUNT for p in ("fan_out", "fan_in", "max_entries")},
    ("uniform_matrix", "epsilon"): POSITIVE,
    **{("debug_matrix", p): COUNT for p in ("fan_out", "fan_in", "max_entries")},
    ("cost", "lam"): NONNEGATIVE,
    ("backprop", "lam"): NONNEGATIVE,
    ("numerical_gradients", "eps"): POSITIVE,
    ("train", "lr"): POSITIVE,
    ("train", "epochs"): COUNT,
    ("train", "lam"): NONNEGATIVE,
    ("debug_thetas", "sizes"): SIZES,
    ("debug_thetas", "max_entries"): COUNT,
    ("random_thetas", "sizes"): SIZES,
    ("random_thetas", "seed"): SEED,
    ("random_thetas", "epsilon"): POSITIVE,
    ("random_thetas", "max_entries"): COUNT,
    ("cross_check", "sizes"): SIZES,
    ("cross_check", "lam"): NONNEGATIVE,
    ("cross_check", "m"): COUNT,
    ("cross_check", "seed"): SEED,
    ("cross_check", "eps"): POSITIVE,
    ("cross_check", "max_parameters"): COUNT,
    ("check_size", "sizes"): SIZES,
    ("check_size", "m"): COUNT,
    ("check_size", "max_parameters"): COUNT,
    ("course_check", "lam"): NONNEGATIVE,
    ("sample_batch", "sizes"): SIZES,
    ("sample_batch", "m"): COUNT,
    ("sample_batch", "seed"): SEED,
    ("engine_backprop", "lam"): NONNEGATIVE,
    **{("train_matrix", p): COUNT for p in ("hidden", "iterations", "every")},
    ("train_matrix", "lam"): NONNEGATIVE,
    ("train_matrix", "seed"): SEED,
    ("train_matrix", "tolerance"): POSITIVE,
    **{("train_scalar", p): COUNT for p in ("hidden", "epochs", "batch_size")},
    ("train_scalar", "lam"): NONNEGATIVE,
    ("train_scalar", "lr"): POSITIVE,
    ("train_scalar", "seed"): SEED,
    ("check_batch", "lam"): NONNEGATIVE,
    ("check_batch", "M"): COUNT,
    **{("check_before_training", p): COUNT for p in ("hidden", "batch_size")},
    ("check_before_training", "lam"): NONNEGATIVE,
    ("check_before_training", "seed"): SEED,
    ("roll", "sizes"): SIZES,
    ("one_hot", "k"): COUNT,
    ("confusion_matrix", "k"): COUNT,
    ("misclassified_figure", "limit"): COUNT,
}
# numeric by annotation, but data rather than a setting: checked as data where they are used
EXEMPT = {("reroll", "shapes")}


def walk() -> dict[tuple[str, str], tuple[object, bool]]:
    """(function or class name, parameter) → (the callable, whether None is allowed) for every numeric one."""
    found = {}
    for module in MODULES:
        for name in module.__all__:
            obj = getattr(module, name)
            if isinstance(obj, types.ModuleType) or not callable(obj):
                continue
            if inspect.isclass(obj) and issubclass(obj, tuple):
                continue  # records (NamedTuples): what functions return, not settings
            try:
                parameters = inspect.signature(obj).parameters.values()
            except (TypeError, ValueError):
                continue
            for p in parameters:
                if isinstance(p.annotation, str) and NUMERIC.fullmatch(p.annotation):
                    found[name, p.name] = (obj, p.annotation.endswith("| None"))
    return found


FOUND = walk()


def test_every_numeric_parameter_has_a_spec():
    assert set(FOUND) - EXEMPT == set(SPECS), "a numeric parameter without a spec here (or a spec left over)"


# ---------------------------------------------------------------- a valid call of each, to change one argument of


@lru_cache(maxsize=1)
def the_digits() -> data.Digits:
    pytest.importorskip("sklearn", reason="the digits need scikit-learn: pip install '.[digits]'")
    return data.digits(seed=0)


def thetas():
    return matrix.random_thetas([2, 3, 1], seed=0)


def mlp():
    return nn.MLP(2, [3, 1], seed=0)


XY = (np.zeros((4, 2)), np.zeros((4, 1)))

# name → (positional arguments, keyword arguments) of a call that is fine
VALID = {
    "Neuron": lambda: ((2,), {}),
    "Layer": lambda: ((2, 3), {}),
    "MLP": lambda: ((2, [3, 1]), {}),
    "GPT": lambda: ((5,), {"n_embd": 4}),
    "l2": lambda: ((mlp(), 0.5, 4), {}),
    "Optimizer": lambda: (([Value(1.0)], 0.1), {}),
    "SGD": lambda: (([Value(1.0)],), {}),
    "Adam": lambda: (([Value(1.0)],), {}),
    "fit": lambda: ((mlp(), [[0.0, 0.0], [1.0, 1.0]], [0, 1]), {"epochs": 1}),
    **{name: lambda: ((), {}) for name in ("moons", "circles", "xor", "spirals", "blobs", "digits")},
    "default_epsilon": lambda: ((2, 3), {}),
    "uniform_matrix": lambda: ((3, 2, random.Random(0)), {}),
    "debug_matrix": lambda: ((3, 2), {}),
    "cost": lambda: ((thetas(), *XY), {}),
    "backprop": lambda: ((thetas(), *XY), {}),
    "numerical_gradients": lambda: ((thetas(), *XY), {}),
    "train": lambda: ((thetas(), *XY), {"epochs": 1}),
    "debug_thetas": lambda: (([2, 3, 1],), {}),
    "random_thetas": lambda: (([2, 3, 1],), {}),
    "cross_check": lambda: (([2, 3, 1],), {"numerical": False}),
    "check_size": lambda: (([2, 3, 1], 5), {}),
    "course_check": lambda: ((), {}),
    "sample_batch": lambda: (([2, 3, 1], "mse", 5), {}),
    "engine_backprop": lambda: ((mlp(), *XY, "mse", 0.0), {}),
    "train_matrix": lambda: ((the_digits(),), {"iterations": 1}),
    "train_scalar": lambda: ((the_digits(),), {"epochs": 1}),
    "check_batch": lambda: ((nn.MLP(64, [3, 10]), the_digits().X_train[:4], the_digits().y_train[:4], 1.0, 100), {}),
    "check_before_training": lambda: ((the_digits(),), {}),
    "roll": lambda: ((np.zeros(13), [2, 3, 1]), {}),
    "one_hot": lambda: (([0, 1],), {}),
    "confusion_matrix": lambda: (([0, 1], [1, 1]), {}),
    "misclassified_figure": lambda: ((np.zeros((2, 64)), [0, 1], [1, 1]), {}),
}


def test_every_function_with_a_numeric_parameter_has_a_valid_call():
    assert {name for name, _ in FOUND} - {name for name, _ in EXEMPT} == set(VALID)


# ---------------------------------------------------------------- bad values


def out_of_range(spec: Spec) -> st.SearchStrategy:
    """Numbers of the right type outside [low, high] (the open ends included)."""
    if spec.kind == "int":
        below = [] if spec.low is None else [st.integers(max_value=int(spec.low) - 1).filter(lambda n: n > -(2**70))]
        above = [] if spec.high is None else [st.integers(min_value=int(spec.high) + 1, max_value=2**70)]
        return st.one_of(*below, *above)
    below = above = []
    if spec.low is not None:
        below = [st.floats(max_value=spec.low, exclude_max=not spec.low_open, allow_nan=False, allow_infinity=False)]
    if spec.high is not None:
        above = [st.floats(min_value=spec.high, exclude_min=not spec.high_open, allow_nan=False, allow_infinity=False)]
    return st.one_of(*below, *above)


def bad_numbers(spec: Spec, none_allowed: bool) -> st.SearchStrategy:
    wrong = [st.booleans(), st.text(max_size=4), st.complex_numbers(allow_nan=False, max_magnitude=10).filter(bool)]
    wrong += [st.sampled_from([math.nan, math.inf, -math.inf]), st.just(np.float64("nan"))]
    if not none_allowed:
        wrong.append(st.none())
    if spec.kind == "int":
        wrong.append(st.floats(-1e6, 1e6))  # 2.0 is not a count: a TypeError
    if spec.low is not None or spec.high is not None:
        wrong.append(out_of_range(spec))
    return st.one_of(*wrong)


def bad_values(spec: Spec, none_allowed: bool) -> st.SearchStrategy:
    if not spec.items:
        return bad_numbers(spec, none_allowed)
    # a list of numbers with one bad item in it (or not a list at all)
    good = 2 if spec.kind == "int" else 0.5
    with_one_bad = st.builds(
        lambda bad, at: [good] * at + [bad] + [good] * (2 - at), bad_numbers(spec, False), st.integers(0, 2)
    )
    return st.one_of(with_one_bad, st.sampled_from([True, "2,3", 3.5]))


def representatives(spec: Spec, none_allowed: bool) -> list:
    """One value of each kind the issue names, always tried: a bool, a str, NaN, ±inf, None, out of range."""
    values = [True, "1", math.nan, math.inf, -math.inf] + ([] if none_allowed else [None])
    if spec.kind == "int":
        values.append(2.0)
    if spec.low is not None:
        values.append(spec.low if spec.low_open else spec.low - 1)
    if spec.high is not None:
        values.append(spec.high if spec.high_open else spec.high + 1)
    if spec.items:
        good = 2 if spec.kind == "int" else 0.5
        values = [[good, v] for v in values] + [True, "2,3"]
    return values


@pytest.mark.parametrize("name, param", sorted(SPECS), ids=[f"{n}.{p}" for n, p in sorted(SPECS)])
def test_a_bad_value_is_refused_naming_the_function_and_the_parameter(name, param):
    f, none_allowed = FOUND[name, param]
    spec = SPECS[name, param]

    def refused(value):
        args, kwargs = VALID[name]()
        call = inspect.signature(f).bind_partial(*args, **kwargs)
        call.arguments[param] = value  # in its place, positional or not
        with pytest.raises((TypeError, ValueError)) as info:
            f(*call.args, **call.kwargs)
        message = str(info.value)
        assert message.startswith(f"{name}") or f" {name}" in message[:60], (value, message)
        assert re.search(rf"\b{param}\b", message), (value, message)

    for value in representatives(spec, none_allowed):
        refused(value)

    @settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(bad_values(spec, none_allowed))
    def check(value):
        refused(value)

    check()


def test_the_valid_calls_are_fine():
    # the baseline of every bad-value test runs: so a refusal above is the bad value's, not the baseline's
    for name, make in VALID.items():
        if name in ("train_scalar", "train_matrix", "check_before_training", "check_batch", "course_check"):
            continue  # fine too, and slower: their own tests run them
        f = next(obj for (n, _), (obj, _) in FOUND.items() if n == name)
        args, kwargs = make()
        f(*args, **kwargs)
