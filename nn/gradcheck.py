"""Check a learner's own backprop: which entry is wrong, in the network's terms, and which mistake made it.

What it is: `check_backprop(fn)` runs the learner's cost-and-gradient function (in a child process,
see `nn.sandbox`) on a small network whose gradient chainrule knows three ways — the matrix
implementation, the scalar engine and central differences — at λ = 0 and λ = 3, and returns a
`BackpropReport`: their cost against the reference; per Θ^(l) the largest difference, the
course's relative difference ‖a − b‖/‖a + b‖ and ok / WRONG; the worst entries named as the
course and Jordan's post name them (Θ^(2)_{1,3}: to neuron 1 of layer 3 from neuron 3 of layer 2;
column 0 is the bias); and a diagnosis, the fewest classic mistakes (`nn.mistakes`) whose
gradient and cost equal theirs at every λ, each in plain words with the line of the formula to
fix. `assert_backprop(fn)` raises an AssertionError carrying that report, for the learner's tests.

Three signatures (`signature=None` detects it from the number of parameters):

    course   nnCostFunction(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_)
             → (J, grad): the Python port of the course's exercise; Θ's unrolled row-major
             (np.concatenate([Theta1.ravel(), Theta2.ravel()])) or column-major (order="F");
             y labels in 0..K−1 (the port's) or 1..K (labels=1); X without the bias column
    theta    f(theta, sizes, X, Y, lam) → (J, grad): any depth, unrolled as above; Y one-hot m × K
             (the extra arguments are what scipy.optimize.minimize(f, theta0, args=…, jac=True) passes)
             or f(theta) → (J, grad): one parameter (the only one without a default), a closure over
             the learner's own X, y and λ; `sizes` required (to split θ into the Θ^(l) and name entries)
    thetas   f(thetas, X, Y, lam) → (J, grads): lists of Θ^(l) matrices, s_{l+1} × (s_l + 1)

The one-parameter f(theta) runs on data chainrule does not have, so it cannot know the right cost
nor run the mistakes on it: its gradient is checked against central differences of its own cost
(2n + 1 calls for n Θ entries, each in the child with the time limit, all within
`overall_timeout`) at θ from the course's random initialization for `sizes` and `seed`, and the
report (an `OwnDataReport`) says that naming the mistake needs the data: the five-parameter form
or the course's signature.

The network: without `sizes`, the course's 3-5-3 gradient-check set-up (its sin initialization,
m = 5, labels 1 + (i mod 3)); with `sizes`, Θ's from the course's random initialization and a
random batch of m samples (every class present when m ≥ K), drawn from `seed`.

What it is not: a way to check a network of any size (at most MAX_PARAMETERS Θ entries: the
numerical gradient costs two cost evaluations per entry), nor a sandbox against hostile code.
"""

from __future__ import annotations

import math
import textwrap
import time
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from . import matrix, mistakes
from .convert import mlp_from_thetas
from .crosscheck import course_data, engine_backprop
from .mistakes import MISTAKES, Diagnosis, Problem, Run
from .sandbox import Outcome, Sandbox

__all__ = [
    "check_backprop",
    "assert_backprop",
    "BackpropReport",
    "OwnDataReport",
    "RunReport",
    "LayerRow",
    "Entry",
    "course_problem",
    "random_problem",
    "entry_name",
    "SIGNATURES",
    "MAX_PARAMETERS",
    "TOLERANCE",
    "OWN_TOLERANCE",
    "OVERALL_TIMEOUT",
]

SIGNATURES = ("course", "theta", "thetas")
MAX_PARAMETERS = 5_000
MAX_SAMPLES = 1_000
TOLERANCE = 1e-9  # the course's bar for ‖a − b‖/‖a + b‖
ABS_FLOOR = 1e-12  # a layer whose every entry is within this of the reference is right whatever the ratio says
REFERENCE_TOLERANCE = 1e-7  # matrix vs engine and vs central differences (ε = 1e-4), before anything is judged
WIDTH = 100
EPSILON = 1e-4  # the course's ε for central differences
OWN_TOLERANCE = 1e-7  # theirs vs central differences of their own cost: as accurate as those are (about 1e-10 here)
OWN_ABS_FLOOR = 1e-10  # × max(1, |J|): central differences' rounding is about 1e-16 |J| / ε ≈ 1e-12 |J|
OVERALL_TIMEOUT = 300.0  # seconds for the 2n + 1 calls of a one-parameter f(theta)

_CALLS = {
    "course": "(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_) → (J, grad)",
    "theta": "(theta, sizes, X, Y, lam) → (J, grad)",
    "theta1": "(theta) → (J, grad)",
    "thetas": "(thetas, X, Y, lam) → (J, grads)",
}
_NARGS = {"course": 7, "theta": 5, "thetas": 4}


# ---------------------------------------------------------------- names and networks


def entry_name(layer: int, j: int, i: int) -> tuple[str, str]:
    """("Θ^(l)_{j,i}", "to neuron j of layer l+1 from neuron i of layer l"); i = 0 is the bias."""
    source = f"the bias of layer {layer}" if i == 0 else f"neuron {i} of layer {layer}"
    return f"Θ^({layer})_{{{j},{i}}}", f"to neuron {j} of layer {layer + 1} from {source}"


def _sizes_text(shapes: Sequence[tuple[int, int]]) -> str:
    return " + ".join(f"{r}×{c}" for r, c in shapes)


def course_problem(order: str = "C") -> Problem:
    """The course's checkNNGradients set-up: 3-5-3, the sin initialization, m = 5, labels 1 + (i mod 3)."""
    thetas, X, Y = course_data()
    return Problem(thetas, X, Y, labels=Y.argmax(axis=1), order=order)


