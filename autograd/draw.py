"""Drawing the computation graph with graphviz.

What it is: `draw(root)` returns a `graphviz.Digraph` in which every Value is a two-line box —
its name and its op on the first line, its data and its grad on the second — and every edge
parent → child carries the local derivative ∂child/∂parent stored on the child. `highlight=leaf`
colours each chain-rule path from that leaf to the root (blue, orange, … as in Jordan's post) and
lists the path products in a legend at the top whose sum is ∂root/∂leaf. `groups` draws nodes of
your choosing inside a titled box each (a layer of a network: `nn.layout(root)` gives nn's), and
`columns` lines nodes up in one column in the order given. `save()` writes SVG, PNG or PDF
atomically; in an SVG (and the one Jupyter shows) each line that holds indices is rewritten for
browsers (`browser_svg`: dot's baseline-shift is drawn a line off by Chromium and ignored by
Firefox). In Jupyter a Digraph displays itself. In an SVG, hovering shows the full floats behind
the rounded numbers (tooltips). The explorer page (`explore.py`) is laid out from the same boxes.

`draw` takes a few steps, each a function below, in this order:

    _check_graph   the arguments, the size guard and the labels (≤ 1,000 characters, no lone surrogate)
    node_names     a distinct name for every node: its label (pretty-printed when it is a math name),
                   or one made from its op and its place ("prod₁", "const₂")
    _highlight     the colours of the paths of the highlighted node
    _new_graph     the layout options (rankdir, fonts, spacing)
    _add_nodes     a box per Value (`_box`), an edge per parent (`_edge_attrs`)
    _add_groups    the groups' boxes
    _add_columns   the columns, each in its order (kept when rendered: `_keep_columns`)
    _caption       "grads not computed" and the legend of the highlighted paths

Numbers are written in one format everywhere (here and on the explorer page): `number(x)` is
Python's `{x:.4g}` with a true minus sign, −1.2e−05; a tooltip carries the full float.

What it is not: a layout engine. Graphviz's `dot` does the layout, and a graph of thousands of
nodes would take it minutes; `draw` refuses graphs above `max_nodes` and says what to do. Nor does
it know anything of `nn`: a network's layers reach it as `groups`.
"""

from __future__ import annotations

import html
import json
import os
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from .args import describe, integer, text
from .files import write_atomically
from .graph import topological_order
from .paths import Path as ChainPath
from .paths import chain_paths, count_paths
from .value import Value

if TYPE_CHECKING:
    import graphviz

__all__ = [  # noqa: F822 (Graph: made on first use)
    "draw",
    "save",
    "Graph",
    "PALETTE",
    "FORMATS",
    "MAX_LABEL",
    "number",
    "pretty_label",
    "node_names",
]

PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf"]
"""Path colours: blue and orange first, as Jordan's post colours the two paths of θ₁₁⁽¹⁾."""

FORMATS = ("svg", "png", "pdf")

MAX_LABEL = 1000
"""The longest label `draw` and `explore` accept (dot itself breaks on labels of ~16,000 characters)."""

SHOWN_LABEL = 24
"""A label longer than this is cut in its box (…); the tooltip and the explorer's panel show it whole."""

GRAD_COLOUR = "#a0461f"  # the grad in every box, on the page too (explore.css)
OP_COLOUR = "#6b7280"

# ---------------------------------------------------------------- numbers and names


def number(x: float, precision: int = 4) -> str:
    """`x` to `precision` significant digits with a true minus sign: −0.001838, −1.2e−05, inf, nan."""
    return f"{x:.{precision}g}".replace("-", "−")


def full(x: float) -> str:
    """Every digit of `x` (its repr), with a true minus sign."""
    return repr(x).replace("-", "−")


# A math name: one letter (x, θ, ℓ; an accent such as x̂'s may follow it, and a prime), then optionally
# _ and digits or commas (the subscript), then optionally ^( digits, dots or commas ) (the superscript):
# x, x_1, w_2,1^(1), θ', a_2^(3), α_2,1^(1.1) (a GPT's layer 1, head 1). Anything else is shown as it is
# written: snake_case words (hidden_layer_1_out, out_1,2^(1)) are never split.
_MATH_NAME = re.compile(
    r"(?P<base>[^\W\d_][\u0300-\u036f]*['′]?)(?:_(?P<sub>[0-9]+(?:,[0-9]+)*))?(?:\^\((?P<sup>[0-9]+(?:[.,][0-9]+)*)\))?"
)
_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_SUP = str.maketrans("0123456789().", "⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾·")


