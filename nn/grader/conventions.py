"""How a learner's function is called and what it returns: the signatures real code has.

What it is: the calling conventions of the course's exercise and of the code learners write for
it, each a way to turn Θ's and a batch into arguments (`arguments`) and what comes back into a
cost and Θ-shaped gradients (`read_result`):

    course    nnCostFunction(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_)
              the Python port's; with more layer sizes for more layers (8 parameters: two hidden
              layers); Θ's unrolled row-major (order="C") or column-major ("F"); y labels 0..K−1
              (labels=1: 1..K) or one-hot m × K (y="onehot"); X without the bias column
    theta     f(theta, sizes, X, Y, lam): any depth, unrolled as above; Y one-hot m × K
    theta1    f(theta): one parameter, a closure over the learner's own X, y and λ
    thetas    f(thetas, X, Y, lam): a list of the Θ^(l), s_{l+1} × (s_l + 1)
    separate  f(Theta1, Theta2, …, X, y, lambda_): the Θ's as separate arguments, y as for course

Every one returns (J, grad): grad unrolled as θ is, or a list of Θ-shaped matrices, or (for
`separate`) the gradients as more items, (J, Theta1_grad, Theta2_grad). A J alone is a cost
function whose gradient is elsewhere (`fmin_cg(f, x0, fprime=…)`): `gradient=` names it, called
with the same arguments. Signatures are detected from the parameters: their number, and names
such as Theta1, Theta2 for Θ's passed separately.

What it is not: the judge of the numbers; it only reads them, and says precisely what it could
not read (strings, an object, the wrong number of entries with the shapes it expected).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from .. import matrix
from .problems import Problem, entry_name, sizes_text

__all__ = [
    "SIGNATURES",
    "Returned",
    "call_text",
    "detect",
    "fits",
    "arguments",
    "read_cost",
    "read_result",
    "one_parameter",
    "layers_of",
]

SIGNATURES = ("course", "theta", "thetas", "separate")
_THETA_NAME = re.compile(r"^(theta|t|w)_?\(?\d+\)?$", re.IGNORECASE)


def call_text(signature: str, layers: int = 2) -> str:
    """How the function is called, e.g. "(nn_params, input_layer_size, …, lambda_) → (J, grad)"."""
    if signature == "course":
        hidden = ["hidden_layer_size"] if layers == 2 else [f"hidden_layer_size{k}" for k in range(1, layers)]
        return f"(nn_params, input_layer_size, {', '.join(hidden)}, num_labels, X, y, lambda_) → (J, grad)"
    if signature == "separate":
        thetas = ", ".join(f"Theta{k}" for k in range(1, layers + 1))
        return f"({thetas}, X, y, lambda_) → (J, grad)"
    return {
        "theta": "(theta, sizes, X, Y, lam) → (J, grad)",
        "theta1": "(theta) → (J, grad)",
        "thetas": "(thetas, X, Y, lam) → (J, grads)",
    }[signature]


def one_parameter(parameters: list[tuple[str, bool]] | None) -> bool:
    """f(theta), or f(theta, X=X, …): only the first parameter without a default (a closure over their data)."""
    return bool(parameters) and [d for _, d in parameters].count(False) == 1 and not parameters[0][1]


def _separate_thetas(parameters: list[tuple[str, bool]]) -> int:
    """How many leading parameters are named like Θ's (Theta1, theta2, T1, W1…)."""
    k = 0
    while k < len(parameters) and _THETA_NAME.match(parameters[k][0]):
        k += 1
    return k


