"""The layers of DESIGN.md: the command line sits above the library, and nothing imports it back."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = sorted(p for pkg in ("autograd", "nn") for p in (ROOT / pkg).rglob("*.py") if "cli" not in p.parts)


def imports(path: Path) -> set[str]:
    """Every module `path` imports, relative imports resolved against its package."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - (node.level - 1)] if node.level else []
            module = ".".join([*base, node.module] if node.module else base)
            found.add(module)
            found.update(f"{module}.{a.name}" for a in node.names)
    return found


def test_the_library_is_found():
    names = {p.relative_to(ROOT).as_posix() for p in LIBRARY}
    assert {"autograd/value.py", "nn/module.py", "nn/crosscheck.py"} <= names
    assert not any(n.startswith("nn/cli/") for n in names)


@pytest.mark.parametrize("path", LIBRARY, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_library_module_imports_argparse_or_the_command_line(path):
    bad = {m for m in imports(path) if m == "argparse" or m == "nn.cli" or m.startswith("nn.cli.")}
    assert not bad, f"{path.name} imports {sorted(bad)}"


@pytest.mark.parametrize("path", sorted((ROOT / "autograd").glob("*.py")), ids=lambda p: p.name)
def test_the_engine_imports_nothing_from_nn(path):
    assert not {m for m in imports(path) if m == "nn" or m.startswith("nn.")}


def test_one_atomic_writer():
    # mkstemp (the temp file of an atomic write) appears in one library file only
    users = [p.relative_to(ROOT).as_posix() for p in ROOT.glob("[an]*/**/*.py") if "mkstemp" in p.read_text()]
    assert users == ["autograd/files.py"]
