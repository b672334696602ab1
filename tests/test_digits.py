"""The handwritten digits: the data split, the cross-check on a real batch, both trainings, the pictures, the CLI."""

from __future__ import annotations

import math
import re
import sys

import numpy as np
import pytest

import nn
from autograd import topological_order
from nn import digits, matrix
from nn.cli import main
from nn.data import DIGITS_EXTRA, Digits

sklearn_datasets = pytest.importorskip("sklearn.datasets")  # the `digits` extra; part of [dev]


@pytest.fixture(scope="module")
def data() -> Digits:
    return nn.data.digits(seed=0)


# ---------------------------------------------------------------- the data


def test_split_sizes_ranges_and_labels(data):
    assert data.X_train.shape == (1437, 64) and data.X_test.shape == (360, 64)  # ⌈0.2 · 1797⌉ = 360
    assert data.y_train.shape == (1437,) and data.y_test.shape == (360,)
    for X in (data.X_train, data.X_test):
        assert X.dtype == np.float64 and X.min() == 0.0 and X.max() == 1.0
        assert np.all(np.isin(np.round(X * 16, 9), np.arange(17)))  # 0..16 scaled by 1/16, nothing else
    assert set(data.y_train.tolist()) == set(data.y_test.tolist()) == set(range(10))
    assert repr(data).startswith("Digits(train 1437 × 64, test 360 × 64")


def test_split_is_the_whole_set_once(data):
    # an independent reference: scikit-learn's own array, not through nn.data
    raw = sklearn_datasets.load_digits()
    everything = np.vstack([data.X_train, data.X_test]) * 16.0
    labels = np.concatenate([data.y_train, data.y_test])
    key = lambda X, y: sorted(map(tuple, np.c_[X, y].round(9).tolist()))  # noqa: E731
    assert key(everything, labels) == key(raw.data, raw.target)


def test_split_is_stratified(data):
    per_class = np.bincount(sklearn_datasets.load_digits().target, minlength=10)  # 174..183 per digit
    test = np.bincount(data.y_test, minlength=10)
    assert np.all(np.abs(test - 0.2 * per_class) <= 1.0), (test, per_class)
    half = nn.data.digits(seed=3, test_fraction=0.5)
    assert np.all(np.abs(np.bincount(half.y_test, minlength=10) - 0.5 * per_class) <= 1.0)
    assert len(half.y_test) == 899  # ⌈0.5 · 1797⌉


def test_split_is_determined_by_the_seed(data):
    again = nn.data.digits(seed=0)
    assert all(np.array_equal(a, b) for a, b in zip(data[:4], again[:4]))
    other = nn.data.digits(seed=1)
    assert not np.array_equal(data.y_test, other.y_test)
    again.X_train[0, 0] = 99.0  # fresh arrays: changing one split never changes the next
    assert nn.data.digits(seed=0).X_train[0, 0] == data.X_train[0, 0]


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"seed": -1}, ValueError, "seed"),
        ({"seed": 1.5}, TypeError, "seed"),
        ({"seed": True}, TypeError, "seed"),
        ({"seed": 2**32}, ValueError, "seed must be an integer ≥ 0 and ≤ 4294967295"),
        ({"test_fraction": 0}, ValueError, "test_fraction"),
        ({"test_fraction": 1.0}, ValueError, "test_fraction"),
        ({"test_fraction": "a fifth"}, TypeError, "test_fraction"),
        ({"test_fraction": 0.002}, ValueError, "at least 10"),
    ],
)
def test_split_bad_arguments(kwargs, error, words):
    with pytest.raises(error, match=words):
        nn.data.digits(**kwargs)


def test_missing_scikit_learn_is_one_clear_line(monkeypatch, tmp_path, capsys):
    import nn.data as data_module

    data_module._load_digits.cache_clear()
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)  # import sklearn.datasets now fails
    monkeypatch.setitem(sys.modules, "sklearn.model_selection", None)
    try:
        with pytest.raises(ImportError) as info:
            nn.data.digits()
        assert "\n" not in str(info.value) and str(info.value).endswith(DIGITS_EXTRA)
        assert str(info.value).startswith("nn.data.digits needs scikit-learn, which is not installed")
        assert main(["digits", "-o", str(tmp_path)]) == 2
        err = capsys.readouterr().err.strip()
        assert err.count("\n") == 0 and err.endswith(DIGITS_EXTRA) and "chainrule[digits]" not in err, err
    finally:
        data_module._load_digits.cache_clear()


# ---------------------------------------------------------------- constant inputs in the engine


