"""Drawing the computation graph with graphviz.

What it is: `draw(root)` returns a `graphviz.Digraph` in which every Value is a box showing its
label, data and grad, every op is a small node of its own, and every edge parent → op carries
the local derivative ∂child/∂parent stored on the child. `highlight=leaf` colours each
chain-rule path from that leaf to the root (blue, orange, … as in seed 001) and lists the path
products in a legend whose sum is ∂root/∂leaf. Networks built by `nn` are grouped by layer,
read from their labels (x_i, w_j,i^(l), b_j^(l), z_j^(l), a_j^(l), J). `save()` writes SVG, PNG
or PDF atomically. In Jupyter a Digraph displays itself.

What it is not: a layout engine. Graphviz's `dot` does the layout, and a graph of thousands of
nodes would take it minutes; `draw` refuses graphs above `max_nodes` and says what to do.
"""

from __future__ import annotations

import html
import os
import re
import tempfile
from pathlib import Path

import graphviz

from .graph import chain_paths, topological_order
from .value import Value

__all__ = ["draw", "save", "PALETTE", "FORMATS"]

PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf"]
"""Path colours: blue and orange first, as the seeds colour the two paths of θ₁₁⁽¹⁾."""

FORMATS = ("svg", "png", "pdf")

# name_sub^(sup): x_1, w_2,1^(1), b_1^(1), z_1^(2), a_2^(3)
_LABEL = re.compile(r"^(?P<base>[^_^]+)(?:_(?P<sub>[^^]+))?(?:\^\((?P<sup>[^)]*)\))?$")


def _html_label(label: str) -> str:
    """The seeds' notation as graphviz HTML: w_2,1^(1) → w<SUB>2,1</SUB><SUP>(1)</SUP>."""
    m = _LABEL.match(label)
    if not m:
        return html.escape(label)
    out = html.escape(m["base"])
    if m["sub"]:
        out += f"<SUB>{html.escape(m['sub'])}</SUB>"
    if m["sup"] is not None:
        out += f"<SUP>({html.escape(m['sup'])})</SUP>"
    return out


