"""The engine's core as issue 18 lays it out, and the behaviours it settles.

Layout: value.py + graph.py (the chain rule a learner reads) at most 400 lines as ruff formats
them, every op's derivative written there; imports one way, no cycle; `import autograd` without
graphviz; nn uses no private name of autograd. Behaviour: backward's strong zero (0 · x = 0 for
every x) in all three walks, `float(v)` raising, Hessians with unused inputs, linear chain paths,
named errors for integers too large for a float.
"""

from __future__ import annotations

import ast
import math
import subprocess
import sys
from pathlib import Path

import pytest

from autograd import (
    AnomalyError,
    Value,
    chain_paths,
    count_paths,
    detect_anomaly,
    grad,
    hessian,
    hvp,
    topological_order,
)

ROOT = Path(__file__).resolve().parent.parent
CORE = ["numerics", "args", "steps", "guards", "ops", "graph", "value", "fused", "paths", "higher", "check", "files"]


# ---------------------------------------------------------------- the layout


def test_value_and_graph_read_in_one_sitting():
    files = [ROOT / "autograd" / "value.py", ROOT / "autograd" / "graph.py"]
    ruff = [
        sys.executable,
        "-m",
        "ruff",
        "format",
        "--check",
        "--config",
        str(ROOT / "pyproject.toml"),
        *map(str, files),
    ]
    done = subprocess.run(ruff, capture_output=True, text=True)
    assert done.returncode == 0, f"not as ruff formats them: {done.stdout}{done.stderr}"
    lines = sum(len(f.read_text(encoding="utf-8").splitlines()) for f in files)
    assert lines <= 400, f"value.py + graph.py are {lines} lines (at most 400)"


def test_every_op_of_value_py_writes_its_derivative_in_its_docstring():
    tree = ast.parse((ROOT / "autograd" / "value.py").read_text(encoding="utf-8"))
    (cls,) = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Value"]
    for f in cls.body:
        if (
            isinstance(f, ast.FunctionDef)
            and f.name != "from_op"
            and any(
                isinstance(c, ast.Name) and c.id == "make_node" for n in ast.walk(f) for c in [getattr(n, "func", None)]
            )
        ):
            doc = ast.get_docstring(f) or ""
            assert "∂/∂" in doc or "d/dx" in doc or "dσ/dx" in doc, f"{f.name}: no derivative in its docstring"


def module_imports(name: str) -> set[str]:
    """The autograd modules `autograd/<name>.py` imports at run time (TYPE_CHECKING blocks left out)."""
    tree = ast.parse((ROOT / "autograd" / f"{name}.py").read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            node.body = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module.split(".")[0])
            else:
                found.update(a.name for a in node.names)
    return found


def test_the_core_imports_run_one_way():
    graph = {name: module_imports(name) for name in CORE}
    for base in ("numerics", "args", "steps"):
        assert graph[base] == set(), f"{base} imports {graph[base]}"
    assert graph["guards"] <= {"steps"}  # anomaly mode replays backward() step by step
    assert graph["ops"] <= {"args", "guards", "numerics"}  # nothing of the node
    assert "value" not in graph["graph"]  # the walk reads fields; value.py imports graph
    # no cycle: a topological order of the modules exists
    done: set[str] = set()
    while len(done) < len(CORE):
        ready = [m for m in CORE if m not in done and graph[m] & set(CORE) <= done]
        assert ready, f"an import cycle among {sorted(set(CORE) - done)}"
        done.update(ready)


