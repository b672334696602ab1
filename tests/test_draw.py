"""Drawing: real SVG rendered by graphviz's `dot`, parsed and checked."""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET

import pytest

import nn
from autograd import Value, draw, save, topological_order, weighted_sum
from autograd.draw import PALETTE

SVG = "{http://www.w3.org/2000/svg}"


def render(graph) -> ET.Element:
    return ET.fromstring(graph.pipe(format="svg"))


def nodes_by_title(root: ET.Element) -> dict[str, ET.Element]:
    return {g.find(f"{SVG}title").text: g for g in root.iter(f"{SVG}g") if g.get("class") == "node"}


def edges(root: ET.Element) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if g.get("class") == "edge"]


def text_of(el: ET.Element) -> str:
    return " ".join(t.text or "" for t in el.iter(f"{SVG}text"))


def small_graph():
    a = Value(2.0, label="a")
    b = Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    d = (c + a).tanh()
    d.label = "d"
    return a, b, c, d


def test_one_svg_node_per_value_and_per_op_with_data_grads_and_edge_labels():
    a, b, c, d = small_graph()
    d.backward()
    svg = render(draw(d))
    found = nodes_by_title(svg)
    values = [t for t in found if re.fullmatch(r"v\d+", t)]
    ops = [t for t in found if re.fullmatch(r"op\d+", t)]
    order = topological_order(d)
    assert len(values) == len(order) == 5  # a, b, c, c + a, d
    assert len(ops) == 3  # *, +, tanh
    texts = {t: text_of(found[t]) for t in values}
    assert any("a" in s and "data 2" in s and f"grad {a.grad:.4g}" in s for s in texts.values())
    assert any("data -6" in s and f"grad {c.grad:.4g}" in s for s in texts.values())
    # every parent → op edge carries its local derivative: ∂c/∂a = b = −3, ∂c/∂b = a = 2
    labels = [text_of(e) for e in edges(svg) if text_of(e).strip()]
    assert "-3" in labels and "2" in labels and f"{d.local_grads[0]:.4g}" in labels
    assert len(labels) == 2 + 2 + 1  # one per parent of each op


def test_edge_labels_can_be_turned_off_and_rankdir_checked():
    *_, d = small_graph()
    svg = render(draw(d, edge_labels=False, rankdir="TB"))
    assert all(not text_of(e).strip() for e in edges(svg))
    with pytest.raises(ValueError, match="rankdir must be 'LR' or 'TB'"):
        draw(d, rankdir="RL")


def test_before_backward_the_picture_says_grads_are_not_computed():
    *_, d = small_graph()
    svg = render(draw(d))
    assert "grads not computed yet" in text_of(svg)
    values = [n for t, n in nodes_by_title(svg).items() if t.startswith("v")]
    assert all("grad not computed" in text_of(n) for n in values)
    assert not any(re.search(r"grad 0\b", text_of(n)) for n in values)


def seeds_2_2_2():
    net = nn.MLP(2, [2, 2], bias=False, init="debug")
    J = nn.mse([net([0.35, 0.9])], [[0.5, 0.1]])
    J.backward()
    return net, J


def test_highlighted_paths_are_coloured_and_the_legend_sums_to_the_grad():
    net, J = seeds_2_2_2()
    w = net.layers[0].neurons[0].w[0]
    svg = render(draw(J, highlight=w))
    strokes = [p.get("stroke") for e in edges(svg) for p in e.iter(f"{SVG}path")]
    assert strokes.count(PALETTE[0]) >= 5 and strokes.count(PALETTE[1]) >= 5  # blue and orange paths
    legend = text_of(nodes_by_title(svg)["legend"])
    products = [float(m) for m in re.findall(r"= (-?[\d.e-]+)\s", legend + " ")][:2]
    assert len(products) == 2
    assert sum(products) == pytest.approx(w.grad, rel=1e-3)
    assert f"= grad {w.grad:.4g}" in legend
    assert "path 1" in legend and "path 2" in legend


def test_the_legend_products_are_the_exact_chain_rule_products():
    from autograd import chain_paths

    net, J = seeds_2_2_2()
    w = net.layers[0].neurons[1].w[1]
    paths = chain_paths(J, w)
    assert sum(p.product for p in paths) == pytest.approx(w.grad, rel=1e-12)
    legend = text_of(nodes_by_title(render(draw(J, highlight=w)))["legend"])
    for p in paths:
        assert f"{p.product:.4g}" in legend


