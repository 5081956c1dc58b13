"""Rows in flight: as many as the run's calls in flight need, not ``--concurrency`` threads busy from the start.

A row spends its life in its API calls, and the run's rate controller (``core.transport.RateController``) decides how
many calls may be in flight (the probing window, or twice the latency's worth at the rate it learnt). Rows beyond
that only wait at the controller; at no latency they compete for the interpreter instead (hundreds of threads on
two cores cost about as much CPU per row as the row itself). So a run holds ``RowSlots.limit()`` rows in flight:
the calls the controller allows plus ``SPARE_ROWS``, never fewer than ``MIN_ROWS`` nor more than ``--concurrency``;
and a chunk's ``RowPool`` (a pairs run's phase's too, ``batch.pairs``) starts a thread only for a row that may run (a
row waiting for a slot waits in the pool's queue, not on a thread of its own).

Rows side by side only pay while one computes and the others wait: the interpreter is one core. ``Overlap`` holds
the rows to what it can keep busy, 1 + the org's wait per call over the client's CPU per call: one row at a time
when the org answers faster than the client computes a call (an emulator on the same machine: half a millisecond,
against Webex's tens to hundreds), two at 1 ms (measured, 1,000 rows: 15-28% less CPU than 8 rows in flight, and no
more wall time), and at Webex's latencies more than the rate controller allows, which then decides alone.
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

#: rows in flight at least, from the controller's side (also before it has seen an answer): at no latency its probing
#: window stays at 4-5 calls, and with one spare row the interpreter idled while every row waited for the server
#: (25% of the execution's wall time, measured before ``Overlap``). Once 50 calls of the rows are measured,
#: ``Overlap.rows`` (what the interpreter keeps busy: one row at no latency) bounds it from above.
MIN_ROWS = 8
#: rows in flight beyond the calls the controller allows: one ready to send when a call comes back
SPARE_ROWS = 1
#: calls of the rows measured before ``Overlap`` judges, and between two of its looks
SAMPLE_CALLS = 50


class Overlap:
    """Rows the interpreter can keep busy: Little's law with the interpreter as the server. A row computes ``c``
    seconds per call (the process CPU per call over the last ``SAMPLE_CALLS`` calls of the rows, the interpreter
    lock's hand-overs included) and waits ``w`` per call for the org (the fastest of the recent answers,
    ``RateController.fastest_recent_latency``: the wait without the queue for the lock that more rows make), so
    while one row computes, ``w / c`` others can be waiting: ``rows()`` is ``1 + round(w / c)``, None before the
    first sample. At no latency (a sandbox on the same machine: w 0.2-0.5 ms, c 0.9-1.4 ms) that is one row at a
    time; at 1 ms of latency two; against Webex (tens of ms and more) tens to hundreds, above what the rate
    controller allows, which then decides alone."""

    def __init__(self, controller: RateController, cpu: Callable[[], float] = time.process_time) -> None:
        self._controller = controller
        self._cpu = cpu
        self._lock = threading.Lock()
        self._calls = controller.requests
        self._cpu_at = cpu()
        self._rows: int | None = None

    def rows(self) -> int | None:
        """Rows worth having in flight now, at least 1 (None before the first sample of ``SAMPLE_CALLS`` calls)."""
        with self._lock:
            calls = self._controller.requests
            if calls - self._calls < SAMPLE_CALLS:
                return self._rows
            cpu = self._cpu()
            per_call = (cpu - self._cpu_at) / (calls - self._calls)
            self._calls, self._cpu_at = calls, cpu
            fastest = self._controller.fastest_recent_latency()
            if fastest is not None and per_call > 0:
                self._rows = 1 + round(fastest / per_call)
            return self._rows


class RowSlots:
    """The run's row slots, shared by every chunk (chunks overlap): a bounded semaphore whose size follows
    ``allowed()``, the calls the rate controller lets be in flight (None: no limit from it, only ``cap``), and never
    above ``rows()``, the rows the interpreter can keep busy (``Overlap.rows``; None: no limit from it)."""

    def __init__(
        self,
        cap: int,
        allowed: Callable[[], float | None] | None = None,
        rows: Callable[[], int | None] | None = None,
    ) -> None:
        self.cap = max(1, cap)
        self._allowed = allowed
        self._rows = rows
        self._used = 0
        self._changed = threading.Condition(threading.Lock())

    def limit(self) -> int:
        """Rows that may be in flight now: ``allowed()`` + ``SPARE_ROWS``, between ``MIN_ROWS`` and ``cap``, and at
        most ``rows()``."""
        allowed = self._allowed() if self._allowed is not None else None
        limit = self.cap if allowed is None else min(self.cap, max(MIN_ROWS, math.ceil(allowed) + SPARE_ROWS))
        interpreter = self._rows() if self._rows is not None else None
        return limit if interpreter is None else max(1, min(limit, interpreter))

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
            # as many waiting rows as there is room for: the limit may have grown since the last release
            self._changed.notify(max(1, self.limit() - self._used))


def run_slots(cap: int, controller: RateController | None) -> RowSlots:
    """A run's row slots (``cap``: ``--concurrency``): following the calls ``controller`` lets be in flight and, when
    it learns the org's rate (no ``--rate-limit``), at most the rows the interpreter keeps busy (``Overlap``,
    measured from now on: call it as the rows start)."""
    if controller is None:
        return RowSlots(cap)
    return RowSlots(cap, controller.in_flight_allowed, Overlap(controller).rows if controller.adaptive else None)


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