def test_import_autograd_without_graphviz():
    code = (
        "import sys; sys.modules['graphviz'] = None\n"
        "from autograd import Value, grad\n"
        "x = Value(2.0); y = (x * x).tanh(); y.backward(); print(x.grad)\n"
        "from autograd import draw\n"
        "try:\n    draw(y)\nexcept ImportError as e:\n    print('ImportError:', e)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    grad_line, error_line = done.stdout.splitlines()
    assert float(grad_line) == pytest.approx(4 * (1 - math.tanh(4.0) ** 2), rel=1e-12)
    assert error_line.startswith("ImportError: drawing needs the graphviz Python package")


def test_nn_imports_no_private_name_of_autograd():
    for path in sorted((ROOT / "nn").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("autograd"):
                private = [a.name for a in node.names if a.name.startswith("_")]
                assert not private, f"{path.relative_to(ROOT)} imports {private} from {node.module}"


# ---------------------------------------------------------------- 0 · x = 0 on every edge


def test_strong_zero_a_zero_local_derivative_stops_an_infinite_grad():
    x = Value(1.0, label="x")
    d = x - x
    f = (d * d) ** 0.5  # f = |x − x| = 0 for every x: df/dx = 0
    f.backward()
    assert f.data == 0.0 and x.grad == 0.0
    assert grad(f, [x])[0].data == 0.0
    (g,) = grad(f, [x], create_graph=True)
    assert g.data == 0.0


def test_strong_zero_in_all_three_walks_and_anomaly_mode_names_the_edge():
    x = Value(0.0, label="x")
    f = (x**0.5) ** 2  # the one-sided derivative is 1; the product rule meets 0 · inf
    f.backward()
    assert x.grad == 0.0
    assert grad(f, [x])[0].data == 0.0
    assert grad(f, [x], create_graph=True)[0].data == 0.0
    x.grad = 0.0
    with detect_anomaly(), pytest.raises(AnomalyError) as info:
        f.backward()
    message = str(info.value)
    assert "leaf 'x' → an unlabelled '**0.5' node" in message
    assert "the local derivative is inf and the upstream grad ∂root/∂child is 0.0" in message
    assert "indeterminate" in message and x.grad == 0.0  # nothing written when the check fails


def test_sqrt_at_zero_is_inf_in_all_three_walks():
    x = Value(0.0)
    y = x**0.5
    y.backward()
    assert x.grad == math.inf
    assert grad(y, [x])[0].data == math.inf
    assert grad(y, [x], create_graph=True)[0].data == math.inf
    assert grad(x.sqrt(), [x], create_graph=True)[0].data == math.inf


def test_strong_zero_with_an_infinite_upstream_grad_and_a_zero_local_derivative():
    # z = 0 · √u at u = 0 with the constant 0 on the left: ∂z/∂(√u) = 0, upstream ∂f/∂z = 1, √u's slope inf
    u = Value(0.0)
    w = Value(0.0)
    r = u.sqrt()
    z = w * r  # ∂z/∂r = w = 0
    z.backward()
    assert u.grad == 0.0 and w.grad == 0.0
    # an infinite upstream grad times a zero local derivative: u → s → t with ∂t/∂s = 0 and ∂root/∂t = inf
    a = Value(0.0)
    s = a * 0.0  # local derivative 0 for a
    t = s.sqrt()  # slope inf at 0
    t.backward()
    assert s.grad == math.inf and a.grad == 0.0


# ---------------------------------------------------------------- float(), math.*, format


def test_math_functions_no_longer_leave_the_graph():
    for f in (math.tanh, math.exp, math.log, math.sqrt, float):
        with pytest.raises(TypeError, match=r"float\(Value\) leaves the graph: read \.data"):
            f(Value(0.5)) * Value(2.0)
    loss = Value(0.123456)
    assert f"{loss:.4f}" == "0.1235" and f"{loss:.2e}" == "1.23e-01"


# ---------------------------------------------------------------- Hessians, chain paths, huge integers


def test_hessian_and_hvp_give_zeros_for_an_unused_input():
    x, y = Value(3.0), Value(5.0)
    assert hessian(x * x, [x, y]) == [[2.0, 0.0], [0.0, 0.0]]
    assert hvp(x * x, [x, y], [1.0, 1.0]) == [2.0, 0.0]
    assert hvp(x * x, [y, x], [1.0, 0.5]) == [0.0, 1.0]


@pytest.mark.parametrize("bad, kind", [(True, TypeError), (1.5, TypeError), ("2", TypeError), (0, ValueError)])
def test_hessian_max_inputs_is_an_integer_at_least_1(bad, kind):
    x = Value(1.0)
    with pytest.raises(kind, match=r"hessian: max_inputs must be an integer ≥ 1"):
        hessian(x * x, [x], max_inputs=bad)


def test_chain_paths_along_a_long_path_is_linear():
    x = Value(1.0, label="x")
    v = x
    for i in range(10**5):
        v = v * (1.0 + (i % 3) * 1e-6)  # each step one '*' node (and a constant leaf)
    v.backward()
    (path,) = chain_paths(v, x, limit=1)
    assert len(path.edges) == 10**5 and path.edges[0].parent is x and path.edges[-1].child is v
    assert path.product == pytest.approx(x.grad, rel=1e-12)
    assert count_paths(v, [x]) == (1, 10**5)


def test_integers_too_large_for_a_float_are_named():
    v = Value(2.0)
    cases = [
        (lambda: Value(10**400), r"^Value: data must be a real number, got an integer too large for a float"),
        (lambda: v * 10**400, r"^op '\*': operand must be a real number, got an integer too large"),
        (lambda: v + 10**400, r"^op '\+': operand must be a real number, got an integer too large"),
        (lambda: 10**400 - v, r"^op '-': operand must be a real number, got an integer too large"),
        (lambda: v**10**400, r"^op '\*\*': exponent must be a real number, got an integer too large"),
        (lambda: Value.from_op(10**400, [v], [1.0], "big"), r"Value.from_op \(op 'big'\): data must be"),
    ]
    for make, pattern in cases:
        with pytest.raises(ValueError, match=pattern):
            make()


def test_integer_constants_become_float_leaves_at_the_edge_of_the_float_range():
    v = Value(2.0)
    for n in (0, 3, -7, 2**53 + 1, 2**1023 - 1, -(2**1023) + 1, 2**1023):  # up to the float range's edge
        c = (n + v).parents[0]
        assert type(c.data) is float and c.data == float(n) and c.op == "" and c.parents == ()
    with pytest.raises(ValueError, match=r"^op '\+': operand must be a real number, got an integer too large"):
        2**1024 + v
    with pytest.raises(TypeError, match=r"^op '\+': operand must be a real number, got bool"):
        True + v


def test_topological_order_and_node_ops_are_strings_equal_to_their_names():
    a, b = Value(2.0), Value(3.0)
    c = a * b + a
    assert [str(n.op) for n in topological_order(c)] == ["", "", "*", "+"]
    assert c.op == "+" and isinstance(c.op, str) and hash(c.op) == hash("+")


def test_the_readme_says_how_long_the_two_files_are():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in ("value.py", "graph.py"):
        lines = len((ROOT / "autograd" / name).read_text(encoding="utf-8").splitlines())
        assert f"| `autograd/{name}` |" in readme and readme.split(f"| `autograd/{name}` |")[1].split("\n")[0].rstrip(
            " |"
        ).endswith(f"| {lines}"), f"README's line count of {name} is not {lines}"
    total = sum(len((ROOT / "autograd" / n).read_text(encoding="utf-8").splitlines()) for n in ("value.py", "graph.py"))
    assert f"{total} lines together" in readme


def test_weighted_sums_with_the_rows_data_read_once_build_the_same_nodes():
    import random

    from autograd import weighted_sums

    rng = random.Random(3)
    rows = [[Value(rng.uniform(-1, 1)) for _ in range(5)] for _ in range(4)]
    xs = [Value(rng.uniform(-1, 1)) for _ in range(5)]
    data = [[w.data for w in row] for row in rows]  # as nn.gpt reads each matrix once per forward pass
    plain = weighted_sums(rows, [None] * 4, xs)
    once = weighted_sums(rows, [None] * 4, xs, None, data)
    for a, b in zip(plain, once):
        assert a.data == b.data and a.local_grads == b.local_grads and a.parents == b.parents and a.op == b.op
