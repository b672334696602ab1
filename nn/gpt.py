"""A GPT on the chainrule engine: microgpt's transformer, with the graph a learner can read.

What it is: the architecture of Karpathy's microgpt (February 2026), built from the engine's public
API. Character tokens with one BOS token (id vocab_size − 1) at both ends of a document; for
each position t of a document (at most block_size of them):

    e_t   = Wte[c_t] + Wpe[t]                     token + position embedding       (n_embd)
    x⁽⁰⁾  = rmsnorm(e_t)                          the residual stream x begins
    per layer l:
      x̂   = rmsnorm(x);  q = Wq x̂,  k = Wk x̂,  v = Wv x̂   (k, v appended to the cache)
      per head h (channels h·d … h·d + d − 1, d = n_embd / n_head):
        s_t,u = q_t · k_u  for u ≤ t              (causal: only the positions so far)
        α_t,u = softmax_u(s_t,u / √d)
        o_t   = Σ_u α_t,u v_u
      a   = Wo o;  x = x + a                      attention's output, the residual
      x̂   = rmsnorm(x);  z = W1 x̂ (4·n_embd);  h = relu(z);  m = W2 h;  x = x + m
    ℓ_t   = Wlm x                                 logits over the vocabulary (no final norm)
    J     = −1/n Σ_t ln softmax(ℓ_t)[c_{t+1}]     mean over the n positions

rmsnorm(x) = x / √(mean(x²) + 1e-5), no learned scale; no biases anywhere. Training is Adam
(β₁ 0.85, β₂ 0.99, ε 1e-8, lr 1e-2 decaying linearly to 0 over the run), one document per step.

The graph, three ways (`mode=`):

    "fused"       (default) a dot product is ONE node (op Σwx, the course's z), RMSNorm one node per
                  output, the attention softmax one node per α (the 1/√d inside it), the loss ONE
                  node over all the logits (softmax_cross_entropy): ~370 nodes per position
    "elementary"  microgpt's own model code on chainrule's Value: every `*`, `+`, `/`, `**`, exp,
                  log a node (~7,900 per position); the same loss and grads, to rounding
    "folded"      fused, with the weights folded into their nodes as constants (op Σwc) and the
                  embeddings as leaves: the graph of the activations alone, small enough to draw

Labels (1-based indices: position t, channel i, token row c = id + 1; layer l; head h):
e_t,i · x_t,i^(m) the residual stream (m = 0 after the embedding's norm, 2l − 1 after layer l's
attention, 2l after its MLP) · x̂_t,i^(m) = rmsnorm(x^(m)) · q_t,i^(l), k_t,i^(l), v_t,i^(l) ·
s_t,u^(l.h) (elementary: already divided by √d) · α_t,u^(l.h) · o_t,i^(l) (the heads concatenated) ·
a_t,i^(l) = Wo o (attention's output, added to the residual) · z_t,j^(l), h_t,j^(l) (the MLP's hidden
layer) · m_t,i^(l) = W2 h (the MLP's output, added to the residual) · ℓ_t,c · J. Each is a math name
(one letter, indices), pretty-printed when drawn: a₂₁⁽¹⁾. Parameters: Wte_c,i, Wpe_t,i, Wlm_c,i,
Wq_i,j^(l), Wk, Wv, Wo, W1, W2.

What it is not: microgpt's code (all of this is written here, from the architecture), nor fast at
scale: a step on one document takes milliseconds. The same transformer as NumPy matrices, with
its backward pass written out, is `nn.gpt_matrix`; `nn.grader.gpt` checks the three against each
other and central differences.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from typing import NamedTuple

from autograd import Value, mark_changed, weighted_sum_of_constants, weighted_sums
from autograd.args import choice, flag, integer, real, sequence, text
from autograd.fused import rmsnorm, softmax, softmax_cross_entropy

from .module import MAX_PARAMETERS, Module, _check_budget
from .optim import Adam

__all__ = [
    "GPT",
    "Trace",
    "shapes",
    "MODES",
    "train",
    "train_step",
    "schedule",
    "ADAM",
    "LEARNING_RATE",
    "STD",
    "EPS",
    "MAX_SAMPLES",
]

MODES = ("fused", "elementary", "folded")
EPS = 1e-5  # RMSNorm's ε
STD = 0.08  # the weights' initial standard deviation (Gaussian), as microgpt's
LEARNING_RATE = 0.01
ADAM = {"betas": (0.85, 0.99), "eps": 1e-8}
"""microgpt's Adam: β₁ = 0.85, β₂ = 0.99, ε = 1e-8 (the update m̂ / (√v̂ + ε))."""
MAX_SAMPLES = 10_000  # the most names one `generate` call makes

