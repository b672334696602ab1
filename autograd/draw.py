"""Drawing the computation graph with graphviz.

What it is: `draw(root)` returns a `graphviz.Digraph` in which every Value is a box showing its
label, data and grad, every op is a small node of its own, and every edge parent → op carries
the local derivative ∂child/∂parent stored on the child. `highlight=leaf` colours each
chain-rule path from that leaf to the root (blue, orange, … as in Jordan's post) and lists the path
products in a legend at the top whose sum is ∂root/∂leaf. Networks built by `nn` are grouped by
layer, read from their labels (x_i, w_j,i^(l), b_j^(l), z_j^(l), a_j^(l), J): a cluster per layer
l holding its z's and a's (or the inputs x) and the weights of Θ^(l) that leave it, so the layers
sit side by side as in the diagrams of Jordan's post. `save()` writes SVG, PNG or PDF atomically. In
Jupyter a Digraph displays itself. In an SVG, hovering shows the full floats behind the
rounded numbers (tooltips). Labels and op names are shown literally: graphviz's escapes (\\N,
\\G, \\L) are not expanded, and control characters are written out (NUL as \\x00).

What it is not: a layout engine. Graphviz's `dot` does the layout, and a graph of thousands of
nodes would take it minutes; `draw` refuses graphs above `max_nodes` and says what to do.
"""

from __future__ import annotations

import html
import os
import re
from collections.abc import Mapping
from numbers import Integral
from pathlib import Path
from typing import TYPE_CHECKING

from .files import write_atomically
from .graph import topological_order
from .paths import chain_paths, count_paths
from .value import Value

if TYPE_CHECKING:
    import graphviz

__all__ = ["draw", "save", "Graph", "PALETTE", "FORMATS"]  # noqa: F822 (Graph: made on first use)

PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf"]
"""Path colours: blue and orange first, as Jordan's post colours the two paths of θ₁₁⁽¹⁾."""

FORMATS = ("svg", "png", "pdf")

# name_sub^(sup): x_1, w_2,1^(1), b_1^(1), z_1^(2), a_2^(3)
_LABEL = re.compile(r"^(?P<base>[^_^]+)(?:_(?P<sub>[^^]+))?(?:\^\((?P<sup>[^)]*)\))?$")


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

            def copy(self) -> Graph:
                c = super().copy()
                c.values = self.values
                return c

            def __repr__(self) -> str:
                return f"<chainrule graph of {self.values} values: save(graph, 'file.svg'), or show it in Jupyter>"

        Graph.__module__ = __name__
        _Graph = Graph
    return _Graph


def __getattr__(name: str):
    if name == "Graph":
        return _graph_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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


def _html_label(label: object) -> str:
    """The course's notation as graphviz HTML: w_2,1^(1) → w<SUB>2,1</SUB><SUP>(1)</SUP>."""
    label = str(label)
    m = _LABEL.match(label)
    if not m:
        return _html(label)
    out = _html(m["base"])
    if m["sub"]:
        out += f"<SUB>{_html(m['sub'])}</SUB>"
    if m["sup"] is not None:
        out += f"<SUP>({_html(m['sup'])})</SUP>"
    return out


def _layer_of(v: Value) -> int | None:
    """The layer (the course's l) a labelled node is drawn in: x → 1, z/a of layer l → l, w/b of Θ^(l) → l.

    A weight or bias of Θ^(l) is drawn in layer l, the layer it leaves (its superscript, as in the
    "mailing label" of Jordan's post), next to the activations it multiplies. So every layer's nodes occupy
    their own columns (x, Θ^(1) | z^(2), a^(2), Θ^(2) | z^(3), a^(3)) and the layers sit side by side.
    """
    if v.label is None:
        return None
    m = _LABEL.match(str(v.label))
    if not m or m["base"] not in ("x", "z", "a", "w", "b"):
        return None
    if m["sup"] is None:
        return 1 if m["base"] == "x" else None
    return int(m["sup"]) if m["sup"].isdecimal() else None  # (not isdigit: "²" is a digit int() refuses)


_NETWORK_LABELS = {"x", "w", "b", "z", "a"}
_LOSS_LABELS = {"J", "L2"}


