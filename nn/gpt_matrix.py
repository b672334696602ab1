"""The GPT as NumPy matrices, with its backward pass written out by hand: the cross-check of `nn.gpt`.

What it is: microgpt's transformer (see `nn.gpt`) over all n positions of a document at once, rows
= positions, in the notation of `nn.matrix` (a δ is ∂J/∂ of the quantity it names, carrying J's
1/n). Forward, with d = n_embd, H heads of d_h = d/H channels, W's as in the state_dict (each row
the weights into one output, so a layer is X Wᵀ):

    E    = Wte[c] + Wpe[:n]                       n × d     token + position embeddings
    X⁰   = rms(E),  rms(X) = X ⊙ s,  s = (mean(X², rows) + ε)^(−1/2)
    per layer:  X̂ = rms(X);  Q = X̂ Wqᵀ,  K = X̂ Wkᵀ,  V = X̂ Wvᵀ
                per head h:  S_h = Q_h K_hᵀ / √d_h + M    (M = −∞ above the diagonal: the causal mask)
                             A_h = softmax(S_h) row by row;  O_h = A_h V_h
                X ← X + O Woᵀ                     O = [O_1 … O_H]
                X̂ = rms(X);  Z = X̂ W1ᵀ;  Hd = relu(Z);  X ← X + Hd W2ᵀ
    L    = X Wlmᵀ;  P = softmax(L) row by row;  J = −1/n Σ_t ln P[t, c_{t+1}]

Backward (each line the chain rule for one line above, read bottom up):

    δL   = (P − Y)/n                              Y one-hot: softmax with cross-entropy
    ∂Wlm = δLᵀ X;  δX = δL Wlm
    MLP:        ∂W2 = δXᵀ Hd;  δHd = δX W2;  δZ = δHd ⊙ [Z > 0];  ∂W1 = δZᵀ X̂;  δX += rms′(δZ W1)
    attention:  ∂Wo = δXᵀ O;  δO = δX Wo;  per head:
                δA_h = δO_h V_hᵀ;  δV_h = A_hᵀ δO_h
                δS_h = A_h ⊙ (δA_h − rowsum(δA_h ⊙ A_h))   softmax's Jacobian-vector product (0 where masked)
                δQ_h = δS_h K_h / √d_h;  δK_h = δS_hᵀ Q_h / √d_h
                ∂Wq = δQᵀ X̂ (Wk, Wv alike);  δX += rms′(δQ Wq + δK Wk + δV Wv)
    rms′:       δX = s ⊙ (δX̂ − X̂ ⊙ rowsum(X̂ ⊙ δX̂)/d)   (X̂ = rms(X); RMSNorm's backward)
    embedding:  δE = rms′(δX⁰);  ∂Wte[c_t] += δE[t];  ∂Wpe[t] = δE[t]

What it is not: connected to `autograd`. It imports nothing from the engine (nor from `nn.gpt`), so
agreement with the scalar engine is evidence. Its floats are summed in BLAS's order, not the
scalar engine's left-to-right one: the two agree to ~1e-15 relative, not to the last bit.
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral
from typing import NamedTuple

import numpy as np

__all__ = [
    "EPS",
    "Config",
    "config_of",
    "as_arrays",
    "cost",
    "backprop",
    "attention",
    "numerical_gradients",
    "Adam",
    "train",
    "MAX_NUMERICAL",
]

EPS = 1e-5  # RMSNorm's ε
MAX_NUMERICAL = 100_000  # the most entries `numerical_gradients` differentiates (4 forward passes each)


class Config(NamedTuple):
    vocab_size: int
    n_embd: int
    n_head: int
    n_layer: int
    block_size: int


def as_arrays(state: dict) -> dict[str, np.ndarray]:
    """A state_dict ({name: rows of floats}) as float64 arrays, copied."""
    if not isinstance(state, dict):
        raise TypeError(f"gpt_matrix: the parameters must be a dict name → rows, got {type(state).__name__}")
    out = {}
    for name, rows in state.items():
        W = np.array(rows, dtype=float)
        if W.ndim != 2 or not np.all(np.isfinite(W)):
            raise ValueError(f"gpt_matrix: {name} must be a 2-D array of finite numbers, got shape {W.shape}")
        out[name] = W
    return out


def config_of(W: dict[str, np.ndarray], n_head: int) -> Config:
    """The sizes the arrays `W` have (n_head cannot be read off them), every shape checked."""
    if isinstance(n_head, bool) or not isinstance(n_head, Integral) or n_head < 1:
        raise ValueError(f"gpt_matrix: n_head must be an integer ≥ 1, got {n_head!r}")
    for name in ("wte", "wpe", "lm_head"):
        if name not in W:
            raise ValueError(f"gpt_matrix: no {name!r} among the parameters")
    V, d = W["wte"].shape
    n_layer = sum(1 for k in W if k.endswith(".attn_wq"))
    cfg = Config(V, d, int(n_head), n_layer, W["wpe"].shape[0])
    if d % n_head:
        raise ValueError(f"gpt_matrix: n_head={n_head} does not divide n_embd={d}")
    want = {"wte": (V, d), "wpe": (cfg.block_size, d), "lm_head": (V, d)}
    for i in range(n_layer):
        for name, shape in zip(("attn_wq", "attn_wk", "attn_wv", "attn_wo", "mlp_fc1", "mlp_fc2"),
                               [(d, d)] * 4 + [(4 * d, d), (d, 4 * d)]):  # fmt: skip
            want[f"layer{i}.{name}"] = shape
    if set(W) != set(want):
        raise ValueError(f"gpt_matrix: parameter names {sorted(W)} are not a GPT's {sorted(want)}")
    for name, shape in want.items():
        if W[name].shape != shape:
            raise ValueError(f"gpt_matrix: {name} has shape {W[name].shape}, expected {shape}")
    return cfg


def _tokens(tokens: Sequence[int], cfg: Config) -> np.ndarray:
    c = np.asarray(tokens)
    if c.ndim != 1 or not 2 <= len(c) <= cfg.block_size + 1 or not np.issubdtype(c.dtype, np.integer):
        raise ValueError(f"gpt_matrix: tokens must be 2 … block_size + 1 = {cfg.block_size + 1} integer ids")
    if c.min() < 0 or c.max() >= cfg.vocab_size:
        raise ValueError(f"gpt_matrix: token ids must be in 0 … {cfg.vocab_size - 1}")
    return c


# ---------------------------------------------------------------- the pieces and their backward passes


def _rms(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(X̂, s): X̂ = X ⊙ s row by row, s = (mean(X²) + ε)^(−1/2) (n × 1)."""
    s = (np.mean(X * X, axis=1, keepdims=True) + EPS) ** -0.5
    return X * s, s