def detect(parameters: list[tuple[str, bool]] | None) -> tuple[str, int | None]:
    """(signature, number of layers L it implies, or None when any depth fits) from the parameters."""
    if parameters is None:
        return "course", 2
    if one_parameter(parameters):
        return "theta", None
    k = _separate_thetas(parameters)
    if k >= 1 and len(parameters) - k == 3:
        return "separate", k
    n = len(parameters)
    if n >= 7:
        return "course", n - 5
    if n == 5:
        return "theta", None
    if n == 4:
        return "thetas", None
    names = ", ".join(name for name, _ in parameters)
    raise ValueError(
        f"the function takes {n} parameter{'s' * (n != 1)} ({names}); the check calls "
        f"{call_text('course')} [course], {call_text('theta')} or {call_text('theta1')} [theta], "
        f"{call_text('thetas')} [thetas] or {call_text('separate')} [separate]: pass --signature "
        "(signature=) if it takes those under other names"
    )


def layers_of(signature: str, parameters: list[tuple[str, bool]] | None) -> int | None:
    """The number of Θ's a given signature implies from the parameters (None: any)."""
    if parameters is None:
        return 2 if signature in ("course", "separate") else None
    n = len(parameters)
    if signature == "course":
        return max(n - 5, 1)
    if signature == "separate":
        return max(n - 3, 1)
    return None


def fits(parameters: list[tuple[str, bool]] | None, nargs: int) -> bool:
    """Whether a call with `nargs` positional arguments fits the parameters."""
    if parameters is None:
        return True
    required = sum(not d for _, d in parameters)
    return required <= nargs <= len(parameters)


def arguments(
    signature: str, p: Problem, thetas: Sequence[np.ndarray], lam: float, labels_base: int = 0, onehot: bool = False
) -> tuple:
    """The arguments of one call at the Θ's `thetas` (the problem's, or a point near them)."""
    order = p.order or "C"
    sizes = [int(s) for s in p.sizes]
    if signature == "theta1":
        return (matrix.unroll(thetas, order),)
    if signature == "theta":
        return (matrix.unroll(thetas, order), sizes, p.X, p.Y, lam)
    if signature == "thetas":
        return (list(thetas), p.X, p.Y, lam)
    y = p.Y if onehot or p.labels is None else np.asarray(p.labels, dtype=int) + labels_base
    if signature == "separate":
        return (*thetas, p.X, y, lam)
    return (matrix.unroll(thetas, order), *sizes, p.X, y, lam)


class Returned(NamedTuple):
    """What a call returned, read: `cost` (None if not a number), `gradients` (Θ-shaped, None if not
    usable), `problem` (what is wrong with it, else None), `cost_only` (J alone: no gradient),
    `float32` (computed in float32: its cost or gradient came back as float32)."""

    cost: float | None
    gradients: list[np.ndarray] | None
    problem: str | None = None
    cost_only: bool = False
    float32: bool = False
    unreadable: bool = False  # not numbers at all (strings, objects): nothing could be compared


def _what(x: Any) -> str:
    if isinstance(x, np.ndarray):
        return f"an array of shape {x.shape} ({x.dtype})"
    return f"a {type(x).__name__}"


def _numbers(x: Any, what: str) -> tuple[np.ndarray | None, str | None]:
    """x as a float array, or what is wrong: strings, booleans, complex numbers, ragged lists."""
    try:
        a = np.asarray(x)
    except (TypeError, ValueError):
        return None, f"{what} is {_what(x)}, not numbers"
    if a.dtype.kind in "US":
        sample = ", ".join(repr(str(v)) for v in a.ravel()[:2])
        return None, f"{what} holds strings ({sample}, …), not numbers"
    if a.dtype.kind == "b":
        return None, f"{what} holds True/False values, not numbers"
    if a.dtype.kind == "c":
        return None, f"{what} holds complex numbers, not numbers"
    if a.dtype.kind not in "iuf":
        return None, f"{what} is {_what(x)}, not numbers"
    return a, None


