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
    sigmoid_cross_entropy:  J over a batch, from the logits z                  (∂J/∂z₁, …)
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

from .args import counted, integer, real, sequence
from .guards import first_moved
from .numerics import exp_or_inf, sigmoids, softplus
from .ops import KINDS, SIGMOID, Op
from .value import Value, make_node

__all__ = [
    "weighted_sum",
    "weighted_sums",
    "weighted_sum_of_constants",
    "total",
    "mse",
    "cross_entropy",
    "hinge",
    "sigmoid_cross_entropy",
    "softmax_cross_entropy",
    "l2",
    "rmsnorm",
    "softmax",
    "CLIP",
]

CLIP = 1e-12
"""cross_entropy clips an output that is not a sigmoid node to [CLIP, 1 − CLIP] before the log, so
a = 0 or 1 gives a large, finite loss instead of inf; the derivative is taken at the clipped point.
(A sigmoid node's term is computed from its logit, exactly: no clipping.)"""


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
    data: Sequence[Sequence[float]] | None = None,
) -> list[Value]:
    """One `weighted_sum` node per row of weights, all over the same input Values (a layer's z's).

    The inputs' data are read once for the whole layer (a network's hot path). Each z is
    b + w₁x₁ + w₂x₂ + …, added left to right: the float micrograd's Neuron computes. rows[j] has
    one weight per input; biases[j] is a Value or None; labels[j] names z_j. Checked cheaply:
    lengths always, types when reading them fails (TypeError naming the argument).

    `data[j]`, when given, is row j's weights' data as the caller read it (`[w.data for w in
    rows[j]]`), for rows used over many inputs in one forward pass (a GPT's positions): read once,
    not once per input. It is trusted: the weights must not change between the read and this call.
    """
    xt = tuple(inputs)
    n = len(xt)
    try:
        xd = tuple([x.data for x in xt])
        out = []
        for j, (ws, b, label) in enumerate(zip(rows, biases, labels or (None,) * len(rows))):
            if len(ws) != n:
                raise ValueError(f"weighted_sums: a row of {len(ws)} weights for {n} inputs")
            wd = data[j] if data is not None else [w.data for w in ws]
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
#
# Each loss is ONE node: parents the m·K outputs a (sample by sample), local derivatives ∂J/∂aₖ.
# A term whose target weight is 0 adds nothing, also where its log is −inf (0 · ln 0 = 0): such
# terms are left out of the sums, never multiplied by 0.


def _batch(where: str, a: Sequence[Value], y: Sequence[float], m: int) -> tuple[tuple, list[float], int]:
    a = tuple(a)
    m = integer(m, where, "m (the number of samples)")
    if len(a) != len(y):
        raise ValueError(f"{where}: {counted(len(a), 'output')} but {counted(len(y), 'target')}")
    if not a:
        raise ValueError(f"{where}: no outputs (a batch needs at least one sample with one output)")
    if len(a) % m:
        raise ValueError(f"{where}: {len(a)} outputs do not split into m={m} samples of equal size")
    return a, list(y), m


def _unit_targets(where: str, y: list[float]) -> None:
    """A cross-entropy's targets are probabilities: each in [0, 1] (NaN is not)."""
    for i, t in enumerate(y):
        if not 0.0 <= t <= 1.0:
            raise ValueError(
                f"{where}: targets must be in [0, 1] (probabilities: 0/1 labels or soft ones), got {t!r} at index {i}"
            )


def mse(a: Sequence[Value], y: Sequence[float], m: int, label: str | None = "J") -> Value:
    """J = 1/(2m) Σ (aₖ − yₖ)² over the m·K outputs (Jordan's post);  ∂J/∂aₖ = (aₖ − yₖ)/m."""
    a, y, m = _batch("mse", a, y, m)
    diffs = [ai.data - yi for ai, yi in zip(a, y)]
    J = sum(d * d for d in diffs) / (2 * m)
    return make_node(J, a, tuple(d / m for d in diffs), Op("mse", _mse_rule, targets=y, m=m), label)


