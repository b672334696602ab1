"""The explorer page in a real browser: headless Chromium driven by Playwright, pages opened from file://.

Each test saves a page, opens it, and drives it as a learner does (clicks, keys, typing) or through
`window.chainrule`, then reads the DOM. The references are the engine's: the edges `backward()`
processes, observed as it runs (explore_helpers.engine_backward), its grads, `chain_paths` and
`count_paths`. After every test the `tab` fixture checks that the page made no request but for its
own file and raised no script error. Screenshots of each mode land in the test's temp folder
(`make screenshot` also writes the README's, docs/explorer.png).
"""

from __future__ import annotations

import math
import os
from pathlib import Path

from explore_helpers import engine_backward, expression_graphs
from hypothesis import HealthCheck, given, settings

import nn
from autograd import Value, chain_paths, count_paths, explore, topological_order
from autograd.draw import PALETTE
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


def jordan_2_2_2() -> tuple[nn.MLP, Value]:
    net = nn.example("2-2-2")
    x, y = EXAMPLE_DATA["2-2-2"]
    return net, nn.mse([net(x)], [y])


def fmt(x: float) -> str:
    """As the page prints a number: 4 significant digits, a true minus sign."""
    return f"{x:.4g}".replace("-", "−")


def assert_grads_equal(shown: list, grads: list[float]) -> None:
    assert len(shown) == len(grads)
    for i, (s, g) in enumerate(zip(shown, grads)):
        assert s is not None, f"node v{i} shows no grad at the end"
        assert s == g or math.isclose(s, g, rel_tol=1e-12, abs_tol=0.0), f"node v{i}: page {s!r}, engine {g!r}"


def check_replay(result: dict, edges: list[tuple[int, int]], grads: list[float]) -> None:
    steps = result["steps"]
    assert [(int(s["child"][1:]), s["slot"]) for s in steps] == edges  # backward()'s edges, in its order
    for s in steps:
        assert s["after"] == s["before"] + s["local"] * s["upstream"]  # the multiply-add, in Python's floats
    assert_grads_equal(result["shown"], grads)
    assert [n["grad"] for n in result["nodes"]] == grads
    assert result["after"] is None  # step() at the end


def test_stepping_backward_through_the_2_2_2_network_gives_the_engines_grads(tab, tmp_path):
    net, J = jordan_2_2_2()
    path = explore(J).save(tmp_path / "2-2-2.html")
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
    _, J = jordan_2_2_2()
    tab.open(explore(J).save(tmp_path / "2-2-2.html"))
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
    page = tab.open(explore(J).save(tmp_path / "2-2-2.html"))
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
        "() => [...document.querySelectorAll('[data-edge].cr-path path')].map((p) => getComputedStyle(p).stroke)"
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


def test_the_quiz_accepts_a_right_answer_and_refuses_a_wrong_one(tab, tmp_path):
    _, J = jordan_2_2_2()
    edges, grads = engine_backward(J)
    order = topological_order(J)
    page = tab.open(explore(J).save(tmp_path / "2-2-2.html"))
    page.click('#cr-modes button[data-mode="quiz"]')
    texts = tab.js("() => [...document.querySelectorAll('text.cr-g')].map((t) => t.textContent)")
    assert texts.count("grad ?") == 18 and "grad 1" in texts  # every grad hidden but the root's
    # a learner clicks a₁⁽³⁾ and types its grad to 4 significant digits
    a1 = next(i for i, v in enumerate(order) if v.label == "a_1^(3)")
    page.click(f'[data-node="v{a1}"]')
    page.fill("#cr-panel form.cr-ask input", f"{grads[a1]:.4g}")
    page.keyboard.press("Enter")
    assert "✓ right" in page.inner_text("#cr-panel .cr-feedback")
    assert tab.js(f"() => chainrule.shown('v{a1}')") == grads[a1]  # revealed
    # then a wrong value for z₁⁽³⁾: refused, still hidden
    z1 = next(i for i, v in enumerate(order) if v.label == "z_1^(3)")
    page.click(f'[data-node="v{z1}"]')
    wrong = f"{grads[z1] * 1.01:.6g}"
    page.fill("#cr-panel form.cr-ask input", wrong)
    page.click("#cr-panel form.cr-ask button[type=submit]")
    assert "✗" in page.inner_text("#cr-panel .cr-feedback")
    assert page.input_value("#cr-panel form.cr-ask input") == wrong  # left in its box, to be corrected
    assert tab.js(f"() => chainrule.shown('v{z1}')") is None
    assert tab.js("() => chainrule.score()") == {"right": 1, "wrong": 1, "revealed": 0}
    # the stated tolerance, 1e-3 relative, through the API
    w = next(i for i, v in enumerate(order) if v.label == "w_1,1^(1)")
    assert tab.js(f"() => chainrule.answer('v{w}', {grads[w] * (1 + 9e-4)!r})") is True
    assert tab.js(f"() => chainrule.answer('v{z1}', {grads[z1] * (1 + 1.1e-3)!r})") is False
    assert tab.js(f"() => chainrule.answer('v{z1}', '{fmt(grads[z1])}')") is True  # typed with a true minus
    # the local derivatives: hidden on the edges, checked per edge
    tab.js("() => chainrule.mode('quiz', 'locals')")
    labels = tab.js("() => [...document.querySelectorAll('text.cr-l')].map((t) => t.textContent)")
    assert set(labels) == {"?"} and len(labels) == 22
    z12 = next(i for i, v in enumerate(order) if v.label == "z_1^(2)")  # parents w₁₁, w₁₂, x₁, x₂: ∂z/∂w₁₁ = x₁
    assert tab.js(f"() => chainrule.answerLocal('v{z12}', 0, 0.35)") is True
    assert tab.js(f"() => chainrule.answerLocal('v{z12}', 1, 0.35)") is False  # ∂z/∂w₁₂ = x₂ = 0.9
    assert tab.js(f"() => document.querySelector('[data-edge=\"v{z12}.0\"] text').textContent") == "0.35"


