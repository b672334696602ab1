"""The chain rule as a sum over paths: every path leaf → root, each the product of its local derivatives.

What it is: the other view of the derivative `backward()` computes. Jordan's post writes ∂J/∂θ by
hand as a sum over every path from θ to J of the product of the local derivatives along it;
`chain_paths()` lists those paths (`Path`, made of `Edge`s), and `count_paths()` counts them
and their factors without listing them — to show how fast the hand-written sum grows while
backprop stays one multiply-add per edge.

What it is not: a way to compute gradients. The number of paths grows exponentially with depth;
`chain_paths` refuses more than `limit` of them. Both walks are loops, linear in the size of the
graph (and of each path), so a 10⁵-edge chain works.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, NamedTuple

from .args import integer
from .graph import topological_order

if TYPE_CHECKING:
    from .value import Value

__all__ = ["chain_paths", "count_paths", "Edge", "Path"]


class Edge(NamedTuple):
    """One factor of a chain-rule path: `local` = ∂child/∂parent; `slot` = which input of child parent is."""

    parent: Value
    child: Value
    local: float
    slot: int = 0


class Path(NamedTuple):
    """A path leaf → root: its edges in that order and the product of their local derivatives.

    Printed with the nodes it passes through, so two paths with the same factors can be told apart:
    `x → * → * → + → f: 3 · -2 · 1 · 1 = -6`.
    """

    edges: tuple[Edge, ...]
    product: float

    def nodes(self) -> list[Value]:
        """The nodes along the path, leaf first, root last (empty for the path of a root to itself)."""
        return [self.edges[0].parent, *(e.child for e in self.edges)] if self.edges else []

    def names(self) -> str:
        """`x → * → * → + → f`: each node's label, else its op, else (a constant) its value.

        An edge into a node that has the same parent in several inputs (`a + a`) says which input
        it enters, `a →[2] +`, so the two paths through `a + a` print differently.
        """
        if not self.edges:
            return "(the root itself)"
        out = _name(self.edges[0].parent)
        for e in self.edges:
            twice = sum(p is e.parent for p in e.child.parents) > 1
            out += f" →[{e.slot + 1}] " if twice else " → "
            out += _name(e.child)
        return out

    def __str__(self) -> str:
        factors = " · ".join(f"{e.local:.6g}" for e in self.edges) or "(no factors)"
        return f"{self.names()}: {factors} = {self.product:.6g}"


def _name(v: Value) -> str:
    if v.label is not None:
        return v.label
    return str(v.op) if v.op else f"{v.data:g}"


def count_paths(root: Value, leaves: Iterable[Value]) -> tuple[int, int]:
    """(number of paths, total number of factors on them) from `leaves` to `root`.

    Dynamic programming over the edges, no enumeration, exact integers, so it works on graphs
    with astronomically many paths. With n(v) the number of paths v → root and f(v) the total
    number of factors on them: n(root) = 1, f(root) = 0, and each edge v → c adds n(c) to n(v)
    and f(c) + n(c) to f(v) (each of c's paths, one edge longer).
    """
    order = topological_order(root)
    n = {root: 1}
    f = {root: 0}
    for node in reversed(order):  # every child before its parents
        nc = n.get(node, 0)
        if nc == 0:
            continue
        fc = f[node]
        for p in node.parents:  # a parent listed twice (a + a) is two edges
            n[p] = n.get(p, 0) + nc
            f[p] = f.get(p, 0) + fc + nc
    leaves = list(dict.fromkeys(leaves))  # a leaf named twice counts once
    return sum(n.get(v, 0) for v in leaves), sum(f.get(v, 0) for v in leaves)


def chain_paths(root: Value, leaf: Value, limit: int = 10_000) -> list[Path]:
    """Every path from `leaf` to `root` with its local derivatives; the products sum to ∂root/∂leaf.

    Raises ValueError when there are more than `limit` paths (count them with `count_paths`).
    Each product is taken from the root end, in the order `backward()` multiplies.
    """
    limit = integer(limit, "chain_paths", "limit")
    count, _ = count_paths(root, [leaf])
    if count > limit:
        raise ValueError(
            f"{count} paths lead from the leaf to the root, more than limit={limit}; "
            f"pass a larger limit, or use count_paths() to count them without listing them"
        )
    # Nodes that depend on `leaf`: only through these can a path from the root reach it.
    reaches = {leaf}
    for node in topological_order(root):
        if not reaches.isdisjoint(node.parents):
            reaches.add(node)
    if root not in reaches:
        return []

    paths: list[Path] = []
    # Depth-first from the root down to the leaf. Each entry is (node, link, product), where link
    # = (the edge into which node leads, the link of the rest of the path up to the root): the
    # edges are shared between paths, not copied, so a path of n edges costs n, not n².
    stack: list[tuple[Value, tuple | None, float]] = [(root, None, 1.0)]
    while stack:
        node, link, product = stack.pop()
        if node is leaf:
            edges = []
            while link is not None:
                edge, link = link
                edges.append(edge)
            paths.append(Path(tuple(edges), product))
            continue
        # Pushed in reverse so the paths come out in the order of the parents.
        for slot in reversed(range(len(node.parents))):
            p = node.parents[slot]
            if p in reaches:
                local = node.local_grads[slot]
                stack.append((p, (Edge(p, node, local, slot), link), product * local))
    return paths