def _math_name(label: str) -> re.Match | None:
    return _MATH_NAME.fullmatch(label)


def pretty_label(label: str) -> str:
    """A math name in Unicode sub- and superscripts (w_1,1^(1) → w₁₁⁽¹⁾); any other label unchanged.

    The comma between one-digit indices is dropped (w₁₁⁽¹⁾, as in Jordan's post) and kept between
    longer ones (w₁₂,₃⁽²⁾).
    """
    m = _math_name(label)
    if not m:
        return label
    out = m["base"].replace("'", "′")
    if m["sub"] is not None:
        parts = m["sub"].split(",")
        out += ("" if all(len(p) == 1 for p in parts) else ",").join(p.translate(_SUB) for p in parts)
    if m["sup"] is not None:
        out += f"({m['sup']})".translate(_SUP)
    return out


def _label_html(label: str) -> str:
    """A label for a graphviz HTML label: a math name with <SUB> and <SUP>, else the text, cut at SHOWN_LABEL."""
    m = _math_name(label)
    if not m:
        return _html(label if len(label) <= SHOWN_LABEL else label[: SHOWN_LABEL - 1] + "…")
    out = _html(m["base"].replace("'", "′"))
    if m["sub"] is not None:
        out += f"<SUB>{m['sub']}</SUB>"
    if m["sup"] is not None:
        out += f"<SUP>({m['sup']})</SUP>"
    return out


# What an unlabelled node is called: a word for its op, numbered in topological order (prod₁, prod₂).
_OP_WORDS = {"": "const", "+": "sum", "-": "diff", "*": "prod", "/": "quot", "**": "pow", "**n": "pow"}


def node_names(order: Sequence[Value]) -> list[str]:
    """A distinct name for each node of `order`: its pretty label (numbered #1, #2 … where labels
    repeat), or, unlabelled, a word for its op numbered among the nodes of that word (prod₁, const₂)."""
    pretty = [pretty_label(v.label) if v.label else None for v in order]
    repeats = {p for p in pretty if p is not None and pretty.count(p) > 1} if len(set(pretty)) < len(pretty) else set()
    seen: dict[str, int] = {}
    names: list[str | None] = []
    for p in pretty:
        if p in repeats:
            seen[p] = seen.get(p, 0) + 1
            p = f"{p}#{seen[p]}"
        names.append(p)
    taken = {n for n in names if n is not None}
    counters: dict[str, int] = {}
    for i, v in enumerate(order):
        if names[i] is not None:
            continue
        word = _OP_WORDS.get(getattr(v.op, "kind", str(v.op)), str(v.op))
        while True:
            counters[word] = counters.get(word, 0) + 1
            name = f"{word}{str(counters[word]).translate(_SUB)}"
            if name not in taken:
                break
        taken.add(name)
        names[i] = name
    return names  # type: ignore[return-value]


def _visible(text: object) -> str:
    """`text` as a str with control characters written out (NUL → \\x00): dot refuses them in a label."""
    text = str(text)
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _html(text: object) -> str:
    """Text for a graphviz HTML label, shown literally: dot expands \\N, \\G, \\L even there."""
    return html.escape(_visible(text)).replace("\\", "\\\\")


def _tip(text: object) -> str:
    """Text for a tooltip, shown literally (dot unescapes a tooltip's backslashes twice)."""
    return _visible(text).replace("\\", "\\\\\\\\")


# ---------------------------------------------------------------- graphviz, imported on first use


def _graphviz():
    """The graphviz package, imported when something is first drawn (`import autograd` does not need it)."""
    try:
        import graphviz
    except ImportError:
        raise ImportError(
            "drawing needs the graphviz Python package (and graphviz's 'dot' program): pip install graphviz"
        ) from None
    return graphviz


_Graph: type | None = None


def _graph_class() -> type:
    """`Graph`, a `graphviz.Digraph` that says what it draws when printed, made on first use."""
    global _Graph
    if _Graph is None:

        class Graph(_graphviz().Digraph):
            """A `graphviz.Digraph` that says what it draws when printed, instead of its memory address."""

            values: int = 0  # Value nodes drawn (set by `draw`)
            columns: tuple = ()  # each column's node ids in the order drawn (set by `draw`: `_keep_columns`)

            def copy(self) -> Graph:
                c = super().copy()
                c.values, c.columns = self.values, self.columns
                return c

            def __repr__(self) -> str:
                return f"<chainrule graph of {self.values} values: save(graph, 'file.svg'), or show it in Jupyter>"

            def pipe(self, format=None, *args, **kwargs):  # noqa: A002 (graphviz's name)
                """graphviz's pipe, the columns kept in order (`_keep_columns`) and SVG made readable in
                browsers (`browser_svg`); Jupyter shows the graph through it too."""
                out = _graphviz().Digraph.pipe(_keep_columns(self), format, *args, **kwargs)
                return browser_svg(out) if (format or self.format) == "svg" else out

        Graph.__module__ = __name__
        _Graph = Graph
    return _Graph


