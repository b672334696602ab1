"""Checking a learner's own backprop (nn.gradcheck, nn.mistakes, nn.sandbox, `chainrule check --function`).

The learners' implementations in tests/learners/ are written independently of nn.mistakes (per
layer, the way the course's exercise is written); each must be diagnosed as the mistake it holds,
on the course's 3-5-3 set-up and on a random 2-hidden-layer network, at λ = 0 and λ = 3. The
variant gradients themselves are checked against central differences and against a 1-1-1
network worked out by hand.
"""

from __future__ import annotations

import math
import re
import runpy
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from nn import gradcheck, matrix, mistakes
from nn.cli import main
from nn.gradcheck import assert_backprop, check_backprop, entry_name
from tests.learners import correct, gprime_of_a

LEARNERS = Path(__file__).resolve().parent / "learners"
ROOT = LEARNERS.parent.parent
DEEP = dict(sizes=[4, 5, 4, 3], m=6, seed=3)  # the random 2-hidden-layer network


def learner(name: str, fn: str = "nnCostFunction") -> str:
    return f"{LEARNERS / name}.py:{fn}"


def line_of(name: str, text: str) -> int:
    """The line number of `text` in tests/learners/NAME.py (so a test never hard-codes it)."""
    lines = (LEARNERS / f"{name}.py").read_text().splitlines()
    return next(i for i, line in enumerate(lines, start=1) if text in line)


# ---------------------------------------------------------------- the variants, against independent references


@pytest.fixture(scope="module")
def course():
    return gradcheck.course_problem()


def test_variant_without_mistakes_is_the_numerical_gradient(course):
    for lam in (0.0, 3.0):
        num = matrix.numerical_gradients(course.thetas, course.X, course.Y, eps=1e-4, loss="cross_entropy", lam=lam)
        v = mistakes.variant_gradient(course, lam)
        assert matrix.relative_difference([v], [mistakes.unroll(num)]) < 1e-9
        assert math.isclose(mistakes.variant_cost(course, lam), matrix.cost(course.thetas, course.X, course.Y,
                            loss="cross_entropy", lam=lam), rel_tol=1e-12)  # fmt: skip


@pytest.mark.parametrize(
    "keys, factor",
    [({"sign"}, -1.0), ({"grad_no_m"}, 5.0), ({"sign", "grad_no_m"}, -5.0)],
)
def test_sign_and_missing_1_over_m_scale_the_numerical_gradient_at_lambda_0(course, keys, factor):
    num = mistakes.unroll(matrix.numerical_gradients(course.thetas, course.X, course.Y, eps=1e-4, loss="cross_entropy"))
    v = mistakes.variant_gradient(course, 0.0, keys)
    np.testing.assert_allclose(v, factor * num, rtol=1e-7, atol=abs(factor) * 1e-11)  # num's noise, scaled


@pytest.mark.parametrize(
    "key, factor, bias",
    [(None, 3 / 5, False), ("grad_reg_2m", 3 / 10, False), ("grad_reg_no_m", 3.0, False),
     ("grad_no_reg", 0.0, False), ("grad_reg_bias", 3 / 5, True)],
)  # fmt: skip
def test_penalty_variants_add_their_factor_times_theta_to_the_unpenalized_numerical_gradient(course, key, factor, bias):
    num = matrix.numerical_gradients(course.thetas, course.X, course.Y, eps=1e-4, loss="cross_entropy", lam=0.0)
    want = []
    for G, T in zip(num, course.thetas):
        penalty = T.copy()
        if not bias:
            penalty[:, 0] = 0.0  # by hand: the bias column carries no penalty
        want.append(G + factor * penalty)
    v = mistakes.variant_gradient(course, 3.0, {key} if key else set())
    np.testing.assert_allclose(v, mistakes.unroll(want), rtol=1e-7, atol=1e-10)


@pytest.mark.parametrize(
    "key, want",
    [(None, 0.3 / 10), ("cost_reg_m", 0.3 / 5), ("cost_reg_no_m", 0.3 / 2), ("cost_no_reg", 0.0)],
)
def test_cost_penalty_variants(course, key, want):
    # λ = 0.3, m = 5: the penalty factor times Σ Θ² over the weight columns, summed here by hand
    total = sum(float(x) ** 2 for T in course.thetas for row in T for x in row[1:])
    data = matrix.cost(course.thetas, course.X, course.Y, loss="cross_entropy")
    got = mistakes.variant_cost(course, 0.3, {key} if key else set())
    assert math.isclose(got, data + want * total, rel_tol=1e-12)
    with_bias = sum(float(x) ** 2 for T in course.thetas for row in T for x in row)
    got = mistakes.variant_cost(course, 0.3, {"cost_reg_bias"})
    assert math.isclose(got, data + 0.3 / 10 * with_bias, rel_tol=1e-12)


