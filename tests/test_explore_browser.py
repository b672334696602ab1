"""The explorer page in a real browser: headless Chromium driven by Playwright, pages opened from file://.

Each test saves a page, opens it, and drives it as a learner does (clicks, keys, typing, dragging) or
through `window.chainrule`, then reads the DOM. The references are the engine's: the edges
`backward()` processes, observed as it runs (explore_helpers.engine_backward), its grads on graphs
built again with other leaf values, `nn.SGD`, `chain_paths` and `count_paths`. After every test the
`tab` fixture checks that the page made no request but for its own file and raised no script error
(the page itself logs an error if its backward walk differs from the one recorded in Python).
Screenshots at 1280×800 and 390×844 land in the test's temp folder (`make screenshot` also writes
the README's, docs/explorer.png).
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import pytest
from explore_helpers import close, engine_backward, expression_graphs, programs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nn
from autograd import Value, chain_paths, count_paths, explore, fused, ops, topological_order
from autograd.draw import PALETTE, number
from autograd.files import write_atomically
from nn.examples import EXAMPLE_DATA

REPLAY = """() => {
  const c = window.chainrule;
  c.reset();
  const steps = [];
  let r;
  while ((r = c.step()) !== null) steps.push(r);
  return { steps, shown: c.nodes().map((n) => c.shown(n.id)), nodes: c.nodes(), after: c.step() };
}"""

# The size of the text a learner reads: each text (and tspan) of the graph, its font size times the
# scale the SVG draws it at; and whether each box lies inside the graph's pane.
FIRST_VIEW = """() => {
  const pane = document.getElementById("cr-graph").getBoundingClientRect();
  const texts = [...document.querySelectorAll("#cr-svg .cr-value text, #cr-svg .cr-value tspan")];
  const px = texts.map((t) => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a);
  const outside = [...document.querySelectorAll("#cr-svg [data-node]")].filter((g) => {
    const r = g.getBoundingClientRect();
    return r.left < pane.left || r.top < pane.top || r.right > pane.right || r.bottom > pane.bottom;
  }).map((g) => g.dataset.node);
  return { smallest: Math.min(...px), outside, pane: [pane.width, pane.height], layout: chainrule.layout() };
}"""


def jordan_2_2_2() -> tuple[nn.MLP, Value]:
    net = nn.example("2-2-2")
    x, y = EXAMPLE_DATA["2-2-2"]
    return net, nn.mse([net(x)], [y])


def page_of(net: nn.MLP, J: Value, path: Path, **options) -> Path:
    """The page nn makes of a network: its layers and its parameters passed in."""
    return explore(J, params=net.parameters(), **nn.layout(J), **options).save(path)


def mlp_3_4_2() -> tuple[nn.MLP, Value]:
    net = nn.MLP(3, [4, 2], seed=0)
    return net, nn.mse([net([0.1, 0.2, 0.3])], [[0.5, 0.5]])


def fmt(x: float) -> str:
    """As the page prints a number: 4 significant digits, a true minus sign (draw's number())."""
    return number(x)


def assert_grads_equal(shown: list, grads: list[float]) -> None:
    assert len(shown) == len(grads)
    for i, (s, g) in enumerate(zip(shown, grads)):
        assert s is not None, f"node v{i} shows no grad at the end"
        assert s == g or math.isclose(s, g, rel_tol=1e-12, abs_tol=0.0), f"node v{i}: page {s!r}, engine {g!r}"


def check_replay(result: dict, edges: list[tuple[int, int]], grads: list[float]) -> None:
    steps = result["steps"]
    assert [(int(s["child"][1:]), s["slot"]) for s in steps] == edges  # backward()'s edges, in its order
    for s in steps:
        assert s["after"] == (s["before"] + s["local"] * s["upstream"] if s["local"] else s["before"])
    assert_grads_equal(result["shown"], grads)
    assert [n["grad"] for n in result["nodes"]] == grads
    assert result["after"] is None  # step() at the end


# ---------------------------------------------------------------- the backward pass, as before


def test_stepping_backward_through_the_2_2_2_network_gives_the_engines_grads(tab, tmp_path):
    net, J = jordan_2_2_2()
    path = page_of(net, J, tmp_path / "2-2-2.html")
    edges, grads = engine_backward(J)
    tab.open(path)
    # before the first step only the root shows a grad: ∂J/∂J = 1
    start = tab.js("() => chainrule.nodes().map((n) => chainrule.shown(n.id))")
    assert start == [None] * 18 + [1.0]
    result = tab.js(REPLAY)
    check_replay(result, edges, grads)
    assert len(result["steps"]) == 22

    # the update line writes the step out: ∂J/∂w₁₁⁽¹⁾ += ∂z₁⁽²⁾/∂w₁₁⁽¹⁾ × ∂J/∂z₁⁽²⁾ with the numbers
    order = topological_order(J)
    w11 = order.index(net.layers[0].neurons[0].w[0])
    k = next(n for n, s in enumerate(result["steps"]) if s["parent"] == f"v{w11}")
    line = tab.js(
        "(k) => { chainrule.reset(); for (let i = 0; i <= k; i++) chainrule.step(); return chainrule.line(); }", k
    )
    assert "∂J/∂w₁₁⁽¹⁾ += 0.35 × −0.001838 = −0.0006432" in line  # x₁ = 0.35 times δ₁⁽²⁾
    assert f"step {k + 1} of 22: edge w₁₁⁽¹⁾ → z₁⁽²⁾" in line
    # a grad that grows: a₁⁽²⁾ gets a second term through z₂⁽³⁾
    a1 = order.index(next(v for v in order if v.label == "a_1^(2)"))
    k2 = [n for n, s in enumerate(result["steps"]) if s["parent"] == f"v{a1}"][1]
    s = result["steps"][k2]
    line = tab.js(
        "(k) => { chainrule.reset(); for (let i = 0; i <= k; i++) chainrule.step(); return chainrule.line(); }", k2
    )
    product = s["local"] * s["upstream"]
    assert f"∂J/∂a₁⁽²⁾ = {fmt(s['before'])} + ({fmt(product)}) = {fmt(s['after'])}" in line
    assert s["after"] == grads[a1]
    # the local derivative is written on the edge of the step (and on no other edge)
    labels = tab.js("() => [...document.querySelectorAll('.cr-elabel')].map((g) => [g.dataset.label, g.textContent])")
    assert labels == [[f"v{int(s['child'][1:])}.{s['slot']}", fmt(s["local"])]]


def test_a_gradient_graph_steps_to_its_second_derivatives_with_readable_names(tab, tmp_path):
    from autograd import grad, hessian

    x, y = Value(0.7, label="x"), Value(-0.9, label="y")
    f = (x * y).tanh() + x * x * y
    f.label = "f"
    dfdx, _ = grad(f, [x, y], create_graph=True)  # its root is labelled ∂f/∂x
    edges, grads = engine_backward(dfdx)
    tab.open(explore(dfdx).save(tmp_path / "grad.html"))
    result = tab.js(REPLAY)
    check_replay(result, edges, grads)
    H = hessian(f, [x, y])
    order = topological_order(dfdx)
    assert math.isclose(grads[order.index(x)], H[0][0], rel_tol=1e-14)
    line = tab.js("() => { chainrule.reset(); chainrule.step(); return chainrule.line(); }")
    assert "∂(∂f/∂x)/∂" in line and "∂∂f" not in line  # a quotient's name in parentheses


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(root=expression_graphs())
def test_random_expression_graphs_step_to_the_engines_grads(tab, tmp_path_factory, root):
    edges, grads = engine_backward(root)
    path = explore(root).save(tmp_path_factory.mktemp("random") / "page.html")
    tab.open(path)
    check_replay(tab.js(REPLAY), edges, grads)
    tab.check()


def test_a_node_with_grad_0_is_skipped_as_backward_skips_it(tab, tmp_path):
    a, b = Value(-1.0, label="a"), Value(2.0, label="b")
    q = a * b
    q.label = "q"
    y = q.relu() + b  # relu at −2: ∂/∂q = 0, so q's grad is 0 and backward() passes nothing on from it
    edges, grads = engine_backward(y)
    order = topological_order(y)
    iq, ia = f"v{order.index(q)}", f"v{order.index(a)}"
    tab.open(explore(y).save(tmp_path / "relu.html"))
    assert len(edges) == 3
    before = tab.js(
        "([q, a]) => { chainrule.reset(); chainrule.step(); chainrule.step(); "
        "return [chainrule.shown(q), chainrule.shown(a)]; }",
        [iq, ia],
    )
    assert before == [None, None]  # not reached yet
    last = tab.js("() => chainrule.step()")
    assert last["skipped"] == [iq] and last["after"] == 0.0 and last["local"] == 0.0
    assert tab.js("([q, a]) => [chainrule.shown(q), chainrule.shown(a)]", [iq, ia]) == [0.0, 0.0]
    assert "skipped q: grad 0, nothing to pass on" in tab.js("() => chainrule.line()")
    assert tab.js(f"() => document.querySelector('[data-node=\"{iq}\"]').classList.contains('cr-skipped')")
    assert tab.js("() => chainrule.step()") is None
    check_replay(tab.js(REPLAY), edges, grads)


UNDO_EVERYWHERE = """() => {
  const c = window.chainrule;
  const snap = () => document.getElementById("cr-app").outerHTML + JSON.stringify(c.nodes().map((n) => c.shown(n.id)));
  c.reset();
  const total = c.position().steps;
  const bad = [];
  let changed = 0;
  const atStart = snap();
  const undoAtStart = c.undo();
  if (snap() !== atStart) bad.push("undo at the start changed the page");
  for (let k = 0; k < total; k++) {
    const before = snap();
    c.step();
    if (snap() !== before) changed++;
    c.undo();
    if (snap() !== before) bad.push(k);
    c.step();
  }
  return { bad, changed, total, undoAtStart };
}"""


def test_undo_restores_the_exact_previous_page(tab, tmp_path):
    net, J = jordan_2_2_2()
    tab.open(page_of(net, J, tmp_path / "2-2-2.html"))
    r = tab.js(UNDO_EVERYWHERE)
    assert r == {"bad": [], "changed": 22, "total": 22, "undoAtStart": False}
    # and where undo must bring back "not reached" on nodes a skipped node never passed anything to
    a, b = Value(-1.0, label="a"), Value(2.0, label="b")
    y = (a * b).relu() + b
    tab.open(explore(y).save(tmp_path / "relu.html"))
    assert tab.js(UNDO_EVERYWHERE) == {"bad": [], "changed": 3, "total": 3, "undoAtStart": False}


def test_clicking_a_leaf_lists_its_paths_whose_products_sum_to_its_grad(tab, tmp_path):
    net, J = jordan_2_2_2()
    order = topological_order(J)
    x1 = next(v for v in order if v.label == "x_1")
    i = order.index(x1)
    page = tab.open(page_of(net, J, tmp_path / "2-2-2.html"))
    page.click('#cr-modes button[data-mode="paths"]')
    page.click(f'[data-node="v{i}"]')
    J.zero_grad()
    J.backward()
    expected = chain_paths(J, x1)
    assert len(expected) == 4
    assert page.locator("#cr-panel ol.cr-paths li").count() == 4
    got = tab.js(f"() => chainrule.paths('v{i}')")
    for p, q in zip(got, expected, strict=True):
        assert p["nodes"] == [f"v{i}"] + [f"v{order.index(e.child)}" for e in q.edges]
        assert p["factors"] == [e.local for e in q.edges]
        assert p["product"] == q.product  # multiplied in chain_paths' order: the same float
    total = sum(p["product"] for p in got)
    assert abs(total - x1.grad) <= 1e-12 * sum(abs(p["product"]) for p in got)
    panel = page.inner_text("#cr-panel")
    assert f"sum of the products = {fmt(total)} = ∂J/∂x₁ = {fmt(x1.grad)}" in panel
    # the edges are lit in draw's colours, one per path
    colours = tab.js(
        "() => [...document.querySelectorAll('[data-edge].cr-path .cr-line')].map((p) => getComputedStyle(p).stroke)"
    )
    rgb = {f"rgb({int(c[1:3], 16)}, {int(c[3:5], 16)}, {int(c[5:7], 16)})" for c in PALETTE[:4]}
    assert set(colours) == rgb
    # past the page's limit: the number of paths, as count_paths counts them
    page = tab.open(explore(J, path_limit=3).save(tmp_path / "limit.html"))
    tab.js(f"() => {{ chainrule.mode('paths'); chainrule.select('v{i}'); }}")
    assert tab.js(f"() => chainrule.paths('v{i}')") is None
    assert (
        tab.js(f"() => chainrule.countPaths('v{i}')")
        == {"paths": 4, "factors": 20}
        == dict(zip(("paths", "factors"), count_paths(J, [x1])))
    )
    assert "4 paths with 20 factors in all" in page.inner_text("#cr-panel")


def test_path_counts_beyond_2_to_the_53_are_exact(tab, tmp_path):
    a = Value(1.0, label="a")
    v = a
    for _ in range(60):
        v = v + v  # each level doubles the paths: 2^60 from a
    tab.open(explore(v).save(tmp_path / "doubling.html"))
    n, f = count_paths(v, [a])
    assert n == 2**60
    assert tab.js("() => chainrule.countPaths('v0')") == {"paths": str(n), "factors": str(f)}


def test_keys_play_and_the_forward_pass(tab, tmp_path):
    net, J = jordan_2_2_2()
    order = topological_order(J)
    page = tab.open(page_of(net, J, tmp_path / "2-2-2.html"))
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    assert tab.js("() => chainrule.position().step") == 3
    page.keyboard.press("ArrowLeft")
    assert tab.js("() => chainrule.position().step") == 2
    page.keyboard.press("End")
    assert tab.js("() => chainrule.position().step") == 22
    page.keyboard.press("Home")
    assert tab.js("() => chainrule.position().step") == 0
    # play at the top speed: it runs to the end by itself and stops
    page.fill("#cr-speed", "6")
    page.keyboard.press(" ")
    tab.wait("() => chainrule.position().step === 22")
    tab.wait("() => document.getElementById('cr-play').textContent.includes('play')")
    # the forward pass: nodes fill in with their data in topological order
    page.click('#cr-modes button[data-mode="forward"]')
    assert tab.js("() => chainrule.nodes().map((n) => chainrule.shownData(n.id))") == [None] * 19
    for _ in range(7):
        page.keyboard.press("ArrowRight")
    shown = tab.js("() => chainrule.nodes().map((n) => chainrule.shownData(n.id))")
    assert shown == [v.data for v in order[:7]] + [None] * 12
    z = order[6]
    assert z.label == "z_1^(2)"  # w₁₁, w₁₂, x₁, x₂ (and two more weights) come first
    line = tab.js("() => chainrule.line()")
    assert f"z₁⁽²⁾ = w₁₁⁽¹⁾·x₁ + w₁₂⁽¹⁾·x₂ = {fmt(z.parents[0].data)}·0.35 + ({fmt(z.parents[1].data)})·0.9" in line
    assert f"= {fmt(z.data)}" in line and "local derivatives stored on the node: ∂z₁⁽²⁾/∂w₁₁⁽¹⁾ = 0.35" in line
    # the edges into the node just computed carry their local derivatives
    labels = tab.js("() => [...document.querySelectorAll('.cr-elabel')].map((g) => g.textContent).sort()")
    assert labels == sorted(fmt(d) for d in z.local_grads)


def test_hovering_a_node_shows_its_numbers_in_full_and_the_local_derivatives_on_its_edges(tab, tmp_path):
    net, J = jordan_2_2_2()
    order = topological_order(J)
    z = next(i for i, v in enumerate(order) if v.label == "z_1^(2)")
    page = tab.open(page_of(net, J, tmp_path / "2-2-2.html"))
    tab.js("() => chainrule.mode('paths')")  # every grad shown, no current edge
    page.hover(f'[data-node="v{z}"] .cr-box')
    tip = page.locator("#cr-tip")
    assert tip.is_visible()
    text = tip.inner_text()
    J.zero_grad()
    J.backward()
    assert repr(order[z].data).replace("-", "−") in text and repr(order[z].grad).replace("-", "−") in text
    assert "∂z₁⁽²⁾/∂w₁₁⁽¹⁾" in text and "0.35" in text  # the local derivatives on its incoming edges
    # on the graph: the local derivative on each of its edges, in and out (and only on those)
    labels = dict(
        tab.js("() => [...document.querySelectorAll('.cr-elabel')].map((g) => [g.dataset.label, g.textContent])")
    )
    mine = {f"v{z}.{k}": fmt(d) for k, d in enumerate(order[z].local_grads)}
    mine.update({f"v{c}.{k}": fmt(v.local_grads[k]) for c, v in enumerate(order) for k, p in enumerate(v.parents)
                 if p is order[z]})  # fmt: skip
    assert labels == mine
    page.mouse.move(2, 790)  # away
    assert tab.js("() => document.querySelectorAll('.cr-elabel').length") == 0


# ---------------------------------------------------------------- a readable first view


def test_the_first_view_is_readable_whole_at_1280_by_800(tab, tmp_path):
    net, J = jordan_2_2_2()
    tab.open(page_of(net, J, tmp_path / "2-2-2.html"))
    view = tab.js(FIRST_VIEW)
    assert view["outside"] == [] and view["smallest"] >= 10, view  # every box in view, text ≥ 10 px
    print(f"\n2-2-2 at 1280×800: {view['layout']}, smallest text {view['smallest']:.1f} px, pane {view['pane']}")
    # the layout that fits was chosen: the other one, fitted, draws smaller
    other = "LR" if view["layout"] == "TB" else "TB"
    chosen = tab.js("() => chainrule.view().scale")
    assert tab.js(f"() => (chainrule.layout('{other}'), chainrule.view().scale)") <= chosen
    assert tab.js(FIRST_VIEW)["outside"] == []  # the toggle fits the other layout too

    net, J = mlp_3_4_2()
    tab.open(page_of(net, J, tmp_path / "3-4-2.html"))
    view = tab.js(FIRST_VIEW)
    assert view["outside"] == [] and view["smallest"] >= 7, view
    print(f"3-4-2 MLP with its loss at 1280×800: {view['layout']}, smallest text {view['smallest']:.1f} px")


def test_the_layout_toggle_and_fit_and_both_layouts_drawn_by_dot(tab, tmp_path):
    net, J = jordan_2_2_2()
    page = tab.open(page_of(net, J, tmp_path / "2-2-2.html", rankdir="LR"))
    assert tab.js("() => chainrule.layout()") == "LR"  # asked for
    where = "() => [...document.querySelectorAll('[data-node]')].map((g) => g.getAttribute('transform'))"
    lr = tab.js(where)
    page.click("#cr-layout")
    assert tab.js("() => chainrule.layout()") == "TB" and tab.js(where) != lr
    assert tab.js(FIRST_VIEW)["outside"] == []
    tab.js("() => chainrule.zoom(3)")
    assert tab.js(FIRST_VIEW)["outside"] != []
    page.click("#cr-zoom-fit")
    assert tab.js(FIRST_VIEW)["outside"] == []


def test_drag_pans_and_the_wheel_and_a_pinch_zoom(tab, tmp_path):
    net, J = jordan_2_2_2()
    page = tab.open(page_of(net, J, tmp_path / "2-2-2.html"))
    pane = page.locator("#cr-graph").bounding_box()
    before = tab.js("() => chainrule.view()")
    # drag from an empty corner of the pane: the graph follows the mouse
    x0, y0 = pane["x"] + 6, pane["y"] + pane["height"] - 6
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move(x0 + 40, y0 - 30, steps=4)
    page.mouse.move(x0 + 120, y0 - 90, steps=4)
    page.mouse.up()
    after = tab.js("() => chainrule.view()")
    assert after["scale"] == before["scale"]
    assert after["x"] == pytest.approx(before["x"] - 120 / before["scale"], abs=0.01)
    assert after["y"] == pytest.approx(before["y"] + 90 / before["scale"], abs=0.01)
    # the wheel zooms about the point under the mouse, which stays where it is
    cx, cy = pane["x"] + 300, pane["y"] + 200
    page.mouse.move(cx, cy)
    gx = after["x"] + (cx - pane["x"]) / after["scale"]
    gy = after["y"] + (cy - pane["y"]) / after["scale"]
    page.mouse.wheel(0, -200)
    tab.wait(f"() => chainrule.view().scale > {after['scale']}")
    z = tab.js("() => chainrule.view()")
    assert z["x"] + (cx - pane["x"]) / z["scale"] == pytest.approx(gx, abs=0.5)  # (events carry whole pixels)
    assert z["y"] + (cy - pane["y"]) / z["scale"] == pytest.approx(gy, abs=0.5)
    # a pinch: two touch pointers moving apart double the scale
    scale = tab.js(
        """() => {
      const svg = document.getElementById("cr-svg");
      const r = svg.getBoundingClientRect();
      const at = (id, x, y, type) => svg.dispatchEvent(new PointerEvent(type, { pointerId: id, pointerType: "touch",
        clientX: r.left + x, clientY: r.top + y, button: 0, isPrimary: id === 1, bubbles: true }));
      const s0 = chainrule.view().scale;
      at(1, 200, 200, "pointerdown"); at(2, 300, 200, "pointerdown");
      at(1, 150, 200, "pointermove"); at(2, 350, 200, "pointermove");
      at(1, 150, 200, "pointerup"); at(2, 350, 200, "pointerup");
      return chainrule.view().scale / s0;
    }"""
    )
    assert scale == pytest.approx(2.0, rel=1e-9)


def test_the_current_edge_stays_in_view_at_every_step_of_a_150_node_graph(tab, tmp_path):
    net = nn.MLP(4, [8, 6, 4], seed=3)
    J = nn.mse([net([0.1, -0.2, 0.3, 0.4])], [[0.5] * 4])
    n = len(topological_order(J))
    assert 150 <= n <= 170
    tab.open(page_of(net, J, tmp_path / "150.html"))
    off = tab.js(
        """() => {
      const c = chainrule;
      const pane = document.getElementById("cr-graph").getBoundingClientRect();
      const inside = (id) => {
        const r = document.querySelector('[data-node="' + id + '"]').getBoundingClientRect();
        return r.left >= pane.left && r.top >= pane.top && r.right <= pane.right && r.bottom <= pane.bottom;
      };
      c.reset();
      const off = [];
      let r, k = 0;
      while ((r = c.step()) !== null) {
        k++;
        if (!(c.visible(r.child) && c.visible(r.parent) && inside(r.child) && inside(r.parent))) off.push(k);
      }
      return { off, steps: k };
    }"""
    )
    assert off["off"] == [] and off["steps"] > 200


# ---------------------------------------------------------------- what if


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(program=programs(), new=st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False))
def test_what_if_a_leaf_changes_gives_the_engines_numbers_on_the_changed_graph(tab, tmp_path_factory, program, new):
    root, leaves = program.build()
    order = topological_order(root)
    k, leaf = next((k, x) for k, x in enumerate(leaves) if x in order)  # a leaf the root depends on
    tab.open(explore(root).save(tmp_path_factory.mktemp("whatif") / "page.html"))
    changed = [new if j == k else x for j, x in enumerate(program.leaves)]
    got = tab.js(f"() => (chainrule.setData('v{order.index(leaf)}', {new!r}), [chainrule.nodes(), chainrule.steps()])")
    # the engine, from scratch, on the graph built with the new value
    root2, _ = program.build(changed)
    edges, grads = engine_backward(root2)
    order = topological_order(root2)
    nodes, steps = got
    assert len(nodes) == len(order)
    for i, (n, v) in enumerate(zip(nodes, order)):
        assert close(n["data"], v.data), (i, str(v.op), n["data"], v.data)
        assert all(close(a, b) for a, b in zip(n["locals"], v.local_grads)), (i, str(v.op), n["locals"], v.local_grads)
        assert close(n["grad"], grads[i]), (i, str(v.op), n["grad"], grads[i])
    assert [(int(s["child"][1:]), s["slot"]) for s in steps] == edges
    tab.check()


