"""A learner's notebook checked as it is (nn.grader.notebook): the cells that define what the function uses
run, never one that calls it or an optimizer; the report lists what ran.

`tests/learners/exercise4.ipynb` is a small notebook written here the way learners write theirs: magics,
a data file that is not there, plots, a call of the function, an optimizer and a training loop.
"""

from __future__ import annotations

import json

import pytest

from nn.grader import check_backprop
from nn.grader.notebook import read_cells, select
from tests.grader_helpers import LEARNERS, chainrule_check, learner

NOTEBOOK = learner("exercise4", suffix=".ipynb")


def _ran(cells: list[str], name: str) -> list[str]:
    """The names the statements `select` picks bind, once run."""
    ns: dict = {}
    for _, code in select(cells, name).statements:
        exec(code, ns)
    return sorted(k for k in ns if not k.startswith("__"))


def test_the_names_a_function_uses_are_found_transitively():
    cells = [
        "import math\nimport os.path\nfrom json import dumps as D",
        "RATE = 2.0\nUNUSED = open('/nonexistent/file')",
        "def helper(x):\n    return math.sqrt(x) * RATE",
        "def f(x, k=RATE):\n    local = helper(x)\n    return local + k",
        "print(f(4))\nf(9)",
    ]
    # running the picked statements does not open the missing file: only RATE's statement of cell 2 runs
    assert _ran(cells, "f") == ["RATE", "f", "helper", "math"]
    sel = select(cells, "f")
    assert sel.found and [n for n, _ in sel.statements] == [1, 2, 3, 4]
    assert not select(cells, "g").found


def test_cells_calling_the_function_or_an_optimizer_never_run():
    cells = [
        "import numpy as np\n%matplotlib inline\n!pip install x",
        "def cost(t):\n    return float(np.sum(t ** 2)), 2 * t",
        "J, g = cost(np.ones(3))  # a call: not run",
        "from scipy.optimize import minimize\nres = minimize(cost, np.ones(3), jac=True)",
        "def train(t):\n    for _ in range(10):\n        t = t - cost(t)[1]\n    return t\nt = train(np.ones(3))",
        "for epoch in range(3):\n    J, g = cost(np.ones(3))",
    ]
    sel = select(cells, "cost")
    assert [n for n, _ in sel.statements] == [1, 2]
    text = "\n".join(sel.cells)
    assert "code cell 1: ran import numpy as np" in text and "code cell 2: ran def cost" in text
    for n, calls in ((3, "cost"), (4, "minimize"), (5, "train"), (6, "cost")):
        assert f"code cell {n}: not run" in text and f"(calls {calls})" in text
    assert _ran(cells, "cost") == ["cost", "np"]


def test_a_cell_that_does_not_parse_is_listed_and_skipped():
    sel = select(["def f(:\n  pass", "def f(x):\n    return x"], "f")
    assert "code cell 1: not run (it does not parse" in sel.cells[-1] and [n for n, _ in sel.statements] == [2]


def test_read_cells_reads_the_notebook_as_json(tmp_path):
    cells = read_cells(str(LEARNERS / "exercise4.ipynb"))
    raw = json.loads((LEARNERS / "exercise4.ipynb").read_text())
    assert len(cells) == sum(c["cell_type"] == "code" for c in raw["cells"]) == 9
    bad = tmp_path / "bad.ipynb"
    bad.write_text("not json")
    with pytest.raises(ValueError, match="is not a notebook"):
        read_cells(str(bad))


def test_a_learners_notebook_is_checked_through_the_command_line():
    r = chainrule_check("--function", NOTEBOOK)
    assert r.returncode == 0, r.stdout + r.stderr
    out = r.stdout
    for line in (
        "code cell 1: ran import numpy as np",  # not matplotlib, nor the package the function does not need
        "code cell 3: ran SMALL = 0.0",  # a global of the function
        "code cell 4: ran def sigmoid; def sigmoidGradient",  # sigmoidGradient, and sigmoid through it
        "code cell 5: ran def nnCostFunction",
        "code cell 5: not run: J, grad = nnCostFunction(np.z... (calls nnCostFunction)",
        "code cell 7: not run: res = optimize.minimize(nnCos... (calls minimize)",
        "code cell 8: not run: theta = train(initial, 100) (calls train)",
    ):
        assert line in out
    assert "code cell 2" not in out and "verdict: RIGHT" in out  # the data file is not needed, never opened


def test_a_notebook_with_a_mistake_and_a_missing_name(tmp_path):
    nb = json.loads((LEARNERS / "exercise4.ipynb").read_text())
    for cell in nb["cells"]:
        src = "".join(cell["source"])
        if "def sigmoidGradient" in src:
            cell["source"] = src.replace("return g * (1 - g)", "return np.ones_like(g)")  # the Intuition notes' δ
        if "SMALL = 0.0" in src:
            cell["source"] = "input_layer_size = 3\n"  # SMALL now defined nowhere
    mine = tmp_path / "mine.ipynb"
    mine.write_text(json.dumps(nb))
    report = check_backprop(f"{mine}:nnCostFunction")
    assert report.verdict == "NOT CHECKED" and "NameError: name 'SMALL' is not defined" in str(report)
    assert "mine.ipynb, code cell 5" in str(report)  # the traceback names the cell
    for cell in nb["cells"]:
        if "".join(cell["source"]) == "input_layer_size = 3\n":
            cell["source"] = "SMALL = 0.0\n"
    mine.write_text(json.dumps(nb))
    report = check_backprop(f"{mine}:nnCostFunction")
    assert report.verdict == "WRONG" and report.diagnosis.gradient == {"no_gprime"}


def test_a_notebook_without_the_function_is_a_usage_error():
    with pytest.raises(ValueError, match=r"has no function 'nnCost'"):
        check_backprop(learner("exercise4", "nnCost", suffix=".ipynb"))


def test_a_misspelt_name_lists_the_notebooks_functions_as_for_a_file(tmp_path):
    cells = [
        "%matplotlib inline\nimport numpy as np",
        "def sigmoid(z):\n    return 1 / (1 + np.exp(-z))",
        "def nnCostFunction(nn_params, X, y):\n    def inner(a):\n        return a\n"
        "    return sigmoid(X).sum(), nn_params",
        "def train(X, y):\n    return minimize(nnCostFunction, X)\n\nclass Net:\n    def forward(self):\n        pass",
    ]
    nb = {"cells": [{"cell_type": "code", "source": c} for c in cells], "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "mine.ipynb").write_text(json.dumps(nb))
    (tmp_path / "mine.py").write_text("\n\n".join(c for c in cells if not c.startswith("%")).replace("\n\n", "\n\n\n"))
    listed = "(functions defined there: nnCostFunction, sigmoid, train)"  # top-level defs: not inner, not forward
    for suffix in (".ipynb", ".py"):
        r = chainrule_check("--function", f"{tmp_path / 'mine'}{suffix}:nncostfunction")
        assert r.returncode == 2 and r.stdout == "", r.stdout + r.stderr
        assert (
            r.stderr
            == f"chainrule check: error: {tmp_path / 'mine'}{suffix} has no function 'nncostfunction' {listed}\n"
        )
