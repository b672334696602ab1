"""`chainrule gpt --explore` in a real browser: the tiny GPT's explorer page, opened from file:// in headless
Chromium (the session's one tab, tests/conftest.py), driven through `window.chainrule` and the mouse.

The references are the engine's: the edges `backward()` processes, observed as it runs
(explore_helpers.engine_backward), and its grads; for the what-if and the gradient steps, the same tiny
GPT built again with the changed embedding (e_t,i = Wte[c_t][i] + Wpe[t][i], so a state_dict with
Wte[c_t][i] = new and Wpe[t][i] = 0.0 gives e_t,i = new exactly). Screenshots at 1280×800 and 390×844
land in the test's temp folder, for a person to look at.
"""

from __future__ import annotations

import re
from pathlib import Path

from explore_helpers import close, engine_backward

from autograd import topological_order
from nn.cli import main
from nn.gpt_draw import TINY_DOCUMENT, tiny_gpt

# what the page shows now: each node's grad, and the size of the smallest text of the graph on screen
SHOWN = "() => chainrule.nodes().map((n) => chainrule.shown(n.id))"
SMALLEST_TEXT = """() => {
  const p = document.getElementById("cr-graph").getBoundingClientRect();
  const inside = (r) => r.width > 0 && r.left >= p.left && r.right <= p.right && r.top >= p.top && r.bottom <= p.bottom;
  return Math.min(...[...document.querySelectorAll("#cr-svg .cr-value text, #cr-svg .cr-value tspan")]
    .filter((t) => inside(t.getBoundingClientRect()))
    .map((t) => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a));
}"""


def gpt_page(tmp_path: Path, capsys) -> tuple[Path, int]:
    """The page `chainrule gpt --explore` writes, and the step its link opens at."""
    assert main(["gpt", "--explore", "--out", str(tmp_path)]) == 0
    link = re.search(r"#mode=backward&step=(\d+)$", capsys.readouterr().out, re.MULTILINE)
    return tmp_path / "gpt-explore.html", int(link[1])


def folded_loss(state: dict | None = None):
    """J of the tiny GPT on its document, folded, from `state` (default: the weights it is made with)."""
    model = tiny_gpt()
    if state is not None:
        model.load_state_dict(state)
    return model.loss(model.tokens(TINY_DOCUMENT), mode="folded")


def with_embeddings(embeddings: dict[tuple[int, int], float]) -> dict:
    """The tiny GPT's state_dict with e_t,i set to the given values, keyed (t, i) 1-based: Wte[c_t][i] = e and
    Wpe[t][i] = 0.0."""
    model = tiny_gpt()
    tokens = model.tokens(TINY_DOCUMENT)
    state = model.state_dict()
    for (t, i), e in embeddings.items():
        state["wte"][tokens[t - 1]][i - 1] = e
        state["wpe"][t - 1][i - 1] = 0.0
    return state


def test_the_page_opens_and_stepping_to_the_end_gives_backwards_grads(tab, tmp_path, capsys):
    path, _ = gpt_page(tmp_path, capsys)
    J = folded_loss()
    edges, grads = engine_backward(J)
    n = len(grads)
    assert n == 175 and len(edges) == 565
    tab.open(path)
    # it opens readable, around J: J's box in the pane, the text there at least 8 px
    assert tab.js(f"() => chainrule.visible('v{n - 1}')") and tab.js(SMALLEST_TEXT) >= 8
    blocks = tab.js("() => [...document.querySelectorAll('.cr-cluster-title')].map((t) => t.textContent)")
    assert sorted(blocks) == sorted(
        [f"position {t} · {b}" for t in (1, 2) for b in ("embedding", "attention head", "MLP")] + ["logits and loss"]
    )
    assert tab.js(SHOWN) == [None] * (n - 1) + [1.0]  # before the first step only ∂J/∂J = 1
    result = tab.js(
        """() => {
      const c = chainrule, steps = [];
      let r;
      while ((r = c.step()) !== null) steps.push(r);
      return { steps, position: c.position(), after: c.step() };
    }"""
    )
    steps = result["steps"]
    assert [(int(s["child"][1:]), s["slot"]) for s in steps] == edges  # backward()'s edges, in its order
    assert all(s["after"] == (s["before"] + s["local"] * s["upstream"] if s["local"] else s["before"]) for s in steps)
    assert tab.js(SHOWN) == grads  # every grad the page shows is backward()'s, to the last bit
    assert [node["grad"] for node in tab.js("() => chainrule.nodes()")] == grads
    assert result["after"] is None and result["position"]["step"] == 565
    # and back: undo to the start leaves only J's grad shown again
    assert tab.js("() => { while (chainrule.undo()); return chainrule.position().step; }") == 0
    assert tab.js(SHOWN) == [None] * (n - 1) + [1.0]