def test_what_if_marks_what_changed_and_lists_old_and_new_and_reset_restores_the_graph(tab, tmp_path):
    net, J = jordan_2_2_2()
    order = topological_order(J)
    x1 = next(i for i, v in enumerate(order) if v.label == "x_1")
    page = tab.open(page_of(net, J, tmp_path / "2-2-2.html"))
    built = tab.js("() => chainrule.nodes()")
    page.click(f'[data-node="v{x1}"]')
    page.fill("#cr-whatif form.cr-set input", "0.6")
    page.keyboard.press("Enter")
    now = tab.js("() => chainrule.nodes()")
    changed = {n["id"] for n, b in zip(now, built) if n["data"] != b["data"] or n["grad"] != b["grad"]}
    marked = set(tab.js("() => [...document.querySelectorAll('.cr-changed')].map((g) => g.dataset.node)"))
    assert marked == changed and len(changed) > 10  # x₁ changes z⁽²⁾, a, J: every grad but x₂'s, data of x₁ …
    assert f"v{x1}" in changed and now[x1]["data"] == 0.6
    table = page.inner_text("#cr-whatif table.cr-changes")
    assert "0.35 → 0.6" in table  # x₁'s data, old → new
    j_old, j_new = built[-1]["data"], now[-1]["data"]
    digits = next(p for p in range(4, 18) if f"{j_old:.{p}g}" != f"{j_new:.{p}g}")  # as many as it takes
    assert table.split("\n")[1] == f"J\t{j_old:.{digits}g} → {j_new:.{digits}g}\t1"  # the root first
    page.click("#cr-whatif [data-restore]")
    assert (
        tab.js("() => chainrule.nodes()") == built
        and tab.js("() => document.querySelectorAll('.cr-changed').length") == 0
    )


