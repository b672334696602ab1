"""The report of a check: three verdicts, the numbers behind them, and what to do next.

What it is: `BackpropReport` (a learner's function on a network whose gradient is known three
ways) and `OwnDataReport` (a one-parameter f(theta) on the learner's own data), both built from
keyword arguments and both printing one screen. A report's `verdict` is one of

    RIGHT        (exit code 0) the cost and the gradient agree with the reference at every λ
    WRONG        (exit code 1) numbers were compared and disagree, or what came back cannot be
                 right (a gradient of the wrong size, NaN)
    NOT CHECKED  (exit code 3) nothing could be compared: the file did not load, a package is
                 missing, loading or a call timed out or ran out of memory, the function raised,
                 died or returned something that is not numbers, or it returns J alone and no
                 gradient function was given — always with the one line that gets it checked

What it is not: the check. `check.check_backprop` runs the function and builds these; the words
for the mistakes are `explain`'s. (A GPT's three-way report can mirror `Report`: a verdict, an
exit code, a way forward, a `__str__` of one screen.)
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

import numpy as np

from .. import matrix
from . import explain
from .mistakes import FLOAT32, Diagnosis, same_cost
from .problems import Problem, entry_name, sizes_text
from .sandbox import MAX_OUTPUT

__all__ = [
    "RIGHT",
    "WRONG",
    "NOT_CHECKED",
    "EXIT_CODES",
    "Report",
    "LayerRow",
    "Entry",
    "OwnCost",
    "RunReport",
    "BackpropReport",
    "OwnDataReport",
    "TOLERANCE",
    "ABS_FLOOR",
    "OWN_TOLERANCE",
    "OWN_ABS_FLOOR",
    "WIDTH",
]

RIGHT, WRONG, NOT_CHECKED = "RIGHT", "WRONG", "NOT CHECKED"
EXIT_CODES = {RIGHT: 0, WRONG: 1, NOT_CHECKED: 3}
TOLERANCE = 1e-9  # the course's bar for ‖a − b‖/‖a + b‖
ABS_FLOOR = 1e-12  # a layer whose every entry is within this of the reference is right whatever the ratio says
OWN_TOLERANCE = 1e-7  # theirs vs central differences of their own cost: as accurate as those are (about 1e-10 here)
OWN_ABS_FLOOR = 1e-10  # × max(1, |J|): central differences' rounding is about 1e-16 |J| / ε ≈ 1e-12 |J|
OWN_FLOAT32 = (1e-3, 1e-4)  # the same for a float32 cost, with ε = 1e-2: its rounding 6e-8 |J| / ε ≈ 1e-5 |J|
WIDTH = 100
NOT_COMPARED = ("raised", "timeout", "memory", "died", "unreadable")  # what a call can end in without numbers


def _rel(x: float) -> str:
    """‖diff‖/‖sum‖ in 9 characters; ≥ 1 means the two point apart (a·b ≤ 0), said as such."""
    return f"{x:9.3e}" if x < 1.0 else f"{'≥ 1 (*)':>9}"


@dataclass(kw_only=True)
class Report:
    """What every report has: the function checked, how its process went (what it printed, forked,
    left running; why it did not load), and a verdict with its exit code."""

    function: str
    load_problem: str | None = None  # why the file did not load, in words
    load_kind: str | None = None  # "raised", "timeout", "memory", "died", "no_numpy", "old_python"
    missing: str | None = None  # the module it could not import
    missing_from: str | None = None  # the learner's file that was loading then
    python: str = ""  # the interpreter it ran in ("": chainrule's own)
    cells: list[str] = field(default_factory=list)  # what ran of a notebook
    output: str = ""  # what its code wrote (kept aside)
    forks: int = 0
    left: int = 0  # processes it left running (ended)
    memory: int = 4 * 2**30
    gradient_function: str | None = None

    @property
    def verdict(self) -> str:
        raise NotImplementedError

    @property
    def ok(self) -> bool:
        """True only when RIGHT."""
        return self.verdict == RIGHT

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.verdict]


@dataclass(frozen=True)
class LayerRow:
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

    def text(self, indent: str = "") -> str:
        shape = f"{self.shape[0]}×{self.shape[1]}"
        return (
            f"{indent}Θ^({self.layer}) {shape:<6} max |diff| {self.max_abs:9.3e}   "
            f"‖diff‖/‖sum‖ {_rel(self.relative)}   {'ok' if self.ok else 'WRONG'}"
        )


def layer_rows(theirs: list[np.ndarray], other: list[np.ndarray], tolerance: float, floor: float) -> list[LayerRow]:
    """Per Θ^(l): the largest difference and the course's relative difference."""
    return [
        LayerRow(l, R.shape, float(np.max(np.abs(G - R))), matrix.relative_difference([G], [R]), tolerance, floor)
        for l, (G, R) in enumerate(zip(theirs, other), start=1)
    ]


