"""Drawing: real SVG rendered by graphviz's `dot`, parsed and checked against the graph's own numbers."""

from __future__ import annotations

import os
import re
import stat
import xml.etree.ElementTree as ET

import graphviz
import pytest

import nn
from autograd import Value, chain_paths, draw, save, topological_order, weighted_sum
from autograd.draw import PALETTE, browser_svg, node_names, number, pretty_label

SVG = "{http://www.w3.org/2000/svg}"
XLINK_TITLE = "{http://www.w3.org/1999/xlink}title"


def render(graph) -> ET.Element:
    return ET.fromstring(graph.pipe(format="svg"))


def groups_of(svg: ET.Element, cls: str) -> list[ET.Element]:
    return [g for g in svg.iter(f"{SVG}g") if g.get("class") == cls]


def nodes_by_title(svg: ET.Element) -> dict[str, ET.Element]:
    return {g.find(f"{SVG}title").text: g for g in groups_of(svg, "node")}


def edges_by_id(svg: ET.Element) -> dict[str, ET.Element]:
    """Each edge by its id: "v3.1" is the edge into node v3 from its parent number 1."""
    return {g.get("id"): g for g in groups_of(svg, "edge")}


def pieces(el: ET.Element) -> list[tuple[str | None, str]]:
    """Each piece of text in `el` with where it sits: "sub" below its line's baseline, "super" above, or
    None. A line that holds indices is one <text> of <tspan>s moved by dy (browsers ignore or misdraw
    dot's baseline-shift, which `save` and Jupyter's SVG replace), any other piece a <text> of its own."""
    out: list[tuple[str | None, str]] = []
    for t in el.iter(f"{SVG}text"):
        assert t.get("baseline-shift") is None, "a baseline-shift left in the SVG"
        spans = t.findall(f"{SVG}tspan")
        if not spans:
            out.append((None, t.text or ""))
        offset = 0.0
        for span in spans:
            offset += float(span.get("dy", 0))
            out.append(("sub" if offset > 0 else "super" if offset < 0 else None, span.text or ""))
    return out


def text_of(el: ET.Element) -> str:
    return " ".join(text.replace("\xa0", " ").strip() for _, text in pieces(el))


def caption(svg: ET.Element) -> str:
    """The graph label (legend and notes): text that belongs to no node, edge or cluster."""
    found = []

    def walk(el):
        for child in el:
            if child.tag == f"{SVG}g" and child.get("class") in ("node", "edge", "cluster"):
                continue
            if child.tag == f"{SVG}text":
                found.extend(text for _, text in pieces(child))
            walk(child)

    walk(svg)
    return re.sub(r"\s+", " ", " ".join(found))


def strokes(el: ET.Element) -> list[str]:
    return [p.get("stroke") for p in el.iter(f"{SVG}path")]


def x_range(el: ET.Element) -> tuple[float, float]:
    xs, _ = _coords(el)
    return min(xs), max(xs)


def y_range(el: ET.Element) -> tuple[float, float]:
    _, ys = _coords(el)
    return min(ys), max(ys)


