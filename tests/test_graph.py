"""backward(), the topological order and the chain rule as paths, on hand-made and random graphs."""

from __future__ import annotations

import math
import struct

import pytest
from hypothesis import given, reject, settings
from hypothesis import strategies as st

from autograd import (
    Value,
    backward_walk,
    chain_paths,
    compare,
    count_paths,
    numerical_grad,
    topological_order,
    total,
    weighted_sum,
)

# ---------------------------------------------------------------- hand-made structure


def test_diamond_counts_both_edges_twice():
    a = Value(3.0)
    b = a + a
    c = b + b
    c.backward()
    assert a.grad == 4.0 and b.grad == 2.0
    assert count_paths(c, [a]) == (4, 8)
    assert [p.product for p in chain_paths(c, a)] == [1.0, 1.0, 1.0, 1.0]


def test_x_times_x():
    x = Value(3.0)
    y = x * x
    y.backward()
    assert x.grad == 6.0


def test_backward_twice_resets_interior_and_accumulates_leaves():
    a, b = Value(2.0), Value(-3.0)
    c = a * b
    d = c + a
    d.backward()
    assert (a.grad, b.grad, c.grad) == (-2.0, 2.0, 1.0)
    d.backward()
    assert c.grad == 1.0  # interior: recomputed, not doubled
    assert (a.grad, b.grad) == (-4.0, 4.0)  # leaves accumulate, as in PyTorch


def test_backward_of_a_leaf():
    a = Value(5.0)
    a.backward()
    assert a.grad == 1.0


def test_million_deep_chain_backpropagates_without_recursion():
    x = Value(0.5)
    y = x
    for _ in range(10**6):
        y = -y  # one unary node per step: 10⁶ nodes deep
    y.backward()
    assert y.data == 0.5
    assert x.grad == 1.0  # (−1)^(10⁶)
    assert y.grad == 1.0


def test_hundred_thousand_term_sum():
    xs = [Value(float(i)) for i in range(10**5)]
    s = total([x * x for x in xs])
    s.backward()
    assert s.data == sum(float(i) ** 2 for i in range(10**5))
    assert all(x.grad == 2.0 * x.data for x in xs)


def test_topological_order_puts_every_node_after_its_parents_deterministically():
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    c = a * b
    d = c + a
    e = d * c
    order = topological_order(e)
    position = {node: i for i, node in enumerate(order)}
    for node in order:
        assert all(position[p] < position[node] for p in node.parents)
    assert order == topological_order(e)
    assert order == [a, b, c, d, e]


# ---------------------------------------------------------------- micrograd's examples


def test_micrograds_readme_expression():
    # from micrograd's README: g = 24.7041, dg/da = 138.8338, dg/db = 645.5773
    a = Value(-4.0)
    b = Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    assert f"{g.data:.4f}" == "24.7041"
    assert f"{a.grad:.4f}" == "138.8338"
    assert f"{b.grad:.4f}" == "645.5773"


def test_micrograds_sanity_check():
    # micrograd's test_sanity_check, values as PyTorch computes them
    x = Value(-4.0)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    assert y.data == -20.0
    assert x.grad == 46.0


# ---------------------------------------------------------------- random graphs

# An expression graph is a list of steps; each step applies a smooth op to earlier nodes,
# so later steps share earlier subexpressions (several paths lead to each input).
SAFE_UNARY = {
    "tanh": lambda v: v.tanh(),
    "sigmoid": lambda v: v.sigmoid(),
    "square": lambda v: v**2,
    "neg": lambda v: -v,
    "exp_tanh": lambda v: v.tanh().exp(),
    "log1p_sq": lambda v: (1 + v * v).log(),
    "scale": lambda v: 0.5 * v,
}
SAFE_BINARY = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "div": lambda a, b: a / (1 + b * b),
    "pow": lambda a, b: (1 + a * a) ** b.tanh(),
    "wsum": lambda a, b: weighted_sum([a, b], [b, a], Value(0.25)),
}


@st.composite
def programs(draw):
    n_inputs = draw(st.integers(1, 4))
    inputs = draw(st.lists(st.floats(-1.5, 1.5), min_size=n_inputs, max_size=n_inputs))
    steps = []
    for k in range(draw(st.integers(1, 12))):
        available = n_inputs + k
        if draw(st.booleans()):
            steps.append((draw(st.sampled_from(sorted(SAFE_UNARY))), draw(st.integers(0, available - 1))))
        else:
            steps.append(
                (
                    draw(st.sampled_from(sorted(SAFE_BINARY))),
                    draw(st.integers(0, available - 1)),
                    draw(st.integers(0, available - 1)),
                )
            )
    return inputs, steps