def random_problem(
    sizes: Sequence[int],
    m: int = 5,
    seed: int = 0,
    order: str | None = "C",
    labels: bool = False,
    activation: str = "sigmoid",
    output_activation: str | None = None,
    loss: str = "cross_entropy",
) -> Problem:
    """Θ's from the course's random initialization (uniform in ±√6/√(s_l + s_{l+1})), X uniform in
    [−1, 1], one-hot targets whose classes cycle through 0..K−1 in a shuffled order."""
    sizes = list(sizes)
    thetas = matrix.random_thetas(sizes, seed=seed)
    rng = np.random.default_rng(seed + 1)
    X = rng.uniform(-1.0, 1.0, size=(m, sizes[0]))
    k = sizes[-1]
    classes = rng.permutation(np.arange(m) % k)
    Y = np.eye(k)[classes]
    if loss == "hinge":
        Y = 2.0 * Y - 1.0
    out = output_activation or ("sigmoid" if loss == "cross_entropy" else activation)
    return Problem(thetas, X, Y, classes if labels else None, order, activation, out, loss)


# ---------------------------------------------------------------- the report


class LayerRow(NamedTuple):
    """One Θ^(l): their gradient against the reference (or against central differences of their cost)."""

    layer: int
    shape: tuple[int, int]
    max_abs: float
    relative: float
    tolerance: float = TOLERANCE
    floor: float = ABS_FLOOR

    @property
    def ok(self) -> bool:
        return self.relative < self.tolerance or self.max_abs < self.floor


class Entry(NamedTuple):
    """One entry of ∂J/∂Θ^(layer): row j (1-based: neuron j of layer+1), column i (0: the bias).
    `reference` is None for a one-parameter f(theta): on the learner's own data there is none."""

    layer: int
    j: int
    i: int
    theirs: float
    reference: float | None
    numerical: float

    @property
    def name(self) -> str:
        return entry_name(self.layer, self.j, self.i)[0]

    @property
    def meaning(self) -> str:
        return entry_name(self.layer, self.j, self.i)[1]


class RunReport(NamedTuple):
    """One λ: what came back (`problem` says why it could not be used), and the comparison."""

    lam: float
    problem: str | None
    cost: float | None
    reference_cost: float
    gradients: list[np.ndarray] | None  # theirs, in the Θ shapes
    reference: list[np.ndarray]  # the matrix implementation's (= the engine's)
    numerical: list[np.ndarray]  # central differences, ε = 1e-4

    @property
    def cost_ok(self) -> bool:
        return self.cost is not None and mistakes._same_cost(self.cost, self.reference_cost)

    @property
    def layers(self) -> list[LayerRow]:
        if self.gradients is None:
            return []
        return [
            LayerRow(l, R.shape, float(np.max(np.abs(G - R))), matrix.relative_difference([G], [R]))
            for l, (G, R) in enumerate(zip(self.gradients, self.reference), start=1)
        ]

    @property
    def gradient_ok(self) -> bool:
        return self.gradients is not None and all(r.ok for r in self.layers)

    @property
    def ok(self) -> bool:
        return self.problem is None and self.cost_ok and self.gradient_ok

    def worst(self, n: int = 5) -> list[Entry]:
        """The n entries where theirs is farthest from the reference."""
        if self.gradients is None:
            return []
        found = []
        for l, (G, R, N) in enumerate(zip(self.gradients, self.reference, self.numerical), start=1):
            for (r, c), d in np.ndenumerate(np.abs(G - R)):
                found.append((d, Entry(l, r + 1, c, float(G[r, c]), float(R[r, c]), float(N[r, c]))))
        found.sort(key=lambda t: -t[0])
        return [e for d, e in found[:n] if d > 0.0]


