"""Run a learner's function in a child process: limits of time and memory, their output kept aside, nothing left behind.

What it is: `Sandbox(target, …)` starts one child process and loads the target there — a
function object (the child is then a forked copy of this process, so a function defined in a
notebook or a test works), or "FILE.py:NAME" / "FILE.ipynb:NAME" (the child is `child.py` in
`python`, chainrule's own interpreter or the learner's: `--python`). It calls the function as
often as asked, and each call comes back as an `Outcome`: what it returned, or the exception it
raised (their frames only), or that it did not return within `timeout` (loading has its own
`load_timeout`), ran out of `memory`, died, or returned something that is not numbers.

The child and everything it starts form one process group, ended (SIGKILL) when the sandbox
stops, so a learner's fork or a program it started never outlives the check nor holds the
caller's stdout open; a fork is counted and reported. The child's file descriptors 1 and 2 are a
pipe drained here: what the learner's code writes — print, os.write(1, …), a program it runs —
is kept (the first MAX_OUTPUT bytes) and never reaches the caller's stdout. It cannot read stdin.

Platforms: POSIX (Linux, macOS): process groups, fork and resource limits are POSIX features.

What it is not: a security boundary. The learner's code runs with the user's rights; a process
that leaves the group (setsid) or a file it writes is not undone.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from . import child, wire

__all__ = ["Sandbox", "Outcome", "parse_target", "MAX_OUTPUT", "CHILD"]

MAX_OUTPUT = 20_000  # bytes of the learner's output that are kept
CHILD = Path(child.__file__).resolve()  # the script run in the learner's interpreter
_SUFFIXES = (".py", ".ipynb")


class Outcome(NamedTuple):
    """One call: `kind` is "returned", "raised", "timeout", "memory", "died" or "unreadable"; `value`
    what it returned; `message` the traceback or what happened, in the learner's terms."""

    kind: str
    value: Any = None
    message: str = ""

    @property
    def returned(self) -> bool:
        return self.kind == "returned"


def parse_target(spec: str, what: str = "--function") -> tuple[Path, str]:
    """ "path/file.py:NAME" or "path/file.ipynb:NAME" → (path, NAME); ValueError naming what is wrong."""
    if not isinstance(spec, str):
        raise TypeError(f"{what} must be a callable or 'FILE.py:NAME', got {type(spec).__name__}")
    path, sep, name = spec.rpartition(":")
    if not sep or not path or not name:
        raise ValueError(f"{what}: expected FILE.py:NAME or FILE.ipynb:NAME (e.g. ex4.py:nnCostFunction), got {spec!r}")
    if not name.isidentifier():
        raise ValueError(f"{what}: {name!r} is not a Python name (expected FILE.py:NAME, e.g. ex4.py:nnCostFunction)")
    p = Path(path)
    if p.suffix not in _SUFFIXES:
        raise ValueError(f"{what}: {path!r} is not a .py file nor an .ipynb notebook (expected FILE.py:NAME)")
    if not p.is_file():
        raise ValueError(f"{what}: no such file: {path}")
    return p, name


def _relative(filename: str) -> str:
    try:
        rel = os.path.relpath(filename)
    except ValueError:
        return filename
    return rel if not rel.startswith(".." + os.sep + "..") else filename


def _describe(target: Callable | str, what: str) -> tuple[str, Any]:
    if isinstance(target, str):
        path, name = parse_target(target, what)
        return f"{name} in {_relative(str(path))}", [str(path), name]
    if callable(target):
        return getattr(target, "__qualname__", repr(target)), None
    raise TypeError(f"{what} must be a callable or 'FILE.py:NAME', got {type(target).__name__}")


def _group_members(pgid: int) -> int:
    """How many live processes of the group `pgid` are not its leader (Linux's /proc; 0 where it cannot tell)."""
    count = 0
    try:
        entries = os.listdir("/proc")
    except OSError:
        return 0
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if len(fields) > 2 and fields[0] != b"Z" and int(fields[2]) == pgid and int(entry) != pgid:
            count += 1
    return count


class _Drain(threading.Thread):
    """Reads the child's stdout/stderr pipe to its end, keeping the first MAX_OUTPUT bytes."""

    def __init__(self, fd: int) -> None:
        super().__init__(daemon=True)
        self.fd = fd
        self.kept = bytearray()
        self.total = 0

    def run(self) -> None:
        while True:
            try:
                chunk = os.read(self.fd, 1 << 16)
            except OSError:
                return
            if not chunk:
                return
            room = MAX_OUTPUT - len(self.kept)
            if room > 0:
                self.kept += chunk[:room]
            self.total += len(chunk)

    def text(self) -> str:
        text = self.kept.decode("utf-8", errors="replace")
        if self.total > len(self.kept):
            text += f"\n… ({self.total - len(self.kept):,} more bytes)"
        return text