def _is_network(nodes: list[Value]) -> bool:
    """Whether the graph is one `nn` builds: every label follows its scheme and some z or a has a layer.

    Then (cluster="auto") the nodes are grouped by layer. A plain expression that happens to call
    a node `x` is not a network: its x is not "layer 1".
    """
    has_layer = False
    for v in nodes:
        if v.label is None or v.label in _LOSS_LABELS:
            continue
        m = _LABEL.match(str(v.label))
        if not m or m["base"] not in _NETWORK_LABELS or not m["sub"]:
            return False
        if m["base"] == "x":
            if m["sup"] is not None:
                return False
        elif m["sup"] is None or not m["sup"].isdecimal():
            return False
        elif m["base"] in ("z", "a"):
            has_layer = True
    return has_layer


def _base(v: Value) -> str | None:
    """The letter of an nn label (x, w, b, z, a), or None."""
    m = _LABEL.match(str(v.label)) if v.label is not None else None
    return m["base"] if m else None


def draw(
    root: Value,
    *,
    rankdir: str = "LR",
    edge_labels: bool = True,
    highlight: Value | None = None,
    path_limit: int = 16,
    max_nodes: int = 200,
    cluster: bool | str = "auto",
    groups: dict[Value, str] | None = None,
    show_grad: bool | None = None,
    precision: int = 4,
    grads: Mapping[Value, float] | None = None,
) -> graphviz.Digraph:
    """The computation graph below `root` as a `Graph` (a `graphviz.Digraph`; in Jupyter it displays inline).

    rankdir: "LR" (left to right) or "TB" (top to bottom). edge_labels: print each local
    derivative on its edge. highlight: a node whose chain-rule paths to the root are coloured
    (blue, orange, …) and listed in a legend, with their products and the sum = ∂root/∂highlight;
    more than `path_limit` paths is an error. max_nodes: refuse graphs of more Value nodes (op nodes
    not counted) rather than leave `dot` to grind. cluster: group the nodes by layer, read from
    nn's labels — True, False or "auto" (when the graph is an nn network: every label follows nn's
    scheme x_i, w_j,i^(l), b_j^(l), z_j^(l), a_j^(l), J, and some z or a carries a layer); `groups` maps Values to
    group names of your own instead (unmapped Values stay outside any group). show_grad: True
    prints every grad, False none, None (auto) prints them once `backward()` has run on root
    (root.grad ≠ 0) and says "not computed" before. precision: significant digits printed (the
    SVG tooltips carry the full floats). grads: the grad to print for each Value instead of its own
    `.grad` (every node of the graph must be in it; `explore` passes the grads of its own walk), which
    also shows them.
    """
    if rankdir not in ("LR", "TB"):
        raise ValueError(f"rankdir must be 'LR' or 'TB', got {rankdir!r}")
    if cluster not in (True, False, "auto"):
        raise ValueError(f"cluster must be True, False or 'auto', got {cluster!r}")
    if isinstance(precision, bool) or not isinstance(precision, Integral) or precision < 1:
        raise ValueError(f"precision must be an integer ≥ 1 (significant digits), got {precision!r}")
    if not isinstance(root, Value):
        raise TypeError(f"draw: root must be a Value, got {type(root).__name__}")
    if highlight is not None and not isinstance(highlight, Value):
        raise TypeError(f"draw: highlight must be a Value, got {type(highlight).__name__}")
    if grads is not None and not isinstance(grads, Mapping):
        raise TypeError(f"draw: grads must be a mapping Value → grad, got {type(grads).__name__}")
    nodes = topological_order(root)
    if len(nodes) > max_nodes:
        raise ValueError(
            f"the graph has {len(nodes):,} nodes (Values; op nodes not counted), more than "
            f"max_nodes={max_nodes}, and graphviz would take very long to lay it out: draw a smaller "
            f"network or a single sample, use fused neurons (nn.MLP(..., fused=True): one z and one a "
            f"node per neuron), or pass max_nodes={len(nodes)}"
        )
    if grads is not None:
        missing = next((v for v in nodes if v not in grads), None)
        if missing is not None:
            raise ValueError(f"draw: grads has no entry for {_plain(missing)}, a node of the graph")
        grad_of = grads.__getitem__
    else:
        grad_of = _own_grad
    # "shown", "not computed" (auto, before backward) or "hidden" (show_grad=False)
    if show_grad is None:
        shown = "shown" if grads is not None or root.grad != 0.0 else "not computed"
    else:
        shown = "shown" if show_grad else "hidden"
    name = {v: f"v{i}" for i, v in enumerate(nodes)}

    def fmt(x: float) -> str:
        return f"{x:.{precision}g}"

    # ---- the highlighted paths: the colours each edge and node carries, in path order
    paths = []
    edge_colours: dict[tuple[int, int], list[str]] = {}  # (id parent, id child) → colours
    node_colour: dict[int, str] = {}  # id node → colour of the first path through it
    if highlight is not None:
        if highlight not in name:
            raise ValueError("highlight: that Value is not part of this graph (root does not depend on it)")
        count, _ = count_paths(root, [highlight])
        if count > path_limit:
            leaf = _visible(highlight.label or "that node")
            raise ValueError(
                f"highlight: {count:,} paths lead from {leaf} to the root, more than "
                f"path_limit={path_limit}: pass a larger path_limit (the legend gets a row per path), or highlight "
                f"a parameter nearer the root (the paths multiply with every layer they cross)"
            )
        paths = chain_paths(root, highlight, limit=path_limit)
        for k, path in enumerate(paths):
            colour = PALETTE[k % len(PALETTE)]
            node_colour.setdefault(id(highlight), colour)
            for e in path.edges:
                # Two edges with the same parent and child (a + a) cannot be told apart in a Path,
                # so both carry the colours of the paths through either.
                cols = edge_colours.setdefault((id(e.parent), id(e.child)), [])
                if colour not in cols:
                    cols.append(colour)
                node_colour.setdefault(id(e.child), colour)

    graphviz = _graphviz()
    g = _graph_class()(
        "chainrule",
        graph_attr={"rankdir": rankdir, "fontname": "Helvetica", "nodesep": "0.25", "labeljust": "l"},
        node_attr={"fontname": "Helvetica", "fontsize": "11"},
        edge_attr={"fontname": "Helvetica", "fontsize": "9", "arrowsize": "0.6"},
    )
    g.values = len(nodes)

    # ---- clusters by layer (or by the caller's groups)
    inferred = False
    if groups is not None:
        group_of = {v: groups.get(v) for v in nodes}
    elif cluster is True or (cluster == "auto" and _is_network(nodes)):
        inferred = True
        group_of = {v: (f"layer {layer}" if (layer := _layer_of(v)) is not None else None) for v in nodes}
        # An unlabelled node (a `*` or `+` inside an elementary neuron, a constant) joins the layer
        # of the node that uses it; walking from the root, that node's group is already known.
        for v in reversed(nodes):
            for p in v.parents:
                if group_of[p] is None and p.label is None:
                    group_of[p] = group_of[v]
    else:
        group_of = {v: None for v in nodes}
    layers = sorted(int(grp.split()[1]) for grp in set(group_of.values()) if grp) if inferred else []
    subgraphs: dict[str, graphviz.Digraph] = {}

    def title(grp: str) -> str:
        if not inferred or len(layers) < 2:
            return grp
        layer = int(grp.split()[1])
        return f"{grp} (inputs)" if layer == layers[0] == 1 else f"{grp} (output)" if layer == layers[-1] else grp

    def container(v: Value) -> graphviz.Digraph:
        grp = group_of.get(v)
        if grp is None:
            return g
        if grp not in subgraphs:
            subgraphs[grp] = graphviz.Digraph(
                name=f"cluster_{len(subgraphs)}",
                graph_attr={"label": title(grp), "style": "rounded,dashed", "color": "#999999"},
            )
        return subgraphs[grp]

    # ---- a record per Value, a small node per op, an edge per parent carrying ∂child/∂parent
    for v in nodes:
        cells = f"<TD><B>{_html_label(v.label)}</B></TD>" if v.label else ""
        cells += f"<TD>data {fmt(v.data)}</TD>"
        tooltip = f"{_tip(_plain(v))}: data = {v.data!r}"
        if shown == "shown":
            cells += f"<TD>grad {fmt(grad_of(v))}</TD>"
            tooltip += f", grad = {grad_of(v)!r}"
        elif shown == "not computed":
            cells += '<TD><FONT COLOR="#888888">grad not computed</FONT></TD>'
        colour = node_colour.get(id(v))
        border = f' COLOR="{colour}"' if colour else ""
        container(v).node(
            name[v],
            f'<<TABLE BORDER="0" CELLBORDER="{2 if colour else 1}" CELLSPACING="0" CELLPADDING="3"{border}>'
            f"<TR>{cells}</TR></TABLE>>",
            shape="plaintext",
            tooltip=tooltip,
        )
        if not v.parents:
            continue
        op = f"op{name[v][1:]}"
        container(v).node(
            op,
            f"<{_html(v.op)}>",
            shape="circle" if len(v.op) <= 2 else "ellipse",
            fontsize="10",
            width="0.3",
            height="0.3",
            margin="0.02",
        )
        # op → v carries every path that enters v, through any of its parents
        into = list(dict.fromkeys(c for p in v.parents for c in edge_colours.get((id(p), id(v)), [])))
        g.edge(op, name[v], **({"color": ":".join(into), "penwidth": "2.2"} if into else {}))
        for p, local in zip(v.parents, v.local_grads):
            attrs = {"tooltip": f"∂{_tip(_plain(v))}/∂{_tip(_plain(p))} = {local!r}"}
            if edge_labels:
                attrs["label"] = fmt(local)
            cols = edge_colours.get((id(p), id(v)))
            if cols:
                attrs.update(color=":".join(cols), penwidth="2.2", fontcolor=cols[0])
            g.edge(name[p], op, **attrs)

    if inferred:
        # One column per layer for what leaves it: its activations (or inputs) with the weights
        # and biases of Θ^(l) that multiply them, as in the diagrams of Jordan's post. Left to dot, a
        # parameter (a source node) may land columns early, far from what it multiplies.
        for grp, sub in subgraphs.items():
            members = [v for v in nodes if group_of[v] == grp]
            params = [v for v in members if _base(v) in ("w", "b")]
            for base in ("a", "z", "x"):
                outputs = sorted((v for v in members if _base(v) == base), key=_index)
                if outputs:
                    break
            # The weights into neuron j (w_j,i, then b_j) around the outputs, the first half's above
            # them and the second half's below, each next to the neuron it feeds.
            params.sort(key=lambda v: (*_index(v)[:1], _base(v) == "b", *_index(v)[1:]))
            half = (max((_index(v)[:1] for v in params), default=(0,)) or (0,))[0] // 2
            above = [v for v in params if _index(v)[:1] <= (half,)]
            ordered = above + outputs + params[len(above) :]
            with sub.subgraph() as column:
                column.attr(rank="same")
                for v in ordered:
                    column.node(name[v])
                # Invisible edges within the column keep that order, top to bottom (LR lays a rank
                # out bottom-up, hence the reversal) or left to right.
                if rankdir == "LR":
                    ordered.reverse()
                for u, w in zip(ordered, ordered[1:]):
                    column.edge(name[u], name[w], style="invis", weight="10")
    for sub in subgraphs.values():
        g.subgraph(sub)

    # ---- the caption: "not computed" and the legend of the highlighted paths
    rows = []
    if shown == "not computed":
        rows.append(
            '<TR><TD COLSPAN="3" ALIGN="LEFT"><FONT COLOR="#b22222">grads not computed yet: '
            "call backward() on the root</FONT></TD></TR>"
        )
    if paths:
        leaf = _html_label(highlight.label) if highlight.label else "leaf"
        root_name = _html_label(root.label) if root.label else "root"
        for k, path in enumerate(paths):
            colour = PALETTE[k % len(PALETTE)]
            chain = " → ".join(
                [leaf] + [_html_label(e.child.label) if e.child.label else _html(e.child.op) for e in path.edges]
            )
            factors = " · ".join(fmt(e.local) for e in path.edges) or "(no edges)"
            rows.append(
                f'<TR><TD BGCOLOR="{colour}" WIDTH="14"> </TD><TD ALIGN="LEFT">path {k + 1}: {chain}</TD>'
                f'<TD ALIGN="LEFT">{factors} = {fmt(path.product)}</TD></TR>'
            )
        total = sum(path.product for path in paths)
        if shown == "shown":
            # Products summed in path order, grads accumulated in backward's order: equal up to
            # rounding, measured against the size of the terms (they may cancel).
            grad = grad_of(highlight)
            agrees = abs(total - grad) <= 1e-9 * sum(abs(path.product) for path in paths)
            if agrees:
                note = f" = grad {fmt(grad)}"
            else:
                note = (
                    f' <FONT COLOR="#b22222">≠ grad {fmt(grad)}: that grad is not from one backward() '
                    "of this root (accumulated over several calls? zero_grad() between them)</FONT>"
                )
        else:
            note = " (grads not computed yet)" if shown == "not computed" else ""
        # The full floats, for the SVG's tooltip (graphviz gives a graph label none of its own).
        exact = [f"path {k + 1} product = {path.product!r}" for k, path in enumerate(paths)]
        exact.append(f"sum = {total!r}" + (f", grad = {grad_of(highlight)!r}" if shown == "shown" else ""))
        g.attr(tooltip="; ".join(exact))
        rows.append(
            f'<TR><TD></TD><TD ALIGN="LEFT"><B>sum of the products</B></TD>'
            f'<TD ALIGN="LEFT"><B>∂{root_name}/∂{leaf} = {fmt(total)}</B>{note}</TD></TR>'
        )
    if rows:
        g.attr(label=f'<<TABLE BORDER="0" CELLSPACING="2">{"".join(rows)}</TABLE>>', labelloc="t", fontsize="12")
    return g


