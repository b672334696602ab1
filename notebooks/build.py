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


def execute(nb: nbformat.NotebookNode, timeout: int = 300) -> nbformat.NotebookNode:
    """Run every cell in a fresh kernel, in this folder; an error in any cell raises."""
    # record_timing=False keeps timestamps out of the saved cells, so a rebuild changes only what changed
    NotebookClient(
        nb, timeout=timeout, kernel_name="python3", record_timing=False, resources={"metadata": {"path": str(HERE)}}
    ).execute()
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