def test_nn_graph_is_grouped_by_layer_and_labelled_like_the_seeds():
    net, J = seeds_2_2_2()
    svg = render(draw(J))
    clusters = [g for g in svg.iter(f"{SVG}g") if g.get("class") == "cluster"]
    titles = sorted(text_of(c) for c in clusters)
    assert titles == ["layer 1 (inputs)", "layer 2", "layer 3"]
    everything = text_of(svg)
    # sub- and superscripts are separate text spans: z, 1, (2)
    for base, sub, sup in [("x", "1", None), ("w", "2,1", "(1)"), ("z", "1", "(2)"), ("a", "2", "(3)")]:
        assert re.search(
            rf"{re.escape(base)}\s+{re.escape(sub)}" + (rf"\s+{re.escape(sup)}" if sup else ""), everything
        )
    assert "J" in everything and "mse" in everything
    # fused neurons: one z and one a per neuron, so 4 z's and 4 a's
    assert len(topological_order(J)) == 8 + 2 + 4 + 4 + 1


def test_the_guard_names_the_size_and_what_to_do():
    net = nn.MLP(4, [16, 16, 1], fused=False)
    out = net([0.1, 0.2, 0.3, 0.4])[0]
    n = len(topological_order(out))
    with pytest.raises(ValueError, match=rf"the graph has {n:,} Value nodes, more than max_nodes=200.*fused neurons"):
        draw(out)
    assert draw(out, max_nodes=n) is not None


def test_save_writes_svg_png_pdf_atomically(tmp_path):
    *_, d = small_graph()
    g = draw(d)
    svg = save(g, tmp_path / "g.svg")
    png = save(g, tmp_path / "g.png")
    pdf = save(g, tmp_path / "g.pdf")
    ET.parse(svg)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert pdf.read_bytes()[:4] == b"%PDF"
    assert sorted(os.listdir(tmp_path)) == ["g.pdf", "g.png", "g.svg"]
    with pytest.raises(ValueError, match="cannot tell the format"):
        save(g, tmp_path / "g.txt")
    before = svg.read_bytes()
    g.body.append("this is not dot syntax {{{")
    with pytest.raises(RuntimeError, match="dot could not render the graph: .*syntax error"):
        save(g, svg)
    assert svg.read_bytes() == before and sorted(os.listdir(tmp_path)) == ["g.pdf", "g.png", "g.svg"]


def test_missing_dot_is_a_clear_error(tmp_path, monkeypatch):
    *_, d = small_graph()
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(RuntimeError, match="apt-get install graphviz"):
        save(draw(d), tmp_path / "g.svg")


def test_jupyter_displays_the_graph_inline():
    *_, d = small_graph()
    bundle = draw(d)._repr_mimebundle_()
    assert "image/svg+xml" in bundle and bundle["image/svg+xml"].lstrip().startswith("<?xml")


def test_custom_groups_and_unlabelled_nodes():
    x = [Value(1.0), Value(2.0)]
    w = [Value(0.5), Value(-0.5)]
    z = weighted_sum(w, x)
    svg = render(draw(z, groups={x[0]: "inputs", x[1]: "inputs"}))
    titles = [text_of(c) for c in svg.iter(f"{SVG}g") if c.get("class") == "cluster"]
    assert titles == ["inputs"]
    with pytest.raises(ValueError, match="not part of this graph"):
        draw(z, highlight=Value(3.0))


def test_elementary_neurons_keep_their_products_inside_the_layer():
    net = nn.MLP(2, [2, 2], bias=False, init="debug", fused=False)
    J = nn.mse([net([0.35, 0.9])], [[0.5, 0.1]])
    J.backward()
    source = draw(J).source
    # nodes inside a cluster are indented twice in the dot source, top-level nodes once
    top_level = re.findall(r"^\t(v\d+) \[", source, flags=re.M)
    in_clusters = re.findall(r"^\t\t(v\d+) \[", source, flags=re.M)
    n_values = len(topological_order(J))
    assert n_values == 8 + 2 + 8 + 4 + 4 + 1  # weights, inputs, products, z's (one + each), a's, J
    assert len(top_level) == 1 and len(in_clusters) == n_values - 1  # only J stands outside the layers
    assert source.count("subgraph cluster_") == 3