class BackpropReport:
    """The result of `check_backprop`: print it; `ok` is the verdict; `diagnosis.mistakes` the keys."""

    def __init__(
        self,
        function: str,
        signature: str,
        detected: bool | None,
        network: str,
        problem: Problem,
        runs: list[RunReport],
        diagnosis: Diagnosis | None,
        reference_note: str,
        load_problem: str | None = None,
        output: str = "",
        labels_base: int = 0,
    ) -> None:
        self.function = function
        self.signature = signature
        self.detected = detected
        self.network = network
        self.problem = problem
        self.runs = runs
        self.diagnosis = diagnosis
        self.reference_note = reference_note
        self.load_problem = load_problem
        self.output = output
        self.labels_base = labels_base

    @property
    def ok(self) -> bool:
        return self.load_problem is None and bool(self.runs) and all(r.ok for r in self.runs)

    @property
    def mistakes(self) -> frozenset[str]:
        """The keys of the mistakes the diagnosis found (empty when right or when nothing matched)."""
        return self.diagnosis.mistakes if self.diagnosis is not None else frozenset()

    def __repr__(self) -> str:
        verdict = "right" if self.ok else "wrong"
        found = ", ".join(sorted(self.mistakes)) or "-"
        lams = ", ".join(f"{r.lam:g}" for r in self.runs)
        return f"BackpropReport({self.function}, {self.signature}, λ = {lams}: {verdict}; mistakes: {found})"

    # -- the text, one screen for a 3-5-3 network

    def __str__(self) -> str:
        how = {True: "detected", False: "given", None: "assumed"}[self.detected]
        lines = [f"chainrule check: {self.function}, signature {self.signature} ({how})"]
        lines.append(f"  called as {_CALLS[self.signature]}")
        layout = []
        if self.problem.order:
            what = "nn_params and grad" if self.signature == "course" else "theta and grad"
            major = "row" if self.problem.order == "C" else "column"
            layout.append(f"{what} unrolled {major}-major (order {self.problem.order})")
        if self.problem.labels is not None:
            layout.append(f"y in {self.labels_base}..{'K−1' if self.labels_base == 0 else 'K'}")
        if layout:
            lines.append("  " + "; ".join(layout))
        lines.append(self.network)
        if self.reference_note:
            lines.append(self.reference_note)
        if self.load_problem is not None:
            lines.append("your file could not be loaded:")
            lines += _indent(self.load_problem, "  ")
        else:
            lines.append("")
            lines += self._runs_text()
            worst = self._worst_run()
            if worst is not None:
                lines.append("")
                lines += self._worst_text(worst)
            diagnosis = self._diagnosis_text()
            lines += [""] + diagnosis if diagnosis else []
        if self.output.strip():
            printed = self.output.strip().splitlines()
            first = printed[0] if len(printed[0]) <= 60 else printed[0][:57] + "..."
            lines.append(f"(your code printed {len(printed)} line{'s' * (len(printed) != 1)}; the first: {first!r})")
        lams = " and ".join(f"{r.lam:g}" for r in self.runs) or "-"
        if self.ok:
            lines.append(f"verdict: RIGHT — cost and gradient agree with the reference at λ = {lams}")
        else:
            lines.append("verdict: WRONG — " + self._verdict_reason())
        return "\n".join(lines)

    def _verdict_reason(self) -> str:
        if self.load_problem is not None:
            return "your file did not load"
        if any(r.problem for r in self.runs):
            return "your function did not return a usable (J, grad)"
        grad_ok = all(r.gradient_ok for r in self.runs)
        cost_ok = all(r.cost_ok for r in self.runs)
        if grad_ok and not cost_ok:
            return "your gradient is right but your cost is not"
        if cost_ok:
            return "your cost is right but your gradient is not"
        return "your gradient and your cost differ from the reference"

    def _runs_text(self) -> list[str]:
        lines = []
        seen: dict[str, float] = {}
        for r in self.runs:
            head = f"λ = {r.lam:<4g}"
            if r.problem is not None:
                if r.problem in seen:
                    lines.append(f"{head} the same as at λ = {seen[r.problem]:g}")
                    continue
                seen[r.problem] = r.lam
                text = r.problem.splitlines()
                if len(text) > 14:
                    text = text[:2] + ["  …"] + text[-11:]
                lines.append(f"{head} {text[0]}")
                lines += ["         " + t for t in text[1:]]
                continue
            verdict = "ok" if r.cost_ok else "WRONG"
            lines.append(f"{head} cost      theirs {r.cost:<15.10f} reference {r.reference_cost:<15.10f} {verdict}")
            for row in r.layers:
                shape = f"{row.shape[0]}×{row.shape[1]}"
                lines.append(
                    f"{'':9}Θ^({row.layer}) {shape:<6} max |diff| {row.max_abs:9.3e}   "
                    f"‖diff‖/‖sum‖ {row.relative:9.3e}   {'ok' if row.ok else 'WRONG'}"
                )
        return lines

    def _worst_run(self) -> RunReport | None:
        wrong = [r for r in self.runs if r.gradients is not None and not r.gradient_ok]
        if not wrong:
            return None
        return max(wrong, key=lambda r: max(row.max_abs for row in r.layers))

    def _worst_text(self, run: RunReport) -> list[str]:
        entries = run.worst(5)
        w = max(len(e.meaning) for e in entries) + 1
        lines = [f"the entries farthest from the reference, at λ = {run.lam:g}:"]
        lines.append(f"  {'entry':<13}{'':{w}}{'theirs':>12}{'reference':>12}{'numerical':>12}")
        for e in entries:
            lines.append(f"  {e.name:<13}{e.meaning:<{w}}{e.theirs:>12.4e}{e.reference:>12.4e}{e.numerical:>12.4e}")
        return lines

    def _diagnosis_text(self) -> list[str]:
        d = self.diagnosis
        usable = [r for r in self.runs if r.problem is None]
        if not usable:
            return self._problem_hints()
        grad_ok = all(r.gradient_ok for r in usable)
        cost_ok = all(r.cost_ok for r in usable)
        lams = " and ".join(f"{r.lam:g}" for r in usable)
        if grad_ok and cost_ok:
            return []
        lines = []
        described: set[str] = set()
        if not grad_ok:
            if d is not None and d.gradient:
                n = len(d.gradient)
                lines.append(
                    f"diagnosis: your gradient is exactly what {'this mistake' if n == 1 else f'these {n} mistakes'}"
                    f" give{'s' if n == 1 else ''} (at λ = {lams}):"
                )
                lines += _describe(d.gradient, self.problem, described)
            elif d is not None and d.gradient == frozenset():
                lines.append("diagnosis: your gradient is within 1e-7 of the reference but not within the course's")
                lines.append("  1e-9: float32 arithmetic, or a tiny constant (an ε) added somewhere?")
            else:
                lines.append(
                    f"diagnosis: no classic mistake, nor a combination of them, gives your gradient (λ = {lams})."
                )
                lines += _where(usable)
        if not cost_ok:
            head = "your cost" if grad_ok else "and your cost"
            extra = d.cost - described if d is not None and d.cost is not None else None
            if grad_ok:
                lines.append("diagnosis: your gradient is right; your cost is not (a cost-only mistake).")
            if d is not None and d.cost is not None and not extra:
                lines.append(f"  {head}: explained by the same mistake{'s' * (len(described) > 1)}.")
            elif extra:
                lines.append(
                    f"  {head} is exactly what {'this' if len(extra) == 1 else 'these'} give{'s' * (len(extra) == 1)}:"
                )
                lines += _describe(extra, self.problem, described)
            else:
                ratios = {f"{r.cost / r.reference_cost:.4g}" for r in usable if r.reference_cost and r.cost is not None}
                lines.append(
                    f"  {head}: no classic mistake gives it"
                    + (f" (theirs / reference = {ratios.pop()})" if len(ratios) == 1 else ".")
                )
        elif not grad_ok:
            lines.append("  your cost is right.")
        return lines

    def _problem_hints(self) -> list[str]:
        text = " ".join(r.problem or "" for r in self.runs)
        lines = ["diagnosis: fix what your function returns (above) first; then run the check again."]
        if "IndexError" in text and self.problem.labels is not None:
            other = 1 - self.labels_base
            lines.append(
                f"  hint: y holds {self.labels_base}..{'K−1' if self.labels_base == 0 else 'K'} here; if your code"
                f" expects {other}..{'K−1' if other == 0 else 'K'} (labels off by one), check with --labels {other}"
            )
        return lines


def _indent(text: str, prefix: str) -> list[str]:
    return [prefix + line for line in text.splitlines()]


