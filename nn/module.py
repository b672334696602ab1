"""Neurons, layers and multilayer perceptrons built from `autograd.Value`s.

What it is: the network of the course and Jordan's post, one node per quantity they name. A fused neuron (the default)
computes z = b + Σᵢ wᵢxᵢ as ONE weighted-sum node and a = g(z) as one activation node, so the
graph of a network is the graph of Jordan's diagrams: one z and one a per neuron. Every node
nn makes carries the course's label: x_i, w_j,i^(l), b_j^(l), z_j^(l), a_j^(l) — layers numbered
from 1 (the inputs), weights read like a mailing label (to neuron j, from neuron i, leaving
layer l, as in Θ^(l)).

What it is not: batched. A network takes one sample (a list of numbers) and returns a list of
Values; a batch is a list of samples, and a loss takes the list of outputs.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator, Sequence
from numbers import Integral, Real
from typing import NamedTuple

from autograd import Value, weighted_sum_of_constants, weighted_sums
from autograd.args import counted, flag, integer, real

from .init import debug_matrix, uniform_matrix

__all__ = ["Module", "Neuron", "Layer", "MLP", "Trace", "ACTIVATIONS", "INITS", "MAX_PARAMETERS"]

ACTIVATIONS = ("sigmoid", "tanh", "relu", "linear")
INITS = ("uniform", "debug")

MAX_PARAMETERS = 1_000_000
"""The default `max_parameters` of MLP, Layer and Neuron: each parameter is a Python object
(~150 bytes with its float), and one forward pass through a million of them takes about a second.
Pass a larger `max_parameters` to build a bigger network anyway."""

# The op each activation applies to z; "linear" applies none (a is the z node itself).
_ACTIVATION_OPS = {"sigmoid": Value.sigmoid, "tanh": Value.tanh, "relu": Value.relu, "linear": None}


def _check_activation(name: str, what: str = "activation") -> str:
    if not isinstance(name, str) or name not in _ACTIVATION_OPS:
        raise ValueError(f"unknown {what} {name!r}; valid names: {', '.join(ACTIVATIONS)}")
    return name


def _check_budget(count: int, max_parameters: object, what: str, where: str) -> None:
    """Refuse to allocate more than `max_parameters` parameters, before allocating any."""
    max_parameters = integer(max_parameters, where, "max_parameters")
    if count > max_parameters:
        raise ValueError(
            f"{what} would have {count:,} parameters, more than max_parameters={max_parameters:,} "
            f"(each is a Python object of ~150 bytes, visited on every forward and backward pass): "
            f"build a smaller network, or pass max_parameters={count} to build it anyway"
        )


# Types that have a length but are not samples: a dict would give its keys, a set no order.
_NOT_SAMPLES = (str, bytes, dict, set, frozenset)


def _as_constants(x: Sequence[float], n: int, where: str = "MLP") -> list[float]:
    """One sample as a list of n floats that stay out of the graph (see `MLP.__call__`)."""
    if isinstance(x, _NOT_SAMPLES) or not hasattr(x, "__len__") or not hasattr(x, "__iter__"):
        raise TypeError(f"{where}: a sample must be a sequence of {counted(n, 'number')}, got {type(x).__name__}")
    if len(x) != n:
        raise ValueError(f"{where}: expected {counted(n, 'input')}, got {len(x)}")
    # np.float64 and ints are converted; a Value is refused (constants stay out of the graph)
    return [v if type(v) is float else real(v, "MLP(x, constant_inputs=True)", f"x[{i}]", finite=False)
            for i, v in enumerate(x)]  # fmt: skip


def _as_values(x: Sequence[Value | float], n: int, where: str = "MLP") -> list[Value]:
    """One sample as a list of n Values (numbers become constant leaves)."""
    if isinstance(x, _NOT_SAMPLES) or not hasattr(x, "__len__") or not hasattr(x, "__iter__"):
        raise TypeError(
            f"{where}: a sample must be a sequence of {counted(n, 'number')} (a list, tuple or array), "
            f"got {type(x).__name__}"
        )
    if len(x) != n:
        raise ValueError(
            f"{where}: expected {counted(n, 'input')}, got {len(x)} (a sample has as many numbers as the first layer)"
        )
    try:
        return [xi if isinstance(xi, Value) else Value(xi) for xi in x]
    except TypeError:
        for i, xi in enumerate(x):
            if not isinstance(xi, (Value, Real)) or isinstance(xi, bool):
                raise TypeError(
                    f"{where}: a sample must hold numbers, but its entry {i} is {type(xi).__name__}: {xi!r:.60}"
                ) from None
        raise


def _check_row(row: object, n: int, where: str, name: str) -> list[float]:
    """A list of n numbers (weights) as floats, or an error naming `where` and the argument `name`."""
    if isinstance(row, _NOT_SAMPLES) or not hasattr(row, "__len__") or not hasattr(row, "__iter__"):
        raise TypeError(f"{where}: {name} must be a sequence of {n} numbers, got {type(row).__name__}")
    if len(row) != n:
        raise ValueError(f"{where}: {name}: expected {n} numbers, got {len(row)}")
    return [real(v, where, f"{name}[{i}]", finite=False) for i, v in enumerate(row)]


def _epsilon(epsilon: object, where: str) -> float | None:
    """The initial weights' range ε: None (the course's √6/√(s_l + s_{l+1})) or a finite number > 0."""
    return None if epsilon is None else real(epsilon, where, "epsilon (or None)", low=0.0, low_open=True)


class Module:
    """Anything with parameters: `parameters()`, `named_parameters()`, `zero_grad()`."""

    def named_parameters(self) -> list[tuple[str, Value]]:
        """(name, Value) pairs, names such as `layers.1.neurons.0.w.1` that say where each lives."""
        raise NotImplementedError

    def parameters(self) -> list[Value]:
        """The parameters in `named_parameters()`'s order (a training loop asks each step: no names built)."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Set the grad of every parameter to 0 (leaves accumulate across `backward()` calls)."""
        for p in self.parameters():
            p.grad = 0.0


