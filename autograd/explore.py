"""The explorer page: one self-contained HTML file in which a learner steps through backprop.

What it is: `explore(root)` returns an `ExplorerPage`. Its `.save("page.html")` writes ONE file: the
graph's numbers and its two layouts (left to right and top to bottom, both laid out by graphviz's
`dot` from `draw`'s boxes, so the page and the static picture look alike) as embedded JSON, and a
small script of the project's own (`explore.js`, `mirror.js`, `explore.css` beside this file) that
draws the graph and runs it. In Jupyter the page displays inline, in an iframe. On the page:

- **Forward**: the nodes fill in with their data one by one, in topological order.
- **Backward**: one step per edge, in exactly the order `backward()` processes them, the grad
  travelling along the edge as the update is written out: `∂J/∂w₁₁⁽¹⁾ += 0.35 × −0.001838 = −0.0006432`.
- **Paths**: click a node to light its chain-rule paths to the root, with their products summing
  to its grad (past `path_limit` paths, their count instead, as `count_paths` gives it).
- **Quiz**: the grads (or the local derivatives) are hidden; the learner types them in. A page made
  with `quiz=True` holds no grad at all but the root's: the script computes them from the local
  derivatives when it checks an answer.
- **What if**: click a leaf and type a new value: the script recomputes the forward and backward
  passes with the engine's own formulas (`mirror.js`, one entry per kind of op) and marks what
  changed; "gradient step" moves the parameters by −lr·grad and draws the loss.
- **Links**: the state (mode, step, selection, edits) lives in the page's address after `#`.

The steps. `backward()` walks the nodes in reverse topological order and, for each node that is
not a leaf and whose grad is not 0.0, does `parent.grad += local * node.grad` for each of its
parents in order. The page's steps are exactly these edges, in exactly this order: they are
recorded here by the same walk (`steps.backward_walk`), run on a list of grads with the same float
operations, so replaying them in the browser gives the very floats `backward()` gives (from zero
grads: what `backward()` leaves after `zero_grad()`). A node the walk passes over without a step,
because its grad is 0 (a dead relu, say: nothing to pass on) or it is a leaf, is not a step: the
page marks it "skipped" in the step that follows (the last step, for those after it).

The page is built from one walk: `explore` takes the topological order once, and every table the
page needs (names, steps, the nodes' numbers, the two layouts) is read off that list.

The page's script exposes `window.chainrule` (documented in the README); tests drive the page
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
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path

from .args import choice, flag, integer, sequence, text
from .draw import PALETTE as PALETTE
from .draw import _check_graph, layout_graph, node_names, pipe, pretty_label
from .files import write_atomically
from .ops import CustomOp, Op
from .steps import backward_walk
from .value import Value

__all__ = ["explore", "ExplorerPage", "backward_steps", "pretty_label", "MODES", "QUIZ_TOLERANCE", "LAYOUTS"]

MODES = ("forward", "backward", "paths", "quiz")
"""The page's modes, the first one shown given by `explore(..., mode=)`."""

LAYOUTS = ("LR", "TB")
"""Left to right, top to bottom: both laid out when the page is built; the page opens on the one that fits."""

QUIZ_TOLERANCE = 1e-3
"""The quiz accepts an answer within this relative error (4 significant digits are enough); 0 needs 0."""

# Python's sum() of floats: compensated (Neumaier) from 3.12 on, plain before. The page's script
# adds the way the Python that built it adds, so that its what-if gives the engine's very floats.
_COMPENSATED_SUM = sum([0.1] * 10) == 1.0


def backward_steps(order: list[Value]) -> tuple[list[float], list[tuple[int, int]], list[list[int]]]:
    """`backward()`'s walk over `order` (topological, root last) from zero grads, recorded for the page.

    Returns (grads, steps, passed): the grad of each node after the walk; the edges processed, in
    order, as (index of the child in `order`, index of the parent among the child's parents); and
    for each step the nodes the walk passed over before it without a step (leaves, and nodes whose
    grad is 0.0), those after the last step added to the last step's list. The steps are
    `steps.backward_walk`'s, so the grads are the very floats `backward()` gives.
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


def _json_safe(x: object) -> object:
    """An op's parameters for JSON: floats through `_number`, lists and dicts item by item."""
    if isinstance(x, bool) or x is None or isinstance(x, str):
        return x
    if isinstance(x, (int, float)):
        return _number(float(x)) if isinstance(x, float) else x
    if isinstance(x, Mapping):
        return {str(k): _json_safe(v) for k, v in x.items()}
    if isinstance(x, Sequence):
        return [_json_safe(v) for v in x]
    try:
        return _number(float(x))  # a NumPy number
    except (TypeError, ValueError):
        return repr(x)