def _mse_rule(z) -> list:
    y, m = z.op.params["targets"], z.op.params["m"]
    return [(a - yk) / m for a, yk in zip(z.parents, y)]


def _exp(x):
    """eˣ of a float (+inf where it overflows) or of a Value (the rules below run on both)."""
    return exp_or_inf(x) if type(x) is float else x.exp()


def _sigmoid_slope(y: float, t):
    """∂/∂a of −[y ln a + (1 − y) ln(1 − a)] at a = σ(t), written in the logit t (a float or a Value):

        −y/a + (1 − y)/(1 − a) = −y (1 + e^−t) + (1 − y)(1 + e^t)       (1/σ(t) = 1 + e^−t)

    Each term keeps every digit at any t where it is a float: for y = 0 it is 1 + eᵗ, where
    1/(1 − a) divides by a 1 − a that is 0.0 for t > 37. A term whose weight is 0 is left out.
    """
    d = 0.0
    if y:
        d = d - y * (1.0 + _exp(-t))
    if y != 1.0:
        d = d + (1.0 - y) * (1.0 + _exp(t))
    return d


def cross_entropy(a: Sequence[Value], y: Sequence[float], m: int, label: str | None = "J") -> Value:
    """J = −1/m Σ [yₖ ln aₖ + (1 − yₖ) ln(1 − aₖ)] (the course);  ∂J/∂aₖ = (−yₖ/aₖ + (1 − yₖ)/(1 − aₖ))/m.

    Two ways to a term, by what the output is:

    - **a sigmoid node** (a = σ(z), the output of a sigmoid layer): the term and ∂J/∂a are computed
      from its logit z = a.parents[0] — J's term as yₖ softplus(−zₖ) + (1 − yₖ) softplus(zₖ),
      exact at any z; ∂J/∂a as −y(1 + e⁻ᶻ) + (1 − y)(1 + eᶻ) (see `_sigmoid_slope`) — so that the
      chain through a, ∂J/∂a · σ′(z), gives δ = (σ(z) − y)/m to a few units in the last place for
      |z| ≤ 700. Beyond that σ′(z) underflows to 0 (and 1 + e^|z| overflows), the chain through a
      passes 0 where δ is ±1/m: use `sigmoid_cross_entropy` on the logits (`nn.cross_entropy(z, y,
      from_logits=True)`), exact at any z. The graph is still z → a → J, every a drawn.
    - **any other output**: must lie in [0, 1] (ValueError otherwise); it is clipped to
      [CLIP, 1 − CLIP] first, so an output of exactly 0 or 1 costs −ln(1e-12) ≈ 27.6 rather than
      inf, and the derivative is the one at the clipped point.

    Targets must lie in [0, 1] (ValueError). A term whose weight (yₖ or 1 − yₖ) is 0 is left out:
    0 · ln 0 = 0. A NaN output gives NaN. `op.params`: targets, m, clip, and `from_logit` (one
    bool per output: True where its term was computed from the sigmoid node's logit).
    """
    a, y, m = _batch("cross_entropy", a, y, m)
    _unit_targets("cross_entropy", y)
    J = 0.0
    grads = []
    from_logit = []
    for ai, yi in zip(a, y):
        if ai.op is SIGMOID:  # a = σ(z): from the logit z, exact (see the docstring)
            t = ai.parents[0].data
            if yi:
                J += yi * softplus(-t)  # −y ln σ(z)
            if yi != 1.0:
                J += (1.0 - yi) * softplus(t)  # −(1 − y) ln(1 − σ(z))
            grads.append(_sigmoid_slope(yi, t) / m)
            from_logit.append(True)
            continue
        from_logit.append(False)
        p = ai.data
        if p != p:  # NaN in, NaN out
            J += p
            grads.append(p)
            continue
        if not 0.0 <= p <= 1.0:
            raise ValueError(
                f"cross_entropy: outputs must be in [0, 1] (probabilities), got {p!r}; use a sigmoid output layer, "
                f"or pass the logits with from_logits=True"
            )
        p = min(max(p, CLIP), 1.0 - CLIP)
        if yi:
            J -= yi * math.log(p)
        if yi != 1.0:
            J -= (1.0 - yi) * math.log(1.0 - p)
        grads.append(-(yi / p - (1.0 - yi) / (1.0 - p)) / m)
    op = Op("cross_entropy", _cross_entropy_rule, targets=y, m=m, clip=CLIP, from_logit=tuple(from_logit))
    return make_node(J / m, a, tuple(grads), op, label)


