"""Column-major (MATLAB order) throughout, consistently, plus one more mistake: the gradient's penalty is
built from the gradient instead of Θ (Theta1_grad[:, 1:] += λ/m · Theta1_grad[:, 1:]).

The cost is the course's with θ read column by column, so the report says --order F first; with
--order F it is exact: only the λ > 0 part of the gradient is wrong.

A learner's code for the course's exercise, written for chainrule's tests of `nn.grader`:
`chainrule check --function tests/learners/column_major_penalty.py:nnCostFunction --order F`.
"""

import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def nnCostFunction(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    n1 = hidden_layer_size * (input_layer_size + 1)
    Theta1 = nn_params[:n1].reshape(hidden_layer_size, input_layer_size + 1, order="F")
    Theta2 = nn_params[n1:].reshape(num_labels, hidden_layer_size + 1, order="F")
    m = X.shape[0]
    Y = np.eye(num_labels)[y]

    a1 = np.hstack([np.ones((m, 1)), X])
    z2 = a1 @ Theta1.T
    a2 = np.hstack([np.ones((m, 1)), sigmoid(z2)])
    a3 = sigmoid(a2 @ Theta2.T)

    J = -np.sum(Y * np.log(a3) + (1 - Y) * np.log(1 - a3)) / m
    J += lambda_ / (2 * m) * (np.sum(Theta1[:, 1:] ** 2) + np.sum(Theta2[:, 1:] ** 2))

    d3 = a3 - Y
    d2 = (d3 @ Theta2)[:, 1:] * sigmoid(z2) * (1 - sigmoid(z2))
    Theta1_grad = d2.T @ a1 / m
    Theta2_grad = d3.T @ a2 / m
    Theta1_grad[:, 1:] += lambda_ / m * Theta1_grad[:, 1:]  # the penalty from the gradient, not from Θ
    Theta2_grad[:, 1:] += lambda_ / m * Theta2_grad[:, 1:]
    return J, np.concatenate([Theta1_grad.ravel(order="F"), Theta2_grad.ravel(order="F")])