@dataclass(frozen=True)
class Entry:
    """One entry of ∂J/∂Θ^(layer): row j (1-based: neuron j of layer+1), column i (0: the bias).
    `reference` is None on the learner's own data, where there is none."""

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


def worst_entries(
    theirs: list[np.ndarray], other: list[np.ndarray], numerical: list[np.ndarray], n: int, has_reference: bool = True
) -> list[Entry]:
    """The n entries where `theirs` is farthest from `other`."""
    found = []
    for l, (G, R, N) in enumerate(zip(theirs, other, numerical), start=1):
        for (r, c), d in np.ndenumerate(np.abs(G - R)):
            ref = float(R[r, c]) if has_reference else None
            found.append((d, Entry(l, r + 1, c, float(G[r, c]), ref, float(N[r, c]))))
    found.sort(key=lambda t: -t[0])
    return [e for d, e in found[:n] if d > 0.0]


@dataclass(frozen=True, kw_only=True)
class OwnCost:
    """Central differences of the learner's own cost at one point (`numerical`, Θ-shaped; None with
    `problem` when a call of theirs failed), with ε = `epsilon` and the tolerances that go with it."""

    numerical: list[np.ndarray] | None
    epsilon: float
    calls: int
    problem: str | None = None
    float32: bool = False
    kind: str = "returned"  # how the failing call ended, when one did

    def rows(self, gradients: list[np.ndarray], cost: float) -> list[LayerRow]:
        if self.numerical is None:
            return []
        tol, floor = OWN_FLOAT32 if self.float32 else (OWN_TOLERANCE, OWN_ABS_FLOOR)
        return layer_rows(gradients, self.numerical, tol, floor * max(1.0, abs(cost)))

    def agrees(self, gradients: list[np.ndarray], cost: float) -> bool | None:
        """Whether their gradient is the gradient of their cost (None: not known)."""
        rows = self.rows(gradients, cost)
        return all(r.ok for r in rows) if rows else None


@dataclass(kw_only=True)
class RunReport:
    """One λ: what came back and the comparison. `kind`: "returned", "wrong" (read, but cannot be
    right), or how the call ended without numbers (NOT_COMPARED); `problem` says what."""

    lam: float
    kind: str
    problem: str | None
    cost: float | None
    reference_cost: float
    gradients: list[np.ndarray] | None  # theirs, in the Θ shapes
    reference: list[np.ndarray]  # the matrix implementation's (= the engine's)
    numerical: list[np.ndarray]  # central differences of the right cost, ε = 1e-4
    own: OwnCost | None = None  # central differences of their cost
    cost_only: bool = False
    float32: bool = False

    @property
    def compared(self) -> bool:
        return self.kind not in NOT_COMPARED and self.cost is not None

    @property
    def cost_ok(self) -> bool:
        return self.cost is not None and same_cost(self.cost, self.reference_cost, FLOAT32 if self.float32 else 1.0)

    @property
    def layers(self) -> list[LayerRow]:
        if self.gradients is None:
            return []
        tol, floor = (TOLERANCE * 1e4, ABS_FLOOR * 1e5) if self.float32 else (TOLERANCE, ABS_FLOOR)
        return layer_rows(self.gradients, self.reference, tol, floor)

    @property
    def gradient_ok(self) -> bool:
        return self.gradients is not None and all(r.ok for r in self.layers)

    @property
    def own_ok(self) -> bool | None:
        """Their gradient against central differences of their own cost (None: not compared)."""
        if self.own is None or self.gradients is None or self.cost is None:
            return None
        return self.own.agrees(self.gradients, self.cost)

    @property
    def ok(self) -> bool:
        return self.problem is None and self.cost_ok and self.gradient_ok

    def worst(self, n: int = 5) -> list[Entry]:
        """The n entries where theirs is farthest from the reference."""
        if self.gradients is None:
            return []
        return worst_entries(self.gradients, self.reference, self.numerical, n)


