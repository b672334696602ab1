"""nnCostFunction computed in float32 (np.float32 throughout), right and with the Intuition notes' δ.

Its numbers carry float32's rounding (about 1e-7 relative): the check compares them with float32's
tolerances and takes central differences of its cost with ε scaled to float32. Written for
chainrule's tests of `nn.grader`.
"""

import numpy as np


def _cost(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_, gprime):
    f = np.float32
    nn_params, X = nn_params.astype(f), X.astype(f)
    n1 = hidden_layer_size * (input_layer_size + 1)
    Theta1 = nn_params[:n1].reshape(hidden_layer_size, input_layer_size + 1)
    Theta2 = nn_params[n1:].reshape(num_labels, hidden_layer_size + 1)
    m = X.shape[0]
    Y = np.eye(num_labels, dtype=f)[y]
    lam = f(lambda_)
    a1 = np.hstack([np.ones((m, 1), f), X])
    a2 = np.hstack([np.ones((m, 1), f), 1 / (1 + np.exp(-(a1 @ Theta1.T)))])
    a3 = 1 / (1 + np.exp(-(a2 @ Theta2.T)))
    J = -np.sum(Y * np.log(a3) + (1 - Y) * np.log(1 - a3)) / f(m)
    J += lam / f(2 * m) * (np.sum(Theta1[:, 1:] ** 2) + np.sum(Theta2[:, 1:] ** 2))
    d3 = a3 - Y
    d2 = (d3 @ Theta2)[:, 1:] * (a2[:, 1:] * (1 - a2[:, 1:]) if gprime else f(1))
    G1, G2 = d2.T @ a1 / f(m), d3.T @ a2 / f(m)
    G1[:, 1:] += lam / f(m) * Theta1[:, 1:]
    G2[:, 1:] += lam / f(m) * Theta2[:, 1:]
    return J, np.concatenate([G1.ravel(), G2.ravel()])


def nnCostFunction(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    return _cost(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_, True)


def no_gprime(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    """δ^(2) = (Θ^(2))ᵀ δ^(3) without g′(z^(2)), in float32."""
    return _cost(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_, False)