def run(inputs, steps):
    leaves = [Value(x) for x in inputs]
    nodes = list(leaves)
    for step in steps:
        if len(step) == 2:
            nodes.append(SAFE_UNARY[step[0]](nodes[step[1]]))
        else:
            nodes.append(SAFE_BINARY[step[0]](nodes[step[1]], nodes[step[2]]))
    # the root uses every node, so every step is on some path
    root = total([n.tanh() for n in nodes[len(leaves) :]] + [nodes[-1]])
    return leaves, root


@settings(max_examples=150, deadline=None)
@given(programs())
def test_random_graphs_agree_with_central_differences(program):
    inputs, steps = program
    leaves, root = run(inputs, steps)
    root.backward()
    numeric = numerical_grad(lambda: run([v.data for v in leaves], steps)[1], leaves)
    for analytic, num in zip([v.grad for v in leaves], numeric):
        assert math.isclose(analytic, num, rel_tol=1e-5, abs_tol=1e-6)


@settings(max_examples=150, deadline=None)
@given(programs())
def test_topological_order_is_the_recursive_walks_order(program):
    # graph.py's walk is a loop with a stack (two-parent nodes written out); its order must be the
    # one its docstring defines: visit(node) = visit each unseen parent in order, then append node
    inputs, steps = program
    _, root = run(inputs, steps)
    expected, seen = [], set()

    def visit(node):
        seen.add(node)
        for p in node.parents:
            if p not in seen:
                visit(p)
        expected.append(node)

    visit(root)
    assert topological_order(root) == expected
    x = Value(0.5)
    sq = x * x  # one parent twice
    y = sq * (sq + 2.0)
    assert topological_order(y) == [x, sq, y.parents[1].parents[1], y.parents[1], y]


EDGE_UNARY = {  # local derivatives 0, ±inf and NaN, and upstream grads that become them
    "relu": lambda v: v.relu(),
    "times_zero": lambda v: v * 0.0,
    "sqrt_of_zero": lambda v: (v - v).sqrt(),
    "abs": lambda v: abs(v),
    "exp_big": lambda v: (700.0 * v * v / (1 + v * v)).exp(),  # up to e^700: grads overflow to inf
    "nan": lambda v: v * math.nan,
}


@settings(max_examples=200, deadline=None)
@given(programs(), st.lists(st.sampled_from(sorted(EDGE_UNARY)), max_size=4), st.randoms(use_true_random=False))
def test_backward_and_its_step_by_step_replay_give_the_same_floats(program, edges, rng):
    """graph.py's loop (two-parent nodes unrolled) and steps.backward_walk (the generator the page,
    anomaly mode and autograd.grad replay): the same bits at every node, inf and NaN included."""
    inputs, steps = program
    steps = list(steps)
    for name in edges:  # edge cases spliced in at random places, each feeding later steps
        steps.insert(rng.randrange(len(steps) + 1), ("edge", name))
    leaves = [Value(x) for x in inputs]
    nodes = list(leaves)
    try:
        for step in steps:
            if step[0] == "edge":
                nodes.append(EDGE_UNARY[step[1]](nodes[rng.randrange(len(nodes))]))
            elif len(step) == 2:
                nodes.append(SAFE_UNARY[step[0]](nodes[min(step[1], len(nodes) - 1)]))
            else:
                a, b = (nodes[min(i, len(nodes) - 1)] for i in step[1:])
                nodes.append(SAFE_BINARY[step[0]](a, b))
    except OverflowError:  # e.g. (e^700) ** 2: `**` refuses to overflow (numerics.py); not this test's subject
        reject()
    root = total(nodes[len(leaves) :] + [nodes[-1]])
    order = topological_order(root)
    grads = [0.0] * len(order)
    grads[-1] = 1.0
    for _ in backward_walk(order, grads):
        pass
    root.backward()
    bits = lambda x: struct.pack("<d", x)  # noqa: E731 (NaN == NaN, and 0.0 != -0.0)
    assert [bits(v.grad) for v in order] == [bits(g) for g in grads]