def test_a_forward_error_names_the_op_and_keeps_the_last_valid_state(tab, tmp_path):
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    y = (a - b * 0.5).log() + a / (b - 3.5)
    tab.open(explore(y).save(tmp_path / "log.html"))
    built = tab.js("() => chainrule.nodes()")
    message = tab.js("() => { try { chainrule.setData('v0', 1.0); } catch (e) { return e.message; } }")
    assert message == "op 'log': log(-0.5) is undefined (log needs x > 0), at log₁"
    with pytest.raises(ValueError, match=r"op 'log': log\(-0.5\) is undefined \(log needs x > 0\)"):
        (Value(1.0) - Value(3.0) * 0.5).log()  # the engine's words, for the same numbers
    assert tab.js("() => chainrule.nodes()") == built
    assert "log(−0.5) is undefined" in tab.page.inner_text("#cr-whatif .cr-error")
    message = tab.js("() => { try { chainrule.setData('v1', 3.5); } catch (e) { return e.message; } }")
    assert message == "op '/': division by zero (2.0 / 0.0), at quot₁"
    assert tab.js("() => chainrule.setData('v1', 2.0).data") == math.log(2.0 - 1.0) + 2.0 / (2.0 - 3.5)


def test_a_gradient_step_is_nn_SGDs_step_and_the_loss_is_drawn(tab, tmp_path):
    net, J = jordan_2_2_2()
    page = tab.open(page_of(net, J, tmp_path / "2-2-2.html"))
    page.fill("#cr-whatif form.cr-step input", "0.5")
    for _ in range(3):
        page.click("#cr-whatif form.cr-step button")
    got = tab.js("() => [chainrule.losses(), chainrule.nodes()]")
    # the engine: nn.SGD on the same network, three steps from the same weights
    x, y = EXAMPLE_DATA["2-2-2"]
    sgd_net = nn.example("2-2-2")
    optimizer = nn.SGD(sgd_net.parameters(), lr=0.5)
    losses = []
    for _ in range(3):
        loss = nn.mse([sgd_net(x)], [y])
        losses.append(loss.data)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    losses.append(nn.mse([sgd_net(x)], [y]).data)
    assert all(close(a, b) for a, b in zip(got[0], losses)) and len(got[0]) == 4
    assert losses[-1] < losses[0]  # the loss goes down on the learner's own graph
    params = {p.label: p.data for p in sgd_net.parameters()}
    for n in got[1]:
        if n["label"] in params:
            assert close(n["data"], params[n["label"]]), n["label"]
    assert page.locator("#cr-whatif svg.cr-loss circle").count() == 4
    # without parameters the button is off and says why
    a = Value(1.5, label=None)
    tab.open(explore((a * 2.0).tanh()).save(tmp_path / "none.html"))
    assert tab.page.locator("#cr-whatif form.cr-step button").is_disabled()
    assert "no parameters: the graph has no labelled leaf; pass explore(root, params=[...])" in tab.page.inner_text(
        "#cr-whatif"
    )