def _cross_entropy_rule(z) -> list:
    """∂J/∂aₖ as Values: from the logit for a sigmoid output (see `cross_entropy`), else in a; a
    constant where the float is (a clipped output, where J is flat in a; an overflowed 1 + e^|z|).

    For a sigmoid output the derivative is a Value of the logit z, not of a: second derivatives
    through it are right with respect to z and everything z depends on (the parameters), and
    with respect to the a node itself they read 0 (ask for them from z)."""
    y, m, logit = z.op.params["targets"], z.op.params["m"], z.op.params["from_logit"]
    out = []
    for a, yk, d, from_z in zip(z.parents, y, z.local_grads, logit):
        if from_z and math.isfinite(d):
            out.append(_sigmoid_slope(yk, a.parents[0]) / m)
        elif not from_z and CLIP <= a.data <= 1.0 - CLIP:
            out.append(-(yk / a - (1.0 - yk) / (1.0 - a)) / m)
        else:
            out.append(d)
    return out


def sigmoid_cross_entropy(z: Sequence[Value], y: Sequence[float], m: int, label: str | None = "J") -> Value:
    """The cross-entropy of a sigmoid output, from its logits z, exact at any z ("binary cross-entropy
    with logits"):

        J = 1/m Σ [yₖ softplus(−zₖ) + (1 − yₖ) softplus(zₖ)]  = −1/m Σ [yₖ ln σ(zₖ) + (1 − yₖ) ln(1 − σ(zₖ))]
        ∂J/∂zₖ = (σ(zₖ) − yₖ)/m, computed as ((1 − yₖ) σ(zₖ) − yₖ σ(−zₖ))/m

    with σ(−z) = 1 − σ(z) and softplus as `numerics` computes them: no term overflows or loses
    its digits, at z = ±800 or beyond (J = 800/m and ∂J/∂z = ±1/m where the output is wrong).
    z: m·K logit Values (sample by sample), y: their targets in [0, 1] (ValueError otherwise).
    A term whose weight is 0 is left out. `op.params`: targets, m.
    """
    z, y, m = _batch("sigmoid_cross_entropy", z, y, m)
    _unit_targets("sigmoid_cross_entropy", y)
    J = 0.0
    grads = []
    for zi, yi in zip(z, y):
        t = zi.data
        s, r = sigmoids(t)  # σ(z), σ(−z)
        if yi:
            J += yi * softplus(-t)
        if yi != 1.0:
            J += (1.0 - yi) * softplus(t)
        grads.append(((1.0 - yi) * s - yi * r) / m)
    return make_node(J / m, z, tuple(grads), Op("sigmoid_cross_entropy", _logits_rule, targets=y, m=m), label)


def _logits_rule(node) -> list:
    """∂J/∂zₖ = ((1 − yₖ)σ(zₖ) − yₖσ(−zₖ))/m as Values: second derivatives σ′(zₖ)/m."""
    y, m = node.op.params["targets"], node.op.params["m"]
    return [((1.0 - yk) * z.sigmoid() - yk * (-z).sigmoid()) / m for z, yk in zip(node.parents, y)]


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


def _softmax_parts(logits: Sequence, top_j: int, top: float):
    """(eᵢ = e^(zᵢ − max z) with e[top_j] = 1, the sum of the others, the norm Σᵢ eᵢ = 1 + others)
    for one sample's logits as floats or Values (the float form and the rule share it)."""
    if type(logits[0]) is float:
        exps = [math.exp(t - top) for t in logits]
        others = sum(exps[:top_j] + exps[top_j + 1 :])
        return exps, others, 1.0 + others
    exps = [(v - top).exp() for v in logits]  # a constant shift: softmax does not change, exp cannot overflow
    rest = exps[:top_j] + exps[top_j + 1 :]
    others = total(rest) if rest else 0.0
    return exps, others, exps[top_j] + others  # e[top_j] holds 1.0: the float form's 1 + others


