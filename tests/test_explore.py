"""The explorer page without a browser: its recorded steps against the engine, the HTML it writes, the CLI.

What the page does in a browser is tested in test_explore_browser.py.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest
from explore_helpers import OP_NAMES, engine_backward, expression_graphs, programs
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
from autograd import ExplorerPage, Value, count_paths, explore, ops, topological_order
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


def test_the_random_graphs_of_the_what_if_tests_use_every_kind_of_op():
    """The browser's what-if test draws its graphs from these programs: each kind of op is in them."""
    assert set(OP_NAMES) == set(ops.KINDS), "a new kind of op needs a way into explore_helpers' programs"


@settings(max_examples=60, deadline=None)
@given(programs(max_ops=6), st.floats(-2.0, 2.0))
def test_a_program_builds_with_any_leaf_in_range_and_ends_in_its_last_op(program, x):
    root, _ = program.build([x] * len(program.leaves))  # no op leaves its domain
    assert root.op.kind == program.ops[-1][0]


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
    assert pretty_label("a_q^(2)") == "a_q^(2)"  # not the grammar: unchanged
    assert pretty_label("hidden_layer_1_out") == "hidden_layer_1_out"  # snake_case is never split


def test_the_page_is_one_self_contained_file_with_the_graphs_numbers_and_two_layouts(tmp_path):
    net, J = jordan_2_2_2()
    page = explore(J, **nn.layout(J), params=net.parameters())
    html = page.html
    # nothing to fetch: no external script, style, font or image; a policy that forbids any
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    assert not re.search(r"""(src|href)\s*=\s*["'](?!data:)""", html)
    assert "@import" not in html and "url(" not in html
    assert set(re.findall(r"https?://[^\s\"'<>)]+", html)) <= {
        "http://www.w3.org/2000/svg"
    }  # a namespace, never fetched
    # the numbers: the engine's grads, in topological order, root last
    data = embedded(page)
    order = topological_order(J)
    J.zero_grad()
    J.backward()
    assert [n["label"] for n in data["nodes"]] == [v.label for v in order]
    assert [n["data"] for n in data["nodes"]] == [v.data for v in order]
    assert [n["grad"] for n in data["nodes"]] == [v.grad for v in order]
    assert [n["kind"] for n in data["nodes"]] == [v.op.kind if v.parents else "" for v in order]
    assert data["nodes"][-1]["grad"] == 1.0 and len(data["steps"]) == 22
    assert data["params"] == [order.index(p) for p in net.parameters()]
    # both layouts laid out by dot: a centre per node, a path per edge, the three layers' boxes
    for name in ("LR", "TB"):
        lay = data["layouts"][name]
        assert len(lay["nodes"]) == len(lay["sizes"]) == 19
        assert [len(row) for row in lay["edges"]] == [len(v.parents) for v in order]
        assert sorted(c[6] for c in lay["clusters"]) == ["layer 1 (inputs)", "layer 2", "layer 3 (output)"]
    assert html.count("</script>") == 2  # the JSON and the script
    size = len(html.encode())
    assert size < 300_000, f"the 2-2-2 page is {size:,} bytes"
    path = page.save(tmp_path / "p.html")
    assert path.read_text(encoding="utf-8") == html
    assert "19 nodes, 22 backward steps" in repr(page)


def boxes(lay: dict, i: int) -> tuple[float, float, float, float]:
    (x, y), (w, h) = lay["nodes"][i], lay["sizes"][i]
    return (x - w / 2) / 10, (y - h / 2) / 10, (x + w / 2) / 10, (y + h / 2) / 10


@pytest.mark.parametrize("sizes", [[2, 2, 2], [3, 4, 2], [2, 3, 3, 1]])
def test_the_layouts_are_dots_boxes_with_each_edge_from_its_parent_to_its_child(sizes):
    net = nn.MLP(sizes[0], sizes[1:], seed=1)
    J = nn.mse([net([0.1 * (i + 1) for i in range(sizes[0])])], [[0.5] * sizes[-1]])
    layout = nn.layout(J)
    data = embedded(explore(J, **layout))
    order = topological_order(J)
    index = {v: i for i, v in enumerate(order)}
    for name, along in (("LR", 1), ("TB", 0)):
        lay = data["layouts"][name]
        b = [boxes(lay, i) for i in range(len(order))]
        for i, (x0, y0, x1, y1) in enumerate(b):  # inside the drawing, no two boxes overlapping
            assert 0 <= x0 < x1 <= lay["w"] / 10 and 0 <= y0 < y1 <= lay["h"] / 10
            for j in range(i):
                p = b[j]
                assert x1 <= p[0] or p[2] <= x0 or y1 <= p[1] or p[3] <= y0, (i, j)

        def near(x, y, box, slack=3.0):
            x0, y0, x1, y1 = box
            return x0 - slack <= x <= x1 + slack and y0 - slack <= y <= y1 + slack

        for c, v in enumerate(order):
            for k, p in enumerate(v.parents):
                pts = [t / 10 for t in lay["edges"][c][k]]
                assert near(pts[2], pts[3], b[index[p]]), (name, c, k)  # starts at the parent's box
                assert near(pts[0], pts[1], b[c]), (name, c, k)  # the arrow's tip at the child's
        # each column in its order: top to bottom (LR) or left to right (TB)
        for column in layout["columns"]:
            at = [lay["nodes"][index[v]][along] for v in column]
            assert at == sorted(at), (name, [v.label for v in column])


