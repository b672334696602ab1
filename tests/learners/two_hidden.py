"""The course's signature with one more layer size: 8 parameters, two hidden layers.

nnCostFunction(nn_params, input_layer_size, hidden1, hidden2, num_labels, X, y, lambda_), Θ's
unrolled row by row. Written for chainrule's tests of `nn.grader`.
"""

import numpy as np
from correct import backprop


def nnCostFunction(nn_params, input_layer_size, hidden1, hidden2, num_labels, X, y, lambda_=0.0):
    sizes = [input_layer_size, hidden1, hidden2, num_labels]
    thetas, start = [], 0
    for s_in, s_out in zip(sizes, sizes[1:]):
        thetas.append(nn_params[start : start + s_out * (s_in + 1)].reshape(s_out, s_in + 1))
        start += s_out * (s_in + 1)
    J, grads = backprop(thetas, X, np.eye(num_labels)[y], lambda_)
    return J, np.concatenate([G.ravel() for G in grads])