_MERGED = [
    (
        {"grad_no_m", "grad_reg_no_m"},
        "no 1/m anywhere in the gradient: ∂J/∂Θ = Δ + λΘ",
        "∂J/∂Θ^(l) = (1/m) Δ^(l) + (λ/m) Θ^(l)  (bias column without the penalty)",
    ),
    (
        {"cost_no_m", "cost_reg_no_m"},
        "the cost is not divided by m at all: J = Σ_t Σ_k [...] + (λ/2) Σ Θ²",
        "J = −(1/m) Σ_t Σ_k [y log h + (1 − y) log(1 − h)] + (λ/2m) Σ Θ²",
    ),
]


def _describe(keys: frozenset[str], p: Problem, described: set[str]) -> list[str]:
    """Each mistake once, in words and with its fix, wrapped to the report's width."""
    keys = set(keys) - described
    items = []
    if {"read_order", "write_order"} <= keys:
        want = "row" if p.order == "C" else "column"
        other, flag = ("column", "F") if p.order == "C" else ("row", "C")
        items.append(
            (
                f"your function reads the Θ's and unrolls the gradient {other} by {other} (order='{flag}'), "
                f"consistently; this check unrolls {want} by {want}",
                f"if your optimizer unrolls that way too, check with --order {flag}; else use order='{p.order}'",
            )
        )
        keys -= {"read_order", "write_order"}
        described |= {"read_order", "write_order"}
    for group, what, fix in _MERGED:
        if group <= keys:
            items.append((what, fix))
            keys -= group
            described |= group
    for k in MISTAKES:
        if k in keys:
            mk = MISTAKES[k]
            fix = mk.fix
            if k in ("read_order", "write_order") and p.order == "F":
                fix = fix.replace("row-major", "column-major, order='F'").replace(
                    ".reshape(s2, s1 + 1)", ".reshape(s2, s1 + 1, order='F')"
                )
            items.append((mk.what, fix))
            described.add(k)
    lines = []
    for what, fix in items:
        lines += textwrap.wrap(what, WIDTH, initial_indent="  • ", subsequent_indent="    ")
        lines += textwrap.wrap(fix, WIDTH, initial_indent="    fix: ", subsequent_indent="         ")
    return lines


def _ratio(a: np.ndarray, b: np.ndarray) -> float | None:
    """c when a = c·b (to rounding), else None."""
    bb = float(np.sum(b * b))
    if not bb:
        return None
    c = float(np.sum(a * b)) / bb
    return c if c and mistakes._same_vector(np.ravel(a), c * np.ravel(b)) else None


def _where(runs: list[RunReport]) -> list[str]:
    """Where their gradient differs, when no mistake explains it: layers, λ, columns, ratios."""
    lines = ["  where it differs:"]
    runs = [r for r in runs if r.gradients is not None]
    L = len(runs[0].reference)
    wrong_layers = []
    for l in range(1, L + 1):
        bad = [r for r in runs if not r.layers[l - 1].ok]
        if not bad:
            lines.append(f"    Θ^({l}) agrees at every λ")
            continue
        wrong_layers.append(l)
        at = " and ".join(f"{r.lam:g}" for r in bad)

        def close(r, cols, i=l - 1):
            return np.allclose(r.gradients[i][:, cols], r.reference[i][:, cols], rtol=1e-7, atol=ABS_FLOOR)

        if all(close(r, slice(1, None)) for r in bad):
            where = "only in its bias column (column 0)"
        elif all(close(r, slice(0, 1)) for r in bad):
            where = "only in its weight columns (the bias column agrees)"
        else:
            where = "in its bias and weight columns"
        ratios = [(r.lam, _ratio(r.gradients[l - 1], r.reference[l - 1])) for r in bad]
        found = [(lam, c) for lam, c in ratios if c is not None]
        if found and len(found) == len(ratios) and len({f"{c:.6g}" for _, c in found}) == 1:
            where += f": {found[0][1]:.6g} × the reference"
        elif found:
            where += "; " + ", ".join(f"{c:.6g} × the reference at λ = {lam:g}" for lam, c in found)
        lines.append(f"    Θ^({l}) differs at λ = {at}, {where}")
    if wrong_layers and max(wrong_layers) < L:
        last = max(wrong_layers)
        lines.append(
            f"    Θ^({last + 1}) onwards is right (so is δ^({last + 2})): look at δ^({last + 1}) and at "
            f"∂J/∂Θ^({last}) = δ^({last + 1}) (a^({last}))ᵀ"
        )
    if all(r.lam > 0 for r in runs if not r.gradient_ok) and any(r.lam == 0 for r in runs):
        lines.append("    only with λ > 0: look at the penalty terms (λ/m)Θ^(l), bias column excluded")
    return [w for line in lines for w in textwrap.wrap(line, WIDTH, subsequent_indent="      ")]


# ---------------------------------------------------------------- calling and reading their function


def _one_parameter(parameters: list[tuple[str, bool]] | None) -> bool:
    """f(theta), or f(theta, X=X, …): only the first parameter without a default (a closure over their data)."""
    return (
        parameters is not None
        and bool(parameters)
        and [d for _, d in parameters].count(False) == 1
        and (not parameters[0][1])
    )


def _detect(parameters: list[tuple[str, bool]] | None) -> str:
    if parameters is None:
        return "course"
    if _one_parameter(parameters):
        return "theta"
    n = len(parameters)
    for sig in ("course", "theta", "thetas"):
        if n == _NARGS[sig]:
            return sig
    names = ", ".join(name for name, _ in parameters)
    raise ValueError(
        f"the function takes {n} parameter{'s' * (n != 1)} ({names}); the check calls "
        f"{_CALLS['course']} [course], {_CALLS['theta']} or {_CALLS['theta1']} [theta] or "
        f"{_CALLS['thetas']} [thetas]: pass --signature (signature=) if it takes those under other names"
    )


def _fits(parameters: list[tuple[str, bool]] | None, nargs: int) -> bool:
    if parameters is None:
        return True
    required = sum(not d for _, d in parameters)
    return required <= nargs <= len(parameters)