_NUMBER = re.compile(r"[-−]?(?:\d+\.?\d*|\.\d+)(?:[eE][-−+]?\d+)?")


def leaked_grads(page: ExplorerPage, root: Value) -> list[tuple[str, float, str]]:
    """The grads of `root`'s graph that the page's file holds as a number, in any format: repr, JSON and
    {g:.{p}g} for p = 1..17 (with an ASCII or a true minus). The file is scanned as text, less the page's
    own script and styles (the same in every page: no graph's number is in them). Allowed, as the quiz
    shows them: the root's grad, and a grad that is also a number the page holds for another reason (a
    local derivative — ∂J/∂a⁽³⁾ is J's local derivative —, a data, an op's parameter, the quiz's
    tolerance), written the same way. Integers are not checked: the layouts' coordinates are integers
    (tenths of a point)."""
    text = page.html
    for asset in ("explore.js", "mirror.js", "explore.css"):
        code = resources.files("autograd").joinpath(asset).read_text(encoding="utf-8")
        assert code in text
        text = text.replace(code, "")
    tokens = {t.replace("−", "-") for t in _NUMBER.findall(text)}
    order = topological_order(root)
    grads, _, _ = backward_steps(order)
    shown = set()
    for v in order:
        numbers = [v.data, *v.local_grads]
        if hasattr(v.op, "params"):
            numbers += [
                x for p in v.op.params.values() for x in (p if isinstance(p, list) else [p]) if isinstance(x, float)
            ]
        shown |= {repr(x) for x in numbers} | {json.dumps(x) for x in numbers if math.isfinite(x)}
    shown |= {json.dumps(x) for x in embedded(page).values() if isinstance(x, float)}  # the quiz's tolerance
    leaks = []
    for v, g in zip(order[:-1], grads[:-1]):
        formats = {repr(g), json.dumps(g) if math.isfinite(g) else repr(g)} | {f"{g:.{p}g}" for p in range(1, 18)}
        for f in formats:
            if f in tokens and f not in shown and re.search(r"[.eE]", f):
                leaks.append((v.label or str(v.op), g, f))
    return leaks


def test_a_quiz_page_holds_no_grad_but_the_roots_in_any_format():
    net, J = jordan_2_2_2()
    layout = nn.layout(J)
    grads, _, _ = backward_steps(topological_order(J))
    # the scan finds them where they are: a full page holds each grad (but a₁⁽³⁾'s and a₂⁽³⁾'s, which are
    # J's local derivatives) in its JSON …
    full = explore(J, **layout)
    assert len({name for name, _, _ in leaked_grads(full, J)}) == 18 - 2
    quiz = explore(J, quiz=True, **layout, params=net.parameters())
    assert leaked_grads(quiz, J) == []
    # … and a grad to 3 digits anywhere in a quiz page's text would be found
    planted = ExplorerPage(quiz.html.replace("</h1>", f" ({grads[4]:.3g})</h1>"), nodes=19, steps=0, title="", height=0)
    assert leaked_grads(planted, J) == [("x_1", grads[4], f"{grads[4]:.3g}")]
    assert all(abs(g) < 1 and g != 0 for g in grads[:-1])  # so no grad of this page looks like an integer
    data = embedded(quiz)
    assert data["quiz"] and "steps" not in data and not any("grad" in n for n in data["nodes"])
    assert "quiz page" in repr(quiz)
    m = nn.MLP(3, [4, 2], seed=0)
    J2 = nn.mse([m([0.1, 0.2, 0.3])], [[0.5, 0.5]])
    assert leaked_grads(explore(J2, quiz=True, **nn.layout(J2)), J2) == []