def _sig(x):
    return 1.0 / (1.0 + math.exp(-x))


def test_delta_variants_on_a_1_1_1_network_by_hand():
    # one sample x, target y; Θ^(1) = [b1, w1], Θ^(2) = [b2, w2]; worked out with floats and the chain rule
    b1, w1, b2, w2, x, y = 0.1, -0.7, 0.25, 1.3, 0.6, 1.0
    z2 = b1 + w1 * x
    a2 = _sig(z2)
    z3 = b2 + w2 * a2
    a3 = _sig(z3)
    p = mistakes.Problem([np.array([[b1, w1]]), np.array([[b2, w2]])], np.array([[x]]), np.array([[y]]), order="C")

    def grads(d3, factor):  # ∂J/∂Θ^(1) = δ^(2) [1, x], ∂J/∂Θ^(2) = δ^(3) [1, a2], δ^(2) = w2 δ^(3) · factor
        d2 = w2 * d3 * factor
        return [d2, d2 * x, d3, d3 * a2]

    right = grads(a3 - y, a2 * (1 - a2))
    cases = {
        frozenset(): right,
        frozenset({"no_gprime"}): grads(a3 - y, 1.0),
        frozenset({"gprime_of_a"}): grads(a3 - y, _sig(a2) * (1 - _sig(a2))),
        frozenset({"sign"}): grads(y - a3, a2 * (1 - a2)),
        frozenset({"output_extra_gprime"}): grads((a3 - y) * a3 * (1 - a3), a2 * (1 - a2)),
        frozenset({"write_order"}): right,  # 1 × 2 matrices: both orders unroll them the same way
    }
    for keys, want in cases.items():
        np.testing.assert_allclose(mistakes.variant_gradient(p, 0.0, keys), want, rtol=1e-12, err_msg=str(keys))
    # and the right one is the derivative: central differences of J = −[y log a3 + (1 − y) log(1 − a3)]
    num = matrix.numerical_gradients(p.thetas, p.X, p.Y, eps=1e-5, loss="cross_entropy")
    np.testing.assert_allclose(mistakes.unroll(num), right, rtol=1e-8)


def test_labels_off_by_one_by_hand():
    labels = np.array([0, 1, 2])
    assert mistakes.label_matrix(labels, 3).tolist() == np.eye(3).tolist()
    assert mistakes.label_matrix(labels, 3, "labels_down_wrap").argmax(1).tolist() == [2, 0, 1]
    assert mistakes.label_matrix(labels, 3, "labels_down_zero").tolist() == [[0, 0, 0], [1, 0, 0], [0, 1, 0]]
    assert mistakes.label_matrix(labels, 3, "labels_up_wrap").argmax(1).tolist() == [1, 2, 0]
    assert mistakes.label_matrix(labels, 3, "labels_up_zero").tolist() == [[0, 1, 0], [0, 0, 1], [0, 0, 0]]


def test_unrolling_orders_and_a_transposed_read():
    A, B = np.arange(6.0).reshape(2, 3), np.arange(6.0, 18.0).reshape(3, 4)
    v = mistakes.unroll([A, B])
    assert v[:6].tolist() == [0, 1, 2, 3, 4, 5]  # row by row
    assert mistakes.unroll([A], "F").tolist() == [0, 3, 1, 4, 2, 5]  # column by column
    for order in ("C", "F"):
        back = mistakes.reroll(mistakes.unroll([A, B], order), [(2, 3), (3, 4)], order)
        assert [M.tolist() for M in back] == [A.tolist(), B.tolist()]
    # reading a row-major vector column by column is reading (cols × rows) then transposing
    assert mistakes.reroll(v, [(2, 3)], "F")[0].tolist() == v[:6].reshape(3, 2).T.tolist()


def test_names_in_the_seeds_notation():
    assert entry_name(2, 1, 3) == ("Θ^(2)_{1,3}", "to neuron 1 of layer 3 from neuron 3 of layer 2")
    assert entry_name(1, 4, 0) == ("Θ^(1)_{4,0}", "to neuron 4 of layer 2 from the bias of layer 1")
    with pytest.raises(ValueError, match="unknown mistake keys"):
        mistakes.variant_gradient(gradcheck.course_problem(), 0.0, {"typo"})


# ---------------------------------------------------------------- each learner diagnosed as what it is

