"""`chainrule graph`: files really written by dot, exit codes, and messages for bad options."""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

import nn
from autograd.draw import PALETTE
from nn.cli import main

SVG = "{http://www.w3.org/2000/svg}"


def svg_of(path) -> ET.Element:
    return ET.parse(path).getroot()


def value_nodes(svg: ET.Element) -> list[str]:
    """The text of each Value node (titles v0, v1, …; op nodes are op0, op1, …)."""
    out = []
    for g in svg.iter(f"{SVG}g"):
        if g.get("class") == "node" and re.fullmatch(r"v\d+", g.find(f"{SVG}title").text):
            out.append(" ".join(piece for t in g.iter(f"{SVG}text") for piece in t.itertext()))
    return out


def all_text(svg: ET.Element) -> str:
    return re.sub(r"\s+", " ", " ".join(piece for t in svg.iter(f"{SVG}text") for piece in t.itertext()))


def jordan_2_2_2_grad(which: int) -> float:
    """∂J/∂(parameter `which`) of Jordan's 2-2-2 network on (0.35, 0.9) → (0.5, 0.1), built directly."""
    net = nn.MLP(2, [2, 2], bias=False, init="debug")
    J = nn.mse([net([0.35, 0.9])], [[0.5, 0.1]])
    J.backward()
    return net.parameters()[which].grad


def test_the_jordan_2_2_2_example_with_a_highlighted_weight(tmp_path, capsys):
    out = tmp_path / "g.svg"
    argv = ["graph", "--example", "2-2-2", "--sample", "0.35,0.9", "--target", "0.5,0.1"]
    assert main([*argv, "--highlight", "w_1,1^(1)", "-o", str(out)]) == 0
    grad = jordan_2_2_2_grad(0)
    printed = capsys.readouterr().out
    assert printed == f"wrote {out}: 2 paths from w_1,1^(1) to J, ∂J/∂w_1,1^(1) = {grad:.6g}\n"
    svg = svg_of(out)
    nodes = value_nodes(svg)
    assert len(nodes) == 8 + 2 + 4 + 4 + 1  # no biases, fused: one z and one a per neuron, and J
    assert not any(n.startswith("b ") for n in nodes)
    text = all_text(svg)
    assert "path 1:" in text and "path 2:" in text and "path 3:" not in text
    assert f"= grad {grad:.4g}".replace("-", "−") in text  # numbers with a true minus, as the explorer page writes them
    strokes = {p.get("stroke") for p in svg.iter(f"{SVG}path")}
    assert {PALETTE[0], PALETTE[1]} <= strokes and PALETTE[2] not in strokes
    assert [c for c in svg.iter(f"{SVG}g") if c.get("class") == "cluster"]  # grouped by layer