def test_an_op_of_your_own_keeps_the_what_if_off_for_what_depends_on_it(tab, tmp_path):
    x, w = Value(0.5, label="x"), Value(2.0, label="w")
    cube = Value.from_op(x.data**3, [x], [3 * x.data**2], "cube")
    y = cube * w + w.tanh()
    tab.open(explore(y).save(tmp_path / "custom.html"))
    assert "cube" not in tab.js("() => chainrule.mirrors()")
    message = tab.js("() => { try { chainrule.setData('v0', 1.0); } catch (e) { return e.message; } }")
    assert "op cube (cube₁) is your own (Value.from_op): the page cannot recompute it" in message
    assert tab.js("() => chainrule.params().off").startswith("op cube")  # a step would move x through cube
    w_id = f"v{topological_order(y).index(w)}"
    assert tab.js(f"() => chainrule.setData('{w_id}', 1.0).data") == cube.data * 1.0 + math.tanh(1.0)


# ---------------------------------------------------------------- the mirrors of the engine's ops

MIRROR_CHECK = """(cases) => cases.map(([kind, x, params, locals0, logits]) => {
  try {
    const logit = (k) => Number((logits || [])[k]);
    const node = { locals0: locals0.map(Number) };
    return CHAINRULE_MIRROR.apply(kind, x.map(Number), params, node, logit).flat().map(String);
  } catch (e) {
    return e instanceof CHAINRULE_MIRROR.OpError ? "error: " + e.message : "crash: " + e;
  }
})"""