class Neuron(Module):
    """One neuron: z = b + Σᵢ wᵢxᵢ, a = g(z).

    `w` is a list of `nin` Values, `b` a Value (None with `bias=False`). Weights come from
    `weights` and `bias_init` when given, else uniform in [−ε, ε] drawn from `random.Random(seed)`.
    `layer` and `index` (the course's 1-based l and j) only name the nodes: w_j,i^(l), z_j^(l+1).
    """

    def __init__(
        self,
        nin: int,
        activation: str = "sigmoid",
        bias: bool = True,
        fused: bool = True,
        *,
        weights: Sequence[float] | None = None,
        bias_init: float = 0.0,
        seed: int = 0,
        epsilon: float | None = None,
        layer: int = 1,
        index: int = 1,
        max_parameters: int = MAX_PARAMETERS,
    ) -> None:
        nin = integer(nin, "Neuron", "nin (the number of inputs)")
        _check_budget(nin + 1, max_parameters, f"a neuron with {nin:,} inputs", "Neuron")
        self.nin = nin
        self.activation = _check_activation(activation)
        self.fused = flag(fused, "Neuron", "fused")
        bias = flag(bias, "Neuron", "bias")
        seed, epsilon = integer(seed, "Neuron", "seed", low=0), _epsilon(epsilon, "Neuron")
        layer, index = integer(layer, "Neuron", "layer"), integer(index, "Neuron", "index")
        bias_init = real(bias_init, "Neuron", "bias_init")
        if weights is None:
            row = uniform_matrix(1, nin, random.Random(seed), epsilon, max_entries=nin + 1)[0]
            bias_init, weights = row[0], row[1:]
        weights = _check_row(weights, nin, "Neuron", "weights")
        j, l = index, layer
        self.w = [Value(wi, label=f"w_{j},{i}^({l})") for i, wi in enumerate(weights, start=1)]
        self.b = Value(bias_init, label=f"b_{j}^({l})") if bias else None
        # Labels and the activation op are fixed per neuron: looked up once here, not per call.
        self._z_label = f"z_{j}^({l + 1})"
        self._a_label = f"a_{j}^({l + 1})"
        self._g = _ACTIVATION_OPS[activation]

    def forward(self, x: Sequence[Value | float]) -> tuple[Value, Value]:
        """(z, a) for one sample `x` of `nin` Values (or numbers)."""
        return self._forward(_as_values(x, self.nin, "Neuron"))

    def __call__(self, x: Sequence[Value | float]) -> Value:
        """a = g(b + Σᵢ wᵢxᵢ) for one sample."""
        return self._forward(_as_values(x, self.nin, "Neuron"))[1]

    def _forward(self, xs: list[Value]) -> tuple[Value, Value]:
        # xs: exactly nin Values, checked by the caller (a layer builds its fused z's together: Layer._pairs)
        if self.fused:
            z = weighted_sums((self.w,), (self.b,), xs, (self._z_label,))[0]
        else:
            z = self._elementary_z(xs)
        return self._activate(z)

    def _activate(self, z: Value) -> tuple[Value, Value]:
        """(z, a = g(z)), a labelled a_j^(l+1); with the linear activation a is z itself."""
        if self._g is None:
            return z, z
        a = self._g(z)
        a.label = self._a_label
        return z, a

    def _forward_constants(self, x: list[float]) -> tuple[Value, Value]:
        """(z, a) for inputs that are plain floats, constants rather than nodes.

        z = b + Σᵢ wᵢxᵢ is the same float as with input Values, and ∂z/∂wᵢ = xᵢ is stored as
        always, but z's parents are only (w₁…wₙ, b) — op "Σwc+b", c for constants — so backward
        spends nothing on ∂J/∂x, which training never reads. Fused neurons only (the caller checks).
        """
        return self._activate(weighted_sum_of_constants(self.w, x, self.b, self._z_label))

    def _elementary_z(self, x: Sequence[Value]) -> Value:
        """micrograd's graph: one `*` node per input and a chain of `+` nodes, b + w₁x₁ + w₂x₂ + …"""
        terms = [w * xi for w, xi in zip(self.w, x)]
        z = self.b if self.b is not None else terms.pop(0)
        for t in terms:
            z = z + t
        z.label = self._z_label  # never a leaf: nin ≥ 1, so z is at least one `*` or `+` node
        return z

    def named_parameters(self) -> list[tuple[str, Value]]:
        named = [(f"w.{i}", w) for i, w in enumerate(self.w)]
        if self.b is not None:
            named.append(("b", self.b))
        return named

    def parameters(self) -> list[Value]:
        if type(self).named_parameters is not Neuron.named_parameters:
            return super().parameters()  # a subclass names its own: those are its parameters
        return [*self.w, self.b] if self.b is not None else list(self.w)

    def __repr__(self) -> str:
        bias = "" if self.b is not None else ", no bias"
        fused = "" if self.fused else ", elementary"
        return f"Neuron({counted(self.nin, 'input')}, {self.activation}{bias}{fused})"