def _keep_columns(g: graphviz.Digraph) -> graphviz.Digraph:
    """`g`, or a copy of it laid out without dot's second crossing minimization (remincross=false) when
    that pass would put a node of one of g's columns out of order.

    dot keeps a column's order (its invisible edges, `_add_columns`) through its first crossing
    minimization; with groups, a second pass over the whole graph may swap nodes tied to the same
    neighbours (a GPT's e₁,₁ … e₁,₄ all feed the same norm: dot drew e₁,₂ e₁,₃ e₁,₄ e₁,₁, and q, k, v
    interleaved). That pass also saves crossings elsewhere, so it is turned off only where it breaks
    a column: dot lays the graph out once more (as JSON, a fraction of a render) to see."""
    columns = getattr(g, "columns", ())
    if not columns or "remincross" in g.graph_attr:
        return g
    graphviz = _graphviz()
    try:
        laid = json.loads(graphviz.Digraph.pipe(g, format="json"))
        at = {o["name"]: tuple(map(float, o["pos"].split(","))) for o in laid.get("objects", ()) if "pos" in o}
        axis, sign = (0, 1) if g.graph_attr.get("rankdir") == "TB" else (1, -1)  # left to right, or down
        kept = all(sign * at[a][axis] < sign * at[b][axis] for col in columns for a, b in zip(col, col[1:]))
    except (graphviz.ExecutableNotFound, graphviz.CalledProcessError, ValueError, KeyError):
        return g  # the render itself says what is wrong
    if kept:
        return g
    fixed = g.copy()
    fixed.graph_attr["remincross"] = "false"
    return fixed


def __getattr__(name: str):
    if name == "Graph":
        return _graph_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# ---------------------------------------------------------------- step 1: the arguments and the graph


def _check_graph(
    where: str,
    root: object,
    max_nodes: object,
    groups: object = None,
    columns: object = None,
    precision: object = 4,
) -> list[Value]:
    """The graph below `root` in topological order, after checking what `draw` and `explore` share:
    root, max_nodes (the size guard), groups, columns, precision, and every label."""
    if not isinstance(root, Value):
        raise TypeError(f"{where}: root must be a Value, got {type(root).__name__}")
    max_nodes = integer(max_nodes, where, "max_nodes")
    integer(precision, where, "precision", high=17)
    order = topological_order(root)
    if len(order) > max_nodes:
        raise ValueError(
            f"{where}: the graph has {len(order):,} nodes (Values), more than max_nodes={max_nodes}, and "
            f"graphviz would take very long to lay it out: draw a smaller graph or a single sample, "
            f"or pass max_nodes={len(order)}"
        )
    for i, v in enumerate(order):
        if v.label is not None:
            text(v.label, where, f"the label of node v{i}", max_length=MAX_LABEL)
    if groups is not None:
        if not isinstance(groups, Mapping):
            raise TypeError(f"{where}: groups must be a mapping Value → group name, got {type(groups).__name__}")
        for v, name in groups.items():
            if not isinstance(v, Value):
                raise TypeError(f"{where}: groups' keys must be Values, got {type(v).__name__}")
            text(name, where, "a group's name", max_length=MAX_LABEL)
    if columns is not None:
        if isinstance(columns, (str, bytes, Mapping)) or not isinstance(columns, Sequence):
            raise TypeError(f"{where}: columns must be a list of lists of Values, got {type(columns).__name__}")
        for k, column in enumerate(columns):
            if isinstance(column, (str, bytes)) or not isinstance(column, Sequence):
                raise TypeError(f"{where}: columns[{k}] must be a list of Values, got {type(column).__name__}")
            for v in column:
                if not isinstance(v, Value):
                    raise TypeError(f"{where}: columns[{k}] must hold Values, got {type(v).__name__}")
            spans = sorted({str(groups.get(v)) for v in column}) if groups is not None else []
            if len(spans) > 1:  # dot would empty the groups' boxes (draw) or lose their outline (explore)
                raise ValueError(
                    f"{where}: columns[{k}] holds nodes of {len(spans)} groups ({', '.join(spans)}): "
                    f"a column is drawn inside one group; split it"
                )
    return order


