"""The learner's code runs in a child of its own (nn.grader.sandbox, child, wire): its environment, its limits,
and nothing of it escapes the check — forks and programs ended, output kept aside at the file-descriptor level.

Exit codes are checked through the command line as a user runs it (a subprocess): 0 RIGHT, 1 WRONG,
2 bad options, 3 NOT CHECKED.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from nn.grader import check_backprop, wire
from nn.grader.child import MIN_NUMPY, MIN_PYTHON
from nn.grader.sandbox import CHILD, Sandbox, _group_members
from tests.grader_helpers import LEARNERS, ROOT, chainrule_check, learner


def _alive(pid: int) -> bool:
    """Whether process `pid` still runs (a zombie waiting for init to reap it does not)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
    except OSError:  # no /proc: ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True


def _all_ended(pids: list[int], within: float = 5.0) -> bool:
    """Whether every one of `pids` has ended, waiting up to `within` s (SIGKILL is delivered asynchronously)."""
    deadline = time.monotonic() + within
    while any(_alive(p) for p in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


# ---------------------------------------------------------------- the wire: JSON and .npy, never pickles


def test_values_travel_exactly_with_their_dtypes():
    value = (np.float32(2.5), np.arange(6, dtype=np.float32).reshape(2, 3), [1, 2.0, None, "a"], float("nan"),
             {"k": np.int64(3)}, np.float64(1) / 3, -float("inf"), True)  # fmt: skip
    r, w = os.pipe()
    try:
        wire.send(w, value)
        back = wire.receive(r, time.monotonic() + 5)
    finally:
        os.close(r)
        os.close(w)
    assert type(back) is tuple and back[0].dtype == np.float32 and back[0] == 2.5
    assert back[1].dtype == np.float32 and back[1].tolist() == [[0, 1, 2], [3, 4, 5]]
    assert back[2] == [1, 2.0, None, "a"] and np.isnan(back[3]) and back[4] == {"k": 3}
    assert back[5] == 1 / 3 and back[6] == -float("inf") and back[7] is True


def test_objects_and_object_arrays_are_named_not_pickled():
    class Mine:
        pass

    with pytest.raises(wire.Unreadable, match=r"an object of class .*Mine \(item 1 of the tuple\)"):
        wire.encode((1.0, Mine()), [])
    with pytest.raises(wire.Unreadable, match="an array of Python objects"):
        wire.encode(np.array([1, "a", None], dtype=object), [])
    source = Path(wire.__file__).read_text() + CHILD.read_text()
    assert "import pickle" not in source and 'np.load(io.BytesIO(arrays[data["array"]]), allow_pickle=False)' in source


def test_the_child_needs_only_the_standard_library_and_numpy_on_old_pythons():
    import ast

    for name in ("child.py", "wire.py", "notebook.py"):
        source = (CHILD.parent / name).read_text()
        ast.parse(source, feature_version=MIN_PYTHON)  # no syntax newer than Python 3.8
        tree = ast.parse(source)
        imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        imported |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        assert imported <= set(sys.stdlib_module_names) | {"numpy", "__future__"}, (name, imported)
    assert MIN_PYTHON == (3, 8) and MIN_NUMPY == (1, 17)


# ---------------------------------------------------------------- its environment: loading, packages, interpreters


def test_loading_has_its_own_limit_apart_from_the_calls():
    # the import sleeps 0.6 s: within --load-timeout, though each call has only 0.3 s
    r = chainrule_check("--function", learner("slow_import"), "--timeout", "0.3")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "verdict: RIGHT" in r.stdout
    r = chainrule_check("--function", learner("slow_import"), "--load-timeout", "0.3")
    assert r.returncode == 3, r.stdout + r.stderr
    assert "did not return within 0.3 s (loading your file; --load-timeout 0.3)" in r.stdout
    assert "verdict: NOT CHECKED" in r.stdout and "give it longer: --load-timeout" in r.stdout


@pytest.fixture(scope="module")
def learner_venv(tmp_path_factory):
    """A second interpreter, the learner's: a venv seeing the system's packages plus one of its own."""
    where = tmp_path_factory.mktemp("learner-venv")
    base = getattr(sys, "_base_executable", sys.executable)
    made = subprocess.run([base, "-m", "venv", "--without-pip", "--system-site-packages", str(where)],
                          capture_output=True, text=True)  # fmt: skip
    python = where / "bin" / "python"
    if made.returncode != 0 or not python.exists():
        pytest.skip(f"cannot create a venv here: {made.stderr.strip() or made.stdout.strip()}")
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())  # fmt: skip
    (site / "chainrule_learner_extra.py").write_text("SCALE = 1.0\n")
    has_numpy = subprocess.run([str(python), "-c", "import numpy"], capture_output=True).returncode == 0
    if not has_numpy:  # the system Python has none: lend it ours (NumPy only; chainrule itself is not on the path)
        (site / "numpy_from_chainrule.pth").write_text(str(Path(np.__file__).parent.parent) + "\n")
    return python