def _printed(output: str) -> list[str]:
    if not output.strip():
        return []
    printed = output.strip().splitlines()
    first = printed[0] if len(printed[0]) <= 60 else printed[0][:57] + "..."
    if printed[-1].endswith(" more bytes)"):  # cut: the sandbox kept the first MAX_OUTPUT bytes
        return [f"(your code printed more than {MAX_OUTPUT:,} bytes, kept aside; the first line: {first!r})"]
    return [f"(your code printed {len(printed)} line{'s' * (len(printed) != 1)}; the first: {first!r})"]


def _process_notes(forks: int, left: int) -> list[str]:
    lines = []
    if forks:
        lines.append(
            f"(your function called fork {forks} time{'s' * (forks != 1)}: only the original process's return was "
            "read; the copies were ended with the check)"
        )
    if left:
        lines.append(f"(your code left {left} process{'es' * (left != 1)} running: ended with the check)")
    return lines


def _load_header(kind: str | None) -> str:
    """The line above why nothing ran: the interpreter's fault (no NumPy, too old) or the file's."""
    if kind in ("no_numpy", "old_python"):
        return "the interpreter cannot run chainrule's checker (your file was not loaded):"
    return "your file could not be loaded:"


def _cut(text: str, keep: int = 14) -> list[str]:
    lines = text.splitlines()
    return lines[:2] + ["  …"] + lines[-(keep - 3) :] if len(lines) > keep else lines