# ---------------------------------------------------------------- step 2: the highlighted paths


class Highlight(NamedTuple):
    """The chain-rule paths of one node, and the colours they give edges and nodes (by index in the order)."""

    paths: list[ChainPath]
    edges: dict[tuple[int, int], list[str]]  # (parent index, child index) → colours, in path order
    nodes: dict[int, str]  # node index → the colour of the first path through it


def _highlight(root: Value, leaf: Value | None, index: dict[Value, int], path_limit: int) -> Highlight:
    if leaf is None:
        return Highlight([], {}, {})
    if leaf not in index:
        raise ValueError("highlight: that Value is not part of this graph (root does not depend on it)")
    count, _ = count_paths(root, [leaf])
    if count > path_limit:
        raise ValueError(
            f"highlight: {count:,} paths lead from {_visible(leaf.label or 'that node')} to the root, more than "
            f"path_limit={path_limit}: pass a larger path_limit (the legend gets a row per path), or highlight "
            f"a parameter nearer the root (the paths multiply with every layer they cross)"
        )
    paths = chain_paths(root, leaf, limit=path_limit)
    edges: dict[tuple[int, int], list[str]] = {}
    nodes: dict[int, str] = {}
    for k, path in enumerate(paths):
        colour = PALETTE[k % len(PALETTE)]
        nodes.setdefault(index[leaf], colour)
        for e in path.edges:
            # Two edges with the same parent and child (a + a) cannot be told apart in a Path,
            # so both carry the colours of the paths through either.
            cols = edges.setdefault((index[e.parent], index[e.child]), [])
            if colour not in cols:
                cols.append(colour)
            nodes.setdefault(index[e.child], colour)
    return Highlight(paths, edges, nodes)


# ---------------------------------------------------------------- step 3: the layout options


def _new_graph(rankdir: str, values: int) -> graphviz.Digraph:
    g = _graph_class()(
        "chainrule",
        graph_attr={
            "rankdir": rankdir,
            "fontname": "Helvetica",
            "nodesep": "0.12",
            "ranksep": "0.3",
            "labeljust": "l",
        },
        node_attr={"shape": "plain", "fontname": "Helvetica", "fontsize": "11"},
        edge_attr={"fontname": "Helvetica", "fontsize": "9", "arrowsize": "0.5", "color": "#8a909b"},
    )
    g.values = values
    return g


# ---------------------------------------------------------------- step 4: the boxes and the edges


def _box(v: Value, name: str, numbers: str, colour: str | None, padding: int = 1) -> str:
    """A Value's box as a graphviz HTML label: name and op on the first line, `numbers` on the second.

    A name made up for an unlabelled node is in grey italics (it is not the node's label)."""
    named = f"<B>{_label_html(v.label)}</B>" if v.label else f'<I><FONT COLOR="{OP_COLOUR}">{_html(name)}</FONT></I>'
    op = f'<FONT COLOR="{OP_COLOUR}">{_html(v.op)}</FONT>' if v.op else ""
    border = f' COLOR="{colour}" BORDER="2"' if colour else ' COLOR="#47505e" BORDER="1"'
    return (
        f'<<TABLE{border} CELLBORDER="0" CELLSPACING="0" CELLPADDING="{padding}" STYLE="rounded" BGCOLOR="white">'
        f'<TR><TD ALIGN="LEFT">{named}</TD><TD ALIGN="RIGHT">{op}</TD></TR>'
        f'<TR><TD ALIGN="LEFT" COLSPAN="2">{numbers}</TD></TR></TABLE>>'
    )


def _numbers(data: str, grad: str | None, word: str = "grad ") -> str:
    """The second line of a box: the data, then the grad in its colour (none when grads are hidden)."""
    if grad is None:
        return _html(data)
    return f'{_html(data)}  <FONT COLOR="{GRAD_COLOUR}">{word}{_html(grad)}</FONT>'