def _softmax_grads(exps, others, norm, top_j: int, ys: Sequence[float], m: int) -> list:
    """∂J/∂zⱼ = (pⱼ Σᵢyᵢ − yⱼ)/m, as (pⱼ (Σᵢyᵢ − yⱼ) − yⱼ (1 − pⱼ))/m with 1 − pⱼ = Σ_{i≠j} eᵢ / norm:
    summed, never a difference, so pⱼ − 1 keeps its digits where pⱼ ≈ 1 (floats or Values)."""
    total_y = sum(ys)
    out = []
    for j, (e, yj) in enumerate(zip(exps, ys)):
        rest = others if j == top_j else norm - e  # Σ_{i≠j} eᵢ; norm − e ≥ norm/2 off the top: no cancellation
        out.append((e / norm * (total_y - yj) - yj * (rest / norm)) / m)
    return out


def softmax_cross_entropy(a: Sequence[Value], y: Sequence[float], m: int, k: int, label: str | None = "J") -> Value:
    """J = −1/m Σᵢ Σₖ yₖ ln softmax(a)ₖ over m samples of K logits each (a: m·K Values, sample by sample).

    ∂J/∂aₖ = (pₖ Σⱼyⱼ − yₖ)/m with p = softmax(a) (= (pₖ − yₖ)/m for one-hot y). Exact at any
    logits: −ln pₖ = ln(1 + Σ_{j≠top} e^(aⱼ − max a)) + (max a − aₖ) with ln(1 + ·) as log1p, a
    sum of non-negative terms; and pₖ − 1 = −Σ_{j≠k} pⱼ, summed rather than subtracted (see
    `_softmax_grads`): at logits [40, 0] with y = [1, 0], J = 4.2e-18 and ∂J/∂a₁ = −4.2e-18, not 0.
    A term whose target is 0 is left out (a logit of −inf there costs nothing); targets must lie
    in [0, 1] (ValueError). `op.params`: targets, m, k.
    """
    a, y, m = _batch("softmax_cross_entropy", a, y, m)
    k = integer(k, "softmax_cross_entropy", "k (the number of classes)")
    if len(a) != m * k:
        raise ValueError(f"softmax_cross_entropy: {len(a)} outputs for m={m} samples of k={k} logits")
    _unit_targets("softmax_cross_entropy", y)
    J = 0.0
    grads = []
    for i in range(0, m * k, k):
        logits = [v.data for v in a[i : i + k]]
        ys = y[i : i + k]
        top_j = max(range(k), key=logits.__getitem__)
        top = logits[top_j]
        exps, others, norm = _softmax_parts(logits, top_j, top)
        log_norm = math.log1p(others)
        for t, yj in zip(logits, ys):
            if yj:
                J += yj * (log_norm + (top - t))  # −yⱼ ln pⱼ
        grads.extend(_softmax_grads(exps, others, norm, top_j, ys, m))
    op = Op("softmax_cross_entropy", _softmax_cross_entropy_rule, targets=y, m=m, k=k)
    return make_node(J / m, a, tuple(grads), op, label)


