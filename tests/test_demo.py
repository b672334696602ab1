"""`chainrule demo` end to end in a small configuration; its files exist and are valid."""

from __future__ import annotations

import os
import stat
import xml.etree.ElementTree as ET

from PIL import Image  # Pillow comes with matplotlib

from nn.cli import main
from nn.cli.demo import run_demo


def test_demo_runs_end_to_end_and_writes_valid_files(tmp_path):
    lines: list[str] = []
    files = run_demo(tmp_path / "out", epochs=25, samples=40, progress=False, say=lines.append)
    text = "\n".join(lines)
    assert "12 paths, 52 factors" in text and "backward() visits 22 edges" in text
    assert "δ^(2)  engine" in text and "δ^(3)  engine" in text
    assert "verdict: the three gradients agree" in text
    assert text.count("— ok") == 2  # the course's check, λ = 0 and 3
    assert sum(line.startswith("epoch ") for line in lines) == 25
    assert "accuracy on the training set after the last step: " in text
    names = sorted(p.name for p in files)
    assert names == [
        "decision-boundary.png",
        "explore-2-2-2.html",
        "graph-2-2-2.png",
        "graph-2-2-2.svg",
        "loss-curve.png",
    ]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == names  # no temporary files left
    svg = ET.parse(tmp_path / "out" / "graph-2-2-2.svg").getroot()
    assert "sum of the products" in " ".join(svg.itertext())
    page = (tmp_path / "out" / "explore-2-2-2.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and 'id="chainrule-data"' in page and page.count('{"label":') == 19
    for name in ("graph-2-2-2.png", "loss-curve.png", "decision-boundary.png"):
        with Image.open(tmp_path / "out" / name) as im:
            im.verify()
            assert im.format == "PNG" and im.size[0] > 100
    for p in files:
        assert f"wrote {p}" in text
    # every file gets the mode a plain open() gives (the figures were once written 0600)
    mask = os.umask(0o022)
    os.umask(mask)
    assert {stat.S_IMODE(p.stat().st_mode) for p in files} == {0o666 & ~mask}


def test_demo_command_line(tmp_path, capsys):
    assert main(["demo", "-o", str(tmp_path), "--epochs", "3", "--samples", "20", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "epoch    3" in out and "wrote" in out and (tmp_path / "loss-curve.png").exists()


def test_the_demo_needs_no_extra(tmp_path):
    # `pip install chainrule` alone must give a working `chainrule demo` (it once needed matplotlib,
    # then an extra). Run it with every package that only an extra brings made unimportable.
    import re
    import subprocess
    import sys
    from pathlib import Path

    import tomllib

    project = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text())["project"]

    def names(reqs):
        return {re.split(r"[<>=!~\[ ;]", r, maxsplit=1)[0].lower() for r in reqs}

    core = names(project["dependencies"])
    extras = set().union(*(names(r) for r in project["optional-dependencies"].values())) - core
    assert "matplotlib" in core and {"scikit-learn", "pytest"} <= extras
    modules = {"scikit-learn": "sklearn", "pytest-timeout": "pytest_timeout"}
    blocked = sorted(modules.get(n, n.replace("-", "_")) for n in extras)
    script = (
        "import sys\n"
        f"BLOCKED = {blocked!r}\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in BLOCKED:\n"
        "            raise ImportError(f'{name} is only installed with an extra')\n"
        "sys.meta_path.insert(0, Block())\n"
        "for m in list(sys.modules):\n"
        "    if m.split('.')[0] in BLOCKED: del sys.modules[m]\n"
        "from nn.cli import main\n"
        f"sys.exit(main(['demo', '--out', {str(tmp_path)!r}, '--epochs', '2', '--samples', '20', '--no-progress']))\n"
    )
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "wrote" in r.stdout and (tmp_path / "loss-curve.png").exists()
