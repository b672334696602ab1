"""The words of a report: the diagnosis, the hints, the verdict and the one line that gets it checked.

What it is: functions of a report (`report.BackpropReport`, `report.OwnDataReport`) returning
lines of text: each classic mistake found said in plain words with its fix (from `mistakes`);
when none explains the numbers, where their gradient differs and which of two things it is —
their backprop is wrong for their own cost (their gradient is not the central differences of
their cost), or their cost is a different function (with the constant ratio when there is one,
the softmax or the un-encoded y when those give it); the order hint (`--order F`) first whenever
reading θ column-major explains their cost; hints for an exception (labels off by one, the
m × (s_l + 1) against m × s_l of a bias column); and the verdict with, for NOT CHECKED, the way
forward.

What it is not: a judge. The verdicts are the reports' own properties; this only says them.
"""

from __future__ import annotations

import os
import re
import sys
import textwrap

import numpy as np

from .. import matrix
from .mistakes import MISTAKES, same_cost, same_vector

__all__ = ["diagnosis_text", "own_line", "order_hint", "verdict_lines", "own_data_verdict_lines", "ratio_words"]

WIDTH = 100
_PACKAGES = {
    "sklearn": "scikit-learn",
    "cv2": "opencv-python",
    "PIL": "pillow",
    "yaml": "pyyaml",
    "skimage": "scikit-image",
    "bs4": "beautifulsoup4",
}
# Modules that are clearly packages from PyPI (the course's and their neighbours): a missing one is
# installed with pip. Any other missing module is more likely a file of the learner's that was not
# copied along (own_data.py without its correct.py): pip would install whatever has that name.
_THIRD_PARTY = frozenset(_PACKAGES) | {
    "numpy", "scipy", "matplotlib", "mpl_toolkits", "pandas", "seaborn", "IPython", "ipywidgets",
    "jupyter", "notebook", "tqdm", "sympy", "statsmodels", "h5py", "torch", "torchvision", "tensorflow",
    "keras", "jax", "numba", "autograd", "micrograd", "graphviz", "networkx", "plotly", "requests",
}  # fmt: skip


def _wrap(text: str, first: str = "  ", rest: str = "    ") -> list[str]:
    # never inside a word: a path such as /tmp/my-env/bin/python stays whole, to be copied into a command
    return textwrap.wrap(
        text, WIDTH, initial_indent=first, subsequent_indent=rest, break_on_hyphens=False, break_long_words=False
    )


# ---------------------------------------------------------------- the verdict and the way forward


def _memory_text(n: int) -> str:
    return f"{n / 2**30:g} GiB" if n >= 2**30 else f"{n / 2**20:g} MiB"


def _not_checked(report) -> tuple[str, str]:
    """(why nothing could be compared, the one line that gets it checked)."""
    python = report.python or sys.executable
    if report.load_problem is not None:
        kind = report.load_kind
        top = report.missing.split(".")[0] if kind == "raised" and report.missing else None
        if top is not None and top not in _THIRD_PARTY:  # most likely a file of theirs left behind
            file = report.missing_from or "your file"
            folder = os.path.dirname(os.path.abspath(file)) if report.missing_from else "its folder"
            return (
                f"your file imports {report.missing}, which was not found next to it (in {folder}) "
                f"nor on {python}'s path",
                f"if {top} is a module of yours ({top}.py), put it next to {file}; if it is a package, run your "
                "function where it is installed: --python PATH (your venv's or conda env's python)",
            )
        if top is not None:  # a package from PyPI: where to install it
            package = _PACKAGES.get(top, top)
            return (
                f"your file imports {report.missing}, which is not installed in {python}",
                f"install it there ({python} -m pip install {package}), or run your function where it is installed: "
                "--python PATH (your venv's or conda env's python), or check_backprop(fn) inside your notebook",
            )
        if kind == "raised":
            return "your file raised an exception while loading", "fix the error above (at your file's top level)"
        if kind == "timeout":
            return (
                "your file did not finish loading in time",
                "if it is only slow to import (matplotlib, SciPy, …), give it longer: --load-timeout 600",
            )
        if kind == "memory":
            return (
                "loading your file ran out of memory",
                f"give it more than {_memory_text(report.memory)}: --memory 8G",
            )
        if kind in ("no_numpy", "old_python"):
            return (
                f"{python} cannot run chainrule's child (it needs Python ≥ 3.8 and NumPy ≥ 1.17)",
                f"install NumPy there ({python} -m pip install numpy), or pass another interpreter: --python PATH",
            )
        return (
            "the process loading your file ended",
            "see its output above; make your file's top level run to its end (no os._exit, no crash)",
        )
    kinds = [r.kind for r in _runs(report)]
    if "timeout" in kinds:
        return "your function did not return in time", "if it is only slow, give it longer: --timeout 60"
    if "memory" in kinds:
        return (
            f"your function ran out of memory (limit {_memory_text(report.memory)})",
            "if it needs more, raise the limit: --memory 8G",
        )
    if "raised" in kinds:
        return "your function raised an exception", "fix the error at the last line of your code in the traceback above"
    if "died" in kinds:
        return (
            "the process running your function ended without returning",
            "make your function return (J, grad) instead of ending its process (os._exit, sys.exit, a crash)",
        )
    if "unreadable" in kinds:
        return (
            "what your function returned is not numbers",
            "return J as a number and grad as a NumPy array (or a list of numbers)",
        )
    if any(r.cost_only for r in _runs(report)):
        return (
            "your function returns J only, so your gradient was not checked",
            "pass your gradient function: --gradient FILE:NAME (gradient= in Python), called with the same arguments",
        )
    return "nothing could be compared", "see above"


