"""`chainrule demo`: a short tour of the engine.

Builds a small expression, runs backward, prints every grad, then lists the chain-rule paths of
one leaf and shows that their products add up to that leaf's grad.
"""

from __future__ import annotations

import argparse

from autograd import Value, chain_paths, count_paths

__all__ = ["engine_demo", "add_parser"]


def engine_demo() -> None:
    """The 1-1-1 network of seed 001 as an expression: J = ½(y − σ(w₂·σ(w₁·x)))²."""
    x = Value(0.5, label="x")
    w1 = Value(0.8, label="w1")
    w2 = Value(-1.5, label="w2")
    y = 1.0
    z2 = (w1 * x); z2.label = "z2"
    a2 = z2.sigmoid(); a2.label = "a2"
    z3 = (w2 * a2); z3.label = "z3"
    a3 = z3.sigmoid(); a3.label = "a3"
    J = 0.5 * (y - a3) ** 2; J.label = "J"
    J.backward()

    print("chainrule engine demo: the 1-1-1 network of seed 001, J = ½(y − a3)²")
    for v in (x, w1, w2, z2, a2, z3, a3, J):
        print(f"  {v.label:>3} = {v.data:+.6f}   ∂J/∂{v.label} = {v.grad:+.6f}")
    paths = chain_paths(J, w1)
    n, factors = count_paths(J, [w1])
    print(f"\nchain-rule paths from w1 to J: {n} path(s), {factors} factors")
    for p in paths:
        names = " → ".join([p.edges[0].parent.label or p.edges[0].parent.op]
                           + [e.child.label or e.child.op for e in p.edges])
        print(f"  {names}")
        print(f"    product {p}")
    print(f"  sum of products = {sum(p.product for p in paths):+.6f} = w1.grad {w1.grad:+.6f}")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="a short tour: forward, backward, chain-rule paths")
    p.set_defaults(func=lambda args: engine_demo())
