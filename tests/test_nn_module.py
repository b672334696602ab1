"""nn's modules: structure, labels, Jordan's counts, a forward pass and δ's by hand."""

from __future__ import annotations

import math
import random

import pytest

import nn
from autograd import Value, count_paths, numerical_grad, topological_order
from nn.init import debug_matrix, default_epsilon, uniform_matrix


def sig(t: float) -> float:
    return 1.0 / (1.0 + math.exp(-t))


# ---------------------------------------------------------------- initialization


def test_debug_matrix_is_the_courses_sin_init_column_by_column():
    assert debug_matrix(2, 1) == [
        [math.sin(1) / 10, math.sin(3) / 10],
        [math.sin(2) / 10, math.sin(4) / 10],
    ]
    m = debug_matrix(5, 3)
    assert len(m) == 5 and all(len(r) == 4 for r in m)
    assert m[4][3] == math.sin(20) / 10


def test_uniform_matrix_bounds_seed_and_default_epsilon():
    assert default_epsilon(400, 25) == pytest.approx(0.1188, abs=1e-4)  # the course's 0.12
    a = uniform_matrix(25, 400, random.Random(7))
    b = uniform_matrix(25, 400, random.Random(7))
    assert a == b and len(a) == 25 and len(a[0]) == 401
    eps = default_epsilon(400, 25)
    flat = [v for row in a for v in row]
    assert max(abs(v) for v in flat) <= eps and max(abs(v) for v in flat) > 0.9 * eps
    assert all(abs(v) <= 0.01 for row in uniform_matrix(3, 2, random.Random(0), epsilon=0.01) for v in row)
    with pytest.raises(ValueError, match=r"uniform_matrix: epsilon \(or None\) must be a finite real number > 0"):
        uniform_matrix(3, 2, random.Random(0), epsilon=0.0)
    with pytest.raises(ValueError, match="fan_in must be an integer ≥ 1"):
        uniform_matrix(3, 0, random.Random(0))


def test_mlp_initialization_is_seeded_and_uses_no_global_state():
    random.seed(123)
    a = [p.data for p in nn.MLP(3, [4, 2], seed=5).parameters()]
    random.seed(999)
    b = [p.data for p in nn.MLP(3, [4, 2], seed=5).parameters()]
    c = [p.data for p in nn.MLP(3, [4, 2], seed=6).parameters()]
    assert a == b and a != c
    eps = default_epsilon(3, 4)
    assert all(abs(p.data) <= eps for p in nn.MLP(3, [4, 2], seed=5).layers[0].parameters())


def test_debug_init_puts_row_j_into_neuron_j():
    net = nn.MLP(2, [3], init="debug")
    theta = debug_matrix(3, 2)
    for row, n in zip(theta, net.layers[0].neurons):
        assert n.b.data == row[0] and [w.data for w in n.w] == row[1:]


# ---------------------------------------------------------------- structure


def test_parameter_counts_shapes_and_names():
    net = nn.MLP(2, [16, 16, 1])
    assert len(net.parameters()) == (2 + 1) * 16 + (16 + 1) * 16 + (16 + 1) * 1 == 337
    assert [len(layer.neurons) for layer in net.layers] == [16, 16, 1]
    assert all(len(n.w) == 16 for n in net.layers[1].neurons)
    names = dict(nn.MLP(2, [2, 2]).named_parameters())
    assert "layers.1.neurons.0.w.1" in names and "layers.0.neurons.1.b" in names
    assert len(names) == 12
    net = nn.MLP(2, [2, 2])
    assert dict(net.named_parameters())["layers.1.neurons.0.w.1"] is net.layers[1].neurons[0].w[1]
    assert len(nn.MLP(2, [2, 2], bias=False).parameters()) == 8