@dataclass(kw_only=True)
class BackpropReport(Report):
    """The result of `check_backprop`: print it; `verdict`, `ok`, `exit_code`; `diagnosis.mistakes` the keys."""

    signature: str
    detected: bool | None
    network: str
    problem: Problem
    runs: list[RunReport] = field(default_factory=list)
    diagnosis: Diagnosis | None = None
    reference_note: str = ""
    labels_base: int = 0
    onehot: bool = False
    onehot_note: str = ""
    layers: int = 2

    @property
    def verdict(self) -> str:
        if self.load_problem is not None or not self.runs:
            return NOT_CHECKED
        if any(r.compared and not r.cost_ok for r in self.runs):
            return WRONG
        if any(r.kind == "wrong" or (r.gradients is not None and not r.gradient_ok) for r in self.runs):
            return WRONG
        if any(not r.compared or r.cost_only for r in self.runs):
            return NOT_CHECKED
        return RIGHT

    @property
    def mistakes(self) -> frozenset[str]:
        """The keys of the mistakes the diagnosis found (empty when right or when nothing matched)."""
        return self.diagnosis.mistakes if self.diagnosis is not None else frozenset()

    def __repr__(self) -> str:
        found = ", ".join(sorted(self.mistakes)) or "-"
        lams = ", ".join(f"{r.lam:g}" for r in self.runs)
        return f"BackpropReport({self.function}, {self.signature}, λ = {lams}: {self.verdict}; mistakes: {found})"

    # -- the text, one screen for a 3-5-3 network

    def __str__(self) -> str:
        from .conventions import call_text

        how = {True: "detected", False: "given", None: "assumed"}[self.detected]
        lines = [f"chainrule check: {self.function}, signature {self.signature} ({how})"]
        lines.append(f"  called as {call_text(self.signature, self.layers)}")
        if self.gradient_function:
            lines.append(f"  its gradient from {self.gradient_function}, called with the same arguments")
        layout = []
        if self.problem.order:
            what = "nn_params and grad" if self.signature == "course" else "theta and grad"
            major = "row" if self.problem.order == "C" else "column"
            layout.append(f"{what} unrolled {major}-major (order {self.problem.order})")
        if self.problem.labels is not None:
            layout.append(
                "y one-hot, m × K"
                if self.onehot
                else f"y in {self.labels_base}..{'K−1' if self.labels_base == 0 else 'K'}"
            )
        if layout:
            lines.append("  " + "; ".join(layout))
        if self.onehot_note:
            lines += textwrap.wrap(self.onehot_note, WIDTH, initial_indent="  ", subsequent_indent="  ")
        if self.cells:
            lines.append("  from the notebook:")
            lines += [f"    {c}" for c in self.cells[:10]] + (["    …"] if len(self.cells) > 10 else [])
        lines.append(self.network)
        if self.reference_note:
            lines.append(self.reference_note)
        if self.load_problem is not None:
            lines.append(_load_header(self.load_kind))
            lines += ["  " + line for line in _cut(self.load_problem, 16)]
        else:
            lines.append("")
            lines += self._runs_text()
            worst = self._worst_run()
            if worst is not None and not explain.order_hint(self):
                lines.append("")
                lines += self._worst_text(worst)
            diagnosis = explain.diagnosis_text(self)
            lines += [""] + diagnosis if diagnosis else []
        if any(r.relative >= 1.0 for run in self.runs for r in run.layers):
            lines.append("(*) ‖diff‖/‖sum‖ ≥ 1: your gradient points away from the reference (a sign?)")
        lines += _printed(self.output) + _process_notes(self.forks, self.left)
        lines += explain.verdict_lines(self)
        return "\n".join(lines)

    def _runs_text(self) -> list[str]:
        lines = []
        seen: dict[str, float] = {}
        for r in self.runs:
            head = f"λ = {r.lam:<4g}"
            if r.problem is not None and r.cost is None:
                if r.problem in seen:
                    lines.append(f"{head} the same as at λ = {seen[r.problem]:g}")
                    continue
                seen[r.problem] = r.lam
                text = _cut(r.problem)
                lines.append(f"{head} {text[0]}")
                lines += ["         " + t for t in text[1:]]
                continue
            verdict = "ok" if r.cost_ok else "WRONG"
            lines.append(f"{head} cost      theirs {r.cost:<15.10f} reference {r.reference_cost:<15.10f} {verdict}")
            if r.cost_only:
                lines.append(f"{'':9}gradient  not returned (your function returns J only): NOT CHECKED")
            elif r.problem is not None:
                lines += ["         " + t for t in _cut(r.problem)]
            for row in r.layers:
                lines.append(row.text(" " * 9))
            own = explain.own_line(r)
            if own:
                lines.append(" " * 9 + own)
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


