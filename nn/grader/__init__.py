"""Checking a learner's own backprop: their files as they are, a verdict only when checked.

What it is: `check_backprop(fn)` runs the learner's cost-and-gradient function — in their
notebook's kernel (a function object), or from a file or notebook in a child process of their own
interpreter — on small networks whose gradient is known three ways, and returns a report whose
verdict is RIGHT (exit code 0), WRONG (1) or NOT CHECKED (3, with the way forward). The package,
one job per module:

    problems     the networks checked on and the right answer there (matrix, engine, central differences)
    conventions  how a learner's function is called and what it returns (the signatures real code has)
    sandbox      the child process: time and memory limits, output kept aside, its process group ended
    child        the script that runs in the learner's interpreter (standard library and NumPy only)
    wire         the messages between the two: JSON and .npy, never pickles
    notebook     which statements of an .ipynb define the function (static name analysis)
    owndata      central differences of the learner's own cost; the one-parameter f(theta) mode
    mistakes     what each classic mistake does to the gradient and the cost, and the search
    explain      the words: diagnosis, hints, verdict and way forward
    report       the report classes (BackpropReport, OwnDataReport) and the verdicts
    check        check_backprop and assert_backprop
    gpt          the GPT's three-way check (`check_gpt`): engine fused, engine elementary, matrices,
                 central differences, per parameter matrix (`chainrule check --model gpt`)

`nn.gradcheck`, `nn.mistakes` and `nn.sandbox` are the old names of these and still import.

What it is not: a security boundary. The learner's code runs with the user's rights; the child
protects the check from hangs, crashes, forks, stray output and runaway memory, on POSIX systems
(Linux, macOS).
"""

from .check import MAX_PARAMETERS, OVERALL_TIMEOUT, assert_backprop, check_backprop
from .conventions import SIGNATURES
from .problems import Problem, course_problem, entry_name, random_problem
from .report import (
    EXIT_CODES,
    NOT_CHECKED,
    OWN_TOLERANCE,
    RIGHT,
    TOLERANCE,
    WRONG,
    BackpropReport,
    Entry,
    LayerRow,
    OwnDataReport,
    RunReport,
)

__all__ = [
    "check_backprop",
    "assert_backprop",
    "BackpropReport",
    "OwnDataReport",
    "RunReport",
    "LayerRow",
    "Entry",
    "Problem",
    "course_problem",
    "random_problem",
    "entry_name",
    "SIGNATURES",
    "MAX_PARAMETERS",
    "TOLERANCE",
    "OWN_TOLERANCE",
    "OVERALL_TIMEOUT",
    "RIGHT",
    "WRONG",
    "NOT_CHECKED",
    "EXIT_CODES",
]