def test_keys_play_and_the_forward_pass(tab, tmp_path):
    _, J = jordan_2_2_2()
    order = topological_order(J)
    page = tab.open(explore(J).save(tmp_path / "2-2-2.html"))
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


def test_hovering_a_node_shows_its_numbers_in_full(tab, tmp_path):
    _, J = jordan_2_2_2()
    order = topological_order(J)
    z = next(i for i, v in enumerate(order) if v.label == "z_1^(2)")
    page = tab.open(explore(J).save(tmp_path / "2-2-2.html"))
    tab.js("() => chainrule.end()")
    page.hover(f'[data-node="v{z}"]')
    tip = page.locator("#cr-tip")
    assert tip.is_visible()
    text = tip.inner_text()
    J.zero_grad()
    J.backward()
    assert repr(order[z].data).replace("-", "−") in text and repr(order[z].grad).replace("-", "−") in text
    assert "∂z₁⁽²⁾/∂w₁₁⁽¹⁾" in text and "0.35" in text  # the local derivatives on its incoming edges


def test_a_200_node_page_becomes_interactive(tab, tmp_path, record_property):
    m = nn.MLP(4, [7, 8, 6], seed=0)
    J = nn.mse([m([0.1, 0.2, 0.3, 0.4])], [[0.5] * 6])
    assert len(topological_order(J)) == 200
    path = explore(J).save(tmp_path / "200.html")
    tab.open(path)
    # time from navigation to the script's first render (reported, not asserted: see bench/ and the README)
    ms = tab.js("() => chainrule.readyMs")
    record_property("explorer_200_nodes_interactive_ms", round(ms))
    record_property("explorer_200_nodes_bytes", path.stat().st_size)
    print(f"\n200-node page: {path.stat().st_size:,} bytes, interactive after {ms:.0f} ms")
    edges, grads = engine_backward(J)
    check_replay(tab.js(REPLAY), edges, grads)


def test_a_screenshot_of_each_mode(tab, tmp_path):
    """Saved for a person to look at (the README's screenshot too: `make screenshot`)."""
    net, J = jordan_2_2_2()
    order = topological_order(J)
    page = tab.open(explore(J).save(tmp_path / "2-2-2.html"))
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
        write_atomically(target, page.screenshot(clip={"x": 0, "y": 0, "width": 1280, "height": 600}))
    tab.js("() => { chainrule.mode('paths'); chainrule.select('v2'); }")
    shots["paths"] = tmp_path / "paths.png"
    page.screenshot(path=shots["paths"])
    tab.js("() => { chainrule.mode('quiz'); chainrule.answer('v17', 0.3875); chainrule.select('v16'); }")
    shots["quiz"] = tmp_path / "quiz.png"
    page.screenshot(path=shots["quiz"])
    for name, p in shots.items():
        head = Path(p).read_bytes()[:24]
        assert head[:8] == b"\x89PNG\r\n\x1a\n", name
        assert int.from_bytes(head[16:20], "big") == 1280 and int.from_bytes(head[20:24], "big") == 800
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
