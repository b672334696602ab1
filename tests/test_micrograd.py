"""micrograd's training loops, ported the way learners port them: the code unchanged but for the import.

(a) The loop of the micrograd lecture ("The spelled-out intro to neural networks and backpropagation")
    on `nn.MLP(3, [4, 4, 1])`: its losses against the same gradient descent done by `nn.matrix`, which
    shares no code with the engine, from the same initial Θ's.
(b) micrograd's demo loop (two moons, max-margin loss + 1e-4·Σp², SGD with a decaying rate) on
    `nn.MLP(2, [16, 16, 1], activation="relu", output_activation="linear")` against micrograd 0.1.0
    itself running the same lines from the same initial weights: the losses agree to 1e-12.
"""

from __future__ import annotations

import gc
import random

import numpy as np
import pytest

import nn
from nn import matrix

# The lecture's cells, as a learner copies them; only the first line changed (was: from micrograd.nn import MLP).
LECTURE = """
from nn import MLP

n = MLP(3, [4, 4, 1])
xs = [
  [2.0, 3.0, -1.0],
  [3.0, -1.0, 0.5],
  [0.5, 1.0, 1.0],
  [1.0, 1.0, -1.0],
]
ys = [1.0, -1.0, -1.0, 1.0] # desired targets

for k in range(20):

  # forward pass
  ypred = [n(x) for x in xs]
  loss = sum((yout - ygt)**2 for ygt, yout in zip(ys, ypred))

  # backward pass
  for p in n.parameters():
    p.grad = 0.0
  loss.backward()

  # update
  for p in n.parameters():
    p.data += -0.1 * p.grad

  print(k, loss.data)
"""


def test_the_lectures_loop_runs_with_only_the_import_changed(capsys):
    exec(compile(LECTURE, "lecture", "exec"), {})
    printed = capsys.readouterr().out.split("\n")[:-1]
    losses = [float(line.split()[1]) for line in printed]
    assert [int(line.split()[0]) for line in printed] == list(range(20))
    # the same steps by the matrix implementation: Σ(a − y)² is 2m times its J (mse, 1/(2m)), so its gradient
    # is 2m times the matrices' gradient; sigmoid layers, MLP's default, from MLP(3, [4, 4, 1])'s initial Θ's
    thetas = nn.thetas_from_mlp(nn.MLP(3, [4, 4, 1]))
    X = np.array([[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]])
    Y = np.array([[1.0], [-1.0], [-1.0], [1.0]])
    want = []
    for _ in range(20):
        res = matrix.backprop(thetas, X, Y, "sigmoid", loss="mse")
        want.append(8 * res.cost)
        thetas = [T - 0.1 * 8 * G for T, G in zip(thetas, res.gradients)]
    assert losses == pytest.approx(want, rel=1e-12)
    assert losses[-1] < losses[0]


# micrograd's demo notebook, its loss function and training loop as they are (Value and MLP come from
# the namespace the test gives them: micrograd's, or chainrule's).
DEMO = """
def loss(batch_size=None):
    # inline DataLoader :)
    if batch_size is None:
        Xb, yb = X, y
    else:
        ri = np.random.permutation(X.shape[0])[:batch_size]
        Xb, yb = X[ri], y[ri]
    inputs = [list(map(Value, xrow)) for xrow in Xb]

    # forward the model to get scores
    scores = list(map(model, inputs))

    # svm "max-margin" loss
    losses = [(1 + -yi*scorei).relu() for yi, scorei in zip(yb, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    # L2 regularization
    alpha = 1e-4
    reg_loss = alpha * sum((p*p for p in model.parameters()))
    total_loss = data_loss + reg_loss

    # also get accuracy
    accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(yb, scores)]
    return total_loss, sum(accuracy) / len(accuracy)

history = []
for k in range(EPOCHS):

    # forward
    total_loss, acc = loss()

    # backward
    model.zero_grad()
    total_loss.backward()

    # update (sgd)
    learning_rate = 1.0 - 0.9*k/100
    for p in model.parameters():
        p.data -= learning_rate * p.grad

    history.append((total_loss.data, acc))
"""


def run_demo(namespace: dict, epochs: int) -> list[tuple[float, float]]:
    X, y = nn.data.moons(40, noise=0.1, seed=1)
    namespace.update(np=np, X=X, y=y * 2 - 1, EPOCHS=epochs)
    exec(compile(DEMO, "micrograd demo", "exec"), namespace)
    return namespace["history"]


def test_micrograds_demo_loop_gives_micrograds_losses_from_the_same_weights():
    pytest.importorskip("micrograd", reason="micrograd 0.1.0 is the reference here: pip install micrograd==0.1.0")
    from micrograd.engine import Value as MicrogradValue
    from micrograd.nn import MLP as MicrogradMLP

    from autograd import Value

    random.seed(1337)
    theirs = MicrogradMLP(2, [16, 16, 1])
    ours = nn.MLP(2, [16, 16, 1], activation="relu", output_activation="linear")
    for their_layer, our_layer in zip(theirs.layers, ours.layers):
        for their_neuron, our_neuron in zip(their_layer.neurons, our_layer.neurons):
            for w, v in zip(our_neuron.w, their_neuron.w):
                w.data = v.data
            our_neuron.b.data = float(their_neuron.b.data)
    enabled = gc.isenabled()
    gc.disable()  # micrograd's closures make cycles: the collector would take most of its time
    try:
        want = run_demo({"Value": MicrogradValue, "model": theirs}, epochs=4)
        got = run_demo({"Value": Value, "model": ours}, epochs=4)
    finally:
        if enabled:
            gc.enable()
    assert [acc for _, acc in got] == [acc for _, acc in want]
    assert [loss for loss, _ in got] == pytest.approx([loss for loss, _ in want], rel=1e-12)
    assert got[-1][0] < got[0][0]
