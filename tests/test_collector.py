"""The collector's policy (autograd/collector.py): full collections wait while a graph is alive, and yet
a user's dropped cycles are collected — by the time backward() returns, or when no graph is alive."""

from __future__ import annotations

import gc
import subprocess
import sys
import weakref

import pytest

from autograd import Value, collector, topological_order


@pytest.fixture(autouse=True)
def policy_on():
    enabled, thresholds = collector.enabled, gc.get_threshold()
    collector.enabled = True
    gc.enable()
    yield
    collector.enabled = enabled
    gc.set_threshold(*thresholds)


class Cycle:
    """An object in a reference cycle with itself: only the cyclic collector can free it."""

    def __init__(self) -> None:
        self.me = self


def forward(xs: list[Value], n: int, drop_cycle_at: int | None = None, flag: list | None = None) -> Value:
    """A chain of n multiply-adds; at step `drop_cycle_at` a Cycle is made and dropped (its weakref
    callback appends to `flag` when the collector frees it)."""
    s = xs[0]
    for i in range(n):
        if i == drop_cycle_at:
            c = Cycle()
            weakref.finalize(c, flag.append, "collected")
            del c
        s = s * 0.999 + xs[(i + 1) % len(xs)]
    return s


def warm_up(xs: list[Value]) -> None:
    """One training step's backward on a large graph: the policy arms for the graphs that follow."""
    forward(xs, collector.LARGE).backward()


def test_a_cycle_dropped_during_the_forward_pass_is_collected_when_backward_returns():
    xs = [Value(0.1 * i) for i in range(10)]
    flag: list[str] = []
    warm_up(xs)
    before = collector.state()["graphs_alive"]  # (graphs other tests keep alive)
    loss = forward(xs, 20_000, drop_cycle_at=10, flag=flag)  # 40,000 nodes made after the cycle was dropped
    assert collector.state()["holding"], "a graph is alive: the policy holds the full collections"
    assert gc.get_threshold()[2] > 10**9
    loss.backward()
    assert flag == ["collected"]
    del loss
    assert collector.state()["graphs_alive"] == before


def test_a_cycle_dropped_just_before_backward_is_collected_when_it_returns():
    xs = [Value(0.1 * i) for i in range(10)]
    flag: list[str] = []
    warm_up(xs)
    loss = forward(xs, 5_000, drop_cycle_at=4_999, flag=flag)
    assert collector.state()["holding"]
    loss.backward()
    assert flag == ["collected"]


def test_while_a_graph_is_alive_only_young_collections_run_and_backward_ends_with_one():
    xs = [Value(0.1 * i) for i in range(10)]
    flag: list[str] = []
    gc.set_threshold(700, 10, 10)  # Python's default
    warm_up(xs)
    with collector.measure() as m:
        loss = forward(xs, 20_000, drop_cycle_at=3, flag=flag)  # ~80,000 objects: ~100 young passes
        assert collector.state()["holding"]
        assert gc.get_threshold() == (700, 2**31 - 1, 2**31 - 1)
        young = m.collections[0]
        loss.backward()
    assert young >= 50, "young collections run at Python's threshold while the graph is built"
    assert m.collections[1:] == [0, 0], "generations 1 and 2 wait while the graph is alive"
    assert m.collections[0] == young + 1  # backward()'s own
    assert flag == ["collected"]


def test_a_cycle_that_outlived_a_young_collection_waits_at_most_hold_steps(monkeypatch):
    monkeypatch.setattr(collector, "HOLD", 4)
    xs = [Value(0.1 * i) for i in range(10)]
    flag: list[str] = []
    warm_up(xs)
    c = Cycle()
    weakref.finalize(c, flag.append, "collected")
    loss = forward(xs, 5_000)  # young collections run while c is alive: c leaves the young generation
    del c
    loss.backward()
    steps = 1
    while not flag and steps < 10:
        loss = forward(xs, 2_000)
        loss.backward()
        steps += 1
    assert flag == ["collected"] and steps <= collector.HOLD