def _arguments(signature: str, p: Problem, lam: float, labels_base: int) -> tuple:
    """Fresh copies for one call: their code may write into what it is given."""
    order = p.order or "C"
    if signature == "course":
        s1, s2, k = p.thetas[0].shape[1] - 1, p.thetas[0].shape[0], p.thetas[1].shape[0]
        y = np.asarray(p.labels, dtype=int) + labels_base
        return (matrix.unroll(p.thetas, order), s1, s2, k, p.X.copy(), y, lam)
    sizes = [p.thetas[0].shape[1] - 1] + [T.shape[0] for T in p.thetas]
    if signature == "theta":
        return (matrix.unroll(p.thetas, order), sizes, p.X.copy(), p.Y.copy(), lam)
    return ([T.copy() for T in p.thetas], p.X.copy(), p.Y.copy(), lam)


def _what(x: Any) -> str:
    if isinstance(x, np.ndarray):
        return f"an array of shape {x.shape}"
    return f"a {type(x).__name__}"


def _read_cost(value: Any) -> tuple[float | None, str | None]:
    """(J, None) from a returned pair (J, grad), J possibly not finite; or (None, what is wrong)."""
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        n = f" of {len(value)} items" if isinstance(value, (tuple, list)) else ""
        return None, f"it returned {_what(value)}{n}; expected a pair (J, grad)"
    J = value[0]
    try:
        Ja = np.asarray(J, dtype=float)
    except (TypeError, ValueError):
        return None, f"J is {_what(J)}, not a number"
    if Ja.size != 1:
        return None, f"J is {_what(J)}; expected one number (the cost)"
    return float(Ja.reshape(())), None


def _read_result(
    value: Any, signature: str, shapes: Sequence[tuple[int, int]], order: str | None
) -> tuple[float | None, list[np.ndarray] | None, str | None]:
    """(J, their gradient as Θ-shaped matrices, None) or (…, None, what is wrong with what they returned)."""
    cost, problem = _read_cost(value)
    if problem is not None:
        return None, None, problem
    grad = value[1]
    n = sum(r * c for r, c in shapes)
    if signature == "thetas":
        if not isinstance(grad, (tuple, list)) or len(grad) != len(shapes):
            count = f" of {len(grad)}" if isinstance(grad, (tuple, list)) else ""
            return cost, None, f"grads is {_what(grad)}{count}; expected a list of {len(shapes)} matrices, one per Θ"
        mats = []
        for l, (G, shape) in enumerate(zip(grad, shapes), start=1):
            try:
                G = np.asarray(G, dtype=float)
            except (TypeError, ValueError):
                return cost, None, f"the gradient of Θ^({l}) is {_what(G)}, not numbers"
            if G.shape != shape:
                hint = " (transposed?)" if G.shape == shape[::-1] else ""
                return (
                    cost,
                    None,
                    (
                        f"the gradient of Θ^({l}) has shape {'×'.join(map(str, G.shape))}, expected "
                        f"{shape[0]}×{shape[1]} = s_{l + 1} × (s_{l} + 1){hint}"
                    ),
                )
            mats.append(G)
    else:
        try:
            g = np.asarray(grad, dtype=float)
        except (TypeError, ValueError):
            return cost, None, f"grad is {_what(grad)}, not numbers"
        if g.size != n:
            return cost, None, f"grad has {g.size} entries, expected {n} = {_sizes_text(shapes)}"
        if g.ndim > 1 and sorted(g.shape)[-1] != n:
            return cost, None, f"grad has shape {g.shape}, expected a vector of {n} = {_sizes_text(shapes)}"
        mats = matrix.reroll(g.ravel(), shapes, order or "C")
    bad = [(l, r, c) for l, G in enumerate(mats, start=1) for (r, c), v in np.ndenumerate(G) if not np.isfinite(v)]
    if bad:
        names = ", ".join(entry_name(l, r + 1, c)[0] for l, r, c in bad[:4]) + (", …" if len(bad) > 4 else "")
        return cost, None, f"the gradient has {len(bad)} non-finite entr{'y' if len(bad) == 1 else 'ies'}: {names}"
    if not math.isfinite(cost):
        return None, mats, f"J is {cost}"
    return cost, mats, None


# ---------------------------------------------------------------- the check


def _reference(p: Problem, lam: float) -> tuple[float, list[np.ndarray], list[np.ndarray], float, float]:
    kw = dict(activation=p.activation, output_activation=p.output_activation, loss=p.loss, lam=lam)
    res = matrix.backprop(p.thetas, p.X, p.Y, **kw)
    num = matrix.numerical_gradients(p.thetas, p.X, p.Y, eps=1e-4, **kw)
    mlp = mlp_from_thetas(p.thetas, p.activation, p.output_activation)
    _, engine, _ = engine_backprop(mlp, p.X, p.Y, p.loss, lam)
    return (
        res.cost,
        res.gradients,
        num,
        matrix.relative_difference(engine, res.gradients),
        matrix.relative_difference(num, res.gradients),
    )


