"""Stale graphs: backward() on a graph built before its parameters changed is refused, saying what to do.

The classic mistake is `forward; optimizer.step(); backward`: without the check it returns the
gradients of the old point. The right order is checked to give the same numbers as before.
"""

from __future__ import annotations

import json

import pytest

import nn
from autograd import StaleGraphError, Value, guards, mark_changed

X = [[0.5, -0.2], [0.1, 0.9]]
Y = [[1.0], [0.0]]


def loss(model):
    return nn.mse([model(x) for x in X], Y)


@pytest.fixture(autouse=True)
def no_pending_reports():
    guards.guard.changed.clear()
    yield
    guards.guard.changed.clear()


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: nn.SGD(ps, lr=0.5),
        lambda ps: nn.SGD(ps, lr=0.5, momentum=0.9),
        lambda ps: nn.Adam(ps, lr=0.1),
    ],
    ids=["SGD", "momentum", "Adam"],
)
@pytest.mark.parametrize("fused", [True, False], ids=["fused", "elementary"])
def test_step_between_forward_and_backward_is_refused(make, fused):
    model = nn.MLP(2, [3, 1], seed=0, fused=fused)
    opt = make(model.parameters())
    J = loss(model)
    J.backward()
    opt.step()
    grads = [p.grad for p in model.parameters()]
    with pytest.raises(StaleGraphError) as caught:
        J.backward()  # the graph of the old weights
    message = str(caught.value)
    name = type(opt).__name__
    assert "this graph was built before 'w_" in message and f"({name}.step() set it to" in message
    assert "run the forward pass and the loss after the step" in message
    assert [p.grad for p in model.parameters()] == grads  # refused before touching a grad


def test_a_one_layer_network_on_constant_inputs_is_checked_too():
    # its only z nodes are "Σwc+b" (weights times plain numbers): they keep no weight's data as a
    # local derivative, but their value, which the stepped weights no longer give
    model = nn.MLP(2, [1], seed=0)
    opt = nn.SGD(model.parameters(), lr=0.5)
    J = nn.mse([model([0.5, 0.2], constant_inputs=True)], [[1.0]])
    J.backward()
    opt.step()
    with pytest.raises(StaleGraphError, match=r"the graph's 'Σwc\+b' node 'z_1\^\(2\)' holds .*, computed before"):
        J.backward()
    J = nn.mse([model([0.5, 0.2], constant_inputs=True)], [[1.0]])
    opt.zero_grad()
    J.backward()  # rebuilt after the step: fine


def test_the_right_order_works_and_gives_the_gradients_of_the_new_point():
    model = nn.MLP(2, [3, 1], seed=0)
    twin = nn.MLP(2, [3, 1], seed=0)
    opt = nn.SGD(model.parameters(), lr=0.5)
    for _ in range(3):  # forward → backward → step, three times
        J = loss(model)
        opt.zero_grad()
        J.backward()
        opt.step()
    J = loss(model)
    opt.zero_grad()
    J.backward()
    # the reference: a fresh model given the stepped weights, never stepped itself
    for p, q in zip(twin.parameters(), model.parameters()):
        p.data = q.data
    Jt = loss(twin)
    Jt.backward()
    assert [p.grad for p in model.parameters()] == [p.grad for p in twin.parameters()]
    assert guards.guard.changed == {}  # the fresh backward answered the report


def test_load_weights_after_the_graph_was_built_is_refused(tmp_path):
    model = nn.MLP(2, [3, 1], seed=0)
    path = nn.save(nn.MLP(2, [3, 1], seed=5), tmp_path / "w.json")
    J = loss(model)
    nn.load_weights(model, path)
    with pytest.raises(StaleGraphError, match=r"nn.load_weights\('.*w.json'\) set it to"):
        J.backward()
    loss(model).backward()  # rebuilt: fine


def test_a_step_that_changes_nothing_leaves_the_graph_valid():
    model = nn.MLP(2, [3, 1], seed=0)
    opt = nn.SGD(model.parameters(), lr=0.5)
    J = loss(model)
    opt.zero_grad()
    opt.step()  # all grads are 0: no weight moves, so the graph still describes the model
    J.backward()


def test_another_models_step_neither_blocks_nor_forgets():
    a, b = nn.MLP(2, [3, 1], seed=0), nn.MLP(2, [3, 1], seed=1)
    Ja = loss(a)
    Ja.backward()
    nn.SGD(a.parameters(), lr=0.5).step()
    loss(b).backward()  # b's graph does not use a's parameters: no error
    with pytest.raises(StaleGraphError):
        Ja.backward()  # and a's stale graph is still caught


def test_a_custom_optimizer_reports_with_mark_changed():
    w = Value(2.0, label="w")
    y = w * 3.0
    w.data -= 0.1 * 3.0
    mark_changed([w], "my_step()")
    with pytest.raises(StaleGraphError, match=r"before 'w' changed \(my_step\(\) set it to 1.7; .*used 2.0\)"):
        y.backward()
    y = w * 3.0
    y.backward()
    assert w.grad == 3.0


def test_mark_changed_checks_its_arguments():
    with pytest.raises(TypeError, match="values must be Values, got float"):
        mark_changed([1.0])
    with pytest.raises(TypeError, match="values must be an iterable of Values, got Value"):
        mark_changed(Value(1.0))


def test_reports_nobody_answers_are_bounded():
    for seed in range(40):  # forty models trained and dropped, never backpropagated again
        m = nn.MLP(2, [1], seed=seed)
        nn.SGD(m.parameters(), lr=0.1).step()
    assert len(guards.guard.changed) <= guards.MAX_REPORTS


def test_fit_and_a_saved_file_are_unaffected(tmp_path):
    Xm, ym = nn.data.moons(20, seed=0)
    model = nn.MLP(2, [4, 1], output_activation="sigmoid", seed=0)
    history = nn.fit(model, Xm, ym, loss="cross_entropy", optimizer=nn.Adam(model.parameters(), lr=0.05), epochs=5)
    assert len(history) == 5
    doc = json.loads(nn.save(model, tmp_path / "m.json").read_text())
    assert doc["version"] == 2 and doc["model"] == "mlp"


def test_what_the_check_does_not_read():
    # documented limit: a parameter that enters only through + (no node records its data) is not checked
    b = Value(1.0, label="b")
    y = b + 2.0
    b.data = 5.0
    mark_changed([b], "by hand")
    y.backward()  # the gradient of b + 2 does not depend on b, but nothing here could tell anyway
    assert b.grad == 1.0
