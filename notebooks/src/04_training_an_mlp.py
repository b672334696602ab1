CELLS = [
("md", r"""
# 4 · Training an MLP

Notebooks 1 and 2 took one backward pass on one sample. Training is that step repeated: a
forward pass over the data, the loss as one node, `backward()`, and a gradient step
$\theta := \theta - \eta\,\partial J/\partial\theta$ for every parameter — once per epoch, reporting
the loss and the accuracy as Jordan's post suggests.

**What we train, and why.** The data are 100 points of the "two moons": two interleaving half
circles in the plane, one class each, with a little noise. No straight line separates them, so a
network without a hidden layer (logistic regression) cannot fit them; two hidden layers of 16
tanh neurons can bend the boundary around the arcs. The output is one sigmoid neuron, read as
the probability of class 1, and the loss is the course's cross-entropy
$J = -\frac1m\sum [y\log a + (1-y)\log(1-a)]$. Adam (a gradient step with per-parameter step
sizes) gets there in 60 full-batch epochs; plain gradient descent needs many more.
"""),
("code", r"""
import numpy as np
%matplotlib inline
import matplotlib.pyplot as plt
import nn

X, y = nn.data.moons(100, noise=0.1, seed=1)
plt.figure(figsize=(5, 3.5))
plt.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", s=15)
plt.title("two moons: 100 points, two classes")
plt.show()
"""),
("md", r"""
`nn.MLP(2, [16, 16, 1], ...)` has 2 inputs, two hidden layers of 16 and one output: 337
parameters (each neuron's weights and bias). Each epoch's line is measured on that epoch's own
forward passes, that is with the weights *before* its step.
"""),
("code", r"""
def every_tenth_epoch(line):
    if not line.startswith("epoch") or int(line.split()[1]) % 10 == 0:
        print(line)

model = nn.MLP(2, [16, 16, 1], activation="tanh", output_activation="sigmoid", seed=0)
print(model)
history = nn.fit(model, X, y, loss="cross_entropy", optimizer=nn.Adam(model.parameters(), lr=0.05),
                 epochs=60, progress=False, verbose=True, log=every_tenth_epoch)
print(f"after the last step: accuracy {nn.accuracy(model, X, y):.0%}")
"""),
("code", r"""
fig, ax = plt.subplots(1, 2, figsize=(10, 4))
ax[0].plot(range(1, len(history) + 1), history.losses); ax[0].set_xlabel("epoch"); ax[0].set_ylabel("loss J (cross-entropy)")
ax[1].plot(range(1, len(history) + 1), history.accuracies); ax[1].set_xlabel("epoch"); ax[1].set_ylabel("accuracy")
plt.show()
"""),
("md", r"""
## The decision boundary

Where the model's output crosses ½. Evaluating it on a grid needs 3,600 forward passes; the
matrix implementation `nn.matrix.forward` does them in one vectorized call, from the same Θ's.
"""),
("code", r"""
xx, yy = np.meshgrid(np.linspace(-1.5, 2.5, 60), np.linspace(-1.0, 1.5, 60))
grid = np.c_[xx.ravel(), yy.ravel()]
thetas = nn.thetas_from_mlp(model)
zz = nn.matrix.forward(thetas, grid, "tanh", "sigmoid").output.reshape(xx.shape)
engine = np.array([model(list(p)).data for p in grid[::97]])             # a few points by the engine
assert np.allclose(engine, zz.ravel()[::97], rtol=0, atol=1e-12)           # the same numbers
plt.contourf(xx, yy, zz, levels=[0, 0.5, 1], alpha=0.3, cmap="coolwarm")
plt.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", s=15)
plt.title(f"decision boundary, accuracy {nn.accuracy(model, X, y):.0%}")
plt.show()
assert nn.accuracy(model, X, y) >= 0.97
"""),
]