def _softmax_cross_entropy_rule(z) -> list:
    """∂J/∂aₖ as Values, the float form's operations on exp nodes of the logits (`_softmax_grads`)."""
    y, m, k = z.op.params["targets"], z.op.params["m"], z.op.params["k"]
    grads = []
    for i in range(0, m * k, k):
        logits = z.parents[i : i + k]
        data = [v.data for v in logits]
        top_j = max(range(k), key=data.__getitem__)
        exps, others, norm = _softmax_parts(logits, top_j, data[top_j])
        grads.extend(_softmax_grads(exps, others, norm, top_j, y[i : i + k], m))
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
    "J = −1/m Σ [y ln a + (1 − y) ln(1 − a)]; where from_logit[k] (a sigmoid output), term k and ∂J/∂aₖ "
    "from the logit z = aₖ.parents[0]: y softplus(−z) + (1 − y) softplus(z) and −y(1 + e⁻ᶻ) + (1 − y)(1 + eᶻ), "
    "each over m; elsewhere a clipped to [clip, 1 − clip]; terms of weight 0 left out "
    "(op.params: targets, m, clip, from_logit)"
)
KINDS["sigmoid_cross_entropy"] = (
    "J = 1/m Σ [y softplus(−z) + (1 − y) softplus(z)] from the logits z; ∂J/∂z = ((1 − y)σ(z) − yσ(−z))/m; "
    "terms of weight 0 left out (op.params: targets, m)"
)
KINDS["hinge"] = "J = 1/m Σ max(0, 1 − y·a) (op.params: targets, m)"
KINDS["softmax_cross_entropy"] = (
    "J = −1/m Σ y ln softmax(a) over m samples of k logits, as Σ y (ln(1 + Σ_{j≠top} e^(aⱼ − max a)) + max a − a), "
    "terms with y = 0 left out; ∂J/∂aⱼ = (pⱼ(Σy − yⱼ) − yⱼ Σ_{i≠j} pᵢ)/m (op.params: targets, m, k)"
)
KINDS["l2"] = "λ/(2m) Σ w² (op.params: lam, m)"


# ---------------------------------------------------------------- a transformer's ops: one node per output
#
# RMSNorm and softmax map n Values to n Values, each output depending on every input: ONE node per
# output, whose parents are all n inputs (one tuple, shared) and whose local derivatives are a row of
# the Jacobian. The forward floats are computed in exactly the order the elementary code writes
# them (microgpt's `sum(xi * xi for xi in x) / len(x)`, `(ms + 1e-5) ** -0.5`, `xi * scale`;
# `(val - max_val).exp()`, `sum(exps)`, `e / total`), so the fused graph and the elementary one
# give the same outputs to the last bit. An op object per output position (its `index`), cached.

_row_ops: dict[tuple, list[Op]] = {}
_row_ops_held = 0  # op objects in the cache: at most 4096 (softmaxes of many lengths and divisors: no pile-up)


def _row_ops_of(name: str, rule, n: int, **params) -> list[Op]:
    """The ops of outputs 0 … n−1 of an n-to-n op (op.params: `params` and the output's `index`):
    one object per (name, params, index), built once per (name, params, n) and cached."""
    global _row_ops_held
    key = (name, n, *params.values())
    found = _row_ops.get(key)
    if found is None:
        found = [Op(name, rule, **params, index=i) for i in range(n)]
        if _row_ops_held + n <= 4096:
            _row_ops[key] = found
            _row_ops_held += n
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
    out, ops = [], _row_ops_of("rmsnorm", _rmsnorm_rule, n, eps=eps)
    for i, (yi, label, op) in enumerate(zip(ys, labels, ops)):
        row = [-(s * (yi * yj / n)) for yj in ys]  # j ≠ i
        row[i] = s * (1.0 - yi * yi / n)  # j = i
        out.append(make_node(yi, xt, tuple(row), op, label))
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
    out, ops = [], _row_ops_of("softmax", _softmax_rule, len(lt), divisor=d)
    for t, (a, label, op) in enumerate(zip(alphas, labels, ops)):
        row = [-(a * b) / d for b in alphas]  # s ≠ t
        row[t] = a * (1.0 - a) / d  # s = t
        out.append(make_node(a, lt, tuple(row), op, label))
    return out


def _labels(labels, n: int, where: str) -> list:
    if labels is None:
        return [None] * n
    labels = sequence(labels, where, "labels", of=(str, type(None)))
    if len(labels) != n:
        raise ValueError(f"{where}: {counted(len(labels), 'label')} for {counted(n, 'output')}")
    return labels