def _rms_backward(Xh: np.ndarray, s: np.ndarray, dXh: np.ndarray) -> np.ndarray:
    """δX from δX̂ for X̂ = rms(X): s ⊙ (δX̂ − X̂ ⊙ rowsum(X̂ ⊙ δX̂)/d)."""
    return s * (dXh - Xh * (np.sum(Xh * dXh, axis=1, keepdims=True) / Xh.shape[1]))


def _softmax_rows(S: np.ndarray) -> np.ndarray:
    E = np.exp(S - np.max(S, axis=-1, keepdims=True))  # −∞ (masked) → 0
    return E / np.sum(E, axis=-1, keepdims=True)


class _Layer(NamedTuple):
    X: np.ndarray  # the residual stream entering the layer
    Xh1: np.ndarray  # rms(X), before attention
    s1: np.ndarray
    Q: np.ndarray
    K: np.ndarray
    V: np.ndarray
    A: np.ndarray  # H × n × n attention weights
    O: np.ndarray  # n × d, the heads concatenated
    Xh2: np.ndarray  # rms of the stream after attention, before the MLP
    s2: np.ndarray
    Z: np.ndarray
    Hd: np.ndarray


class _Forward(NamedTuple):
    J: float
    c: np.ndarray
    E: np.ndarray
    X0: np.ndarray
    s0: np.ndarray
    layers: list
    X: np.ndarray  # the stream entering the head
    P: np.ndarray  # n × V probabilities