def _add_nodes(
    g: graphviz.Digraph,
    order: list[Value],
    names: list[str],
    numbers: Callable[[int], str],
    tooltips: Callable[[int], str] | None,
    highlight: Highlight,
    edge_labels: Callable[[float], str] | None,
    containers: Callable[[int], graphviz.Digraph],
    padding: int = 1,
) -> None:
    """A box per Value (named v0 … vN in topological order), an edge per parent (id "v3.1": child v3,
    its parent number 1), labelled with the local derivative when `edge_labels` formats it."""
    index = {v: i for i, v in enumerate(order)}
    for i, v in enumerate(order):
        attrs = {"tooltip": tooltips(i)} if tooltips else {}
        containers(i).node(f"v{i}", _box(v, names[i], numbers(i), highlight.nodes.get(i), padding), **attrs)
    for i, v in enumerate(order):
        for k, (p, local) in enumerate(zip(v.parents, v.local_grads)):
            attrs = {"id": f"v{i}.{k}"}
            if tooltips:
                attrs["tooltip"] = f"∂{_tip(names[i])}/∂{_tip(names[index[p]])} = {full(local)}"
            if edge_labels:
                attrs["label"] = edge_labels(local)
            cols = highlight.edges.get((index[p], i))
            if cols:
                attrs.update(color=":".join(cols), penwidth="2.2", fontcolor=cols[0])
            g.edge(f"v{index[p]}", f"v{i}", **attrs)


# ---------------------------------------------------------------- step 5: groups and columns


def _add_groups(
    g: graphviz.Digraph, order: list[Value], groups: Mapping[Value, str] | None
) -> tuple[Callable[[int], graphviz.Digraph], list[graphviz.Digraph]]:
    """A titled, dashed box per group (groups maps a Value to its group's name; unmapped Values stay
    outside). Returns (node index → the subgraph it goes into, the groups' subgraphs): the caller
    adds the nodes, then adds these subgraphs to `g`."""
    graphviz = _graphviz()
    subgraphs: dict[str, graphviz.Digraph] = {}
    group_of: list[str | None] = [groups.get(v) if groups else None for v in order]
    for name in group_of:
        if name is not None and name not in subgraphs:
            subgraphs[name] = graphviz.Digraph(
                name=f"cluster_{len(subgraphs)}",
                graph_attr={"label": _visible(name), "style": "rounded,dashed", "color": "#999999", "fontsize": "11"},
            )

    def container(i: int) -> graphviz.Digraph:
        name = group_of[i]
        return g if name is None else subgraphs[name]

    return container, list(subgraphs.values())


def _add_columns(
    g: graphviz.Digraph,
    order: list[Value],
    columns: Sequence[Sequence[Value]] | None,
    container: Callable[[int], graphviz.Digraph],
    rankdir: str,
) -> tuple[tuple[str, ...], ...]:
    """A column per list in `columns`: its nodes in one rank, one under the other (left to right with
    rankdir="TB"), in the given order. Returns each column's node ids in that order: rendering checks
    that dot kept it (`_keep_columns`; the explorer page puts its columns in order itself)."""
    index = {v: i for i, v in enumerate(order)}
    drawn = []
    for column in columns or ():
        members = [index[v] for v in column if v in index]
        if len(members) < 2:
            continue
        drawn.append(tuple(f"v{i}" for i in members))
        hosts = {id(container(i)) for i in members}
        host = container(members[0]) if len(hosts) == 1 else g
        with host.subgraph() as c:
            c.attr(rank="same")
            # Invisible edges keep the order: top to bottom (LR lays a rank out bottom-up, hence the
            # reversal) or left to right.
            ordered = members[::-1] if rankdir == "LR" else members
            for u, w in zip(ordered, ordered[1:]):
                c.edge(f"v{u}", f"v{w}", style="invis")
    return tuple(drawn)


# ---------------------------------------------------------------- step 6: the caption