def test_parameters_are_the_named_ones_in_their_order():
    # parameters() is written per class (no names built); it must list what named_parameters() lists
    for bias in (True, False):
        net = nn.MLP(3, [4, 2], bias=bias)
        for module in (net, net.layers[1], net.layers[0].neurons[2]):
            params = module.parameters()
            assert [id(p) for p in params] == [id(p) for _, p in module.named_parameters()]
            assert len(params) == len({id(p) for p in params}) == len(module.named_parameters())

    class Scaled(nn.MLP):  # a subclass that adds a parameter in named_parameters() alone
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.scale = Value(1.0)

        def named_parameters(self):
            return [*super().named_parameters(), ("scale", self.scale)]

    net = Scaled(2, [2, 1])
    assert len(net.parameters()) == 3 * 2 + 3 + 1 and net.parameters()[-1] is net.scale


def test_labels_read_like_the_course():
    net = nn.MLP(2, [2, 2], bias=True)
    assert net.layers[0].neurons[1].w[0].label == "w_2,1^(1)"  # to neuron 2, from neuron 1, Θ^(1)
    assert net.layers[1].neurons[0].b.label == "b_1^(2)"
    tr = net.trace([0.1, 0.2])
    assert [v.label for v in tr.inputs] == ["x_1", "x_2"]
    assert [z.label for z in tr.z[0]] == ["z_1^(2)", "z_2^(2)"]
    assert [a.label for a in tr.a[1]] == ["a_1^(3)", "a_2^(3)"]
    assert nn.mse([tr.output], [[0.0, 1.0]]).label == "J"


def test_reprs():
    assert repr(nn.MLP(2, [2, 2], bias=False)) == "MLP(2 → [2, 2], sigmoid, no bias, 8 parameters)"
    assert repr(nn.MLP(2, [16, 16, 1], "relu", "linear")) == "MLP(2 → [16, 16, 1], relu → linear, 337 parameters)"
    assert repr(nn.Neuron(3, "tanh")) == "Neuron(3 inputs, tanh)"
    assert repr(nn.MLP(1, [1], bias=False)) == "MLP(1 → [1], sigmoid, no bias, 1 parameter)"
    assert repr(nn.Layer(3, 2, "relu")) == "Layer(3 → 2, relu)"


def test_a_one_output_network_returns_the_value_itself_as_micrograds_does():
    net = nn.MLP(3, [4, 1])
    out = net([1.0, 2.0, 3.0])
    assert isinstance(out, Value) and out.label == "a_1^(3)"
    assert out.data == net.trace([1.0, 2.0, 3.0]).output[0].data
    assert net([1.0, 2.0, 3.0], constant_inputs=True).data == out.data
    two = nn.MLP(3, [4, 2])([1.0, 2.0, 3.0])
    assert isinstance(two, list) and len(two) == 2  # K > 1: the list of K Values
    # layers and traces stay lists: a layer of one neuron is still a layer
    assert isinstance(net.layers[1]([Value(1.0)] * 4), list) and isinstance(net.trace([1, 2, 3]).output, list)


def test_zero_grad():
    net = nn.MLP(2, [3, 1])
    J = nn.mse([net([1.0, -1.0])], [[0.5]])
    J.backward()
    assert any(p.grad != 0.0 for p in net.parameters())
    net.zero_grad()
    assert all(p.grad == 0.0 for p in net.parameters())


# ---------------------------------------------------------------- the counts of Jordan's post


def test_seed_001_counts_8_factors_for_1_1_1_and_52_for_2_2_2():
    net = nn.MLP(1, [1, 1], bias=False)
    J = nn.mse([net([1.5])], [[0.25]])
    assert count_paths(J, net.parameters()) == (2, 8)
    net = nn.MLP(2, [2, 2], bias=False)
    J = nn.mse([net([0.35, 0.9])], [[0.5, 0.1]])
    assert count_paths(J, net.parameters()) == (12, 52)