def _js(x: float) -> str:
    return "NaN" if math.isnan(x) else repr(x).replace("inf", "Infinity")


def test_every_kind_of_op_has_a_mirror_that_agrees_with_the_engine_at_random_and_extreme_points(tab, tmp_path):
    from test_ops import CASES, EXPONENTS, POINTS

    tab.open(explore(Value(1.0, label="x") * 2.0).save(tmp_path / "any.html"))
    mirrored = set(tab.js("() => chainrule.mirrors()"))
    missing = sorted(set(ops.KINDS) - mirrored)
    assert not missing, f"op kinds without a mirror on the explorer page (autograd/mirror.js): {missing}"
    cases, expected = [], []
    for kind in ops.KINDS:
        for node in CASES[kind](POINTS):  # every op's nodes at the random and extreme points of test_ops
            if node is None:
                continue
            params = {k: v for k, v in node.op.params.items()}
            x = [_js(p.data) for p in node.parents]
            logits = [_js(p.parents[0].data) if p.parents else "NaN" for p in node.parents]  # a sigmoid output's z
            cases.append([kind, x, params, [_js(d) for d in node.local_grads], logits])
            expected.append([node.data, *node.local_grads])
    # where the engine refuses a point, the mirror refuses it in the engine's words
    refused = []
    ce = {"targets": [1.0], "m": 1, "clip": fused.CLIP}
    for x in POINTS:
        tries = [
            ("log", Value.log, [x], {}),
            ("sqrt", Value.sqrt, [x], {}),
            ("exp", Value.exp, [x], {}),
            ("/", lambda a, b: a / b, [1.0, x * 0.0], {}),
            ("**", lambda a, b: a**b, [x, 0.5], {}),
            ("cross_entropy", lambda a: fused.cross_entropy([a], [1.0], 1), [x], ce),
        ] + [("**n", lambda a, n=n: a**n, [x], {"exponent": n}) for n in EXPONENTS]
        for kind, make, args, params in tries:
            try:
                make(*[Value(a) for a in args])
            except (ValueError, ZeroDivisionError, OverflowError) as e:
                refused.append(([kind, [_js(a) for a in args], params, []], f"error: {e}"))
    got = tab.js(MIRROR_CHECK, cases + [c for c, _ in refused])
    bad = []
    for case, want, have in zip(cases, expected, got):
        have = [float(h) if h != "NaN" else math.nan for h in have] if isinstance(have, list) else have
        if not isinstance(have, list) or len(have) != len(want) or not all(close(a, b) for a, b in zip(have, want)):
            bad.append((case, want, have))
    assert bad == [], f"{len(bad)} of {len(cases)} disagree, e.g. {bad[:3]}"
    wrong = [(c, want, have) for (c, want), have in zip(refused, got[len(cases) :]) if have != want]
    assert wrong == [] and len(refused) > 60, wrong[:5]
    assert {c[0] for c, _ in refused} >= {"log", "sqrt", "exp", "/", "**n", "**", "cross_entropy"}