def test_constant_inputs_give_the_same_floats_with_fewer_nodes():
    x = [0.25, -0.5, 0.75, 0.0, 1.0]
    for fused in (True, False):
        for bias in (True, False):
            mlp = nn.MLP(5, [4, 3], "tanh", "sigmoid", bias=bias, fused=fused, seed=2)
            grads, outs, nodes = [], [], []
            for const in (False, True):
                out = mlp(x, constant_inputs=const)
                J = nn.cross_entropy([out], [[0.0, 1.0, 0.0]])  # one sample of K = 3 outputs
                mlp.zero_grad()
                J.backward()
                outs.append([a.data for a in out])
                grads.append([p.grad for p in mlp.parameters()])
                nodes.append(len(topological_order(J)))
            assert outs[0] == outs[1] and grads[0] == grads[1]  # bit for bit
            # fused: the 5 input leaves are gone; elementary neurons keep constant leaves either way
            assert nodes[1] == nodes[0] - (5 if fused else 0)
    mlp = nn.MLP(3, [2], seed=0)
    z = mlp([1, 2, 3], constant_inputs=True)[0].parents[0]  # ints are numbers too
    assert z.op == "Σwc+b" and len(z.parents) == 4 and z.local_grads == (1.0, 2.0, 3.0, 1.0)
    with pytest.raises(TypeError, match=r"constant_inputs=True\): x\[0\] must be a real number, got Value"):
        mlp([nn.MLP(1, [1]).parameters()[0], 1.0, 2.0], constant_inputs=True)
    with pytest.raises(ValueError, match="expected 3 inputs"):
        mlp([1.0, 2.0], constant_inputs=True)


# ---------------------------------------------------------------- the cross-check on real data


def test_engine_and_matrix_agree_on_a_real_batch(data):
    report = digits.check_before_training(data, hidden=25, lam=1.0, seed=0, batch_size=32)
    assert report.ok and len(report.rows) == 2
    assert all(r.relative < 1e-9 for r in report.rows), report
    assert "32 training images" in report.title and "verdict: they agree" in str(report)
    # the same numbers by hand: the matrix gradient of that batch with λ over the whole set's M
    _, mlp, _, order = digits._start(data, 25, 0, 32)
    batch = order[:32]
    thetas = nn.thetas_from_mlp(mlp)
    M = len(data.y_train)
    X, Y = data.X_train[batch], np.eye(10)[data.y_train[batch]]
    res = matrix.backprop(thetas, X, Y, loss="cross_entropy", lam=32 / M)
    J = nn.cross_entropy([mlp(x) for x in X.tolist()], Y.tolist()) + nn.l2(mlp, 1.0, M)
    assert J.data == pytest.approx(res.cost, rel=1e-13)


def test_a_wrong_gradient_on_the_real_batch_is_caught(data, monkeypatch):
    real = matrix.backprop

    def wrong(*args, **kwargs):
        res = real(*args, **kwargs)
        res.gradients[1][3, 4] *= 1.0 + 1e-6
        return res

    monkeypatch.setattr(digits.matrix, "backprop", wrong)
    report = digits.check_before_training(data)
    assert not report.ok and [r.ok for r in report.rows] == [True, False]
    with pytest.raises(RuntimeError, match="disagree"):
        digits.train_scalar(data, epochs=1)


# ---------------------------------------------------------------- training both ways


def test_matrix_training_reaches_96_percent(data):
    result = digits.train_matrix(data)  # λ = 1, 25 hidden units, L-BFGS-B
    assert result.test_accuracy >= 0.96, result
    assert result.train_accuracy >= result.test_accuracy - 0.01
    # the accuracy is what the Θ's give, recomputed here from the forward pass
    pred = matrix.forward(result.thetas, data.X_test).output.argmax(axis=1)
    assert np.array_equal(pred, result.predictions)
    assert result.test_accuracy == np.mean(pred == data.y_test)
    assert [T.shape for T in result.thetas] == [(25, 65), (10, 26)]
    costs = [s.cost for s in result.history]
    assert costs[-1] < 0.6 < costs[0] and costs[-1] == pytest.approx(
        matrix.cost(result.thetas, data.X_train, np.eye(10)[data.y_train], loss="cross_entropy", lam=1.0), rel=1e-12
    )
    assert repr(result).startswith("DigitsResult(matrix, 64-25-10, λ = 1, L-BFGS-B")