def test_fused_and_elementary_neurons_agree_exactly():
    x, y = [0.3, -1.2, 0.7], [[0.2, 0.9]]
    fused = nn.MLP(3, [4, 2], "tanh", seed=3)
    elem = nn.MLP(3, [4, 2], "tanh", fused=False, seed=3)
    Jf, Je = nn.mse([fused(x)], y), nn.mse([elem(x)], y)
    Jf.backward()
    Je.backward()
    assert Jf.data == Je.data
    assert [p.grad for p in fused.parameters()] == pytest.approx(
        [p.grad for p in elem.parameters()], rel=1e-14, abs=1e-17
    )
    # fused: 26 parameters + 3 inputs + 6 z + 6 a + J = 42 nodes; elementary: each of the 20
    # weights adds a * node and a + node, and the last + of each neuron is its z (−6)
    assert len(topological_order(Jf)) == 42
    assert len(topological_order(Je)) == 42 + 2 * 20 - 6
    assert elem.trace(x).z[0][0].label == "z_1^(2)" and elem.trace(x).z[0][0].op == "+"


# ---------------------------------------------------------------- numbers by hand


def test_forward_pass_by_hand_and_one_sgd_step():
    # 2 inputs → 1 sigmoid neuron with bias; J = ½(a − y)²
    n = nn.Neuron(2, "sigmoid", weights=[0.5, -0.25], bias_init=0.1)
    x, y = [2.0, 4.0], 1.0
    a = n(x)
    z = 0.1 + 0.5 * 2.0 + -0.25 * 4.0  # = 0.1
    assert a.data == pytest.approx(sig(z), rel=1e-15)
    J = nn.mse([[a]], [[y]])
    assert J.data == pytest.approx(0.5 * (sig(z) - y) ** 2, rel=1e-15)
    J.backward()
    delta = (sig(z) - y) * sig(z) * (1 - sig(z))  # ∂J/∂z
    assert n.b.grad == pytest.approx(delta, rel=1e-14)
    assert [w.grad for w in n.w] == pytest.approx([delta * 2.0, delta * 4.0], rel=1e-14)
    opt = nn.SGD(n.parameters(), lr=0.5)
    opt.step()
    assert [w.data for w in n.w] == pytest.approx([0.5 - 0.5 * delta * 2.0, -0.25 - 0.5 * delta * 4.0], rel=1e-14)
    assert n.b.data == pytest.approx(0.1 - 0.5 * delta, rel=1e-14)


def test_deltas_of_the_trace_are_the_z_grads_and_match_the_hand_formula():
    net = nn.MLP(2, [2, 2], bias=False, init="debug")
    x, y = [0.35, 0.9], [0.5, 0.1]
    tr = net.trace(x)
    J = nn.mse([tr.output], [y])
    J.backward()
    W1 = [[w.data for w in n.w] for n in net.layers[0].neurons]
    W2 = [[w.data for w in n.w] for n in net.layers[1].neurons]
    a2 = [sig(sum(W1[j][i] * x[i] for i in range(2))) for j in range(2)]
    a3 = [sig(sum(W2[k][j] * a2[j] for j in range(2))) for k in range(2)]
    d3 = [(a3[k] - y[k]) * a3[k] * (1 - a3[k]) for k in range(2)]
    d2 = [sum(W2[k][j] * d3[k] for k in range(2)) * a2[j] * (1 - a2[j]) for j in range(2)]
    assert tr.deltas() == [pytest.approx(d2, rel=1e-13), pytest.approx(d3, rel=1e-13)]
    assert [z.grad for z in tr.z[1]] == tr.deltas()[1]
    # ∂J/∂θ_jk^(2) = δ_j^(3) a_k^(2) (Jordan's post)
    for j in range(2):
        for k in range(2):
            assert net.layers[1].neurons[j].w[k].grad == pytest.approx(d3[j] * a2[k], rel=1e-13)


