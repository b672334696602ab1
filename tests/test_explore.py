"""The explorer page without a browser: its recorded steps against the engine, the HTML it writes, the CLI.

What the page does in a browser is tested in test_explore_browser.py.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from explore_helpers import engine_backward, expression_graphs
from hypothesis import given, settings

import nn
from autograd import ExplorerPage, Value, count_paths, explore, topological_order
from autograd.explore import backward_steps, pretty_label
from nn.cli import main
from nn.examples import EXAMPLE_DATA

ROOT = Path(__file__).resolve().parent.parent


def jordan_2_2_2() -> tuple[nn.MLP, Value]:
    net = nn.example("2-2-2")
    x, y = EXAMPLE_DATA["2-2-2"]
    return net, nn.mse([net(x)], [y])


def embedded(page: ExplorerPage) -> dict:
    m = re.search(r'<script type="application/json" id="chainrule-data">(.*?)</script>', page.html, re.S)
    return json.loads(m[1])


@settings(max_examples=150, deadline=None)
@given(expression_graphs())
def test_the_recorded_steps_are_the_engines_edges_in_its_order_with_its_floats(root):
    # The reference is the real backward(), observed edge by edge (see explore_helpers.engine_backward).
    edges, grads = engine_backward(root)
    got_grads, steps, passed = backward_steps(topological_order(root))
    assert steps == edges
    assert got_grads == grads  # the same float operations in the same order: equal, not just close
    # every node is passed over or processed exactly once, and the lists cover the walk
    n = len(grads)
    processed = {c for c, _ in steps}
    skipped = [i for lst in passed for i in lst]
    assert sorted(skipped + sorted(processed)) == list(range(n))


def test_the_2_2_2_steps_by_hand():
    """Jordan's 2-2-2 network: 22 edges; the first is J → a₁⁽³⁾ carrying ∂J/∂a₁⁽³⁾ = a₁⁽³⁾ − y₁ (mse, m = 1)."""
    net, J = jordan_2_2_2()
    order = topological_order(J)
    grads, steps, passed = backward_steps(order)
    assert len(steps) == 22 and not any(i for lst in passed for i in lst if order[i].parents)  # nothing skipped
    c, k = steps[0]
    assert order[c] is J and order[c].parents[k].label == "a_1^(3)"
    a1 = order[c].parents[k]
    assert grads[order.index(a1)] == pytest.approx(a1.data - 0.5, rel=1e-15)
    w11 = net.layers[0].neurons[0].w[0]
    # ∂J/∂w₁₁⁽¹⁾ = x₁ · δ₁⁽²⁾: one step, 0.35 × the grad of z₁⁽²⁾
    z1 = next(v for v in order if v.label == "z_1^(2)")
    assert grads[order.index(w11)] == 0.35 * grads[order.index(z1)]


def test_a_dead_relu_is_skipped_and_what_it_alone_reaches_is_never_reached():
    a, b = Value(-1.0, label="a"), Value(2.0, label="b")
    q = a * b  # −2
    q.label = "q"
    d = q.relu()  # 0: ∂d/∂q = 0
    y = d + b
    order = topological_order(y)
    grads, steps, passed = backward_steps(order)
    names = [(order[c].label or order[c].op, order[c].parents[k].label or order[c].parents[k].op) for c, k in steps]
    # y passes 1 to d and to b; d passes 0 × 1 to q; q's grad is 0: skipped, so a is never reached
    assert names == [("+", "relu"), ("+", "b"), ("relu", "q")]
    assert grads[order.index(q)] == 0.0 and grads[order.index(a)] == 0.0 and grads[order.index(b)] == 1.0
    assert order.index(q) in passed[-1] and order.index(a) in passed[-1]


def test_pretty_labels_in_the_course_notation():
    assert pretty_label("w_1,1^(1)") == "w₁₁⁽¹⁾"
    assert pretty_label("w_12,3^(2)") == "w₁₂,₃⁽²⁾"  # the comma stays between longer indices
    assert pretty_label("z_2^(3)") == "z₂⁽³⁾"
    assert pretty_label("x_1") == "x₁"
    assert pretty_label("J") == "J"
    assert pretty_label("a_q^(2)") == "a_q^(2)"  # no subscript q in Unicode: unchanged


