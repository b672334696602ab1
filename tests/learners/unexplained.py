"""A mistake that is not a classic one: Θ^(1)'s gradient divided by m − 1 (a typo).

No variant reproduces it; the report says where it differs.

A learner's code for the course's exercise (its Python port's signature), written for chainrule's
tests of `nn.gradcheck`: `chainrule check --function tests/learners/unexplained.py:nnCostFunction`.
"""

import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_gradient(z):
    g = sigmoid(z)
    return g * (1.0 - g)


def nnCostFunction(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    # Theta1: hidden × (input + 1), Theta2: labels × (hidden + 1), column 0 the bias
    n1 = hidden_layer_size * (input_layer_size + 1)
    Theta1 = nn_params[:n1].reshape(hidden_layer_size, input_layer_size + 1)
    Theta2 = nn_params[n1:].reshape(num_labels, hidden_layer_size + 1)
    m = X.shape[0]
    Y = np.eye(num_labels)[y]  # y in 0..K-1 → one-hot rows

    a1 = np.hstack([np.ones((m, 1)), X])
    z2 = a1 @ Theta1.T
    a2 = np.hstack([np.ones((m, 1)), sigmoid(z2)])
    z3 = a2 @ Theta2.T
    a3 = sigmoid(z3)

    J = -np.sum(Y * np.log(a3) + (1 - Y) * np.log(1 - a3)) / m
    J += lambda_ / (2 * m) * (np.sum(Theta1[:, 1:] ** 2) + np.sum(Theta2[:, 1:] ** 2))

    d3 = a3 - Y
    d2 = (d3 @ Theta2)[:, 1:] * sigmoid_gradient(z2)
    Theta1_grad = d2.T @ a1 / (m - 1)  # a typo
    Theta2_grad = d3.T @ a2 / m
    Theta1_grad[:, 1:] += lambda_ / m * Theta1[:, 1:]
    Theta2_grad[:, 1:] += lambda_ / m * Theta2[:, 1:]
    return J, np.concatenate([Theta1_grad.ravel(), Theta2_grad.ravel()])