# ---------------------------------------------------------------- links, keyboard, quiz, animation, names


def test_a_link_carries_the_state_and_opening_it_restores_that_state(tab, tmp_path):
    net, J = jordan_2_2_2()
    path = page_of(net, J, tmp_path / "2-2-2.html")
    page = tab.open(path)
    tab.js("() => { chainrule.setData('v4', 0.5); chainrule.gradientStep(0.5); chainrule.gradientStep(0.5); }")
    tab.js("() => { chainrule.reset(); for (let i = 0; i < 12; i++) chainrule.step(); chainrule.select('v3'); }")
    tab.js("() => chainrule.layout('LR')")
    state = tab.js("() => chainrule.state()")
    assert state["fragment"] == "mode=backward&step=12&node=v3&layout=LR&edits=v4:0.5,g0.5*2"
    link = tab.js("() => chainrule.link()")
    assert link == path.resolve().as_uri() + "#" + state["fragment"] == page.url  # the address bar has it too
    numbers = tab.js("() => [chainrule.nodes(), chainrule.losses(), chainrule.line()]")
    tab.open(path, state["fragment"])
    assert tab.js("() => chainrule.state()") == state
    assert tab.js("() => [chainrule.nodes(), chainrule.losses(), chainrule.line()]") == numbers
    # the "copy link" button copies it (or says how, where a browser keeps the clipboard closed)
    page = tab.page
    page.click("#cr-link")
    tab.wait("() => /copied|copy the address/.test(document.getElementById('cr-link').textContent)")
    # a link with a broken part says so, and the rest still holds
    tab.open(path, "mode=forward&step=3&edits=v99:1")
    assert tab.js("() => chainrule.state()")["step"] == 3 and "no node v99" in page.inner_text("#cr-whatif")


def test_every_node_is_reached_with_tab_and_enter_selects_it(tab, tmp_path):
    net, J = jordan_2_2_2()
    page = tab.open(page_of(net, J, tmp_path / "2-2-2.html"))
    reached = []
    page.focus('[data-node="v0"]')
    for _ in range(19):
        reached.append(tab.js("() => document.activeElement.dataset.node"))
        page.keyboard.press("Tab")
    assert reached == [f"v{i}" for i in range(19)]
    page.focus('[data-node="v7"]')
    page.keyboard.press("Enter")
    assert tab.js("() => chainrule.state().node") == "v7"
    assert tab.js("() => document.querySelector('[data-node=\"v7\"]').getAttribute('aria-label')").startswith(
        "a₁⁽²⁾, op sigmoid"
    )


