"""The `chainrule` command line: check and graph, exit codes and messages."""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys
from pathlib import Path

import pytest

from nn.cli import main


def test_check_course_passes(capsys):
    assert main(["check", "--course"]) == 0
    out = capsys.readouterr().out
    assert out.count("— ok") == 2 and "λ = 3" in out


def test_check_report_and_exit_code(capsys):
    assert main(["check", "--sizes", "2,4,3,2", "--activation", "tanh", "--loss", "mse", "--lam", "1", "--m", "7"]) == 0
    out = capsys.readouterr().out
    assert "engine vs matrix" in out and "δ engine vs matrix    δ^(4)" in out
    assert out.strip().endswith("verdict: the three gradients agree")


def test_check_exits_1_on_disagreement(monkeypatch, capsys):
    from nn import crosscheck

    real = crosscheck.matrix.backprop

    def wrong(*args, **kwargs):
        res = real(*args, **kwargs)
        res.gradients[0][0, 1] += 1e-3
        return res

    monkeypatch.setattr(crosscheck.matrix, "backprop", wrong)
    assert main(["check", "--sizes", "2,3,1", "--loss", "mse"]) == 1
    assert "FAIL" in capsys.readouterr().out


def test_check_bad_options_exit_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["check", "--sizes", "2,x"])
    assert exc.value.code == 2
    assert "layer sizes must be integers" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["check", "--m", "0"])
    assert "--m: expected an integer ≥ 1, got '0'" in capsys.readouterr().err


def test_check_course_refuses_options_that_would_not_change_it(capsys):
    # the course's check is fixed (3-5-3, m = 5, λ = 0 and 3): --sizes or --lam used to be ignored silently
    for argv, option in [(["--sizes", "2,2"], "--sizes"), (["--lam", "1"], "--lam")]:
        assert main(["check", "--course", *argv]) == 2
        err = capsys.readouterr().err
        assert f"{option} does not apply to --course (the course's check is 3-5-3, m = 5, λ = 0 and 3)" in err


def test_check_model_gpt_help_names_only_options_it_takes_and_no_option_is_abbreviated(capsys, tmp_path):
    # the help said "(its options: sizes, --load, --doc)", which check refused; --load was read as --load-timeout
    with pytest.raises(SystemExit) as exc:
        main(["check", "--help"])
    assert exc.value.code == 0
    help_text = " ".join(capsys.readouterr().out.split())
    assert "its options: sizes, --load, --doc" not in help_text
    assert (
        "as `chainrule gpt --check --seed SEED`; for other sizes, a saved model (--load) or another document"
        in help_text
    )
    mine = tmp_path / "mine.py"
    mine.write_text("def nnCostFunction(p, i, h, k, X, y, lam):\n    raise AssertionError('never called')\n")
    for argv, unknown in [
        (["--model", "gpt", "--load", "gpt.json"], "--load gpt.json"),
        (["--model", "gpt", "--doc", "emma"], "--doc emma"),
        (["--function", f"{mine}:nnCostFunction", "--load", "5"], "--load 5"),  # not --load-timeout 5
        (["--function", f"{mine}:nnCostFunction", "--mem", "1G"], "--mem 1G"),  # not --memory 1G
    ]:
        with pytest.raises(SystemExit) as exc:
            main(["check", *argv])
        assert exc.value.code == 2
        err = capsys.readouterr().err
        assert f"chainrule check: error: unrecognized arguments: {unknown}" in err  # check's own words and usage
        assert err.startswith("usage: chainrule check [-h]")


@pytest.mark.parametrize("out", ["tanh", "relu", "linear"])
def test_check_refuses_cross_entropy_without_a_sigmoid_output_up_front(capsys, out):
    # before: accepted, and failed only for the random seeds whose outputs left [0, 1]
    for seed in ("0", "1"):
        argv = ["check", "--loss", "cross_entropy", "--output-activation", out, "--seed", seed]
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert "--loss cross_entropy needs outputs in [0, 1]" in err and f"the output activation is {out}" in err
    assert main(["check", "--loss", "cross_entropy", "--activation", "tanh"]) == 0  # sigmoid output by default
    assert main(["check", "--loss", "cross_entropy", "--activation", "tanh", "--output-activation", "tanh"]) == 2


def test_console_script_entry_point_runs():
    r = subprocess.run([sys.executable, "-m", "nn.cli", "check", "--course"], capture_output=True, text=True)
    assert r.returncode == 0 and "course check" in r.stdout


def test_version_is_the_distributions():
    pyproject = (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text()
    want = re.search(r'^version = "(.+)"$', pyproject, re.M).group(1)
    r = subprocess.run([sys.executable, "-m", "nn.cli", "--version"], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout == f"chainrule {want}\n"
    assert importlib.metadata.version("chainrule") == want


@pytest.mark.parametrize(
    "argv, message",
    [
        (["digits", "--lam", "nan"], "argument --lam: expected a finite real number ≥ 0, got 'nan'"),
        (["digits", "--lam", "-1"], "argument --lam: expected a finite real number ≥ 0, got '-1'"),
        (["digits", "--lr", "1e999"], "argument --lr: expected a finite real number > 0, got '1e999'"),
        (["digits", "--lr", "0.1x"], "argument --lr: expected a finite real number > 0, got '0.1x'"),
        (["digits", "--hidden", "2.5"], "argument --hidden: expected an integer ≥ 1 and ≤ 1000, got '2.5'"),
        (["digits", "--seed", "-1"], "argument --seed: expected an integer ≥ 0 and ≤ 4294967295, got '-1'"),
        (["demo", "--epochs", "0"], "argument --epochs: expected an integer ≥ 1, got '0'"),
        (["demo", "--samples", "3"], "argument --samples: expected an integer ≥ 4, got '3'"),
        (["graph", "--seed", "-2"], "argument --seed: expected an integer ≥ 0, got '-2'"),
    ],
)
def test_numeric_options_are_refused_in_the_checkers_words(argv, message, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines()[-1] == f"chainrule {argv[0]}: error: {message}", err


@pytest.mark.parametrize("command", ["demo", "digits"])
def test_an_output_folder_that_is_a_file_is_named(command, tmp_path, capsys):
    # it said "[Errno 17] File exists"
    file = tmp_path / "notes.txt"
    file.write_text("mine")
    for out, says in [
        (file, f"{file} is a file, not a folder"),
        (file / "sub", f"{file / 'sub'} is inside {file}, a file"),
    ]:
        with pytest.raises(SystemExit) as exc:
            main([command, "-o", str(out)])
        assert exc.value.code == 2 and says in capsys.readouterr().err
    assert file.read_text() == "mine"