def _heads(M: np.ndarray, H: int) -> np.ndarray:
    """n × d → H × n × d_h."""
    n, d = M.shape
    return M.reshape(n, H, d // H).transpose(1, 0, 2)


def _forward(W: dict, cfg: Config, c: np.ndarray) -> _Forward:
    n, H = len(c) - 1, cfg.n_head
    E = W["wte"][c[:-1]] + W["wpe"][:n]
    X, s0 = _rms(E)
    X0 = X
    mask = np.triu(np.ones((n, n), dtype=bool), k=1)  # position t sees u ≤ t
    layers = []
    for l in range(cfg.n_layer):
        p = f"layer{l}."
        Xin = X
        Xh1, s1 = _rms(X)
        Q, K, V = Xh1 @ W[p + "attn_wq"].T, Xh1 @ W[p + "attn_wk"].T, Xh1 @ W[p + "attn_wv"].T
        S = _heads(Q, H) @ _heads(K, H).transpose(0, 2, 1) / np.sqrt(cfg.n_embd // H)
        S[:, mask] = -np.inf
        A = _softmax_rows(S)
        O = (A @ _heads(V, H)).transpose(1, 0, 2).reshape(n, cfg.n_embd)
        X = X + O @ W[p + "attn_wo"].T
        Xh2, s2 = _rms(X)
        Z = Xh2 @ W[p + "mlp_fc1"].T
        Hd = np.maximum(Z, 0.0)
        X = X + Hd @ W[p + "mlp_fc2"].T
        layers.append(_Layer(Xin, Xh1, s1, Q, K, V, A, O, Xh2, s2, Z, Hd))
    L = X @ W["lm_head"].T
    top = np.max(L, axis=1, keepdims=True)
    logZ = np.log(np.sum(np.exp(L - top), axis=1, keepdims=True))
    logP = L - top - logZ
    J = -np.mean(logP[np.arange(n), c[1:]])  # a NumPy scalar: float64, or longdouble for numerical_gradients
    return _Forward(J, c, E, X0, s0, layers, X, np.exp(logP))


def cost(W: dict[str, np.ndarray], tokens: Sequence[int], n_head: int) -> float:
    """J = −1/n Σ_t ln softmax(ℓ_t)[c_{t+1}] of the document `tokens` (2 … block_size + 1 ids)."""
    cfg = config_of(W, n_head)
    return float(_forward(W, cfg, _tokens(tokens, cfg)).J)


def backprop(W: dict[str, np.ndarray], tokens: Sequence[int], n_head: int) -> tuple[float, dict[str, np.ndarray]]:
    """(J, {name: ∂J/∂W}) by the backward pass written out above (the module's docstring)."""
    cfg = config_of(W, n_head)
    return _backprop(W, cfg, _tokens(tokens, cfg))


def _backprop(W: dict, cfg: Config, c: np.ndarray) -> tuple[float, dict[str, np.ndarray]]:
    f = _forward(W, cfg, c)
    n, H, d = len(c) - 1, cfg.n_head, cfg.n_embd
    hd = d // H
    G = {name: np.zeros_like(M) for name, M in W.items()}
    dL = f.P.copy()
    dL[np.arange(n), c[1:]] -= 1.0
    dL /= n  # δL = (P − Y)/n
    G["lm_head"] = dL.T @ f.X
    dX = dL @ W["lm_head"]
    for l in reversed(range(cfg.n_layer)):
        p, a = f"layer{l}.", f.layers[l]
        # MLP: X ← X + relu(X̂ W1ᵀ) W2ᵀ
        G[p + "mlp_fc2"] = dX.T @ a.Hd
        dZ = (dX @ W[p + "mlp_fc2"]) * (a.Z > 0)
        G[p + "mlp_fc1"] = dZ.T @ a.Xh2
        dX = dX + _rms_backward(a.Xh2, a.s2, dZ @ W[p + "mlp_fc1"])
        # attention: X ← X + O Woᵀ
        G[p + "attn_wo"] = dX.T @ a.O
        dO = _heads(dX @ W[p + "attn_wo"], H)  # H × n × d_h
        Vh, Qh, Kh = _heads(a.V, H), _heads(a.Q, H), _heads(a.K, H)
        dA = dO @ Vh.transpose(0, 2, 1)
        dV = a.A.transpose(0, 2, 1) @ dO
        dS = a.A * (dA - np.sum(dA * a.A, axis=2, keepdims=True))  # softmax's JVP; A = 0 where masked
        dQ = dS @ Kh / np.sqrt(hd)
        dK = dS.transpose(0, 2, 1) @ Qh / np.sqrt(hd)
        dQ, dK, dV = (M.transpose(1, 0, 2).reshape(n, d) for M in (dQ, dK, dV))
        G[p + "attn_wq"], G[p + "attn_wk"], G[p + "attn_wv"] = dQ.T @ a.Xh1, dK.T @ a.Xh1, dV.T @ a.Xh1
        dXh = dQ @ W[p + "attn_wq"] + dK @ W[p + "attn_wk"] + dV @ W[p + "attn_wv"]
        dX = dX + _rms_backward(a.Xh1, a.s1, dXh)
    dE = _rms_backward(f.X0, f.s0, dX)
    np.add.at(G["wte"], c[:-1], dE)  # a token used twice gets both rows' δ
    G["wpe"][:n] = dE
    return float(f.J), G


def attention(W: dict[str, np.ndarray], tokens: Sequence[int], n_head: int) -> np.ndarray:
    """The attention weights A: n_layer × n_head × n × n, A[l, h, t, u] = α_t,u (0 for u > t)."""
    cfg = config_of(W, n_head)
    return np.stack([a.A for a in _forward(W, cfg, _tokens(tokens, cfg)).layers])


def numerical_gradients(
    W: dict[str, np.ndarray],
    tokens: Sequence[int],
    n_head: int,
    h: float | None = None,
    names: Sequence[str] | None = None,
) -> dict[str, np.ndarray]:
    """Central differences of J for every entry of the matrices `names` (all by default).

    The five-point central difference (J(w − 2h) − 8J(w − h) + 8J(w + h) − J(w + 2h))/12h, its
    error O(h⁴), with J evaluated in NumPy's longdouble (80-bit extended precision on x86: rounding
    in J then costs nothing visible): h = 1e-4 there (1e-3 where longdouble is only a double). The
    two-point (J(w + ε) − J(w − ε))/2ε at ε = 1e-5 in doubles loses ~1e-8 of the small gradients of
    the attention weights to rounding. A relu kink between the points would make it a secant: where
    some z changes sign across the stencil, h is divided by 10 until none does (down to 1e-7).
    4 forward passes per entry (more at a kink): at most MAX_NUMERICAL entries, refused before any.
    """
    cfg = config_of(W, n_head)
    c = _tokens(tokens, cfg)
    names = list(W) if names is None else list(names)
    count = sum(W[k].size for k in names)
    if count > MAX_NUMERICAL:
        raise ValueError(f"gpt_matrix.numerical_gradients: {count:,} entries, more than {MAX_NUMERICAL:,}")
    W = {k: M.astype(np.longdouble) for k, M in W.items()}
    if h is None:
        h = 1e-4 if np.finfo(np.longdouble).eps < 1e-18 else 1e-3

    def pattern() -> list[np.ndarray]:
        return [a.Z > 0 for a in _forward(W, cfg, c).layers]

    out = {}
    for name in names:
        M, G = W[name], np.zeros_like(W[name])
        for idx in np.ndindex(M.shape):
            keep, step = M[idx], h
            signs = pattern()
            while True:
                J = {}
                kink = False
                for k in (-2, -1, 1, 2):
                    M[idx] = keep + k * step
                    f = _forward(W, cfg, c)
                    J[k] = f.J
                    kink = kink or any(not np.array_equal(a.Z > 0, z) for a, z in zip(f.layers, signs))
                M[idx] = keep
                if not kink or step < 1e-7:
                    break
                step /= 10
            G[idx] = (J[-2] - 8 * J[-1] + 8 * J[1] - J[2]) / (12 * step)
        out[name] = G.astype(float)
    return out


class Adam:
    """microgpt's Adam on whole matrices: m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², W ← W − lr·m̂/(√v̂ + ε)."""

    def __init__(self, W: dict[str, np.ndarray], betas: tuple[float, float] = (0.85, 0.99), eps: float = 1e-8):
        self.betas, self.eps, self.t = betas, eps, 0
        self.m = {k: np.zeros_like(M) for k, M in W.items()}
        self.v = {k: np.zeros_like(M) for k, M in W.items()}

    def step(self, W: dict[str, np.ndarray], G: dict[str, np.ndarray], lr: float) -> None:
        self.t += 1
        b1, b2 = self.betas
        for k, M in W.items():
            g = G[k]
            self.m[k] = b1 * self.m[k] + (1 - b1) * g
            self.v[k] = b2 * self.v[k] + (1 - b2) * g**2
            m_hat = self.m[k] / (1 - b1**self.t)
            v_hat = self.v[k] / (1 - b2**self.t)
            M -= lr * m_hat / (v_hat**0.5 + self.eps)


def train(
    W: dict[str, np.ndarray], documents: Sequence[Sequence[int]], steps: int, n_head: int, lr: float = 0.01
) -> list[float]:
    """microgpt's loop on the matrices (in place): step k on documents[k mod len] (token lists, already
    cut to block_size + 1), Adam at lr·(1 − k/steps). Returns each step's J."""
    cfg = config_of(W, n_head)
    docs = [_tokens(d, cfg) for d in documents]
    opt = Adam(W)
    losses = []
    for k in range(steps):
        J, G = _backprop(W, cfg, docs[k % len(docs)])
        opt.step(W, G, lr * (1 - k / steps))
        losses.append(J)
    return losses
