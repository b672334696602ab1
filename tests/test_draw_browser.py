"""draw's SVG in a real browser: headless Chromium (the `browser` fixture of conftest.py) opens a saved
SVG from file:// and reports where it drew each piece of text.

dot writes an HTML label's <SUB> and <SUP> with baseline-shift, which Chromium draws full size and a
line off (onto the box's border, into the next line) and Firefox ignores; `save` writes each line that
holds indices as one <text> of <tspan>s instead (see autograd.draw.browser_svg). Here the browser says
where the indices land: smaller than their line, just below or above its baseline, after their base
letter without overlapping it, inside their box.
"""

from __future__ import annotations

import pytest

import nn
from autograd import draw, save, topological_order

# Each node's box and, for each line of text in it, its pieces (a <tspan> each, or the <text> itself) with
# their place on the screen (CSS px; Chromium rounds a line's height to whole px) and font size.
PIECES = """() => [...document.querySelectorAll("g.node")].map((node) => {
  const rect = (el) => {
    const r = el.getBoundingClientRect();
    return { left: r.left, right: r.right, top: r.top, bottom: r.bottom };
  };
  return {
    title: node.querySelector("title").textContent,
    box: rect(node.querySelector("path, polygon")),
    lines: [...node.querySelectorAll("text")].map((text) => {
      const spans = [...text.querySelectorAll("tspan")];
      return (spans.length ? spans : [text]).map((el) => ({
        text: el.textContent, size: parseFloat(getComputedStyle(el).fontSize), ...rect(el),
      }));
    }),
  };
})"""


@pytest.fixture
def svg_page(browser, tmp_path):
    page = browser.new_page(viewport={"width": 1700, "height": 600})
    net = nn.example("2-2-2")
    x, y = nn.EXAMPLE_DATA["2-2-2"]
    J = nn.mse([net.trace(x).output], [y])
    J.backward()
    path = save(draw(J, highlight=net.layers[0].neurons[0].w[0], **nn.layout(J)), tmp_path / "graph-2-2-2.svg")
    page.goto(path.as_uri())
    yield page, topological_order(J)
    page.close()


def test_the_indices_of_every_name_sit_small_beside_their_letter_inside_the_box(svg_page):
    page, order = svg_page
    assert page.evaluate("() => document.querySelectorAll('[baseline-shift]').length") == 0
    nodes = page.evaluate(PIECES)
    assert len(nodes) == len(order) == 19
    indexed = 0
    for node in nodes:
        v = order[int(node["title"][1:])]
        box, name = node["box"], node["lines"][0]
        # the label whole: w_2,1^(1) → "w", "2,1", "(1)"
        base, _, rest = v.label.partition("_")
        sub, _, sup = rest.partition("^")
        assert [p["text"] for p in name] == [base] + [sub] * bool(sub) + [sup] * bool(sup), v.label
        letter = name[0]
        for before, piece in zip(name, name[1:]):
            indexed += 1
            assert piece["size"] == pytest.approx(0.8 * letter["size"], abs=0.01)  # smaller than the letter
            assert before["right"] - 1 <= piece["left"] <= before["right"] + 1  # right after it
        if sub:
            s = name[1]
            assert letter["bottom"] < s["bottom"] <= letter["bottom"] + 0.25 * letter["size"]  # just below
        if sup:
            s = name[-1]
            assert letter["top"] - 1 <= s["top"] and s["bottom"] < letter["bottom"]  # raised, within the line
        for line in node["lines"]:  # every piece inside its box
            for p in line:
                assert box["left"] <= p["left"] and p["right"] <= box["right"] + 0.5, (v.label, p)
                assert box["top"] < (p["top"] + p["bottom"]) / 2 < box["bottom"], (v.label, p)
    assert indexed == 18 + 16  # 18 names with a subscript (J has none), 16 with a layer too
