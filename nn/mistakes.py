"""The old name of `nn.grader.mistakes`: the classic backprop mistakes as variants of the matrix implementation."""

import sys

from .grader import mistakes

sys.modules[__name__] = mistakes  # one module under both names: its constants and functions are the same objects