def _runs(report):
    if hasattr(report, "runs"):
        return report.runs
    return [report]


def _not_checked_lines(report) -> list[str]:
    why, forward = _not_checked(report)
    return _wrap(f"verdict: NOT CHECKED — {why}", "", "  ") + _wrap(f"next: {forward}", "  ", "  ")


def verdict_lines(report) -> list[str]:
    """The last lines of a BackpropReport."""
    lams = " and ".join(f"{r.lam:g}" for r in report.runs) or "-"
    if report.verdict == "RIGHT":
        return [f"verdict: RIGHT — cost and gradient agree with the reference at λ = {lams}"]
    if report.verdict == "NOT CHECKED":
        return _not_checked_lines(report)
    runs = [r for r in report.runs if r.compared]
    if any(r.kind == "wrong" for r in report.runs):
        return ["verdict: WRONG — your function did not return a usable (J, grad)"]
    cost_ok = all(r.cost_ok for r in runs)
    grad_ok = all(r.gradient_ok for r in runs if r.gradients is not None)
    if grad_ok and not cost_ok:
        why = (
            "your cost is not right"
            if any(r.cost_only for r in runs)
            else "your gradient is right but your cost is not"
        )
    elif cost_ok:
        why = "your cost is right but your gradient is not"
    else:
        why = "your gradient and your cost differ from the reference"
    return [f"verdict: WRONG — {why}"]


def own_data_verdict_lines(report, n: int) -> list[str]:
    """The last lines of an OwnDataReport."""
    if report.verdict == "RIGHT":
        return [
            f"verdict: RIGHT — your gradient is the gradient of your cost (‖diff‖/‖sum‖ {report.relative:.1e} "
            f"over {n} entries)"
        ]
    if report.verdict == "NOT CHECKED":
        return _not_checked_lines(report)
    if report.kind == "wrong":
        return ["verdict: WRONG — your function did not return a usable (J, grad) at every θ it was given"]
    return ["verdict: WRONG — your gradient is not the gradient of your cost"]


# ---------------------------------------------------------------- their own cost


def own_line(run) -> str:
    """One line per λ: their gradient against central differences of their own cost."""
    own = run.own
    if own is None or run.gradients is None or run.cost is None:
        return ""
    if own.numerical is None:
        return f"your own cost's slope: not computed ({own.problem})"
    rel = matrix.relative_difference(run.gradients, own.numerical)
    agrees = own.agrees(run.gradients, run.cost)
    shown = f"{rel:9.3e}" if rel < 1 else f"{'≥ 1 (*)':>9}"
    eps = f"{own.epsilon:.0e}".replace("e-0", "e-")
    return f"your own cost's slope (ε = {eps})   ‖diff‖/‖sum‖ {shown}   {'ok' if agrees else 'WRONG'}"


