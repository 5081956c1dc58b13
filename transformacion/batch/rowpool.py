"""Rows in flight: as many as the run's calls in flight need, not ``--concurrency`` threads busy from the start.

A row spends its life in its API calls, and the run's rate controller (``core.transport.RateController``) decides how
many calls may be in flight (the probing window, or twice the latency's worth at the rate it learnt). Rows beyond
that only wait at the controller; at no latency they compete for the interpreter instead (hundreds of threads on
two cores cost about as much CPU per row as the row itself). So a run holds ``RowSlots.limit()`` rows in flight:
the calls the controller allows plus ``SPARE_ROWS``, never fewer than ``MIN_ROWS`` nor more than ``--concurrency``;
and a chunk's ``RowPool`` (a pairs run's phase's too, ``batch.pairs``) starts a thread only for a row that may run (a
row waiting for a slot waits in the pool's queue, not on a thread of its own).

Rows side by side only pay when there is a wait to overlap. When the org answers faster than the client computes a
call (an emulator on the same machine: half a millisecond, against Webex's tens to hundreds), the interpreter is
the bottleneck and every row more only hands its lock back and forth: ``Overlap`` then has the rows run one at a
time (measured at no latency, 1,000 rows: 28% less CPU and 11% less wall time than 8 rows in flight; at 1 ms, 8
rows take 42% less wall time than one).
"""

from __future__ import annotations

import functools
import itertools
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from transformacion.core.transport import RateController

#: rows in flight at least (also before the controller has seen an answer). At no latency a row spends about as
#: long computing (its evidence, its checkpoint, the SDK) as its calls wait for the answer, and the probing window
#: stays at 4-5 calls: with one spare row the interpreter idled while every row waited for the server (25% of the
#: execution's wall time, measured); with 8 rows one is ready to compute while the others' calls are out (paired
#: runs of 1,000 rows: 0.2-0.8 s less wall time, the same CPU; 12 rows cost more CPU). Above 7 calls allowed (any
#: real latency, after the first round trips) the calls allowed plus ``SPARE_ROWS`` decide, as before.
MIN_ROWS = 8
#: rows in flight beyond the calls the controller allows: one ready to send when a call comes back
SPARE_ROWS = 1
#: calls of the rows measured before ``Overlap`` judges, and between two of its looks
SAMPLE_CALLS = 50
#: rows go one at a time when the fastest of the recent answers took less than this share of the client's CPU per
#: call (with rows side by side: the interpreter lock's hand-overs included). At no latency the sandbox answers in
#: 0.5 ms and the client computes 1.4 ms per call with 8 rows in flight (0.9 ms with one); at 1 ms of latency the
#: answers take 1.5 ms
ALONE_BELOW = 0.5
#: and side by side again, for the rest of the run, once the answers take longer than the client's CPU per call (the
#: median of the recent ones, ``RateController.recent_latencies``: a pause of the machine is not a longer latency): a
#: wait as long as the work is worth overlapping
TOGETHER_ABOVE = 1.0