class Layer(Module):
    """`nout` neurons reading the same `nin` inputs: s_l inputs → s_{l+1} activations.

    `matrix` is the layer's Θ as rows [b, w₁, …, w_nin], one per neuron (see `nn.init`).
    """

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str = "sigmoid",
        bias: bool = True,
        fused: bool = True,
        *,
        matrix: Sequence[Sequence[float]] | None = None,
        seed: int = 0,
        epsilon: float | None = None,
        layer: int = 1,
        max_parameters: int = MAX_PARAMETERS,
    ) -> None:
        nin = integer(nin, "Layer", "nin (the number of inputs)")
        nout = integer(nout, "Layer", "nout (the number of neurons)")
        _check_budget(nout * (nin + 1), max_parameters, f"a layer of {nout:,} neurons with {nin:,} inputs", "Layer")
        seed, epsilon = integer(seed, "Layer", "seed", low=0), _epsilon(epsilon, "Layer")
        layer = integer(layer, "Layer", "layer")
        if matrix is None:
            matrix = uniform_matrix(nout, nin, random.Random(seed), epsilon, max_entries=nout * (nin + 1))
        if isinstance(matrix, _NOT_SAMPLES) or not hasattr(matrix, "__len__") or len(matrix) != nout:
            raise ValueError(f"layer {layer}: Θ must be a list of {nout} rows of {nin + 1} numbers (bias first)")
        matrix = [
            _check_row(row, nin + 1, "Layer", f"matrix[{j}] (layer {layer}'s Θ row {j})")
            for j, row in enumerate(matrix)
        ]
        self.nin, self.nout = nin, nout
        self.neurons = [
            Neuron(
                nin,
                activation,
                bias,
                fused,
                weights=row[1:],
                bias_init=row[0],
                layer=layer,
                index=j,
                max_parameters=nin + 1,
            )
            for j, row in enumerate(matrix, start=1)
        ]

    def __call__(self, x: Sequence[Value | float]) -> list[Value]:
        """The activations of the layer's neurons for one sample."""
        return self._call(_as_values(x, self.nin, "Layer"))

    def _call(self, xs: list[Value]) -> list[Value]:
        return self._pairs(xs)[1]

    def _pairs(self, xs: list[Value]) -> tuple[list[Value], list[Value]]:
        """(z's, a's) of the layer's neurons for xs, exactly nin Values (the hot path of every forward pass)."""
        neurons = self.neurons
        if not neurons[0].fused:
            pairs = [n._forward(xs) for n in neurons]
            return [z for z, _ in pairs], [a for _, a in pairs]
        # fused: the layer's z's in one call that reads the inputs once (see `autograd.weighted_sums`)
        zs = weighted_sums([n.w for n in neurons], [n.b for n in neurons], xs, [n._z_label for n in neurons])
        acts = []
        for z, n in zip(zs, neurons):  # Neuron._activate, inlined: one call less per neuron
            if n._g is None:
                acts.append(z)  # linear: a is the z node itself
            else:
                a = n._g(z)
                a.label = n._a_label
                acts.append(a)
        return zs, acts

    def forward(self, x: Sequence[Value | float]) -> tuple[list[Value], list[Value]]:
        """(z's, a's) of the layer's neurons for one sample."""
        return self._pairs(_as_values(x, self.nin, "Layer"))

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [(f"neurons.{j}.{name}", p) for j, n in enumerate(self.neurons) for name, p in n.named_parameters()]

    def parameters(self) -> list[Value]:
        if type(self).named_parameters is not Layer.named_parameters:
            return super().parameters()
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self) -> str:
        return f"Layer({self.nin} → {self.nout}, {self.neurons[0].activation})"


