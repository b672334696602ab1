"""Θ's as separate arguments: nnCostFunction(Theta1, Theta2, X, y, lambda_) → (J, Theta1_grad, Theta2_grad).

Detected from the parameter names (signature `separate`). Written for chainrule's tests of `nn.grader`.
"""

import numpy as np
from correct import backprop


def nnCostFunction(Theta1, Theta2, X, y, lambda_):
    Y = np.eye(Theta2.shape[0])[y]
    J, (G1, G2) = backprop([Theta1, Theta2], X, Y, lambda_)
    return J, G1, G2


def nnCostFunction3(Theta1, Theta2, Theta3, X, y, lambda_):
    """Two hidden layers, the gradient unrolled."""
    Y = np.eye(Theta3.shape[0])[y]
    J, grads = backprop([Theta1, Theta2, Theta3], X, Y, lambda_)
    return J, np.concatenate([G.ravel() for G in grads])