def test_a_missing_package_is_not_checked_and_says_where_to_install_it(tmp_path):
    # a package of the course's world (here sklearn, made missing whether or not it is installed): pip it is
    mine = tmp_path / "mine.py"
    mine.write_text("raise ModuleNotFoundError(\"No module named 'sklearn'\", name='sklearn')\n")
    r = chainrule_check("--function", f"{mine}:nnCostFunction")
    assert r.returncode == 3, r.stdout + r.stderr
    out = " ".join(r.stdout.split())  # the way forward is wrapped
    assert f"your file imports sklearn, which is not installed in {sys.executable}" in out
    assert f"install it there ({sys.executable} -m pip install scikit-learn)" in out and "--python PATH" in out


def test_a_missing_module_of_unknown_name_is_not_advised_as_a_pip_install():
    # needs_package.py imports port_utils, which imports chainrule_learner_extra: on no index, maybe a file not copied
    r = chainrule_check("--function", learner("needs_package"))
    assert r.returncode == 3, r.stdout + r.stderr
    assert "ModuleNotFoundError: No module named 'chainrule_learner_extra'" in r.stdout
    out = " ".join(r.stdout.split())
    assert (
        f"your file imports chainrule_learner_extra, which was not found next to it (in {LEARNERS}) "
        f"nor on {sys.executable}'s path" in out
    )
    assert "pip install" not in out and "--python PATH" in out


def test_a_learners_module_not_copied_along_is_said_to_belong_next_to_the_file(tmp_path):
    # own_data.py copied without correct.py, its neighbour: put it back, not "pip install correct"
    (tmp_path / "own_data.py").write_text((LEARNERS / "own_data.py").read_text())
    r = chainrule_check("--function", f"{tmp_path / 'own_data.py'}:cost", "--sizes", "3,5,3")
    assert r.returncode == 3, r.stdout + r.stderr
    assert "ModuleNotFoundError: No module named 'correct'" in r.stdout
    out = " ".join(r.stdout.split())
    assert f"your file imports correct, which was not found next to it (in {tmp_path}) nor on" in out
    assert f"next: if correct is a module of yours (correct.py), put it next to {tmp_path / 'own_data.py'};" in out
    assert "pip install" not in out


def test_python_runs_the_function_in_the_learners_own_interpreter(learner_venv):
    r = chainrule_check("--function", learner("needs_package"), "--python", str(learner_venv))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "verdict: RIGHT" in r.stdout
    # chainrule itself is not importable there: the child needs only the standard library and NumPy
    probe = subprocess.run([str(learner_venv), "-c", "import nn.grader"], capture_output=True, cwd="/")
    assert probe.returncode != 0
    report = check_backprop(learner("needs_package"), python=str(learner_venv), lams=[0.0])
    assert report.ok and report.python == str(learner_venv)


def test_an_interpreter_that_cannot_run_it_is_a_usage_error():
    r = chainrule_check("--function", learner("correct"), "--python", "/no/such/python")
    assert r.returncode == 2 and "--python /no/such/python: cannot run it" in r.stderr