def _layer_of(v: Value) -> int | None:
    """The seeds' layer a labelled node is drawn in: x → 1, z/a → l, w/b of Θ^(l) → l + 1."""
    if v.label is None:
        return None
    m = _LABEL.match(v.label)
    if not m:
        return None
    base = m["base"]
    if base == "x" and m["sup"] is None:
        return 1
    if m["sup"] is None or not m["sup"].isdigit():
        return None
    layer = int(m["sup"])
    if base in ("z", "a"):
        return layer
    if base in ("w", "b"):
        return layer + 1  # a weight of Θ^(l) feeds layer l + 1
    return None


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
) -> graphviz.Digraph:
    """The computation graph below `root` as a `graphviz.Digraph`.

    rankdir: "LR" (left to right) or "TB" (top to bottom). edge_labels: print each local
    derivative on its edge. highlight: a leaf whose chain-rule paths to the root are coloured and
    listed in a legend (at most `path_limit` paths). max_nodes: refuse larger graphs (Values
    counted). cluster: group nodes by layer — True, False or "auto" (when labels carry layers);
    `groups` maps Values to group names of your own. show_grad: None draws the grads when
    `backward()` has run on root (root.grad ≠ 0) and says "not computed" otherwise.
    """
    if rankdir not in ("LR", "TB"):
        raise ValueError(f"rankdir must be 'LR' or 'TB', got {rankdir!r}")
    if not isinstance(root, Value):
        raise TypeError(f"draw: root must be a Value, got {type(root).__name__}")
    nodes = topological_order(root)
    if len(nodes) > max_nodes:
        raise ValueError(
            f"the graph has {len(nodes):,} Value nodes, more than max_nodes={max_nodes}; graphviz "
            f"would take very long to lay it out. Draw a smaller network or a single sample, use "
            f"fused neurons (nn.MLP(..., fused=True): one node per z and a), or pass a larger max_nodes"
        )
    computed = root.grad != 0.0 if show_grad is None else bool(show_grad)
    name = {v: f"v{i}" for i, v in enumerate(nodes)}
    fmt = lambda x: f"{x:.{precision}g}"  # noqa: E731

    # ---- which edges the highlighted paths use, and in which colours
    path_colours: dict[tuple[int, int], list[str]] = {}  # (id parent, id child) → colours
    paths = []
    if highlight is not None:
        if highlight not in name:
            raise ValueError("highlight: that Value is not part of this graph")
        try:
            paths = chain_paths(root, highlight, limit=path_limit)
        except ValueError as exc:
            raise ValueError(
                f"highlight: {exc}; pass a larger path_limit or highlight a parameter nearer the root"
            ) from None
        for k, p in enumerate(paths):
            colour = PALETTE[k % len(PALETTE)]
            for e in p.edges:
                cols = path_colours.setdefault((id(e.parent), id(e.child)), [])
                if colour not in cols:
                    cols.append(colour)

    g = graphviz.Digraph(
        "chainrule",
        graph_attr={"rankdir": rankdir, "fontname": "Helvetica", "nodesep": "0.25"},
        node_attr={"fontname": "Helvetica", "fontsize": "11"},
        edge_attr={"fontname": "Helvetica", "fontsize": "9", "arrowsize": "0.6"},
    )
    if not computed:
        g.attr(label="grads not computed yet: call backward() on the root", labelloc="t", fontsize="12")

    # ---- clusters by layer (or by the caller's groups)
    if groups is not None:
        group_of = {v: groups.get(v) for v in nodes}
    elif cluster is True or (cluster == "auto" and any(_layer_of(v) is not None for v in nodes)):
        group_of = {v: (f"layer {layer}" if (layer := _layer_of(v)) is not None else None) for v in nodes}
        # An unlabelled node (a `*` or `+` inside an elementary neuron, a constant) joins the layer
        # of the node that uses it; walking from the root, that node's group is already known.
        for v in reversed(nodes):
            for p in v.parents:
                if group_of[p] is None and p.label is None:
                    group_of[p] = group_of[v]
    else:
        if cluster not in (False, True, "auto"):
            raise ValueError(f"cluster must be True, False or 'auto', got {cluster!r}")
        group_of = {v: None for v in nodes}
    subgraphs: dict[str, graphviz.Digraph] = {}

    def container(v: Value) -> graphviz.Digraph:
        grp = group_of.get(v)
        if grp is None:
            return g
        if grp not in subgraphs:
            title = f"{grp} (inputs)" if grp == "layer 1" else grp
            subgraphs[grp] = graphviz.Digraph(
                name=f"cluster_{len(subgraphs)}",
                graph_attr={"label": title, "style": "rounded,dashed", "color": "#999999"},
            )
        return subgraphs[grp]

    for v in nodes:
        label = f"<B>{_html_label(v.label)}</B>" if v.label is not None else ""
        grad = fmt(v.grad) if computed else "not computed"
        cells = (f"<TD>{label}</TD>" if label else "") + f"<TD>data {fmt(v.data)}</TD><TD>grad {grad}</TD>"
        on_path = highlight is not None and (
            v is highlight or v is root or any((id(p), id(v)) in path_colours for p in v.parents)
        )
        border = ' COLOR="#1f77b4"' if on_path else ""
        container(v).node(
            name[v],
            f'<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="3"{border}><TR>{cells}</TR></TABLE>>',
            shape="plaintext",
        )
        if v.parents:
            op = f"op{name[v][1:]}"
            container(v).node(
                op,
                html.escape(v.op),
                shape="circle" if len(v.op) <= 2 else "ellipse",
                fontsize="10",
                width="0.3",
                height="0.3",
                margin="0.02",
            )
            # op → v carries every path that enters v through any of its parents
            coloured = list(dict.fromkeys(c for p in v.parents for c in path_colours.get((id(p), id(v)), [])))
            g.edge(op, name[v], **({"color": ":".join(coloured), "penwidth": "2.2"} if coloured else {}))
            for p, local in zip(v.parents, v.local_grads):
                attrs = {}
                if edge_labels:
                    attrs["label"] = fmt(local)
                cols = path_colours.get((id(p), id(v)))
                if cols:
                    attrs.update(color=":".join(cols), penwidth="2.2", fontcolor=cols[0])
                g.edge(name[p], op, **attrs)
    for sub in subgraphs.values():
        g.subgraph(sub)

    if paths:
        rows = []
        for k, p in enumerate(paths):
            colour = PALETTE[k % len(PALETTE)]
            chain = " → ".join(
                [_html_label(highlight.label) if highlight.label else "leaf"]
                + [_html_label(e.child.label) if e.child.label else html.escape(e.child.op) for e in p.edges]
            )
            factors = " · ".join(fmt(e.local) for e in p.edges)
            rows.append(
                f'<TR><TD BGCOLOR="{colour}"> </TD><TD ALIGN="LEFT">path {k + 1}: {chain}</TD>'
                f'<TD ALIGN="LEFT">{factors} = {fmt(p.product)}</TD></TR>'
            )
        total = sum(p.product for p in paths)
        leaf = _html_label(highlight.label) if highlight.label else "leaf"
        root_name = _html_label(root.label) if root.label else "root"
        grad_note = f" = grad {fmt(highlight.grad)}" if computed else " (grads not computed yet)"
        rows.append(
            f'<TR><TD></TD><TD ALIGN="LEFT"><B>sum of the products</B></TD>'
            f'<TD ALIGN="LEFT"><B>∂{root_name}/∂{leaf} = {fmt(total)}{grad_note}</B></TD></TR>'
        )
        g.node(
            "legend", f'<<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="2">{"".join(rows)}</TABLE>>', shape="plaintext"
        )
    return g


def save(graph: graphviz.Digraph, path: str | os.PathLike, format: str | None = None) -> Path:  # noqa: A002
    """Render `graph` to `path` (SVG, PNG or PDF, from the suffix unless `format` is given), atomically."""
    path = Path(path)
    fmt = (format or path.suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise ValueError(f"cannot tell the format of {str(path)!r}: use a suffix or format among {', '.join(FORMATS)}")
    try:
        data = graph.pipe(format=fmt)
    except graphviz.ExecutableNotFound:
        raise RuntimeError(
            "graphviz's 'dot' program is not installed, so graphs cannot be rendered. Install it: "
            "'sudo apt-get install graphviz' (Debian/Ubuntu), 'brew install graphviz' (macOS), "
            "or see https://graphviz.org/download/"
        ) from None
    except graphviz.CalledProcessError as exc:
        detail = (exc.stderr or b"").decode(errors="replace").strip()
        raise RuntimeError(f"graphviz's dot could not render the graph: {detail}") from None
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
    return path