def test_a_full_collection_of_yours_restarts_the_count_to_hold(monkeypatch):
    # HOLD counts backward() calls since the last full collection, whoever ran it: a user's gc.collect()
    # (or a benchmark's) is not followed by a second one a few steps later
    monkeypatch.setattr(collector, "HOLD", 5)
    xs = [Value(0.1 * i) for i in range(10)]
    warm_up(xs)

    def step():
        loss = forward(xs, collector.LARGE)
        loss.backward()

    gc.collect()
    for _ in range(3):
        step()
    with collector.measure() as m:
        gc.collect()  # yours: the count starts again
        for _ in range(4):
            step()
    assert m.collections[2] == 1, "yours alone: the 4 steps after it are not the HOLD-th"
    with collector.measure() as m:
        step()
    assert m.collections[2] == 1, "the HOLD-th backward() since yours ends with a full collection"


def test_a_long_lived_cycle_is_collected_when_no_graph_is_alive_or_after_hold_passes(monkeypatch):
    xs = [Value(0.1 * i) for i in range(10)]
    flag: list[str] = []
    c = Cycle()
    weakref.finalize(c, flag.append, "collected")
    gc.collect()  # c is now in the oldest generation, where only a full collection looks
    keep = forward(xs, collector.LARGE)  # a graph that stays alive for good (as a list of old losses would)
    keep.backward()
    del c
    monkeypatch.setattr(collector, "HOLD", 3)  # a full collection every 3 backward() calls
    for _ in range(50):  # training goes on: a graph per step, each dropped
        loss = forward(xs, 2_000)
        loss.backward()
        del loss
        if flag:
            break
    assert flag == ["collected"]
    assert collector.state()["holding"]  # `keep` armed it and is alive: it holds again after letting one through


def test_the_policy_lets_go_when_training_stops_and_its_last_graph_stays_alive(monkeypatch):
    gc.set_threshold(700, 10, 10)
    xs = [Value(0.1 * i) for i in range(10)]
    flag: list[str] = []
    warm_up(xs)
    monkeypatch.setattr(collector, "IDLE", 5)
    loss = forward(xs, 2_000)
    loss.backward()  # the last step of training: its graph stays alive (as a notebook keeps `loss`)
    assert collector.state()["holding"]
    limit = collector.IDLE + 6 * len(topological_order(loss)) // 700  # and the young passes a step needs
    c = Cycle()
    weakref.finalize(c, flag.append, "collected")
    junk: list[list] = []  # other work, kept (a young collection counts objects made and not yet freed)
    collections = 0
    while collector.state()["holding"] and collections < 1_000:  # in small pieces
        before = gc.get_count()[0]
        junk.extend([] for _ in range(100))
        collections += gc.get_count()[0] < before  # a young collection ran (c, alive, left generation 0)
    assert not collector.state()["holding"] and gc.get_threshold() == (700, 10, 10)
    assert collections == limit
    del c  # before the next collection, which Python's schedule makes one of generation 1
    junk.extend([] for _ in range(2_000))
    assert flag == ["collected"]
    assert loss.data == loss.data  # the graph was alive throughout
    del loss


def test_a_steps_own_forward_pass_does_not_count_as_idle(monkeypatch):
    monkeypatch.setattr(collector, "IDLE", 0)  # no slack at all: only the young passes a step needs
    gc.set_threshold(700, 10, 10)
    xs = [Value(0.1 * i) for i in range(10)]
    forward(xs, 20_000).backward()  # a step of ~40,000 nodes: the next one arms the policy
    flag: list[str] = []
    loss = forward(xs, 20_000, drop_cycle_at=19_990, flag=flag)  # ~170 young passes
    assert collector.state()["holding"], "a step as large as the last one let go during its forward pass"
    with collector.measure() as m:
        loss.backward()
    assert flag == ["collected"] and m.collections == [1, 0, 0]


def test_the_users_own_thresholds_set_while_the_policy_holds_are_kept():
    gc.set_threshold(700, 10, 10)
    xs = [Value(0.5), Value(0.25)]
    warm_up(xs)
    loss = forward(xs, 2_000)
    assert collector.state()["holding"]
    gc.set_threshold(5_000, 20, 20)  # the user's, while a graph lives
    del loss
    assert collector.state()["graphs_alive"] == 0 and not collector.state()["holding"]
    assert gc.get_threshold() == (5_000, 20, 20)