def _check_options(signature, sizes, lams, order, labels, m, seed, activation, output_activation, loss) -> list[float]:
    if signature is not None and signature not in SIGNATURES:
        raise ValueError(f"signature must be one of {', '.join(SIGNATURES)} (or None to detect it), got {signature!r}")
    if order not in ("C", "F"):
        raise ValueError(
            f"order must be 'C' (row-major, the Python port's) or 'F' (column-major, MATLAB's), got {order!r}"
        )
    if labels not in (0, 1) or isinstance(labels, bool):
        raise ValueError(f"labels must be 0 (y in 0..K−1, the port's) or 1 (y in 1..K, MATLAB's), got {labels!r}")
    if isinstance(m, bool) or not isinstance(m, (int, np.integer)) or not 1 <= m <= MAX_SAMPLES:
        raise ValueError(f"m must be an integer from 1 to {MAX_SAMPLES}, got {m!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"seed must be an integer, got {seed!r}")
    for what, name, valid in (("activation", activation, matrix.ACTIVATIONS), ("loss", loss, matrix.LOSSES)):
        if name not in valid:
            raise ValueError(f"unknown {what} {name!r}; valid names: {', '.join(valid)}")
    if output_activation is not None and output_activation not in matrix.ACTIVATIONS:
        raise ValueError(f"unknown output_activation {output_activation!r}; valid: {', '.join(matrix.ACTIVATIONS)}")
    if loss == "cross_entropy" and output_activation not in (None, "sigmoid"):
        raise ValueError(
            f"the cross-entropy cost needs outputs in [0, 1], which only a sigmoid output layer gives; "
            f"got output_activation {output_activation!r}"
        )
    lams = [0.0, 3.0] if lams is None else [lams] if isinstance(lams, (int, float)) else list(lams)
    if not lams:
        raise ValueError("lams must list at least one λ")
    for lam in lams:
        if isinstance(lam, bool) or not isinstance(lam, (int, float)) or not (math.isfinite(lam) and lam >= 0):
            raise ValueError(f"each λ must be a finite number ≥ 0, got {lam!r}")
    if sizes is not None:
        sizes = list(sizes)
        if len(sizes) < 2 or any(isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 1 for s in sizes):
            raise ValueError(f"sizes must list at least 2 layer sizes, each an integer ≥ 1, got {sizes!r}")
        n = sum((a + 1) * b for a, b in zip(sizes, sizes[1:]))
        if n > MAX_PARAMETERS:
            raise ValueError(
                f"sizes {sizes} have {n} Θ entries; a gradient check needs a small network "
                f"(at most {MAX_PARAMETERS}): the numerical gradient costs two cost evaluations per entry "
                f"(for a one-parameter f(theta), 2n + 1 = {2 * n + 1} calls of it; at most {2 * MAX_PARAMETERS + 1})"
            )
    return [float(x) for x in lams]


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
) -> BackpropReport | OwnDataReport:
    """Run the learner's function `fn` (a callable or "FILE.py:NAME") and compare it with the reference.

    `lams`: the λ's to run (default λ = 0 and 3); `timeout`: seconds per call of their function;
    `overall_timeout`: seconds for all 2n + 1 calls of a one-parameter f(theta), which returns an
    `OwnDataReport` (`sizes` required; `lams`, `labels`, the units and the loss do not apply).
    ValueError for usage mistakes (no such file or function, options that do not fit); anything
    their code does — raise, hang, exit, return the wrong thing — ends up in the report instead.
    """
    if not (isinstance(overall_timeout, (int, float)) and overall_timeout > 0):
        raise ValueError(f"overall_timeout must be a number of seconds > 0, got {overall_timeout!r}")
    lams_given = lams is not None
    lams = _check_options(signature, sizes, lams, order, labels, m, seed, activation, output_activation, loss)
    sandbox = Sandbox(fn, timeout)
    with sandbox:
        if sandbox.load_problem is not None:
            sig = signature or "course"
            p = course_problem(order) if sizes is None else random_problem(sizes, m, seed, order, sig == "course")
            note = _network_text(p, sizes, seed)
            return BackpropReport(
                sandbox.description, sig, None if signature is None else False, note, p, [], None, "",
                _outcome_text(sandbox.load_problem), sandbox.output, labels,
            )  # fmt: skip
        detected = signature is None
        signature = signature or _detect(sandbox.parameters)
        if signature == "theta" and _one_parameter(sandbox.parameters):
            given = {
                "λ (lams=, --lam)": lams_given,
                "labels (--labels)": labels != 0,
                "activation (--activation)": activation != "sigmoid",
                "output_activation (--output-activation)": output_activation not in (None, "sigmoid"),
                "loss (--loss)": loss != "cross_entropy",
            }
            _check_own_options(sandbox.parameters[0][0], sizes, [k for k, v in given.items() if v])
            return _check_own(sandbox, detected, sizes, order, seed, overall_timeout)
        if not _fits(sandbox.parameters, _NARGS[signature]):
            names = ", ".join(name for name, _ in sandbox.parameters)
            raise ValueError(f"{sandbox.description} takes ({names}), which cannot be called as {_CALLS[signature]}")
        if signature == "course":
            if activation != "sigmoid" or loss != "cross_entropy" or output_activation not in (None, "sigmoid"):
                raise ValueError(
                    "the course's nnCostFunction is sigmoid units with the cross-entropy cost; "
                    "other activations and losses need signature 'theta' or 'thetas'"
                )
            if sizes is not None and len(sizes) != 3:
                raise ValueError(
                    f"the course's signature has one hidden layer: sizes must be 3 numbers (inputs, hidden, labels), "
                    f"got {list(sizes)}; use signature 'theta' or 'thetas' for other depths"
                )
        vector_order = None if signature == "thetas" else order
        if sizes is None:
            p = course_problem(order)._replace(order=vector_order)
            if signature != "course":  # the course's Θ's and batch, with these units and this cost
                out = output_activation or ("sigmoid" if loss == "cross_entropy" else activation)
                Y = 2.0 * p.Y - 1.0 if loss == "hinge" else p.Y
                p = p._replace(labels=None, Y=Y, activation=activation, output_activation=out, loss=loss)
        else:
            p = random_problem(sizes, m, seed, vector_order, signature == "course", activation, output_activation, loss)
        runs, notes = [], []
        for lam in lams:
            ref_cost, ref, num, engine_rel, num_rel = _reference(p, lam)
            if engine_rel > REFERENCE_TOLERANCE:
                raise RuntimeError(
                    f"chainrule's own references disagree: engine vs matrix {engine_rel:.2e} at λ = {lam:g}"
                )
            outcome = sandbox.call(*_arguments(signature, p, lam, labels))
            if outcome.returned:
                cost, grads, problem = _read_result(outcome.value, signature, p.shapes, p.order)
            else:
                cost, grads, problem = None, None, _outcome_text(outcome)
            runs.append(RunReport(lam, problem, cost, ref_cost, grads, ref, num))
            notes.append((engine_rel, num_rel))
        note = _reference_text(notes)
    diagnosis = None
    if not all(r.ok for r in runs):
        usable = [
            Run(r.lam, r.cost, matrix.unroll(r.gradients, vector_order or "C") if r.gradients is not None else None)
            for r in runs
            if r.problem is None or r.gradients is not None
        ]
        if usable:
            diagnosis = mistakes.diagnose(p, usable)
    return BackpropReport(
        sandbox.description, signature, detected, _network_text(p, sizes, seed), p, runs, diagnosis, note,
        None, sandbox.output, labels,
    )  # fmt: skip