def test_a_quiz_page_asks_and_checks_without_holding_the_answers(tab, tmp_path):
    net, J = jordan_2_2_2()
    edges, grads = engine_backward(J)
    order = topological_order(J)
    page = tab.open(explore(J, quiz=True, **nn.layout(J)).save(tmp_path / "quiz.html"))
    assert tab.js("() => chainrule.mode()") == "quiz"
    disabled = tab.js(
        "() => [...document.querySelectorAll('#cr-modes button')].map((b) => [b.dataset.mode, b.disabled])"
    )
    assert disabled == [["forward", False], ["backward", True], ["paths", True], ["quiz", False]]
    texts = tab.js("() => [...document.querySelectorAll('text.cr-g')].map((t) => t.textContent)")
    assert texts.count("?") == 18 and "1" in texts
    assert all(n["grad"] is None for n in tab.js("() => chainrule.nodes()"))
    a1 = next(i for i, v in enumerate(order) if v.label == "a_1^(3)")
    page.click(f'[data-node="v{a1}"]')
    page.fill("#cr-panel form.cr-ask input", f"{grads[a1]:.4g}")
    page.keyboard.press("Enter")
    assert "✓ right" in page.inner_text("#cr-panel .cr-feedback")
    assert tab.js(f"() => chainrule.shown('v{a1}')") == grads[a1]  # computed on the page, the engine's float
    w = next(i for i, v in enumerate(order) if v.label == "w_1,1^(1)")
    assert tab.js(f"() => chainrule.answer('v{w}', {grads[w] * (1 + 9e-4)!r})") is True
    assert tab.js(f"() => chainrule.answer('v{w + 1}', {grads[w + 1] * 1.01!r})") is False
    with pytest.raises(Exception, match="a quiz page has no backward mode"):
        tab.js("() => chainrule.mode('backward')")
    tab.errors.clear()


def test_the_quiz_mode_of_a_full_page_accepts_a_right_answer_and_refuses_a_wrong_one(tab, tmp_path):
    net, J = jordan_2_2_2()
    edges, grads = engine_backward(J)
    order = topological_order(J)
    page = tab.open(page_of(net, J, tmp_path / "2-2-2.html"))
    page.click('#cr-modes button[data-mode="quiz"]')
    z1 = next(i for i, v in enumerate(order) if v.label == "z_1^(3)")
    page.click(f'[data-node="v{z1}"]')
    wrong = f"{grads[z1] * 1.01:.6g}"
    page.fill("#cr-panel form.cr-ask input", wrong)
    page.click("#cr-panel form.cr-ask button[type=submit]")
    assert "✗" in page.inner_text("#cr-panel .cr-feedback")
    assert page.input_value("#cr-panel form.cr-ask input") == wrong  # left in its box, to be corrected
    assert tab.js(f"() => chainrule.shown('v{z1}')") is None
    assert tab.js(f"() => chainrule.answer('v{z1}', '{fmt(grads[z1])}')") is True  # typed with a true minus
    assert tab.js("() => chainrule.score()") == {"right": 1, "wrong": 1, "revealed": 0}
    # the local derivatives: hidden (as "?" where the mouse shows them), checked per edge
    tab.js("() => chainrule.mode('quiz', 'locals')")
    z12 = next(i for i, v in enumerate(order) if v.label == "z_1^(2)")  # parents w₁₁, w₁₂, x₁, x₂: ∂z/∂w₁₁ = x₁
    page.hover(f'[data-node="v{z12}"] .cr-box')
    assert set(tab.js("() => [...document.querySelectorAll('.cr-elabel')].map((g) => g.textContent)")) == {"?"}
    assert tab.js(f"() => chainrule.answerLocal('v{z12}', 0, 0.35)") is True
    assert tab.js(f"() => chainrule.answerLocal('v{z12}', 1, 0.35)") is False  # ∂z/∂w₁₂ = x₂ = 0.9


def test_each_backward_step_travels_along_its_edge_unless_motion_is_reduced(tab, tmp_path):
    net, J = jordan_2_2_2()
    path = page_of(net, J, tmp_path / "2-2-2.html")
    tab.page.emulate_media(reduced_motion="no-preference")
    page = tab.open(path)
    tab.js("() => chainrule.step()")
    assert tab.js("() => document.querySelectorAll('.cr-travel').length") == 1  # the grad on its way
    hidden = tab.js("() => getComputedStyle(document.querySelector('#cr-line .cr-arrive')).visibility")
    assert hidden == "hidden"  # its result is written when it arrives
    tab.wait("() => document.querySelectorAll('.cr-travel').length === 0", timeout=3)
    assert tab.js("() => getComputedStyle(document.querySelector('#cr-line .cr-arrive')).visibility") == "visible"
    page.click("#cr-animate")  # the switch
    tab.js("() => chainrule.step()")
    assert tab.js("() => document.querySelectorAll('.cr-travel').length") == 0
    tab.page.emulate_media(reduced_motion="reduce")
    tab.open(path)
    assert tab.js("() => chainrule.animate()") is False
    tab.js("() => chainrule.step()")
    assert tab.js("() => document.querySelectorAll('.cr-travel').length") == 0