@dataclass(kw_only=True)
class OwnDataReport(Report):
    """The result of `check_backprop` on a one-parameter f(theta): a closure over the learner's own X, y, λ.

    chainrule has not their data, so the only reference is their own cost: their gradient at θ
    against central differences of it (`numerical`). There is no diagnosis (`mistakes` is empty):
    naming the mistake needs the data.
    """

    detected: bool
    sizes: list[int]
    order: str
    seed: int
    theta: np.ndarray  # the point of the check, unrolled in `order`
    cost: float | None = None  # theirs at θ
    gradients: list[np.ndarray] | None = None  # theirs at θ, in the Θ shapes
    own: OwnCost | None = None  # central differences of their cost at θ
    problem: str | None = None  # what went wrong calling them, else None
    kind: str = "returned"
    float32: bool = False
    cost_only: bool = False
    signature = "theta"
    diagnosis = None

    @property
    def calls(self) -> int:
        return 1 + (self.own.calls if self.own is not None else 0)

    @property
    def numerical(self) -> list[np.ndarray] | None:
        return self.own.numerical if self.own is not None else None

    @property
    def shapes(self) -> list[tuple[int, int]]:
        return [(b, a + 1) for a, b in zip(self.sizes, self.sizes[1:])]

    @property
    def layers(self) -> list[LayerRow]:
        if self.gradients is None or self.own is None:
            return []
        return self.own.rows(self.gradients, self.cost or 0.0)

    @property
    def relative(self) -> float | None:
        """‖theirs − numerical‖/‖theirs + numerical‖ over every entry (the course's one number)."""
        if self.gradients is None or self.numerical is None:
            return None
        return matrix.relative_difference(self.gradients, self.numerical)

    @property
    def verdict(self) -> str:
        if self.load_problem is not None:
            return NOT_CHECKED
        if self.layers and not all(r.ok for r in self.layers):
            return WRONG
        if self.kind == "wrong":
            return WRONG
        if self.problem is not None or not self.layers:
            return NOT_CHECKED
        return RIGHT

    @property
    def mistakes(self) -> frozenset[str]:
        return frozenset()

    def worst(self, n: int = 5) -> list[Entry]:
        """The n entries where theirs is farthest from the central differences of their cost."""
        if self.gradients is None or self.numerical is None:
            return []
        return worst_entries(self.gradients, self.numerical, self.numerical, n, has_reference=False)

    def __repr__(self) -> str:
        dims = "-".join(map(str, self.sizes))
        return f"OwnDataReport({self.function}, theta on your own data, {dims}: {self.verdict})"

    def __str__(self) -> str:
        from .conventions import call_text

        how = "detected" if self.detected else "given"
        dims = "-".join(map(str, self.sizes))
        n = sum(r * c for r, c in self.shapes)
        major = "row" if self.order == "C" else "column"
        eps = self.own.epsilon if self.own is not None else 1e-4
        tol = OWN_FLOAT32[0] if self.float32 else OWN_TOLERANCE
        lines = [
            f"chainrule check: {self.function}, signature theta ({how})",
            f"  called as {call_text('theta1')}: one parameter, a closure over your own X, y and λ",
            f"  theta and grad unrolled {major}-major (order {self.order}), split by sizes {dims}: "
            f"{sizes_text(self.shapes)} = {n} entries",
        ]
        if self.gradient_function:
            lines.append(f"  its gradient from {self.gradient_function}, called with the same arguments")
        if self.cells:
            lines.append("  from the notebook:")
            lines += [f"    {c}" for c in self.cells[:8]]
        lines += [
            f"θ: the course's random initialization for {dims} (uniform in ±√6/√(s_l + s_{{l+1}})), seed {self.seed}",
            f"reference: central differences of your own cost, ε = {_sci(eps)} (2n + 1 = {2 * n + 1} calls); "
            f"ok below {_sci(tol)}" + (" (your cost is float32)" if self.float32 else ""),
            "λ: yours, fixed inside your function (the runs at λ = 0 and λ > 0 do not apply)",
            "",
        ]
        if self.load_problem is not None:
            lines.append(_load_header(self.load_kind))
            lines += ["  " + line for line in _cut(self.load_problem, 16)]
        if self.cost is not None:
            lines.append(f"your cost at θ  {self.cost:<15.10f} (not checked: the right value needs your data)")
        if self.cost_only:
            lines.append("your gradient  not returned (your function returns J only): NOT CHECKED")
        if self.problem is not None:
            text = _cut(self.problem)
            lines += text[:1] + ["  " + t for t in text[1:]]
        lines += [row.text() for row in self.layers]
        if self.layers and self.verdict == WRONG:
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
        lines += _printed(self.output) + _process_notes(self.forks, self.left)
        lines += explain.own_data_verdict_lines(self, n)
        return "\n".join(lines)


def _sci(x: float) -> str:
    """1e-07 → "1e-7"."""
    return f"{x:.0e}".replace("e-0", "e-").replace("e+0", "e")
