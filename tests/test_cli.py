"""The `chainrule` command line: check and graph, exit codes and messages."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET

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
    assert main(["check", "--m", "0"]) == 2
    assert "--m must be ≥ 1" in capsys.readouterr().err


def test_graph_writes_the_seeds_example_with_a_highlight(tmp_path, capsys):
    out = tmp_path / "g.svg"
    args = [
        "graph",
        "--example",
        "2-2-2",
        "--sample",
        "0.35,0.9",
        "--target",
        "0.5,0.1",
        "--highlight",
        "w_1,1^(1)",
        "-o",
        str(out),
    ]
    assert main(args) == 0
    svg = ET.parse(out).getroot()
    text = " ".join(t.text or "" for t in svg.iter("{http://www.w3.org/2000/svg}text"))
    assert "path 1" in text and "path 2" in text and "sum of the products" in text
    assert f"wrote {out}" in capsys.readouterr().out


def test_graph_bad_highlight_and_format(tmp_path, capsys):
    assert main(["graph", "--target", "1,1", "--highlight", "nope", "-o", str(tmp_path / "g.svg")]) == 2
    assert "no parameter called 'nope'; valid names include: layers.0.neurons.0.w.0" in capsys.readouterr().err
    assert main(["graph", "--sizes", "2,1", "-o", str(tmp_path / "g.bmp")]) == 2
    assert "cannot tell the format" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_console_script_entry_point_runs():
    r = subprocess.run([sys.executable, "-m", "nn.cli", "check", "--course"], capture_output=True, text=True)
    assert r.returncode == 0 and "course check" in r.stdout
