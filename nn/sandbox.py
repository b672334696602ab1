"""Run a learner's function in a child process: a time limit, their own traceback, their prints kept aside.

What it is: `Sandbox(target, timeout)` starts one child process (forked where the platform can,
so a function defined in a notebook or a test works as well as a file), loads the target there
— a callable, or "path/to/file.py:NAME" imported by path with the file's folder on sys.path — and
calls it as often as asked, each call with its own time limit. A call comes back as an `Outcome`:
what the function returned; or the exception it raised, formatted from the learner's frames only
(the file and line in their code, none of chainrule's); or "did not return within N s" (the
child is then ended); or the child's death (os._exit, a crash). What the function prints is kept
(up to a bound), not mixed into the report; it cannot read stdin.

What it is not: a security boundary. The learner's code runs with your permissions; the child
only protects the checker from hangs, crashes, sys.exit and stray output.
"""

from __future__ import annotations

import importlib.util
import inspect
import io
import multiprocessing
import os
import pickle
import sys
import traceback
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

__all__ = ["Sandbox", "Outcome", "parse_target", "MAX_OUTPUT"]

MAX_OUTPUT = 20_000  # characters of the learner's printed output that are kept


class Outcome(NamedTuple):
    """One call: `kind` is "returned", "raised", "timeout" or "died"; `value` what it returned;
    `message` the traceback or what happened, in the learner's terms."""

    kind: str
    value: Any = None
    message: str = ""

    @property
    def returned(self) -> bool:
        return self.kind == "returned"


def parse_target(spec: str) -> tuple[Path, str]:
    """ "path/file.py:NAME" → (path, NAME); ValueError naming what is wrong (no colon, no file, not .py)."""
    if not isinstance(spec, str):
        raise TypeError(f"the function must be a callable or 'FILE.py:NAME', got {type(spec).__name__}")
    path, sep, name = spec.rpartition(":")
    if not sep or not path or not name:
        raise ValueError(f"expected FILE.py:NAME (e.g. ex4.py:nnCostFunction), got {spec!r}")
    if not name.isidentifier():
        raise ValueError(f"{name!r} is not a Python name (expected FILE.py:NAME, e.g. ex4.py:nnCostFunction)")
    p = Path(path)
    if p.suffix != ".py":
        raise ValueError(f"{path!r} is not a .py file (expected FILE.py:NAME)")
    if not p.is_file():
        raise ValueError(f"no such file: {path}")
    return p, name


# ---------------------------------------------------------------- the child side


class _Capture(io.TextIOBase):
    """A stdout/stderr that keeps the first MAX_OUTPUT characters and counts the rest."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.kept = 0
        self.dropped = 0

    def writable(self) -> bool:
        return True

    def write(self, s: str) -> int:
        room = MAX_OUTPUT - self.kept
        if room > 0:
            self.parts.append(s[:room])
            self.kept += min(len(s), room)
        self.dropped += max(0, len(s) - max(room, 0))
        return len(s)

    def take(self) -> str:
        text = "".join(self.parts)
        if self.dropped:
            text += f"\n… ({self.dropped} more characters)"
        self.parts, self.kept, self.dropped = [], 0, 0
        return text


def _relative(filename: str) -> str:
    try:
        rel = os.path.relpath(filename)
    except ValueError:  # another drive
        return filename
    return rel if not rel.startswith(".." + os.sep + "..") else filename


def _learner_traceback(exc: BaseException, skip: int) -> str:
    """The exception with the learner's frames: `skip` frames of ours dropped from the top, and
    importlib's machinery (when their module fails to import) left out."""
    tb = exc.__traceback__
    for _ in range(skip):
        if tb is not None:
            tb = tb.tb_next
    if isinstance(exc, SyntaxError) and exc.filename:
        exc.filename = _relative(exc.filename)
    frames = [f for f in traceback.extract_tb(tb) if not f.filename.startswith("<frozen ")]
    for f in frames:
        f.filename = _relative(f.filename)
    lines = ["Traceback (most recent call last):\n"] if frames else []
    lines += traceback.format_list(frames)
    lines += traceback.format_exception_only(type(exc), exc)
    return "\n".join(line.rstrip() for line in "".join(lines).splitlines())


