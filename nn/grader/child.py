"""The child process that holds a learner's function: load it, call it when asked, answer in JSON and .npy.

What it is: a script the checker starts in the learner's interpreter (`python child.py REQ REP
MEMORY`: the file descriptors of its two pipes and the memory limit in bytes), or the function
`serve` that a forked copy of the checker runs for a function object. It loads the target — a
.py file imported by path with its folder on sys.path, or an .ipynb whose needed statements
(`notebook.select`) run in a fresh module, in the notebook's folder — then answers one message per
call: what the function returned (`wire`: numbers and arrays, never pickles), the exception it
raised as a traceback of the learner's frames only, MemoryError past the limit (RLIMIT_DATA: the
data segment, not the address space that BLAS libraries reserve), or what could not be read. A
function that forks is reported (`forks` in the answer), and the copy it made can never answer:
the pipes are closed in it and it ends when it returns into this loop.

Needs: Python ≥ 3.8 and NumPy ≥ 1.17, nothing else (not chainrule: it runs where the learner's
packages are). POSIX only (resource limits, process groups).

What it is not: a security boundary. The learner's code runs with the user's rights.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import linecache
import os
import struct
import sys
import traceback
import types

__all__ = ["serve", "main", "MIN_PYTHON", "MIN_NUMPY"]

MIN_PYTHON = (3, 8)
MIN_NUMPY = (1, 17)

_STATE = {"pid": os.getpid(), "forks": 0, "fds": ()}


def _sibling(name: str):
    """wire.py / notebook.py: from the package when imported, by path when run as a script."""
    if __package__:
        return importlib.import_module(f"{__package__}.{name}")
    spec = importlib.util.spec_from_file_location(
        f"_chainrule_{name}", os.path.join(os.path.dirname(__file__), f"{name}.py")
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _send_plain(fd: int, message: dict) -> None:
    """A message without arrays, in wire's framing, for when NumPy itself is missing."""
    import json

    # wire encodes a dict as {"dict": {key: value}}; these messages hold only strs, which travel as they are
    header = json.dumps({"value": {"dict": message}, "sizes": []}).encode()
    body = struct.pack(">Q", len(header)) + header
    os.write(fd, struct.pack(">Q", len(body)) + body)


def _relative(filename: str) -> str:
    try:
        rel = os.path.relpath(filename)
    except ValueError:  # another drive
        return filename
    return rel if not rel.startswith(".." + os.sep + "..") else filename


_OURS = {os.path.join(os.path.dirname(os.path.abspath(__file__)), f) for f in ("child.py", "wire.py", "notebook.py")}


def _learner_traceback(exc: BaseException) -> str:
    """The exception with the learner's frames only: ours and importlib's machinery left out."""
    if isinstance(exc, SyntaxError) and exc.filename:
        exc.filename = _relative(exc.filename)
    frames = [
        f
        for f in traceback.extract_tb(exc.__traceback__)
        if not f.filename.startswith("<frozen ") and os.path.abspath(f.filename) not in _OURS
    ]
    for f in frames:
        f.filename = _relative(f.filename)
    lines = ["Traceback (most recent call last):\n"] if frames else []
    lines += traceback.format_list(frames)
    lines += traceback.format_exception_only(type(exc), exc)
    return "\n".join(line.rstrip() for line in "".join(lines).splitlines())


