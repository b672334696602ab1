"""The README's Python blocks run as a reader runs them: the tour's in order in one session (each
block with what it imports, none undoing a name a later one uses), and the blocks that stand alone on
their own, each in a fresh namespace."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def section(heading: str) -> str:
    """The README's text from `heading` (a `## ` line) to the next `## ` heading."""
    return README.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]


def blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


@pytest.fixture
def in_tmp(tmp_path):
    """Run in an empty folder: the blocks write their files (moons.json, 2-2-2.svg, …) where they run."""
    here = os.getcwd()
    os.chdir(tmp_path)
    yield tmp_path
    os.chdir(here)


def run(code: str, namespace: dict | None = None) -> dict:
    namespace = {} if namespace is None else namespace
    exec(compile(code, "README", "exec"), namespace)
    return namespace


def test_the_tour_runs_in_order_in_one_session(in_tmp, capsys):
    tour = blocks(section("A short tour"))
    assert len(tour) == 4  # the engine, networks, your own training loop, drawing
    explorer = blocks(section("The explorer page: step through backprop in a browser"))[0]
    session: dict = {}
    for block in tour:
        run(block, session)
    # the drawing block drew the 2-2-2 network's J (the training loop names its loss `loss`)
    assert session["g"].values == 19 and session["J"].label == "J"
    assert f"{session['loss']:.4f}" == "0.0064"
    run(explorer, session)
    assert sorted(p.name for p in in_tmp.iterdir()) == ["2-2-2.html", "2-2-2.svg", "moons.json"]
    out = capsys.readouterr().out
    assert "(12, 52)" in out and "0.0064 1.0" in out


def test_the_blocks_that_stand_alone_run_each_in_a_fresh_namespace(in_tmp, capsys):
    tour = blocks(section("A short tour"))
    run(tour[0])  # the engine
    loop = tour[2]  # your own training loop: its own import, its last line says what it prints
    capsys.readouterr()
    run(loop)
    assert capsys.readouterr().out.strip() == loop.strip().splitlines()[-1].split("# ", 1)[1]
    run(blocks(section("Derivatives of derivatives"))[0])
    gpt = blocks(section("A GPT: backprop through attention"))
    assert len(gpt) == 2
    run(gpt[1])  # the tiny GPT's graph and explorer page: nothing from the block before
    assert sorted(p.name for p in in_tmp.iterdir()) == ["gpt.html", "gpt.svg"]
    # the GPT's own block, 1,000 steps cut to 3 (the rest as written): the model, its file, its attention map
    assert gpt[0].count("steps=1000") == 1
    run(gpt[0].replace("steps=1000", "steps=3"))
    assert sorted(p.name for p in in_tmp.iterdir()) == ["attention.png", "gpt.html", "gpt.json", "gpt.svg"]