@settings(max_examples=25, deadline=None)
@given(expression_graphs())
def test_a_quiz_page_of_any_graph_holds_no_grad(root):
    assert leaked_grads(explore(root, quiz=True), root) == []


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
    with pytest.raises(TypeError, match="explore: root must be a Value, got float"):
        explore(1.0)
    with pytest.raises(ValueError, match="highlight is not part of this graph"):
        explore(J, highlight=Value(1.0))
    with pytest.raises(TypeError, match="highlight must be a Value"):
        explore(J, highlight="w")
    with pytest.raises(ValueError, match="mode must be one of 'forward', 'backward', 'paths', 'quiz', got str: 'play'"):
        explore(J, mode="play")
    with pytest.raises(ValueError, match="explore: path_limit must be an integer ≥ 1, got 0"):
        explore(J, path_limit=0)
    with pytest.raises(TypeError, match="unexpected keyword argument 'show_grad'"):
        explore(J, show_grad=False)
    with pytest.raises(ValueError, match="more than max_nodes=10"):
        explore(J, max_nodes=10)
    with pytest.raises(TypeError, match="explore: max_nodes must be an integer ≥ 1, got str: '300'"):
        explore(J, max_nodes="300")
    with pytest.raises(TypeError, match="explore: max_nodes must be an integer ≥ 1, got NoneType: None"):
        explore(J, max_nodes=None)
    with pytest.raises(
        ValueError, match=r"explore: rankdir must be 'LR' or 'TB' \(or None: the one that fits\), got 'RL'"
    ):
        explore(J, rankdir="RL")
    with pytest.raises(TypeError, match="explore: quiz must be True or False, got str: 'yes'"):
        explore(J, quiz="yes")
    with pytest.raises(ValueError, match="a quiz page shows no paths"):
        explore(J, quiz=True, highlight=topological_order(J)[0])
    with pytest.raises(ValueError, match=r"explore: params\[0\] is not part of this graph"):
        explore(J, params=[Value(1.0)])
    with pytest.raises(ValueError, match=r"explore: params\[0\] is the result of op 'mse', not a leaf"):
        explore(J, params=[J])
    with pytest.raises(TypeError, match=r"explore: params\[1\] must be a Value, got float"):
        explore(J, params=[topological_order(J)[0], 1.0])
    page = explore(J)
    with pytest.raises(ValueError, match="ending in .html"):
        page.save(tmp_path / "p.svg")
    with pytest.raises(FileNotFoundError, match="no directory"):
        page.save(tmp_path / "missing" / "p.html")


def test_labels_over_1000_characters_and_lone_surrogates_are_refused_by_name():
    x = Value(1.0, label="x")
    y = x.tanh()
    y.label = "y" * 30_000
    with pytest.raises(ValueError, match="explore: the label of node v1 has 30,000 characters, more than 1,000"):
        explore(y)
    y.label = "\ud800"
    with pytest.raises(ValueError, match=r"explore: the label of node v1 holds a lone surrogate '\\ud800' at index 0"):
        explore(y)
    y.label = "y" * 1000  # at the limit: the page is made, the name cut in its box, whole in the panel
    assert embedded(explore(y))["nodes"][1]["name"] == "y" * 1000


def test_the_same_size_guard_as_draw():
    xs = [Value(float(i)) for i in range(200)]
    root = sum(xs[1:], xs[0])  # 200 leaves and 199 + nodes
    with pytest.raises(ValueError, match=r"the graph has 399 nodes \(Values\), more than max_nodes=200"):
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
    assert data["mode"] == "backward" and data["select"] is None and data["rankdir"] is None
    # nn passes its layers and its parameters (not the inputs x: a gradient step moves the weights)
    assert sorted(c[6] for c in data["layouts"]["LR"]["clusters"]) == [
        "layer 1 (inputs)",
        "layer 2",
        "layer 3 (output)",
    ]
    assert [data["nodes"][i]["label"][0] for i in data["params"]] == ["w"] * 8
    assert main(["explore", "--highlight", "w_1,1^(1)", "--path-limit", "3", "--rankdir", "TB", "-o", str(out)]) == 0
    data = json.loads(re.search(r'id="chainrule-data">(.*?)</script>', out.read_text(encoding="utf-8"), re.S)[1])
    assert data["mode"] == "paths" and data["nodes"][data["select"]]["label"] == "w_1,1^(1)"
    assert data["pathLimit"] == 3 and data["rankdir"] == "TB"
    capsys.readouterr()
    assert main(["explore", "--sizes", "2,3,1", "--no-backward", "-o", str(out)]) == 0
    assert "backward steps of a_1^(3)" in capsys.readouterr().out  # the output itself is the root
    assert main(["explore", "--quiz", "-o", str(out)]) == 0
    assert "19 nodes, a quiz on the grads of J" in capsys.readouterr().out
    data = json.loads(re.search(r'id="chainrule-data">(.*?)</script>', out.read_text(encoding="utf-8"), re.S)[1])
    assert data["quiz"] is True and data["mode"] == "quiz" and not any("grad" in n for n in data["nodes"])


@pytest.mark.parametrize(
    "argv, message",
    [
        (["-o", "p.svg"], "-o p.svg: the explorer page is HTML; use a name ending in .html"),
        (["--max-nodes", "5"], "pass --max-nodes 19"),
        (["--highlight", "nope"], "--highlight: no parameter called 'nope'"),
        (["--sample", "nan,inf"], "--sample: every number must be finite, got nan in nan,inf"),
        (["--target", "0.5,inf"], "--target: every number must be finite, got inf in 0.5,inf"),
        (["--quiz", "--highlight", "w_1,1^(1)"], "a quiz page shows no paths"),
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
    """`pip install .` must carry explore.js, mirror.js and explore.css (package data), or no page could be built.

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
    assert {p.name for p in (build / "autograd").iterdir()} >= {"explore.py", "explore.js", "mirror.js", "explore.css"}
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