def _reference_text(notes: list[tuple[float, float]]) -> str:
    e = max(n[0] for n in notes)
    d = max(n[1] for n in notes)
    warn = "" if d < REFERENCE_TOLERANCE else "  (central differences disagree: a kink of relu near a test point?)"
    return f"reference: matrix backprop = engine ({e:.1e}) = central differences, ε = 1e-4 ({d:.1e}){warn}"


def _network_text(p: Problem, sizes: Sequence[int] | None, seed: int) -> str:
    dims = "-".join(str(s) for s in [p.thetas[0].shape[1] - 1] + [T.shape[0] for T in p.thetas])
    loss = {"cross_entropy": "cross-entropy"}.get(p.loss, p.loss)
    if sizes is None:
        where = f"the course's check set-up (sin weights, m = {p.m})"
    else:
        where = f"random (the course's ε-initialization, seed {seed}, m = {p.m})"
    units = p.activation if p.activation == p.output_activation else f"{p.activation} → {p.output_activation}"
    return f"network {dims}, {where}, {units}, {loss} + (λ/2m)ΣΘ²"


def _outcome_text(o: Outcome) -> str:
    if o.kind == "raised":
        return "it raised an exception:\n" + o.message
    return o.message


# ---------------------------------------------------------------- a one-parameter f(theta) on the learner's own data


class OwnDataReport:
    """The result of `check_backprop` on a one-parameter f(theta): a closure over the learner's own X, y, λ.

    chainrule has not their data, so the only reference is their own cost: their gradient at θ
    against central differences of it (`numerical`, ε = 1e-4). `ok` is the verdict; there is no
    diagnosis (`mistakes` is empty): naming the mistake needs the data.
    """

    signature = "theta"
    diagnosis = None

    def __init__(
        self,
        function: str,
        detected: bool,
        sizes: Sequence[int],
        order: str,
        seed: int,
        theta: np.ndarray,
        cost: float | None,
        gradients: list[np.ndarray] | None,
        numerical: list[np.ndarray] | None,
        problem: str | None,
        calls: int,
        output: str = "",
    ) -> None:
        self.function = function
        self.detected = detected
        self.sizes = list(sizes)
        self.order = order
        self.seed = seed
        self.theta = theta  # the point of the check, unrolled in `order`
        self.cost = cost  # theirs at θ
        self.gradients = gradients  # theirs at θ, in the Θ shapes
        self.numerical = numerical  # central differences of their cost at θ, in the Θ shapes
        self.problem = problem  # what went wrong calling them, else None
        self.calls = calls
        self.output = output

    @property
    def shapes(self) -> list[tuple[int, int]]:
        return [(b, a + 1) for a, b in zip(self.sizes, self.sizes[1:])]

    @property
    def layers(self) -> list[LayerRow]:
        if self.gradients is None or self.numerical is None:
            return []
        floor = OWN_ABS_FLOOR * max(1.0, abs(self.cost or 0.0))
        return [
            LayerRow(
                l, N.shape, float(np.max(np.abs(G - N))), matrix.relative_difference([G], [N]), OWN_TOLERANCE, floor
            )
            for l, (G, N) in enumerate(zip(self.gradients, self.numerical), start=1)
        ]

    @property
    def relative(self) -> float | None:
        """‖theirs − numerical‖/‖theirs + numerical‖ over every entry (the course's one number)."""
        if self.gradients is None or self.numerical is None:
            return None
        return matrix.relative_difference(self.gradients, self.numerical)

    @property
    def ok(self) -> bool:
        return self.problem is None and bool(self.layers) and all(r.ok for r in self.layers)

    @property
    def mistakes(self) -> frozenset[str]:
        return frozenset()

    def worst(self, n: int = 5) -> list[Entry]:
        """The n entries where theirs is farthest from the central differences of their cost."""
        if self.gradients is None or self.numerical is None:
            return []
        found = []
        for l, (G, N) in enumerate(zip(self.gradients, self.numerical), start=1):
            for (r, c), d in np.ndenumerate(np.abs(G - N)):
                found.append((d, Entry(l, r + 1, c, float(G[r, c]), None, float(N[r, c]))))
        found.sort(key=lambda t: -t[0])
        return [e for d, e in found[:n] if d > 0.0]

    def __repr__(self) -> str:
        dims = "-".join(map(str, self.sizes))
        return f"OwnDataReport({self.function}, theta on your own data, {dims}: {'right' if self.ok else 'wrong'})"

    def __str__(self) -> str:
        how = "detected" if self.detected else "given"
        dims = "-".join(map(str, self.sizes))
        n = sum(r * c for r, c in self.shapes)
        major = "row" if self.order == "C" else "column"
        lines = [
            f"chainrule check: {self.function}, signature theta ({how})",
            f"  called as {_CALLS['theta1']}: one parameter, a closure over your own X, y and λ",
            f"  theta and grad unrolled {major}-major (order {self.order}), split by sizes {dims}: "
            f"{_sizes_text(self.shapes)} = {n} entries",
            f"θ: the course's random initialization for {dims} (uniform in ±√6/√(s_l + s_{{l+1}})), seed {self.seed}",
            f"reference: central differences of your own cost, ε = 1e-4 (2n + 1 = {2 * n + 1} calls); "
            f"ok below {_sci(OWN_TOLERANCE)}",
            "λ: yours, fixed inside your function (the runs at λ = 0 and λ > 0 do not apply)",
            "",
        ]
        if self.cost is not None:
            lines.append(f"your cost at θ  {self.cost:<15.10f} (not checked: the right value needs your data)")
        if self.problem is not None:
            text = self.problem.splitlines()
            if len(text) > 14:
                text = text[:2] + ["…"] + text[-11:]
            lines += text[:1] + ["  " + t for t in text[1:]]
        for row in self.layers:
            shape = f"{row.shape[0]}×{row.shape[1]}"
            lines.append(
                f"Θ^({row.layer}) {shape:<6}  max |diff| {row.max_abs:9.3e}   ‖diff‖/‖sum‖ {row.relative:9.3e}   "
                f"{'ok' if row.ok else 'WRONG'}"
            )
        if self.layers and not self.ok:
            entries = self.worst(5)
            w = max(len(e.meaning) for e in entries) + 1
            lines += ["", "the entries farthest from the central differences of your cost:"]
            lines.append(f"  {'entry':<13}{'':{w}}{'theirs':>12}{'numerical':>12}")
            for e in entries:
                lines.append(f"  {e.name:<13}{e.meaning:<{w}}{e.theirs:>12.4e}{e.numerical:>12.4e}")
            lines += [
                "",
                "diagnosis: naming the mistake needs the data: check f(theta, sizes, X, Y, lam) or nnCostFunction",
            ]
        if self.output.strip():
            printed = self.output.strip().splitlines()
            first = printed[0] if len(printed[0]) <= 60 else printed[0][:57] + "..."
            lines.append(f"(your code printed {len(printed)} line{'s' * (len(printed) != 1)}; the first: {first!r})")
        if self.ok:
            lines.append(
                f"verdict: RIGHT — your gradient is the gradient of your cost (‖diff‖/‖sum‖ {self.relative:.1e} "
                f"over {n} entries)"
            )
        elif self.problem is not None:
            lines.append("verdict: WRONG — your function did not return a usable (J, grad) at every θ it was given")
        else:
            lines.append("verdict: WRONG — your gradient is not the gradient of your cost")
        return "\n".join(lines)


