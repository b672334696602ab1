"""A correct nnCostFunction whose file imports a helper that needs a package missing from chainrule's
environment: NOT CHECKED there (exit code 3, the package and the interpreter named), RIGHT with
`--python` the learner's own interpreter. Written for chainrule's tests of `nn.grader`:
`chainrule check --function tests/learners/needs_package.py:nnCostFunction --python ~/venv/bin/python`.
"""

import correct
import port_utils


def nnCostFunction(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    J, grad = correct.nnCostFunction(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_)
    return J * port_utils.SCALE, grad * port_utils.SCALE  # SCALE is 1.0: the package is only needed to load
