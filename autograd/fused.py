"""n-ary ops: a neuron's weighted sum, a total, and the losses, each ONE node of the graph.

What it is: the nodes that make a network's graph the graph of the course's diagrams — one z per
neuron, one J — so that its chain-rule paths have exactly the seeds' factors (8 for the 1-1-1
network, 52 for the 2-2-2 one). Each op here computes its output and its local derivatives, as
the ops of `value.py` do, and carries its rule as Values (`node.op.rule`) and its layout:

    op       node                                parents                 local derivatives
    Σwx+b    z = b + Σᵢ wᵢxᵢ                     (w₁…wₙ, x₁…xₙ, b)        (x₁…xₙ, w₁…wₙ, 1)
    Σwx      z = Σᵢ wᵢxᵢ                         (w₁…wₙ, x₁…xₙ)           (x₁…xₙ, w₁…wₙ)
    Σwc+b    z = b + Σᵢ wᵢcᵢ, cᵢ constants       (w₁…wₙ, b)               (c₁…cₙ, 1)
    Σwc      z = Σᵢ wᵢcᵢ                         (w₁…wₙ)                  (c₁…cₙ)
    Σ        s = Σᵢ vᵢ                           (v₁…vₙ)                  (1, …, 1)
    mse, cross_entropy, hinge, softmax_cross_entropy, l2:  J over a batch     (∂J/∂a₁, …)
    rmsnorm  yᵢ = xᵢ·(Σⱼxⱼ²/n + ε)^(−1/2)         (x₁…xₙ)                  (s·(δᵢⱼ − yᵢyⱼ/n))ⱼ
    softmax  αₜ = exp(ℓₜ/d) / Σₛ exp(ℓₛ/d)        (ℓ₁…ℓₙ)                  (αₜ(δₜₛ − αₛ)/d)ₛ

rmsnorm and softmax (a transformer's, `nn.gpt`) make one node per output, each with all n inputs
as parents: a row of the Jacobian as its local derivatives.

The constant-input forms (Σwc) keep no edge to their inputs: a network's pixels while training,
whose derivatives nobody reads. Everything about these layouts is in this file: the rules for
derivatives of derivatives, the stale-graph check (`op.moved`) and the builders below.

What it is not: the losses' API. `nn.losses` checks a batch's shapes and targets and calls the
loss ops here with flat lists: `a`, the m·K outputs sample by sample, and `y`, their targets.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from operator import mul as _mul  # on floats exactly float.__mul__, and twice as fast through map()

from .args import integer, real, sequence
from .guards import first_moved
from .ops import KINDS, Op
from .value import Value, make_node

__all__ = [
    "weighted_sum",
    "weighted_sums",
    "weighted_sum_of_constants",
    "total",
    "mse",
    "cross_entropy",
    "hinge",
    "softmax_cross_entropy",
    "l2",
    "rmsnorm",
    "softmax",
    "CLIP",
]

CLIP = 1e-12
"""cross_entropy clips a to [CLIP, 1 − CLIP] before the log, so a = 0 or 1 gives a large,
finite loss instead of inf; the derivative is taken at the clipped point."""


# ---------------------------------------------------------------- weighted sums


def _weights_moved(z, suspects):
    """Σwx(+b): each factor's data when z was built is the other factor's local derivative."""
    ps, ls = z.parents, z.local_grads
    n = len(ps) // 2  # parents (w…, x…[, b]), locals (x…, w…[, 1])
    # The weights as they were, compared in C (the usual answer, and a fast one); the inputs only
    # when one of them is a suspect too (in a network they are activations, not parameters).
    if ls[n : 2 * n] == tuple([w.data for w in ps[:n]]) and (
        suspects.isdisjoint(ps[n : 2 * n]) or ls[:n] == tuple([x.data for x in ps[n : 2 * n]])
    ):
        return None
    return first_moved((*zip(ps[:n], ls[n : 2 * n]), *zip(ps[n : 2 * n], ls[:n])), suspects)


def _constants_moved(z, suspects):
    """Σwc(+b) records no weight's data, but its value, which the weights' data now must give again."""
    ps, ls = z.parents, z.local_grads
    bias = z.op == "Σwc+b"  # parents (w…[, b]), locals (c…[, 1])
    n = len(ps) - bias
    again = sum(map(_mul, [w.data for w in ps[:n]], ls[:n]), ps[n].data if bias else 0)  # as it was added
    if again == z.data or (again != again and z.data != z.data):
        return None
    return next(((p, None) for p in ps if p in suspects), None)


def _weights_rule(z):
    ps = z.parents
    n = len(ps) // 2
    return (*ps[n : 2 * n], *ps[:n], *((1.0,) if len(ps) % 2 else ()))  # (x…, w…[, 1])


def _constant_locals(z):
    return z.local_grads  # (c…[, 1]): constants, so their derivatives are 0


WEIGHTED_SUM_BIAS = Op("Σwx+b", _weights_rule, moved=_weights_moved)
WEIGHTED_SUM = Op("Σwx", _weights_rule, moved=_weights_moved)
CONSTANTS_SUM_BIAS = Op("Σwc+b", _constant_locals, moved=_constants_moved)
CONSTANTS_SUM = Op("Σwc", _constant_locals, moved=_constants_moved)
KINDS["Σwx+b"] = "z = b + Σ wᵢxᵢ: parents (w…, x…, b), local derivatives (x…, w…, 1)"
KINDS["Σwx"] = "z = Σ wᵢxᵢ: parents (w…, x…), local derivatives (x…, w…)"
KINDS["Σwc+b"] = "z = b + Σ wᵢcᵢ, cᵢ constants: parents (w…, b), local derivatives (c…, 1)"
KINDS["Σwc"] = "z = Σ wᵢcᵢ, cᵢ constants: parents (w…), local derivatives (c…)"


def weighted_sum(
    weights: Sequence[Value],
    inputs: Sequence[Value | float],
    bias: Value | float | None = None,
    label: str | None = None,
) -> Value:
    """z = b + Σᵢ wᵢxᵢ as ONE node (a neuron's pre-activation, the course's z).

    ∂z/∂wᵢ = xᵢ, ∂z/∂xᵢ = wᵢ, ∂z/∂b = 1 (see the table above). Numbers among the inputs or the
    bias become constant leaves. TypeError for weights that are not Values, ValueError for lengths
    that differ.
    """
    weights = sequence(weights, "weighted_sum", "weights", of=Value)
    inputs = sequence(inputs, "weighted_sum", "inputs")
    if len(weights) != len(inputs):
        raise ValueError(f"weighted_sum: {len(weights)} weights but {len(inputs)} inputs")
    xs = [x if isinstance(x, Value) else Value(real(x, "weighted_sum", "inputs", finite=False)) for x in inputs]
    if bias is not None and not isinstance(bias, Value):
        bias = Value(real(bias, "weighted_sum", "bias", finite=False))
    return weighted_sums((weights,), (bias,), xs, (label,))[0]


def weighted_sums(
    rows: Sequence[Sequence[Value]],
    biases: Sequence[Value | None],
    inputs: Sequence[Value],
    labels: Sequence[str | None] | None = None,
) -> list[Value]:
    """One `weighted_sum` node per row of weights, all over the same input Values (a layer's z's).

    The inputs' data are read once for the whole layer (a network's hot path). Each z is
    b + w₁x₁ + w₂x₂ + …, added left to right: the float micrograd's Neuron computes. rows[j] has
    one weight per input; biases[j] is a Value or None; labels[j] names z_j. Checked cheaply:
    lengths always, types when reading them fails (TypeError naming the argument).
    """
    xt = tuple(inputs)
    n = len(xt)
    try:
        xd = tuple([x.data for x in xt])
        out = []
        for ws, b, label in zip(rows, biases, labels or (None,) * len(rows)):
            if len(ws) != n:
                raise ValueError(f"weighted_sums: a row of {len(ws)} weights for {n} inputs")
            wd = [w.data for w in ws]
            if b is None:
                out.append(make_node(sum(map(_mul, wd, xd)), (*ws, *xt), (*xd, *wd), WEIGHTED_SUM, label))
            else:
                z = sum(map(_mul, wd, xd), b.data)
                out.append(make_node(z, (*ws, *xt, b), (*xd, *wd, 1.0), WEIGHTED_SUM_BIAS, label))
    except (AttributeError, TypeError):
        sequence(inputs, "weighted_sums", "inputs", of=Value)
        for j, (ws, b) in enumerate(zip(rows, biases)):
            sequence(ws, "weighted_sums", f"rows[{j}]", of=Value)
            if b is not None and not isinstance(b, Value):
                raise TypeError(f"weighted_sums: biases[{j}] must be a Value or None, got {type(b).__name__}") from None
        raise
    return out


def weighted_sum_of_constants(
    weights: Sequence[Value], constants: Sequence[float], bias: Value | None = None, label: str | None = None
) -> Value:
    """z = b + Σᵢ wᵢcᵢ with the cᵢ plain floats (constants, not nodes): op "Σwc+b" (or "Σwc").

    The same z and ∂z/∂w as `weighted_sum` with constant leaves, but no edge to the constants,
    so backward spends nothing on derivatives nobody reads (a network's inputs while training).
    `constants` must be floats (nn passes a checked sample); lengths are checked.
    """
    if len(weights) != len(constants):
        raise ValueError(f"weighted_sum_of_constants: {len(weights)} weights but {len(constants)} constants")
    wd = [w.data for w in weights]
    if bias is None:
        return make_node(sum(map(_mul, wd, constants)), tuple(weights), tuple(constants), CONSTANTS_SUM, label)
    z = sum(map(_mul, wd, constants), bias.data)  # b + w₁c₁ + w₂c₂ + …, left to right
    return make_node(z, (*weights, bias), (*constants, 1.0), CONSTANTS_SUM_BIAS, label)


# ---------------------------------------------------------------- a total

TOTAL = Op("Σ", lambda z: (1.0,) * len(z.parents))
KINDS["Σ"] = "s = Σ vᵢ: local derivatives all 1"


def total(values: Iterable[Value | float], label: str | None = None) -> Value:
    """Σᵢ vᵢ as ONE node with n parents, each local derivative 1.

    Python's `sum()` builds a chain of n binary `+` nodes (deep graphs, n nodes); this builds one,
    summed left to right (the same float as the chain). ValueError when `values` is empty.
    """
    vs = tuple(v if isinstance(v, Value) else Value(real(v, "total", "values", finite=False)) for v in values)
    if not vs:
        raise ValueError("total: needs at least one value")
    return make_node(sum([v.data for v in vs]), vs, (1.0,) * len(vs), TOTAL, label)


# ---------------------------------------------------------------- the losses, J over m samples


def _batch(where: str, a: Sequence[Value], y: Sequence[float], m: int) -> tuple[tuple, list[float], int]:
    a = tuple(a)
    if len(a) != len(y):
        raise ValueError(f"{where}: {len(a)} outputs but {len(y)} targets")
    return a, list(y), integer(m, where, "m (the number of samples)")


def mse(a: Sequence[Value], y: Sequence[float], m: int, label: str | None = "J") -> Value:
    """J = 1/(2m) Σ (aₖ − yₖ)² over the m·K outputs (Jordan's post);  ∂J/∂aₖ = (aₖ − yₖ)/m."""
    a, y, m = _batch("mse", a, y, m)
    diffs = [ai.data - yi for ai, yi in zip(a, y)]
    J = sum(d * d for d in diffs) / (2 * m)
    return make_node(J, a, tuple(d / m for d in diffs), Op("mse", _mse_rule, targets=y, m=m), label)


def _mse_rule(z) -> list:
    y, m = z.op.params["targets"], z.op.params["m"]
    return [(a - yk) / m for a, yk in zip(z.parents, y)]


def cross_entropy(a: Sequence[Value], y: Sequence[float], m: int, label: str | None = "J") -> Value:
    """J = −1/m Σ [yₖ ln aₖ + (1 − yₖ) ln(1 − aₖ)] (the course);  ∂J/∂aₖ = −(yₖ/aₖ − (1 − yₖ)/(1 − aₖ))/m.

    Outputs must lie in [0, 1] (ValueError otherwise); a is clipped to [CLIP, 1 − CLIP] first, so
    a saturated output costs −ln(1e-12) ≈ 27.6 rather than inf, and the derivative is the one at
    the clipped point. A NaN output gives NaN.
    """
    a, y, m = _batch("cross_entropy", a, y, m)
    J = 0.0
    grads = []
    for ai, yi in zip(a, y):
        p = ai.data
        if p != p:  # NaN in, NaN out
            J += p
            grads.append(p)
            continue
        if not 0.0 <= p <= 1.0:
            raise ValueError(
                f"cross_entropy: outputs must be in [0, 1] (probabilities), got {p!r}; use a sigmoid output layer"
            )
        p = min(max(p, CLIP), 1.0 - CLIP)
        J -= yi * math.log(p) + (1.0 - yi) * math.log(1.0 - p)
        grads.append(-(yi / p - (1.0 - yi) / (1.0 - p)) / m)
    op = Op("cross_entropy", _cross_entropy_rule, targets=y, m=m, clip=CLIP)
    return make_node(J / m, a, tuple(grads), op, label)


def _cross_entropy_rule(z) -> list:
    """∂J/∂aₖ as Values; at a clipped output a constant (J is flat in a there)."""
    y, m = z.op.params["targets"], z.op.params["m"]
    return [
        -(yk / a - (1.0 - yk) / (1.0 - a)) / m if CLIP <= a.data <= 1.0 - CLIP else d
        for a, yk, d in zip(z.parents, y, z.local_grads)
    ]


def hinge(a: Sequence[Value], y: Sequence[float], m: int, label: str | None = "J") -> Value:
    """J = 1/m Σ max(0, 1 − yₖaₖ), targets ±1 (micrograd's max-margin loss).

    ∂J/∂aₖ = −yₖ/m where the margin is violated (1 − yₖaₖ > 0), else 0 (0 at the kink); a
    constant, so hinge's second derivative is 0. A NaN output makes J NaN (it is no perfect score).
    ValueError for a target other than ±1.
    """
    a, y, m = _batch("hinge", a, y, m)
    J = 0.0
    grads = []
    for ai, yi in zip(a, y):
        if yi not in (-1.0, 1.0):
            raise ValueError(f"hinge: targets must be -1 or +1, got {yi!r} (for 0/1 labels use 2*y - 1)")
        margin = 1.0 - yi * ai.data
        if margin > 0.0:
            J += margin
            grads.append(-yi / m)
        elif margin == margin:
            grads.append(0.0)
        else:
            J += margin
            grads.append(margin)
    return make_node(J / m, a, tuple(grads), Op("hinge", _constant_locals, targets=y, m=m), label)


def softmax_cross_entropy(a: Sequence[Value], y: Sequence[float], m: int, k: int, label: str | None = "J") -> Value:
    """J = −1/m Σᵢ Σₖ yₖ ln softmax(a)ₖ over m samples of K logits each (a: m·K Values, sample by sample).

    ∂J/∂aₖ = (pₖ Σⱼyⱼ − yₖ)/m with p = softmax(a) (= (pₖ − yₖ)/m for one-hot y). Computed
    stably: ln pₖ = aₖ − max(a) − ln Σⱼ exp(aⱼ − max(a)).
    """
    a, y, m = _batch("softmax_cross_entropy", a, y, m)
    k = integer(k, "softmax_cross_entropy", "k (the number of classes)")
    if len(a) != m * k:
        raise ValueError(f"softmax_cross_entropy: {len(a)} outputs for m={m} samples of k={k} logits")
    J = 0.0
    grads = []
    for i in range(0, m * k, k):
        logits = [v.data for v in a[i : i + k]]
        ys = y[i : i + k]
        top = max(logits)
        exps = [math.exp(t - top) for t in logits]
        norm = sum(exps)
        log_norm = math.log(norm)
        total_y = sum(ys)
        for t, e, yk in zip(logits, exps, ys):
            J -= yk * (t - top - log_norm)  # −yₖ ln pₖ
            grads.append((e / norm * total_y - yk) / m)
    op = Op("softmax_cross_entropy", _softmax_cross_entropy_rule, targets=y, m=m, k=k)
    return make_node(J / m, a, tuple(grads), op, label)


def _softmax_cross_entropy_rule(z) -> list:
    """∂J/∂aₖ = (pₖ Σⱼyⱼ − yₖ)/m as Values, p = softmax(a) built from exp nodes."""
    y, m, k = z.op.params["targets"], z.op.params["m"], z.op.params["k"]
    grads = []
    for i in range(0, m * k, k):
        logits = z.parents[i : i + k]
        top = max(v.data for v in logits)  # a constant shift: softmax does not change, exp cannot overflow
        exps = [(v - top).exp() for v in logits]
        norm = total(exps)
        ys = y[i : i + k]
        total_y = sum(ys)
        grads.extend((e / norm * total_y - yk) / m for e, yk in zip(exps, ys))
    return grads


def l2(weights: Sequence[Value], lam: float, m: int, label: str | None = "L2") -> Value:
    """λ/(2m) Σ w² over `weights` (the course's penalty, biases excluded by the caller);  ∂/∂w = λw/m."""
    weights = tuple(weights)
    lam = real(lam, "l2", "lam", low=0.0)
    m = integer(m, "l2", "m (the number of samples)")
    R = lam / (2 * m) * sum(w.data * w.data for w in weights)
    grads = tuple(lam * w.data / m for w in weights)
    return make_node(R, weights, grads, Op("l2", _l2_rule, lam=lam, m=m), label)


def _l2_rule(z) -> list:
    lam, m = z.op.params["lam"], z.op.params["m"]
    return [lam * w / m for w in z.parents]


KINDS["mse"] = "J = 1/(2m) Σ (a − y)² (op.params: targets, m)"
KINDS["cross_entropy"] = (
    "J = −1/m Σ [y ln a + (1 − y) ln(1 − a)], a clipped to [CLIP, 1 − CLIP] (op.params: targets, m, clip)"
)
KINDS["hinge"] = "J = 1/m Σ max(0, 1 − y·a) (op.params: targets, m)"
KINDS["softmax_cross_entropy"] = "J = −1/m Σ y ln softmax(a) (op.params: targets, m, k)"
KINDS["l2"] = "λ/(2m) Σ w² (op.params: lam, m)"


# ---------------------------------------------------------------- a transformer's ops: one node per output
#
# RMSNorm and softmax map n Values to n Values, each output depending on every input: ONE node per
# output, whose parents are all n inputs (one tuple, shared) and whose local derivatives are a row of
# the Jacobian. The forward floats are computed in exactly the order the elementary code writes
# them (microgpt's `sum(xi * xi for xi in x) / len(x)`, `(ms + 1e-5) ** -0.5`, `xi * scale`;
# `(val - max_val).exp()`, `sum(exps)`, `e / total`), so the fused graph and the elementary one
# give the same outputs to the last bit. An op object per output position (its `index`), cached.

_row_ops: dict[tuple, Op] = {}


def _row_op(name: str, rule, **params) -> Op:
    """The op of output `params['index']` of an n-to-n op: one object per (name, params), cached."""
    key = (name, *params.values())
    found = _row_ops.get(key)
    if found is None:
        found = Op(name, rule, **params)
        if len(_row_ops) < 4096:
            _row_ops[key] = found
    return found


def _rms_scale(xs, eps):
    """s = (Σ xᵢ²/n + ε)^(−1/2) as a Value built from the inputs (for the rules)."""
    return (total([x * x for x in xs]) / len(xs) + eps) ** -0.5


def _rmsnorm_rule(z) -> list:
    """∂yᵢ/∂xⱼ = s·(δᵢⱼ − yᵢyⱼ/n) as Values: s rebuilt from the parents, yⱼ = xⱼ·s."""
    xs, i = z.parents, z.op.params["index"]
    n = len(xs)
    s = _rms_scale(xs, z.op.params["eps"])
    return [s * (1.0 - z * z / n) if j == i else -(s * (z * (x * s) / n)) for j, x in enumerate(xs)]


KINDS["rmsnorm"] = (
    "yᵢ = xᵢ·s, s = (Σ xⱼ²/n + ε)^(−1/2): one node per output, parents x₁…xₙ, "
    "local derivatives s·(δᵢⱼ − yᵢyⱼ/n) (op.params: eps, index i)"
)


def rmsnorm(xs: Sequence[Value], eps: float = 1e-5, labels: Sequence[str | None] | None = None) -> list[Value]:
    """RMSNorm without a learned scale: yᵢ = xᵢ / √(mean(x²) + ε), ONE node per output yᵢ.

    Each yᵢ has all n inputs as parents, with local derivatives ∂yᵢ/∂xⱼ = s·(δᵢⱼ − yᵢyⱼ/n),
    s = (Σ xⱼ²/n + ε)^(−1/2) (differentiate yᵢ = xᵢ·s: ∂s/∂xⱼ = −s³xⱼ/n, and xᵢxⱼs³ = yᵢyⱼs).
    Zhang & Sennrich, "Root Mean Square Layer Normalization" (2019); microgpt's `rmsnorm`, ε = 1e-5.
    xs: n ≥ 1 Values; labels: n names (or None). TypeError/ValueError naming the argument.
    """
    xt = tuple(sequence(xs, "rmsnorm", "xs", of=Value))
    eps = real(eps, "rmsnorm", "eps", low=0.0)
    n = len(xt)
    labels = _labels(labels, n, "rmsnorm")
    xd = [x.data for x in xt]
    s = (sum([x * x for x in xd]) / n + eps) ** -0.5  # microgpt's order: ms = Σx²/n, then (ms + ε) ** −0.5
    ys = [x * s for x in xd]
    out = []
    for i, (yi, label) in enumerate(zip(ys, labels)):
        grads = tuple([s * (1.0 - yi * yi / n) if j == i else -(s * (yi * yj / n)) for j, yj in enumerate(ys)])
        out.append(make_node(yi, xt, grads, _row_op("rmsnorm", _rmsnorm_rule, eps=eps, index=i), label))
    return out


def _softmax_values(logits, divisor: float) -> list:
    """softmax(ℓ/d) as Values built from the logits (for the rules): the forward's operations, in its order."""
    top = max(v.data / divisor for v in logits)  # a constant shift: exp cannot overflow
    exps = [(v / divisor - top).exp() for v in logits]
    norm = total(exps)
    return [e / norm for e in exps]


def _softmax_rule(z) -> list:
    """∂αₜ/∂ℓₛ = αₜ(δₜₛ − αₛ)/d as Values: αₛ rebuilt from the parents, αₜ the node itself."""
    t, d = z.op.params["index"], z.op.params["divisor"]
    alphas = _softmax_values(z.parents, d)
    return [z * (1.0 - z) / d if s == t else -(z * a) / d for s, a in enumerate(alphas)]


KINDS["softmax"] = (
    "αₜ = exp(ℓₜ/d) / Σₛ exp(ℓₛ/d): one node per output, parents ℓ₁…ℓₙ, local derivatives "
    "αₜ(δₜₛ − αₛ)/d (op.params: divisor d, index t)"
)


def softmax(logits: Sequence[Value], divisor: float = 1.0, labels: Sequence[str | None] | None = None) -> list[Value]:
    """αₜ = exp(ℓₜ/d) / Σₛ exp(ℓₛ/d), ONE node per output αₜ (attention's weights: d = √d_head).

    Each αₜ has all the logits as parents, with local derivatives ∂αₜ/∂ℓₛ = αₜ(δₜₛ − αₛ)/d (the
    softmax Jacobian, a row of diag(α) − ααᵀ, over d). Computed stably: ℓ/d minus its maximum before
    exp, as microgpt's `softmax` does, with the same floats. Vaswani et al., "Attention Is All You
    Need" (2017), eq. 1. logits: n ≥ 1 Values; divisor: a finite number > 0; labels: n names (or None).
    """
    lt = tuple(sequence(logits, "softmax", "logits", of=Value))
    d = real(divisor, "softmax", "divisor", low=0.0, low_open=True)
    labels = _labels(labels, len(lt), "softmax")
    scaled = [v.data / d for v in lt]
    top = max(scaled)
    exps = [math.exp(x - top) for x in scaled]  # x − top ≤ 0: no overflow
    norm = sum(exps)
    alphas = [e / norm for e in exps]
    out = []
    for t, (a, label) in enumerate(zip(alphas, labels)):
        grads = tuple([a * (1.0 - a) / d if s == t else -(a * b) / d for s, b in enumerate(alphas)])
        out.append(make_node(a, lt, grads, _row_op("softmax", _softmax_rule, divisor=d, index=t), label))
    return out


def _labels(labels, n: int, where: str) -> list:
    if labels is None:
        return [None] * n
    labels = sequence(labels, where, "labels", of=(str, type(None)))
    if len(labels) != n:
        raise ValueError(f"{where}: {len(labels)} labels for {n} outputs")
    return labels