def test_short_scalar_run_really_learns(data):
    result = digits.train_scalar(data, epochs=2, seed=0)  # measured: 81.7% after 2 epochs (chance: 10%)
    assert result.test_accuracy >= 0.70, result
    assert len(result.history) == 2 and result.history[1].cost < result.history[0].cost
    assert result.check is not None and result.check.ok
    # the engine's predictions are those of its Θ's in the matrix implementation
    pred = matrix.forward(result.thetas, data.X_test).output.argmax(axis=1)
    assert np.array_equal(pred, result.predictions)


def test_roll_and_unroll():
    thetas = matrix.random_thetas([64, 25, 10], seed=0)
    v = digits.unroll(thetas)
    assert v.shape == (25 * 65 + 10 * 26,) and v[0] == thetas[0][0, 0] and v[65] == thetas[0][1, 0]
    back = digits.roll(v, [64, 25, 10])
    assert all(np.array_equal(a, b) for a, b in zip(thetas, back))
    with pytest.raises(ValueError, match="1885 numbers"):
        digits.roll(v[:-1], [64, 25, 10])


@pytest.mark.parametrize(
    "train, kwargs, error, words",
    [
        ("train_matrix", {"hidden": 0}, ValueError, "hidden"),
        ("train_matrix", {"lam": -1.0}, ValueError, "lam"),
        ("train_matrix", {"lam": "one"}, TypeError, "lam"),
        ("train_matrix", {"iterations": 0}, ValueError, "iterations"),
        ("train_matrix", {"method": "BFGS"}, ValueError, "method"),
        ("train_scalar", {"epochs": 0}, ValueError, "epochs"),
        ("train_scalar", {"lr": 0.0}, ValueError, "lr"),
        ("train_scalar", {"batch_size": 2.5}, TypeError, "batch_size"),
        ("train_scalar", {"seed": -3}, ValueError, "seed"),
        ("train_scalar", {"lr": "0.1"}, TypeError, "lr"),
        ("train_scalar", {"lr": math.nan}, ValueError, "lr"),
        ("train_scalar", {"check": "no"}, TypeError, "check"),
    ],
)
def test_training_bad_arguments(data, train, kwargs, error, words):
    with pytest.raises(error, match=f"{train}: {words}"):
        getattr(digits, train)(data, **kwargs)


def test_train_scalar_stops_at_the_first_non_finite_cost(data):
    # Adam's steps are ~lr whatever the gradient: at lr = 1e300 the weights reach ±1e300 in one step and the
    # penalty λ/(2M)Σw² overflows (it used to end with cost NaN and 10% accuracy, without a word)
    with pytest.raises(
        FloatingPointError,
        match=r"train_scalar: the cost is inf at epoch 1, batch 2 of 45; the steps diverged: try a smaller learning "
        r"rate than lr=1e\+300",
    ):
        digits.train_scalar(data, epochs=1, lr=1e300, check=False)


def test_training_needs_the_digits():
    with pytest.raises(TypeError, match="nn.data.digits"):
        digits.train_matrix((np.zeros((3, 64)), np.zeros(3)))


# ---------------------------------------------------------------- pictures


def test_confusion_matrix_by_hand():
    cm = digits.confusion_matrix(np.array([0, 0, 1, 2, 2, 2]), np.array([0, 1, 1, 2, 0, 2]), k=3)
    assert cm.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]  # row = true digit, column = predicted


def test_figures_show_the_numbers(data):
    theta1 = matrix.random_thetas([64, 7, 10], seed=5)[0]
    fig = digits.hidden_units_figure(theta1)
    shown = [ax.images[0].get_array() for ax in fig.axes if ax.images]
    assert len(shown) == 7 and all(a.shape == (8, 8) for a in shown)
    assert all(np.array_equal(a, theta1[j, 1:].reshape(8, 8)) for j, a in enumerate(shown))  # bias left out
    y = data.y_test
    pred = np.where(np.arange(len(y)) % 45 == 0, (y + 1) % 10, y)  # 8 mistakes: images 0, 45, …, 315
    fig = digits.misclassified_figure(data.X_test, y, pred)
    axes = [ax for ax in fig.axes if ax.images]
    assert [ax.get_title() for ax in axes] == [f"{y[i]} → {(y[i] + 1) % 10}" for i in range(0, 360, 45)]
    assert np.array_equal(axes[1].images[0].get_array(), data.X_test[45].reshape(8, 8))
    assert len([ax for ax in digits.misclassified_figure(data.X_test, y, pred, limit=3).axes if ax.images]) == 3
    fig = digits.confusion_figure(y, pred)
    texts = {t.get_text() for t in fig.axes[0].texts}
    assert str(int(np.sum((y == 0) & (pred == 0)))) in texts