def test_the_printed_link_opens_at_the_attention_heads_backward(tab, tmp_path, capsys):
    path, k = gpt_page(tmp_path, capsys)
    J = folded_loss()
    order = topological_order(J)
    _, grads = engine_backward(J)
    labels = [v.label for v in order]
    tab.open(path, f"mode=backward&step={k}")
    assert tab.js("() => chainrule.position()")["step"] == k
    # what the command says: it opens just before step k + 1, which the page writes "step k of 565"
    assert k == 192 and tab.js("() => document.getElementById('cr-count').textContent") == "step 192 of 565"
    shown = tab.js(SHOWN)
    o2 = [i for i, label in enumerate(labels) if label.startswith("o_2,")]
    alpha = [i for i, label in enumerate(labels) if label.startswith("α_2,")]
    assert [shown[i] for i in o2] == [grads[i] for i in o2]  # o's grads are complete: the head's backward begins
    assert all(shown[i] is None for i in alpha)  # α not reached yet
    assert labels[int(tab.js("() => chainrule.step()")["child"][1:])].startswith("o_2,")
    # step on through the head: o → α, then α → s (a row of softmax's Jacobian), then s → q and k
    seen = tab.js(
        """() => {
      const c = chainrule, out = [];
      let r;
      while ((r = c.step()) !== null && out.length < 200) out.push([r.child, r.parent, r.upstream, c.line()]);
      return out;
    }"""
    )
    kinds = [labels[int(child[1:])].split("_")[0] for child, *_ in seen]
    assert list(dict.fromkeys(kinds))[:6] == ["o", "v", "α", "s", "k", "q"]  # the kinds, as the walk first leaves them
    child, parent, upstream, line = next(s for s in seen if labels[int(s[0][1:])].startswith("α_2,"))
    assert upstream == grads[int(child[1:])]  # α's grad, complete when α passes it on
    assert labels[int(parent[1:])].startswith("s_2,") and re.search(r"\n∂J/∂s₂[₁₂]⁽¹·¹⁾\s\+=\s", line), line


def test_what_if_an_embedding_changes_gives_the_engines_numbers_on_the_gpt_built_again(tab, tmp_path, capsys):
    path, _ = gpt_page(tmp_path, capsys)
    order = topological_order(folded_loss())
    e23 = next(i for i, v in enumerate(order) if v.label == "e_2,3")
    tab.open(path)
    assert tab.js("() => chainrule.params().ids") == [f"v{i}" for i, v in enumerate(order) if not v.parents]
    got = tab.js(f"() => (chainrule.setData('v{e23}', 0.7), [chainrule.nodes(), chainrule.steps()])")
    # the engine, from scratch, on the tiny GPT whose e_2,3 is 0.7
    J2 = folded_loss(with_embeddings({(2, 3): 0.7}))
    edges, grads = engine_backward(J2)
    order2 = topological_order(J2)
    assert order2[e23].data == 0.7
    nodes, steps = got
    assert [node["label"] for node in nodes] == [v.label for v in order2]
    for i, (node, v) in enumerate(zip(nodes, order2)):
        assert close(node["data"], v.data), (v.label, node["data"], v.data)
        assert all(close(a, b) for a, b in zip(node["locals"], v.local_grads)), v.label
        assert close(node["grad"], grads[i]), (v.label, node["grad"], grads[i])
    assert [(int(s["child"][1:]), s["slot"]) for s in steps] == edges
    assert nodes[-1]["data"] != order[-1].data  # J did change


def test_gradient_steps_move_the_embeddings_as_the_engine_does(tab, tmp_path, capsys):
    path, _ = gpt_page(tmp_path, capsys)
    page = tab.open(path)
    page.fill("#cr-whatif form.cr-step input", "0.5")
    for _ in range(3):
        page.click("#cr-whatif form.cr-step button")
    losses, nodes = tab.js("() => [chainrule.losses(), chainrule.nodes()]")
    # the engine: e −= 0.5·∂J/∂e on the embedding leaves, three times, the GPT built again after each
    J = folded_loss()
    expected = []
    for _ in range(3):
        expected.append(J.data)
        J.backward()
        e = {tuple(int(k) for k in v.label[2:].split(",")): v.data - 0.5 * v.grad for v in topological_order(J)
             if not v.parents}  # fmt: skip
        J = folded_loss(with_embeddings(e))
    expected.append(J.data)
    assert len(losses) == 4 and all(close(a, b) for a, b in zip(losses, expected)), (losses, expected)
    assert expected[-1] < expected[0]  # the loss goes down
    for node, v in zip(nodes, topological_order(J)):
        assert close(node["data"], v.data), v.label
    assert page.locator("#cr-whatif svg.cr-loss circle").count() == 4


def test_screenshots_of_the_gpt_page_at_1280_by_800_and_390_by_844(tab, tmp_path, capsys):
    """Saved for a person to look at: the first view, attention's backward, after gradient steps; and a phone."""
    path, k = gpt_page(tmp_path, capsys)
    shots = {}
    for width, height in ((1280, 800), (390, 844)):
        tab.page.set_viewport_size({"width": width, "height": height})
        page = tab.open(path)
        widths = tab.js(
            "() => [document.documentElement.scrollWidth, Math.max(...[...document.querySelectorAll("
            "'#cr-head button, #cr-head input, #cr-head h1')].map((e) => e.getBoundingClientRect().right))]"
        )
        assert max(widths) <= width, widths  # nothing in the bar cut off
        if width == 1280:  # the bar in one row: the title is short
            assert tab.js("() => document.getElementById('cr-head').getBoundingClientRect().height") < 50
        shots[f"first-{width}"] = tmp_path / f"gpt-first-{width}.png"
        page.screenshot(path=shots[f"first-{width}"])
        tab.open(path, f"mode=backward&step={k + 1}")
        shots[f"attention-{width}"] = tmp_path / f"gpt-attention-{width}.png"
        page.screenshot(path=shots[f"attention-{width}"])
        tab.js("() => { chainrule.end(); chainrule.gradientStep(0.5); chainrule.gradientStep(0.5); }")
        shots[f"steps-{width}"] = tmp_path / f"gpt-steps-{width}.png"
        page.screenshot(path=shots[f"steps-{width}"])
    for name, p in shots.items():
        head = Path(p).read_bytes()[:24]
        size = (int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big"))
        assert head[:8] == b"\x89PNG\r\n\x1a\n" and size == ((390, 844) if name.endswith("390") else (1280, 800))
    print("\nscreenshots:", ", ".join(str(p) for p in shots.values()))