_SHORT = {
    "wte": "Wte",
    "wpe": "Wpe",
    "lm_head": "Wlm",
    "attn_wq": "Wq",
    "attn_wk": "Wk",
    "attn_wv": "Wv",
    "attn_wo": "Wo",
    "mlp_fc1": "W1",
    "mlp_fc2": "W2",
}
_LAYER_MATRICES = ("attn_wq", "attn_wk", "attn_wv", "attn_wo", "mlp_fc1", "mlp_fc2")


class Trace(NamedTuple):
    """What one forward pass built: `loss` (J), `logits[t]` (vocab_size Values per position),
    `alphas[l][h][t]` (the α_t,u Values of layer l, head h, position t, for u = 0..t), and
    `groups` (Value → its block's name, for `autograd.draw(groups=...)`; empty unless asked)."""

    loss: Value
    logits: list
    alphas: list
    groups: dict


class GPT(Module):
    """microgpt's transformer (see the module's docstring) with its parameters as Values.

    GPT(vocab_size, n_embd=16, n_head=4, n_layer=1, block_size=16, seed=0): the weights drawn from
    N(0, 0.08²) by `random.Random(seed)`, in `state_dict` order. `chars`: the characters of token ids
    0 … vocab_size − 2 (then `encode`, `decode` and `generate` speak strings); without them, token ids.
    ValueError/TypeError naming the argument for a size that is not an integer ≥ 1 (vocab_size ≥ 2),
    an n_embd that n_head does not divide, or more than `max_parameters` parameters (checked before
    any is made).

    >>> model = GPT.from_documents(["emma", "olivia", "ava"], n_embd=8, n_head=2, block_size=8)
    >>> J = model.loss(model.tokens("emma")); J.backward()   # one node J over 4 positions' logits
    """

    def __init__(
        self,
        vocab_size: int,
        n_embd: int = 16,
        n_head: int = 4,
        n_layer: int = 1,
        block_size: int = 16,
        seed: int = 0,
        *,
        chars: str | None = None,
        max_parameters: int = MAX_PARAMETERS,
    ) -> None:
        self.vocab_size = integer(vocab_size, "GPT", "vocab_size (characters + 1 for BOS)", low=2)
        self.n_embd = integer(n_embd, "GPT", "n_embd")
        self.n_head = integer(n_head, "GPT", "n_head")
        self.n_layer = integer(n_layer, "GPT", "n_layer")
        self.block_size = integer(block_size, "GPT", "block_size")
        self.seed = integer(seed, "GPT", "seed", low=0)
        if self.n_embd % self.n_head:
            raise ValueError(f"GPT: n_head must divide n_embd (each head takes n_embd/n_head channels), got "
                             f"n_embd={self.n_embd}, n_head={self.n_head}")  # fmt: skip
        self.head_dim = self.n_embd // self.n_head
        if chars is not None:
            chars = text(chars, "GPT", "chars")
            if len(set(chars)) != len(chars) or len(chars) != self.vocab_size - 1:
                raise ValueError(
                    f"GPT: chars must be vocab_size − 1 = {self.vocab_size - 1} distinct characters (BOS is the "
                    f"last id), got {len(chars)} ({len(set(chars))} distinct)"
                )
        self.chars = chars
        shapes = self.shapes()
        _check_budget(sum(r * c for r, c in shapes.values()), max_parameters, f"GPT(n_embd={self.n_embd}, ...)", "GPT")
        rng = random.Random(self.seed)
        self.weights: dict[str, list[list[Value]]] = {}
        for name, (rows, cols) in shapes.items():
            short, layer = _short(name)
            self.weights[name] = [
                [Value(rng.gauss(0.0, STD), label=f"{short}_{r + 1},{c + 1}{layer}") for c in range(cols)]
                for r in range(rows)
            ]
        self._labels: dict[tuple, list[str]] = {}

    @classmethod
    def from_documents(cls, docs: Sequence[str], **kwargs) -> GPT:
        """A GPT whose vocabulary is the characters of `docs` (sorted) plus BOS, as microgpt's tokenizer."""
        docs = sequence(docs, "GPT.from_documents", "docs", of=str)
        chars = "".join(sorted(set("".join(docs))))
        if not chars:
            raise ValueError("GPT.from_documents: the documents hold no character")
        return cls(len(chars) + 1, chars=chars, **kwargs)

    def __repr__(self) -> str:
        return (
            f"GPT(vocab_size={self.vocab_size}, n_embd={self.n_embd}, n_head={self.n_head}, n_layer={self.n_layer}, "
            f"block_size={self.block_size}: {self.num_parameters():,} parameters)"
        )

    # ---------------------------------------------------------------- parameters

    @property
    def bos(self) -> int:
        """The BOS token's id: vocab_size − 1 (it opens and ends every document)."""
        return self.vocab_size - 1

    def shapes(self) -> dict[str, tuple[int, int]]:
        """{name: (rows, columns)} in state_dict order: each row the weights into one output."""
        return shapes(self.vocab_size, self.n_embd, self.n_layer, self.block_size)

    def num_parameters(self) -> int:
        return sum(r * c for r, c in self.shapes().values())

    def named_parameters(self) -> list[tuple[str, Value]]:
        """(name, Value) in state_dict order, names then rows then columns: `layer0.attn_wq.3.1`."""
        return [
            (f"{n}.{r}.{c}", w) for n, m in self.weights.items() for r, row in enumerate(m) for c, w in enumerate(row)
        ]

    def parameters(self) -> list[Value]:
        """Every parameter, flattened as microgpt flattens its state_dict: names, then rows, then columns."""
        return [w for m in self.weights.values() for row in m for w in row]

    def state_dict(self) -> dict[str, list[list[float]]]:
        """{name: rows of floats}: microgpt's names and shapes (`wte` vocab × n_embd, …, `layer0.mlp_fc2`)."""
        return {name: [[w.data for w in row] for row in m] for name, m in self.weights.items()}

    def load_state_dict(self, state: dict) -> GPT:
        """Set every weight from `state` ({name: rows of numbers}, as `state_dict` gives), all checked first.

        ValueError naming the entry for a missing or extra name, a wrong shape, or a number that is
        not finite; nothing changes unless all is right. A graph built before is stale afterwards.
        """
        if not isinstance(state, dict):
            raise TypeError(f"GPT.load_state_dict: state must be a dict name → rows, got {type(state).__name__}")
        shapes = self.shapes()
        if set(state) != set(shapes):
            missing, extra = sorted(set(shapes) - set(state)), sorted(set(state) - set(shapes))
            raise ValueError(
                f"GPT.load_state_dict: names differ from the model's: missing {missing}, unexpected {extra}"
            )
        checked = {}
        for name, (rows, cols) in shapes.items():
            m = state[name]
            if (
                not isinstance(m, (list, tuple))
                or len(m) != rows
                or any(not isinstance(r, (list, tuple)) or len(r) != cols for r in m)
            ):
                raise ValueError(f"GPT.load_state_dict: {name} must be {rows} rows of {cols} numbers")
            checked[name] = [[real(v, "GPT.load_state_dict", f"{name}[{r}][{c}]") for c, v in enumerate(row)]
                             for r, row in enumerate(m)]  # fmt: skip
        for name, m in checked.items():
            for row, values in zip(self.weights[name], m):
                for w, v in zip(row, values):
                    w.data = v
        mark_changed(self.parameters(), "GPT.load_state_dict")
        return self

    # ---------------------------------------------------------------- tokens

    def encode(self, doc: str) -> list[int]:
        """[BOS, ids of doc's characters…, BOS]; ValueError naming a character outside the vocabulary."""
        doc = text(doc, "GPT.encode", "doc")
        if self.chars is None:
            raise ValueError("GPT.encode: this model has no characters (pass chars=...); give it token ids")
        index = {ch: i for i, ch in enumerate(self.chars)}
        ids = []
        for k, ch in enumerate(doc):
            if ch not in index:
                raise ValueError(f"GPT.encode: character {ch!r} (at {k} in {doc!r:.40}) is not in the vocabulary")
            ids.append(index[ch])
        return [self.bos, *ids, self.bos]

    def tokens(self, doc: str) -> list[int]:
        """`encode(doc)` cut to block_size + 1 tokens: the n = min(block_size, len − 1) positions trained on."""
        return self.encode(doc)[: self.block_size + 1]

    def decode(self, ids: Sequence[int]) -> str:
        """The characters of token ids (BOS, if any, left out)."""
        if self.chars is None:
            raise ValueError("GPT.decode: this model has no characters (pass chars=...)")
        return "".join(self.chars[i] for i in ids if i != self.bos)

    def _checked_tokens(self, tokens: object, where: str) -> list[int]:
        tokens = sequence(tokens, where, "tokens", max_length=self.block_size + 1)
        if len(tokens) < 2:
            raise ValueError(f"{where}: tokens must hold at least 2 ids (an input and its next token), got {tokens!r}")
        return [integer(c, where, f"tokens[{i}]", low=0, high=self.vocab_size - 1) for i, c in enumerate(tokens)]

    # ---------------------------------------------------------------- the forward pass

    def loss(self, tokens: Sequence[int], *, mode: str = "fused") -> Value:
        """J = −1/n Σ_t ln softmax(ℓ_t)[tokens[t+1]] over the n = len(tokens) − 1 positions, as a Value.

        tokens: 2 … block_size + 1 token ids (BOS at both ends for a whole document; `tokens(doc)`
        cuts a long one). mode: "fused", "elementary" or "folded" (see the module's docstring).
        """
        return self.forward(tokens, mode=mode).loss

    def forward(self, tokens: Sequence[int], *, mode: str = "fused", groups: bool = False) -> Trace:
        """The forward pass over `tokens` (see `loss`), keeping its logits and attention weights.

        groups=True also maps every node to its block ("embedding", "layer 1 · head 1", "layer 1 ·
        attention", "layer 1 · MLP", "logits and loss") for `autograd.draw`.
        """
        tokens = self._checked_tokens(tokens, "GPT.forward")
        build = _BUILDERS[choice(mode, "GPT.forward", "mode", MODES)](self, flag(groups, "GPT.forward", "groups"))
        keys: list[list] = [[] for _ in range(self.n_layer)]
        values: list[list] = [[] for _ in range(self.n_layer)]
        alphas = [[[] for _ in range(self.n_head)] for _ in range(self.n_layer)]
        logits = [self._position(build, c, t, keys, values, alphas) for t, c in enumerate(tokens[:-1])]
        loss = build.loss(logits, tokens[1:])
        build.group("logits and loss", [loss])
        return Trace(loss, logits, alphas, build.groups)

    def _position(self, build: _Builder, token: int, t: int, keys: list, values: list, alphas: list) -> list:
        """microgpt's `gpt(token_id, pos_id, keys, values)`: the logits at position t (keys, values: the cache)."""
        lab = self._label_row
        x = build.embed(token, t, lab("e", t, None))
        x = build.norm(x, lab("x", t, 0))
        build.group("embedding", x)
        hd = self.head_dim
        for l in range(self.n_layer):
            where = f"layer {l + 1}"
            x_residual = x
            xh = build.norm(x, lab("x̂", t, 2 * l))
            w = self.weights
            q = build.linear(xh, w[f"layer{l}.attn_wq"], lab("q", t, l + 1))
            k = build.linear(xh, w[f"layer{l}.attn_wk"], lab("k", t, l + 1))
            v = build.linear(xh, w[f"layer{l}.attn_wv"], lab("v", t, l + 1))
            keys[l].append(k)
            values[l].append(v)
            o = []
            for h in range(self.n_head):
                hs = slice(h * hd, (h + 1) * hd)
                s = build.scores(q[hs], [k_u[hs] for k_u in keys[l]], hd, self._pair_labels("s", t, l, h))
                a = build.softmax(s, hd, self._pair_labels("α", t, l, h))
                o_h = build.mix(a, [v_u[hs] for v_u in values[l]], lab("o", t, l + 1)[hs])
                build.group(f"{where} · head {h + 1}", [*q[hs], *k[hs], *v[hs], *s, *a, *o_h])
                alphas[l][h].append(a)
                o.extend(o_h)
            y = build.linear(o, w[f"layer{l}.attn_wo"], lab("a", t, l + 1))
            x = build.add(y, x_residual, lab("x", t, 2 * l + 1))
            build.group(f"{where} · attention", [*xh, *y, *x])
            x_residual = x
            xh = build.norm(x, lab("x̂", t, 2 * l + 1))
            z = build.linear(xh, w[f"layer{l}.mlp_fc1"], lab("z", t, l + 1))
            hidden = build.relu(z, lab("h", t, l + 1))
            y = build.linear(hidden, w[f"layer{l}.mlp_fc2"], lab("m", t, l + 1))
            x = build.add(y, x_residual, lab("x", t, 2 * l + 2))
            build.group(f"{where} · MLP", [*xh, *z, *hidden, *y, *x])
        logits = build.linear(x, self.weights["lm_head"], lab("ℓ", t, None))
        build.group("logits and loss", logits)
        return logits

    def _label_row(self, name: str, t: int, sup: int | None) -> list[str]:
        """The labels name_t,i^(sup) for i = 1 … width (cached: a training step makes thousands)."""
        key = (name, t, sup)
        found = self._labels.get(key)
        if found is None:
            width = {"ℓ": self.vocab_size, "z": 4 * self.n_embd, "h": 4 * self.n_embd}.get(name, self.n_embd)
            tail = "" if sup is None else f"^({sup})"
            found = self._labels[key] = [f"{name}_{t + 1},{i + 1}{tail}" for i in range(width)]
        return found

    def _pair_labels(self, name: str, t: int, l: int, h: int) -> list[str]:
        """s_t,u^(l.h) or α_t,u^(l.h) for u = 1 … t + 1."""
        key = (name, t, l, h)
        found = self._labels.get(key)
        if found is None:
            found = self._labels[key] = [f"{name}_{t + 1},{u + 1}^({l + 1}.{h + 1})" for u in range(t + 1)]
        return found

    # ---------------------------------------------------------------- what a trained model does

    def attention(self, tokens: Sequence[int]) -> list[list[list[list[float]]]]:
        """The attention weights as floats: [layer][head][t][u] = α_t,u (0 above the diagonal, u > t)."""
        trace = self.forward(tokens)
        n = len(trace.logits)
        return [[[[a.data for a in row] + [0.0] * (n - len(row)) for row in head] for head in layer]
                for layer in trace.alphas]  # fmt: skip

    def generate(self, n: int = 20, temperature: float = 0.5, seed: int = 0) -> list:
        """n samples, each from BOS until BOS comes out again or block_size tokens are made.

        Each token is drawn from softmax(ℓ/temperature) by `random.Random(seed).choices`, as
        microgpt samples: the same seed gives the same samples. Strings if the model has `chars`,
        else lists of token ids. temperature: a finite number > 0 (< 1 sharpens, > 1 flattens).
        """
        n = integer(n, "GPT.generate", "n", high=MAX_SAMPLES)
        temperature = real(temperature, "GPT.generate", "temperature", low=0.0, low_open=True)
        rng = random.Random(integer(seed, "GPT.generate", "seed", low=0))
        build = _Fused(self, False)
        ids = range(self.vocab_size)
        out = []
        for _ in range(n):
            keys: list[list] = [[] for _ in range(self.n_layer)]
            values: list[list] = [[] for _ in range(self.n_layer)]
            alphas = [[[] for _ in range(self.n_head)] for _ in range(self.n_layer)]
            token, sample = self.bos, []
            for t in range(self.block_size):
                logits = self._position(build, token, t, keys, values, alphas)
                scaled = [v.data / temperature for v in logits]
                top = max(scaled)
                if not math.isfinite(top):
                    raise ValueError(f"GPT.generate: temperature {temperature!r} is too small for logits of "
                                     f"{max(abs(v.data) for v in logits):.3g} (ℓ/temperature overflows)")  # fmt: skip
                exps = [math.exp(s - top) for s in scaled]
                norm = sum(exps)
                token = rng.choices(ids, weights=[e / norm for e in exps])[0]
                if token == self.bos:
                    break
                sample.append(token)
            out.append(self.decode(sample) if self.chars is not None else sample)
        return out