class Sandbox:
    """A child process holding the learner's function (and `gradient`, for a J-only cost); a context manager.

    `timeout`: seconds per call; `load_timeout`: seconds to load the file; `memory`: bytes of data
    segment (RLIMIT_DATA) the child may use; `python`: the interpreter for a file's child (default:
    this one). After `start()`: `parameters[which]` lists (name, has_default) of the positional
    parameters (None if unknown), `load_problem` an Outcome when loading failed (`missing`: the
    module it could not import), `cells` what ran of a notebook; after `stop()`: `output` what the
    learner's code wrote, `forks` how many times it forked, `left` how many processes it left running.
    """

    def __init__(
        self,
        target: Callable | str,
        *,
        gradient: Callable | str | None = None,
        timeout: float = 10.0,
        load_timeout: float = 120.0,
        memory: int = 4 * 2**30,
        python: str | None = None,
    ) -> None:
        if os.name != "posix":
            raise OSError("checking a learner's function needs a POSIX system (Linux, macOS): process groups and fork")
        self.description, spec = _describe(target, "--function")
        self.targets: dict[str, Any] = {"function": spec}
        self._objects = {"function": None if spec else target}
        if gradient is not None:
            gdesc, gspec = _describe(gradient, "--gradient")
            self.targets["gradient"] = gspec
            self._objects["gradient"] = None if gspec else gradient
            self.gradient_description = gdesc
        if any(self._objects.values()) and any(s is not None for s in self.targets.values()):
            raise ValueError("the function and the gradient must both be files or both be function objects")
        self.forked = spec is None
        if self.forked and python is not None:
            raise ValueError("python= runs a file in another interpreter; a function object runs in this one")
        self.python = python or sys.executable
        self.timeout = float(timeout)
        self.load_timeout = float(load_timeout)
        self.memory = int(memory)
        self.parameters: dict[str, list[tuple[str, bool]] | None] = {}
        self.load_problem: Outcome | None = None
        self.missing: str | None = None
        self.missing_from: str | None = None  # the file whose loading could not import `missing`
        self.cells: list[str] = []
        self.versions: dict[str, str] = {}
        self.forks = 0
        self.left = 0
        self._pid: int | None = None
        self._popen: subprocess.Popen | None = None
        self._req: int | None = None
        self._rep: int | None = None
        self._drain: _Drain | None = None
        self._dead: Outcome | None = None
        self._pid_reaped = False

    def __repr__(self) -> str:
        state = "running" if self._pid is not None else "stopped"
        return f"Sandbox({self.description}, timeout={self.timeout:g} s, {state})"

    @property
    def output(self) -> str:
        return self._drain.text() if self._drain is not None else ""

    # -- starting

    def _fork(self, req_r: int, rep_w: int, out_w: int, close: tuple[int, ...]) -> int:
        sys.stdout.flush()
        sys.stderr.flush()
        with warnings.catch_warnings():
            # Python ≥ 3.12 warns about fork in a process with threads (a Jupyter kernel has some);
            # the copy only calls the learner's function, holding none of their locks
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid:
            try:
                os.setpgid(pid, pid)  # here too, so that stop() never races the child's own call
            except OSError:
                pass
            return pid
        try:  # the copy: its own group, its output into the pipe, no stdin
            os.setpgid(0, 0)
            for fd in close:
                os.close(fd)
            null = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null, 0)
            os.dup2(out_w, 1)
            os.dup2(out_w, 2)
            import io

            sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False))
            sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), line_buffering=True, errors="replace")
            sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), line_buffering=True, errors="replace")
            child.serve(req_r, rep_w, fn=self._objects["function"], memory=self._fork_memory())
        finally:
            os._exit(70)

    def _fork_memory(self) -> int:
        """The limit for a forked copy: what this process already holds (a notebook's data) plus `memory`."""
        try:
            with open("/proc/self/status") as f:
                held = next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmData:"))
        except (OSError, StopIteration, ValueError):
            held = 0
        return held + self.memory

    def start(self) -> Sandbox:
        req_r, req_w = os.pipe()
        rep_r, rep_w = os.pipe()
        out_r, out_w = os.pipe()
        try:
            if self.forked:
                self._pid = self._fork(req_r, rep_w, out_w, (req_w, rep_r, out_r))
            else:
                try:
                    self._popen = subprocess.Popen(
                        [self.python, str(CHILD), str(req_r), str(rep_w), str(self.memory)],
                        stdin=subprocess.DEVNULL,
                        stdout=out_w,
                        stderr=out_w,
                        pass_fds=(req_r, rep_w),
                        start_new_session=True,  # a process group of its own, ended with the check
                    )
                except OSError as exc:
                    raise ValueError(f"--python {self.python}: cannot run it ({exc.strerror})") from None
                self._pid = self._popen.pid
        finally:
            for fd in (req_r, rep_w, out_w):
                os.close(fd)
        self._req, self._rep = req_w, rep_r
        self._drain = _Drain(out_r)
        self._drain.start()
        if not self.forked:
            self._hello()
        try:
            wire.send(self._req, {"op": "load", "targets": self.targets})
        except OSError:  # it has ended already (no NumPy: its answer is waiting in the pipe); read what it said
            pass
        reply = self._receive(self.load_timeout, "loading your file", "--load-timeout")
        if reply.kind != "returned":
            self.load_problem = reply
            return self
        answer = reply.value
        kind = answer["kind"]
        self.cells = answer.get("cells", [])
        if kind == "loaded":
            self.parameters = {k: None if v is None else [tuple(p) for p in v] for k, v in answer["parameters"].items()}
            self.versions = {"python": answer["python"], "numpy": answer["numpy"], "executable": answer["executable"]}
            return self
        if kind == "usage":
            self.stop()
            raise ValueError(answer["message"])
        if kind == "raised":
            message, self.missing = answer["message"]
            spec = self.targets.get(answer.get("which", "function"))
            self.missing_from = spec[0] if self.missing and spec else None
            self.load_problem = Outcome("raised", message=message)
        elif kind == "memory":
            self.load_problem = Outcome("memory", message=answer["message"])
        elif kind == "no_numpy":
            self.load_problem = Outcome(
                "no_numpy",
                message=f"{self.python} (Python {answer['python']}) has no usable NumPy: {answer['message']}",
            )
        else:  # old_python
            self.load_problem = Outcome("old_python", message=f"{self.python} is Python {answer['python']}")
        self._dead = Outcome("died", message="not run: your file did not load")
        return self

    def _hello(self) -> None:
        """child.py's first message; ValueError naming --python when the program is no Python that runs it."""
        try:
            answer = wire.receive(self._rep, time.monotonic() + self.load_timeout)
        except wire.Timeout:
            how = f"no answer within {self.load_timeout:g} s (--load-timeout {self.load_timeout:g})"
        except (wire.Closed, OSError, ValueError, KeyError, TypeError):
            code = self._exit_code()
            how = "it ended" + (f" with exit code {code}" if code is not None else "") + " without answering"
        else:
            if isinstance(answer, dict) and answer.get("kind") == "hello":
                return
            how = "its answer was not chainrule's"
        self.stop()
        said = [line.strip() for line in self.output.splitlines() if line.strip()]
        if said:
            last = said[-1] if len(said[-1]) <= 80 else said[-1][:77] + "..."
            how += f"; its last line of output: {last}"
        raise ValueError(
            f"--python {self.python}: it did not answer as a Python interpreter would ({how}); "
            "pass a Python ≥ 3.8 with NumPy ≥ 1.17: your venv's or conda env's python"
        )

    # -- calling

    def _receive(self, seconds: float, doing: str, option: str) -> Outcome:
        """The next reply within `seconds`; the child's group is ended if it does not come."""
        try:
            answer = wire.receive(self._rep, time.monotonic() + seconds)
        except wire.Timeout:
            self.stop()
            self._dead = Outcome(
                "timeout", message=f"not run: an earlier call did not return within {self.timeout:g} s"
            )
            return Outcome("timeout", message=f"did not return within {seconds:g} s ({doing}; {option} {seconds:g})")
        except (wire.Closed, OSError, ValueError):
            code = self._exit_code()
            self.stop()
            if code is not None and code < 0:
                name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else str(-code)
                how = f"signal {name}"
            else:
                how = f"exit code {code}" if code is not None else "unknown"
            self._dead = Outcome("died", message="not run: the process running it ended during an earlier call")
            return Outcome("died", message=f"the process running it ended without returning ({how}) while {doing}")
        self.forks += answer.get("forks", 0) if isinstance(answer, dict) else 0
        return Outcome("returned", answer)

    def _exit_code(self) -> int | None:
        for _ in range(50):
            if self._popen is not None:
                code = self._popen.poll()
            else:
                pid, status = os.waitpid(self._pid, os.WNOHANG)
                code = None if pid == 0 else os.waitstatus_to_exitcode(status)
                if pid:
                    self._pid_reaped = True
            if code is not None:
                return code
            time.sleep(0.02)
        return None

    def call(self, *args: Any, which: str = "function") -> Outcome:
        """Call the learner's function (or their `gradient`) with `args`; never waits longer than `timeout`."""
        if self._dead is not None:
            return self._dead
        if self._pid is None:
            raise RuntimeError("Sandbox.call before start()")
        try:
            wire.send(self._req, {"op": "call", "which": which, "args": list(args)})
        except OSError:
            return self._receive(0.5, "running it", "--timeout")
        reply = self._receive(self.timeout, "running it", "--timeout")
        if not reply.returned:
            return reply
        answer = reply.value
        kind = answer["kind"]
        if kind == "returned":
            return Outcome("returned", answer["value"])
        if kind == "unreadable":
            return Outcome("unreadable", message=f"it returned {answer['message']}, which is not numbers")
        return Outcome(kind, message=answer["message"])

    # -- stopping

    def stop(self) -> None:
        """End the child's whole process group, and collect what it wrote."""
        for fd in (self._req, self._rep):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._req = self._rep = None
        if self._pid is not None:
            self.left = max(self.left, _group_members(self._pid))
            try:
                os.killpg(self._pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            if self._popen is not None:
                self._popen.wait()
            elif not self._pid_reaped:
                try:
                    os.waitpid(self._pid, 0)
                except ChildProcessError:
                    pass
            self._pid = None
        if self._drain is not None:
            self._drain.join(5.0)
            try:
                os.close(self._drain.fd)
            except OSError:
                pass

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
