"""A correct nnCostFunction in a file that is slow to import (as matplotlib, SciPy and scikit-learn are on a
loaded machine): `--load-timeout` bounds the loading, `--timeout` each call.

The import sleeps CHAINRULE_TEST_IMPORT_SECONDS (default 0.6) seconds. Written for chainrule's tests of
`nn.grader`: `chainrule check --function tests/learners/slow_import.py:nnCostFunction --timeout 0.3`.
"""

import os
import time

from correct import nnCostFunction  # noqa: F401  (the learner's right backprop, in the neighbouring file)

time.sleep(float(os.environ.get("CHAINRULE_TEST_IMPORT_SECONDS", "0.6")))
