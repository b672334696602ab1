"""Helpers of the tests of `nn.grader`: the learners' files and the `chainrule check` command run as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

LEARNERS = Path(__file__).resolve().parent / "learners"
ROOT = LEARNERS.parent.parent


def learner(name: str, fn: str = "nnCostFunction", suffix: str = ".py") -> str:
    """ "…/tests/learners/NAME.py:FN"."""
    return f"{LEARNERS / name}{suffix}:{fn}"


def chainrule_check(*args: str, env: dict | None = None, timeout: float = 60.0) -> subprocess.CompletedProcess:
    """`python -m nn.cli check ARGS` in a subprocess from the checkout: its exit code, stdout and stderr."""
    return subprocess.run(
        [sys.executable, "-m", "nn.cli", "check", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        timeout=timeout,
    )