def ratio_words(c: float, m: int, k: int) -> str:
    """A constant ratio in words: "exactly 1/3 (1/K, K = 3)", "exactly 5 (m = 5) times", or the number."""
    named = [
        (1.0 / k, f"1/{k} (1/K, K = {k}) of"),
        (float(k), f"{k} (K) times"),
        (1.0 / m, f"1/{m} (1/m, m = {m}) of"),
        (float(m), f"{m} (m) times"),
        (1.0 / (m * k), f"1/{m * k} (1/(mK)) of"),
        (-1.0, "−1 times"),
        (0.5, "1/2 of"),
        (2.0, "2 times"),
    ]
    for value, words in named:
        if abs(c - value) <= 1e-9 * abs(value) and value != 1.0:
            return f"exactly {words}"
    return f"{c:.6g} times"


def _ratio(a: np.ndarray, b: np.ndarray) -> float | None:
    """c when a = c·b (to rounding), else None."""
    bb = float(np.sum(b * b))
    if not bb:
        return None
    c = float(np.sum(a * b)) / bb
    return c if c and same_vector(np.ravel(a), c * np.ravel(b)) else None


def _cost_ratio(runs) -> float | None:
    """c when their cost is c × the right one at every λ (and their gradient too, where there is one)."""
    values = [r.cost / r.reference_cost for r in runs if r.cost is not None and r.reference_cost]
    if not values or any(not same_cost(v, values[0]) for v in values):
        return None
    c = values[0]
    for r in runs:
        if r.gradients is not None:
            g = _ratio(
                np.concatenate([G.ravel() for G in r.gradients]), np.concatenate([G.ravel() for G in r.reference])
            )
            if g is None or not same_cost(g, c):
                return None
    return c


def _other_cost_hints(report, runs) -> list[str]:
    """Costs chainrule can name that give theirs: a softmax output, y used without one-hot encoding."""
    p = report.problem
    hints = []
    usable = [r for r in runs if r.cost is not None]
    if not usable:
        return hints
    if p.loss == "cross_entropy":
        soft = [matrix.cost(p.thetas, p.X, p.Y, "sigmoid", "linear", "softmax_cross_entropy", r.lam) for r in usable]
        if all(same_cost(r.cost, c) for r, c in zip(usable, soft)):
            hints.append(
                "it is the softmax cross-entropy: if your output layer is a softmax, check with "
                "--loss softmax_cross_entropy"
            )
    if p.labels is not None and not report.onehot and p.loss == "cross_entropy":
        y = np.asarray(p.labels, dtype=float)[:, None] + report.labels_base
        Yb = np.repeat(y, p.Y.shape[1], axis=1)  # y as it is, broadcast against the m × K outputs
        plain = []
        for r in usable:
            a = matrix.forward(p.thetas, p.X, p.activation, p.output_activation).output
            a = np.clip(a, matrix.CLIP, 1 - matrix.CLIP)
            data = -float(np.sum(Yb * np.log(a) + (1 - Yb) * np.log(1 - a))) / p.m
            plain.append(data + r.lam / (2 * p.m) * sum(float(np.sum(T[:, 1:] ** 2)) for T in p.thetas))
        if all(same_cost(r.cost, c) for r, c in zip(usable, plain)):
            hints.append(
                "it is the course's cost with y used as it is, not one-hot encoded: "
                "Y = np.eye(num_labels)[y], then Y in the cost and in δ^(L) = a^(L) − Y"
            )
    return hints


def _own_words(report, runs) -> list[str]:
    """When no classic mistake explains the numbers: is it their backprop, or their cost?"""
    known = [r.own_ok for r in runs if r.own_ok is not None]
    if not known:
        return []
    p = report.problem
    if all(known):
        cost_ok = all(r.cost_ok for r in runs)
        if cost_ok:
            return _wrap(
                "your gradient is the gradient of your own cost, which has the right value here: your cost is "
                "a different function that agrees at this point"
            )
        c = _cost_ratio(runs)
        ratio = f" — {ratio_words(c, p.m, p.Y.shape[1])} the course's" if c is not None else ""
        lines = _wrap(
            f"your backprop is right for your cost (your gradient is its gradient: central differences of "
            f"it agree), but your cost is a different function from the course's{ratio}."
        )
        for hint in _other_cost_hints(report, runs):
            lines += _wrap(hint, "  hint: ", "    ")
        return lines
    return _wrap(
        "your backprop is wrong for your own cost: your gradient is not the gradient of your cost "
        "(central differences of it disagree, above)."
    )