EXPECTED = {  # file → (the gradient's mistakes, the cost's mistakes); None: no combination reproduces it
    "correct": (set(), set()),
    "no_gprime": ({"no_gprime"}, set()),
    "gprime_of_a": ({"gprime_of_a"}, set()),
    "output_gprime": ({"output_extra_gprime"}, set()),
    "sign_slip": ({"sign"}, set()),
    "no_1_over_m": ({"grad_no_m"}, set()),
    "reg_lambda": ({"grad_reg_no_m"}, set()),
    "reg_half": ({"grad_reg_2m"}, set()),
    "bias_in_gradient": ({"grad_reg_bias"}, set()),
    "bias_in_cost": (set(), {"cost_reg_bias"}),
    "cost_reg_factor": (set(), {"cost_reg_m"}),
    "two_mistakes": ({"no_gprime", "grad_reg_bias"}, set()),
    "column_major": ({"read_order", "write_order"}, {"read_order"}),
    "transposed": ({"read_order"}, {"read_order"}),
    "grad_column_major": ({"write_order"}, set()),
    "labels_one_based": ({"labels_down_wrap"}, {"labels_down_wrap"}),
    "unexplained": (None, set()),
}
SIGNATURES = [
    (name, fn)
    for name in EXPECTED
    for fn in ("nnCostFunction", "cost_theta", "cost_thetas")
    if f"def {fn}(" in (LEARNERS / f"{name}.py").read_text()
]


@pytest.mark.parametrize("name, fn", SIGNATURES, ids=[f"{n}:{f}" for n, f in SIGNATURES])
def test_each_learner_gets_its_verdict_and_diagnosis(name, fn):
    kwargs = {} if fn == "nnCostFunction" else DEEP
    report = check_backprop(learner(name, fn), **kwargs)
    grad, cost = EXPECTED[name]
    assert report.signature == {"nnCostFunction": "course", "cost_theta": "theta", "cost_thetas": "thetas"}[fn]
    assert [r.lam for r in report.runs] == [0.0, 3.0]
    assert report.ok == (name == "correct")
    text = str(report)
    if name == "correct":
        assert report.diagnosis is None and "verdict: RIGHT" in text
        return
    assert "verdict: WRONG" in text
    d = report.diagnosis
    assert d.gradient == (None if grad is None else frozenset(grad))
    if fn == "nnCostFunction" or not cost:
        assert d.cost == frozenset(cost)
    for key in report.mistakes:  # each mistake is said in words, with its line to fix
        assert mistakes.MISTAKES[key].what[:40] in text.replace("\n    ", " ") or key in ("read_order", "write_order")
    lines = text.splitlines()
    if fn == "nnCostFunction":  # the course's 3-5-3: one screen
        assert len(lines) <= 40 and max(len(line) for line in lines) <= 100, text


def test_regularization_mistakes_show_only_with_lambda_above_0():
    assert check_backprop(learner("bias_in_gradient"), lams=[0.0]).ok
    assert check_backprop(learner("bias_in_cost"), lams=[0.0]).ok
    report = check_backprop(learner("bias_in_gradient"), lams=[0.0, 1.0])
    assert not report.ok and [r.gradient_ok for r in report.runs] == [True, False]


def test_the_report_names_the_wrong_entries_with_three_numbers():
    report = check_backprop(learner("no_gprime"))
    run = report.runs[0]
    rows = run.layers
    assert [r.ok for r in rows] == [False, True]  # δ^(3) and Θ^(2) are right; Θ^(1) is not
    worst = run.worst(5)
    assert all(e.layer == 1 for e in worst)
    ref = matrix.backprop(report.problem.thetas, report.problem.X, report.problem.Y, loss="cross_entropy").gradients
    num = matrix.numerical_gradients(report.problem.thetas, report.problem.X, report.problem.Y, loss="cross_entropy")
    for e in worst:
        assert e.reference == ref[0][e.j - 1, e.i]
        assert math.isclose(e.numerical, num[0][e.j - 1, e.i], rel_tol=1e-6)
        assert f"{e.name}  {e.meaning}" in str(report)
    # theirs, recomputed here from the learner's formula: δ^(2) = δ^(3) Θ^(2) without g′
    p = report.problem
    a1 = np.hstack([np.ones((5, 1)), p.X])
    a2 = np.hstack([np.ones((5, 1)), 1 / (1 + np.exp(-a1 @ p.thetas[0].T))])
    d3 = 1 / (1 + np.exp(-a2 @ p.thetas[1].T)) - p.Y
    theirs = ((d3 @ p.thetas[1])[:, 1:]).T @ a1 / 5
    for e in worst:
        assert math.isclose(e.theirs, theirs[e.j - 1, e.i], rel_tol=1e-12)


def test_orders_and_labels_the_learner_uses_are_options():
    assert check_backprop(learner("column_major"), order="F").ok
    assert check_backprop(learner("labels_one_based"), labels=1).ok
    report = check_backprop(learner("correct"), order="F")
    assert report.diagnosis.gradient == {"read_order", "write_order"}
    assert "check with --order C" in str(report) or "use order='F'" in str(report)


