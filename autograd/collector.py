"""Python's cyclic garbage collector while the engine's graphs are alive: what it costs, and the policy.

Why: a graph of Values holds no reference cycle — reference counting frees each node the moment the
last reference to it goes — but every node, and its tuple of parents, is an object the cyclic
collector tracks. Its full collections scan every tracked object alive, and a training step keeps its
whole graph alive while it runs (~10⁵ nodes for microgpt's step): most of such a step's time can go to
scanning nodes that can never be garbage. `make bench` measures what the collector takes of a step.

The policy (on by default; set `collector.enabled = False` to leave the collector to Python):

- **A user's own loop** (forward, `backward()`, step): after a `backward()` through a large graph (at
  least `LARGE` nodes), the next graph's first node arms the policy (a temporary made first and gone
  before the next `backward()` passes the arming on to the next node, up to `REARM` times). While a
  graph it armed is alive, only young collections (generation 0) run, at Python's threshold: each
  new object is scanned once, while it is still in the cache, and none is scanned again by the
  middle and full collections, which wait. Every `backward()` ends with a young collection, so a
  cycle the user made and dropped during the forward pass is collected by the time `backward()`
  returns; every `HOLD`-th one, and one that finds memory grown (see `HOLD`), with a full
  collection. When no armed graph is alive any more (the first node of each carries a weak
  reference), Python's thresholds are back, and with them its own schedule of collections; also
  when young collections go on without a `backward()` well past what a step needs (`IDLE`:
  training stopped, its last graph still alive), until the next large `backward()` arms it again.
- **nn's own loops** (`nn.fit`, `nn.digits.train_scalar`) run inside `loop()`: the collector pauses for
  the loop, whose graphs reference counting frees batch by batch, and one collection when the loop
  ends collects the cycles made and dropped during it.

The policy stays out when the collector is disabled (`gc.disable()`), and it is process-wide, like
the thresholds it sets (and restores). `measure()` tells the collector's share of a piece of code.

What it is not: a change to Python's collector, nor a promise about a cycle that was alive through
a young collection and dropped later: that one has left the young generation and waits for the next
full collection (at most `HOLD` steps; sooner when what it holds makes memory grow; or Python's
schedule once no graph lives).
"""

from __future__ import annotations

import gc
import sys
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from .guards import on_next_node

__all__ = ["enabled", "LARGE", "HOLD", "IDLE", "REARM", "loop", "measure", "Measurement", "state"]

enabled = True
"""Whether the engine manages the collector (see the module doc)."""

LARGE = 1000
"""A backward() through at least this many nodes arms the policy for the next graph (one weak
reference per graph, ~1 µs); below it the collector's scans cost next to nothing."""

HOLD = 50
"""While the policy holds, the HOLD-th backward() since the last full collection (the policy's, or
any other: a `gc.collect()` of yours restarts the count) ends with a full collection instead of a
young one: old cycles in a program that keeps its graphs alive for good are still collected. Sooner when
memory grows: a backward() that finds Python's allocated blocks grown since the last full
collection by more than a quarter, and by more than twice its graph (~5 blocks per node), ends
with a full one too (a cycle that keeps each step's graph alive is then freed within a few steps)."""

IDLE = 10_000
"""While the policy holds, this many young collections without a backward() — beyond those the last
step's forward pass needed (twice its graph's objects, ~3 per node, over the young threshold) —
give Python its thresholds back: training has stopped and its last loss is still alive (in a
notebook, say), and the older generations are collected on Python's schedule again. (A young
collection comes every ~700 tracked objects made and not yet freed.)"""

REARM = 8
"""A graph's first node that is gone before the next backward() (a temporary) passes the arming on
to the next node made, at most this many times per step."""

_WAIT = 2**31 - 1  # a threshold never reached: that generation's collection waits
_live = 0  # armed graphs alive (their first nodes' weak references)
_saved: tuple[int, int, int] | None = None  # Python's thresholds, while the policy holds
_passes = 0  # backward() calls the policy held for since its last full collection (a step whose graph
# dies with it lets go and arms again each step: the count goes on across those)
_idle = 0  # young collections since the last backward(), while the policy holds
_idle_limit = IDLE  # IDLE, plus the young collections the last step's forward pass needed
_blocks = 0  # sys.getallocatedblocks() after the last full collection the policy ran (0: none yet)
_rearm = 0  # how many more short-lived first nodes may pass the arming on (see _disarm)
_loops = 0  # loop() blocks open
_backwards = 0  # backward() calls so far
_measuring: list[Measurement] = []  # the open measure() blocks


def _arm(node) -> None:
    """The first node of a graph after a large backward(): only young collections while it lives."""
    global _live, _saved
    if not enabled or not gc.isenabled():
        return
    weakref.finalize(node, _disarm, _backwards)
    if _saved is None:
        _saved = gc.get_threshold()
    gc.set_threshold(_saved[0], _WAIT, _WAIT)  # young collections only: the others wait
    _live += 1


