"""Check a learner's own backprop: run their function, compare it three ways, diagnose, report.

What it is: `check_backprop(fn)` runs the learner's cost-and-gradient function — a function
object (in a forked copy of this process: in a notebook, the kernel's) or "FILE.py:NAME" /
"FILE.ipynb:NAME" (in a child of `python`: chainrule's interpreter or the learner's own) — in a
`sandbox.Sandbox`, on a small network whose gradient chainrule knows three ways (`problems`), at
λ = 0 and λ = 3. Beside the reference it differentiates their own cost (`owndata.own_cost`). It
diagnoses the fewest classic mistakes (`mistakes`) that give their numbers and returns a report
(`report`): RIGHT, WRONG or NOT CHECKED. `assert_backprop(fn)` raises AssertionError carrying
the report unless it is RIGHT, for the learner's own tests.

The calling conventions (`conventions`): the course's nnCostFunction (any depth), f(theta, sizes,
X, Y, lam), f(thetas, X, Y, lam), f(Theta1, Theta2, X, y, lam), and a one-parameter f(theta) over
the learner's own data (an `OwnDataReport`: `sizes` required). A J-only cost gets its gradient
from `gradient=`. With labels y, a call that raises or returns the wrong shape is retried with
y one-hot (`y="onehot"` chooses it).

The network: without `sizes`, the course's 3-5-3 gradient-check set-up (its sin initialization,
m = 5, labels 1 + (i mod 3)); with `sizes`, Θ's from the course's random initialization and a
random batch of m samples (every class present when m ≥ K), drawn from `seed`.

What it is not: a way to check a network of any size (at most MAX_PARAMETERS Θ entries: the
numerical gradient costs two cost evaluations per entry), nor a security boundary: the learner's
code runs with the user's rights (POSIX systems only: Linux, macOS).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from autograd.args import choice, integer, real, sequence

from .. import matrix
from . import conventions, mistakes
from .conventions import arguments, call_text, detect, fits, layers_of, one_parameter, read_result
from .owndata import check_own, outcome_text, own_cost, sandbox_cost
from .problems import course_problem, network_text, random_problem, reference
from .report import BackpropReport, OwnCost, OwnDataReport, RunReport
from .sandbox import Sandbox

__all__ = [
    "check_backprop",
    "assert_backprop",
    "MAX_PARAMETERS",
    "MAX_SAMPLES",
    "OVERALL_TIMEOUT",
    "MAX_TIMEOUT",
    "MEMORY",
    "REFERENCE_TOLERANCE",
]

MAX_PARAMETERS = 5_000
MAX_SAMPLES = 1_000
REFERENCE_TOLERANCE = 1e-7  # matrix vs engine and vs central differences (ε = 1e-4), before anything is judged
OVERALL_TIMEOUT = 300.0  # seconds for the 2n + 1 calls of central differences of their cost
MAX_TIMEOUT = 86_400.0  # a day: longer limits are typing slips (and overflow the OS's timers)
MEMORY = 4 * 2**30  # bytes of data segment for the child
_WHERE = "check_backprop"


def _check_options(signature, sizes, lams, order, labels, m, seed, activation, output_activation, loss, y):
    if signature is not None:
        choice(signature, _WHERE, "signature", conventions.SIGNATURES)
    choice(order, _WHERE, "order", ("C", "F"))
    integer(labels, _WHERE, "labels", low=0, high=1)
    integer(m, _WHERE, "m", low=1, high=MAX_SAMPLES)
    integer(seed, _WHERE, "seed", low=None)
    choice(activation, _WHERE, "activation", matrix.ACTIVATIONS)
    choice(loss, _WHERE, "loss", matrix.LOSSES)
    if output_activation is not None:
        choice(output_activation, _WHERE, "output_activation", matrix.ACTIVATIONS)
    if y is not None:
        choice(y, _WHERE, "y", ("labels", "onehot"))
    if loss == "cross_entropy" and output_activation not in (None, "sigmoid"):
        raise ValueError(
            f"{_WHERE}: the cross-entropy cost needs outputs in [0, 1], which only a sigmoid output layer gives; "
            f"got output_activation {output_activation!r}"
        )
    lams = [0.0, 3.0] if lams is None else [lams] if isinstance(lams, (int, float)) else lams
    lams = [real(lam, _WHERE, f"lams[{i}]", low=0.0) for i, lam in enumerate(sequence(lams, _WHERE, "lams"))]
    if sizes is not None:
        sizes = [integer(s, _WHERE, f"sizes[{i}]") for i, s in enumerate(sequence(sizes, _WHERE, "sizes"))]
        if len(sizes) < 2:
            raise ValueError(f"{_WHERE}: sizes must list at least 2 layer sizes, got {sizes!r}")
        n = sum((a + 1) * b for a, b in zip(sizes, sizes[1:]))
        if n > MAX_PARAMETERS:
            raise ValueError(
                f"{_WHERE}: sizes {sizes} have {n} Θ entries; a gradient check needs a small network "
                f"(at most {MAX_PARAMETERS}): the numerical gradient costs two cost evaluations per entry "
                f"(for a one-parameter f(theta), 2n + 1 = {2 * n + 1} calls of it; at most {2 * MAX_PARAMETERS + 1})"
            )
    return lams, sizes


def _own_options(sandbox: Sandbox, sizes, given: list[str]) -> None:
    parameter = sandbox.parameters["function"][0][0]
    if sizes is None:
        raise ValueError(
            f"a one-parameter function f({parameter}) runs on your own data: pass its layer sizes "
            "(sizes=[3, 5, 3], --sizes 3,5,3) so chainrule can build θ and name its entries Θ^(l)_{j,i}"
        )
    if given:
        raise ValueError(
            f"{', '.join(given)} do{'es' * (len(given) == 1)} not apply to a one-parameter f({parameter}): it computes "
            "its own cost on its own data with its own λ; to run chainrule's λ's, labels, units or costs, "
            "check f(theta, sizes, X, Y, lam) or the course's nnCostFunction"
        )


def _problem(signature: str, layers: int | None, sizes, m, seed, order, activation, output_activation, loss):
    """The network and batch, with the unrolling order the signature uses (None: lists of matrices)."""
    vector_order = order if signature in ("course", "theta") else None
    labelled = signature in ("course", "separate")
    if signature in ("course", "separate"):
        if activation != "sigmoid" or loss not in ("cross_entropy", "softmax_cross_entropy"):
            raise ValueError(
                f"{_WHERE}: the course's nnCostFunction is sigmoid units with the cross-entropy cost (or a softmax "
                "output: loss='softmax_cross_entropy'); other activations and losses need signature 'theta' or 'thetas'"
            )
        if sizes is not None and layers is not None and len(sizes) != layers + 1:
            raise ValueError(
                f"{_WHERE}: this signature has {layers} Θ's ({layers - 1} hidden layer{'s' * (layers != 2)}): sizes "
                f"must be {layers + 1} numbers (inputs, hidden…, labels), got {list(sizes)}; use signature 'theta' or "
                "'thetas' for other depths"
            )
        if sizes is None and layers not in (None, 2):
            sizes = [3] + [5 - k for k in range(layers - 1)] + [3]
    if sizes is None:
        p = course_problem(order, loss if labelled else "cross_entropy")._replace(order=vector_order)
        if not labelled:  # the course's Θ's and batch, with these units and this cost
            from .problems import default_output

            Y = 2.0 * p.Y - 1.0 if loss == "hinge" else p.Y
            out = default_output(loss, activation, output_activation)
            p = p._replace(labels=None, Y=Y, activation=activation, output_activation=out, loss=loss)
        return p, None
    return random_problem(sizes, m, seed, vector_order, labelled, activation, output_activation, loss), sizes


def _call(sandbox: Sandbox, signature: str, p, thetas, lam, labels, onehot, order):
    """One call (and their gradient function's): (Returned or None, the Outcome that failed or None)."""
    args = arguments(signature, p, thetas, lam, labels, onehot)
    o = sandbox.call(*args)
    if not o.returned:
        return None, o
    grad = None
    if "gradient" in sandbox.targets:
        g = sandbox.call(*args, which="gradient")
        if not g.returned:
            return None, g._replace(message="your gradient function: " + g.message)
        grad = g.value
    return read_result(o.value, signature, p.shapes, order, grad), None


def _run(sandbox, signature, p, lam, ref, labels, onehot, order, budget) -> RunReport:
    start = time.monotonic()
    got, failed = _call(sandbox, signature, p, p.thetas, lam, labels, onehot, order)
    took = time.monotonic() - start
    base = dict(lam=lam, reference_cost=ref.cost, reference=ref.gradients, numerical=ref.numerical)
    if failed is not None:
        return RunReport(**base, kind=failed.kind, problem=outcome_text(failed), cost=None, gradients=None)
    own = None
    if got.problem is None and got.gradients is not None:
        calls = 2 * p.n
        if took * calls > budget:
            own = OwnCost(
                numerical=None,
                epsilon=0.0,
                calls=0,
                float32=got.float32,
                problem=f"{calls} calls would take about {took * calls:.0f} s, over {budget:g} s",
            )
        else:
            cost_at = sandbox_cost(sandbox, signature, p, lam, labels, onehot)
            own = own_cost(cost_at, p.thetas, got.float32, time.monotonic() + budget)
    kind = "returned" if got.problem is None else "unreadable" if got.unreadable else "wrong"
    return RunReport(
        **base,
        kind=kind,
        problem=got.problem,
        cost=got.cost,
        gradients=got.gradients,
        own=own,
        cost_only=got.cost_only,
        float32=got.float32,
    )


def check_backprop(
    fn: Callable | str,
    signature: str | None = None,
    sizes: Sequence[int] | None = None,
    lams: Sequence[float] | None = None,
    order: str = "C",
    labels: int = 0,
    m: int = 5,
    seed: int = 0,
    activation: str = "sigmoid",
    output_activation: str | None = None,
    loss: str = "cross_entropy",
    timeout: float = 10.0,
    overall_timeout: float = OVERALL_TIMEOUT,
    *,
    load_timeout: float = 120.0,
    memory: int = MEMORY,
    python: str | None = None,
    gradient: Callable | str | None = None,
    y: str | None = None,
) -> BackpropReport | OwnDataReport:
    """Run the learner's function `fn` (a callable, "FILE.py:NAME" or "FILE.ipynb:NAME") against the reference.

    `lams`: the λ's to run (default 0 and 3); `timeout`: seconds per call of their function;
    `load_timeout`: seconds to load their file; `overall_timeout`: seconds for the 2n + 1 calls of
    central differences of their cost; `memory`: bytes of data segment their process may use;
    `python`: the interpreter to run a file's function in (their venv's); `gradient`: the
    gradient function of a J-only cost (same arguments, returns grad); `y`: "labels" or "onehot"
    (default: labels, retried one-hot when a call fails with them). A one-parameter f(theta)
    returns an `OwnDataReport` (`sizes` required; `lams`, `labels`, the units and the loss do not apply).

    Raises ValueError (TypeError for a wrong type) for usage mistakes — no such file or function,
    options that do not fit, each naming the argument; anything their code does — raise, hang,
    exit, fork, print, return the wrong thing — ends up in the report instead.
    """
    timeout = real(timeout, _WHERE, "timeout (seconds per call, --timeout)", low=0.0, low_open=True, high=MAX_TIMEOUT)
    load_timeout = real(load_timeout, _WHERE, "load_timeout (--load-timeout)", low=0.0, low_open=True, high=MAX_TIMEOUT)
    overall_timeout = real(overall_timeout, _WHERE, "overall_timeout", low=0.0, low_open=True, high=MAX_TIMEOUT)
    memory = integer(memory, _WHERE, "memory (bytes, --memory)", low=2**26)
    lams_given = lams is not None
    lams, sizes = _check_options(signature, sizes, lams, order, labels, m, seed, activation, output_activation, loss, y)
    options = _Options(signature, sizes, lams, lams_given, order, labels, m, seed, activation, output_activation, loss,
                       overall_timeout, y)  # fmt: skip
    sandbox = Sandbox(fn, gradient=gradient, timeout=timeout, load_timeout=load_timeout, memory=memory, python=python)
    with sandbox:
        report = _check(sandbox, options)
    report.output, report.forks, report.left = sandbox.output, sandbox.forks, sandbox.left
    return report


class _Options(NamedTuple):
    """check_backprop's options, checked."""

    signature: str | None
    sizes: list[int] | None
    lams: list[float]
    lams_given: bool
    order: str
    labels: int
    m: int
    seed: int
    activation: str
    output_activation: str | None
    loss: str
    overall_timeout: float
    y: str | None


def _check(sandbox: Sandbox, o: _Options) -> BackpropReport | OwnDataReport:
    signature, sizes, lams, lams_given, order, labels, m, seed = o[:8]
    activation, output_activation, loss, overall_timeout, y = o[8:]
    common: dict[str, Any] = dict(
        python=sandbox.python if not sandbox.forked else "",
        cells=sandbox.cells,
        gradient_function=getattr(sandbox, "gradient_description", None),
    )
    if sandbox.load_problem is not None:
        problem = sandbox.load_problem
        text = outcome_text(problem) if problem.kind != "died" else problem.message + "\n" + sandbox.output
        sig = signature or "course"
        p, given = _problem(
            sig,
            2,
            sizes if sizes is None or len(sizes) == 3 else None,
            m,
            seed,
            order,
            "sigmoid",
            None,
            "cross_entropy",
        )
        return BackpropReport(
            function=sandbox.description,
            signature=sig,
            detected=None if signature is None else False,
            network=network_text(p, given, seed),
            problem=p,
            load_problem=text,
            load_kind=problem.kind,
            missing=sandbox.missing,
            missing_from=sandbox.missing_from,
            labels_base=labels,
            memory=sandbox.memory,
            **common,
        )
    parameters = sandbox.parameters["function"]
    detected = signature is None
    layers = None
    if signature is None:
        signature, layers = detect(parameters)
    else:
        layers = layers_of(signature, parameters)
    if signature == "theta" and one_parameter(parameters):
        given = {
            "λ (lams=, --lam)": lams_given,
            "labels (--labels)": labels != 0,
            "y (--y)": y is not None,
            "activation (--activation)": activation != "sigmoid",
            "output_activation (--output-activation)": output_activation not in (None, "sigmoid"),
            "loss (--loss)": loss != "cross_entropy",
        }
        _own_options(sandbox, sizes, [k for k, v in given.items() if v])
        return check_own(sandbox, detected, sizes, order, seed, overall_timeout, dict(memory=sandbox.memory, **common))
    if sizes is not None and signature == "separate" and layers is None:
        layers = len(sizes) - 1
    p, given = _problem(signature, layers, sizes, m, seed, order, activation, output_activation, loss)
    layers = len(p.thetas)
    nargs = len(arguments(signature, p, p.thetas, 0.0))
    if not fits(parameters, nargs):
        names = ", ".join(name for name, _ in parameters)
        raise ValueError(
            f"{sandbox.description} takes ({names}), which cannot be called as {call_text(signature, layers)}"
        )
    onehot = y == "onehot"
    onehot_note = ""
    runs, notes = [], []
    for lam in lams:
        ref = reference(p, lam)
        if ref.engine_difference > REFERENCE_TOLERANCE:
            raise RuntimeError(
                f"chainrule's own references disagree: engine vs matrix {ref.engine_difference:.2e} at λ = {lam:g}"
            )
        run = _run(sandbox, signature, p, lam, ref, labels, onehot, order, overall_timeout)
        if not runs and y is None and p.labels is not None and run.kind in ("raised", "wrong"):
            retry = _run(sandbox, signature, p, lam, ref, labels, True, order, overall_timeout)
            if retry.kind == "returned":
                first = (run.problem or "").strip().splitlines()[-1]
                onehot, run = True, retry
                onehot_note = (
                    f"y passed one-hot (m × K): with labels y your function failed ({first}); "
                    "--y onehot (y='onehot') says so from the start"
                )
        runs.append(run)
        notes.append((ref.engine_difference, ref.numerical_difference))
    diagnosis = None
    usable = [r for r in runs if r.compared and r.kind == "returned"]
    if usable and not all(r.ok for r in runs):
        dp = p._replace(labels=None) if onehot else p
        found = [
            mistakes.Run(r.lam, r.cost, matrix.unroll(r.gradients, p.order or "C") if r.gradients is not None else None)
            for r in usable
        ]
        diagnosis = mistakes.diagnose(dp, found, float32=any(r.float32 for r in usable))
    return BackpropReport(
        function=sandbox.description,
        signature=signature,
        detected=detected,
        network=network_text(p, given, seed),
        problem=p,
        runs=runs,
        diagnosis=diagnosis,
        reference_note=_reference_text(notes),
        labels_base=labels,
        onehot=onehot,
        onehot_note=onehot_note,
        layers=layers,
        memory=sandbox.memory,
        **common,
    )


def _reference_text(notes: list[tuple[float, float]]) -> str:
    e = max(n[0] for n in notes)
    d = max(n[1] for n in notes)
    warn = "" if d < REFERENCE_TOLERANCE else "  (central differences disagree: a kink of relu near a test point?)"
    return f"reference: matrix backprop = engine ({e:.1e}) = central differences, ε = 1e-4 ({d:.1e}){warn}"


def assert_backprop(fn: Callable | str, **kwargs: Any) -> BackpropReport | OwnDataReport:
    """`check_backprop(fn, **kwargs)`, raising AssertionError with the whole report unless it is RIGHT."""
    report = check_backprop(fn, **kwargs)
    if not report.ok:
        raise AssertionError("\n" + str(report))
    return report