def test_labels_1_to_k_read_as_0_to_k_minus_1():
    report = check_backprop(learner("correct"), labels=1)  # np.eye(K)[y] with y = K: an IndexError in their code
    assert "IndexError" in str(report) and "check with --labels 0" in str(report)

    def read_as_0_based(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
        n1 = hidden_layer_size * (input_layer_size + 1)
        thetas = [nn_params[:n1].reshape(hidden_layer_size, -1), nn_params[n1:].reshape(num_labels, -1)]
        Y = (y[:, None] == np.arange(num_labels)).astype(float)  # label K matches no class
        J, grads = correct.backprop(thetas, X, Y, lambda_)
        return J, np.concatenate([G.ravel() for G in grads])

    report = check_backprop(read_as_0_based, labels=1)
    assert report.diagnosis.gradient == {"labels_up_zero"} and report.diagnosis.cost == {"labels_up_zero"}

    def wrapped(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
        return correct.nnCostFunction(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y % num_labels,
                                      lambda_)  # fmt: skip

    assert check_backprop(wrapped, labels=1).diagnosis.gradient == {"labels_up_wrap"}


def test_missing_1_over_m_everywhere_is_said_once():
    def no_m(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
        J, grad = correct.nnCostFunction(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_)
        return J * X.shape[0], grad * X.shape[0]  # Δ + λΘ, and J without its 1/m

    report = check_backprop(no_m)
    assert report.diagnosis.gradient == {"grad_no_m", "grad_reg_no_m"}
    assert report.diagnosis.cost == {"cost_no_m", "cost_reg_no_m"}
    text = str(report)
    assert "no 1/m anywhere in the gradient" in text and "the cost is not divided by m at all" in text
    # the two keys are one mistake listed with one fix: the count says what is listed
    lines = text.splitlines()
    at = lines.index("diagnosis: your gradient is exactly what this mistake gives (at λ = 0 and 3):")
    assert lines[at + 1] == "  • no 1/m anywhere in the gradient: ∂J/∂Θ = Δ + λΘ" and lines[at + 3].startswith(
        "  and your cost is"
    )
    assert "  and your cost is exactly what this gives:" in lines and sum(x.startswith("  • ") for x in lines) == 2


def test_the_count_of_mistakes_is_the_count_of_bullets(tmp_path):
    # Δ without 1/m and λΘ: one merged bullet; with the bias column penalized too, two
    source = (LEARNERS / "correct.py").read_text()
    grad = "Theta1_grad = d2.T @ a1 / m"
    assert grad in source and "Theta1_grad[:, 1:] += lambda_ / m * Theta1[:, 1:]" in source
    one = source.replace("a1 / m\n", "a1\n").replace("a2 / m\n", "a2\n").replace("lambda_ / m *", "lambda_ *")
    two = one.replace("Theta1_grad[:, 1:] += lambda_ * Theta1[:, 1:]", "Theta1_grad += lambda_ * Theta1")
    two = two.replace("Theta2_grad[:, 1:] += lambda_ * Theta2[:, 1:]", "Theta2_grad += lambda_ * Theta2")
    for name, text, n in (("one", one, 1), ("two", two, 2)):
        (tmp_path / f"{name}.py").write_text(text)
        report = check_backprop(f"{tmp_path / name}.py:nnCostFunction")
        assert report.diagnosis.gradient >= {"grad_no_m", "grad_reg_no_m"} and len(report.diagnosis.gradient) == n + 1
        lines = str(report).splitlines()
        head = [x for x in lines if x.startswith("diagnosis: your gradient is exactly what")]
        words = "this mistake gives" if n == 1 else f"these {n} mistakes give"
        assert head == [f"diagnosis: your gradient is exactly what {words} (at λ = 0 and 3):"]
        assert (
            sum(x.startswith("  • ") for x in lines) == n
            and "  • no 1/m anywhere in the gradient: ∂J/∂Θ = Δ + λΘ" in lines
        )


def test_assert_backprop_for_the_learners_own_tests():
    assert assert_backprop(learner("correct")).ok
    with pytest.raises(AssertionError) as exc:
        assert_backprop(learner("sign_slip", "cost_thetas"), sizes=[3, 4, 4, 2])
    assert "δ^(L) = y − a^(L)" in str(exc.value) and "verdict: WRONG" in str(exc.value)


def test_a_function_object_runs_in_the_child_too():
    seen = []

    def wrapped(theta, sizes, X, Y, lam):  # a closure: works because the child is forked
        seen.append(lam)
        return correct.cost_theta(theta, sizes, X, Y, lam)

    report = check_backprop(wrapped, **DEEP)
    assert report.ok and report.signature == "theta"
    assert seen == []  # it ran in the child, not here


# ---------------------------------------------------------------- what their code does wrong besides the math


def misbehaving(fn: str, **kw):
    return check_backprop(learner("misbehaving", fn), **kw)


def test_a_hang_is_reported_not_waited_for():
    report = misbehaving("hangs", timeout=1.0)
    assert not report.ok
    assert report.runs[0].problem == "did not return within 1 s (running it; --timeout 1)"
    assert report.verdict == "NOT CHECKED" and "next: if it is only slow, give it longer: --timeout" in str(report)
    assert "not run" in report.runs[1].problem


def test_an_exception_shows_the_learners_own_traceback():
    report = misbehaving("raises")
    text = report.runs[0].problem
    n = line_of("misbehaving", "d2 = (d3 @ Theta2) * a2[:, 1:]")
    assert f'misbehaving.py", line {n}, in raises' in text
    assert "ValueError: operands could not be broadcast together with shapes (5,6) (5,5)" in text
    assert "nn/" not in text and "sandbox" not in text and "multiprocessing" not in text
    assert report.runs[1].problem is None or "the same as at λ = 0" in str(report)


@pytest.mark.parametrize(
    "fn, says",
    [
        ("short_grad", "grad has 37 entries, expected 38 = 5×4 + 3×6"),
        ("cost_only", "your function returns J only, so your gradient was not checked"),
        ("nan_grad", "the gradient has 1 non-finite entry: Θ^(1)_{1,3}"),
        ("exits", "SystemExit: giving up"),
        ("dies", "ended without returning (exit code 3)"),
        ("asks", "EOFError"),
    ],
)
def test_what_comes_back_wrong_is_named(fn, says):
    report = misbehaving(fn)
    assert not report.ok and says in str(report), str(report)


def test_prints_are_kept_aside(capfd):
    report = misbehaving("chatty")
    assert report.ok
    assert report.output.startswith("J = 2.1009505")
    out, err = capfd.readouterr()
    assert out == "" and err == ""
    assert "(your code printed" in str(report)


def test_a_thetas_gradient_of_the_wrong_shape_says_transposed():
    def transposed(thetas, X, Y, lam):
        J, grads = correct.cost_thetas(thetas, X, Y, lam)
        return J, [G.T for G in grads]

    assert "has shape 4×5, expected 5×4 = s_2 × (s_1 + 1) (transposed?)" in str(check_backprop(transposed))


def test_a_file_that_fails_to_import(tmp_path):
    bad = tmp_path / "broken.py"
    bad.write_text("import numpy as np\n\nx = 1\nraise RuntimeError('oops at import')\n")
    report = check_backprop(f"{bad}:nnCostFunction")
    assert not report.ok and report.load_problem is not None
    assert 'broken.py", line 4, in <module>' in report.load_problem and "RuntimeError: oops at import" in str(report)
    slow = tmp_path / "slow.py"
    slow.write_text("while True:\n    pass\n")
    report = check_backprop(f"{slow}:nnCostFunction", load_timeout=0.5)
    assert "did not return within 0.5 s (loading your file; --load-timeout 0.5)" in str(report)
    assert report.verdict == "NOT CHECKED"


def test_usage_mistakes_are_value_errors(tmp_path):
    with pytest.raises(ValueError, match="no such file"):
        check_backprop(f"{tmp_path}/nope.py:f")
    with pytest.raises(ValueError, match=r"expected FILE.py:NAME"):
        check_backprop("correct.py")
    with pytest.raises(ValueError, match=r"has no function 'nnCost' \(functions defined there: backprop, cost_theta"):
        check_backprop(learner("correct", "nnCost"))
    with pytest.raises(ValueError, match="takes 3 parameters"):
        check_backprop(lambda a, b, c: (0.0, a))
    with pytest.raises(ValueError, match="cannot be called as"):
        check_backprop(learner("correct"), signature="thetas")
    with pytest.raises(ValueError, match="sizes must be 3 numbers"):
        check_backprop(learner("correct"), sizes=[4, 5, 4, 3])
    with pytest.raises(ValueError, match="at most 5000"):
        check_backprop(learner("correct", "cost_theta"), sizes=[100, 100, 10])
    with pytest.raises(ValueError, match="order must be"):
        check_backprop(learner("correct"), order="K")
    with pytest.raises(ValueError, match=r"lams\[1\] must be a finite real number ≥ 0"):
        check_backprop(learner("correct"), lams=[0.0, -1.0])
    with pytest.raises(ValueError, match="timeout"):
        check_backprop(learner("correct"), timeout=0)


# ---------------------------------------------------------------- the command line


def test_cli_exit_codes_and_report(capsys):
    assert main(["check", "--function", learner("correct")]) == 0
    assert "verdict: RIGHT" in capsys.readouterr().out
    assert main(["check", "--function", learner("gprime_of_a")]) == 1
    out = capsys.readouterr().out
    assert "g′ is applied to a^(l), not z^(l)" in out and "Θ^(1)_{" in out
    assert main(["check", "--function", learner("column_major"), "--order", "F"]) == 0
    assert main(["check", "--function", learner("labels_one_based"), "--labels", "1"]) == 0
    argv = ["check", "--function", learner("reg_lambda", "cost_theta"), "--sizes", "4,5,4,3", "--lam", "1"]
    assert main(argv) == 1
    out = capsys.readouterr().out
    assert "signature theta (detected)" in out and "λ = 1" in out and "its 1/m is missing" in out
    assert main(["check", "--function", learner("misbehaving", "hangs"), "--timeout", "0.5"]) == 3


@pytest.mark.parametrize(
    "argv, says",
    [
        (["--function", "no/such/file.py:f"], "no such file: no/such/file.py"),
        (["--function", learner("correct", "nope")], "has no function 'nope'"),
        (["--function", learner("correct"), "--sizes", "4,5,4,3"], "sizes must be 3 numbers"),
        (["--function", learner("correct"), "--course"], "--course and --function"),
        (["--order", "F"], "--order applies to a learner's function"),
        (["--function", learner("correct"), "--loss", "mse"], "the course's nnCostFunction is sigmoid units"),
    ],
)
def test_cli_usage_errors_exit_2(capsys, argv, says):
    assert main(["check", *argv]) == 2
    assert says in capsys.readouterr().err


def test_cli_bad_option_values_exit_2(capsys):
    for argv in (["--order", "X"], ["--labels", "2"], ["--timeout", "0"], ["--signature", "matlab"]):
        with pytest.raises(SystemExit) as exc:
            main(["check", "--function", learner("correct"), *argv])
        assert exc.value.code == 2


def test_console_command_on_an_example_implementation():
    r = subprocess.run(
        [sys.executable, "-m", "nn.cli", "check", "--function", "tests/learners/no_gprime.py:nnCostFunction"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert r.returncode == 1, r.stderr
    assert "hidden δ's without the factor g′(z^(l))" in r.stdout
    assert "chainrule check: nnCostFunction in tests/learners/no_gprime.py" in r.stdout


def _tanh_mse(thetas, X, Y, lam, output_gprime):
    """A learner's tanh hidden layers, sigmoid output, squared error (written here, per layer)."""
    m, acts = X.shape[0], [X]
    for l, T in enumerate(thetas):
        z = np.hstack([np.ones((m, 1)), acts[-1]]) @ T.T
        acts.append(np.tanh(z) if l < len(thetas) - 1 else 1 / (1 + np.exp(-z)))
    h = acts[-1]
    J = np.sum((h - Y) ** 2) / (2 * m) + lam / (2 * m) * sum(np.sum(T[:, 1:] ** 2) for T in thetas)
    d = (h - Y) * (h * (1 - h) if output_gprime else 1.0)
    grads = [None] * len(thetas)
    for l in reversed(range(len(thetas))):
        grads[l] = d.T @ np.hstack([np.ones((m, 1)), acts[l]]) / m
        grads[l][:, 1:] += lam / m * thetas[l][:, 1:]
        if l:
            d = (d @ thetas[l])[:, 1:] * (1 - acts[l] ** 2)
    return J, grads


def test_other_units_and_costs_with_the_thetas_signature():
    kw = dict(sizes=[3, 4, 4, 2], activation="tanh", output_activation="sigmoid", loss="mse")

    def right(thetas, X, Y, lam):
        return _tanh_mse(thetas, X, Y, lam, True)

    def no_output_gprime(thetas, X, Y, lam):
        return _tanh_mse(thetas, X, Y, lam, False)

    assert check_backprop(right, **kw).ok
    report = check_backprop(no_output_gprime, **kw)
    assert report.diagnosis.gradient == {"output_no_gprime"} and "tanh → sigmoid, mse" in str(report)
    with pytest.raises(ValueError, match="needs outputs in"):
        check_backprop(right, sizes=[3, 4, 2], output_activation="tanh")


def test_a_function_taking_star_args_is_called_with_the_course_signature():
    def anything(*args):
        return correct.nnCostFunction(*args)

    assert check_backprop(anything).ok


def test_the_course_signature_on_a_random_network_of_other_sizes():
    report = check_backprop(learner("no_gprime"), sizes=[4, 6, 3], m=7, seed=2)
    assert report.diagnosis.gradient == {"no_gprime"}
    assert "network 4-6-3, random" in str(report) and report.problem.m == 7
    assert sorted(set(report.problem.labels.tolist())) == [0, 1, 2]  # every class present
    assert check_backprop(learner("correct"), sizes=[4, 6, 3], m=7, seed=2).ok


# ---------------------------------------------------------------- a one-parameter f(theta) on the learner's own data

OWN = LEARNERS / "own_data.py"


@pytest.fixture(scope="module")
def own_data():
    """The learner's batch and λ, read from their file as the child reads it (its folder on sys.path)."""
    before = set(sys.modules)
    sys.path.insert(0, str(LEARNERS))
    try:
        ns = runpy.run_path(str(OWN))
    finally:
        sys.path.remove(str(LEARNERS))
        for name in set(sys.modules) - before:  # their `import correct`: not left behind for other tests
            del sys.modules[name]
    return ns["X"], ns["Y"], ns["LAM"]


def test_a_right_one_parameter_closure_agrees_with_central_differences_of_its_own_cost(own_data):
    X, Y, lam = own_data
    report = check_backprop(f"{OWN}:cost", sizes=[3, 5, 3])
    assert isinstance(report, gradcheck.OwnDataReport) and report.signature == "theta" and report.detected
    assert report.ok and report.calls == 2 * 38 + 1 and report.mistakes == frozenset()
    # the point: the course's random initialization for 3-5-3, seed 0
    thetas = matrix.random_thetas([3, 5, 3], seed=0)
    np.testing.assert_array_equal(report.theta, mistakes.unroll(thetas))
    # an independent reference on their data: the matrix implementation's cost and gradient
    ref = matrix.backprop(thetas, X, Y, loss="cross_entropy", lam=lam)
    assert math.isclose(report.cost, ref.cost, rel_tol=1e-12)
    for N, G in zip(report.numerical, ref.gradients):
        np.testing.assert_allclose(N, G, rtol=1e-6, atol=1e-9)
    assert 1e-12 < report.relative < 1e-9  # about 1e-10: central differences with ε = 1e-4
    assert all(1e-12 < row.relative < 1e-9 for row in report.layers)
    text = str(report)
    assert "signature theta (detected)" in text and "verdict: RIGHT" in text
    assert text.count("λ = 0 and λ > 0 do not apply") == 1 and "seed 0" in text
    lines = text.splitlines()
    assert len(lines) <= 40 and max(len(line) for line in lines) <= 100, text
    # data passed as defaults: still one parameter without a default, called as f(theta)
    assert check_backprop(f"{OWN}:cost_and_more", sizes=[3, 5, 3]).ok


def test_a_wrong_one_parameter_closure_names_the_entries_and_says_the_diagnosis_needs_the_data(own_data):
    X, Y, lam = own_data
    report = check_backprop(f"{OWN}:cost_gprime_of_a", sizes=[3, 5, 3])
    assert not report.ok and [row.ok for row in report.layers] == [False, True]  # δ^(3) right, δ^(2) not
    thetas = matrix.random_thetas([3, 5, 3], seed=0)
    _, theirs = gprime_of_a.backprop(thetas, X, Y, lam)  # the learner's formula, run here
    right = matrix.backprop(thetas, X, Y, loss="cross_entropy", lam=lam).gradients
    diffs = sorted(
        ((abs(theirs[l][r, c] - right[l][r, c]), entry_name(l + 1, r + 1, c)[0])
         for l in range(2) for r, c in np.ndindex(right[l].shape)),
        reverse=True,
    )  # fmt: skip
    worst = report.worst(5)
    assert [e.name for e in worst] == [name for _, name in diffs[:5]]
    for e in worst:
        assert e.layer == 1 and e.reference is None
        assert math.isclose(e.theirs, theirs[0][e.j - 1, e.i], rel_tol=1e-12)
        assert math.isclose(e.numerical, right[0][e.j - 1, e.i], rel_tol=1e-6)
    text = str(report)
    assert all(f"{e.name}  {e.meaning}" in text for e in worst)
    assert "diagnosis: naming the mistake needs the data" in text and "exactly what" not in text
    assert "verdict: WRONG — your gradient is not the gradient of your cost" in text
    # --order F: θ unrolled column by column, their gradient read back the same way to name its entries
    report = check_backprop(f"{OWN}:cost_gprime_of_a", sizes=[3, 5, 3], order="F")
    theta = mistakes.unroll(thetas, "F")
    np.testing.assert_array_equal(report.theta, theta)
    their_thetas = mistakes.reroll(theta, [(5, 4), (3, 6)], "C")  # how their row-major code reads it
    _, g = gprime_of_a.backprop(their_thetas, X, Y, lam)
    for G, want in zip(report.gradients, mistakes.reroll(mistakes.unroll(g), [(5, 4), (3, 6)], "F")):
        np.testing.assert_array_equal(G, want)
    assert "unrolled column-major (order F)" in str(report)


def test_sizes_that_do_not_fit_the_closure():
    report = check_backprop(f"{OWN}:cost", sizes=[3, 4, 3])  # θ of 31 entries; their code reshapes 38
    assert not report.ok and "ValueError: cannot reshape array of size 11 into shape (3,6)" in str(report)
    assert "θ has 31 entries = 4×4 + 3×5 (sizes 3-4-3)" in str(report)
    with pytest.raises(ValueError, match=r"returned a gradient of 38 entries, but sizes 3-6-3 give θ 45 entries"):
        check_backprop(f"{OWN}:cost_padded", sizes=[3, 6, 3])
    with pytest.raises(ValueError, match=r"pass its layer sizes \(sizes=\[3, 5, 3\], --sizes 3,5,3\)"):
        check_backprop(f"{OWN}:cost")
    with pytest.raises(ValueError, match=r"λ \(lams=, --lam\) does not apply to a one-parameter f\(theta\)"):
        check_backprop(f"{OWN}:cost", sizes=[3, 5, 3], lams=[0.0, 1.0])
    with pytest.raises(ValueError, match=r"labels \(--labels\), loss \(--loss\) do not apply"):
        check_backprop(f"{OWN}:cost", sizes=[3, 5, 3], labels=1, loss="mse")


def test_the_number_and_the_time_of_the_calls_are_bounded():
    # 11110 entries: 22221 calls of their function, refused before any
    with pytest.raises(ValueError, match=r"2n \+ 1 = 22221 calls of it; at most 10001"):
        check_backprop(f"{OWN}:cost", sizes=[100, 100, 10])

    def slow(theta):  # J = θ·θ, ∂J/∂θ = 2θ; 0.3 s a call
        time.sleep(0.3)
        return float(theta @ theta), 2 * theta

    # n = 2 (sizes 1-1): the first call says the other 4 would need about 1.2 s
    with pytest.raises(ValueError, match=r"the 4 more calls of central differences would take about 1 s, over the "
                                         r"overall limit of 0.5 s"):  # fmt: skip
        check_backprop(slow, sizes=[1, 1], overall_timeout=0.5)
    calls = []

    def slow_later(theta):  # fast at θ, then 0.3 s a call: stopped once past the limit
        calls.append(1)  # in the child: counts its own calls
        time.sleep(0.3 * (len(calls) > 1))
        return float(theta @ theta), 2 * theta

    with pytest.raises(ValueError, match=r"stopped after 3 of 5 calls .* over the overall limit of 0.5 s"):
        check_backprop(slow_later, sizes=[1, 1], overall_timeout=0.5)
    report = check_backprop(slow_later, sizes=[1, 1], timeout=0.1)  # each call's own limit, as before
    assert report.problem.startswith("at θ + ε at Θ^(1)_{1,0}: did not return within 0.1 s")
    assert report.verdict == "NOT CHECKED" and "give it longer: --timeout" in str(report)


def test_cli_on_a_one_parameter_function(capsys):
    assert main(["check", "--function", f"{OWN}:cost", "--sizes", "3,5,3"]) == 0
    out = capsys.readouterr().out
    assert (
        "called as (theta) → (J, grad): one parameter, a closure over your own X, y and λ" in out
        and "verdict: RIGHT" in out
    )
    assert main(["check", "--function", f"{OWN}:cost_gprime_of_a", "--sizes", "3,5,3"]) == 1
    assert "Θ^(1)_{" in capsys.readouterr().out
    assert main(["check", "--function", f"{OWN}:cost", "--sizes", "3,5,3", "--lam", "1"]) == 2
    assert "λ (lams=, --lam) does not apply" in capsys.readouterr().err
    assert main(["check", "--function", f"{OWN}:cost"]) == 2
    assert "pass its layer sizes" in capsys.readouterr().err


def test_the_readme_shows_the_report_of_a_one_parameter_closure():
    # the README's report, digits masked (the last digits of rounding errors vary between NumPy builds)
    readme = (ROOT / "README.md").read_text()
    command = "chainrule check --function tests/learners/own_data.py:cost_gprime_of_a --sizes 3,5,3"
    assert readme.count(command) == 1
    shown = readme.split(command)[1].split("```")[0]
    report = check_backprop(f"{OWN.relative_to(ROOT)}:cost_gprime_of_a", sizes=[3, 5, 3])
    digits = re.compile(r"\d+")
    assert digits.sub("#", shown.strip()) == digits.sub("#", str(report))


def test_the_readme_shows_the_report_of_two_mistakes():
    readme = (ROOT / "README.md").read_text()
    intro = "On `tests/learners/two_mistakes.py` (exit code 1):"
    assert readme.count(intro) == 1
    shown = readme.split(intro)[1].split("```")[1]
    report = check_backprop("tests/learners/two_mistakes.py:nnCostFunction")
    digits = re.compile(r"\d+")
    assert digits.sub("#", shown.strip()) == digits.sub("#", str(report)) and report.exit_code == 1