def test_highlight_by_parameter_name_and_the_1_1_1_example_as_png_and_pdf(tmp_path, capsys):
    png, pdf = tmp_path / "g.png", tmp_path / "g.pdf"
    argv = ["graph", "--example", "2-2-2", "--sample", "0.35,0.9", "--target", "0.5,0.1"]
    assert main([*argv, "--highlight", "layers.1.neurons.0.w.1", "-o", str(png)]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # layers.1.neurons.0.w.1 is w_1,2^(2): one path, and its grad is the network's own
    assert f"1 path from w_1,2^(2) to J, ∂J/∂w_1,2^(2) = {jordan_2_2_2_grad(5):.6g}" in capsys.readouterr().out
    assert main(["graph", "--example", "1-1-1", "--target", "0.5", "-o", str(pdf)]) == 0
    assert pdf.read_bytes()[:5] == b"%PDF-"


def test_sizes_biases_and_elementary_nodes(tmp_path):
    out = tmp_path / "g.svg"
    assert main(["graph", "--sizes", "2,3,1", "--no-backward", "-o", str(out)]) == 0  # the output, no loss
    nodes = value_nodes(svg_of(out))
    assert sum(n.startswith("b ") for n in nodes) == 3 + 1  # --sizes: biases by default
    assert len(nodes) == (6 + 3) + (3 + 1) + 2 + 4 + 4  # weights and biases, inputs, z's, a's
    assert "grad" not in all_text(svg_of(out))  # no grad column, and no "call backward()" hint for Python
    assert main(["graph", "--sizes", "2,3,1", "-o", str(out)]) == 0  # by default J, target 0.5, after backward
    assert len(value_nodes(svg_of(out))) == (6 + 3) + (3 + 1) + 2 + 4 + 4 + 1
    assert "grads not computed" not in all_text(svg_of(out))
    assert main(["graph", "--sizes", "2,3,1", "--no-bias", "-o", str(out)]) == 0
    assert not any(n.startswith("b ") for n in value_nodes(svg_of(out)))
    assert main(["graph", "--example", "1-1-1", "--bias", "--target", "0.5", "-o", str(out)]) == 0
    assert sum(n.startswith("b ") for n in value_nodes(svg_of(out))) == 2
    assert main(["graph", "--example", "1-1-1", "--elementary", "--target", "0.5", "-o", str(out)]) == 0
    # elementary: each z is a `*` node (one input, no bias) — the same count, unlabelled products none
    assert len(value_nodes(svg_of(out))) == 2 + 1 + 2 + 2 + 1
    assert main(["graph", "--sizes", "2,2,1", "--elementary", "--target", "1", "-o", str(out)]) == 0
    elementary = value_nodes(svg_of(out))
    # unlabelled: per neuron (2 inputs and a bias) 2 products w·x and the partial sum b + w₁x₁
    assert sum(not re.match(r"[a-zA-Z]\s", n) for n in elementary) == 3 * 3


@pytest.mark.parametrize(
    "argv, message",
    [
        (
            ["--example", "2-2-2", "--target", "1,1", "--highlight", "nope"],
            "--highlight: no parameter called 'nope'; the network's 8 parameters: w_1,1^(1) (layers.0.neurons.0.w.0), "
            "w_1,2^(1) (layers.0.neurons.0.w.1), w_2,1^(1) (layers.0.neurons.1.w.0), w_2,2^(1) "
            "(layers.0.neurons.1.w.1), w_1,1^(2) (layers.1.neurons.0.w.0), w_1,2^(2) (layers.1.neurons.0.w.1), "
            "w_2,1^(2) (layers.1.neurons.1.w.0), w_2,2^(2) (layers.1.neurons.1.w.1)\n",
        ),
        (
            ["--sizes", "4,8,3", "--highlight", "nope"],
            "--highlight: no parameter called 'nope'; the network has 67 parameters: w_1,1^(1) "
            "(layers.0.neurons.0.w.0), w_1,2^(1) (layers.0.neurons.0.w.1), w_1,3^(1) (layers.0.neurons.0.w.2), "
            "w_1,4^(1) (layers.0.neurons.0.w.3), b_1^(1) (layers.0.neurons.0.b), w_2,1^(1) (layers.0.neurons.1.w.0), "
            "… and 61 more, named alike (w_j,i^(l): to neuron j of layer l + 1 from neuron i of layer l; "
            "b_j^(l) its bias)",
        ),
        (["--highlight", "w_1,1^(1)", "--no-backward"], "--highlight colours the paths to the loss J"),
        (["--no-backward"], "--no-backward draws a single output, but the network has 2"),
        (["--example", "2-2-2", "--sample", "1,2,3"], "--sample has 3 numbers but the network takes 2"),
        (["--example", "2-2-2", "--target", "1"], "--target has 1 number but the network gives 2"),
        (["--sizes", "4,16,16,1", "--elementary"], "more than --max-nodes 200"),
        (
            ["--sizes", "3,4,4,2", "--target", "1,0", "--highlight", "w_1,1^(1)", "--path-limit", "4"],
            "8 paths lead from w_1,1^(1) to the root, more than --path-limit 4",
        ),
    ],
)
def test_bad_options_exit_2_with_a_clear_message(tmp_path, capsys, argv, message):
    assert main(["graph", *argv, "-o", str(tmp_path / "g.svg")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("chainrule graph: error: ") and message in err
    assert not list(tmp_path.iterdir())


def test_the_guard_tells_the_command_line_what_to_do(tmp_path, capsys):
    out = tmp_path / "g.svg"
    assert main(["graph", "--sizes", "4,4,1", "--elementary", "--max-nodes", "40", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    # elementary: 20 weights, 5 biases, 4 inputs, 20 products w·x, 20 sums (4 a neuron, the last is z), 5 a's, J
    assert "the graph has 75 nodes (Values), more than --max-nodes 40" in err
    assert err.startswith("chainrule graph: error: the graph has 75 nodes")  # no "draw: ": the command is named
    assert "draw a smaller network (--sizes), drop --elementary" in err and "pass --max-nodes 75" in err
    # every hint speaks of options, not of Python calls or keyword arguments
    assert "=" not in err.split("more than")[1] and "nn.MLP" not in err and "fused" not in err
    # fused: 20 weights, 5 biases, 4 inputs, 5 z's, 5 a's, J
    assert main(["graph", "--sizes", "4,4,1", "--max-nodes", "40", "-o", str(out)]) == 0
    assert len(value_nodes(svg_of(out))) == 40


def test_bad_files_and_values_exit_2(tmp_path, capsys):
    assert main(["graph", "--example", "1-1-1", "-o", str(tmp_path / "g.bmp")]) == 2
    assert "cannot tell the format" in capsys.readouterr().err
    assert main(["graph", "--example", "1-1-1", "-o", str(tmp_path / "no" / "g.svg")]) == 2
    assert "no directory" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())
    for argv, message in [
        (["--sizes", "2,x"], "layer sizes must be integers"),
        (["--example", "3-3-3"], "invalid choice: '3-3-3'"),
        (["--example", "1-1-1", "--sample", "a,b"], "expected numbers separated by commas"),
        (["--example", "1-1-1", "--sizes", "2,2"], "not allowed with argument --example"),
    ]:
        with pytest.raises(SystemExit) as exc:
            main(["graph", *argv])
        assert exc.value.code == 2 and message in capsys.readouterr().err


def test_the_console_command_writes_the_default_file(tmp_path):
    r = subprocess.run([sys.executable, "-m", "nn.cli", "graph"], capture_output=True, text=True, cwd=tmp_path)
    # no options at all: Jordan's 2-2-2 network on its sample and target, after one backward pass
    # (J = ½·Σ(a − y)² = 0.0751375, computed by hand from the sin weights: a^(3) = 0.490016, 0.487525)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "wrote graph.svg: J = 0.0751375 after one backward pass\n"
    svg = svg_of(tmp_path / "graph.svg")
    assert len(value_nodes(svg)) == 2 + 8 + 2 + 2 + 2 + 2 + 1  # x's, weights, z's and a's of two layers, J
    assert "grads not computed" not in all_text(svg)