# ---------------------------------------------------------------- the diagnosis


def order_hint(report) -> bool:
    """Whether reading θ column-major (order F) explains their cost while order C does not."""
    d = report.diagnosis
    return (
        d is not None
        and d.cost is not None
        and "read_order" in d.cost
        and report.problem.order == "C"
        and not all(r.cost_ok for r in report.runs if r.compared)
    )


def diagnosis_text(report) -> list[str]:
    """The diagnosis lines of a BackpropReport (empty when right)."""
    d = report.diagnosis
    usable = [r for r in report.runs if r.compared]
    if not usable or any(r.kind != "returned" for r in report.runs if not r.compared):
        return problem_hints(report)
    grad_ok = all(r.gradient_ok for r in usable if r.gradients is not None)
    cost_ok = all(r.cost_ok for r in usable)
    lams = " and ".join(f"{r.lam:g}" for r in usable)
    if grad_ok and cost_ok:
        return []
    if order_hint(report):
        return _wrap(
            "first: your cost is exactly the course's with θ read column by column (MATLAB's order): your code "
            "unrolls order='F'. Check again with --order F; this report reads θ row by row, so its entries and "
            "mistakes are not your code's.",
            "diagnosis: ",
            "  ",
        )
    lines = []
    described: set[str] = set()
    listed = 0  # the gradient's mistakes as listed (bullets)
    has_gradient = any(r.gradients is not None for r in usable)
    if has_gradient and not grad_ok:
        if d is not None and d.gradient:
            items = _describe(d.gradient, report.problem, described)
            n = listed = len(items)  # what is listed: a merged group is one mistake, with one fix
            lines.append(
                f"diagnosis: your gradient is exactly what {'this mistake' if n == 1 else f'these {n} mistakes'}"
                f" give{'s' if n == 1 else ''} (at λ = {lams}):"
            )
            lines += _bullets(items)
        elif d is not None and d.gradient == frozenset():
            lines.append("diagnosis: your gradient is within 1e-7 of the reference but not within the course's")
            lines.append("  1e-9: float32 arithmetic, or a tiny constant (an ε) added somewhere?")
        else:
            lines.append(f"diagnosis: no classic mistake, nor a combination of them, gives your gradient (λ = {lams}).")
            lines += _own_words(report, usable)
            lines += _where(usable)
    if not cost_ok:
        head = "your cost" if grad_ok else "and your cost"
        extra = d.cost - described if d is not None and d.cost is not None else None
        if grad_ok and has_gradient:
            lines.append("diagnosis: your gradient is right; your cost is not (a cost-only mistake).")
        elif not has_gradient:
            lines.append("diagnosis: your cost is not right.")
        if d is not None and d.cost is not None and not extra:
            lines.append(f"  {head}: explained by the same mistake{'s' * (listed > 1)}.")
        elif extra:
            items = _describe(extra, report.problem, described)
            lines.append(
                f"  {head} is exactly what {'this' if len(items) == 1 else 'these'} give{'s' * (len(items) == 1)}:"
            )
            lines += _bullets(items)
        elif not (has_gradient and not grad_ok and d is not None and d.gradient is None and _own_words(report, usable)):
            c = _cost_ratio([r for r in usable if r.gradients is None] or usable)
            ratio = f" ({ratio_words(c, report.problem.m, report.problem.Y.shape[1])} the course's)" if c else "."
            lines.append(f"  {head}: no classic mistake gives it" + ratio)
            for hint in _other_cost_hints(report, usable):
                lines += _wrap(hint, "  hint: ", "    ")
    elif has_gradient and not grad_ok:
        lines.append("  your cost is right.")
    return lines