class Trace(NamedTuple):
    """The nodes of one forward pass, layer by layer.

    `z[l]` and `a[l]` belong to `mlp.layers[l]` (the course's layer l + 2). After `J.backward()`,
    `[z.grad for z in trace.z[l]]` are that layer's δ's, δ = ∂J/∂z. In a linear layer the a's
    are the z nodes themselves (a = z, no extra node).
    """

    inputs: list[Value]
    z: list[list[Value]]
    a: list[list[Value]]

    @property
    def output(self) -> list[Value]:
        return self.a[-1]

    def deltas(self) -> list[list[float]]:
        """δ^(l) = ∂J/∂z^(l) for every non-input layer (call after `backward()`)."""
        return [[z.grad for z in layer] for layer in self.z]

    def __repr__(self) -> str:
        sizes = [len(self.inputs)] + [len(a) for a in self.a]
        return f"Trace(sizes={sizes}, output={[round(a.data, 6) for a in self.output]})"


class MLP(Module):
    """A multilayer perceptron: `nin` inputs, then one layer per entry of `nouts`.

    >>> net = MLP(2, [2, 2], activation="sigmoid", bias=False, init="debug")
    >>> net
    MLP(2 → [2, 2], sigmoid, no bias, 8 parameters)

    activation: of the hidden layers ("sigmoid", "tanh", "relu", "linear"); output_activation:
    of the last layer, None for the same. init: "uniform" (in [−ε, ε], ε = √6/√(s_l + s_{l+1})
    unless `epsilon` is given, drawn from `random.Random(seed)`) or "debug" (the course's sin
    initialization). Calling the network on one sample returns the output layer's Values: a list
    of K, or the Value itself when K = 1 (as micrograd's MLP does).

    With the "linear" activation a = z, and no node is added for it: the neuron's a IS its z node
    (labelled z_j^(l)), so the graph has no identity nodes and `trace.a[l][j] is trace.z[l][j]`.
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str = "sigmoid",
        output_activation: str | None = None,
        bias: bool = True,
        fused: bool = True,
        init: str = "uniform",
        epsilon: float | None = None,
        seed: int = 0,
        max_parameters: int = MAX_PARAMETERS,
    ) -> None:
        nin = integer(nin, "MLP", "nin (the number of inputs)")
        if isinstance(nouts, (str, bytes, Integral)) or not isinstance(nouts, Iterable):
            raise ValueError(f"MLP: nouts must be a non-empty list of layer sizes, e.g. [4, 1], got {nouts!r:.60}")
        nouts = list(nouts)
        if not nouts:
            raise ValueError("MLP: nouts must be a non-empty list of layer sizes, e.g. [4, 1], got an empty one")
        nouts = [integer(n, "MLP", f"nouts[{k}] (a layer size)") for k, n in enumerate(nouts)]
        _check_activation(activation)
        if output_activation is not None:
            _check_activation(output_activation, "output_activation")
        if not isinstance(init, str) or init not in INITS:
            raise ValueError(f"unknown init {init!r}; valid names: {', '.join(INITS)}")
        bias, fused = flag(bias, "MLP", "bias"), flag(fused, "MLP", "fused")
        seed, epsilon = integer(seed, "MLP", "seed", low=0), _epsilon(epsilon, "MLP")
        sizes = [nin, *nouts]
        count = sum(s_out * (s_in + bias) for s_in, s_out in zip(sizes, sizes[1:]))
        _check_budget(count, max_parameters, f"MLP({nin}, {nouts})", "MLP")
        self.sizes = sizes
        self.activation = activation
        self.output_activation = output_activation or activation
        self.bias = bias
        self.fused = fused
        self.init = init
        rng = random.Random(seed)  # one stream, drawn layer by layer
        self.layers = []
        for l, (s_in, s_out) in enumerate(zip(self.sizes, self.sizes[1:]), start=1):
            last = l == len(nouts)
            entries = s_out * (s_in + 1)
            if init == "debug":
                matrix = debug_matrix(s_out, s_in, max_entries=entries)
            else:
                matrix = uniform_matrix(s_out, s_in, rng, epsilon, max_entries=entries)
            act = self.output_activation if last else activation
            self.layers.append(
                Layer(s_in, s_out, act, bias, fused, matrix=matrix, layer=l, max_parameters=s_out * (s_in + 1))
            )
        self._input_labels = [f"x_{i}" for i in range(1, nin + 1)]

    @property
    def nin(self) -> int:
        return self.sizes[0]

    def inputs(self, x: Sequence[float | Value]) -> list[Value]:
        """One sample as labelled input Values x_1 … x_n (Values are passed through)."""
        xs = _as_values(x, self.nin)
        for v, label in zip(xs, self._input_labels):
            if v.label is None:
                v.label = label
        return xs

    def __call__(self, x: Sequence[float | Value], *, constant_inputs: bool = False) -> Value | list[Value]:
        """The output layer's activations for one sample: the list of K Values, or with one output
        (K = 1) that Value itself, as micrograd's MLP returns it — so `model(x).data` works and
        `[model(x) for x in X]` is a list of Values, which every loss takes as one output per sample.
        (`trace(x).output` stays a list.)

        `constant_inputs=True` takes x as plain numbers that stay out of the graph: no x_i nodes,
        and the first layer's z nodes have only weights and biases as parents. The outputs and
        the parameters' grads are the same floats; backward just skips ∂J/∂x, which training
        never reads — about 40% of the edges of the 64-25-10 digits network.
        """
        if constant_inputs and self.fused:
            xs = _as_constants(x, self.nin)
            out = [n._forward_constants(xs)[1] for n in self.layers[0].neurons]
            rest = self.layers[1:]
        elif constant_inputs:  # elementary neurons multiply by constant leaves anyway
            out = self.inputs(_as_constants(x, self.nin))
            rest = self.layers
        else:
            out = self.inputs(x)
            rest = self.layers
        for layer in rest:
            out = layer._call(out)  # each layer's output has the next layer's width
        return out[0] if len(out) == 1 else out

    def trace(self, x: Sequence[float | Value]) -> Trace:
        """A forward pass that keeps every layer's z and a nodes (see `Trace`)."""
        inputs = self.inputs(x)
        zs, activations = [], []
        out = inputs
        for layer in self.layers:
            z, out = layer._pairs(out)
            zs.append(z)
            activations.append(out)
        return Trace(inputs, zs, activations)

    def weights(self) -> list[Value]:
        """The weights without the biases (what L2 regularization penalizes)."""
        return [w for layer in self.layers for n in layer.neurons for w in n.w]

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [
            (f"layers.{i}.{name}", p) for i, layer in enumerate(self.layers) for name, p in layer.named_parameters()
        ]

    def parameters(self) -> list[Value]:
        if type(self).named_parameters is not MLP.named_parameters:
            return super().parameters()
        return [p for layer in self.layers for p in layer.parameters()]

    def __iter__(self) -> Iterator[Layer]:
        return iter(self.layers)

    def __repr__(self) -> str:
        act = self.activation
        if self.output_activation != self.activation:
            act = f"{act} → {self.output_activation}"
        extras = ("" if self.bias else ", no bias") + ("" if self.fused else ", elementary")
        n = sum(len(layer.neurons) * (layer.nin + self.bias) for layer in self.layers)
        return f"MLP({self.sizes[0]} → {self.sizes[1:]}, {act}{extras}, {n} parameter{'' if n == 1 else 's'})"