def test_pictures_are_written_as_pngs(data, tmp_path):
    import matplotlib.image

    result = digits.train_matrix(data, iterations=20)
    paths = digits.save_pictures(result, data, tmp_path / "new")
    assert [p.name for p in paths] == [f"digits-matrix-{k}.png" for k in digits.PICTURES]
    for p in paths:
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        h, w = matplotlib.image.imread(p).shape[:2]
        assert 300 < w < 2000 and 300 < h < 2000, (p.name, w, h)
    h, w = matplotlib.image.imread(paths[0]).shape[:2]  # 25 units: a 5 × 5 grid, about square
    assert 0.8 < h / w < 1.25
    assert not list((tmp_path / "new").glob(".*.tmp"))  # the atomic writer left no temporary file


# ---------------------------------------------------------------- the command line


def test_cli_matrix_ends_with_the_test_accuracy(tmp_path, capsys):
    assert main(["digits", "-o", str(tmp_path), "--no-progress"]) == 0
    out = capsys.readouterr().out
    lines = out.strip().splitlines()
    match = re.fullmatch(r"test accuracy: (\d+\.\d)%", lines[-1])
    assert match and float(match.group(1)) >= 96.0, lines[-1]
    assert "verdict: they agree" in out and "iteration   200" in out
    assert re.search(r"; final cost J = \d\.\d{6}\n", out)  # the matrix side's J at its last iterate
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"digits-matrix-{k}.png" for k in digits.PICTURES)


def test_cli_scalar_short_run(tmp_path, capsys):
    args = ["digits", "--engine", "scalar", "--epochs", "1", "--hidden", "10", "--seed", "2", "-o", str(tmp_path)]
    assert main([*args, "--no-progress"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert re.fullmatch(r"test accuracy: \d+\.\d%", lines[-1])
    epoch = next(line for line in lines if line.startswith("epoch     1  cost"))
    # the scalar engine's cost is the epoch's batch costs averaged (each before its step): said so
    trained = next(line for line in lines if line.startswith("trained in"))
    assert trained.endswith(f"last epoch's mean batch cost J = {epoch.split()[3]}"), (trained, epoch)
    assert any(re.fullmatch(r"training accuracy at the final weights: \d+\.\d%", line) for line in lines)
    assert any("sizes [64, 10, 10]" in line for line in lines)
    assert len(list(tmp_path.glob("digits-scalar-*.png"))) == 3


@pytest.mark.parametrize(
    "args, words",
    [
        (["--lr", "0.1"], "--lr applies to --engine scalar only"),
        (["--engine", "scalar", "--method", "CG"], "--method applies to --engine matrix only"),
    ],
)
def test_cli_bad_options_are_one_line(args, words, tmp_path, capsys):
    assert main(["digits", *args, "-o", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"chainrule digits: error: {words}" or (err.startswith("chainrule digits: error:") and words in err)
    assert not list(tmp_path.iterdir())  # nothing trained, nothing written


@pytest.mark.parametrize(
    "args, words",
    [
        (["--engine", "gpu"], "argument --engine: invalid choice: 'gpu'"),
        (["--hidden", "0"], "argument --hidden: expected an integer ≥ 1 and ≤ 1000, got '0'"),
        (["--hidden", "5000"], "argument --hidden: expected an integer ≥ 1 and ≤ 1000, got '5000'"),
        (["--epochs", "two"], "argument --epochs: expected an integer ≥ 1, got 'two'"),
        (["--lam", "-1"], "argument --lam: expected a finite real number ≥ 0, got '-1'"),
        (["--lam", "nan"], "argument --lam: expected a finite real number ≥ 0, got 'nan'"),
        (["--seed", "-2"], "argument --seed: expected an integer ≥ 0 and ≤ 4294967295, got '-2'"),
        (["--engine", "scalar", "--lr", "-1"], "argument --lr: expected a finite real number > 0, got '-1'"),
    ],
)
def test_cli_bad_values_are_argparse_errors(args, words, tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        main(["digits", *args, "-o", str(tmp_path)])
    err = capsys.readouterr().err
    assert info.value.code == 2 and "usage: chainrule digits" in err and words in err
    assert not list(tmp_path.iterdir())


def test_missing_scipy_is_one_clear_line(data, monkeypatch):
    monkeypatch.setitem(sys.modules, "scipy.optimize", None)
    with pytest.raises(ImportError) as info:
        digits.train_matrix(data)
    assert str(info.value) == f"nn.digits.train_matrix needs scipy, which is not installed: {DIGITS_EXTRA}"