def test_deltas_match_central_differences_through_the_biases():
    # ∂z_j/∂b_j = 1 and b_j feeds nothing else, so ∂J/∂b_j = δ_j: nudging a bias nudges its z alone.
    net = nn.MLP(3, [4, 3, 2], "tanh", output_activation="sigmoid", seed=5)
    X, Y = [[0.4, -1.0, 0.8], [0.1, 0.5, -0.3]], [[1, 0], [0, 1]]
    traces = [net.trace(x) for x in X]
    J = nn.cross_entropy([t.output for t in traces], Y)
    J.backward()
    for l, layer in enumerate(net.layers):
        biases = [n.b for n in layer.neurons]
        # ε = 1e-5: at 1e-6 the rounding of J (~1e-16/ε) already reaches the 1e-10 compared here
        num = numerical_grad(lambda: nn.cross_entropy([net(x) for x in X], Y), biases, eps=1e-5)
        # summed over the m samples: each sample's trace has its own z nodes
        deltas = [sum(t.deltas()[l][j] for t in traces) for j in range(len(biases))]
        assert deltas == pytest.approx(num, rel=1e-7, abs=1e-10)
        assert [b.grad for b in biases] == pytest.approx(deltas, rel=1e-14)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "linear"])
def test_network_grads_against_central_differences(activation):
    net = nn.MLP(3, [4, 3, 2], activation, seed=11)
    X = [[0.3, -0.8, 0.5], [1.1, 0.2, -0.4], [-0.6, 0.9, 0.05]]
    Y = [[0.1, 0.7], [0.4, 0.2], [0.9, 0.5]]
    loss = lambda: nn.mse([net(x) for x in X], Y) + nn.l2(net, 0.3, len(X))
    J = loss()
    J.backward()
    num = numerical_grad(loss, net.parameters())
    for p, g in zip(net.parameters(), num):
        assert p.grad == pytest.approx(g, rel=1e-6, abs=1e-9)


def test_linear_activation_makes_a_the_z_node():
    tr = nn.MLP(2, [1], "linear").trace([1.0, 2.0])
    assert tr.a[0][0] is tr.z[0][0]


# ---------------------------------------------------------------- bad input


def test_bad_input():
    net = nn.MLP(2, [3, 1])
    with pytest.raises(ValueError, match="expected 2 inputs, got 3"):
        net([1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="a sample must be a sequence of 2 numbers"):
        net(1.0)
    with pytest.raises(TypeError, match="a sample must hold numbers, but its entry 0 is str: 'a'"):
        net(["a", 1.0])
    with pytest.raises(ValueError, match="unknown activation 'softplus'; valid names: sigmoid, tanh, relu, linear"):
        nn.MLP(2, [1], "softplus")
    with pytest.raises(ValueError, match="unknown output_activation 'soft'"):
        nn.MLP(2, [1], output_activation="soft")
    with pytest.raises(ValueError, match="MLP: nin .* must be an integer ≥ 1, got 0"):
        nn.MLP(0, [1])
    with pytest.raises(ValueError, match=r"MLP: nouts\[1\] \(a layer size\) must be an integer ≥ 1, got 0"):
        nn.MLP(2, [3, 0])
    with pytest.raises(ValueError, match="nouts must be a non-empty list"):
        nn.MLP(2, [])
    with pytest.raises(ValueError, match="unknown init 'zeros'; valid names: uniform, debug"):
        nn.MLP(2, [1], init="zeros")
    with pytest.raises(ValueError, match="Neuron: weights: expected 3 numbers, got 2"):
        nn.Neuron(3, weights=[1.0, 2.0])
    with pytest.raises(ValueError, match="expected 3 inputs, got 1"):
        nn.Neuron(3)([1.0])


# ---------------------------------------------------------------- the package


def test_import_nn_is_light_and_the_numpy_parts_load_on_first_use():
    import subprocess
    import sys

    code = (
        "import sys, nn\n"
        "heavy = [m for m in ('numpy', 'matplotlib', 'tqdm', 'nn.matrix', 'nn.crosscheck') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "from nn import thetas_from_mlp, matrix\n"
        "import nn.convert\n"
        "assert thetas_from_mlp is nn.convert.thetas_from_mlp and nn.matrix is matrix\n"
        "assert nn.data.moons(4, seed=0)[0].shape == (4, 2)\n"
        "assert set(nn.__all__) <= set(dir(nn))\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    with pytest.raises(AttributeError, match="module 'nn' has no attribute 'nope'"):
        nn.nope  # noqa: B018
