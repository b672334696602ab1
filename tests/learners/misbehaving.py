"""Functions that misbehave the ways a learner's code does: hang, raise, exit, die, print, return the wrong thing.

Written for chainrule's tests of `nn.gradcheck`; each takes the course's signature, e.g.
`chainrule check --function tests/learners/misbehaving.py:hangs --timeout 1`.
"""

import os
import sys

import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _right(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_):
    n1 = hidden_layer_size * (input_layer_size + 1)
    Theta1 = nn_params[:n1].reshape(hidden_layer_size, input_layer_size + 1)
    Theta2 = nn_params[n1:].reshape(num_labels, hidden_layer_size + 1)
    m = X.shape[0]
    Y = np.eye(num_labels)[y]
    a1 = np.hstack([np.ones((m, 1)), X])
    a2 = np.hstack([np.ones((m, 1)), sigmoid(a1 @ Theta1.T)])
    a3 = sigmoid(a2 @ Theta2.T)
    J = -np.sum(Y * np.log(a3) + (1 - Y) * np.log(1 - a3)) / m
    J += lambda_ / (2 * m) * (np.sum(Theta1[:, 1:] ** 2) + np.sum(Theta2[:, 1:] ** 2))
    d3 = a3 - Y
    d2 = (d3 @ Theta2)[:, 1:] * a2[:, 1:] * (1 - a2[:, 1:])
    G1, G2 = d2.T @ a1 / m, d3.T @ a2 / m
    G1[:, 1:] += lambda_ / m * Theta1[:, 1:]
    G2[:, 1:] += lambda_ / m * Theta2[:, 1:]
    return J, np.concatenate([G1.ravel(), G2.ravel()])


def hangs(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    while True:  # a loop that never ends
        pass


def raises(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    n1 = hidden_layer_size * (input_layer_size + 1)
    Theta1 = nn_params[:n1].reshape(hidden_layer_size, input_layer_size + 1)
    Theta2 = nn_params[n1:].reshape(num_labels, hidden_layer_size + 1)
    m = X.shape[0]
    a1 = np.hstack([np.ones((m, 1)), X])
    a2 = np.hstack([np.ones((m, 1)), sigmoid(a1 @ Theta1.T)])
    d3 = sigmoid(a2 @ Theta2.T) - np.eye(num_labels)[y]
    d2 = (d3 @ Theta2) * a2[:, 1:] * (1 - a2[:, 1:])  # the bias column is not dropped: 5×6 against 5×5
    return 0.0, d2


def short_grad(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    J, grad = _right(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_)
    return J, grad[:-1]  # one entry lost


def cost_only(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    J, grad = _right(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_)
    return J


def nan_grad(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    J, grad = _right(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_)
    grad[3] = np.nan
    return J, grad


def exits(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    sys.exit("giving up")


def dies(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    os._exit(3)


def asks(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    input("press enter to go on")
    return _right(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_)


def chatty(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    J, grad = _right(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_)
    print("J =", J)
    print("grad =", grad, file=sys.stderr)
    return J, grad