def _coords(el: ET.Element) -> tuple[list[float], list[float]]:
    nums = []
    for shape in el.iter():
        if shape.tag in (f"{SVG}polygon", f"{SVG}path"):
            nums += [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", shape.get("points") or shape.get("d"))]
    return nums[0::2], nums[1::2]


def small_graph():
    a = Value(2.0, label="a")
    b = Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    d = (c + a).tanh()
    d.label = "d"
    return a, b, c, d


def jordan_2_2_2(fused: bool = True, bias: bool = False):
    """Jordan's 2-2-2 network (sigmoid, mse) with the course's debug weights, after one backward."""
    net = nn.MLP(2, [2, 2], bias=bias, init="debug", fused=fused)
    J = nn.mse([net([0.35, 0.9])], [[0.5, 0.1]])
    J.backward()
    return net, J


# ---------------------------------------------------------------- boxes, numbers, edges


def test_one_two_line_box_per_value_its_name_and_op_then_its_data_and_grad():
    *_, d = small_graph()
    d.backward()
    order = topological_order(d)
    found = nodes_by_title(render(draw(d)))
    assert sorted(found, key=lambda t: int(t[1:])) == [f"v{i}" for i in range(5)]  # a, b, c, c + a, d: no op nodes
    names = node_names(order)
    for title, box in found.items():
        i = int(title[1:])
        v = order[i]
        texts = [text.replace("\xa0", " ").strip() for _, text in pieces(box)]
        # the first line: the name (its label, or one made from its op), then the op; the second: data, grad
        assert texts[0] == names[i] and texts[0] == (v.label or names[i])
        assert texts[1:] == ([str(v.op)] if v.op else []) + [number(v.data), f"grad {number(v.grad)}"]
        lines = sorted({float(t.get("y")) for t in box.iter(f"{SVG}text")})
        assert len(lines) >= 2 and lines[-1] - lines[0] > 10  # two lines, one under the other
    assert names[3] == "sum₁" and "+" in text_of(found["v3"])  # c + a, unlabelled: named by its op
    # the grads printed are the real ones: ∂d/∂b = a · (1 − d²), not a placeholder
    b_text = text_of(found["v1"])
    assert b_text.startswith("b ") and f"grad {number(2.0 * (1 - d.data**2))}" in b_text


def test_each_edge_carries_its_own_local_derivative():
    *_, d = small_graph()
    order = topological_order(d)
    svg = render(draw(d, precision=6))
    edges = edges_by_id(svg)
    expected = {f"v{i}.{k}": number(local, 6) for i, v in enumerate(order) for k, local in enumerate(v.local_grads)}
    assert {k: text_of(e) for k, e in edges.items()} == expected
    for key, e in edges.items():  # parent → child, no op node in between
        child, slot = (int(t) for t in key[1:].split("."))
        assert e.find(f"{SVG}title").text == f"v{order.index(order[child].parents[slot])}->v{child}"
    assert set(expected.values()) >= {"−3", "2", "1", number(1 - d.data**2, 6)}  # ∂c/∂a = b, ∂c/∂b = a, …
    # a + a: two edges between the same two nodes, each its own
    x = Value(1.5, label="x")
    y = x + x
    assert sorted(edges_by_id(render(draw(y)))) == ["v1.0", "v1.1"]


def test_numbers_are_written_in_one_format_with_a_true_minus():
    x = Value(-1.2e-05, label="x")
    y = x * 1000.0
    y.backward()
    texts = text_of(render(draw(y)))
    assert "−1.2e−05" in texts and "−0.012" in texts and "-" not in texts.replace("e−", "")  # no ASCII minus
    assert number(-1.2e-05) == "−1.2e−05" and number(1234567.0) == "1.235e+06" and number(float("-inf")) == "−inf"


def test_edge_labels_can_be_turned_off_and_rankdir_is_checked():
    *_, d = small_graph()
    svg = render(draw(d, edge_labels=False, rankdir="TB"))
    assert groups_of(svg, "edge") and all(not text_of(e).strip() for e in groups_of(svg, "edge"))
    with pytest.raises(ValueError, match="draw: rankdir must be 'LR' or 'TB', got 'RL'"):
        draw(d, rankdir="RL")


# ---------------------------------------------------------------- labels and names


def test_labels_are_shown_literally_and_pretty_only_when_the_whole_label_is_a_math_name():
    x = Value(1.0, label="<x & y>")
    y = Value.from_op(2.0, (x,), (2.0,), "a<b")
    y.label = "y^2"  # no parentheses: not a superscript, printed as is
    z = y * Value(3.0, label="hidden_layer_1_out")
    z.label = "θ'_2"
    svg = render(draw(z))
    text = text_of(svg)
    assert "<x & y>" in text and "a<b" in text and "y^2" in text and "hidden_layer_1_out" in text
    shifted = [(where, text) for where, text in pieces(svg) if where]
    assert shifted == [("sub", "2")]  # only θ′₂: snake_case words are never split into a subscript
    assert pretty_label("hidden_layer_1_out") == "hidden_layer_1_out"
    assert (
        pretty_label("θ'_2") == "θ′₂"
        and pretty_label("w_1,1^(1)") == "w₁₁⁽¹⁾"
        and pretty_label("w_12,3^(2)") == "w₁₂,₃⁽²⁾"
    )
    for verbatim in (
        "ab_1",
        "x_",
        "x_a",
        "a_q^(2)",
        "x^(1",
        "x_1^(1)y",
        "L2",
        "x__1",
        "١_1",
        "attn_1,2^(1)",
        "x_1^(1.)",
    ):
        assert pretty_label(verbatim) == verbatim
    # one letter of any alphabet, an accent on it, a superscript with dots (a GPT's layer.head)
    assert pretty_label("ℓ_1,2") == "ℓ₁₂" and pretty_label("x̂_1,1^(0)") == "x̂₁₁⁽⁰⁾"
    assert pretty_label("α_2,1^(1.1)") == "α₂₁⁽¹·¹⁾"


def test_every_node_has_a_distinct_name_shown_in_its_box():
    a, b, c = Value(2.0, label="a"), Value(-3.0, label="b"), Value(0.5, label="c")
    root = (a * b + c).tanh() * a + a**2 / b
    order = topological_order(root)
    names = node_names(order)
    assert len(set(names)) == len(names)
    by_op: dict[str, list[str]] = {}
    for v, name in zip(order, names):
        by_op.setdefault(str(v.op), []).append(name)
    assert by_op["*"] == ["prod₁", "prod₂"] and by_op["/"] == ["quot₁"]  # not "(*)" twice, nor "((/))"
    assert by_op["**2"] == ["pow₁"] and by_op["tanh"] == ["tanh₁"] and by_op["+"] == ["sum₁", "sum₂"]
    boxes = [text_of(box) for box in nodes_by_title(render(draw(root))).values()]
    assert sum(t.startswith("prod₁ *") for t in boxes) == 1 and sum(t.startswith("quot₁ /") for t in boxes) == 1
    # labels that repeat are numbered; a constant is a const
    h1, h2 = Value(1.0, label="h"), Value(2.0, label="h")
    assert node_names(topological_order(h1 * h2 + 3.0)) == ["h#1", "h#2", "prod₁", "const₁", "sum₁"]


def test_labels_over_1000_characters_and_lone_surrogates_are_refused_by_name(tmp_path):
    x = Value(1.0, label="x")
    y = x * 2.0
    y.label = "&" * 30_000  # dot itself breaks on labels this long (escaping & makes it five times longer)
    with pytest.raises(ValueError, match=r"draw: the label of node v2 has 30,000 characters, more than 1,000"):
        draw(y)
    y.label = "\\&<" * 333  # 999 characters: drawn, cut in its box, whole in its tooltip
    svg = save(draw(y), tmp_path / "long.svg")
    box = nodes_by_title(ET.parse(svg).getroot())["v2"]
    assert text_of(box).startswith("\\&<\\&<") and "…" in text_of(box)
    assert box.find(f".//{SVG}a").get(XLINK_TITLE).startswith("\\&<" * 333 + ": data = 2.0")
    x.label = "x\ud800"  # a lone surrogate: no UTF-8 file can hold it (Value() refuses it; assigned later)
    with pytest.raises(ValueError, match=r"draw: the label of node v0 holds a lone surrogate '\\ud800' at index 1"):
        draw(y)


# ---------------------------------------------------------------- before backward


def test_before_backward_the_picture_says_grads_are_not_computed():
    *_, d = small_graph()
    svg = render(draw(d))
    assert "grads not computed yet: call backward() on the root" in caption(svg)
    boxes = nodes_by_title(svg).values()
    assert len(boxes) == 5 and all(text_of(n).endswith("grad —") for n in boxes)
    d.backward()
    svg = render(draw(d))
    assert "not computed" not in text_of(svg) and "grad —" not in text_of(svg)


def test_show_grad_overrides_the_automatic_choice():
    *_, d = small_graph()
    forced = render(draw(d, show_grad=True))  # before backward: the zeros, as asked
    assert all(text_of(n).endswith("grad 0") for n in nodes_by_title(forced).values())
    assert "not computed" not in text_of(forced)
    d.backward()
    hidden = render(draw(d, show_grad=False))
    assert "grad" not in text_of(hidden) and "−0.9993" in text_of(hidden)  # c + a = −4: tanh(−4) = −0.9993


# ---------------------------------------------------------------- highlighted paths


def test_each_chain_rule_path_is_drawn_in_its_own_colour():
    net, J = jordan_2_2_2()
    w = net.layers[0].neurons[0].w[0]  # θ₁₁⁽¹⁾, Jordan's example: two paths, blue and orange
    assert w.label == "w_1,1^(1)"
    order = topological_order(J)
    paths = chain_paths(J, w)
    assert len(paths) == 2
    svg = render(draw(J, highlight=w))
    edges = {e.find(f"{SVG}title").text: strokes(e) for e in groups_of(svg, "edge")}
    on_path = set()
    for k, path in enumerate(paths):
        for e in path.edges:
            title = f"v{order.index(e.parent)}->v{order.index(e.child)}"
            assert PALETTE[k] in edges[title], (k, title, edges[title])
            on_path.add(title)
    assert len(on_path) == 5 + 5 - 2  # 5 edges per path, the first two shared (w → z → a)
    for title, colours in edges.items():
        if title not in on_path:
            assert not set(colours) & set(PALETTE), title
    # nodes on a path are framed in the colour of the first path through them
    z2_3 = next(n for n in nodes_by_title(svg).values() if text_of(n).startswith("z 2 (3)"))
    assert PALETTE[1] in strokes(z2_3)


def test_the_legend_lists_each_paths_factors_and_product_and_their_sum_is_the_grad():
    net, J = jordan_2_2_2()
    w = net.layers[0].neurons[1].w[1]  # w_2,2^(1)
    paths = chain_paths(J, w)
    assert len(paths) == 2
    assert sum(p.product for p in paths) == pytest.approx(w.grad, rel=1e-12)
    svg = render(draw(J, highlight=w))
    legend = caption(svg)
    for k, p in enumerate(paths, start=1):
        assert f"path {k}:" in legend
        assert " · ".join(number(e.local) for e in p.edges) + f" = {number(p.product)}" in legend
    assert "sum of the products" in legend and f"= {number(w.grad)} = grad {number(w.grad)}" in legend
    # the full floats ride along as the graph's tooltip
    tip = next(a.get(XLINK_TITLE) for a in svg.iter(f"{SVG}a") if "sum =" in (a.get(XLINK_TITLE) or ""))
    tip = tip.replace("−", "-")
    products = [float(m) for m in re.findall(r"product = (\S+?);", tip)]
    assert products == [p.product for p in paths]
    total, grad = (float(m) for m in re.search(r"sum = (\S+), grad = (\S+)", tip).groups())
    assert total == sum(products) and total == pytest.approx(grad, rel=1e-12) and grad == w.grad


def test_the_legend_says_so_when_the_grad_is_not_the_sum():
    net, J = jordan_2_2_2()
    J.backward()  # a second call: the parameters' grads accumulate to twice ∂J/∂w
    w = net.layers[1].neurons[0].w[0]
    legend = caption(render(draw(J, highlight=w)))
    assert f"≠ grad {number(w.grad)}" in legend and "zero_grad()" in legend


def test_highlight_before_backward_lists_the_products_already():
    net = nn.MLP(1, [1, 1], bias=False, init="debug")
    J = nn.mse([net([0.35])], [[0.5]])
    w = net.layers[0].neurons[0].w[0]
    legend = caption(render(draw(J, highlight=w)))
    (path,) = chain_paths(J, w)
    assert f"= {number(path.product)}" in legend and "(grads not computed yet)" in legend


def test_too_many_paths_is_an_error_with_advice():
    x = Value(1.0, label="x")
    y = x
    for _ in range(5):
        y = y + y  # each step doubles the paths: 32
    y.backward()
    with pytest.raises(ValueError, match=r"highlight: 32 paths lead from x to the root, more than path_limit=16: pass"):
        draw(y, highlight=x)
    svg = render(draw(y, highlight=x, path_limit=32))
    assert "path 32:" in caption(svg) and "= 32 = grad 32" in caption(svg)


def test_highlight_must_be_in_the_graph():
    z = weighted_sum([Value(0.5)], [Value(2.0)])
    with pytest.raises(ValueError, match="not part of this graph"):
        draw(z, highlight=Value(3.0))
    with pytest.raises(TypeError, match="highlight must be a Value"):
        draw(z, highlight=3.0)


# ---------------------------------------------------------------- groups: a network's layers come from nn


def test_an_nn_graph_is_labelled_like_the_course_and_grouped_by_the_layers_nn_passes():
    net, J = jordan_2_2_2()
    svg = render(draw(J, **nn.layout(J)))
    found = nodes_by_title(svg)

    def spans(node):
        return pieces(node)[:3]

    labelled = {tuple(spans(n)) for n in found.values()}
    assert ((None, "w"), ("sub", "2,1"), ("super", "(1)")) in labelled
    assert ((None, "z"), ("sub", "1"), ("super", "(2)")) in labelled
    assert ((None, "a"), ("sub", "2"), ("super", "(3)")) in labelled
    assert any(s[:2] == ((None, "x"), ("sub", "1")) for s in labelled)
    assert any(text_of(n).startswith("J mse") for n in found.values())
    bases = [s[0][1] for s in labelled if len(s) > 1 and s[1][0] == "sub"]
    assert sorted(bases).count("z") == 4 and sorted(bases).count("a") == 4 and sorted(bases).count("w") == 8
    assert len(found) == len(topological_order(J)) == 19
    titles = sorted(text_of(c) for c in groups_of(svg, "cluster"))
    assert titles == ["layer 1 (inputs)", "layer 2", "layer 3 (output)"]
    # autograd knows nothing of nn's labels: without the groups nn passes, no layers
    assert not groups_of(render(draw(J)), "cluster")


def test_the_layers_sit_side_by_side_with_each_weight_in_the_column_it_leaves():
    net, J = jordan_2_2_2(bias=True)
    svg = render(draw(J, **nn.layout(J)))
    clusters = sorted(groups_of(svg, "cluster"), key=lambda c: x_range(c)[0])
    assert [text_of(c).split(" (")[0] for c in clusters] == ["layer 1", "layer 2", "layer 3"]
    spans = [x_range(c) for c in clusters]
    assert spans[0][1] < spans[1][0] and spans[1][1] < spans[2][0]  # no overlap, left to right
    found = {" ".join(text_of(n).split()[:3]): n for n in nodes_by_title(svg).values()}

    def centre(name):
        lo, hi = x_range(found[name])
        return (lo + hi) / 2

    # Θ^(1) with the inputs, Θ^(2) with the activations a^(2) they multiply
    for name in ("w 1,1 (1)", "w 2,2 (1)", "b 1 (1)"):
        assert centre(name) == pytest.approx(centre("x 1 0.35"), abs=2)
    for name in ("w 1,2 (2)", "w 2,1 (2)", "b 2 (2)", "a 2 (2)"):
        assert centre(name) == pytest.approx(centre("a 1 (2)"), abs=2)
    assert y_range(found["x 1 0.35"])[0] < y_range(found["x 2 0.9"])[0]  # x₁ above x₂, as in Jordan's diagrams
    # top to bottom: the layers stack downwards instead
    tb = sorted(groups_of(render(draw(J, rankdir="TB", **nn.layout(J))), "cluster"), key=lambda c: y_range(c)[0])
    ys = [y_range(c) for c in tb]
    assert ys[0][1] < ys[1][0] and ys[1][1] < ys[2][0]


def test_elementary_neurons_keep_their_products_inside_the_layer():
    net, J = jordan_2_2_2(fused=False)
    svg = render(draw(J, **nn.layout(J)))
    n_values = len(topological_order(J))
    assert n_values == 8 + 2 + 8 + 4 + 4 + 1  # weights, inputs, products, z's (one + each), a's, J
    boxes = [(x_range(c), y_range(c)) for c in groups_of(svg, "cluster")]

    def inside(node):
        (x0, x1), (y0, y1) = x_range(node), y_range(node)
        return any(bx[0] <= x0 and x1 <= bx[1] and by[0] <= y0 and y1 <= by[1] for bx, by in boxes)

    values = nodes_by_title(svg)
    assert len(values) == n_values
    outside = [text_of(n).split()[0] for n in values.values() if not inside(n)]
    assert outside == ["J"]  # only J stands outside the layers; the unlabelled products are inside
    assert len(groups_of(svg, "cluster")) == 3


def test_groups_of_your_own_and_columns_in_your_order():
    x = [Value(1.0, label="p"), Value(2.0, label="q"), Value(3.0, label="r")]
    ws = [Value(0.5, label="u"), Value(-0.5, label="v"), Value(0.25, label="s")]
    z = weighted_sum(ws, x)
    svg = render(draw(z, groups={x[0]: "inputs", x[1]: "inputs", x[2]: "inputs"}, columns=[x[::-1]], rankdir="TB"))
    assert [text_of(c) for c in groups_of(svg, "cluster")] == ["inputs"]
    boxes = {text_of(n).split()[0]: n for n in nodes_by_title(svg).values()}
    assert x_range(boxes["r"])[0] < x_range(boxes["q"])[0] < x_range(boxes["p"])[0]  # the column's order, left to right
    assert not groups_of(render(draw(z)), "cluster")
    with pytest.raises(TypeError, match="draw: groups must be a mapping Value → group name, got list"):
        draw(z, groups=[x[0]])
    with pytest.raises(TypeError, match="draw: columns must be a list of lists of Values, got dict"):
        draw(z, columns={})


def test_nn_layout_groups_what_follows_its_labels_and_leaves_a_users_own_node_outside():
    net = nn.MLP(2, [2, 1], activation="tanh", fused=False, seed=0)
    out = net([0.3, -0.2])  # one output: the Value itself
    extra = out * 2.0
    extra.label = "score"
    layout = nn.layout(extra)
    svg = render(draw(extra, **layout))
    assert len(groups_of(svg, "cluster")) == 3
    assert layout["groups"].get(extra) is None and layout["groups"][out] == "layer 3 (output)"
    assert nn.layout((Value(0.5, label="x_1") * 2.0).tanh()) == {"groups": {}, "columns": []}  # not a network


# ---------------------------------------------------------------- the guard and bad arguments


def test_the_guard_names_the_size_and_what_to_do():
    net = nn.MLP(4, [16, 16, 1], fused=False)
    out = net([0.1, 0.2, 0.3, 0.4])
    n = len(topological_order(out))
    assert n > 1000
    with pytest.raises(ValueError) as exc:
        draw(out)
    message = str(exc.value)
    assert message == (
        f"draw: the graph has {n:,} nodes (Values), more than max_nodes=200, and graphviz would take very long "
        f"to lay it out: draw a smaller graph or a single sample, or pass max_nodes={n}"
    )
    assert "fused" not in message  # fused neurons are nn.MLP's default: no advice to ask for them
    with pytest.raises(ValueError, match=f"the graph has {n:,} nodes"):
        draw(out, max_nodes=n - 1)
    assert draw(out, max_nodes=n).source  # at the limit: drawn


def test_bad_arguments_are_named():
    *_, d = small_graph()
    with pytest.raises(ValueError, match="draw: precision must be an integer ≥ 1 and ≤ 17, got 0"):
        draw(d, precision=0)
    with pytest.raises(TypeError, match="draw: root must be a Value, got float"):
        draw(1.0)
    with pytest.raises(TypeError, match="draw: max_nodes must be an integer ≥ 1, got NoneType: None"):
        draw(d, max_nodes=None)
    with pytest.raises(TypeError, match="draw: path_limit must be an integer ≥ 1, got float: 2.5"):
        draw(d, path_limit=2.5)
    with pytest.raises(
        TypeError, match=r"save: graph must be a graph made by draw\(\) \(a graphviz Digraph\), got str"
    ):
        save("not a graph", "x.svg")


# ---------------------------------------------------------------- files and notebooks


def test_save_writes_svg_png_and_pdf(tmp_path):
    *_, d = small_graph()
    g = draw(d)
    svg = save(g, tmp_path / "g.svg")
    assert svg == tmp_path / "g.svg"
    assert len(nodes_by_title(ET.parse(svg).getroot())) == 5
    assert save(g, tmp_path / "g.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert save(g, str(tmp_path / "g.pdf")).read_bytes()[:5] == b"%PDF-"
    assert save(g, tmp_path / "g.image", format="png").read_bytes()[:4] == b"\x89PNG"
    assert sorted(os.listdir(tmp_path)) == ["g.image", "g.pdf", "g.png", "g.svg"]  # no temp files left
    # the mode a plain open() would give (mkstemp's files are private)
    umask = os.umask(0o022)
    os.umask(umask)
    assert stat.S_IMODE(svg.stat().st_mode) == 0o666 & ~umask


def test_save_refuses_unknown_formats_and_missing_directories(tmp_path):
    g = draw(small_graph()[-1])
    with pytest.raises(ValueError, match=r"^save: cannot tell the format of .*g\.txt.*\.svg, \.png or \.pdf"):
        save(g, tmp_path / "g.txt")
    with pytest.raises(ValueError, match="^save: format must be one of svg, png, pdf, got 'bmp'"):
        save(g, tmp_path / "g.svg", format="bmp")
    with pytest.raises(FileNotFoundError, match="no directory"):
        save(g, tmp_path / "missing" / "g.svg")
    assert not list(tmp_path.iterdir())


def test_a_failed_render_leaves_the_existing_file_alone(tmp_path):
    g = draw(small_graph()[-1])
    svg = save(g, tmp_path / "g.svg")
    before = svg.read_bytes()
    g.body.append("this is not dot syntax {{{")
    with pytest.raises(RuntimeError, match="dot could not render the graph: .*syntax error"):
        save(g, svg)
    assert svg.read_bytes() == before and os.listdir(tmp_path) == ["g.svg"]


def test_missing_dot_is_a_clear_error(tmp_path, monkeypatch):
    g = draw(small_graph()[-1])
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot on it
    with pytest.raises(RuntimeError, match="'dot' program is not installed.*apt-get install graphviz"):
        save(g, tmp_path / "g.svg")
    assert not list(tmp_path.iterdir())


def test_jupyter_displays_the_graph_inline():
    *_, d = small_graph()
    bundle = draw(d)._repr_mimebundle_()
    svg = ET.fromstring(bundle["image/svg+xml"].encode())
    assert len(nodes_by_title(svg)) == 5


def test_svg_for_browsers_has_no_baseline_shift_and_every_label_whole(tmp_path):
    # dot writes <SUB>/<SUP> as <text>s with baseline-shift: Chromium draws them full size a line off,
    # Firefox ignores it. save, graph.pipe and Jupyter's SVG have none; each line is one <text>.
    net, J = jordan_2_2_2()
    g = draw(J, highlight=net.layers[0].neurons[0].w[0], **nn.layout(J))
    raw = graphviz.Digraph.pipe(g, format="svg").decode()  # dot's own SVG
    # indices: 18 boxes (x₁, x₂ a subscript only, J none), the legend's 2 paths of 5 and its ∂J/∂w₁₁⁽¹⁾
    assert raw.count('baseline-shift="sub"') == 18 + 11 and raw.count('baseline-shift="super"') == 16 + 11
    saved = save(g, tmp_path / "g.svg").read_text()
    for svg in (saved, g.pipe(format="svg").decode(), g._repr_mimebundle_()["image/svg+xml"]):
        assert "baseline-shift" not in svg and svg == saved
        root = ET.fromstring(svg.encode())
        order = topological_order(J)
        for title, box in nodes_by_title(root).items():
            v = order[int(title[1:])]
            m = re.fullmatch(r"(\w)(?:_([\d,]+))?(?:\^\((\d+)\))?", v.label)
            base, sub, sup = m.groups()
            first = next(box.iter(f"{SVG}text"))  # the name's line
            assert "".join(first.itertext()) == base + (sub or "") + (f"({sup})" if sup else "")
            expected = [(None, base)] + [("sub", sub)] * bool(sub) + [("super", f"({sup})")] * bool(sup)
            assert pieces(box)[: len(expected)] == expected
            for span in first.findall(f"{SVG}tspan")[1:]:  # the indices at 0.8 of the name's 11 pt
                assert span.get("font-size") == "8.80"
        legend = caption(root)
        assert "path 1: w 1,1 (1) → z 1 (2) → a 1 (2) → z 1 (3) → a 1 (3) → J" in legend
        assert "path 2: w 1,1 (1) → z 1 (2) → a 1 (2) → z 2 (3) → a 2 (3) → J" in legend
        # the indices move by an explicit dy and come back to the baseline after: 11 pt × 0.2, × 0.15
        line = next(t for t in box.iter(f"{SVG}text") if t.findall(f"{SVG}tspan"))
        assert [s.get("dy") for s in line.findall(f"{SVG}tspan")] == [None, "2.20", "-3.85"]
    # a cell after the indices (the op, right-aligned) keeps its own <text> where dot put it
    x = Value(1.0, label="x_1")
    z = Value.from_op(2.0, (x,), (1.0,), "a_long_op_name")
    z.label = "z_1^(2)"
    g = draw(z, show_grad=False)
    ops = [
        next(t for t in svg.iter(f"{SVG}text") if t.text == "a_long_op_name")
        for svg in (render(g), ET.fromstring(graphviz.Digraph.pipe(g, format="svg")))
    ]
    assert ops[0].attrib == ops[1].attrib
    assert pieces(nodes_by_title(render(g))["v1"]) == [
        (None, "z"),
        ("sub", "1"),
        ("super", "(2)"),
        (None, "a_long_op_name"),
        (None, "2"),
    ]
    # PNG and PDF are dot's own, untouched
    assert save(g, tmp_path / "g.png").read_bytes() == graphviz.Digraph.pipe(g, format="png")
    # a graph without indices keeps dot's SVG byte for byte; applying the fix twice changes nothing
    plain = draw(small_graph()[-1])
    assert plain.pipe(format="svg") == graphviz.Digraph.pipe(plain, format="svg")
    assert browser_svg(saved) == saved and browser_svg(raw) == saved
    assert browser_svg(raw.encode()) == saved.encode()


def test_a_graph_prints_what_it_is_not_a_memory_address():
    a = Value(2.0, label="a")
    b = (a * a).tanh()
    g = draw(b)
    assert repr(g) == "<chainrule graph of 3 values: save(graph, 'file.svg'), or show it in Jupyter>"
    assert repr(g.copy()) == repr(g) and " at 0x" not in repr(g)


def test_draw_prints_given_grads_and_leaves_the_values_alone():
    a = Value(2.0, label="a")
    b = (a * 3.0).tanh()
    b.label = "b"
    nodes = topological_order(b)
    given = {v: float(i) + 0.5 for i, v in enumerate(nodes)}  # not the engine's: only printed
    text = text_of(render(draw(b, grads=given)))
    assert "grad 0.5" in text and f"grad {len(nodes) - 0.5:g}" in text
    assert "grads not computed" not in text and all(v.grad == 0.0 for v in nodes)
    with pytest.raises(ValueError, match="grads has no entry for a"):
        draw(b, grads={b: 1.0})
    with pytest.raises(TypeError, match="grads must be a mapping"):
        draw(b, grads=[1.0])


@pytest.mark.parametrize("make", ["draw", "explore"])
def test_a_column_across_two_groups_is_refused_by_name(make):
    # found by hand: explore() failed with a bare KeyError 'bb' and draw emptied the groups' boxes
    import autograd

    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    c = a * b
    with pytest.raises(ValueError, match=rf"^{make}: columns\[0\] holds nodes of 2 groups \(g1, g2\): a column is"):
        getattr(autograd, make)(c, groups={a: "g1", b: "g2"}, columns=[[a, b]])
