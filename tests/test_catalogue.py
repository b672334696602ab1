"""The catalogue of bad inputs: each one, API or command line, in a child process with limits.

Every case runs in a process forked from this one (the packages are imported once, so a case
costs milliseconds), with its address space limited to what it has now plus LIMIT_MEMORY
(resource.setrlimit RLIMIT_AS) and LIMIT_SECONDS of time. Each must end in a clear error of the
right type whose message names the problem (the argument, what it got, what was expected) — or,
where the input is fine after all, in a correct result, checked inside the child. Zero hangs and
zero MemoryErrors: a case that tries to allocate gigabytes hits the memory limit and fails.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import random
import re
import resource
import select
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import nn
from autograd import (
    AnomalyError,
    StaleGraphError,
    Value,
    chain_paths,
    compare,
    count_paths,
    detect_anomaly,
    draw,
    explore,
    mark_changed,
    numerical_grad,
    save,
    total,
    weighted_sum,
)
from autograd.files import write_atomically
from nn import crosscheck
from nn.cli import main as cli_main
from nn.init import debug_matrix, uniform_matrix

LIMIT_SECONDS = 30.0  # a hang, not a slow machine: every case here takes well under a second
LIMIT_MEMORY = 1 << 30  # 1 GiB more than the forked process already maps
NAN = math.nan


@dataclass
class Case:
    """One bad input. `run(tmp)` either raises `error` with a message matching `match`, or (with
    error=None) returns normally, having checked its own result with asserts. A command-line case
    returns (exit code, stdout, stderr) and must exit with `exit` and print `match` on stderr."""

    name: str
    run: Callable[[Path], object]
    error: type[BaseException] | None = None
    match: str = ""
    exit: int | None = None


CASES: list[Case] = []


def bad(name: str, error: type[BaseException], match: str):
    """Decorator: a case that must raise `error` matching `match`."""

    def add(run):
        CASES.append(Case(name, run, error, match))
        return run

    return add


def fine(name: str):
    """Decorator: an input that is right after all; the case asserts the result itself."""

    def add(run):
        CASES.append(Case(name, run))
        return run

    return add


def cli(name: str, argv: list[str], exit: int, match: str) -> None:
    """A command line case: `chainrule argv` must exit with `exit` and say `match` on stderr."""

    def run(tmp: Path):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = cli_main(argv)
            except SystemExit as exc:  # argparse's own errors
                code = exc.code
        return code, out.getvalue(), err.getvalue()

    CASES.append(Case(f"cli: {' '.join(argv)}"[:90] if not name else name, run, None, match, exit))


# ---------------------------------------------------------------- small helpers for the cases


def model(**kw) -> nn.MLP:
    return nn.MLP(2, [3, 1], seed=0, **kw)


def moons(n: int = 10):
    return nn.data.moons(n, seed=0)


def weights_file(tmp: Path, **changes) -> Path:
    doc = json.loads(nn.save(model(), tmp / "w.json").read_text())
    doc.update(changes)
    path = tmp / "w.json"
    path.write_text(json.dumps(doc))
    return path


# ================================================================ the engine: Value and its ops

for label, data, kind in [
    ("a string", "3", "str"),
    ("None", None, "NoneType"),
    ("a list", [1.0], "list"),
    ("a complex", 1j, "complex"),
    ("a bool", True, "bool"),
    ("a numpy array", np.array([1.0, 2.0]), "ndarray"),
]:
    bad(f"Value({label})", TypeError, rf"Value: data must be a real number, got {kind}")(
        lambda tmp, data=data: Value(data)
    )

bad("Value with a non-str label", TypeError, "label must be a str or None, got int: 3")(lambda tmp: Value(1.0, label=3))
bad("Value + str", TypeError, "str")(lambda tmp: Value(1.0) + "2")
bad("Value ** str", TypeError, r"op .\*\*.: exponent must be a real number, got str")(lambda tmp: Value(2.0) ** "2")
bad("Value ** list", TypeError, r"op .\*\*.: exponent must be a real number, got list")(lambda tmp: Value(2.0) ** [2])
bad("log(0)", ValueError, r"op 'log': log\(0.0\) is undefined")(lambda tmp: Value(0.0).log())
bad("log(-1)", ValueError, r"op 'log': log\(-1.0\)")(lambda tmp: Value(-1.0).log())
bad("division by zero", ZeroDivisionError, r"op '/': division by zero \(1.0 / 0.0\)")(lambda tmp: Value(1.0) / 0.0)
bad("0 ** -1", ZeroDivisionError, r"op '\*\*': 0.0 \*\* -1.0")(lambda tmp: Value(0.0) ** -1)
bad("negative base, fractional exponent", ValueError, r"\(-8.0\) \*\* 0.333.* not a real number")(
    lambda tmp: Value(-8.0) ** (1 / 3)
)
bad("negative base ** Value", ValueError, r"op '\*\*': -2.0 \*\* Value\(0.5\) needs a base > 0")(
    lambda tmp: Value(-2.0) ** Value(0.5)
)
bad("exp overflow", OverflowError, r"op 'exp': exp\(1000.0\) overflows")(lambda tmp: Value(1000.0).exp())
bad("pow overflow", OverflowError, r"op '\*\*': 10.0 \*\* 400.0 overflows")(lambda tmp: Value(10.0) ** 400)


@fine("1e-200 / 1e-170 (b² underflows)")
def _(tmp):
    q = Value(1e-200) / Value(1e-170)
    assert math.isclose(q.data, 1e-30, rel_tol=1e-15) and math.isclose(q.local_grads[1], -1e140, rel_tol=1e-15)


@fine("1e200 / 1e200 (b² overflows)")
def _(tmp):
    assert (Value(1e200) / Value(1e200)).local_grads == (1e-200, -1e-200)


@fine("1e-300 ** -1 (the value is a float, the slope is not)")
def _(tmp):
    r = Value(1e-300) ** -1
    assert math.isclose(r.data, 1e300, rel_tol=1e-15) and r.local_grads == (-math.inf,)


@fine("relu(NaN) is NaN")
def _(tmp):
    r = Value(NAN).relu()
    assert math.isnan(r.data) and math.isnan(r.local_grads[0])


@fine("NaN / 0 is NaN")
def _(tmp):
    assert math.isnan((Value(NAN) / 0.0).data)


@fine("a numpy float and a numpy int as data")
def _(tmp):
    assert Value(np.float32(0.5)).data == 0.5 and Value(np.int64(3)).data == 3.0


x = Value(2.0, label="x")
bad(
    "from_op: more local derivatives than parents",
    ValueError,
    "Value.from_op \\(op 'bad'\\): 1 parents but 2 local derivatives",
)(lambda tmp: Value.from_op(1.0, [x], [1.0, 2.0], "bad"))
bad(
    "from_op: a number as a parent",
    TypeError,
    "Value.from_op \\(op 'bad'\\): parents\\[0\\] must be a Value, got float",
)(lambda tmp: Value.from_op(1.0, [3.0], [1.0], "bad"))
bad(
    "from_op: a Value as the parents",
    TypeError,
    "Value.from_op \\(op 'op'\\): parents must be a list of Values, got one Value",
)(lambda tmp: Value.from_op(1.0, x, [1.0], "op"))
bad("from_op: a string output", TypeError, "Value.from_op \\(op 'op'\\): data must be a real number, got str")(
    lambda tmp: Value.from_op("a", [x], [1.0], "op")
)
bad("from_op: a non-str op", TypeError, "from_op: op must be a str .* got int: 3")(
    lambda tmp: Value.from_op(1.0, [x], [1.0], 3)
)
bad(
    "from_op: a string local derivative",
    TypeError,
    "Value.from_op \\(op 'op'\\): a local derivative must be a real number",
)(lambda tmp: Value.from_op(1.0, [x], ["1"], "op"))
bad("weighted_sum: lengths differ", ValueError, "weighted_sum: 1 weights but 2 inputs")(
    lambda tmp: weighted_sum([x], [1.0, 2.0])
)
bad("weighted_sum: numbers as weights", TypeError, "weighted_sum: weights\\[0\\] must be a Value, got float")(
    lambda tmp: weighted_sum([1.0], [2.0])
)
bad("total of nothing", ValueError, "total: needs at least one value")(lambda tmp: total([]))
bad("total of a string", TypeError, "total: values must be a real number, got str")(lambda tmp: total(["a"]))


def doubling_chain(k: int):
    """a₀ = x, aᵢ₊₁ = aᵢ + aᵢ: 2ᵏ paths from x to the root, but k nodes."""
    leaf = Value(1.0, label="x")
    node = leaf
    for _ in range(k):
        node = node + node
    return leaf, node


bad("chain_paths of 2^40 paths", ValueError, r"1099511627776 paths lead from the leaf .*count_paths")(
    lambda tmp: chain_paths(*reversed(doubling_chain(40)))
)


@fine("count_paths of 2^200 paths, exactly, without listing them")
def _(tmp):
    leaf, root = doubling_chain(200)
    assert count_paths(root, [leaf]) == (2**200, 200 * 2**200)


@fine("backward through a 10^5-deep chain")
def _(tmp):
    leaf = Value(0.5)
    node = leaf
    for _ in range(100_000):
        node = node * -1.0
    node.backward()
    assert leaf.grad == 1.0  # (−1)^100000


a, b = Value(3.0, label="a"), Value(2.0, label="b")
prebuilt = a * b
bad("numerical_grad of a prebuilt node", ValueError, "f did not recompute its result from the input 'a'")(
    lambda tmp: numerical_grad(lambda: prebuilt, [a])
)
bad("numerical_grad of a node built from a prebuilt one", ValueError, "a graph built before the input moved")(
    lambda tmp: numerical_grad(lambda: prebuilt * 1.0, [a])
)
bad("numerical_grad eps = 0", ValueError, "numerical_grad: eps must be a finite real number > 0, got 0")(
    lambda tmp: numerical_grad(lambda: a * b, [a], eps=0)
)
bad("numerical_grad eps = 'x'", TypeError, "numerical_grad: eps must be a finite real number > 0, got str")(
    lambda tmp: numerical_grad(lambda: a * b, [a], eps="x")
)
bad("numerical_grad of a function returning a string", TypeError, "f must return a Value or a number, got str")(
    lambda tmp: numerical_grad(lambda: "x", [a])
)
bad("numerical_grad of a number input", TypeError, r"numerical_grad: inputs\[0\] must be a Value, got float")(
    lambda tmp: numerical_grad(lambda: a * b, [1.0])
)
bad("numerical_grad of a non-function", TypeError, "f must be a function of no arguments, got int")(
    lambda tmp: numerical_grad(3, [a])
)
bad("compare: lengths differ", ValueError, r"compare: lengths differ \(2 vs 1\)")(lambda tmp: compare([1, 2], [1]))
bad("compare: nothing", ValueError, "compare: nothing to compare")(lambda tmp: compare([], []))
bad("compare: a string entry", TypeError, r"compare: a\[0\] must be a number, got str")(lambda tmp: compare(["a"], [1]))


@bad("anomaly mode: a NaN input", AnomalyError, r"leaf 'x_2' holds nan: it enters the graph here")
def _(tmp):
    with detect_anomaly():
        model()([0.5, NAN])


@bad("anomaly mode: an overflowing backward", AnomalyError, r"on the edge leaf 'x' → .*overflows")
def _(tmp):
    v = Value(1e-300, label="x")
    r = v * 1e308 + v * 1e308
    with detect_anomaly():
        r.backward()


@bad("backward after optimizer.step()", StaleGraphError, r"built before 'w_.*' changed \(SGD.step\(\) set it")
def _(tmp):
    m = model()
    J = nn.mse([m([0.5, 0.2])], [[1.0]])
    J.backward()
    nn.SGD(m.parameters(), lr=0.5).step()
    J.backward()


bad("mark_changed of a number", TypeError, "mark_changed: values must be Values, got float")(
    lambda tmp: mark_changed([1.0])
)

# ================================================================ drawing and files

bad("draw a number", TypeError, "draw: root must be a Value, got int")(lambda tmp: draw(3))
bad("draw rankdir 'XX'", ValueError, "rankdir must be 'LR' or 'TB', got 'XX'")(lambda tmp: draw(a * b, rankdir="XX"))
bad("draw highlight a number", TypeError, "highlight must be a Value, got int")(lambda tmp: draw(a * b, highlight=3))
bad("draw highlight outside the graph", ValueError, "that Value is not part of this graph")(
    lambda tmp: draw(a * b, highlight=Value(1.0))
)
bad("draw precision 0", ValueError, "precision must be an integer ≥ 1")(lambda tmp: draw(a * b, precision=0))
bad("draw 10^4 nodes", ValueError, r"the graph has 10,00\d nodes .*more than max_nodes=200")(
    lambda tmp: draw(total([Value(float(i)) for i in range(10_000)]))
)


@fine("graphviz escapes and NUL in labels are shown literally")
def _(tmp):
    w = Value(2.0, label="w\\N\\G\\L\x00")
    J = Value.from_op(6.0, [w], [3.0], "op\\N\x01")
    J.label = "z_1^(²)"  # "²" is a digit int() refuses: the layer parser must not crash
    J.backward()
    svg = save(draw(J, highlight=w), tmp / "g.svg").read_text()
    assert "w\\N\\G\\L\\x00" in svg and "op\\N\\x01" in svg and "(²)" in svg


bad("save a graph as .txt", ValueError, r"cannot tell the format of .*g.txt.* from its suffix")(
    lambda tmp: save(draw(a * b), tmp / "g.txt")
)
bad("save a graph into a missing folder", FileNotFoundError, "no directory")(
    lambda tmp: save(draw(a * b), tmp / "nowhere" / "g.svg")
)
bad("write_atomically to a number", TypeError, "path must be a str or os.PathLike, got int")(
    lambda tmp: write_atomically(3, "x")
)
bad("write_atomically a list", TypeError, "data must be bytes, str or a function of a file, got list")(
    lambda tmp: write_atomically(tmp / "f", [1])
)

# ================================================================ networks

for name, make, error, match in [
    (
        "MLP(2.5, [1])",
        lambda: nn.MLP(2.5, [1]),
        TypeError,
        r"MLP: nin \(the number of inputs\) must be an integer ≥ 1, got float: 2\.5",
    ),
    ("MLP(0, [1])", lambda: nn.MLP(0, [1]), ValueError, "nin .* must be an integer ≥ 1, got 0"),
    ("MLP(2, 3)", lambda: nn.MLP(2, 3), ValueError, "nouts must be a non-empty list of layer sizes, e.g. .*got 3"),
    ("MLP(2, [])", lambda: nn.MLP(2, []), ValueError, "nouts must be a non-empty list .* got an empty one"),
    ("MLP(2, '31')", lambda: nn.MLP(2, "31"), ValueError, "nouts must be a non-empty list of layer sizes.*'31'"),
    (
        "MLP(2, [3, -1])",
        lambda: nn.MLP(2, [3, -1]),
        ValueError,
        r"MLP: nouts\[1\] \(a layer size\) must be an integer ≥ 1, got \-1",
    ),
    ("activation 'softplus'", lambda: model(activation="softplus"), ValueError, "unknown activation 'softplus'"),
    ("activation ['relu']", lambda: model(activation=["relu"]), ValueError, r"unknown activation \['relu'\]"),
    ("output_activation 3", lambda: model(output_activation=3), ValueError, "unknown output_activation 3"),
    ("bias 'no'", lambda: model(bias="no"), TypeError, "bias must be True or False, got str: 'no'"),
    ("fused 2", lambda: model(fused=2), TypeError, "fused must be True or False, got int: 2"),
    ("init 'zeros'", lambda: model(init="zeros"), ValueError, "unknown init 'zeros'; valid names: uniform, debug"),
    (
        "epsilon 'big'",
        lambda: model(epsilon="big"),
        TypeError,
        r"MLP: epsilon \(or None\) must be a finite real number > 0, got str: 'big'",
    ),
    (
        "epsilon -1",
        lambda: model(epsilon=-1),
        ValueError,
        r"MLP: epsilon \(or None\) must be a finite real number > 0, got \-1\.0",
    ),
    ("seed [1]", lambda: nn.MLP(2, [1], seed=[1]), TypeError, r"MLP: seed must be an integer ≥ 0, got list: \[1\]"),
    (
        "MLP(100000, [100000])",
        lambda: nn.MLP(100_000, [100_000]),
        ValueError,
        r"10,000,100,000 parameters, more than max_parameters=1,000,000 .*pass max_parameters=10000100000",
    ),
    (
        "Neuron with 2 of 3 weights",
        lambda: nn.Neuron(3, weights=[1.0, 2.0]),
        ValueError,
        "weights: expected 3 numbers, got 2",
    ),
    (
        "Neuron with a string weight",
        lambda: nn.Neuron(2, weights=["a", 1]),
        TypeError,
        r"Neuron: weights\[0\] must be a real number, got str: 'a'",
    ),
    ("Neuron(10^8 inputs)", lambda: nn.Neuron(10**8), ValueError, "a neuron with 100,000,000 inputs would have"),
    (
        "Layer with a short Θ",
        lambda: nn.Layer(2, 2, matrix=[[1, 2, 3]]),
        ValueError,
        r"layer 1: Θ must be a list of 2 rows of 3",
    ),
    (
        "Layer with a short row",
        lambda: nn.Layer(2, 1, matrix=[[1, 2]]),
        ValueError,
        r"Layer: matrix\[0\] \(layer 1's Θ row 0\): expected 3 numbers, got 2",
    ),
]:
    bad(name, error, match)(lambda tmp, make=make: make())


@fine("MLP, Layer, Neuron and draw with NumPy integers")
def _(tmp):
    m = nn.MLP(np.int64(2), [np.int64(3), np.int32(1)], seed=np.int64(4))
    assert m.sizes == [2, 3, 1] and all(type(s) is int for s in m.sizes)
    assert m.layers[0].nin == 2
    layer = nn.Layer(np.int64(2), np.int16(3), seed=np.int64(1))
    assert (layer.nin, layer.nout) == (2, 3) and len(layer([0.5, 0.5])) == 3
    assert nn.Neuron(np.int64(4), seed=np.uint8(2)).nin == 4
    assert draw(m([0.1, 0.2]), precision=np.int64(3)).values > 0


for name, sample, error, match in [
    ("a dict sample", {"a": 1.0, "b": 2.0}, TypeError, "a sample must be a sequence of 2 numbers .*, got dict"),
    ("a dict sample with int keys", {0: 1.0, 1: 2.0}, TypeError, "got dict"),
    ("a set sample", {1.0, 2.0}, TypeError, "got set"),
    ("a string in a sample", [1.0, "b"], TypeError, "a sample must hold numbers, but its entry 1 is str: 'b'"),
    ("a list in a sample", [[1.0], [2.0]], TypeError, "its entry 0 is list"),
    ("three numbers for two inputs", [1.0, 2.0, 3.0], ValueError, "expected 2 inputs, got 3"),
    ("a number as a sample", 1.0, TypeError, "a sample must be a sequence of 2 numbers"),
    ("None as a sample", None, TypeError, "got NoneType"),
]:
    bad(f"model({name})", error, match)(lambda tmp, sample=sample: model()(sample))


@fine("a NumPy array as a sample")
def _(tmp):
    m = model()
    assert m(np.array([0.5, -0.2])).data == m([0.5, -0.2]).data


# ================================================================ losses

v = Value(0.5)
for name, make, error, match in [
    ("mse of nothing", lambda: nn.mse([], []), ValueError, "mse: outputs must be a non-empty list"),
    (
        "mse: 1 output, 2 targets",
        lambda: nn.mse([[v]], [[1.0, 2.0]]),
        ValueError,
        "mse: sample 0 has 1 output but 2 targets",
    ),
    (
        "mse: a string target",
        lambda: nn.mse([[v]], [["a"]]),
        TypeError,
        "mse: targets must be a finite real number, got str: 'a'",
    ),
    (
        "mse: a NaN target",
        lambda: nn.mse([[v]], [[NAN]]),
        ValueError,
        "mse: targets must be a finite real number, got nan",
    ),
    ("mse of empty samples", lambda: nn.mse([[]], [[]]), ValueError, "mse: sample 0 has no outputs"),
    (
        "cross_entropy target 2",
        lambda: nn.cross_entropy([[Value(0.5)]], [[2.0]]),
        ValueError,
        r"cross_entropy: targets must be in \[0, 1\] \(probabilities.*got 2.0",
    ),
    (
        "cross_entropy from_logits 'yes'",
        lambda: nn.cross_entropy([[v]], [[1.0]], from_logits="yes"),
        TypeError,
        "cross_entropy: from_logits must be True or False, got str",
    ),
    (
        "softmax_cross_entropy target -1",
        lambda: nn.softmax_cross_entropy([[v, v]], [[-1.0, 2.0]]),
        ValueError,
        r"softmax_cross_entropy: targets must be in \[0, 1\]",
    ),
    (
        "one sample of 2 outputs passed flat, targets as one row",
        lambda: nn.mse([v, v], [[1.0, 2.0]]),
        ValueError,
        r"mse: 2 samples of outputs but 1 target \(a flat list of outputs is one output per sample; "
        r".*pass \[outputs\]\)",
    ),
    ("mse: a string as targets", lambda: nn.mse([[v]], "1"), ValueError, "mse: targets must be a list .*got str"),
    (
        "mse: a dict as outputs",
        lambda: nn.mse({"a": v}, [1]),
        ValueError,
        "mse: outputs must be a non-empty list .*got dict",
    ),
    (
        "mse: a string output",
        lambda: nn.mse([["x"]], [[1.0]]),
        TypeError,
        "mse: outputs must be a real number, got str",
    ),
    (
        "mse: 2 samples, 1 target",
        lambda: nn.mse([[v], [v]], [[1.0]]),
        ValueError,
        "mse: 2 samples of outputs but 1 target",
    ),
    (
        "cross_entropy of 1.5",
        lambda: nn.cross_entropy([[Value(1.5)]], [[1]]),
        ValueError,
        r"outputs must be in \[0, 1\] .*got 1.5",
    ),
    ("hinge target 0.5", lambda: nn.hinge([[v]], [[0.5]]), ValueError, "hinge: targets must be -1 or \\+1, got 0.5"),
    (
        "l2 of a list of floats",
        lambda: nn.l2([1.0], 0.1, 1),
        TypeError,
        r"l2: model_or_weights\[0\] must be a Value, got float",
    ),
    ("l2 of a number", lambda: nn.l2(5, 0.1, 1), TypeError, "l2: model_or_weights must be a list of Values, got int"),
    ("l2 lam -1", lambda: nn.l2(model(), -1, 5), ValueError, "l2: lam must be a finite real number ≥ 0, got -1"),
    ("l2 lam 'a'", lambda: nn.l2(model(), "a", 5), TypeError, "l2: lam must be a finite real number ≥ 0, got str"),
    (
        "l2 m 0",
        lambda: nn.l2(model(), 0.1, 0),
        ValueError,
        r"l2: m \(the number of samples\) must be an integer ≥ 1, got 0",
    ),
    ("l2 without lam and m", lambda: nn.l2([1.0]), TypeError, "missing 2 required positional arguments: 'lam' and 'm'"),
    (
        "loss 'nope'",
        lambda: nn.get_loss("nope"),
        ValueError,
        "get_loss: name \\(the loss\\) must be one of 'mse', 'cross_entropy', .*got str: 'nope'",
    ),
]:
    bad(name, error, match)(lambda tmp, make=make: make())


@fine("hinge of a NaN output is NaN, not a perfect 0")
def _(tmp):
    J = nn.hinge([[Value(NAN)], [Value(2.0)]], [[1.0], [1.0]])
    assert math.isnan(J.data) and math.isnan(J.local_grads[0]) and J.local_grads[1] == 0.0


@fine("cross_entropy of a NaN output is NaN")
def _(tmp):
    assert math.isnan(nn.cross_entropy([[Value(NAN)]], [[1.0]]).data)


@fine("l2 with m a NumPy integer")
def _(tmp):
    m = model()
    R = nn.l2(m, 0.5, np.int64(4))
    assert math.isclose(R.data, 0.5 / 8 * sum(w.data**2 for w in m.weights()), rel_tol=1e-15)


# ================================================================ optimizers

ps = model().parameters()
for name, make, error, match in [
    ("SGD(model)", lambda: nn.SGD(model(), lr=0.1), TypeError, r"for a model pass model.parameters\(\)"),
    ("SGD([])", lambda: nn.SGD([], lr=0.1), ValueError, "SGD: no parameters to optimize"),
    ("SGD([1.0])", lambda: nn.SGD([1.0]), TypeError, r"SGD: params\[0\] must be a Value, got float"),
    ("SGD(Value)", lambda: nn.SGD(Value(1.0)), TypeError, "SGD: params must be a list of Values, got Value"),
    (
        "SGD lr 'fast'",
        lambda: nn.SGD(ps, lr="fast"),
        TypeError,
        r"SGD: lr must be a finite real number > 0, got str: 'fast'",
    ),
    ("SGD lr 0", lambda: nn.SGD(ps, lr=0), ValueError, r"SGD: lr must be a finite real number > 0, got 0\.0"),
    ("SGD lr NaN", lambda: nn.SGD(ps, lr=NAN), ValueError, r"SGD: lr must be a finite real number > 0, got nan"),
    (
        "SGD momentum 1",
        lambda: nn.SGD(ps, momentum=1.0),
        ValueError,
        r"SGD: momentum must be a finite real number ≥ 0 and < 1, got 1\.0",
    ),
    (
        "SGD momentum '0.9'",
        lambda: nn.SGD(ps, momentum="0.9"),
        TypeError,
        r"SGD: momentum must be a finite real number ≥ 0 and < 1, got str: '0\.9'",
    ),
    ("SGD of a parameter twice", lambda: nn.SGD([ps[0], ps[0]]), ValueError, "a parameter is listed twice"),
    ("Adam betas 0.9", lambda: nn.Adam(ps, betas=0.9), TypeError, r"Adam: betas must be a pair of numbers"),
    (
        "Adam betas (0.9, 1)",
        lambda: nn.Adam(ps, betas=(0.9, 1.0)),
        ValueError,
        r"Adam: betas\[1\] must be a finite real number ≥ 0 and < 1, got 1\.0",
    ),
    ("Adam eps 0", lambda: nn.Adam(ps, eps=0), ValueError, r"Adam: eps must be a finite real number > 0, got 0\.0"),
]:
    bad(name, error, match)(lambda tmp, make=make: make())

# ================================================================ training

X10, y10 = moons(10)
for name, make, error, match in [
    (
        "fit(optimizer='adam')",
        lambda: nn.fit(model(), X10, y10, optimizer="adam"),
        TypeError,
        r"fit: optimizer must be an nn.Optimizer, e.g. nn.Adam\(.*got str: 'adam'",
    ),
    (
        "fit: 10 samples, 9 labels",
        lambda: nn.fit(model(), X10, y10[:9]),
        ValueError,
        "fit: 10 samples in X but 9 labels in y",
    ),
    ("fit epochs 0", lambda: nn.fit(model(), X10, y10, epochs=0), ValueError, "epochs must be an integer ≥ 1, got 0"),
    (
        "fit epochs 2.5",
        lambda: nn.fit(model(), X10, y10, epochs=2.5),
        TypeError,
        "fit: epochs must be an integer ≥ 1, got float: 2.5",
    ),
    (
        "fit batch_size 0",
        lambda: nn.fit(model(), X10, y10, batch_size=0),
        ValueError,
        r"fit: batch_size \(or None\) must be an integer ≥ 1, got 0",
    ),
    (
        "fit loss 'nope'",
        lambda: nn.fit(model(), X10, y10, loss="nope"),
        ValueError,
        "fit: loss must be one of 'mse'.*got str: 'nope'",
    ),
    (
        "fit lam -1",
        lambda: nn.fit(model(), X10, y10, lam=-1),
        ValueError,
        "fit: lam must be a finite real number ≥ 0, got -1",
    ),
    ("fit log 3", lambda: nn.fit(model(), X10, y10, log=3, verbose=True), TypeError, "fit: log must be a function"),
    ("fit a string model", lambda: nn.fit("model", X10, y10), TypeError, "fit: model must be an nn.MLP, got str"),
    ("fit X = 5", lambda: nn.fit(model(), 5, y10), TypeError, "fit: X must be a sequence of samples .*got int"),
    (
        "fit a dict sample",
        lambda: nn.fit(model(), [{"a": 1, "b": 2}], [1]),
        TypeError,
        r"fit: X\[0\] \(a sample\) must be a sequence of numbers, got dict",
    ),
    (
        "fit string labels",
        lambda: nn.fit(model(), X10, ["a"] * 10),
        TypeError,
        r"fit: y\[0\] \(a label or target\) must be a finite real number, got str: 'a'",
    ),
    (
        "fit class 5 of 3",
        lambda: nn.fit(nn.MLP(2, [3]), X10, y10 + 5),
        ValueError,
        r"fit: label 0 is 5: with 3 outputs, labels are classes 0..2",
    ),
    (
        "fit a NaN label of 3 classes",
        lambda: nn.fit(nn.MLP(2, [3]), X10, [NAN] * 10),
        ValueError,
        r"fit: y\[0\] \(a label or target\) must be a finite real number, got nan",
    ),
    (
        "fit another model's optimizer",
        lambda: nn.fit(model(), X10, y10, optimizer=nn.SGD(model().parameters())),
        ValueError,
        "the optimizer holds none of the model's parameters",
    ),
    (
        "fit a loss returning a float",
        lambda: nn.fit(model(), X10, y10, loss=lambda o, t: 3.0),
        TypeError,
        "fit: the loss function returned float, not a Value",
    ),
    (
        "accuracy: 10 samples, 5 labels",
        lambda: nn.accuracy(model(), X10, y10[:5]),
        ValueError,
        "accuracy: 10 samples in X but 5 labels in y",
    ),
    (
        "accuracy of a string model",
        lambda: nn.accuracy("m", X10, y10),
        TypeError,
        "accuracy: model must be an nn.MLP, got str",
    ),
    ("predict of X = None", lambda: nn.predict(model(), None), TypeError, "predict: X must be a sequence of samples"),
]:
    bad(name, error, match)(lambda tmp, make=make: make())


@fine("fit with NumPy integers for epochs and batch_size")
def _(tmp):
    history = nn.fit(model(), X10, y10, epochs=np.int64(2), batch_size=np.int32(5))
    assert len(history) == 2 and all(math.isfinite(e.loss) for e in history)


@fine("accuracy counts a NaN prediction as wrong")
def _(tmp):
    m = nn.MLP(1, [1], activation="linear", seed=0)
    m.layers[0].neurons[0].w[0].data = NAN
    assert nn.accuracy(m, [[1.0], [2.0]], [1, 0]) == 0.0


# ================================================================ saving and loading


@bad("save(path, model): swapped", TypeError, r"save: the arguments are swapped: the call is nn.save\(model, path\)")
def _(tmp):
    nn.save(str(tmp / "w.json"), model())


bad("save to the path 3", TypeError, "save: path must be a str or os.PathLike, got int")(
    lambda tmp: nn.save(model(), 3)
)


@bad("save a NaN weight", ValueError, r"save: parameter w_1,2\^\(1\) \(layers.0.neurons.0.w.1\) is nan")
def _(tmp):
    m = model()
    m.layers[0].neurons[0].w[1].data = NAN
    nn.save(m, tmp / "w.json")


@bad("load 200 bytes claiming 10^10 weights", ValueError, r"Θ\^\(1\) should be 100000 × 100001, the file has 3 × 3")
def _(tmp):
    path = weights_file(tmp, sizes=[100_000, 100_000, 1])
    assert path.stat().st_size < 1000
    nn.load(path)


@bad("load sizes [2, 10^8] with small thetas", ValueError, r"Θ\^\(1\) should be 100000000 × 3")
def _(tmp):
    nn.load(weights_file(tmp, sizes=[2, 100_000_000, 1]))


bad("load version 3", ValueError, r"version 3 of the weights format; this chainrule reads versions 1 and 2")(
    lambda tmp: nn.load(weights_file(tmp, version=3))
)
bad("load no version", ValueError, "version None of the weights format")(
    lambda tmp: nn.load(weights_file(tmp, version=None))
)
bad("load bias 'no'", ValueError, "\"bias\" must be true or false, the file has 'no'")(
    lambda tmp: nn.load(weights_file(tmp, bias="no"))
)
bad("load fused 1", ValueError, '"fused" must be true or false, the file has 1')(
    lambda tmp: nn.load(weights_file(tmp, fused=1))
)
bad("load sizes ['a', 1]", ValueError, '"sizes" must be a list of at least two integers ≥ 1')(
    lambda tmp: nn.load(weights_file(tmp, sizes=["a", 1]))
)
bad(
    "load activation 'softplus'",
    ValueError,
    "\"activation\" must be one of sigmoid, tanh, relu, linear, the file has 'softplus'",
)(lambda tmp: nn.load(weights_file(tmp, activation="softplus")))
bad("load a Θ row of strings", ValueError, r"Θ\^\(1\) row 1 holds 'a', not a number")(
    lambda tmp: nn.load(weights_file(tmp, thetas=[[["a", 1, 2]] * 3, [[0, 1, 2, 3]]]))
)


@bad("load an integer weight too large for a float", ValueError, r"Θ\^\(1\) row 1 holds 1000000.*, not a finite float")
def _(tmp):
    path = weights_file(tmp)
    doc = json.loads(path.read_text())
    doc["thetas"][0][0][0] = 10**400  # JSON has integers of any size; a float does not
    path.write_text(json.dumps(doc))
    nn.load(path)


@bad("load a NaN weight", ValueError, r"Θ\^\(2\) row 1 holds nan, not a finite float")
def _(tmp):
    nn.load(weights_file(tmp, thetas=[[[0.1, 0.2, 0.3]] * 3, [[NAN, 1, 2, 3]]]))


@bad("load non-UTF-8 bytes", ValueError, r"not a chainrule weights file \(not UTF-8 text: byte 0xff at offset 0\)")
def _(tmp):
    (tmp / "w.json").write_bytes(b"\xff\xfe{}")
    nn.load(tmp / "w.json")


@bad("load absurd nesting", ValueError, "not a chainrule weights file .*(nested too deeply|invalid JSON)")
def _(tmp):
    (tmp / "w.json").write_text("[" * 200_000 + "]" * 200_000)
    nn.load(tmp / "w.json")


@bad("load an integer of 5,000 digits", ValueError, r"not a chainrule weights file \(invalid JSON")
def _(tmp):
    (tmp / "w.json").write_text('{"format": "chainrule-mlp", "x": ' + "9" * 5000 + "}")
    nn.load(tmp / "w.json")


@bad("load not JSON", ValueError, r"not a chainrule weights file \(invalid JSON")
def _(tmp):
    (tmp / "w.json").write_text("{not json")
    nn.load(tmp / "w.json")


@bad("load a JSON list", ValueError, 'not a chainrule weights file \\(no "format": "chainrule"\\)')
def _(tmp):
    (tmp / "w.json").write_text("[1, 2]")
    nn.load(tmp / "w.json")


bad("load a missing file", FileNotFoundError, "nope.json")(lambda tmp: nn.load(tmp / "nope.json"))
bad("load a folder", IsADirectoryError, "")(lambda tmp: nn.load(tmp))
bad("load the path 3", TypeError, "load: path must be a str or os.PathLike, got int")(lambda tmp: nn.load(3))
bad("load_weights into a string", TypeError, "load_weights: expected an nn.MLP or nn.GPT to fill, got str")(
    lambda tmp: nn.load_weights("model", weights_file(tmp))
)


@fine("save through a symlink writes the link's target")
def _(tmp):
    (tmp / "real").mkdir()
    target = tmp / "real" / "w.json"
    target.write_text("old")
    link = tmp / "link.json"
    link.symlink_to(target)
    m = model()
    nn.save(m, link)
    assert link.is_symlink() and nn.load(target).sizes == [2, 3, 1]
    assert sorted(os.listdir(tmp / "real")) == ["w.json"]


@fine("a leftover temp file from a killed save confuses nothing")
def _(tmp):
    (tmp / ".w.json.k1ll3d.tmp").write_text('{"format": "chainrule-mlp", "half')
    m = model()
    nn.save(m, tmp / "w.json")
    back = nn.load(tmp / "w.json")
    assert [p.data for p in back.parameters()] == [p.data for p in m.parameters()]
    nn.save(back, tmp / "w.json")  # and a second save beside it
    assert sorted(os.listdir(tmp)) == [".w.json.k1ll3d.tmp", "w.json"]


# ================================================================ data

for name, make, error, match in [
    (
        "blobs(std=-1)",
        lambda: nn.data.blobs(std=-1),
        ValueError,
        r"blobs: std must be a finite real number ≥ 0, got \-1\.0",
    ),
    (
        "moons(1)",
        lambda: nn.data.moons(1),
        ValueError,
        r"moons: n \(the number of samples\) must be an integer ≥ 2, got 1",
    ),
    ("moons(10^12)", lambda: nn.data.moons(10**12), ValueError, r"n = 1,000,000,000,000 samples is more than"),
    (
        "moons(noise='x')",
        lambda: nn.data.moons(100, noise="x"),
        TypeError,
        r"moons: noise must be a finite real number ≥ 0, got str: 'x'",
    ),
    (
        "moons(noise=NaN)",
        lambda: nn.data.moons(100, noise=NAN),
        ValueError,
        r"moons: noise must be a finite real number ≥ 0, got nan",
    ),
    ("moons(seed=-1)", lambda: nn.data.moons(100, seed=-1), ValueError, "seed must be an integer ≥ 0, got -1"),
    (
        "circles(factor=2)",
        lambda: nn.data.circles(10, factor=2),
        ValueError,
        r"circles: factor must be a finite real number > 0 and < 1, got 2\.0",
    ),
    ("spirals(classes=1)", lambda: nn.data.spirals(10, classes=1), ValueError, "classes must be an integer ≥ 2, got 1"),
    (
        "blobs(centers='3')",
        lambda: nn.data.blobs(10, centers="3"),
        TypeError,
        r"blobs: centers must be an integer ≥ 2, got str: '3'",
    ),
]:
    bad(name, error, match)(lambda tmp, make=make: make())


@fine("data sets with NumPy integer sizes")
def _(tmp):
    X, y = nn.data.spirals(np.int64(12), classes=np.int64(3), seed=np.int64(1))
    assert X.shape == (12, 2) and sorted(set(y.tolist())) == [0, 1, 2]


# ================================================================ cross-checks and initializers

for name, make, error, match in [
    (
        "cross_check 1000,1000",
        lambda: crosscheck.cross_check([1000, 1000]),
        ValueError,
        r"1,001,000 parameters, more than max_parameters=10,000: .*pass max_parameters=1001000",
    ),
    (
        "cross_check m = 10^9",
        lambda: crosscheck.cross_check([3, 5, 3], m=10**9),
        ValueError,
        r"m = 1,000,000,000 samples × 38 parameters",
    ),
    (
        "cross_check sizes [3, 0]",
        lambda: crosscheck.cross_check([3, 0]),
        ValueError,
        r"cross_check: sizes\[1\] \(a layer size\) must be an integer ≥ 1, got 0",
    ),
    (
        "cross_check seed -1",
        lambda: crosscheck.cross_check([2, 2], seed=-1),
        ValueError,
        "seed must be an integer ≥ 0, got -1",
    ),
    (
        "uniform_matrix 10^6 × 10^6",
        lambda: uniform_matrix(10**6, 10**6, random.Random(0)),
        ValueError,
        r"entries, more than max_entries=10,000,000",
    ),
    (
        "uniform_matrix rng 3",
        lambda: uniform_matrix(2, 2, 3),
        TypeError,
        r"rng must be a random.Random \(e.g. random.Random\(0\)\), got int",
    ),
]:
    bad(name, error, match)(lambda tmp, make=make: make())


for name, make in [
    ("matrix.random_thetas of 10¹⁰ entries", lambda: nn.matrix.random_thetas([100000, 100000])),
    ("matrix.debug_thetas of 10¹⁰ entries", lambda: nn.matrix.debug_thetas([100000, 100000])),
]:
    bad(name, ValueError, r"10,000,100,000 Θ entries, more than max_entries=10,000,000 .*pass max_entries=")(
        lambda tmp, make=make: make()
    )


@fine("matrix.train and explore take NumPy integers")
def _(tmp):
    thetas, history = nn.matrix.train(nn.matrix.debug_thetas([2, 2, 1]), [[0.1, 0.2]], [[1.0]], epochs=np.int64(2))
    assert len(history) == 2 and history[1] < history[0]
    page = explore(Value(2.0) * 3.0, path_limit=np.int64(4), max_nodes=np.int64(10))
    assert "window.chainrule" in page.html


@fine("debug_matrix of NumPy integers")
def _(tmp):
    assert debug_matrix(np.int64(2), np.int64(1)) == debug_matrix(2, 1)


# ================================================================ the command line

cli(
    "",
    ["graph", "--sizes", "99999999999999999999,1"],
    2,
    r"100,000,000,000,000,000,000 parameters, more than --max-parameters 100,000 .*pass --max-parameters 1",
)
cli("", ["explore", "--sizes", "400,300,1"], 2, r"120,601 parameters, more than --max-parameters 100,000")
cli("", ["graph", "--sizes", "300,300", "--max-parameters", "0"], 2, "expected an integer ≥ 1, got '0'")
cli(
    "",
    ["check", "--sizes", "1000,1000"],
    2,
    r"1,001,000 parameters, more than max_parameters=10,000: .*--max-parameters 1001000 to go past it",
)
cli("", ["check", "--sizes", "3,5,3", "--m", "100000000"], 2, r"100,000,000 samples × 38 parameters .*--max-parameters")
cli("", ["check", "--max-parameters", "0"], 2, "expected an integer ≥ 1, got '0'")
cli("", ["check", "--seed", "-1"], 2, "seed must be an integer ≥ 0, got -1")
cli("", ["check", "--lam", "-1"], 2, "--lam must be ≥ 0")
cli("", ["check", "--loss", "cross_entropy", "--output-activation", "relu"], 2, "needs outputs in \\[0, 1\\]")
cli("", ["check", "--activation", "bogus"], 2, "invalid choice: 'bogus'")
cli("", ["graph", "--sizes", "2,x"], 2, "layer sizes must be integers separated by commas, got '2,x'")
cli("", ["graph", "--sizes", "0,1"], 2, "need at least two layer sizes ≥ 1")
cli("", ["graph", "-o", "out.txt"], 2, "cannot tell the format from the suffix")
cli("", ["graph", "--highlight", "nope"], 2, "--highlight: no parameter called 'nope'")
cli("", ["graph", "--sample", "1,2,3"], 2, "--sample has 3 numbers but the network takes 2")
cli("", ["graph", "--sample", "1,a"], 2, "expected numbers separated by commas, got '1,a'")
cli("", ["graph", "-o", "/nonexistent/dir/g.svg"], 2, "no directory")
cli("", ["graph", "--sizes", "300,300"], 2, r"more than --max-nodes 200")
cli("", ["graph", "--max-nodes", "0"], 2, "expected an integer ≥ 1, got '0'")
cli("", ["demo", "--epochs", "0"], 2, "argument --epochs: expected an integer ≥ 1, got '0'")
cli("", ["demo", "--out", "/proc/version"], 2, "argument -o/--out: /proc/version is a file, not a folder")
cli("", ["digits", "--lr", "1e300", "--lam", "inf"], 2, "argument --lam: expected a finite real number ≥ 0, got 'inf'")
cli("", ["digits", "--seed", "0.5"], 2, r"argument --seed: expected an integer ≥ 0 and ≤ 4294967295, got '0\.5'")
cli("", ["nosuchcommand"], 2, "invalid choice: 'nosuchcommand'")
cli("", ["check", "--course"], 0, "")
cli("", ["graph", "-o", "g.svg"], 0, "")


# ================================================================ the runner


def _limit_memory(extra: int) -> None:
    """Cap this process's address space at what it maps now plus `extra` bytes."""
    with open("/proc/self/status") as f:
        vm = next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmSize:"))
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = vm + extra if hard == resource.RLIM_INFINITY else min(vm + extra, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def run_in_child(case: Case, tmp: Path, seconds: float = LIMIT_SECONDS) -> dict:
    """Fork, run the case under the limits, and report what happened as a dict."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        os.close(read)
        try:
            os.chdir(tmp)
            _limit_memory(LIMIT_MEMORY)
            result = case.run(tmp)
            report = {"outcome": "returned", "value": result if case.exit is not None else None}
        except BaseException as exc:  # noqa: BLE001 — everything is reported to the parent
            report = {"outcome": "raised", "types": [c.__name__ for c in type(exc).__mro__], "message": str(exc)}
        try:
            data = json.dumps(report, default=repr).encode()
        except Exception as exc:  # noqa: BLE001
            data = json.dumps({"outcome": "unreportable", "message": repr(exc)}).encode()
        with os.fdopen(write, "wb") as pipe:
            pipe.write(data)
        os._exit(0)
    os.close(write)
    deadline = time.monotonic() + seconds
    chunks = []
    with os.fdopen(read, "rb", buffering=0) as pipe:
        while True:
            remaining = deadline - time.monotonic()
            ready = select.select([pipe], [], [], max(remaining, 0))[0] if remaining > 0 else []
            if not ready:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return {"outcome": "hang"}
            chunk = pipe.read(1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    _, status = os.waitpid(pid, 0)
    if not chunks:
        return {"outcome": "died", "status": status}
    return json.loads(b"".join(chunks))


def test_the_runner_catches_a_memory_error_and_a_hang(tmp_path):
    # what an unbounded input would do: the limits turn it into a report, not a stuck or swapping machine
    grab = run_in_child(Case("grab 4 GiB", lambda tmp: bytearray(4 << 30)), tmp_path)
    assert grab["outcome"] == "raised" and "MemoryError" in grab["types"]
    hang = run_in_child(Case("sleep", lambda tmp: time.sleep(60)), tmp_path, seconds=1.0)
    assert hang == {"outcome": "hang"}


def test_the_catalogue_is_large_and_covers_the_api_and_the_command_line():
    names = [c.name for c in CASES]
    assert len(names) == len(set(names)), "case names must be unique"
    assert len(CASES) >= 100
    assert sum(c.exit is not None for c in CASES) >= 15  # command lines
    assert sum(c.error is None and c.exit is None for c in CASES) >= 15  # inputs that are fine after all


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_catalogue(case: Case, tmp_path: Path):
    report = run_in_child(case, tmp_path)
    outcome = report["outcome"]
    assert outcome not in ("hang", "died"), f"{case.name}: {outcome} ({report})"
    if outcome == "raised":
        types, message = report["types"], report["message"]
        assert "MemoryError" not in types, f"{case.name}: MemoryError: {message}"
        assert case.error is not None and case.exit is None, f"{case.name}: raised {types[0]}: {message}"
        assert case.error.__name__ in types, f"{case.name}: raised {types[0]}, not {case.error.__name__}: {message}"
        assert len(message) > 10 and re.search(case.match, message), (
            f"{case.name}: the message does not say {case.match!r}: {message}"
        )
        return
    assert case.error is None, f"{case.name}: returned instead of raising {case.error.__name__}"
    if case.exit is not None:
        code, out, err = report["value"]
        assert "Traceback" not in err and "MemoryError" not in err, f"{case.name}: {err}"
        assert code == case.exit, f"{case.name}: exit {code}, want {case.exit}; stderr: {err}"
        if case.exit:  # one line of error (after argparse's usage, for its own errors)
            last = err.strip().splitlines()[-1]
            assert last.startswith("chainrule") and re.search(case.match, last), f"{case.name}: {err}"