def shapes(vocab_size: int, n_embd: int, n_layer: int, block_size: int) -> dict[str, tuple[int, int]]:
    """A GPT's state_dict {name: (rows, columns)}, in order: wte, wpe, lm_head, then per layer i
    layer{i}.attn_wq, attn_wk, attn_wv, attn_wo (n_embd × n_embd), mlp_fc1 (4·n_embd × n_embd), mlp_fc2."""
    V, d, T = vocab_size, n_embd, block_size
    out = {"wte": (V, d), "wpe": (T, d), "lm_head": (V, d)}
    for i in range(n_layer):
        for name, shape in zip(_LAYER_MATRICES, [(d, d)] * 4 + [(4 * d, d), (d, 4 * d)]):
            out[f"layer{i}.{name}"] = shape
    return out


def _short(name: str) -> tuple[str, str]:
    """ "layer0.attn_wq" → ("Wq", "^(1)"); "wte" → ("Wte", "")."""
    if name.startswith("layer"):
        layer, base = name.split(".")
        return _SHORT[base], f"^({int(layer[5:]) + 1})"
    return _SHORT[name], ""


# ---------------------------------------------------------------- the three ways to build the graph


class _Builder:
    """How the graph is built, op by op (`GPT._position` says what is built, in microgpt's order)."""

    def __init__(self, model: GPT, groups: bool) -> None:
        self.model = model
        self.groups: dict = {}
        self.keep_groups = groups

    def group(self, name, nodes) -> None:
        """Put `nodes` in block `name` (the first block a node is put in keeps it)."""
        if self.keep_groups:
            for v in nodes:
                self.groups.setdefault(v, name)

    def embed(self, token: int, t: int, labels: list[str]) -> list[Value]:
        w = self.model.weights
        return self.add(w["wte"][token], w["wpe"][t], labels)  # [t + p for t, p in zip(tok_emb, pos_emb)]

    @staticmethod
    def add(a: list, b: list, labels: list[str]) -> list[Value]:
        return _named([ai + bi for ai, bi in zip(a, b)], labels)  # the residual: x + y

    @staticmethod
    def relu(z: list, labels: list[str]) -> list[Value]:
        return _named([zi.relu() for zi in z], labels)

    def loss(self, logits: list, targets: list[int]) -> Value:
        """J as ONE node over all n·V logits: the mean over positions of −ln softmax (softmax_cross_entropy)."""
        V = self.model.vocab_size
        y = [0.0] * (len(logits) * V)
        for t, c in enumerate(targets):
            y[t * V + c] = 1.0
        return softmax_cross_entropy([v for row in logits for v in row], y, len(logits), V, label="J")