def _python_without_numpy(tmp_path: Path) -> Path:
    """This interpreter run with -I -S: no site-packages, so no NumPy (an executable script, as --python takes)."""
    script = tmp_path / "python_without_numpy"
    script.write_text(f'#!/bin/sh\nexec "{sys.executable}" -I -S "$@"\n')
    script.chmod(0o755)
    probe = subprocess.run([str(script), "-c", "import numpy"], capture_output=True, text=True)
    assert probe.returncode != 0 and "No module named 'numpy'" in probe.stderr
    return script


def test_an_interpreter_without_numpy_is_not_checked_and_says_how_to_install_it(tmp_path):
    python = _python_without_numpy(tmp_path)
    r = chainrule_check("--function", learner("correct"), "--python", str(python))
    assert r.returncode == 3, r.stdout + r.stderr
    assert "Traceback" not in r.stdout + r.stderr and r.stderr == ""
    out = " ".join(r.stdout.split())  # the way forward is wrapped
    assert f"{python} (Python {sys.version.split()[0]}) has no usable NumPy: No module named 'numpy'" in out
    assert f"{python} cannot run chainrule's child (it needs Python ≥ 3.8 and NumPy ≥ 1.17)" in out
    assert f"install NumPy there ({python} -m pip install numpy)" in out
    assert "verdict: NOT CHECKED" in out
    # the interpreter is at fault, not the learner's file
    assert "the interpreter cannot run chainrule's checker (your file was not loaded):" in r.stdout
    assert "your file could not be loaded" not in r.stdout


@pytest.mark.parametrize(
    "program, code, said",
    [
        ("exit 0", 0, None),  # /bin/true
        ('echo "$@"', 0, "child.py"),  # /bin/echo: its arguments, chainrule's child among them
        ('cat "$@" 2>&1; exit 1', 1, "No such file or directory"),  # /bin/cat: the fd numbers are no files
    ],
)
def test_a_program_that_is_no_python_is_a_usage_error_naming_python(tmp_path, program, code, said):
    fake = tmp_path / "notpython"
    fake.write_text(f"#!/bin/sh\n{program}\n")
    fake.chmod(0o755)
    r = chainrule_check("--function", learner("correct"), "--python", str(fake))
    assert r.returncode == 2, r.stdout + r.stderr
    assert r.stdout == "" and len(r.stderr.splitlines()) == 1 and "Broken pipe" not in r.stderr
    assert r.stderr.startswith(
        f"chainrule check: error: --python {fake}: it did not answer as a Python interpreter would "
        f"(it ended with exit code {code} without answering"
    )
    assert ("its last line of output" in r.stderr) == (said is not None) and (said or "") in r.stderr
    assert r.stderr.rstrip().endswith("pass a Python ≥ 3.8 with NumPy ≥ 1.17: your venv's or conda env's python")


# ---------------------------------------------------------------- limits: time, memory, absurd values


def test_memory_past_the_limit_is_not_checked():
    r = chainrule_check("--function", learner("escapes", "hogs_memory"), "--memory", "512M", "--lam", "0")
    assert r.returncode == 3, r.stdout + r.stderr
    assert "MemoryError" in r.stdout and "ran out of memory (limit 512 MiB)" in r.stdout
    assert "--memory 8G" in r.stdout


@pytest.mark.parametrize(
    "argv, says",
    [
        (["--timeout", "1e9"], "argument --timeout: expected a number of seconds > 0 and ≤ 86400 (a day), got '1e9'"),
        (["--load-timeout", "0"], "argument --load-timeout: expected a number of seconds > 0"),
        (["--memory", "12 parsecs"], "argument --memory: expected a size such as 4G"),
        (["--memory", "1M"], "argument --memory: expected a size of at least 64M"),
    ],
)
def test_absurd_limits_are_refused_with_the_option_named(argv, says):
    r = chainrule_check("--function", learner("correct"), *argv)
    assert r.returncode == 2 and says in r.stderr, r.stderr


def test_absurd_limits_in_python_name_the_function_and_the_argument():
    with pytest.raises(ValueError, match=r"check_backprop: timeout \(seconds per call, --timeout\) must be a finite "
                                         r"real number > 0 and ≤ 86400, got 1000000000.0"):  # fmt: skip
        check_backprop(learner("correct"), timeout=1e9)
    with pytest.raises(TypeError, match=r"check_backprop: memory \(bytes, --memory\) must be an integer"):
        check_backprop(learner("correct"), memory="4G")