def test_the_page_is_one_self_contained_file_with_the_graphs_numbers(tmp_path):
    net, J = jordan_2_2_2()
    page = explore(J)
    html = page.html
    # nothing to fetch: no external script, style, font or image; a policy that forbids any
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    assert not re.search(r"""(src|href)\s*=\s*["'](?!data:)""", html)
    assert "@import" not in html and "url(" not in html
    assert set(re.findall(r"https?://[^\s\"'<>)]+", html)) <= {
        "http://www.w3.org/2000/svg",
        "http://www.w3.org/1999/xlink",
    }  # XML namespaces, never fetched
    # the numbers: the engine's grads, in topological order, root last
    data = embedded(page)
    order = topological_order(J)
    J.zero_grad()
    J.backward()
    assert [n["label"] for n in data["nodes"]] == [v.label for v in order]
    assert [n["data"] for n in data["nodes"]] == [v.data for v in order]
    assert [n["grad"] for n in data["nodes"]] == [v.grad for v in order]
    assert data["nodes"][-1]["grad"] == 1.0 and len(data["steps"]) == 22
    # the SVG: every Value and op tagged once, every edge by its child and slot; no tooltip gives a grad away
    assert sorted(re.findall(r'data-node="(v\d+)"', html)) == sorted(f"v{i}" for i in range(19))
    assert len(re.findall(r"data-op=", html)) == sum(1 for v in order if v.parents)
    expected_edges = {f"v{i}.{k}" for i, v in enumerate(order) for k in range(len(v.parents))}
    assert set(re.findall(r'data-edge="(v\d+\.\d+)"', html)) == expected_edges
    assert "<title>chainrule" not in html and "xlink:title" not in html
    assert html.count("</script>") == 2  # the JSON and the script
    size = len(html.encode())
    assert size < 300_000, f"the 2-2-2 page is {size:,} bytes"
    path = page.save(tmp_path / "p.html")
    assert path.read_text(encoding="utf-8") == html
    assert "19 nodes, 22 backward steps" in repr(page)


def test_explore_leaves_the_graph_as_it_found_it():
    _, J = jordan_2_2_2()
    order = topological_order(J)
    before = [v.grad for v in order]  # backward() never ran: all 0
    explore(J)
    assert [v.grad for v in order] == before == [0.0] * len(order)
    J.backward()
    J.backward()  # leaves accumulate: twice their grads
    twice = [v.grad for v in order]
    page = explore(J)
    assert [v.grad for v in order] == twice
    J.zero_grad()
    J.backward()
    # the page shows ONE backward pass from zero grads, whatever the Values held
    assert [n["grad"] for n in embedded(page)["nodes"]] == [v.grad for v in order]


def test_labels_that_look_like_html_and_non_finite_numbers():
    x = Value(0.0, label="</script><b>x")
    y = (x**0.5) * 2.0  # √x at 0: the slope is +inf
    page = explore(y)
    data = embedded(page)
    assert data["nodes"][0]["label"] == "</script><b>x"
    assert "Infinity" in json.dumps(data)  # encoded as a string the page's Number() reads back
    assert page.html.count("</script>") == 2


def test_bad_arguments_say_what_was_expected(tmp_path):
    _, J = jordan_2_2_2()
    with pytest.raises(TypeError, match="root must be a Value, got float"):
        explore(1.0)
    with pytest.raises(ValueError, match="highlight is not part of this graph"):
        explore(J, highlight=Value(1.0))
    with pytest.raises(TypeError, match="highlight must be a Value"):
        explore(J, highlight="w")
    with pytest.raises(ValueError, match="mode must be one of 'forward', 'backward', 'paths', 'quiz', got 'play'"):
        explore(J, mode="play")
    with pytest.raises(ValueError, match="path_limit must be an integer ≥ 1, got 0"):
        explore(J, path_limit=0)
    with pytest.raises(TypeError, match="unexpected keyword argument 'show_grad'"):
        explore(J, show_grad=False)
    with pytest.raises(ValueError, match="more than max_nodes=10"):
        explore(J, max_nodes=10)
    with pytest.raises(ValueError, match="max_nodes must be an integer ≥ 1, got '300'"):
        explore(J, max_nodes="300")
    with pytest.raises(ValueError, match="rankdir must be 'LR' or 'TB'"):
        explore(J, rankdir="RL")
    page = explore(J)
    with pytest.raises(ValueError, match="ending in .html"):
        page.save(tmp_path / "p.svg")
    with pytest.raises(FileNotFoundError, match="no directory"):
        page.save(tmp_path / "missing" / "p.html")