def _parameters(fn):
    """[name, has a default] for each positional parameter, or None when Python cannot say (or f(*args))."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return None
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    if any(p.kind == inspect.Parameter.VAR_POSITIONAL for p in sig.parameters.values()):
        return None
    return [[p.name, p.default is not inspect.Parameter.empty] for p in sig.parameters.values() if p.kind in kinds]


def _module_name(path: str) -> str:
    stem = os.path.splitext(os.path.basename(path))[0]
    return stem if stem.isidentifier() and stem not in sys.modules else f"_chainrule_learner_{abs(hash(path))}"


def _load_file(path: str) -> types.ModuleType:
    folder = os.path.dirname(os.path.abspath(path))
    if folder not in sys.path:
        sys.path.insert(0, folder)  # their file may import its neighbours
    name = _module_name(path)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _load_notebook(path: str, name: str, notebook) -> tuple[types.ModuleType, list, tuple]:
    path = os.path.abspath(path)
    folder = os.path.dirname(path)
    os.chdir(folder)  # as Jupyter runs it: data files beside the notebook
    if folder not in sys.path:
        sys.path.insert(0, folder)
    base = os.path.basename(path)
    cells = notebook.read_cells(path)
    selection = notebook.select(cells, name, filename=base)
    for number, source in enumerate(cells, start=1):  # tracebacks show the cell's lines
        filename = f"{base}, code cell {number}"
        lines = [line + "\n" for line in source.splitlines()]
        linecache.cache[filename] = (len(source), None, lines, filename)
    module = types.ModuleType(_module_name(path))
    module.__file__ = path
    sys.modules[module.__name__] = module
    for _, code in selection.statements:
        exec(code, module.__dict__)
    return module, selection.cells, selection.functions


def _defined(module: types.ModuleType, functions=None) -> str:
    """The functions a file defines; for a notebook, `functions`: what its cells define (only some of them ran)."""
    if functions is None:
        functions = [
            k
            for k, v in vars(module).items()
            if inspect.isfunction(v) and getattr(v, "__module__", "") == module.__name__
        ]
    return ", ".join(sorted(functions)) if functions else "none"


def _load(spec, notebook):
    """(status, payload, cells): ("ok", fn, cells), ("usage", message, …), ("memory", traceback, …)
    or ("raised", [traceback, the missing module's name or None], …)."""
    path, name = spec
    cells: list = []
    functions = None
    try:
        if path.endswith(".ipynb"):
            module, cells, functions = _load_notebook(path, name, notebook)
        else:
            module = _load_file(path)
    except BaseException as exc:  # noqa: BLE001 — their module's top level: SyntaxError, SystemExit, anything
        if isinstance(exc, MemoryError):
            return "memory", _learner_traceback(exc), cells
        missing = exc.name if isinstance(exc, ModuleNotFoundError) else None
        return "raised", [_learner_traceback(exc), missing], cells
    fn = getattr(module, name, None)
    if fn is None:
        return (
            "usage",
            f"{path} has no function {name!r} (functions defined there: {_defined(module, functions)})",
            cells,
        )
    if not callable(fn):
        return "usage", f"{name!r} in {path} is a {type(fn).__name__}, not a function", cells
    return "ok", fn, cells


def _count_fork() -> None:
    _STATE["forks"] += 1


def _in_fork_copy() -> None:
    for fd in _STATE["fds"]:  # a copy the learner's code made never answers for the original
        try:
            os.close(fd)
        except OSError:
            pass
    _STATE["fds"] = ()


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001 — their code may have replaced or closed it
            pass


def serve(req: int, rep: int, fn=None, memory: int | None = None) -> None:
    """Answer the checker's messages until it closes the pipe; never returns (os._exit)."""
    _STATE["pid"], _STATE["fds"] = os.getpid(), (req, rep)
    if memory:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
        limit = memory if hard == resource.RLIM_INFINITY else min(memory, hard)
        resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))
    if hasattr(os, "register_at_fork"):
        os.register_at_fork(before=_count_fork, after_in_child=_in_fork_copy)
    try:
        import numpy as np

        wire = _sibling("wire")
    except ImportError as exc:
        _send_plain(rep, {"kind": "no_numpy", "message": str(exc), "python": sys.version.split()[0]})
        os._exit(0)
    if tuple(int(x) for x in np.__version__.split(".")[:2]) < MIN_NUMPY:
        _send_plain(
            rep,
            {
                "kind": "no_numpy",
                "message": f"NumPy {np.__version__} is older than 1.17",
                "python": sys.version.split()[0],
            },
        )
        os._exit(0)
    functions = {}
    while True:
        try:
            message = wire.receive(req)
        except (wire.Closed, OSError):
            _flush()
            os._exit(0)
        op = message["op"]
        if op == "load":
            reply = {
                "kind": "loaded",
                "python": sys.version.split()[0],
                "numpy": np.__version__,
                "executable": sys.executable,
                "parameters": {},
                "cells": [],
            }
            for which, spec in message["targets"].items():
                if spec is None:
                    functions[which] = fn
                    reply["parameters"][which] = _parameters(fn)
                    continue
                status, payload, cells = _load(spec, _sibling("notebook"))
                reply["cells"] += cells
                if status != "ok":
                    reply = {"kind": status, "which": which, "message": payload, "cells": reply["cells"]}
                    break
                functions[which] = payload
                reply["parameters"][which] = _parameters(payload)
        else:
            _STATE["forks"] = 0
            try:
                value = functions[message["which"]](*message["args"])
            except MemoryError as exc:
                reply = {"kind": "memory", "message": _learner_traceback(exc)}
            except BaseException as exc:  # noqa: BLE001 — their exception, SystemExit and KeyboardInterrupt included
                reply = {"kind": "raised", "message": _learner_traceback(exc)}
            else:
                reply = {"kind": "returned", "value": value}
            if os.getpid() != _STATE["pid"]:  # the learner's fork copy came back here: it has nothing to say
                os._exit(0)
            reply["forks"] = _STATE["forks"]
        _flush()
        try:
            wire.send(rep, reply)
        except wire.Unreadable as exc:
            wire.send(rep, {"kind": "unreadable", "message": str(exc), "forks": _STATE["forks"]})


def main(argv: list) -> None:
    if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
        del sys.path[0]  # nothing of chainrule's is importable by name in the learner's code
    req, rep, memory = int(argv[0]), int(argv[1]), int(argv[2])
    for fd in (req, rep):
        os.set_inheritable(fd, False)  # programs their code starts do not get the pipes
    _send_plain(rep, {"kind": "hello"})  # the checker knows a Python runs this, not /bin/true or an echo
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(line_buffering=True)
        except AttributeError:
            pass
    if sys.version_info < MIN_PYTHON:
        _send_plain(rep, {"kind": "old_python", "python": sys.version.split()[0]})
        os._exit(0)
    serve(req, rep, memory=memory)


if __name__ == "__main__":
    main(sys.argv[1:])