class _Fused(_Builder):
    """One node per dot product (Σwx), per RMSNorm output, per α; one node J."""

    def __init__(self, model: GPT, groups: bool) -> None:
        super().__init__(model, groups)
        self.read: dict[int, list[list[float]]] = {}  # each weight matrix's data, read once per forward pass

    def linear(self, x: list, w: list, labels: list[str]) -> list[Value]:
        data = self.read.get(id(w))
        if data is None:  # (the builder lives for one forward pass, in which no weight changes)
            data = self.read[id(w)] = [[v.data for v in row] for row in w]
        return weighted_sums(w, [None] * len(w), x, labels, data)  # Σᵢ wᵢxᵢ from 0, left to right: microgpt's floats

    @staticmethod
    def norm(x: list, labels: list[str]) -> list[Value]:
        return rmsnorm(x, EPS, labels)

    @staticmethod
    def scores(q: list, keys: list, hd: int, labels: list[str]) -> list[Value]:
        # s_u = Σⱼ k_u,j q_j: the rows are the keys, the input q (the same floats as Σ q_j k_u,j)
        return weighted_sums(keys, [None] * len(keys), q, labels)

    @staticmethod
    def softmax(s: list, hd: int, labels: list[str]) -> list[Value]:
        return softmax(s, hd**0.5, labels)  # α = softmax(s/√d), the division inside the node

    @staticmethod
    def mix(a: list, vs: list, labels: list[str]) -> list[Value]:
        # o_j = Σ_u α_u v_u,j: rows v_·,j over the input α (the same floats as Σ α_u v_u,j)
        return weighted_sums([list(col) for col in zip(*vs)], [None] * len(labels), a, labels)


