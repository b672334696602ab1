"""A softmax output layer with its own, consistent cost: J = −(1/m) Σ y·log softmax(z^(3)) + (λ/2m)ΣΘ².

Right for `--loss softmax_cross_entropy`; checked as the course's sigmoid cross-entropy, its cost is a
different function and its gradient the gradient of that cost, and the report says which softmax to
check with. Written for chainrule's tests of `nn.grader`.
"""

import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def nnCostFunction(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    n1 = hidden_layer_size * (input_layer_size + 1)
    Theta1 = nn_params[:n1].reshape(hidden_layer_size, input_layer_size + 1)
    Theta2 = nn_params[n1:].reshape(num_labels, hidden_layer_size + 1)
    m = X.shape[0]
    Y = np.eye(num_labels)[y]
    a1 = np.hstack([np.ones((m, 1)), X])
    z2 = a1 @ Theta1.T
    a2 = np.hstack([np.ones((m, 1)), sigmoid(z2)])
    z3 = a2 @ Theta2.T
    e = np.exp(z3 - z3.max(axis=1, keepdims=True))
    a3 = e / e.sum(axis=1, keepdims=True)  # softmax
    J = -np.sum(Y * np.log(a3)) / m
    J += lambda_ / (2 * m) * (np.sum(Theta1[:, 1:] ** 2) + np.sum(Theta2[:, 1:] ** 2))
    d3 = a3 - Y
    d2 = (d3 @ Theta2)[:, 1:] * sigmoid(z2) * (1 - sigmoid(z2))
    G1, G2 = d2.T @ a1 / m, d3.T @ a2 / m
    G1[:, 1:] += lambda_ / m * Theta1[:, 1:]
    G2[:, 1:] += lambda_ / m * Theta2[:, 1:]
    return J, np.concatenate([G1.ravel(), G2.ravel()])