def _caption(
    g: graphviz.Digraph,
    root: Value,
    leaf: Value | None,
    highlight: Highlight,
    names: list[str],
    index: dict[Value, int],
    shown: str,
    grad_of: Callable[[Value], float],
    fmt: Callable[[float], str],
) -> None:
    rows = []
    if shown == "not computed":
        rows.append(
            '<TR><TD COLSPAN="3" ALIGN="LEFT"><FONT COLOR="#b22222">grads not computed yet: '
            "call backward() on the root</FONT></TD></TR>"
        )
    if highlight.paths:
        leaf_name = _label_html(leaf.label) if leaf.label else _html(names[index[leaf]])
        root_name = _label_html(root.label) if root.label else _html(names[-1])
        for k, path in enumerate(highlight.paths):
            colour = PALETTE[k % len(PALETTE)]
            chain = " → ".join(
                [leaf_name]
                + [_label_html(e.child.label) if e.child.label else _html(names[index[e.child]]) for e in path.edges]
            )
            factors = " · ".join(fmt(e.local) for e in path.edges) or "(no edges)"
            rows.append(
                f'<TR><TD BGCOLOR="{colour}" WIDTH="14"> </TD><TD ALIGN="LEFT">path {k + 1}: {chain}</TD>'
                f'<TD ALIGN="LEFT">{factors} = {fmt(path.product)}</TD></TR>'
            )
        total = sum(path.product for path in highlight.paths)
        if shown == "shown":
            # Products summed in path order, grads accumulated in backward's order: equal up to
            # rounding, measured against the size of the terms (they may cancel).
            grad = grad_of(leaf)
            if abs(total - grad) <= 1e-9 * sum(abs(path.product) for path in highlight.paths):
                note = f" = grad {fmt(grad)}"
            else:
                note = (
                    f' <FONT COLOR="#b22222">≠ grad {fmt(grad)}: that grad is not from one backward() '
                    "of this root (accumulated over several calls? zero_grad() between them)</FONT>"
                )
        else:
            note = " (grads not computed yet)" if shown == "not computed" else ""
        # The full floats, for the SVG's tooltip (graphviz gives a graph label none of its own).
        exact = [f"path {k + 1} product = {full(path.product)}" for k, path in enumerate(highlight.paths)]
        exact.append(f"sum = {full(total)}" + (f", grad = {full(grad_of(leaf))}" if shown == "shown" else ""))
        g.attr(tooltip="; ".join(exact))
        rows.append(
            f'<TR><TD></TD><TD ALIGN="LEFT"><B>sum of the products</B></TD>'
            f'<TD ALIGN="LEFT"><B>∂{root_name}/∂{leaf_name} = {fmt(total)}</B>{note}</TD></TR>'
        )
    if rows:
        g.attr(label=f'<<TABLE BORDER="0" CELLSPACING="2">{"".join(rows)}</TABLE>>', labelloc="t", fontsize="12")


# ---------------------------------------------------------------- draw


def draw(
    root: Value,
    *,
    rankdir: str = "LR",
    edge_labels: bool = True,
    highlight: Value | None = None,
    path_limit: int = 16,
    max_nodes: int = 200,
    groups: Mapping[Value, str] | None = None,
    columns: Sequence[Sequence[Value]] | None = None,
    show_grad: bool | None = None,
    precision: int = 4,
    grads: Mapping[Value, float] | None = None,
) -> graphviz.Digraph:
    """The computation graph below `root` as a `Graph` (a `graphviz.Digraph`; in Jupyter it displays inline).

    rankdir: "LR" (left to right) or "TB" (top to bottom). edge_labels: print each local
    derivative on its edge. highlight: a node whose chain-rule paths to the root are coloured
    (blue, orange, …) and listed in a legend, with their products and the sum = ∂root/∂highlight;
    more than `path_limit` paths is an error. max_nodes: refuse graphs of more Value nodes rather
    than leave `dot` to grind. groups: Value → the name of its group, each group drawn in a box of
    its own (a network's layers: `draw(J, **nn.layout(J))`); columns: lists of Values, each drawn
    as one column in its order. show_grad: True prints every grad, False none, None (auto) prints
    them once `backward()` has run on root (root.grad ≠ 0) and says "not computed" before.
    precision: significant digits printed (the SVG tooltips carry the full floats). grads: the grad
    to print for each Value instead of its own `.grad` (every node of the graph must be in it),
    which also shows them.
    """
    if rankdir not in ("LR", "TB"):
        raise ValueError(f"draw: rankdir must be 'LR' or 'TB', got {rankdir!r}")
    order = _check_graph("draw", root, max_nodes, groups, columns, precision)
    if highlight is not None and not isinstance(highlight, Value):
        raise TypeError(f"draw: highlight must be a Value, got {type(highlight).__name__}")
    if grads is not None and not isinstance(grads, Mapping):
        raise TypeError(f"draw: grads must be a mapping Value → grad, got {type(grads).__name__}")
    path_limit = integer(path_limit, "draw", "path_limit")
    names = node_names(order)
    index = {v: i for i, v in enumerate(order)}
    if grads is not None:
        missing = next((i for i, v in enumerate(order) if v not in grads), None)
        if missing is not None:
            raise ValueError(f"draw: grads has no entry for {names[missing]}, a node of the graph")
        grad_of = grads.__getitem__
    else:
        grad_of = _own_grad
    # "shown", "not computed" (auto, before backward) or "hidden" (show_grad=False)
    if show_grad is None:
        shown = "shown" if grads is not None or root.grad != 0.0 else "not computed"
    else:
        shown = "shown" if show_grad else "hidden"

    def fmt(x: float) -> str:
        return number(x, precision)

    def numbers(i: int) -> str:
        v = order[i]
        return _numbers(fmt(v.data), fmt(grad_of(v)) if shown == "shown" else "—" if shown == "not computed" else None)

    def tooltip(i: int) -> str:
        v = order[i]
        tip = f"{_tip(v.label or names[i])}: data = {full(v.data)}"
        return tip + (f", grad = {full(grad_of(v))}" if shown == "shown" else "")

    marked = _highlight(root, highlight, index, path_limit)
    g = _new_graph(rankdir, len(order))
    container, boxes = _add_groups(g, order, groups)
    g.columns = _add_columns(g, order, columns, container, rankdir)
    _add_nodes(g, order, names, numbers, tooltip, marked, fmt if edge_labels else None, container)
    for box in boxes:
        g.subgraph(box)
    _caption(g, root, highlight, marked, names, index, shown, grad_of, fmt)
    return g


