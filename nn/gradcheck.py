"""The old name of `nn.grader`: checking a learner's own backprop (kept so that existing imports work).

`from nn.gradcheck import check_backprop, assert_backprop` is `from nn.grader import …`; see
`nn.grader` for what it does and does not promise.
"""

from .grader import *  # noqa: F403
from .grader import __all__  # noqa: F401