def _kind(v: Value) -> str | None:
    """The op's kind, as the page's mirror knows it ("" for a leaf); None for an op of the user's own."""
    if not v.parents:
        return ""
    if isinstance(v.op, CustomOp) or not isinstance(v.op, Op):
        return None
    return v.op.kind


# ---------------------------------------------------------------- the layouts, from dot's JSON


def _points(pos: str, flip: float) -> list[int]:
    """An edge's `pos` ("e,x,y x0,y0 x1,y1 …": cubic Bézier points and the arrow's tip) as flat
    integers in tenths of a point, y downwards: the tip first, then the points."""
    tip: list[int] = []
    pts: list[int] = []
    for token in pos.split():
        if token.startswith("s,"):
            continue
        into = tip if token.startswith("e,") else pts
        x, y = (float(t) for t in token.removeprefix("e,").split(","))
        into += [round(x * 10), round((flip - y) * 10)]
    return (tip or pts[-2:]) + pts


def _layout(graph, n: int) -> dict:
    """Where dot puts each box, edge and group: {w, h, nodes: [[x, y] centre], edges: [[points of
    each parent's edge]], clusters: [[x0, y0, x1, y1, label x, label y, name]]}, in tenths of a point."""
    laid = json.loads(pipe(graph, "json", "lay out the page"))
    _, _, width, height = (float(t) for t in laid["bb"].split(","))
    nodes: list[list[int]] = [[0, 0]] * n
    sizes: list[list[int]] = [[0, 0]] * n
    clusters = []
    baselines = None
    for o in laid.get("objects", []):
        name = o.get("name", "")
        if name.startswith("cluster"):
            x0, y0, x1, y1 = (float(t) for t in o["bb"].split(","))
            lx, ly = (float(t) for t in o.get("lp", f"{x0},{y1}").split(","))
            clusters.append([round(x0 * 10), round((height - y1) * 10), round(x1 * 10), round((height - y0) * 10),
                             round(lx * 10), round((height - ly) * 10), o.get("label", "")])  # fmt: skip
        elif name.startswith("v") and "pos" in o:
            i = int(name[1:])
            x, y = (float(t) for t in o["pos"].split(","))
            nodes[i] = [round(x * 10), round((height - y) * 10)]
            sizes[i] = [round(float(o["width"]) * 720), round(float(o["height"]) * 720)]
            texts = [t["pt"][1] for t in o.get("_ldraw_", []) if t.get("op") == "T"]
            if baselines is None and len(texts) >= 2:  # the two lines' baselines, below the centre
                baselines = [round((y - texts[0]) * 10), round((y - texts[-1]) * 10)]
    edges: list[list[list[int]]] = [[] for _ in range(n)]
    for e in laid.get("edges", []):
        if "id" in e and "pos" in e:
            child, slot = (int(t) for t in e["id"][1:].split("."))
            row = edges[child]
            row.extend([[]] * (slot + 1 - len(row)))
            row[slot] = _points(e["pos"], height)
    layout = {"w": round(width * 10), "h": round(height * 10), "nodes": nodes, "edges": edges,
              "clusters": clusters, "sizes": sizes, "baselines": baselines or [-52, 88]}  # fmt: skip
    return layout


def _in_column_order(layout: dict, order: list[Value], columns: Sequence[Sequence[Value]] | None, rankdir: str) -> None:
    """Put the nodes of each column back in the column's order where dot moved them.

    Inside a group's box dot keeps a column's nodes in one rank, but not always in the order asked
    (it may put w₁₂ above w₁₁, or split a neuron's weights around the inputs, to save a crossing).
    Where the column's nodes sit side by side, they are laid out again in the column's order over
    the stretch they occupy (the same gaps between them), each edge's end at a moved box moved with it."""
    if not columns:
        return
    index = {v: i for i, v in enumerate(order)}
    along, across = (1, 0) if rankdir == "LR" else (0, 1)  # along the column; along the edges
    nodes, edges, sizes = layout["nodes"], layout["edges"], layout["sizes"]
    leaving: dict[int, list[tuple[int, int]]] = {}  # node → the edges leaving it, (child, slot)
    for c, v in enumerate(order):
        for k, p in enumerate(v.parents):
            leaving.setdefault(index[p], []).append((c, k))
    for column in columns:
        wanted = [index[v] for v in column if v in index]
        placed = sorted(wanted, key=lambda i: nodes[i][along])
        if len(wanted) < 2 or placed == wanted or len({nodes[i][across] for i in wanted}) > 1:
            continue
        rank = sorted((i for i in range(len(order)) if nodes[i][across] == nodes[wanted[0]][across]),
                      key=lambda i: nodes[i][along])  # fmt: skip
        first = rank.index(placed[0])
        if rank[first : first + len(placed)] != placed:
            continue  # another node among them: left as dot put them
        lo = lambda i: nodes[i][along] - sizes[i][along] // 2  # noqa: E731
        gaps = [lo(b) - (lo(a) + sizes[a][along]) for a, b in zip(placed, placed[1:])] + [0]
        start = lo(placed[0])
        for i, gap in zip(wanted, gaps):
            shift = start + sizes[i][along] // 2 - nodes[i][along]
            start += sizes[i][along] + gap
            if not shift:
                continue
            nodes[i] = [*nodes[i]]
            nodes[i][along] += shift
            for c, k in leaving.get(i, ()):  # its edges out start where it is now: the start and its control point
                for q in (2, 4):
                    edges[c][k][q + along] += shift
            for pts in edges[i]:  # its edges in end there: the tip, the last point and its control point
                for q in (0, len(pts) - 2, len(pts) - 4):
                    pts[q + along] += shift


