"""The learner's own cost as the reference: central differences of it, and the one-parameter mode built on them.

What it is: `own_cost(cost_at, thetas, …)` differentiates the learner's cost numerically at the
Θ's — (J(Θ + ε e) − J(Θ − ε e)) / 2ε for every entry, 2n calls of their function — so that
their gradient can be compared with the gradient of *their* cost, whatever that cost is. Every
check does it beside the comparison with the reference: it separates "your backprop is wrong"
from "your cost is a different function". ε is the course's 1e-4, or 1e-2 for a learner
computing in float32 (its rounding, about 6e-8 |J|, divided by a smaller ε would swamp the
slope). `check_own(sandbox, …)` is the whole check of a one-parameter f(theta), a closure over
the learner's own data: at θ from the course's random initialization for `sizes`, this is the
only reference there is.

What it is not: a diagnosis. Naming the mistake needs the data and the right cost.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import numpy as np

from .. import matrix
from .conventions import arguments, read_cost, read_result
from .problems import EPSILON, Problem, entry_name, sizes_text
from .report import OwnCost, OwnDataReport
from .sandbox import Outcome, Sandbox

__all__ = ["own_cost", "check_own", "EPSILON_FLOAT32", "outcome_text"]

EPSILON_FLOAT32 = 1e-2


def outcome_text(o: Outcome) -> str:
    """A call that did not return, in words."""
    if o.kind == "raised":
        return "it raised an exception:\n" + o.message
    if o.kind == "memory":
        return "it ran out of memory (the limit: --memory):\n" + o.message
    return o.message


CostAt = Callable[[list[np.ndarray]], tuple[float | None, str | None, str]]


def own_cost(
    cost_at: CostAt, thetas: Sequence[np.ndarray], float32: bool = False, deadline: float | None = None
) -> OwnCost:
    """Central differences of the learner's cost at `thetas`; `cost_at(point)` → (J, problem, kind).

    Stops at the first call that fails (`problem` says where and what) or past `deadline`
    (a time.monotonic() value).
    """
    eps = EPSILON_FLOAT32 if float32 else EPSILON
    numerical = [np.zeros_like(T, dtype=float) for T in thetas]
    calls = 0
    for l, T in enumerate(thetas):
        for idx in np.ndindex(T.shape):
            costs = []
            for sign in (1.0, -1.0):
                point = [np.array(M, dtype=float) for M in thetas]
                point[l][idx] += sign * eps
                J, problem, kind = cost_at(point)
                calls += 1
                if problem is not None:
                    where = f"at θ {'+' if sign > 0 else '−'} ε at {entry_name(l + 1, idx[0] + 1, idx[1])[0]}"
                    return OwnCost(
                        numerical=None,
                        epsilon=eps,
                        calls=calls,
                        problem=f"{where}: {problem}",
                        float32=float32,
                        kind=kind,
                    )
                costs.append(J)
            numerical[l][idx] = (costs[0] - costs[1]) / (2 * eps)
            if deadline is not None and time.monotonic() > deadline:
                return OwnCost(numerical=None, epsilon=eps, calls=calls, problem="over the time limit", float32=float32)
    return OwnCost(numerical=numerical, epsilon=eps, calls=calls, float32=float32)


def sandbox_cost(
    sandbox: Sandbox, signature: str, p: Problem, lam: float, labels_base: int = 0, onehot: bool = False
) -> CostAt:
    """cost_at for `own_cost`: their function called in the sandbox at a point."""

    def cost_at(point: list[np.ndarray]) -> tuple[float | None, str | None, str]:
        o = sandbox.call(*arguments(signature, p, point, lam, labels_base, onehot))
        if not o.returned:
            return None, outcome_text(o), o.kind
        J, problem, _ = read_cost(o.value)
        if problem is None and not np.isfinite(J):
            problem = f"J is {J}"
        return J, problem, "wrong" if problem else "returned"

    return cost_at


def check_own(
    sandbox: Sandbox, detected: bool, sizes: Sequence[int], order: str, seed: int, overall_timeout: float, report: dict
) -> OwnDataReport:
    """Their f(theta) at θ, then at θ ± ε e_k for every k: 2n + 1 calls, each with the per-call limit.

    ValueError when the calls would take longer than `overall_timeout` seconds in all, or when
    their gradient's size says `sizes` are not their network's.
    """
    sizes = list(sizes)
    dims = "-".join(map(str, sizes))
    thetas = matrix.random_thetas(sizes, seed=seed)
    shapes = [T.shape for T in thetas]
    p = Problem(thetas, np.zeros((1, sizes[0])), np.zeros((1, sizes[-1])), order=order)
    theta = matrix.unroll(thetas, order)
    n = theta.size
    fields = dict(
        report, function=sandbox.description, detected=detected, sizes=sizes, order=order, seed=seed, theta=theta
    )
    start = time.monotonic()
    outcome = sandbox.call(theta.copy())
    first = time.monotonic() - start
    size_hint = (
        f"θ has {n} entries = {sizes_text(shapes)} (sizes {dims}): if your function expects another\n"
        "number, pass its layer sizes (--sizes)"
    )
    if not outcome.returned:
        return OwnDataReport(**fields, problem=f"at θ: {outcome_text(outcome)}\n{size_hint}", kind=outcome.kind)
    value = outcome.value
    gradient = None
    if "gradient" in sandbox.targets:
        g = sandbox.call(theta.copy(), which="gradient")
        if not g.returned:
            return OwnDataReport(**fields, problem=f"your gradient function at θ: {outcome_text(g)}", kind=g.kind)
        gradient = g.value
    grad = (
        gradient
        if gradient is not None
        else (value[1] if isinstance(value, (tuple, list)) and len(value) == 2 else None)
    )
    if grad is not None and not isinstance(grad, (tuple, list)):
        try:
            size = np.asarray(grad, dtype=float).size
        except (TypeError, ValueError):
            size = n  # not numbers: read_result says so
        if size != n:
            raise ValueError(
                f"{sandbox.description} returned a gradient of {size} entries, but sizes {dims} give θ "
                f"{n} entries ({sizes_text(shapes)}): pass the layer sizes of your network (--sizes)"
            )
    got = read_result(value, "theta", shapes, order, gradient)
    if got.problem is not None:
        return OwnDataReport(**fields, cost=got.cost, problem=f"at θ: {got.problem}", kind="wrong")
    if got.cost_only:
        return OwnDataReport(**fields, cost=got.cost, cost_only=True, kind="returned")
    estimate = first * 2 * n
    if estimate > overall_timeout:
        raise ValueError(
            f"one call of {sandbox.description} took {first:.2g} s: the {2 * n} more calls of central differences "
            f"would take about {estimate:.0f} s, over the overall limit of {overall_timeout:g} s; check it on a "
            "smaller batch or smaller sizes (or raise overall_timeout)"
        )
    own = own_cost(sandbox_cost(sandbox, "theta1", p, 0.0), thetas, got.float32, start + overall_timeout)
    if own.problem == "over the time limit":
        raise ValueError(
            f"the check stopped after {own.calls + 1} of {2 * n + 1} calls of {sandbox.description} "
            f"({time.monotonic() - start:.0f} s): over the overall limit of {overall_timeout:g} s; check it on a "
            "smaller batch or smaller sizes (or raise overall_timeout)"
        )
    return OwnDataReport(
        **fields,
        cost=got.cost,
        gradients=got.gradients,
        own=own,
        float32=got.float32,
        problem=own.problem,
        kind=own.kind,
    )
