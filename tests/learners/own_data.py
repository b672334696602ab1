"""One-parameter cost functions: a learner's closures over their own batch, X, Y and λ fixed here.

What `scipy.optimize.minimize(cost, theta0, jac=True)` is given when the data are captured rather
than passed. chainrule cannot know the right cost on data it has not, so it checks the gradient
against central differences of this cost:
`chainrule check --function tests/learners/own_data.py:cost --sizes 3,5,3`.
Written for chainrule's tests of `nn.gradcheck`.
"""

import correct  # the learner's backprop, in the neighbouring file
import gprime_of_a
import numpy as np

SIZES = [3, 5, 3]
LAM = 1.5
_rng = np.random.default_rng(2024)
X = _rng.uniform(-2.0, 2.0, size=(12, 3))  # m = 12 samples
Y = np.eye(3)[np.arange(12) % 3]  # one-hot, every class 4 times


def cost(theta):
    return correct.cost_theta(theta, SIZES, X, Y, LAM)


def cost_gprime_of_a(theta):
    """The same with g′ applied to a^(l) instead of z^(l)."""
    return gprime_of_a.cost_theta(theta, SIZES, X, Y, LAM)


def cost_and_more(theta, X=X, Y=Y, lam=LAM):
    """Data as defaults: still called as cost_and_more(theta)."""
    return correct.cost_theta(theta, SIZES, X, Y, lam)


def cost_padded(theta):
    """Reads its own 38 entries (np.split) and so runs on a longer θ, returning 38 gradient entries."""
    J, grad = correct.cost_theta(theta[:38], SIZES, X, Y, LAM)
    return J, grad