def _disarm(armed_at: int) -> None:
    """An armed graph's first node is gone. When it was the last, Python's thresholds are back (a
    full collection that waited runs when Python's own schedule calls for it; if training goes on,
    the next graph arms the policy again first). A node gone before any backward() was a temporary
    (`(w * 1.0).data` before the forward pass): the next node made is armed instead, up to REARM
    times per step."""
    global _live, _rearm
    _live = max(0, _live - 1)
    if armed_at == _backwards and _rearm > 0 and enabled:
        _rearm -= 1
        on_next_node(_arm)
    if _live == 0:
        _release()


def _release() -> None:
    """Stop holding: Python's thresholds are back (unless the user set others meanwhile: theirs stay)."""
    global _saved
    if _saved is not None:
        if gc.get_threshold() == (_saved[0], _WAIT, _WAIT):
            gc.set_threshold(*_saved)
        _saved = None


def backward_done(order: list) -> None:
    """`backward()`'s last step: while the policy holds, a young collection (the cycles dropped since
    the last one); after a large graph, arm for the next one."""
    global _passes, _idle, _idle_limit, _blocks, _backwards, _rearm
    _backwards += 1
    if _saved is not None and gc.isenabled():
        _passes += 1
        blocks = sys.getallocatedblocks()
        if not _blocks:
            _blocks = blocks  # the first backward() the policy holds for: the baseline
        if _passes >= HOLD or blocks - _blocks > max(_blocks // 4, 10 * len(order)):
            gc.collect()  # (the callback below restarts the count and the baseline, as after anyone's)
        else:
            gc.collect(0)
    _idle = 0  # (after backward()'s own collection)
    _idle_limit = IDLE + 6 * len(order) // max(1, gc.get_threshold()[0])
    if enabled and len(order) >= LARGE and not _loops:
        _rearm = REARM
        on_next_node(_arm)


def _on_collection(phase: str, info: dict) -> None:
    """gc's callback: `measure()` blocks note the time of each collection; while the policy holds,
    young collections without a backward() are counted, and past the limit (see IDLE) it lets go;
    a full collection restarts HOLD's count and the memory baseline."""
    global _idle, _passes, _blocks
    for m in _measuring:
        m._note(phase, info)
    if phase == "stop" and _saved is not None and info["generation"] == 0:
        _idle += 1
        if _idle >= _idle_limit:
            _release()  # (only thresholds change here: no collection starts inside a callback)
    elif phase == "stop" and info["generation"] == 2:  # a full collection, anyone's: HOLD counts from here
        _passes = 0
        _blocks = sys.getallocatedblocks()


gc.callbacks.append(_on_collection)


@contextmanager
def loop() -> Iterator[None]:
    """An nn training loop: the collector pauses (the loop's graphs are freed by reference counting
    batch by batch), and a collection of generations 0 and 1 at the end collects the cycles made and
    dropped in it (nothing was promoted while it paused).
    The collector is restored even on an error; nested blocks act once; with the policy off, or
    the collector already disabled, nothing changes."""
    global _loops
    pause = enabled and gc.isenabled() and not _loops
    _loops += 1
    if pause:
        gc.disable()
    try:
        yield
    finally:
        _loops -= 1
        if pause:
            gc.enable()
            gc.collect(1)


def state() -> dict:
    """The policy now: on or off, the armed graphs alive, whether it holds (only young collections
    run), whether an nn loop is running (the collector paused in it, unless the policy is off), the
    thresholds."""
    return {
        "enabled": enabled,
        "graphs_alive": _live,
        "holding": _saved is not None,
        "loop": _loops > 0,
        "thresholds": gc.get_threshold(),
    }


@dataclass
class Measurement:
    """What the collector did in a `measure()` block: `seconds` spent collecting of `elapsed`,
    `collections` per generation (0, 1, 2), and `share` = seconds / elapsed."""

    seconds: float = 0.0
    elapsed: float = 0.0
    collections: list[int] = field(default_factory=lambda: [0, 0, 0])
    _started: float = 0.0

    @property
    def share(self) -> float:
        return self.seconds / self.elapsed if self.elapsed > 0 else 0.0

    def _note(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._started
            self.collections[info["generation"]] += 1

    def __str__(self) -> str:
        counts = ", ".join(f"generation {g}: {n}" for g, n in enumerate(self.collections))
        return (
            f"collector: {1e3 * self.seconds:.1f} ms of {1e3 * self.elapsed:.1f} ms "
            f"({100 * self.share:.0f}%); collections {counts}"
        )


@contextmanager
def measure() -> Iterator[Measurement]:
    """The collector's share of the block:

    >>> with measure() as m:      # doctest: +SKIP
    ...     step()
    >>> print(m)                   # doctest: +SKIP
    collector: 4.1 ms of 63.0 ms (7%); collections generation 0: 211, generation 1: 21, generation 2: 0
    """
    m = Measurement()
    _measuring.append(m)
    t0 = time.perf_counter()
    try:
        yield m
    finally:
        m.elapsed = time.perf_counter() - t0
        _measuring.remove(m)