# ---------------------------------------------------------------- nothing escapes: forks, programs, output


def test_a_fork_is_reported_never_read_and_the_copies_end_with_the_check(tmp_path):
    pids = tmp_path / "pids"
    # `| cat`: the copies must not keep the pipe open; the shell returns when the check does
    r = subprocess.run(
        f"{sys.executable} -m nn.cli check --function {learner('escapes', 'forks')} --lam 0 | cat",
        shell=True, capture_output=True, text=True, cwd=ROOT, timeout=30,
        env={**os.environ, "CHAINRULE_TEST_PIDS": str(pids)},
    )  # fmt: skip
    assert "verdict: RIGHT" in r.stdout, r.stdout + r.stderr  # the copy's zero gradient was never read
    assert "(your function called fork" in r.stdout and "the copies were ended with the check" in r.stdout
    left = [int(p) for p in pids.read_text().split()]
    assert left and _all_ended(left)


def test_programs_the_function_starts_end_with_the_check(tmp_path):
    pids = tmp_path / "pids"
    start = time.monotonic()
    r = subprocess.run(
        f"{sys.executable} -m nn.cli check --function {learner('escapes', 'starts_sleep')} --lam 0 | cat",
        shell=True, capture_output=True, text=True, cwd=ROOT, timeout=30,
        env={**os.environ, "CHAINRULE_TEST_PIDS": str(pids)},
    )  # fmt: skip
    assert time.monotonic() - start < 20  # the sleeps (60 s) did not hold the pipe
    assert "verdict: RIGHT" in r.stdout, r.stdout + r.stderr
    sleeps = [int(p) for p in pids.read_text().split()]
    assert len(sleeps) == 2 * 38 + 1 and _all_ended(sleeps)  # one call, then 2n for its own cost
    if Path("/proc").is_dir():
        assert "(your code left" in r.stdout and "processes running: ended with the check)" in r.stdout


def test_output_is_kept_aside_at_the_file_descriptor_level():
    r = chainrule_check("--function", learner("escapes", "floods"), "--lam", "0")
    assert r.returncode == 0, r.stderr
    assert len(r.stdout) < 10_000 and "xxxxxxxxxx" * 10 not in r.stdout  # 30 MB written to fd 1: none here
    assert r.stderr == ""
    assert "(your code printed more than 20,000 bytes, kept aside; the first line: 'xxx" in r.stdout


def test_what_cannot_be_read_is_named_and_not_checked():
    r = chainrule_check("--function", learner("escapes", "returns_object"))
    assert r.returncode == 3 and "it returned an object of class escapes.Result, which is not numbers" in r.stdout
    assert "ModuleNotFound" not in r.stdout + r.stderr
    r = chainrule_check("--function", learner("escapes", "returns_strings"))
    assert r.returncode == 3 and "grad holds strings ('-0.00927825" in r.stdout
    assert "verdict: NOT CHECKED — what your function returned is not numbers" in r.stdout


def test_a_sandbox_ends_its_whole_group_even_for_a_function_object():
    def forks_and_sleeps():
        if os.fork() == 0:
            time.sleep(60)
        return 1.0

    with Sandbox(forks_and_sleeps, timeout=5) as box:
        assert box.call().value == 1.0
        group = box._pid
    assert box.forks == 1
    if Path("/proc").is_dir():  # every member of its group has ended (a zombie waiting for init has)
        deadline = time.monotonic() + 5.0
        while _group_members(group) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert _group_members(group) == 0
    else:
        with pytest.raises(ProcessLookupError):
            os.killpg(group, 0)


def test_exit_codes_through_the_command_line():
    assert chainrule_check("--function", learner("correct")).returncode == 0
    assert chainrule_check("--function", learner("no_gprime")).returncode == 1
    assert chainrule_check("--function", learner("correct", "nope")).returncode == 2
    r = chainrule_check("--function", learner("misbehaving", "hangs"), "--timeout", "0.3", "--lam", "0")
    assert r.returncode == 3 and "give it longer: --timeout" in r.stdout
