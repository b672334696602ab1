"""Consistent backprops of costs that are not the course's, and one inconsistent one; no classic mistake
gives any of them. Written for chainrule's tests of `nn.grader`.

    mean_over_mk   J and its gradient averaged over m·K entries instead of m samples: 1/K of the course's
    y_as_is        y used as it is, not one-hot encoded (broadcast against the m × K outputs)
    penalty_typo   Θ^(1)'s gradient penalty (λ/(m − 1))Θ: wrong only with λ > 0, δ's right
"""

import numpy as np
from correct import nnCostFunction as _course
from correct import sigmoid


def mean_over_mk(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    J, grad = _course(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_)
    return J / num_labels, grad / num_labels


def y_as_is(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    n1 = hidden_layer_size * (input_layer_size + 1)
    Theta1 = nn_params[:n1].reshape(hidden_layer_size, input_layer_size + 1)
    Theta2 = nn_params[n1:].reshape(num_labels, hidden_layer_size + 1)
    m = X.shape[0]
    Y = y.reshape(-1, 1)  # not one-hot: broadcast against a3
    a1 = np.hstack([np.ones((m, 1)), X])
    z2 = a1 @ Theta1.T
    a2 = np.hstack([np.ones((m, 1)), sigmoid(z2)])
    a3 = sigmoid(a2 @ Theta2.T)
    J = -np.sum(Y * np.log(a3) + (1 - Y) * np.log(1 - a3)) / m
    J += lambda_ / (2 * m) * (np.sum(Theta1[:, 1:] ** 2) + np.sum(Theta2[:, 1:] ** 2))
    d3 = a3 - Y
    d2 = (d3 @ Theta2)[:, 1:] * sigmoid(z2) * (1 - sigmoid(z2))
    G1, G2 = d2.T @ a1 / m, d3.T @ a2 / m
    G1[:, 1:] += lambda_ / m * Theta1[:, 1:]
    G2[:, 1:] += lambda_ / m * Theta2[:, 1:]
    return J, np.concatenate([G1.ravel(), G2.ravel()])


def penalty_typo(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    J, grad = _course(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_)
    n1, m = hidden_layer_size * (input_layer_size + 1), X.shape[0]
    Theta1 = nn_params[:n1].reshape(hidden_layer_size, input_layer_size + 1)
    G1 = grad[:n1].reshape(Theta1.shape)  # a view: the change lands in grad
    G1[:, 1:] += lambda_ * (1 / (m - 1) - 1 / m) * Theta1[:, 1:]  # (λ/(m − 1))Θ^(1) in all
    return J, grad
