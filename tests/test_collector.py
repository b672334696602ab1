"""The collector's policy (autograd/collector.py): full collections wait while a graph is alive, and yet
a user's dropped cycles are collected — by the time backward() returns, or when no graph is alive."""

from __future__ import annotations

import gc
import weakref

import pytest

from autograd import Value, collector


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


def test_a_small_steps_young_passes_wait_and_its_dropped_cycles_are_still_collected():
    xs = [Value(0.1 * i) for i in range(10)]
    flag: list[str] = []
    warm_up(xs)  # ~3,000 nodes: the next step's ~10,000 objects are scanned once, at its end
    loss = forward(xs, collector.LARGE, drop_cycle_at=3, flag=flag)
    assert collector.state()["holding"] and gc.get_threshold()[0] > 5_000
    with collector.measure() as m:
        loss.backward()
    assert flag == ["collected"] and m.collections == [0, 1, 0]  # one young collection: backward()'s own


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


def test_the_users_thresholds_are_restored_and_the_policy_can_be_switched_off():
    gc.set_threshold(1000, 20, 30)
    xs = [Value(0.5), Value(0.25)]
    warm_up(xs)
    loss = forward(xs, 5_000)
    loss.backward()
    assert gc.get_threshold()[1] == 20  # generation 1 as the user set it (generation 0 may wait for the step)
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
    assert m.collections[1] >= 1 and m.collections[2] == 0  # backward()'s young collection, no full one
    assert 0.0 < m.seconds < m.elapsed and 0.0 < m.share < 1.0
    assert str(m).startswith("collector: ") and "generation 0: " in str(m)