PILE_UP = """
import weakref
from autograd import Value, collector

collector.HOLD = 10_000  # the memory trigger alone


class Holder:  # a user's object in a cycle with itself that keeps a step's graph alive (activations kept)
    def __init__(self, graph):
        self.me, self.graph = self, graph


xs = [Value(0.1 * i) for i in range(10)]
alive, most = [], 0
for step in range(30):
    loss = xs[0]
    for i in range(3_000):
        loss = loss * 0.999 + xs[(i + 1) % 10]
    h = Holder(loss)  # made during the step, kept through backward()
    alive.append(step)
    weakref.finalize(h, alive.remove, step)
    loss.backward()
    del h, loss  # the step is over: the cycle holds its ~6,000-node graph
    most = max(most, len(alive))
print(most)
"""


def test_cycles_that_keep_each_steps_graph_alive_do_not_pile_up():
    # In a script of its own: the memory trigger fires when Python's allocated blocks grew by a
    # quarter (and by twice the graph), so how many graphs pile up depends on the process's size —
    # a user's training script, not a test process that earlier tests made large.
    done = subprocess.run([sys.executable, "-c", PILE_UP], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    most = int(done.stdout)
    assert 2 <= most <= 8, f"{most} steps' graphs alive at once: the memory trigger did not run"


def test_a_step_whose_graph_dies_with_it_still_gets_a_full_collection_every_hold_steps(monkeypatch):
    monkeypatch.setattr(collector, "HOLD", 5)
    xs = [Value(0.1 * i) for i in range(10)]
    flag: list[str] = []

    def step(k: int) -> float:  # as a training step written as a function: its graph dies at return
        loss = forward(xs, 2_000)
        if k == 1:
            c = Cycle()
            weakref.finalize(c, flag.append, "collected")
            junk = [[] for _ in range(3_000)]  # young collections while c lives: it leaves generation 0
            del c, junk
        loss.backward()
        return loss.data

    step(0)  # a large backward(): from here on each step's graph is armed, and lets go when it dies
    for k in range(1, 20):
        step(k)
        if flag:
            break
    assert flag == ["collected"] and k <= 1 + collector.HOLD


def test_a_short_lived_first_node_passes_the_arming_on_to_the_graph(monkeypatch):
    xs = [Value(0.1 * i) for i in range(10)]
    flag: list[str] = []
    warm_up(xs)
    assert (xs[0] * 1.0).data == 0.0  # a temporary: the first node after backward(), gone at once
    loss = forward(xs, 5_000, drop_cycle_at=10, flag=flag)
    assert collector.state()["holding"], "the graph that followed the temporary was not armed"
    loss.backward()
    assert flag == ["collected"]


def test_the_users_thresholds_are_restored_and_the_policy_can_be_switched_off():
    gc.set_threshold(1000, 20, 30)
    xs = [Value(0.5), Value(0.25)]
    warm_up(xs)
    loss = forward(xs, 5_000)
    loss.backward()
    assert gc.get_threshold()[0] == 1000  # young collections at the user's threshold; the others wait
    del loss
    if collector.state()["graphs_alive"] == 0:
        assert gc.get_threshold() == (1000, 20, 30)
    collector.enabled = False
    held = collector.state()["holding"]
    loss = forward(xs, 5_000)
    loss.backward()
    del loss
    assert collector.state()["holding"] == held  # switched off: the policy arms nothing new


def test_the_policy_stays_out_when_the_collector_is_disabled():
    gc.disable()
    try:
        xs = [Value(0.5), Value(0.25)]
        before = collector.state()
        loss = forward(xs, 5_000)
        loss.backward()
        assert collector.state()["graphs_alive"] == before["graphs_alive"]  # nothing armed
        assert gc.get_threshold() == before["thresholds"]
    finally:
        gc.enable()


def test_measure_counts_the_collections_of_a_block():
    xs = [Value(0.5), Value(0.25)]
    warm_up(xs)
    with collector.measure() as m:
        loss = forward(xs, 10_000)
        loss.backward()
    assert m.collections[0] >= 1 and m.collections[1:] == [0, 0]  # young collections only (backward()'s too)
    assert 0.0 < m.seconds < m.elapsed and 0.0 < m.share < 1.0
    assert str(m).startswith("collector: ") and "generation 0: " in str(m)
