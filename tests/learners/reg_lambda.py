"""Mistake: the gradient's regularization term is λΘ (its 1/m is missing).

The cost is right.

A learner's code for the course's exercise (its Python port's signature), written for chainrule's
tests of `nn.gradcheck`: `chainrule check --function tests/learners/reg_lambda.py:nnCostFunction`.
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
    Theta1_grad = d2.T @ a1 / m
    Theta2_grad = d3.T @ a2 / m
    Theta1_grad[:, 1:] += lambda_ * Theta1[:, 1:]  # mistake: lambda_ / m
    Theta2_grad[:, 1:] += lambda_ * Theta2[:, 1:]
    return J, np.concatenate([Theta1_grad.ravel(), Theta2_grad.ravel()])


def backprop(thetas, X, Y, lam):
    """J and the gradient of every Θ, for any number of layers."""
    m = X.shape[0]
    a, z = [np.hstack([np.ones((m, 1)), X])], [None]
    for T in thetas:
        z.append(a[-1] @ T.T)
        a.append(np.hstack([np.ones((m, 1)), sigmoid(z[-1])]))
    h = a[-1][:, 1:]
    J = -np.sum(Y * np.log(h) + (1 - Y) * np.log(1 - h)) / m
    J += lam / (2 * m) * sum(np.sum(T[:, 1:] ** 2) for T in thetas)
    delta = h - Y
    grads = [None] * len(thetas)
    for l in reversed(range(len(thetas))):
        grads[l] = delta.T @ a[l] / m
        grads[l][:, 1:] += lam * thetas[l][:, 1:]  # mistake: lam / m
        if l > 0:
            delta = (delta @ thetas[l])[:, 1:] * sigmoid_gradient(z[l])
    return J, grads


def cost_theta(theta, sizes, X, Y, lam):
    """The same for any depth, Θ's unrolled row by row (chainrule's `theta` signature)."""
    thetas, start = [], 0
    for s_in, s_out in zip(sizes, sizes[1:]):
        n = s_out * (s_in + 1)
        thetas.append(theta[start : start + n].reshape(s_out, s_in + 1))
        start += n
    J, grads = backprop(thetas, X, Y, lam)
    return J, np.concatenate([G.ravel() for G in grads])


def cost_thetas(thetas, X, Y, lam):
    """The same with lists of matrices (chainrule's `thetas` signature)."""
    return backprop(thetas, X, Y, lam)
