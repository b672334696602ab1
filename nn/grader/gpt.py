"""The GPT's three-way gradient check: the engine (fused), the engine (elementary), the matrices, and
central differences, per parameter matrix, naming the worst entries.

What it is: `check_gpt(model, tokens)` computes ∂J/∂W for one document three ways — `nn.gpt`'s fused
graph, the elementary graph microgpt's own model code builds on chainrule's Value, and `nn.gpt_matrix`'s
hand-written backward pass in NumPy (which imports nothing from the engine) — and central differences of
the matrix J (five-point, in extended precision: `gpt_matrix.numerical_gradients`). They must agree
entry by entry to |Δ| ≤ 1e-10·max(1, |g|), and each matrix with the central differences to
‖num − grad‖/‖num + grad‖ ≤ 1e-9. The report (`str(check)`) has a line per parameter matrix and names
the entries farthest from the central differences.

What it is not: a check of a learner's own code (that is `chainrule check --function`); the GPT's
three implementations are chainrule's own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from autograd import topological_order
from autograd.args import flag

from .. import gpt_matrix
from ..gpt import GPT

__all__ = ["check_gpt", "GPTCheck", "MatrixRow", "ENTRY_TOLERANCE", "NUMERICAL_TOLERANCE", "describe_entry"]

ENTRY_TOLERANCE = 1e-10
"""Engine (fused), engine (elementary) and matrices agree entry by entry to |Δ| ≤ this · max(1, |g|)."""
NUMERICAL_TOLERANCE = 1e-9
"""Each parameter matrix agrees with central differences to ‖num − grad‖/‖num + grad‖ ≤ this."""


class MatrixRow(NamedTuple):
    """One parameter matrix: the largest scaled entry-wise differences and the relative differences."""

    name: str
    shape: tuple[int, int]
    fused_vs_elementary: float  # max |Δ| / max(1, |g|)
    fused_vs_matrix: float
    fused_vs_numerical: float | None  # ‖num − grad‖/‖num + grad‖ (None: not computed)
    matrix_vs_numerical: float | None

    @property
    def ok(self) -> bool:
        entries = max(self.fused_vs_elementary, self.fused_vs_matrix) <= ENTRY_TOLERANCE
        numerical = all(
            r is None or r <= NUMERICAL_TOLERANCE for r in (self.fused_vs_numerical, self.matrix_vs_numerical)
        )
        return entries and numerical


class GPTCheck(NamedTuple):
    """The result of `check_gpt`: `ok`, the losses, a `MatrixRow` per matrix, the worst entries, the node counts."""

    model: GPT
    tokens: list[int]
    losses: dict[str, float]  # "fused", "elementary", "matrices"
    rows: list[MatrixRow]
    worst: list[tuple[str, dict[str, float]]]  # (entry name, {"fused", "elementary", "matrices", "numerical"})
    nodes: dict[str, int]  # nodes in the fused and the elementary graph

    @property
    def ok(self) -> bool:
        J = self.losses
        losses_agree = max(abs(J["fused"] - J["elementary"]), abs(J["fused"] - J["matrices"])) <= ENTRY_TOLERANCE * max(
            1.0, abs(J["fused"])
        )
        return losses_agree and all(r.ok for r in self.rows)

    def __str__(self) -> str:
        m = self.model
        doc = repr(m.decode(self.tokens)) if m.chars is not None else "tokens"
        n = len(self.tokens) - 1
        lines = [
            f"GPT: vocabulary {m.vocab_size}, n_embd {m.n_embd}, {m.n_head} head{'s' * (m.n_head > 1)}, "
            f"{m.n_layer} layer{'s' * (m.n_layer > 1)}, block_size {m.block_size} ({m.num_parameters():,} parameters)",
            f"document {doc}: {len(self.tokens)} tokens {self.tokens}, {n} position{'s' * (n > 1)}",
            f"graphs: fused {self.nodes['fused']:,} nodes, elementary (microgpt's code on Value) "
            f"{self.nodes['elementary']:,} nodes",
            "J: " + "   ".join(f"{k} {v:.15f}" for k, v in self.losses.items()),
            "",
            f"{'matrix':<18}{'shape':>8}   {'fused vs elementary':>20}{'fused vs matrices':>19}"
            f"{'fused vs numerical':>20}{'matrices vs num.':>18}",
        ]
        for r in self.rows:
            num = ["—" if x is None else f"{x:.1e}" for x in (r.fused_vs_numerical, r.matrix_vs_numerical)]
            shape = f"{r.shape[0]}×{r.shape[1]}"
            lines.append(
                f"{r.name:<18}{shape:>8}   {r.fused_vs_elementary:>20.1e}{r.fused_vs_matrix:>19.1e}"
                f"{num[0]:>20}{num[1]:>18}   {'ok' if r.ok else 'WRONG'}"
            )
        lines.append(
            f"(entries: max |Δ|/max(1, |g|), ok ≤ {ENTRY_TOLERANCE:g}; numerical: ‖num − grad‖/‖num + grad‖ against "
            f"five-point central differences of the matrix J, ok ≤ {NUMERICAL_TOLERANCE:g})"
        )
        if self.worst:
            lines += ["", "the entries farthest from the central differences:"]
            lines.append(
                f"  {'entry':<46}{'fused':>14}{'elementary':>14}{'matrices':>14}{'numerical':>14}{'|fused − num.|':>16}"
            )
            for name, g in self.worst:
                lines.append(
                    f"  {name:<46}"
                    + "".join(f"{g[k]:>14.6e}" for k in ("fused", "elementary", "matrices", "numerical"))
                    + f"{abs(g['fused'] - g['numerical']):>16.1e}"
                )
        numerical = any(r.fused_vs_numerical is not None for r in self.rows)
        verdict = (
            "ok — engine (fused), engine (elementary) and matrices agree entry by entry"
            + (", and with central differences" if numerical else " (central differences not computed)")
            if self.ok
            else "WRONG — see the rows marked WRONG"
        )
        lines += ["", f"verdict: {verdict}"]
        return "\n".join(lines)


def describe_entry(model: GPT, name: str, r: int, c: int) -> str:
    """`layer0.attn_wq[3][1]` with what row r and column c connect, in the labels' 1-based terms."""
    d = model.n_embd
    base = name.split(".")[-1]
    meaning = {
        "wte": f"token {r} ({model.chars[r]!r})" if model.chars and r < len(model.chars) else f"token {r}",
        "wpe": f"position {r + 1}",
        "lm_head": f"logit of token {r}",
        "attn_wq": f"q_{r + 1} (head {r // model.head_dim + 1})",
        "attn_wk": f"k_{r + 1} (head {r // model.head_dim + 1})",
        "attn_wv": f"v_{r + 1} (head {r // model.head_dim + 1})",
        "attn_wo": f"attn_{r + 1}",
        "mlp_fc1": f"z_{r + 1}",
        "mlp_fc2": f"mlp_{r + 1}",
    }[base]
    source = {"attn_wo": "o", "mlp_fc2": "h"}.get(base, "x̂" if base.startswith(("attn", "mlp")) else "x")
    col = f"channel {c + 1}" if base in ("wte", "wpe") else f"from {source}_{c + 1}"
    if base in ("wte", "wpe") and c >= d:
        col = f"column {c}"
    return f"{name}[{r}][{c}]  {meaning}, {col}"