@settings(max_examples=100, deadline=None)
@given(programs())
def test_path_products_sum_to_the_grad_and_count_matches_enumeration(program):
    inputs, steps = program
    leaves, root = run(inputs, steps)
    root.backward()
    for leaf in leaves:
        paths = chain_paths(root, leaf, limit=10**6)
        assert math.isclose(sum(p.product for p in paths), leaf.grad, rel_tol=1e-9, abs_tol=1e-12)
        n, factors = count_paths(root, [leaf])
        assert n == len(paths)
        assert factors == sum(len(p.edges) for p in paths)
        for p in paths:
            assert p.edges[0].parent is leaf and p.edges[-1].child is root
            assert all(e.child is nxt.parent for e, nxt in zip(p.edges, p.edges[1:]))
            assert all(e.parent in e.child.parents for e in p.edges)
            assert p.product == pytest.approx(math.prod(e.local for e in p.edges), rel=1e-12)


def test_count_paths_handles_astronomically_many_paths():
    # 200 diamonds in a row: 2**200 paths, far too many to list, counted exactly
    x = Value(1.0)
    y = x
    for _ in range(200):
        y = y + y
    n, factors = count_paths(y, [x])
    assert n == 2**200
    assert factors == 200 * 2**200
    with pytest.raises(ValueError, match="paths lead from the leaf to the root, more than limit=1000"):
        chain_paths(y, x, limit=1000)


def test_chain_paths_of_an_unrelated_leaf_is_empty():
    a, b = Value(1.0), Value(2.0)
    c = a * 3
    assert chain_paths(c, b) == []
    assert count_paths(c, [b]) == (0, 0)


def test_path_str_lists_the_factors():
    a = Value(2.0)
    y = (a * 3.0).tanh()
    (p,) = chain_paths(y, a)
    assert str(p).startswith("2 → * → tanh: 3 · ")  # an unlabelled leaf is named by its value
    assert p.product == pytest.approx((1 - math.tanh(6.0) ** 2) * 3.0, rel=1e-15)


def test_printed_paths_name_their_nodes_so_equal_products_differ():
    # f = x·(−2)·3 + x·3·(−2) + ...: two different paths with the same factors 3 · -2 · 1 · 1 once printed
    # identically; now each names the nodes it runs through.
    x = Value(1.0, label="x")
    u = (x * -2.0) * 3.0
    u.label = "u"
    v = (x * 3.0) * -2.0
    v.label = "v"
    f = u + v + 0.0
    f.label = "f"
    f.backward()
    paths = chain_paths(f, x)
    assert [str(p) for p in paths] == [
        "x → * → u → + → f: -2 · 3 · 1 · 1 = -6",
        "x → * → v → + → f: 3 · -2 · 1 · 1 = -6",
    ]
    assert [[n.label or n.op for n in p.nodes()] for p in paths] == [
        ["x", "*", "u", "+", "f"],
        ["x", "*", "v", "+", "f"],
    ]
    assert sum(p.product for p in paths) == x.grad == -12.0
    # two edges between the same nodes (z + z): the printed path says which input it enters
    z = (x * 3.0) * -2.0
    g = z + z
    assert [str(p) for p in chain_paths(g, x)] == [
        "x → * → * →[1] +: 3 · -2 · 1 = -6",
        "x → * → * →[2] +: 3 · -2 · 1 = -6",
    ]
    (same,) = chain_paths(x, x)
    assert str(same) == "(the root itself): (no factors) = 1" and same.nodes() == []


def test_compare_relative_difference():
    c = compare([1.0, 2.0], [1.0, 2.0])
    assert c.relative == 0.0 and c.max_abs == 0.0
    c = compare([1.0, 3.0], [1.0, 2.0])
    assert c.relative == pytest.approx(1.0 / math.hypot(2.0, 5.0))
    assert c.max_abs == 1.0 and c.worst == 1
    assert compare([0.0], [0.0]).relative == 0.0
    assert compare([1.0], [-1.0]).relative == math.inf
    with pytest.raises(ValueError, match="lengths differ"):
        compare([1.0], [1.0, 2.0])


def test_numerical_grad_restores_inputs_and_checks_arguments():
    a = Value(0.1)
    g = numerical_grad(lambda: a.tanh(), [a])
    assert a.data == 0.1
    assert g[0] == pytest.approx(1 - math.tanh(0.1) ** 2, rel=1e-9)
    with pytest.raises(ValueError, match="numerical_grad: eps must be a finite real number > 0"):
        numerical_grad(lambda: a, [a], eps=0.0)
    with pytest.raises(TypeError, match=r"numerical_grad: inputs\[0\] must be a Value"):
        numerical_grad(lambda: a, [0.1])