def test_the_same_size_guard_as_draw():
    xs = [Value(float(i)) for i in range(200)]
    root = sum(xs[1:], xs[0])  # 200 leaves and 199 + nodes
    with pytest.raises(ValueError, match=r"the graph has 399 nodes .* more than max_nodes=200"):
        explore(root)


def test_jupyter_shows_the_page_inline_in_an_iframe():
    _, J = jordan_2_2_2()
    page = explore(J)
    shown = page._repr_html_()
    assert shown.startswith("<iframe srcdoc=") and 'sandbox="allow-scripts"' in shown
    assert "&lt;script" in shown and "<script" not in shown  # the whole page, escaped into the attribute


def test_command_line_writes_the_page(tmp_path, capsys):
    out = tmp_path / "p.html"
    assert main(["explore", "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert (
        printed
        == f"wrote {out} ({out.stat().st_size:,} bytes): 19 nodes, 22 backward steps of J; open it in a browser\n"
    )
    data = json.loads(re.search(r'id="chainrule-data">(.*?)</script>', out.read_text(encoding="utf-8"), re.S)[1])
    assert data["mode"] == "backward" and data["select"] is None
    assert main(["explore", "--highlight", "w_1,1^(1)", "--path-limit", "3", "-o", str(out)]) == 0
    data = json.loads(re.search(r'id="chainrule-data">(.*?)</script>', out.read_text(encoding="utf-8"), re.S)[1])
    assert data["mode"] == "paths" and data["nodes"][data["select"]]["label"] == "w_1,1^(1)"
    assert data["pathLimit"] == 3
    capsys.readouterr()
    assert main(["explore", "--sizes", "2,3,1", "--no-backward", "-o", str(out)]) == 0
    assert "backward steps of a_1^(3)" in capsys.readouterr().out  # the output itself is the root


@pytest.mark.parametrize(
    "argv, message",
    [
        (["-o", "p.svg"], "-o p.svg: the explorer page is HTML; use a name ending in .html"),
        (["--max-nodes", "5"], "pass --max-nodes 19"),
        (["--highlight", "nope"], "--highlight: no parameter called 'nope'"),
    ],
)
def test_command_line_errors(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["explore", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("chainrule explore: error: ") and message in err
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_count_of_paths_is_the_engines():
    """The page counts paths with BigInt in the browser; here, the number it is checked against."""
    _, J = jordan_2_2_2()
    order = topological_order(J)
    assert count_paths(J, [order[4]]) == (4, 20)  # x_1: 2 hidden neurons × 2 outputs, 5 factors each


def test_a_non_editable_install_ships_the_pages_script_and_styles(tmp_path):
    """`pip install .` must carry explore.js and explore.css (package data), or no page could be built.

    A wheel's files are what setuptools' build_py copies; the copy is then imported on its own
    (away from the checkout) and makes a page.
    """
    # a clean copy of the sources: no egg-info left by the editable install to list files for it
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    for package in ("autograd", "nn"):
        shutil.copytree(ROOT / package, src / package, ignore=shutil.ignore_patterns("__pycache__"))
    build = tmp_path / "lib"
    subprocess.run(
        [sys.executable, "-c", "from setuptools import setup; setup()", "-q", "build_py", "--build-lib", str(build)],
        check=True,
        capture_output=True,
        cwd=src,
    )
    assert {p.name for p in (build / "autograd").iterdir()} >= {"explore.py", "explore.js", "explore.css"}
    script = (
        "import autograd, sys; assert autograd.__file__.startswith(sys.argv[1]), autograd.__file__; "
        "page = autograd.explore(autograd.Value(3.0, label='x') * 2.0); print('chainrule-data' in page.html)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(build)],
        env={"PYTHONPATH": str(build), "PATH": os.environ["PATH"]},
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0 and done.stdout == "True\n", done.stderr
