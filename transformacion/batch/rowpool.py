"""Rows in flight: as many as the run's calls in flight need, not ``--concurrency`` threads busy from the start.

A row spends its life in its API calls, and the run's rate controller (``core.transport.RateController``) decides how
many calls may be in flight (the probing window, or twice the latency's worth at the rate it learnt). Rows beyond
that only wait at the controller; at no latency they compete for the interpreter instead (hundreds of threads on
two cores cost about as much CPU per row as the row itself). So a run holds ``RowSlots.limit()`` rows in flight:
the calls the controller allows plus ``SPARE_ROWS``, never fewer than ``MIN_ROWS`` nor more than ``--concurrency``;
and a chunk's ``RowPool`` (a pairs run's phase's too, ``batch.pairs``) starts a thread only for a row that may run (a
row waiting for a slot waits in the pool's queue, not on a thread of its own).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

#: rows in flight at least (also before the controller has seen an answer)
MIN_ROWS = 4
#: rows in flight beyond the calls the controller allows: one ready to send when a call comes back
SPARE_ROWS = 1


class RowSlots:
    """The run's row slots, shared by every chunk (chunks overlap): a bounded semaphore whose size follows
    ``allowed()``, the calls the rate controller lets be in flight (None: no limit from it, only ``cap``)."""

    def __init__(self, cap: int, allowed: Callable[[], float | None] | None = None) -> None:
        self.cap = max(1, cap)
        self._allowed = allowed
        self._used = 0
        self._changed = threading.Condition(threading.Lock())

    def limit(self) -> int:
        """Rows that may be in flight now: ``allowed()`` + ``SPARE_ROWS``, between ``MIN_ROWS`` and ``cap``."""
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
                raise ValueError('RowSlots liberado más veces de las que se tomó')
            self._used -= 1
            self._changed.notify()


class RowPool(ThreadPoolExecutor):
    """A chunk's thread pool that starts a thread for a submitted row only while it has fewer threads than
    ``limit()`` (``RowSlots.limit``): the other rows wait in its queue and run on the threads it has as they free.
    ``grow()`` starts the threads a larger limit allows for the rows still queued."""

    def __init__(self, limit: Callable[[], int], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._limit = limit

    def _adjust_thread_count(self) -> None:
        if len(self._threads) < self._limit():
            super()._adjust_thread_count()

    def grow(self) -> None:
        """Start threads for queued rows up to ``limit()`` (called while the chunk runs: the limit grows with the
        calls the controller allows)."""
        with self._shutdown_lock:
            if self._shutdown or self._work_queue.empty():
                return
            # rows are queued, so every thread is busy: the pool's count of idle threads (raised by each row that
            # ends, lowered only by a submit) is stale and would stop the threads from starting
            while self._idle_semaphore.acquire(timeout=0):
                pass
            while not self._work_queue.empty() and len(self._threads) < min(self._max_workers, self._limit()):
                super()._adjust_thread_count()