def _own_grad(v: Value) -> float:
    return v.grad


def _plain(v: Value) -> str:
    """A node's name in plain text (tooltips): its label, else its op, else "constant"."""
    return str(v.label) if v.label else (f"({v.op})" if v.op else "constant")


def _index(v: Value) -> tuple[int, ...]:
    """x_2 → (2,), a_10^(3) → (10,): the subscript as numbers, for ordering a layer's nodes."""
    m = _LABEL.match(str(v.label or ""))
    sub = m["sub"] if m and m["sub"] else ""
    return tuple(int(t) for t in sub.split(",") if t.isdecimal())


def save(graph: graphviz.Digraph, path: str | os.PathLike, format: str | None = None) -> Path:  # noqa: A002
    """Render `graph` to `path` as SVG, PNG or PDF (from the suffix unless `format` is given); returns the path.

    Atomic: `dot` renders to memory, the bytes go to a temporary file in the same directory, and
    `os.replace` puts it in place, so a failed render leaves an existing file untouched and no
    half-written one behind.
    """
    path = Path(path)
    if format is not None:
        fmt = str(format).lower().lstrip(".")
        if fmt not in FORMATS:
            raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {format!r}")
    else:
        fmt = path.suffix.lstrip(".").lower()
        if fmt not in FORMATS:
            raise ValueError(
                f"cannot tell the format of {str(path)!r} from its suffix: use .svg, .png or .pdf, "
                f"or pass format= one of {', '.join(FORMATS)}"
            )
    if not path.parent.is_dir():
        raise FileNotFoundError(f"cannot write {str(path)!r}: no directory {str(path.parent)!r}")
    if path.is_dir():
        raise IsADirectoryError(f"cannot write {str(path)!r}: it is a directory")
    data = pipe(graph, fmt)
    return write_atomically(path, data)


def pipe(graph: graphviz.Digraph, fmt: str, doing: str = "render the graph") -> bytes:
    """dot's output for `graph` in `fmt`, or a RuntimeError saying how to get dot or what dot said."""
    graphviz = _graphviz()
    try:
        return graph.pipe(format=fmt)
    except graphviz.ExecutableNotFound:
        raise RuntimeError(
            f"graphviz's 'dot' program is not installed, so chainrule cannot {doing}. Install it: "
            "'sudo apt-get install graphviz' (Debian/Ubuntu), 'brew install graphviz' (macOS), "
            "or see https://graphviz.org/download/"
        ) from None
    except graphviz.CalledProcessError as exc:
        detail = (exc.stderr or b"").decode(errors="replace").strip()
        raise RuntimeError(f"graphviz's dot could not {doing}: {detail}") from None