class _Folded(_Fused):
    """Fused, with each weight matrix folded into its nodes as constants (op Σwc) and the embedding a leaf."""

    def embed(self, token: int, t: int, labels: list[str]) -> list[Value]:
        w = self.model.weights
        return [Value(a.data + b.data, label) for a, b, label in zip(w["wte"][token], w["wpe"][t], labels)]

    @staticmethod
    def linear(x: list, w: list, labels: list[str]) -> list[Value]:
        # Σᵢ xᵢ·wᵢ with the w's constants: the parents are the activations x alone
        return [weighted_sum_of_constants(x, [wi.data for wi in row], None, label) for row, label in zip(w, labels)]


class _Elementary(_Builder):
    """microgpt's model code, unchanged, on chainrule's Value: a node per `*`, `+`, `/`, `**`, exp, log."""

    @staticmethod
    def linear(x: list, w: list, labels: list[str]) -> list[Value]:
        return _named([sum(wi * xi for wi, xi in zip(wo, x)) for wo in w], labels)

    @staticmethod
    def norm(x: list, labels: list[str]) -> list[Value]:
        ms = sum(xi * xi for xi in x) / len(x)
        scale = (ms + EPS) ** -0.5
        return _named([xi * scale for xi in x], labels)

    @staticmethod
    def scores(q: list, keys: list, hd: int, labels: list[str]) -> list[Value]:
        return _named([sum(q[j] * k[j] for j in range(hd)) / hd**0.5 for k in keys], labels)

    @staticmethod
    def softmax(s: list, hd: int, labels: list[str]) -> list[Value]:
        max_val = max(val.data for val in s)
        exps = [(val - max_val).exp() for val in s]
        total = sum(exps)
        return _named([e / total for e in exps], labels)

    @staticmethod
    def mix(a: list, vs: list, labels: list[str]) -> list[Value]:
        return _named([sum(a[u] * vs[u][j] for u in range(len(vs))) for j in range(len(labels))], labels)

    def loss(self, logits: list, targets: list[int]) -> Value:
        """microgpt's loss: −log of the target's softmax probability per position, then (1/n)·Σ."""
        losses = []
        for row, target in zip(logits, targets):
            probs = self.softmax(row, 1, [None] * len(row))
            losses.append(-probs[target].log())
        loss = (1 / len(losses)) * sum(losses)
        loss.label = "J"
        return loss


