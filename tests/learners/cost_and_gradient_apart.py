"""The fmin_cg(f, x0, fprime=…) pattern: the cost J alone in one function, the gradient in another.

`chainrule check --function …:nnCost` checks the cost only (the gradient NOT CHECKED, exit code 3);
`--gradient …:nnGrad` checks both. Written for chainrule's tests of `nn.grader`.
"""

from correct import nnCostFunction


def nnCost(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    return nnCostFunction(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_)[0]


def nnGrad(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    return nnCostFunction(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_)[1]


def nnCostTimesTwo(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    """A wrong J-only cost: twice the course's (WRONG even without a gradient)."""
    return 2 * nnCost(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_)
