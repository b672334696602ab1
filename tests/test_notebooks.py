"""Every notebook, built from its source in notebooks/src, executes without an error, and the committed
copy carries the outputs of its current source: no memory addresses, no temporary paths, nothing stale.

Each is built twice, with OpenBLAS on one thread and on two, and the two must be identical to the
last digit and byte: a number that moves with the threads (a sum split between them, an optimizer
stopped after a fixed number of steps on a path such sums steer) is not one a learner can compare.
Against the committed copy the digits are masked: BLAS kernels differ between CPUs in the last
bits, and rounding-level numbers (a relative difference of 2e-11) print differently there."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import nbformat
import pytest

HERE = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(HERE.glob("[0-9][0-9]_*.ipynb"))

_spec = importlib.util.spec_from_file_location("notebook_build", HERE / "build.py")
build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build)

# What changes between two honest runs on two machines: the last digits of a rounding error
# (numerical gradients at 1e-11 differ between NumPy builds) and the bytes of a PNG.
_DIGITS = re.compile(r"\d+")


def test_every_notebook_is_built_from_its_source():
    sources = sorted(p.stem for p in (HERE / "src").glob("[0-9][0-9]_*.py"))
    assert [p.stem for p in NOTEBOOKS] == sources
    assert [s[:2] for s in sources] == [f"{k:02d}" for k in range(1, len(sources) + 1)]  # numbered 01, 02, …


def outputs(nb: nbformat.NotebookNode) -> list[list[tuple[str, str]]]:
    """Per code cell, each output as (type, text with digits masked); images by their type alone."""
    cells = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        found = []
        for o in cell.get("outputs", []):
            if o.output_type == "stream":
                found.append((o.name, _DIGITS.sub("#", o.text)))
            elif o.output_type in ("display_data", "execute_result"):
                for mime in sorted(o.data):
                    text = "" if mime.startswith("image/png") else _DIGITS.sub("#", str(o.data[mime]))
                    found.append((mime, text))
            else:
                found.append((o.output_type, o.get("ename", "")))
        cells.append(found)
    return cells


def built(path: Path, tmp_path: Path, monkeypatch, threads: int) -> nbformat.NotebookNode:
    """The notebook built from its source in a fresh kernel with OpenBLAS on `threads` threads."""
    temp, work = tmp_path / f"tmp{threads}", tmp_path / f"cwd{threads}"
    temp.mkdir()
    work.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))  # the kernel's temporary directory: must be left empty
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", str(threads))  # read by the kernel's NumPy when it loads
    nb = build.make_notebook(build.load_cells(HERE / "src" / f"{path.stem}.py"))
    # run in a scratch folder so files a notebook writes don't land in the checkout
    build.execute(nb, cwd=work)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
    assert not list(temp.iterdir()), "the notebook left files in the temporary directory"
    return nb


def exact(nb: nbformat.NotebookNode) -> list:
    """Every code cell's outputs as they are: text to the last digit, images to the last byte."""
    return [[dict(o) for o in c.get("outputs", [])] for c in nb.cells if c.cell_type == "code"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_and_the_committed_outputs_are_current(path, tmp_path, monkeypatch):
    nb = built(path, tmp_path, monkeypatch, threads=1)
    again = built(path, tmp_path, monkeypatch, threads=2)
    assert exact(again) == exact(nb), "an output moves with the number of BLAS threads: not deterministic"

    committed = nbformat.read(path, as_version=4)
    text = path.read_text(encoding="utf-8")
    assert not re.search(r" at 0x[0-9a-f]{6,}", text), "a memory address in the committed outputs"
    assert not re.search(r"/tmp/|/var/folders/|pytest-of-", text), "a temporary path in the committed outputs"
    code = [c for c in committed.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code), "committed without executing: run make notebooks"
    assert [c.source for c in committed.cells] == [c.source for c in nb.cells], "stale: run make notebooks"
    assert outputs(committed) == outputs(nb), "the committed outputs are not this source's: run make notebooks"