def _asset(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


class ExplorerPage:
    """A self-contained HTML page stepping through the backward pass of one graph (see `explore`).

    `html` is the whole page; `save(path)` writes it atomically; in Jupyter it displays inline.
    """

    def __init__(self, page: str, *, nodes: int, steps: int, title: str, height: int, quiz: bool = False) -> None:
        self.html = page
        self.nodes = nodes
        self.steps = steps
        self.title = title
        self.quiz = quiz
        self._height = height

    def __repr__(self) -> str:
        kind = "quiz page" if self.quiz else f"{self.steps} backward steps"
        return (
            f"ExplorerPage({self.title!r}: {self.nodes} nodes, {kind}, "
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
            f'sandbox="allow-scripts" allow="clipboard-write"></iframe>'
        )


def _parameters(params: object, order: list[Value], index: dict[Value, int]) -> tuple[list[int] | None, str]:
    """The indices of the parameters a gradient step moves, or None and why there are none."""
    if params is None:
        found = [i for i, v in enumerate(order) if not v.parents and v.label]
        if found:
            return found, ""
        return None, "no parameters: the graph has no labelled leaf; pass explore(root, params=[...])"
    items = sequence(params, "explore", "params", of=Value, nonempty=False)
    out = []
    for k, p in enumerate(items):
        if p not in index:
            raise ValueError(f"explore: params[{k}] is not part of this graph (root does not depend on it)")
        if p.parents:
            raise ValueError(f"explore: params[{k}] is the result of op {str(p.op)!r}, not a leaf a step can move")
        if index[p] not in out:
            out.append(index[p])
    if not out:
        return None, "no parameters: explore(root, params=[]) gave none"
    return out, ""


def explore(
    root: Value,
    *,
    highlight: Value | None = None,
    mode: str | None = None,
    quiz: bool = False,
    params: Sequence[Value] | None = None,
    path_limit: int = 16,
    title: str | None = None,
    rankdir: str | None = None,
    max_nodes: int = 200,
    groups: Mapping[Value, str] | None = None,
    columns: Sequence[Sequence[Value]] | None = None,
    precision: int = 4,
) -> ExplorerPage:
    """The page on which a learner steps through `root`'s forward and backward pass (see the module doc).

    The grads on the page are those of one `backward()` from zero grads, computed here without
    touching the graph (the Values' own grads are left as they are).

    highlight: a node whose chain-rule paths the page shows when it opens (in the "paths" mode).
    mode: the mode it opens in, one of "forward", "backward" (the default; "paths" with a
    highlight), "paths", "quiz". quiz: a quiz page — it opens in the quiz, and its file holds no
    grad but the root's (nor does it offer the backward pass, the paths or the what-if, which
    would show them). params: the leaves "gradient step" moves (nn passes a network's parameters);
    by default every labelled leaf. path_limit: the most paths the page lists for a node; past it,
    their number instead. title: the page's heading (default "∂J/∂· step by step" with the root's
    name). rankdir: the layout it opens on, "LR" or "TB" (default: the one that fits the window
    best; both are in the page). max_nodes (default 200: larger graphs are refused, as `draw`
    refuses them), groups, columns, precision: as for `draw`.
    """
    if highlight is not None and not isinstance(highlight, Value):
        raise TypeError(f"explore: highlight must be a Value, got {type(highlight).__name__}")
    if mode is not None:
        choice(mode, "explore", "mode", MODES)
    quiz = flag(quiz, "explore", "quiz")
    path_limit = integer(path_limit, "explore", "path_limit")
    text(title, "explore", "title", none=True, max_length=1000)
    if rankdir is not None and rankdir not in LAYOUTS:
        raise ValueError(f"explore: rankdir must be 'LR' or 'TB' (or None: the one that fits), got {rankdir!r}")
    order = _check_graph("explore", root, max_nodes, groups, columns, precision)  # the one walk
    index = {v: i for i, v in enumerate(order)}
    if highlight is not None and highlight not in index:
        raise ValueError("explore: highlight is not part of this graph (root does not depend on it)")
    if quiz and highlight is not None:
        raise ValueError("explore: a quiz page shows no paths (their products sum to the grads): drop highlight")
    if quiz and mode not in (None, "quiz", "forward"):
        raise ValueError(f"explore: a quiz page opens in the quiz or the forward pass, not mode={mode!r}")
    param_indices, no_params = _parameters(params, order, index)

    names = node_names(order)
    grads, steps, passed = backward_steps(order)
    layouts = {}
    for rd in LAYOUTS:
        layouts[rd] = _layout(layout_graph(order, names, rd, groups, columns, precision), len(order))
        _in_column_order(layouts[rd], order, columns, rd)
    root_name = names[-1]  # J; an unlabelled root by its made-up name: ∂sum₂/∂x
    heading = title or f"∂{root_name}/∂· step by step"
    nodes = []
    for v, name, g in zip(order, names, grads):
        node = {
            "label": v.label,
            "name": name,
            "op": str(v.op),
            "kind": _kind(v),
            "data": _number(v.data),
            "parents": [index[p] for p in v.parents],
            "locals": [_number(d) for d in v.local_grads],
        }
        if isinstance(v.op, Op) and v.op.params:
            node["params"] = _json_safe(v.op.params)
        if not quiz:
            node["grad"] = _number(g)
        nodes.append(node)
    data = {
        "version": 2,
        "title": heading,
        "rootName": root_name,
        "precision": int(precision),
        "pathLimit": path_limit,
        "tolerance": QUIZ_TOLERANCE,
        "palette": PALETTE,
        "quiz": quiz,
        "mode": mode or ("quiz" if quiz else "paths" if highlight is not None else "backward"),
        "select": index[highlight] if highlight is not None else None,
        "rankdir": rankdir,
        "compensatedSum": _COMPENSATED_SUM,
        "params": param_indices,
        "noParams": no_params,
        "nodes": nodes,
        "layouts": layouts,
    }
    if not quiz:  # (a quiz page's script walks backward itself: the steps would say which grads are 0)
        data["steps"] = steps
        data["passed"] = passed
    # JSON inside <script>: "<" escaped so that no label can close the element.
    blob = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False).replace("<", "\\u003c")
    page = _TEMPLATE.format(
        title=html.escape(heading),
        css=_asset("explore.css"),
        js=_asset("mirror.js") + "\n" + _asset("explore.js"),
        data=blob,
    )
    # the graph at its natural size, plus the bar and the update line; capped (the iframe scrolls)
    tallest = min(lay["h"] for lay in layouts.values()) / 10 * 4 / 3
    height = int(min(max(tallest + 220, 480), 900))
    return ExplorerPage(page, nodes=len(order), steps=len(steps), title=heading, height=height, quiz=quiz)


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
  <nav id="cr-modes" aria-label="mode">
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
    <label id="cr-speed-label" title="speed: steps per second">
      <input id="cr-speed" type="range" min="0" max="6" step="1" value="2" aria-label="speed">
      <span id="cr-speed-value"></span></label>
    <span id="cr-count"></span>
  </div>
  <div id="cr-view-controls">
    <button id="cr-layout" title="lay the graph out top to bottom or left to right"></button>
    <button id="cr-zoom-out" title="zoom out (−)" aria-label="zoom out">−</button>
    <button id="cr-zoom-fit" title="the whole graph in view (0)">fit</button>
    <button id="cr-zoom-in" title="zoom in (+)" aria-label="zoom in">+</button>
    <label id="cr-animate-label" title="animate each backward step along its edge">
      <input id="cr-animate" type="checkbox" checked> animate</label>
    <button id="cr-link" title="copy a link to this state of the page">copy link</button>
  </div>
</header>
<div id="cr-line" aria-live="polite"></div>
<main id="cr-main">
  <div id="cr-graph"><noscript>This page needs JavaScript: it draws the graph and runs its passes.</noscript></div>
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