def _named(nodes: list, labels: list[str]) -> list:
    for v, label in zip(nodes, labels):
        if label is not None:
            v.label = label
    return nodes


_BUILDERS: dict[str, Callable[[GPT, bool], _Builder]] = {"fused": _Fused, "elementary": _Elementary, "folded": _Folded}


# ---------------------------------------------------------------- training


def schedule(step: int, steps: int, lr: float = LEARNING_RATE) -> float:
    """microgpt's learning rate at `step` (0-based) of `steps`: lr·(1 − step/steps), linear decay to 0."""
    return lr * (1 - step / steps)


def train_step(model: GPT, optimizer: Adam, tokens: list[int], lr: float) -> float:
    """One step: J on `tokens` (fused), zero grads, backward, Adam with learning rate `lr`; returns J."""
    loss = model.loss(tokens)
    optimizer.zero_grad()
    loss.backward()
    optimizer.lr = lr
    optimizer.step()
    return loss.data


def train(
    model: GPT,
    docs: Sequence[str],
    steps: int = 1000,
    lr: float = LEARNING_RATE,
    *,
    progress: bool = False,
    callback: Callable[[int, float], object] | None = None,
) -> list[float]:
    """Train `model` as microgpt does: step k takes document docs[k mod len(docs)] (shuffle them
    first: `nn.names.shuffled`), Adam (β₁ 0.85, β₂ 0.99, ε 1e-8) at lr·(1 − k/steps). Returns the
    loss of each step. progress: a tqdm bar with the loss; callback(step, loss) after each step.
    """
    docs = sequence(docs, "gpt.train", "docs", of=str)
    steps = integer(steps, "gpt.train", "steps", high=10**7)
    lr = real(lr, "gpt.train", "lr", low=0.0, low_open=True)
    encoded = [model.tokens(doc) for doc in docs]  # every document checked before the first step
    for doc, tokens in zip(docs, encoded):
        if len(tokens) < 2:
            raise ValueError(f"gpt.train: document {doc!r} makes no position to train on")
    optimizer = Adam(model.parameters(), lr=lr, **ADAM)
    bar = None
    if flag(progress, "gpt.train", "progress"):
        from tqdm.auto import tqdm

        bar = tqdm(total=steps, desc="training", unit="step")
    losses = []
    try:
        for k in range(steps):
            losses.append(train_step(model, optimizer, encoded[k % len(encoded)], schedule(k, steps, lr)))
            if bar is not None:
                bar.set_postfix_str(f"loss {losses[-1]:.4f}", refresh=False)
                bar.update(1)
            if callback is not None:
                callback(k, losses[-1])
    finally:
        if bar is not None:
            bar.close()
    return losses
