CELLS = [
("md", r"""
# 7 · Handwritten digits, both ways

The course's backpropagation exercise ends with a network that reads handwritten digits: 20×20
images, a 400-25-10 sigmoid network, the cross-entropy cost with regularization λ, trained by
`fmincg` on the unrolled Θ's. Here is the same exercise on real data that needs no download —
scikit-learn ships 1,797 handwritten digits of 8×8 pixels — so the network is **64-25-10**.

It is trained two ways, on the same cost
$J(\Theta) = -\frac{1}{M}\sum_i\sum_k \big[y_k \log a_k + (1-y_k)\log(1-a_k)\big] + \frac{\lambda}{2M}\sum \Theta^2$
(bias columns excluded) and from the same initial Θ's:

1. **the matrix implementation** `nn.matrix` computes J and ∂J/∂Θ for all M images at once, and
   SciPy's `minimize` (L-BFGS-B) does what `fmincg` did in the course, here all the way to the minimum;
2. **the scalar engine**: the graph of each mini-batch of 32 images, `backward()`, and Adam.

Before the engine trains, both implementations compute the gradient of one real mini-batch,
and they must agree to 1e-9.
"""),
("code", r"""
%matplotlib inline
import numpy as np
import matplotlib.pyplot as plt
import nn
from nn import digits, matrix

data = nn.data.digits(seed=0)          # stratified 80/20 split, pixels scaled from 0..16 to [0, 1]
print(data)
print("test images per digit:", np.bincount(data.y_test))

fig, axes = plt.subplots(2, 10, figsize=(10, 2.4))
for ax, img, label in zip(axes.flat, data.images(data.X_train[:20]), data.y_train[:20]):
    ax.imshow(img, cmap="gray_r", vmin=0, vmax=1)
    ax.set_title(str(label))
    ax.set_axis_off()
plt.show()
"""),
("md", r"""
## The cost function and the cross-check on a real batch

The course's `nnCostFunction(nn_params, …)` takes the Θ's *unrolled* into one vector and returns
(J, grad). `nn.digits.unroll` and `roll` do the unrolling; `nn.matrix.backprop` does the rest.

The check below builds the scalar engine's network from the same initial Θ's, takes the first
mini-batch it will train on (32 real images), and compares the engine's `backward()` with the
matrix gradient, entry by entry. The batch cost keeps λ/(2M) with the whole training set's M,
so that a mini-batch estimates the same J the matrix side minimizes.
"""),
("code", r"""
sizes = [64, 25, 10]
theta0 = matrix.random_thetas(sizes, seed=0)        # the course's uniform [−ε, ε], ε = √6/√(s_l + s_(l+1))
nn_params = digits.unroll(theta0)
res = matrix.backprop(digits.roll(nn_params, sizes), data.X_train, digits.one_hot(data.y_train),
                      loss="cross_entropy", lam=1.0)
print(f"{nn_params.size} parameters (25·65 + 10·26); J at the start = {res.cost:.4f}")

report = digits.check_before_training(data, hidden=25, lam=1.0, seed=0)
print(report)
assert report.ok
"""),
("md", r"""
## Way 1: the matrix implementation and SciPy

Each L-BFGS-B iteration evaluates J and ∂J/∂Θ on all 1,437 training images (one matrix product
per layer, forward and back), about a millisecond. It runs until every |∂J/∂θ| is below 1e-8:
the minimum of J, about two thousand iterations and a few seconds.

**Why to the minimum, and not, say, 200 iterations?** After a fixed number of iterations the Θ's
are a point on the optimizer's *path*, and the path depends on the last bits of every gradient.
Those bits depend on the machine: BLAS adds up a matrix product in an order (with fused
multiply-adds or not) chosen for the CPU, and L-BFGS-B amplifies a difference of 1e-16 into one
of 1e-4 within 200 iterations — the cost there was 0.497997 on one machine and 0.497967 on
another. The minimum is a property of J itself: both machines stop at the same Θ's, to about 11
digits, and every number below is the same on yours.
"""),
("code", r"""
result = digits.train_matrix(data, hidden=25, lam=1.0, iterations=10_000, tolerance=1e-8, seed=0)
assert "convergence" in result.stopped        # stopped by the gradient test, not by the iteration limit
print(f"J at the minimum: {result.cost:.6f}")
print(f"accuracy: training {result.train_accuracy:.1%}, test {result.test_accuracy:.1%}")
assert result.test_accuracy >= 0.96
"""),
("md", r"""
## What the hidden units show

Each hidden unit computes $a_j = g(\Theta^{(1)}_{j,0} + \sum_i \Theta^{(1)}_{j,i}\, x_i)$. Its 64 weights
are one per pixel, so they can be drawn as an 8×8 image, as the course draws its 25 units as
20×20 images: red where ink pushes the unit on, blue where ink pushes it off.
"""),
("code", r"""
digits.hidden_units_figure(result.thetas[0])
"""),
("md", r"""
Two things to read in these pictures, each checked in numbers below.

**The blank squares are the regularization at work.** A few pixels carry no ink in any training
image (for this split: the top-left corner and three pixels on the left and right edges). The data never pulls on their weights, so the
only gradient they get is λ/M·θ from the penalty, which drives them to zero: they are the white
squares at the same places in every unit.

**A unit is not a detector of one digit.** Averaging each unit's activation over the test
images of each digit shows each unit *on* for several digits and *off* for several others: a
unit asks one question that splits the ten digits into groups (ink in the centre? a stroke on
the upper left?), and the output layer reads the digit from the pattern of 25 answers — a
distributed code, not 25 templates.
"""),
("code", r"""
W = result.thetas[0][:, 1:]                        # 25 × 64, the bias column dropped
blank = data.X_train.max(axis=0) == 0              # pixels without ink in every training image
print(f"pixels never inked in training: {np.flatnonzero(blank).tolist()} (row-major 8×8 indices)")
print(f"mean |weight| on them: {np.abs(W[:, blank]).mean():.5f}; on the other pixels: {np.abs(W[:, ~blank]).mean():.3f}")
assert np.abs(W[:, blank]).mean() < 0.01 * np.abs(W[:, ~blank]).mean()

hidden = matrix.forward(result.thetas, data.X_test).a[1]                           # 360 × 25 activations
per_digit = np.array([hidden[data.y_test == d].mean(axis=0) for d in range(10)])   # 10 × 25
on, off = (per_digit > 0.5).sum(axis=0), (per_digit < 0.5).sum(axis=0)
print("digits each unit is on for (mean a > ½):", on.tolist())
assert on.min() >= 2 and off.min() >= 2           # no unit answers for one digit alone

fig, ax = plt.subplots(figsize=(10, 3.6))
im = ax.imshow(per_digit, cmap="viridis", vmin=0, vmax=1, aspect="auto")
ax.set_xticks(range(25), [str(j + 1) for j in range(25)])
ax.set_yticks(range(10))
ax.set_xlabel("hidden unit"); ax.set_ylabel("digit")
ax.set_title("mean activation of each hidden unit over the test images of each digit")
fig.colorbar(im, ax=ax, fraction=0.025)
plt.show()
"""),
("md", r"""
## Where it goes wrong

The confusion matrix (rows: the true digit, columns: the prediction) and the test digits it
misclassifies. Several of them are hard for a person too at 8×8 pixels.
"""),
("code", r"""
print(digits.confusion_matrix(data.y_test, result.predictions))
digits.confusion_figure(data.y_test, result.predictions)
"""),
("code", r"""
digits.misclassified_figure(data.X_test, data.y_test, result.predictions)
"""),
("md", r"""
## Way 2: the scalar engine, on a shorter run

The same network as a graph of scalar `Value`s: per mini-batch, 32 forward passes, the loss as
one node, `backward()` and an Adam step. The pixels enter as constants (`MLP(x,
constant_inputs=True)`), so backward does no work for ∂J/∂x, which nobody reads.

**This run is shortened to 4 epochs** to keep the notebook quick (a few seconds). The full run,
`chainrule digits --engine scalar`, does 15 epochs and reaches about 97% — the matrix side's
level — in about 10–20 s on a laptop-class machine.
"""),
("code", r"""
short = digits.train_scalar(data, hidden=25, lam=1.0, epochs=4, batch_size=32, lr=0.02, seed=0, verbose=True)
print(short)
print(short.check.title)                          # the cross-check it ran first, on its first batch
assert short.test_accuracy >= 0.90

# the engine's predictions are exactly what its Θ's give in the matrix implementation
pred = matrix.forward(short.thetas, data.X_test).output.argmax(axis=1)
assert np.array_equal(pred, short.predictions)
"""),
("md", r"""
## Both ways

Same cost, same start, two implementations that share no code (the matrix side imports
nothing from the engine). The matrix side with a second-order-ish optimizer on full batches
is fast; the scalar engine is slow by comparison but computes every number through a graph you
can print, draw and check — and on the same batch, both give the same gradient.
"""),
("code", r"""
# (each result's .seconds holds its training time, and the matrix side's .stopped the iterations it
# took on this machine; the README gives measured ones)
how = {"matrix": "L-BFGS-B to the minimum (every |∂J/∂θ| ≤ 1e-8)", "scalar": short.stopped}
for r in (result, short):
    print(f"{r.engine:<7} {how[r.engine]:<55} test accuracy {r.test_accuracy:.1%}")
"""),
]