def layout_graph(
    order: list[Value],
    names: list[str],
    rankdir: str,
    groups: Mapping[Value, str] | None,
    columns: Sequence[Sequence[Value]] | None,
    precision: int,
) -> graphviz.Digraph:
    """The graph `draw` would make of `order`, for the explorer page to lay out: the same boxes, a
    little taller (the page writes indices at a readable size) and with room for any grad (the page
    writes its own numbers in them; the grad's colour says which it is), no edge labels, no tooltips."""
    widest = "−" + "8." + "8" * (precision - 1) + "e−88"  # the longest number at this precision

    def numbers(i: int) -> str:
        return _numbers(number(order[i].data, precision), widest, word="")

    g = _new_graph(rankdir, len(order))
    container, boxes = _add_groups(g, order, groups)
    _add_columns(g, order, columns, container, rankdir)
    _add_nodes(g, order, names, numbers, None, Highlight([], {}, {}), None, container, padding=2)
    for box in boxes:
        g.subgraph(box)
    return g


def _own_grad(v: Value) -> float:
    return v.grad


# ---------------------------------------------------------------- SVG for browsers

# dot writes each piece of an HTML label's line as a <text> of its own, placed at the x where its own
# text layout (pango, often with another font than the browser's) ended the piece before, and a <SUB>
# or <SUP> at the line's baseline and full font size with baseline-shift="sub" / "super". Chromium
# draws those full size and shifted by a whole line (onto the box's border, into the next line),
# Firefox ignores baseline-shift. So a line that holds one becomes ONE <text> of <tspan>s: the
# browser lays the pieces out one after the other with its own font, the indices at pango's smaller
# size (5/6, at which dot measured them) and lowered or raised by an explicit dy. PNG and PDF (cairo)
# draw them right and are left alone.
_TEXT_RUN = re.compile(rb"(?:<text\b[^>]*>[^<]*</text>\s*)+")
_TEXT = re.compile(rb"<text\b([^>]*)>([^<]*)</text>(\s*)")
_ATTR = re.compile(rb'([a-z:-]+)="([^"]*)"')
_PLACE = (b"text-anchor", b"x", b"y")  # the <text>'s; every other attribute is its piece's (a <tspan>'s)
SUB_SIZE = 0.8  # the indices' size, of the line's (pango draws them at 5/6 in a PNG)
SUB_DROP = 0.2  # a subscript's baseline this many font sizes below the line's
SUP_RISE = 0.15  # a superscript's this many above (more would cross a box's top border)


def browser_svg(svg: bytes | str) -> bytes | str:
    """dot's SVG with every line that holds a <SUB> or <SUP> of an HTML label (a `baseline-shift`
    <text>) written as one <text> of <tspan>s, the indices at 5/6 of the size and moved by an explicit
    dy, so that every browser draws w₁,₁⁽¹⁾ as the PNG does: in its box, the pieces side by side.
    Anything else is unchanged; applying it twice changes nothing."""
    data = svg.encode() if isinstance(svg, str) else svg
    out = _TEXT_RUN.sub(_join_lines, data)
    return out.decode() if isinstance(svg, str) else out