def _load(target: Any) -> tuple[str, Any]:
    """(status, payload): ("ok", fn), ("usage", message) or ("raised", traceback text)."""
    if not isinstance(target, tuple):
        return "ok", target
    path, name = target
    folder = str(Path(path).resolve().parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)  # their file may import its neighbours
    stem = Path(path).stem
    modname = stem if stem.isidentifier() and stem not in sys.modules else f"_chainrule_learner_{abs(hash(path))}"
    spec = importlib.util.spec_from_file_location(modname, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[modname] = module
    try:
        spec.loader.exec_module(module)
    except BaseException as exc:  # noqa: BLE001 — their module's top level: SyntaxError, SystemExit, anything
        return "raised", _learner_traceback(exc, 1)
    fn = getattr(module, name, None)
    if fn is None:
        found = sorted(k for k, v in vars(module).items() if callable(v) and getattr(v, "__module__", "") == modname)
        listed = ", ".join(found) if found else "none"
        return "usage", f"{path} has no function {name!r} (functions defined there: {listed})"
    if not callable(fn):
        return "usage", f"{name!r} in {path} is a {type(fn).__name__}, not a function"
    return "ok", fn


def _parameters(fn: Callable) -> list[tuple[str, bool]] | None:
    """(name, has a default) for each positional parameter, or None when Python cannot say."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return None
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    if any(p.kind == inspect.Parameter.VAR_POSITIONAL for p in sig.parameters.values()):
        return None  # f(*args): any number fits
    return [(p.name, p.default is not inspect.Parameter.empty) for p in sig.parameters.values() if p.kind in kinds]


def _child(conn, target: Any) -> None:
    out = _Capture()
    sys.stdout = sys.stderr = out
    sys.stdin = io.StringIO("")  # input() raises EOFError instead of waiting
    status, payload = _load(target)
    if status != "ok":
        conn.send((status, payload, out.take()))
        return
    fn = payload
    conn.send(("ok", _parameters(fn), out.take()))
    while True:
        try:
            args = conn.recv()
        except EOFError:
            return
        try:
            value = fn(*args)
        except BaseException as exc:  # noqa: BLE001 — their exception, SystemExit and KeyboardInterrupt included
            reply = ("raised", _learner_traceback(exc, 1), out.take())
        else:
            try:
                pickle.dumps(value)
                reply = ("returned", value, out.take())
            except Exception:  # noqa: BLE001 — something that cannot travel back: say what it was
                reply = ("unpicklable", f"{type(value).__module__}.{type(value).__qualname__}", out.take())
        conn.send(reply)


# ---------------------------------------------------------------- the parent side


class Sandbox:
    """A child process holding the learner's function; use as a context manager.

    `target`: a callable, or "FILE.py:NAME". `timeout`: seconds for loading and for each call.
    After `start()`: `parameters` lists (name, has_default) of the function's positional
    parameters (None if unknown), `load_problem` is the Outcome of a module that failed to
    import (else None), `output` accumulates what the learner's code printed.
    """

    def __init__(self, target: Callable | str, timeout: float = 10.0) -> None:
        if not (isinstance(timeout, (int, float)) and timeout > 0):
            raise ValueError(f"timeout must be a number of seconds > 0, got {timeout!r}")
        if isinstance(target, str):
            path, name = parse_target(target)
            self.description = f"{name} in {_relative(str(path))}"
            self._target: Any = (str(path), name)
        elif callable(target):
            self.description = getattr(target, "__qualname__", repr(target))
            self._target = target
        else:
            raise TypeError(f"the function must be a callable or 'FILE.py:NAME', got {type(target).__name__}")
        self.timeout = float(timeout)
        self.parameters: list[tuple[str, bool]] | None = None
        self.load_problem: Outcome | None = None
        self.output = ""
        self._proc = None
        self._conn = None
        self._dead: Outcome | None = None

    def __repr__(self) -> str:
        state = "running" if self._proc is not None and self._proc.is_alive() else "stopped"
        return f"Sandbox({self.description}, timeout={self.timeout:g} s, {state})"

    def start(self) -> Sandbox:
        methods = multiprocessing.get_all_start_methods()
        ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        parent, child = ctx.Pipe()
        self._proc = ctx.Process(target=_child, args=(child, self._target), daemon=True)
        try:
            with warnings.catch_warnings():
                # Python ≥ 3.12 warns about fork in a process with threads (a Jupyter kernel has some);
                # the child only imports and calls the learner's function, holding none of their locks
                warnings.simplefilter("ignore", DeprecationWarning)
                self._proc.start()
        except (pickle.PicklingError, AttributeError, TypeError) as exc:
            raise ValueError(f"cannot hand {self.description} to a child process ({exc}); use 'FILE.py:NAME'") from None
        child.close()
        self._conn = parent
        reply = self._receive("loading your file")
        if reply.kind != "returned":
            self.load_problem = reply
            return self
        status, payload = reply.value
        if status == "usage":
            self.stop()
            raise ValueError(payload)
        if status == "raised":
            self.load_problem = Outcome("raised", message=payload)
            self._dead = Outcome("died", message="not run: your file failed to import")
            return self
        self.parameters = payload
        return self

    def _receive(self, doing: str) -> Outcome:
        """The next reply, within the time limit; the child is ended if it does not come."""
        if not self._conn.poll(self.timeout):
            self.stop()
            self._dead = Outcome(
                "timeout", message=f"not run: an earlier call did not return within {self.timeout:g} s"
            )
            return Outcome("timeout", message=f"did not return within {self.timeout:g} s ({doing})")
        try:
            kind, payload, printed = self._conn.recv()
        except (EOFError, OSError):
            self._proc.join(1.0)
            code = self._proc.exitcode
            self.stop()
            how = f"exit code {code}" if code is not None and code >= 0 else f"signal {-code}" if code else "unknown"
            self._dead = Outcome("died", message="not run: the process running it ended during an earlier call")
            return Outcome("died", message=f"the process running it ended without returning ({how}) while {doing}")
        self.output += printed
        if kind in ("ok", "usage", "raised") and doing == "loading your file":
            return Outcome("returned", (kind, payload))
        if kind == "raised":
            return Outcome("raised", message=payload)
        if kind == "unpicklable":
            return Outcome("raised", message=f"it returned a {payload}, which is not numbers (J, grad)")
        return Outcome("returned", payload)

    def call(self, *args: Any) -> Outcome:
        """Call the learner's function with `args`; never waits longer than the time limit."""
        if self._dead is not None:
            return self._dead
        if self._proc is None:
            raise RuntimeError("Sandbox.call before start()")
        self._conn.send(args)
        return self._receive("running it")

    def stop(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._proc is not None:
            if self._proc.is_alive():
                self._proc.terminate()
                self._proc.join(2.0)
                if self._proc.is_alive():
                    self._proc.kill()
                    self._proc.join(2.0)
            else:
                self._proc.join(0.1)
            self._proc = None

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