def read_cost(value: Any) -> tuple[float | None, str | None, bool]:
    """(J, None, float32) from a returned J or (J, grad…); or (None, what is wrong, False)."""
    J = value[0] if isinstance(value, (tuple, list)) and len(value) >= 2 else value
    if isinstance(value, (tuple, list)) and len(value) < 2:
        return (
            None,
            f"it returned {_what(value)} of {len(value)} item{'s' * (len(value) != 1)}; expected (J, grad)",
            False,
        )
    a, problem = _numbers(J, "J")
    if problem is not None:
        return None, problem, False
    if a.size != 1:
        return None, f"J is {_what(J)}; expected one number (the cost)", False
    return float(a.reshape(())), None, a.dtype == np.float32


def _matrices(items: Sequence[Any], shapes: Sequence[tuple[int, int]]) -> tuple[list[np.ndarray] | None, str | None]:
    mats = []
    for l, (G, shape) in enumerate(zip(items, shapes), start=1):
        G, problem = _numbers(G, f"the gradient of Θ^({l})")
        if problem is not None:
            return None, problem
        if G.shape != shape:
            hint = " (transposed?)" if G.shape == shape[::-1] else ""
            return None, (
                f"the gradient of Θ^({l}) has shape {'×'.join(map(str, G.shape))}, expected "
                f"{shape[0]}×{shape[1]} = s_{l + 1} × (s_{l} + 1){hint}"
            )
        mats.append(G)
    return mats, None


def read_result(
    value: Any, signature: str, shapes: Sequence[tuple[int, int]], order: str | None, gradient: Any = None
) -> Returned:
    """Their return (and, for a J-only cost, their `gradient` function's) read as a cost and Θ-shaped gradients."""
    cost, problem, f32 = read_cost(value)
    if problem is not None:
        return Returned(None, None, problem, unreadable="not numbers" in problem or "strings" in problem)
    n, L = sum(r * c for r, c in shapes), len(shapes)
    if gradient is not None:
        grad = gradient
    elif not isinstance(value, (tuple, list)):
        return Returned(cost if math.isfinite(cost) else None, None, None, cost_only=True, float32=f32)
    elif len(value) == 2:
        grad = value[1]
    elif len(value) == L + 1:
        grad = list(value[1:])  # (J, Theta1_grad, Theta2_grad, …)
    else:
        return Returned(cost, None, f"it returned {len(value)} items; expected (J, grad) or J and {L} gradients")
    if isinstance(grad, (tuple, list)) and len(grad) == L and not all(np.ndim(g) == 0 for g in grad):
        mats, problem = _matrices(grad, shapes)
    else:
        g, problem = _numbers(grad, "grad")
        mats = None
        if problem is None and g.size != n:
            problem = f"grad has {g.size} entries, expected {n} = {sizes_text(shapes)}"
            if signature == "thetas" and np.ndim(grad) != 1:
                problem = f"grads is {_what(grad)}; expected a list of {L} matrices, one per Θ"
        elif problem is None and g.ndim > 1 and max(g.shape) != n:
            problem = f"grad has shape {g.shape}, expected a vector of {n} = {sizes_text(shapes)}"
        elif problem is None:
            mats = matrix.reroll(g.astype(float).ravel(), shapes, order or "C")
    if problem is not None:
        return Returned(cost, None, problem, unreadable="not numbers" in problem or "strings" in problem)
    f32 = f32 or any(np.asarray(G).dtype == np.float32 for G in mats)
    mats = [np.asarray(G, dtype=float) for G in mats]
    bad = [(l, r, c) for l, G in enumerate(mats, start=1) for (r, c), v in np.ndenumerate(G) if not np.isfinite(v)]
    if bad:
        names = ", ".join(entry_name(l, r + 1, c)[0] for l, r, c in bad[:4]) + (", …" if len(bad) > 4 else "")
        return Returned(
            cost, None, f"the gradient has {len(bad)} non-finite entr{'y' if len(bad) == 1 else 'ies'}: {names}"
        )
    if not math.isfinite(cost):
        return Returned(None, mats, f"J is {cost}", float32=f32)
    return Returned(cost, mats, None, float32=f32)