def test_unlabelled_nodes_have_distinct_names_and_numbers_one_format(tab, tmp_path):
    a, b, c = Value(2.0, label="a"), Value(-3.0, label="b"), Value(0.5, label="c")
    root = (a * b + c).tanh() * a + a**2 / b * 1e-5
    page = tab.open(explore(root).save(tmp_path / "names.html"))
    names = [n["name"] for n in tab.js("() => chainrule.nodes()")]
    assert len(set(names)) == len(names) and "prod₁" in names and "prod₂" in names and "quot₁" in names
    boxes = tab.js("() => [...document.querySelectorAll('text.cr-n')].map((t) => t.textContent)")
    assert boxes == names
    tab.js("() => chainrule.end()")
    texts = tab.js("() => [...document.querySelectorAll('#cr-svg text')].map((t) => t.textContent).join(' ')")
    assert "-" not in texts and "e−05" in texts  # a true minus everywhere, in the exponent too
    assert "-" not in page.inner_text("#cr-line") + page.inner_text("#cr-panel")
    line = tab.js("() => (chainrule.reset(), chainrule.step(), chainrule.line())")
    assert "sum₂" in line


def test_long_labels_stay_inside_their_box_and_the_panel(tab, tmp_path):
    x = Value(0.25, label="hidden_layer_1_out_" * 52)  # 988 characters
    y = (x * 3.0).tanh()
    page = tab.open(explore(y).save(tmp_path / "long.html"))
    page.click('[data-node="v0"]')
    overflow = tab.js(
        "() => [...document.querySelectorAll('#cr-panel *')].filter((e) => e.scrollWidth > e.clientWidth + 1 && "
        "getComputedStyle(e).overflowX !== 'auto').map((e) => e.tagName)"
    )
    assert overflow == []
    assert x.label in page.inner_text("#cr-panel")  # whole in the panel
    name = tab.js("() => document.querySelector('[data-node=\"v0\"] text.cr-n').textContent")
    assert name.startswith("hidden_layer_1_out_") and name.endswith("…") and len(name) == 24  # cut in its box


# ---------------------------------------------------------------- size, speed, screenshots, Jupyter


def test_a_200_node_page_becomes_interactive(tab, tmp_path, record_property):
    m = nn.MLP(4, [7, 8, 6], seed=0)
    J = nn.mse([m([0.1, 0.2, 0.3, 0.4])], [[0.5] * 6])
    assert len(topological_order(J)) == 200
    path = page_of(m, J, tmp_path / "200.html")
    tab.open(path)
    # time from navigation to the script's first render (reported, not asserted: see the README)
    ms = tab.js("() => chainrule.readyMs")
    record_property("explorer_200_nodes_interactive_ms", round(ms))
    record_property("explorer_200_nodes_bytes", path.stat().st_size)
    print(f"\n200-node page: {path.stat().st_size:,} bytes, interactive after {ms:.0f} ms")
    edges, grads = engine_backward(J)
    check_replay(tab.js(REPLAY), edges, grads)


def test_screenshots_at_1280_by_800_and_390_by_844(tab, tmp_path):
    """Saved for a person to look at (the README's screenshot too: `make screenshot`)."""
    net, J = jordan_2_2_2()
    order = topological_order(J)
    path = page_of(net, J, tmp_path / "2-2-2.html")
    page = tab.open(path)
    shots = {}
    tab.js("() => { chainrule.mode('forward'); for (let i = 0; i < 12; i++) chainrule.forwardStep(); }")
    shots["forward"] = tmp_path / "forward.png"
    page.screenshot(path=shots["forward"])
    # backward, at the second contribution to x₁'s grad: the update line shows the grad growing
    x1 = f"v{next(i for i, v in enumerate(order) if v.label == 'x_1')}"
    tab.js(
        "(x) => { chainrule.reset(); let n = 0, r; while ((r = chainrule.step()) && !(r.parent === x && ++n === 2)); }",
        x1,
    )
    shots["backward"] = tmp_path / "backward.png"
    page.screenshot(path=shots["backward"])
    target = os.environ.get("CHAINRULE_SCREENSHOT_TO")
    if target:  # `make screenshot`: the README's picture
        write_atomically(target, page.screenshot())
    tab.js("() => { chainrule.mode('paths'); chainrule.select('v2'); }")
    shots["paths"] = tmp_path / "paths.png"
    page.screenshot(path=shots["paths"])
    tab.js(
        "() => { chainrule.mode('backward'); chainrule.end(); chainrule.gradientStep(2); chainrule.gradientStep(2); }"
    )
    shots["whatif"] = tmp_path / "whatif.png"
    page.screenshot(path=shots["whatif"])
    tab.js("() => { chainrule.restore(); chainrule.mode('quiz'); chainrule.answer('v17', 0.3875); }")
    tab.js("() => chainrule.select('v16')")
    shots["quiz"] = tmp_path / "quiz.png"
    page.screenshot(path=shots["quiz"])
    # a phone: the bar wraps, nothing is cut off
    page.set_viewport_size({"width": 390, "height": 844})
    tab.open(path)
    widths = tab.js(
        "() => [document.documentElement.scrollWidth, document.getElementById('cr-head').scrollWidth, "
        "Math.max(...[...document.querySelectorAll('#cr-head button, #cr-head input, #cr-head h1')].map((e) => "
        "e.getBoundingClientRect().right))]"
    )
    assert max(widths) <= 390, widths
    shots["phone"] = tmp_path / "phone.png"
    page.screenshot(path=shots["phone"])
    for name, p in shots.items():
        head = Path(p).read_bytes()[:24]
        assert head[:8] == b"\x89PNG\r\n\x1a\n", name
        size = (int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big"))
        assert size == ((390, 844) if name == "phone" else (1280, 800)), name
    print("\nscreenshots:", ", ".join(str(p) for p in shots.values()))


def test_the_page_shown_inline_in_jupyter_runs_in_its_iframe(tab):
    _, J = jordan_2_2_2()
    page = tab.page
    page.goto("about:blank")
    tab.requests.clear()
    tab.url = "about:blank"
    page.set_content(explore(J)._repr_html_())
    frame = page.frames[1]
    tab.wait("() => !!(window.chainrule && window.chainrule.ready)", frame=frame)
    assert frame.evaluate("() => chainrule.nodes().length") == 19
    assert frame.evaluate("() => { chainrule.end(); return chainrule.shown('v18'); }") == 1.0
    assert page.evaluate("() => typeof window.chainrule") == "undefined"  # the notebook's window is untouched
