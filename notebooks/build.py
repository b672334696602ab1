"""Build the notebooks from their cells, execute them, and save them with their outputs.

    .venv/bin/python notebooks/build.py            # all of them
    .venv/bin/python notebooks/build.py 01 03      # those whose names start with 01 or 03

The notebooks are committed with their outputs so that they read well on GitHub; the test
suite executes them again (tests/test_notebooks.py). Each notebook's cells live in
`notebooks/src/NN_name.py` as a list `CELLS` of ("md" | "code", text) pairs.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from autograd.files import write_atomically

HERE = Path(__file__).resolve().parent


def load_cells(src: Path) -> list[tuple[str, str]]:
    spec = importlib.util.spec_from_file_location(src.stem, src)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.CELLS


def make_notebook(cells: list[tuple[str, str]]) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for i, (kind, text) in enumerate(cells):
        text = text.strip("\n")
        cell = nbformat.v4.new_markdown_cell(text) if kind == "md" else nbformat.v4.new_code_cell(text)
        cell.id = f"cell-{i:02d}"  # fixed ids: a rebuild changes only what changed
        nb.cells.append(cell)
    return nb


def execute(nb: nbformat.NotebookNode, timeout: int = 300, cwd: Path = HERE) -> nbformat.NotebookNode:
    """Run every cell in a fresh kernel with `cwd` as its folder; an error in any cell raises."""
    # record_timing=False keeps timestamps out of the saved cells, so a rebuild changes only what changed
    NotebookClient(
        nb, timeout=timeout, kernel_name="python3", record_timing=False, resources={"metadata": {"path": str(cwd)}}
    ).execute()
    return coalesce_streams(nb)


def coalesce_streams(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Join consecutive stdout (or stderr) outputs of a cell into one.

    The kernel sends printed text in chunks whose boundaries depend on timing; joined, a rebuild
    gives the same file every time.
    """
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        joined = []
        for out in cell.get("outputs", []):
            prev = joined[-1] if joined else None
            if out.output_type == "stream" and prev is not None and prev.output_type == "stream" and prev.name == out.name:
                prev.text += out.text
            else:
                joined.append(out)
        cell.outputs = joined
    return nb




def main(prefixes: list[str]) -> int:
    sources = sorted((HERE / "src").glob("[0-9][0-9]_*.py"))
    for src in sources:
        if prefixes and not any(src.stem.startswith(p) for p in prefixes):
            continue
        target = HERE / f"{src.stem}.ipynb"
        print(f"building {target.name} ...", flush=True)
        nb = execute(make_notebook(load_cells(src)))
        write_atomically(target, nbformat.writes(nb) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
