"""A learner's helper module that needs a package chainrule's environment does not have (as the Python
port's utils.py pulls in `requests`). Written for chainrule's tests of `nn.grader`."""

import chainrule_learner_extra  # installed only in the learner's own environment (the tests make a venv)

SCALE = chainrule_learner_extra.SCALE
