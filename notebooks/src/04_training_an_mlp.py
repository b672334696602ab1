CELLS = [
("md", r"""
# 4 · Training an MLP

A forward pass, the loss as one node, `backward()`, and a gradient step
$\theta := \theta - \eta\,\partial J/\partial\theta$ — repeated for every epoch, reporting the loss and
the accuracy after each one, as seed 001 suggests.
"""),
("code", r"""
import numpy as np
%matplotlib inline
import matplotlib.pyplot as plt
import nn

X, y = nn.data.moons(100, noise=0.1, seed=1)
model = nn.MLP(2, [16, 16, 1], activation="tanh", output_activation="sigmoid", seed=0)
print(model)
history = nn.fit(model, X, y, loss="cross_entropy", optimizer=nn.Adam(model.parameters(), lr=0.05),
                 epochs=60, progress=False, verbose=False)
print(history[-1])
"""),
("code", r"""
fig, ax = plt.subplots(1, 2, figsize=(10, 4))
ax[0].plot([h.loss for h in history]); ax[0].set_xlabel("epoch"); ax[0].set_ylabel("loss J")
ax[1].plot([h.accuracy for h in history]); ax[1].set_xlabel("epoch"); ax[1].set_ylabel("accuracy")
plt.show()
"""),
("code", r"""
xx, yy = np.meshgrid(np.linspace(-1.5, 2.5, 60), np.linspace(-1.0, 1.5, 60))
grid = np.c_[xx.ravel(), yy.ravel()]
zz = np.array([model(list(p))[0].data for p in grid]).reshape(xx.shape)   # 3,600 forward passes
plt.contourf(xx, yy, zz, levels=[0, 0.5, 1], alpha=0.3, cmap="coolwarm")
plt.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", s=15)
plt.title(f"decision boundary, accuracy {history[-1].accuracy:.0%}")
plt.show()
assert history[-1].accuracy >= 0.97
"""),
]
