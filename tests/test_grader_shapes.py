"""The shapes real code has (nn.grader.conventions), its own cost as a second reference (owndata), and what
the report says when no classic mistake explains the numbers (explain): each with a learner file.

The references are independent of the learner: the matrix implementation (`nn.matrix`) for the right
cost and gradient, and the learner's formula recomputed here where the report names a ratio.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from nn import matrix
from nn.grader import check_backprop, course_problem, random_problem
from nn.grader.conventions import detect
from tests.grader_helpers import chainrule_check, learner

# ---------------------------------------------------------------- detection


@pytest.mark.parametrize(
    "names, want",
    [
        ("nn_params input_layer_size hidden_layer_size num_labels X y lambda_", ("course", 2)),
        ("nn_params s1 h1 h2 num_labels X y lambda_", ("course", 3)),
        ("Theta1 Theta2 X y lambda_", ("separate", 2)),
        ("theta1 theta2 theta3 X y lam", ("separate", 3)),
        ("theta sizes X Y lam", ("theta", None)),
        ("thetas X Y lam", ("thetas", None)),
    ],
)
def test_signatures_are_detected_from_the_parameters(names, want):
    assert detect([(n, False) for n in names.split()]) == want


# ---------------------------------------------------------------- the shapes


def test_a_cost_without_its_gradient_is_checked_and_the_gradient_not():
    r = chainrule_check("--function", learner("cost_and_gradient_apart", "nnCost"))
    assert r.returncode == 3, r.stdout + r.stderr
    assert "gradient  not returned (your function returns J only): NOT CHECKED" in r.stdout
    assert "--gradient FILE:NAME" in r.stdout
    grad = learner("cost_and_gradient_apart", "nnGrad")
    r = chainrule_check("--function", learner("cost_and_gradient_apart", "nnCost"), "--gradient", grad)
    assert r.returncode == 0 and "its gradient from nnGrad in" in r.stdout, r.stdout
    # a J-only cost that is wrong is WRONG without its gradient: its numbers were compared
    report = check_backprop(learner("cost_and_gradient_apart", "nnCostTimesTwo"))
    p = course_problem()
    for run in report.runs:
        assert math.isclose(run.cost, 2 * matrix.cost(p.thetas, p.X, p.Y, loss="cross_entropy", lam=run.lam))
    assert report.verdict == "WRONG" and "exactly 2 times the course's" in str(report)


def test_one_hot_y_is_tried_when_labels_fail_and_said():
    report = check_backprop(learner("onehot_y"))
    assert report.ok and report.onehot
    text = " ".join(str(report).split())
    assert "y passed one-hot (m × K): with labels y your function failed (ValueError: operands could not be " \
           "broadcast together with shapes (5,) (5,3))" in text and "--y onehot" in text  # fmt: skip
    assert check_backprop(learner("onehot_y"), y="onehot").onehot_note == ""
    r = chainrule_check("--function", learner("onehot_y"), "--y", "labels")
    assert r.returncode == 3 and "broadcast" in r.stdout  # told labels: no retry, nothing compared


def test_thetas_as_separate_arguments_and_more_layers():
    report = check_backprop(learner("separate_thetas"))
    assert report.signature == "separate" and report.ok
    assert "called as (Theta1, Theta2, X, y, lambda_) → (J, grad)" in str(report)
    report = check_backprop(learner("separate_thetas", "nnCostFunction3"), sizes=[4, 6, 5, 3], m=7)
    assert report.ok and len(report.problem.thetas) == 3
    report = check_backprop(learner("two_hidden"))  # 8 parameters: the course's signature, two hidden layers
    assert report.signature == "course" and report.ok and report.problem.sizes == [3, 5, 4, 3]
    assert "called as (nn_params, input_layer_size, hidden_layer_size1, hidden_layer_size2, num_labels" in str(report)
    with pytest.raises(ValueError, match=r"sizes must be 4 numbers"):
        check_backprop(learner("two_hidden"), sizes=[3, 5, 3])


def test_a_softmax_output_with_the_course_signature():
    report = check_backprop(learner("softmax_output"), loss="softmax_cross_entropy")
    p = report.problem
    assert report.ok and p.output_activation == "linear"  # the softmax is the cost's: no sigmoid under it
    want = matrix.backprop(p.thetas, p.X, p.Y, "sigmoid", "linear", "softmax_cross_entropy", lam=3.0)
    assert math.isclose(report.runs[1].cost, want.cost, rel_tol=1e-12)
    assert "sigmoid → softmax, softmax cross-entropy" in str(report)
    # checked as the course's sigmoid cross-entropy: a different cost, its gradient the gradient of that cost
    report = check_backprop(learner("softmax_output"))
    text = " ".join(str(report).split())
    assert report.verdict == "WRONG" and all(r.own_ok for r in report.runs)
    assert "your backprop is right for your cost" in text and "check with --loss softmax_cross_entropy" in text


def test_softmax_through_a_wrapper_is_not_softmax_of_sigmoids():
    p = random_problem([3, 4, 3], loss="softmax_cross_entropy")
    assert p.output_activation == "linear"
    assert random_problem([3, 4, 3], loss="softmax_cross_entropy", output_activation="sigmoid").output_activation \
        == "sigmoid"  # asked for: kept  # fmt: skip

    def softmax_theta(theta, sizes, X, Y, lam):
        thetas = matrix.reroll(theta, [(b, a + 1) for a, b in zip(sizes, sizes[1:])])
        res = matrix.backprop(thetas, X, Y, "sigmoid", "linear", "softmax_cross_entropy", lam)
        return res.cost, matrix.unroll(res.gradients)

    assert check_backprop(softmax_theta, sizes=[3, 4, 3], loss="softmax_cross_entropy").ok


def test_float32_learners_are_judged_at_float32_precision():
    report = check_backprop(learner("float32"))
    assert report.ok and all(r.float32 for r in report.runs)
    # their numbers really are float32's: about 1e-8 from the float64 reference, not 1e-16
    assert all(1e-10 < row.relative < 1e-6 for r in report.runs for row in r.layers)
    assert all(r.own.epsilon == 1e-2 and r.own_ok for r in report.runs)
    assert "(ε = 1e-2)" in str(report)
    report = check_backprop(learner("float32", "no_gprime"))  # the looser bar does not hide a mistake
    assert report.verdict == "WRONG" and report.diagnosis.gradient == {"no_gprime"}


# ---------------------------------------------------------------- their own cost, beside the reference


def test_the_own_cost_check_is_reported_in_every_mode():
    report = check_backprop(learner("correct"))
    p = course_problem()
    for run in report.runs:  # central differences of their cost = of the right cost, computed here
        num = matrix.numerical_gradients(p.thetas, p.X, p.Y, eps=1e-4, loss="cross_entropy", lam=run.lam)
        for N, M in zip(run.own.numerical, num):
            np.testing.assert_allclose(N, M, rtol=1e-7, atol=1e-10)  # two roundings of the same differences
    assert str(report).count("your own cost's slope (ε = 1e-4)") == 2
    report = check_backprop(learner("gprime_of_a", "cost_thetas"), sizes=[4, 5, 4, 3], m=6, seed=3)
    assert [r.own_ok for r in report.runs] == [False, False]


def test_a_cost_averaged_over_m_times_k_is_named_by_its_ratio():
    report = check_backprop(learner("other_costs", "mean_over_mk"))
    p = course_problem()
    for run in report.runs:  # theirs / the course's, computed here
        right = matrix.cost(p.thetas, p.X, p.Y, loss="cross_entropy", lam=run.lam)
        assert math.isclose(run.cost / right, 1 / 3, rel_tol=1e-12)
    text = " ".join(str(report).split())
    assert report.diagnosis.gradient is None and all(r.own_ok for r in report.runs)
    assert "your backprop is right for your cost" in text
    assert "but your cost is a different function from the course's — exactly 1/3 (1/K, K = 3) of the course's" in text


def test_y_used_without_one_hot_encoding_is_a_different_cost_and_said():
    report = check_backprop(learner("other_costs", "y_as_is"))
    text = " ".join(str(report).split())
    assert report.verdict == "WRONG" and all(r.own_ok for r in report.runs)
    assert "it is the course's cost with y used as it is, not one-hot encoded" in text


def test_a_wrong_penalty_says_backprop_is_wrong_for_your_cost_and_no_delta_hint():
    report = check_backprop(learner("other_costs", "penalty_typo"))
    text = str(report)
    assert [r.own_ok for r in report.runs] == [True, False]  # λ = 0 right; λ = 3 not the gradient of their cost
    assert "your backprop is wrong for your own cost" in " ".join(text.split())
    assert "Θ^(1) only with λ > 0: look at the penalty terms" in text
    assert "look at δ^(" not in text  # the δ's are right: only the λ > 0 part of Θ^(1) is wrong


def test_column_major_code_is_told_order_f_first_and_exactly_with_it():
    report = check_backprop(learner("column_major_penalty"))
    text = str(report)
    assert "diagnosis: first: your cost is exactly the course's with θ read column by column" in text
    assert "Check again with --order F" in " ".join(text.split())
    assert "entries farthest" not in text and "row-major, as ravel() unrolls" not in text
    report = check_backprop(learner("column_major_penalty"), order="F")
    text = str(report)
    assert report.runs[0].ok and report.runs[1].cost_ok and not report.runs[1].gradient_ok
    assert "order F" in text and "first:" not in text and "look at the penalty terms" in text


# ---------------------------------------------------------------- the smaller items


def test_an_exception_gets_a_hint_in_the_courses_notation_not_fix_what_it_returns():
    report = check_backprop(learner("misbehaving", "raises"))
    text = " ".join(str(report).split())
    assert report.verdict == "NOT CHECKED"
    assert "fix what your function returns" not in text
    assert "shapes 5×6 and 5×5 are m × (s_2 + 1) and m × s_2 (m = 5, s_2 = 5)" in text
    assert "δ^(2) = (δ^(3) Θ^(2))[:, 1:] ⊙ g′(z^(2))" in text


def test_relative_differences_of_one_or_more_are_said_as_such():
    report = check_backprop(learner("sign_slip"))
    rows = [row for r in report.runs for row in r.layers if row.relative >= 1]
    assert rows  # δ^(L) = y − a: the gradient points away from the reference
    text = str(report)
    assert "≥ 1 (*)" in text and "(*) ‖diff‖/‖sum‖ ≥ 1: your gradient points away from the reference" in text
    assert "e+0" not in text and "e+1" not in text