class Overlap:
    """Whether a run's rows gain from running side by side: the latencies of the recent answers
    (``RateController.recent_latencies``, seconds) against the client's own CPU per call (process CPU seconds over the
    controller's ``requests``, from when the rows started, one sample every ``SAMPLE_CALLS`` calls). ``alone()``
    turns true when the fastest of them took less than ``ALONE_BELOW`` x the CPU per call (rows side by side would
    only share the interpreter), and false for good once their median is more than ``TOGETHER_ABOVE`` x the CPU per
    call. Never true before the first sample, so Webex's latencies (tens of ms and more) keep
    the rows side by side."""

    def __init__(self, controller: RateController, cpu: Callable[[], float] = time.process_time) -> None:
        self._controller = controller
        self._cpu = cpu
        self._lock = threading.Lock()
        self._calls = controller.requests
        self._cpu_at = cpu()
        self._alone = False
        self._left = False

    def alone(self) -> bool:
        """Whether the rows should run one at a time now (a new sample is taken every ``SAMPLE_CALLS`` calls)."""
        with self._lock:
            calls = self._controller.requests
            if calls - self._calls < SAMPLE_CALLS or self._left:
                return self._alone
            cpu = self._cpu()
            per_call = (cpu - self._cpu_at) / (calls - self._calls)
            self._calls, self._cpu_at = calls, cpu
            recent = self._controller.recent_latencies()
            if self._alone:
                if not recent or recent[len(recent) // 2] > TOGETHER_ABOVE * per_call:
                    self._alone, self._left = False, True
            else:
                self._alone = bool(recent) and recent[0] < ALONE_BELOW * per_call
            return self._alone


class RowSlots:
    """The run's row slots, shared by every chunk (chunks overlap): a bounded semaphore whose size follows
    ``allowed()``, the calls the rate controller lets be in flight (None: no limit from it, only ``cap``), and is 1
    while ``alone()`` (``Overlap.alone``) says the rows gain nothing from running side by side."""

    def __init__(
        self,
        cap: int,
        allowed: Callable[[], float | None] | None = None,
        alone: Callable[[], bool] | None = None,
    ) -> None:
        self.cap = max(1, cap)
        self._allowed = allowed
        self._alone = alone
        self._used = 0
        self._changed = threading.Condition(threading.Lock())

    def limit(self) -> int:
        """Rows that may be in flight now: 1 while ``alone()``, else ``allowed()`` + ``SPARE_ROWS``, between
        ``MIN_ROWS`` and ``cap``."""
        if self._alone is not None and self._alone():
            return 1
        allowed = self._allowed() if self._allowed is not None else None
        if allowed is None:
            return self.cap
        return min(self.cap, max(MIN_ROWS, math.ceil(allowed) + SPARE_ROWS))

    def acquire(self, timeout: float | None = None) -> bool:
        """Take a slot, waiting up to ``timeout`` seconds (None: as long as needed); whether one was taken."""
        with self._changed:
            if not self._changed.wait_for(lambda: self._used < self.limit(), timeout):
                return False
            self._used += 1
            return True

    def release(self) -> None:
        """Give a slot back (ValueError when none is taken, as a bounded semaphore)."""
        with self._changed:
            if self._used <= 0:
                raise ValueError('RowSlots released more times than acquired')
            self._used -= 1
            self._changed.notify()


def run_slots(cap: int, controller: RateController | None) -> RowSlots:
    """A run's row slots (``cap``: ``--concurrency``): following the calls ``controller`` lets be in flight and, when
    it learns the org's rate (no ``--rate-limit``), whether the rows gain from running side by side (``Overlap``,
    measured from now on: call it as the rows start)."""
    if controller is None:
        return RowSlots(cap)
    return RowSlots(cap, controller.in_flight_allowed, Overlap(controller).alone if controller.adaptive else None)


class RowPool:
    """A chunk's threads (a pairs run's phase's too): one per submitted row that may run, up to ``limit()``
    (``RowSlots.limit``) and ``max_workers``. The other rows wait in its queue, not on threads of their own; a thread
    that ends a row takes the next queued one (and starts the threads a larger limit allows), or ends when the queue
    is empty or the pool has more threads than the limit. ``grow()`` starts the threads a larger limit allows for the
    rows still queued."""

    def __init__(self, limit: Callable[[], int], *, max_workers: int, thread_name_prefix: str = 'fila') -> None:
        self._limit = limit
        self._max_workers = max(1, max_workers)
        self._prefix = thread_name_prefix
        self._queue: deque[_Row] = deque()
        self._threads: set[threading.Thread] = set()
        self._lock = threading.Lock()
        self._numbers = itertools.count()
        self._shutdown = False

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        """Queue ``fn(*args, **kwargs)``; its future. RuntimeError after ``shutdown``."""
        future: Future[Any] = Future()
        with self._lock:
            if self._shutdown:
                raise RuntimeError('cannot submit a row to a pool that was shut down')
            self._queue.append(_Row(future, functools.partial(fn, *args, **kwargs)))
            self._start_threads()
        return future

    def grow(self) -> None:
        """Start threads for queued rows up to ``limit()`` (called while the chunk runs: the limit grows with the
        calls the controller allows)."""
        with self._lock:
            self._start_threads()

    def alive(self) -> bool:
        """Whether a thread of the pool is still running a row."""
        with self._lock:
            return bool(self._threads)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """No more rows may be submitted; ``cancel_futures``: the queued rows are cancelled (they never start);
        ``wait``: return once every row that runs has ended (the queued ones too, unless cancelled)."""
        with self._lock:
            self._shutdown = True
            while cancel_futures and self._queue:
                self._queue.popleft().future.cancel()
        while wait:
            with self._lock:
                thread = next(iter(self._threads), None)
            if thread is None:
                return
            thread.join()

    def _start_threads(self) -> None:
        """With the lock held: a thread for each queued row, up to the limit."""
        room = min(self._max_workers, self._limit()) - len(self._threads)
        while room > 0 and self._queue:
            thread = threading.Thread(
                target=self._work, args=(self._queue.popleft(),), name=f'{self._prefix}_{next(self._numbers)}'
            )
            self._threads.add(thread)
            thread.start()
            room -= 1

    def _work(self, row: _Row | None) -> None:
        while row is not None:
            if row.future.set_running_or_notify_cancel():
                try:
                    result = row.call()
                except BaseException as exc:  # the future carries it, as a ThreadPoolExecutor's does
                    row.future.set_exception(exc)
                else:
                    row.future.set_result(result)
            with self._lock:
                if self._queue and len(self._threads) <= min(self._max_workers, self._limit()):
                    row = self._queue.popleft()
                    self._start_threads()
                else:
                    row = None
                    self._threads.discard(threading.current_thread())


@dataclass(frozen=True)
class _Row:
    """A queued row: its future and the call that runs it."""

    future: Future[Any]
    call: Callable[[], Any]
