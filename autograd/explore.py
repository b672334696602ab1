"""The explorer page: one self-contained HTML file in which a learner steps through backprop.

What it is: `explore(root)` returns an `ExplorerPage`. Its `.save("page.html")` writes ONE file: the
SVG that `draw` lays out with graphviz's `dot` (so the page and the static picture look alike),
the graph's numbers as embedded JSON, and a small script of the project's own (`explore.js`,
`explore.css` beside this file). In Jupyter the page displays inline, in an iframe. On the page:

- **Forward**: the nodes fill in with their data one by one, in topological order.
- **Backward**: one step per edge, in exactly the order `backward()` processes them, writing out
  `∂J/∂w₁₁⁽¹⁾ += 0.35 × −0.001838 = −0.0006432`; step, undo, play/pause, start/end, ← → space.
- **Paths**: click a node to light its chain-rule paths to the root, with their products summing
  to its grad (past `path_limit` paths, their count instead, as `count_paths` gives it).
- **Quiz**: the grads (or the local derivatives) are hidden; the learner types them in.
- **Inspect**: hover or click a node for its label, op, data, grad and local derivatives in full.

The steps. `backward()` walks the nodes in reverse topological order and, for each node that is
not a leaf and whose grad is not 0.0, does `parent.grad += local * node.grad` for each of its
parents in order. The page's steps are exactly these edges, in exactly this order: they are
recorded here by the same walk, run on a copy of the grads with the same float operations, so
replaying them in the browser gives the very floats `backward()` gives (from zero grads: what
`backward()` leaves after `zero_grad()`). A node the walk passes over without a step, because its
grad is 0 (a dead relu, say: nothing to pass on) or it is a leaf, is not a step: the page marks
it "skipped" in the step that follows (the last step, for those after it) and shows its grad, 0
when nothing reached it, from then on.

The page's script exposes `window.chainrule` (documented in the README): `nodes()`, `reset()`,
`step()`, `undo()`, `shown(id)`, `paths(id)`, `answer(id, value)` and more; tests drive the page
through it in a real browser.

What it is not: a live view of the Values. The page is a snapshot: it never changes the graph
(`explore` leaves every grad as it found it), and later changes to the graph do not reach it.
Like `draw`, it refuses graphs above `max_nodes` (dot would take too long to lay them out).
"""

from __future__ import annotations

import html
import json
import math
import os
import re
from importlib import resources
from numbers import Integral
from pathlib import Path

from .draw import _LABEL, PALETTE, draw, pipe
from .files import write_atomically
from .graph import backward_walk, topological_order
from .value import Value

__all__ = ["explore", "ExplorerPage", "backward_steps", "pretty_label", "DRAW_OPTIONS", "MODES", "QUIZ_TOLERANCE"]

DRAW_OPTIONS = ("rankdir", "edge_labels", "max_nodes", "cluster", "groups", "precision")
"""The keyword arguments of `draw` that `explore` passes on (the page shows the grads itself)."""

MODES = ("forward", "backward", "paths", "quiz")
"""The page's modes, the first one shown given by `explore(..., mode=)`."""

QUIZ_TOLERANCE = 1e-3
"""The quiz accepts an answer within this relative error (4 significant digits are enough); 0 needs 0."""