def _sci(x: float) -> str:
    """1e-07 → "1e-7"."""
    return f"{x:.0e}".replace("e-0", "e-").replace("e+0", "e")


def _check_own_options(parameter: str, sizes: Sequence[int] | None, given: list[str]) -> None:
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


def _entry_of(k: int, shapes: Sequence[tuple[int, int]], order: str) -> str:
    """The name of entry k of θ unrolled in `order`: "Θ^(l)_{j,i}"."""
    for l, (r, c) in enumerate(shapes, start=1):
        if k < r * c:
            row, col = np.unravel_index(k, (r, c), order=order)
            return entry_name(l, int(row) + 1, int(col))[0]
        k -= r * c
    raise IndexError(k)


def _check_own(
    sandbox: Sandbox, detected: bool, sizes: Sequence[int], order: str, seed: int, overall_timeout: float
) -> OwnDataReport:
    """Their f(theta) at θ, then at θ ± ε e_k for every k: 2n + 1 calls, each with the per-call limit."""
    sizes = list(sizes)
    dims = "-".join(map(str, sizes))
    thetas = matrix.random_thetas(sizes, seed=seed)
    shapes = [T.shape for T in thetas]
    theta = matrix.unroll(thetas, order)
    n = theta.size
    report = dict(function=sandbox.description, detected=detected, sizes=sizes, order=order, seed=seed, theta=theta)

    def done(cost=None, grads=None, num=None, problem=None, calls=1) -> OwnDataReport:
        return OwnDataReport(**report, cost=cost, gradients=grads, numerical=num, problem=problem, calls=calls,
                             output=sandbox.output)  # fmt: skip

    start = time.monotonic()
    outcome = sandbox.call(theta.copy())
    first = time.monotonic() - start
    size_hint = (
        f"θ has {n} entries = {_sizes_text(shapes)} (sizes {dims}): if your function expects another\n"
        "number, pass its layer sizes (--sizes)"
    )
    if not outcome.returned:
        return done(problem=f"at θ: {_outcome_text(outcome)}\n{size_hint}")
    value = outcome.value
    if isinstance(value, (tuple, list)) and len(value) == 2 and not isinstance(value[1], (tuple, list)):
        try:
            size = np.asarray(value[1], dtype=float).size
        except (TypeError, ValueError):
            size = n  # not numbers: _read_result says so
        if size != n:
            raise ValueError(
                f"{sandbox.description} returned a gradient of {size} entries, but sizes {dims} give θ "
                f"{n} entries ({_sizes_text(shapes)}): pass the layer sizes of your network (--sizes)"
            )
    cost, grads, problem = _read_result(value, "theta", shapes, order)
    if problem is not None:
        return done(cost, None, None, f"at θ: {problem}")
    estimate = first * 2 * n
    if estimate > overall_timeout:
        raise ValueError(
            f"one call of {sandbox.description} took {first:.2g} s: the {2 * n} more calls of central differences "
            f"would take about {estimate:.0f} s, over the overall limit of {overall_timeout:g} s; check it on a "
            "smaller batch or smaller sizes (or raise overall_timeout)"
        )
    numerical = np.empty(n)
    for k in range(n):
        costs = []
        for sign in (1.0, -1.0):
            point = theta.copy()
            point[k] += sign * EPSILON
            where = f"at θ {'+' if sign > 0 else '−'} ε at {_entry_of(k, shapes, order)}"
            o = sandbox.call(point)
            if not o.returned:
                return done(cost, grads, None, f"{where}: {_outcome_text(o)}", 2 + 2 * k + (sign < 0))
            J, problem = _read_cost(o.value)
            if problem is None and not math.isfinite(J):
                problem = f"J is {J}"
            if problem is not None:
                return done(cost, grads, None, f"{where}: {problem}", 2 + 2 * k + (sign < 0))
            costs.append(J)
        numerical[k] = (costs[0] - costs[1]) / (2 * EPSILON)
        elapsed = time.monotonic() - start
        if elapsed > overall_timeout and k < n - 1:
            raise ValueError(
                f"the check stopped after {2 * k + 3} of {2 * n + 1} calls of {sandbox.description} "
                f"({elapsed:.0f} s): over the overall limit of {overall_timeout:g} s; check it on a smaller batch "
                "or smaller sizes (or raise overall_timeout)"
            )
    return done(cost, grads, matrix.reroll(numerical, shapes, order), None, 2 * n + 1)


def assert_backprop(fn: Callable | str, **kwargs: Any) -> BackpropReport | OwnDataReport:
    """`check_backprop(fn, **kwargs)`, raising AssertionError with the whole report unless it is right."""
    report = check_backprop(fn, **kwargs)
    if not report.ok:
        raise AssertionError("\n" + str(report))
    return report