def problem_hints(report) -> list[str]:
    """What to look at when calls did not return numbers: the exception's likely cause."""
    lines = []
    text = " ".join(r.problem or "" for r in report.runs)
    p = report.problem
    if "IndexError" in text and p.labels is not None and not report.onehot:
        other = 1 - report.labels_base
        lines += _wrap(
            f"hint: y holds {report.labels_base}..{'K−1' if report.labels_base == 0 else 'K'} here; if your code "
            f"expects {other}..{'K−1' if other == 0 else 'K'} (labels off by one), check with --labels {other}",
            "  ",
            "    ",
        )
    shape = _shape_hint(text, p.m, p.sizes)
    if shape:
        lines += _wrap(shape, "  hint: ", "    ")
    return (["diagnosis: your function raised before any number could be compared (above)."] + lines) if lines else []


def _shape_hint(text: str, m: int, sizes: list[int]) -> str:
    """The common broadcast error in the course's notation: m × (s_l + 1) against m × s_l."""
    shapes = [(int(a), int(b)) for a, b in re.findall(r"\((\d+),\s*(\d+)\)", text)]
    for (r1, c1), (r2, c2) in zip(shapes, shapes[1:]):
        if r1 == r2 == m and abs(c1 - c2) == 1:
            s = min(c1, c2)
            layers = [l for l, size in enumerate(sizes, start=1) if size == s and l < len(sizes)]
            if not layers:
                continue
            l = layers[-1]
            if l == 1:
                return (
                    f"shapes {m}×{s + 1} and {m}×{s} are m × (s_1 + 1) and m × s_1 (m = {m}, s_1 = {s}): "
                    "a^(1) = [1, X] has the bias column, X has not"
                )
            return (
                f"shapes {m}×{s + 1} and {m}×{s} are m × (s_{l} + 1) and m × s_{l} (m = {m}, s_{l} = {s}): one has "
                f"the bias column of layer {l}, the other not; δ^({l}) drops it: "
                f"δ^({l}) = (δ^({l + 1}) Θ^({l}))[:, 1:] ⊙ g′(z^({l}))"
            )
    return ""


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


def _describe(keys: frozenset[str], p, described: set[str]) -> list[tuple[str, str]]:
    """Each mistake once, as (what, its fix): one item for a merged group (no 1/m in Δ nor in λΘ: one fix)."""
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
    return items


def _bullets(items: list[tuple[str, str]]) -> list[str]:
    """The items of `_describe` as bullets, wrapped to the report's width."""
    lines = []
    for what, fix in items:
        lines += textwrap.wrap(what, WIDTH, initial_indent="  • ", subsequent_indent="    ")
        lines += textwrap.wrap(fix, WIDTH, initial_indent="    fix: ", subsequent_indent="         ")
    return lines


def _where(runs) -> list[str]:
    """Where their gradient differs, when no mistake explains it: layers, λ, columns, ratios."""
    from .report import ABS_FLOOR

    lines = ["  where it differs:"]
    runs = [r for r in runs if r.gradients is not None]
    L = len(runs[0].reference)
    wrong_layers, wrong_at_0 = [], []
    for l in range(1, L + 1):
        bad = [r for r in runs if not r.layers[l - 1].ok]
        if not bad:
            lines.append(f"    Θ^({l}) agrees at every λ")
            continue
        wrong_layers.append(l)
        if any(r.lam == 0 for r in bad):
            wrong_at_0.append(l)
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
    ran_0 = any(r.lam == 0 for r in runs)
    deltas = wrong_at_0 if ran_0 else wrong_layers  # wrong only with λ > 0: the δ's are right
    if deltas and max(deltas) < L:
        last = max(deltas)
        lines.append(
            f"    Θ^({last + 1}) onwards is right (so is δ^({last + 2})): look at δ^({last + 1}) and at "
            f"∂J/∂Θ^({last}) = δ^({last + 1}) (a^({last}))ᵀ"
        )
    only_penalty = [l for l in wrong_layers if l not in wrong_at_0]
    if ran_0 and only_penalty:
        names = ", ".join(f"Θ^({l})" for l in only_penalty)
        lines.append(f"    {names} only with λ > 0: look at the penalty terms (λ/m)Θ^(l), bias column excluded")
    return [w for line in lines for w in textwrap.wrap(line, WIDTH, subsequent_indent="      ")]
