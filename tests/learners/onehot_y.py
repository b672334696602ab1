"""The course's signature with y already one-hot (m × K), as a widely copied blog version has it.

Called with labels y it fails (a broadcast error), so the check retries with y one-hot and says so
(`--y onehot` chooses it from the start). A learner's code written for chainrule's tests of `nn.grader`.
"""

import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def nnCostFunction(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    n1 = hidden_layer_size * (input_layer_size + 1)
    Theta1 = nn_params[:n1].reshape(hidden_layer_size, input_layer_size + 1)
    Theta2 = nn_params[n1:].reshape(num_labels, hidden_layer_size + 1)
    m = X.shape[0]
    a1 = np.hstack([np.ones((m, 1)), X])
    z2 = a1 @ Theta1.T
    a2 = np.hstack([np.ones((m, 1)), sigmoid(z2)])
    a3 = sigmoid(a2 @ Theta2.T)
    J = np.sum(-y * np.log(a3) - (1 - y) * np.log(1 - a3)) / m  # y: m × K, one-hot already
    J += lambda_ / (2 * m) * (np.sum(Theta1[:, 1:] ** 2) + np.sum(Theta2[:, 1:] ** 2))
    d3 = a3 - y
    d2 = (d3 @ Theta2)[:, 1:] * sigmoid(z2) * (1 - sigmoid(z2))
    G1, G2 = d2.T @ a1 / m, d3.T @ a2 / m
    G1[:, 1:] += lambda_ / m * Theta1[:, 1:]
    G2[:, 1:] += lambda_ / m * Theta2[:, 1:]
    return J, np.concatenate([G1.ravel(), G2.ravel()])
