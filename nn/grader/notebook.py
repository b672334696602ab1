"""Which statements of a learner's notebook to run so that one of its functions can be called.

What it is: `select(cells, name)` reads the code cells of an .ipynb (plain JSON: `read_cells`) and
picks, by static name analysis (the `ast` of each cell), the top-level statements that bind the
names the function's definition references — its globals, default values and decorators — and,
transitively, the names those statements reference: the imports (`import numpy as np`), the
helper functions (`sigmoid`), the constants. It never picks a statement that calls the function
itself or an optimizer or training routine (`minimize`, `fmin_cg`, `fit`, …), nor one that calls a
notebook function that does (a training loop is a statement that does); statements that bind
nothing (`print(J)`, a plot) are never run. IPython's `%magic` and `!shell` lines are blanked. The
result lists, per cell, what ran and what was left out and why, for the report.

What it is not: a notebook runner. Cells run in document order as the learner wrote them, not in
the order they were last executed; a name bound only by something not picked (a loop that also
trains) stays undefined, and calling the function then raises a NameError that says which.

It needs only the standard library (Python ≥ 3.8): the child loads it in the learner's interpreter.
"""

from __future__ import annotations

import ast
import builtins
import json
import re

__all__ = ["read_cells", "select", "Selection", "OPTIMIZERS"]

# Calls that train or optimize: a statement calling one of these (or the function checked) is never run.
OPTIMIZERS = frozenset(
    "minimize fmin fmin_cg fmin_bfgs fmin_l_bfgs_b fmin_ncg fmin_tnc fmincg least_squares curve_fit "
    "fit train train_model gradient_descent gradientDescent optimize".split()
)
_MAGIC = re.compile(r"^(\s*)[%!]")


def read_cells(path: str) -> list[str]:
    """The sources of the code cells of the notebook at `path`, in order (ValueError if it is not one)."""
    with open(path, encoding="utf-8") as f:
        try:
            nb = json.load(f)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path} is not a notebook (not JSON: {exc})") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise ValueError(f"{path} is not a notebook (no list of cells)")
    out = []
    for cell in nb["cells"]:
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            src = cell.get("source", "")
            out.append("".join(src) if isinstance(src, list) else str(src))
    return out


def _blank_magics(source: str) -> str:
    """%magic and !shell lines (and a %%cell magic's first line) → `pass`, keeping the indentation."""
    return "\n".join(_MAGIC.sub(r"\1pass  # ", line) if _MAGIC.match(line) else line for line in source.splitlines())


def _bound(stmt: ast.stmt) -> set[str]:
    """The names a top-level statement binds."""
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {stmt.name}
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        return {(a.asname or a.name).split(".")[0] for a in stmt.names if a.name != "*"} | (
            {"*"} if any(a.name == "*" for a in stmt.names) else set()
        )
    names = set()
    for node in ast.walk(stmt):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names if a.name != "*"}
    return names


def _used(stmt: ast.stmt) -> set[str]:
    """The names a statement reads (inside its functions too: their globals), minus those it binds inside them."""
    loads, local = set(), set()
    for node in ast.walk(stmt):
        if isinstance(node, ast.Name):
            (loads if isinstance(node.ctx, ast.Load) else local).add(node.id)
        elif isinstance(node, ast.arg):
            local.add(node.arg)
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        loads -= local - _bound_outside(stmt)
    return loads - set(dir(builtins))


def _bound_outside(stmt: ast.stmt) -> set[str]:
    # a def's decorators and defaults are evaluated outside it: names there are never its locals
    outside = list(getattr(stmt, "decorator_list", []))
    args = getattr(stmt, "args", None)
    if args is not None:
        outside += list(args.defaults) + [d for d in args.kw_defaults if d is not None]
    return {n.id for e in outside for n in ast.walk(e) if isinstance(n, ast.Name)}


def _called(stmt: ast.stmt, top_only: bool) -> set[str]:
    """The names of what a statement calls (f(…) or x.f(…)); with `top_only`, not inside defs or lambdas."""
    found = set()
    todo = [stmt]
    if top_only and isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
        todo = list(stmt.decorator_list) + list(stmt.args.defaults) + [d for d in stmt.args.kw_defaults if d]
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Name):
                found.add(f.id)
            elif isinstance(f, ast.Attribute):
                found.add(f.attr)
        for child in ast.iter_child_nodes(node):
            if top_only and isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                continue
            todo.append(child)
    return found


class Selection:
    """What to run: `statements` (cell number, compiled code) in order; `cells` the report's lines;
    `functions` the names of the functions the notebook defines at its top level (sorted)."""

    def __init__(self, statements: list, cells: list[str], found: bool, functions: tuple = ()) -> None:
        self.statements = statements
        self.cells = cells
        self.found = found
        self.functions = tuple(functions)

    def __repr__(self) -> str:
        return f"Selection({len(self.statements)} statements from {len(self.cells)} cells)"


def _first_line(stmt: ast.stmt, source: str) -> str:
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return f"def {stmt.name}"
    if isinstance(stmt, ast.ClassDef):
        return f"class {stmt.name}"
    line = source.splitlines()[stmt.lineno - 1].strip().split("  #")[0]
    return line if len(line) <= 32 else line[:29] + "..."


def select(cells: list[str], name: str, filename: str = "notebook") -> Selection:
    """The statements to run before calling `name` (see the module doc); cells numbered from 1."""
    parsed = []  # (cell number, statement, its source) in document order
    skipped = []
    for number, source in enumerate(cells, start=1):
        text = _blank_magics(source)
        try:
            tree = ast.parse(text, filename=f"{filename}, code cell {number}")
        except SyntaxError as exc:
            skipped.append(f"code cell {number}: not run (it does not parse: {exc.msg}, line {exc.lineno})")
            continue
        parsed += [(number, stmt, text) for stmt in tree.body]
    # the functions that train: the target, the optimizers, and notebook functions calling them
    runners = set(OPTIMIZERS) | {name}
    defs = {s.name: s for _, s, _ in parsed if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))}
    grew = True
    while grew:
        grew = False
        for fname, d in defs.items():
            if fname not in runners and fname != name and _called(d, top_only=False) & runners:
                runners.add(fname)
                grew = True
    runners_called = [(n, s, t, _called(s, top_only=True) & runners) for n, s, t in parsed]
    found = any(name in _bound(s) for _, s, _ in parsed)
    needed, chosen = {name}, set()
    grew = True
    while grew:  # transitively: the statements binding a needed name, and the names they need
        grew = False
        for i, (_, stmt, _, calls) in enumerate(runners_called):
            if i in chosen or calls:
                continue
            bound = _bound(stmt)
            if bound & needed or ("*" in bound):
                chosen.add(i)
                needed |= _used(stmt)
                grew = True
    ran: dict[int, list[str]] = {}
    lines = []
    statements = []
    for i, (number, stmt, text, calls) in enumerate(runners_called):
        if i in chosen:
            module = ast.Module(body=[stmt], type_ignores=[])
            statements.append((number, compile(module, f"{filename}, code cell {number}", "exec")))
            ran.setdefault(number, []).append(_first_line(stmt, text))
        elif calls:
            lines.append(
                (number, f"code cell {number}: not run: {_first_line(stmt, text)} (calls {', '.join(sorted(calls))})")
            )
    lines += [(n, f"code cell {n}: ran " + "; ".join(parts)) for n, parts in ran.items()]
    lines = [text for _, text in sorted(lines, key=lambda t: (t[0], "not run" in t[1]))]
    return Selection(statements, lines + skipped, found, sorted(defs))