def _join_lines(run: re.Match) -> bytes:
    """A run of consecutive <text> elements, with each line that holds a shifted piece joined into one."""
    pieces = [(dict(_ATTR.findall(m.group(1))), m.group(2), m.group(3)) for m in _TEXT.finditer(run.group(0))]
    lines: list[list[tuple[dict, bytes, bytes]]] = []
    for piece in pieces:
        prev = lines[-1][-1] if lines else None
        joins = (
            prev is not None
            and (b"baseline-shift" in piece[0] or b"baseline-shift" in prev[0])
            and piece[0].get(b"y") == prev[0].get(b"y")
            and piece[0].get(b"text-anchor") == prev[0].get(b"text-anchor") == b"start"
        )
        if joins:
            lines[-1].append(piece)
        else:
            lines.append([piece])
    return b"".join(_line(line) for line in lines)


def _line(line: list[tuple[dict, bytes, bytes]]) -> bytes:
    """One <text> for the pieces of one line: the first piece's place, a <tspan> per piece."""
    attrs = line[0][0]
    if len(line) == 1 and b"baseline-shift" not in attrs:
        return b"<text" + b"".join(b' %s="%s"' % kv for kv in attrs.items()) + b">%s</text>%s" % line[0][1:]
    place = b"".join(b' %s="%s"' % (k, attrs[k]) for k in _PLACE if k in attrs)
    spans, offset = [], 0.0
    for attrs, content, _ in line:
        attrs = dict(attrs)
        shift = attrs.pop(b"baseline-shift", None)
        size = float(attrs.get(b"font-size", b"14"))  # dot writes it on every <text>; 14 is its default
        target = 0.0 if shift is None else SUB_DROP * size if shift == b"sub" else -SUP_RISE * size
        if shift is not None:
            attrs[b"font-size"] = b"%.2f" % (size * SUB_SIZE)
        if target != offset:
            attrs[b"dy"] = b"%.2f" % (target - offset)
            offset = target
        style = b"".join(b' %s="%s"' % (k, v) for k, v in attrs.items() if k not in _PLACE)
        spans.append(b"<tspan%s>%s</tspan>" % (style, content))
    return b"<text%s>%s</text>%s" % (place, b"".join(spans), line[-1][2])


def save(graph: graphviz.Digraph, path: str | os.PathLike, format: str | None = None) -> Path:  # noqa: A002
    """Render `graph` to `path` as SVG, PNG or PDF (from the suffix unless `format` is given); returns the path.

    Atomic: `dot` renders to memory, the bytes go to a temporary file in the same directory, and
    `os.replace` puts it in place, so a failed render leaves an existing file untouched and no
    half-written one behind.
    """
    graphviz = _graphviz()
    if not isinstance(graph, (graphviz.Digraph, graphviz.Graph)):
        raise TypeError(f"save: graph must be a graph made by draw() (a graphviz Digraph), got {describe(graph)}")
    path = Path(path)
    if format is not None:
        fmt = str(format).lower().lstrip(".")
        if fmt not in FORMATS:
            raise ValueError(f"save: format must be one of {', '.join(FORMATS)}, got {format!r}")
    else:
        fmt = path.suffix.lstrip(".").lower()
        if fmt not in FORMATS:
            raise ValueError(
                f"save: cannot tell the format of {str(path)!r} from its suffix: use .svg, .png or .pdf, "
                f"or pass format= one of {', '.join(FORMATS)}"
            )
    if not path.parent.is_dir():
        raise FileNotFoundError(f"cannot write {str(path)!r}: no directory {str(path.parent)!r}")
    if path.is_dir():
        raise IsADirectoryError(f"cannot write {str(path)!r}: it is a directory")
    data = pipe(graph, fmt)
    return write_atomically(path, data)


def pipe(graph: graphviz.Digraph, fmt: str, doing: str = "render the graph") -> bytes:
    """dot's output for `graph` in `fmt` (SVG made readable in browsers: `browser_svg`), or a
    RuntimeError saying how to get dot or what dot said."""
    graphviz = _graphviz()
    try:
        data = graph.pipe(format=fmt)
        return browser_svg(data) if fmt == "svg" else data
    except graphviz.ExecutableNotFound:
        raise RuntimeError(
            f"graphviz's 'dot' program is not installed, so chainrule cannot {doing}. Install it: "
            "'sudo apt-get install graphviz' (Debian/Ubuntu), 'brew install graphviz' (macOS), "
            "or see https://graphviz.org/download/"
        ) from None
    except graphviz.CalledProcessError as exc:
        detail = (exc.stderr or b"").decode(errors="replace").strip()
        raise RuntimeError(f"graphviz's dot could not {doing}: {detail}") from None