def _grads(model: GPT, tokens: list[int], mode: str) -> tuple[float, dict[str, np.ndarray], int]:
    model.zero_grad()
    J = model.loss(tokens, mode=mode)
    J.backward()
    nodes = len(topological_order(J))
    G = {name: np.array([[w.grad for w in row] for row in m]) for name, m in model.weights.items()}
    model.zero_grad()
    return J.data, G, nodes


def _scaled(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a - b) / np.maximum(1.0, np.abs(a)))) if a.size else 0.0


def _relative(num: np.ndarray, grad: np.ndarray) -> float:
    s = np.linalg.norm(num + grad)
    return float(np.linalg.norm(num - grad) / s) if s else float(np.linalg.norm(num - grad))


def check_gpt(model: GPT, tokens: Sequence[int], *, numerical: bool = True, worst: int = 5) -> GPTCheck:
    """∂J/∂W of `model` on `tokens` three ways, and central differences (`numerical=False` skips them:
    they take 4 forward passes of the matrices per parameter, ~1.5 ms each at microgpt's size).

    The model's grads are left at 0. TypeError/ValueError for a model that is not a GPT or bad tokens.
    """
    if not isinstance(model, GPT):
        raise TypeError(f"check_gpt: model must be an nn.GPT, got {type(model).__name__}")
    tokens = model._checked_tokens(tokens, "check_gpt")
    numerical = flag(numerical, "check_gpt", "numerical")
    J_f, G_f, nodes_f = _grads(model, tokens, "fused")
    J_e, G_e, nodes_e = _grads(model, tokens, "elementary")
    W = gpt_matrix.as_arrays(model.state_dict())
    J_m, G_m = gpt_matrix.backprop(W, tokens, model.n_head)
    N = gpt_matrix.numerical_gradients(W, tokens, model.n_head) if numerical else None
    rows = []
    for name, M in W.items():
        rows.append(
            MatrixRow(
                name,
                M.shape,
                _scaled(G_f[name], G_e[name]),
                max(_scaled(G_f[name], G_m[name]), _scaled(G_e[name], G_m[name])),
                _relative(N[name], G_f[name]) if N else None,
                _relative(N[name], G_m[name]) if N else None,
            )
        )
    entries = []
    if N:
        for name in W:
            D = np.abs(G_f[name] - N[name])
            for r, c in zip(*np.unravel_index(np.argsort(D, axis=None)[::-1][:worst], D.shape)):
                g = {"fused": G_f[name][r, c], "elementary": G_e[name][r, c], "matrices": G_m[name][r, c]}
                g["numerical"] = N[name][r, c]
                entries.append((float(D[r, c]), describe_entry(model, name, int(r), int(c)), g))
        entries.sort(key=lambda e: -e[0])
    return GPTCheck(
        model,
        tokens,
        {"fused": J_f, "elementary": J_e, "matrices": J_m},
        rows,
        [(name, {k: float(v) for k, v in g.items()}) for _, name, g in entries[:worst]],
        {"fused": nodes_f, "elementary": nodes_e},
    )