_SUB = dict(zip("0123456789+-=()aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ"))
_SUP = dict(zip("0123456789+-=()in", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁱⁿ"))


def pretty_label(label: str) -> str:
    """nn's label in Unicode sub- and superscripts, as the course writes it: w_1,1^(1) → w₁₁⁽¹⁾.

    The comma between one-digit indices is dropped (w₁₁⁽¹⁾, as in Jordan's post) and kept between
    longer ones (w₁₂,₃⁽²⁾); a label these characters cannot write is returned unchanged.
    """
    m = _LABEL.match(label)
    if not m or (m["sub"] is None and m["sup"] is None):
        return label
    out = m["base"]
    if m["sub"] is not None:
        parts = m["sub"].split(",")
        sep = "" if all(len(p) == 1 for p in parts) else ","
        if not all(c in _SUB for p in parts for c in p):
            return label
        out += sep.join("".join(_SUB[c] for c in p) for p in parts)
    if m["sup"] is not None:
        sup = f"({m['sup']})"
        if not all(c in _SUP for c in sup):
            return label
        out += "".join(_SUP[c] for c in sup)
    return out


def _name(v: Value) -> str:
    """How the page names a node: its label in the course's notation, else its op, else its value."""
    if v.label:
        return pretty_label(v.label)
    if v.op:
        return f"({v.op})"
    return f"{v.data:g}"  # an unlabelled leaf: a constant


def backward_steps(order: list[Value]) -> tuple[list[float], list[tuple[int, int]], list[list[int]]]:
    """`backward()`'s walk over `order` (topological, root last) from zero grads, recorded for the page.

    Returns (grads, steps, passed): the grad of each node after the walk; the edges processed, in
    order, as (index of the child in `order`, index of the parent among the child's parents); and
    for each step the nodes the walk passed over before it without a step (leaves, and nodes whose
    grad is 0.0), those after the last step added to the last step's list. The steps are
    `graph.backward_walk`'s, so the grads are the very floats `backward()` gives.
    """
    grads = [0.0] * len(order)
    grads[-1] = 1.0  # the root: ∂root/∂root
    steps: list[tuple[int, int]] = []
    passed: list[list[int]] = []
    waiting: list[int] = []  # passed over since the last step
    for step in backward_walk(order, grads):
        if step.slot < 0:
            waiting.append(step.child)
            continue
        steps.append((step.child, step.slot))
        passed.append(waiting)
        waiting = []
    if passed:
        passed[-1].extend(waiting)
    return grads, steps, passed


def _number(x: float) -> float | str:
    """A float for JSON: NaN and ±inf as the strings JavaScript's Number() reads back."""
    if math.isfinite(x):
        return x
    return "NaN" if math.isnan(x) else ("Infinity" if x > 0 else "-Infinity")


# ---- the SVG that draw() makes, tagged for the script

_BLOCK = re.compile(r'<g id="(?:node|edge)\d+" class="(node|edge)">\n<title>([^<]*)</title>\n')


def _tag_svg(svg: str, order: list[Value]) -> str:
    """dot's SVG with each element tagged for the script, and no tooltips or titles.

    A Value's group gets data-node="v3", its op node's data-op="v3", the edge from a parent into
    that op data-edge="v3.k" (k: the parent's place among v3's parents, so a + a's two edges are
    told apart) and the op's edge into v3 data-out="v3". Tooltips and <title>s go: they would
    show the grads the quiz hides.
    """
    seen: dict[tuple[str, str], int] = {}

    def slot_of(parent: int, child: int, occurrence: int) -> int:
        slots = [k for k, p in enumerate(order[child].parents) if p is order[parent]]
        return slots[occurrence]

    def tag(m: re.Match) -> str:
        kind, title = m[1], html.unescape(m[2])
        if kind == "node":
            if title.startswith("op"):
                return f'<g class="node cr-op" data-op="v{title[2:]}">\n'
            return f'<g class="node cr-value" data-node="{title}">\n'
        tail, head = title.split("->")
        if tail.startswith("op"):
            return f'<g class="edge cr-out" data-out="{head}">\n'
        # dot draws the edges between one tail and one head in the order they were made: parents' order
        k = seen.get((tail, head), 0)
        seen[tail, head] = k + 1
        child = int(head[2:])
        slot = slot_of(int(tail[1:]), child, k)
        return f'<g class="edge cr-in" data-edge="v{child}.{slot}" data-parent="{tail}">\n'

    svg = _BLOCK.sub(tag, svg)
    svg = svg[svg.index("<svg") :]  # no XML declaration or doctype inside HTML
    svg = re.sub(r"<!--.*?-->\n?", "", svg, flags=re.S)
    svg = re.sub(r"<title>[^<]*</title>\n?", "", svg)
    svg = re.sub(r' xlink:title="[^"]*"', "", svg)
    return svg


def _asset(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


class ExplorerPage:
    """A self-contained HTML page stepping through the backward pass of one graph (see `explore`).

    `html` is the whole page; `save(path)` writes it atomically; in Jupyter it displays inline.
    """

    def __init__(self, page: str, *, nodes: int, steps: int, title: str, height: int) -> None:
        self.html = page
        self.nodes = nodes
        self.steps = steps
        self.title = title
        self._height = height

    def __repr__(self) -> str:
        return (
            f"ExplorerPage({self.title!r}: {self.nodes} nodes, {self.steps} backward steps, "
            f"{len(self.html.encode()):,} bytes; .save('page.html') to open it in a browser)"
        )

    def save(self, path: str | os.PathLike) -> Path:
        """Write the page to `path` (atomically, UTF-8) and return the path; open it in any browser."""
        path = Path(path)
        if path.suffix.lower() not in (".html", ".htm"):
            raise ValueError(f"save: the explorer page is HTML; give a name ending in .html, got {str(path)!r}")
        return write_atomically(path, self.html)

    def _repr_html_(self) -> str:
        # An iframe: the page's script, styles and element ids stay apart from the notebook's and
        # from other pages in it. (Where outputs run no script, e.g. on GitHub, nothing moves.)
        return (
            f'<iframe srcdoc="{html.escape(self.html, quote=True)}" title="{html.escape(self.title, quote=True)}" '
            f'style="width:100%;height:{self._height}px;border:1px solid #ddd;border-radius:4px" '
            f'sandbox="allow-scripts"></iframe>'
        )


def explore(
    root: Value,
    *,
    highlight: Value | None = None,
    mode: str | None = None,
    path_limit: int = 16,
    title: str | None = None,
    **draw_options: object,
) -> ExplorerPage:
    """The page on which a learner steps through `root`'s forward and backward pass (see the module doc).

    The grads on the page are those of one `backward()` from zero grads, computed here without
    touching the graph (the Values' own grads are left as they are). highlight: a node whose
    chain-rule paths the page shows when it opens (in the "paths" mode). mode: the mode it opens
    in, one of "forward", "backward" (the default; "paths" with a highlight), "paths", "quiz".
    path_limit: the most paths the page lists for a node; past it, their number instead. title:
    the page's heading (default "∂J/∂· step by step" with the root's name). draw_options: passed
    to `draw` for the layout: rankdir, edge_labels, max_nodes (default 200: larger graphs are
    refused, as `draw` refuses them), cluster, groups, precision.
    """
    if not isinstance(root, Value):
        raise TypeError(f"explore: root must be a Value, got {type(root).__name__}")
    if highlight is not None and not isinstance(highlight, Value):
        raise TypeError(f"explore: highlight must be a Value, got {type(highlight).__name__}")
    if mode is not None and mode not in MODES:
        raise ValueError(f"explore: mode must be one of {', '.join(map(repr, MODES))}, got {mode!r}")
    if isinstance(path_limit, bool) or not isinstance(path_limit, Integral) or path_limit < 1:
        raise ValueError(f"explore: path_limit must be an integer ≥ 1, got {path_limit!r}")
    path_limit = int(path_limit)  # a NumPy integer becomes a plain one (it goes into the page's JSON)
    if title is not None and not isinstance(title, str):
        raise TypeError(f"explore: title must be a str, got {type(title).__name__}")
    unknown = sorted(set(draw_options) - set(DRAW_OPTIONS))
    if unknown:
        raise TypeError(
            f"explore: unexpected keyword argument {unknown[0]!r}; the layout options it passes to draw are "
            f"{', '.join(DRAW_OPTIONS)} (the page shows the grads and paths itself)"
        )
    max_nodes = draw_options.get("max_nodes", 200)
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, Integral) or max_nodes < 1:
        raise ValueError(f"explore: max_nodes must be an integer ≥ 1, got {max_nodes!r}")
    max_nodes = int(max_nodes)
    # The size guard first: draw() refuses a graph above max_nodes before anything is computed here.
    order = topological_order(root)
    if len(order) > max_nodes:
        draw(root, **draw_options)  # raises draw's ValueError, which says what to do
    if highlight is not None and not any(v is highlight for v in order):
        raise ValueError("explore: highlight is not part of this graph (root does not depend on it)")

    grads, steps, passed = backward_steps(order)
    # dot lays the boxes out for the final grads: draw prints this walk's, not the Values' own
    graph = draw(root, grads=dict(zip(order, grads)), **draw_options)
    svg = _tag_svg(pipe(graph, "svg", "lay out the page").decode("utf-8"), order)

    index = {v: i for i, v in enumerate(order)}
    root_name = _name(root)  # J; an unlabelled root by its op: ∂(tanh)/∂x
    data = {
        "version": 1,
        "title": title or f"∂{root_name}/∂· step by step",
        "rootName": root_name,
        "precision": draw_options.get("precision", 4),
        "pathLimit": path_limit,
        "tolerance": QUIZ_TOLERANCE,
        "palette": PALETTE,
        "mode": mode or ("paths" if highlight is not None else "backward"),
        "select": index[highlight] if highlight is not None else None,
        "nodes": [
            {
                "label": v.label,
                "name": _name(v),
                "op": v.op,
                "data": _number(v.data),
                "grad": _number(g),
                "parents": [index[p] for p in v.parents],
                "locals": [_number(d) for d in v.local_grads],
            }
            for v, g in zip(order, grads)
        ],
        "steps": steps,
        "passed": passed,
    }
    # JSON inside <script>: "<" escaped so that no label can close the element.
    blob = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False).replace("<", "\\u003c")
    heading = data["title"]
    page = _TEMPLATE.format(
        title=html.escape(heading),
        css=_asset("explore.css"),
        js=_asset("explore.js"),
        svg=svg,
        data=blob,
    )
    # pt → px, plus the bar, the update line and some panel; capped (the iframe scrolls)
    svg_height = float(re.search(r'<svg width="[^"]*" height="([\d.]+)pt"', svg)[1]) * 4 / 3
    height = int(min(max(svg_height + 250, 480), 900))
    return ExplorerPage(page, nodes=len(order), steps=len(steps), title=heading, height=height)


# Content-Security-Policy: the page may fetch nothing at all (no script, style, font or image
# from anywhere); its own inline script and styles are all it runs.
_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; \
style-src 'unsafe-inline'; img-src data:">
<link rel="icon" href="data:,">
<title>{title} · chainrule</title>
<style>
{css}
</style>
</head>
<body>
<div id="cr-app">
<header id="cr-head">
  <h1 id="cr-title">{title}</h1>
  <nav id="cr-modes" role="tablist">
    <button data-mode="forward" title="the forward pass, node by node">Forward</button>
    <button data-mode="backward" title="the backward pass, edge by edge">Backward</button>
    <button data-mode="paths" title="click a node: its chain-rule paths">Paths</button>
    <button data-mode="quiz" title="hide the grads and find them yourself">Quiz</button>
  </nav>
  <div id="cr-controls">
    <button id="cr-start" title="to the start (Home)" aria-label="to the start"></button>
    <button id="cr-back" title="undo the last step (←)" aria-label="undo"></button>
    <button id="cr-play" title="play / pause (space)">play</button>
    <button id="cr-next" title="next step (→)" aria-label="next step"></button>
    <button id="cr-end" title="to the end (End)" aria-label="to the end"></button>
    <label id="cr-speed-label" title="steps per second">speed
      <input id="cr-speed" type="range" min="0" max="6" step="1" value="2"></label>
    <span id="cr-count"></span>
  </div>
  <div id="cr-zoom">
    <button id="cr-zoom-out" title="zoom out">−</button>
    <button id="cr-zoom-fit" title="the whole graph in view">fit</button>
    <button id="cr-zoom-1" title="readable size">1:1</button>
    <button id="cr-zoom-in" title="zoom in">+</button>
  </div>
</header>
<div id="cr-line" aria-live="polite"></div>
<main id="cr-main">
  <div id="cr-graph">
{svg}
  </div>
  <aside id="cr-panel"></aside>
</main>
<div id="cr-tip" hidden></div>
</div>
<script type="application/json" id="chainrule-data">{data}</script>
<script>
{js}
</script>
</body>
</html>
"""
