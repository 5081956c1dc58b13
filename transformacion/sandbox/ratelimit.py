"""Per-token rate limiting as Webex's limiter behaves towards a client: a token bucket holding one second worth of
requests, and a window that a 429 closes until its Retry-After has passed (a request sent earlier is refused again).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class RateLimiter:
    """``rate`` requests per second per token (None: unlimited), bursts up to one second worth; plus, per token, the
    time until which a 429 told the client to wait (:meth:`close`)."""

    def __init__(self, rate: float | None = None, *, clock: Callable[[], float] = time.monotonic):
        self.rate = rate
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._closed_until: dict[str, float] = {}
        self._lock = threading.Lock()

    def acquire(self, key: str) -> float:
        """0 when the request may go on, else the seconds until the token may send again (a closed window first,
        then the bucket)."""
        now = self._clock()
        with self._lock:
            closed = self._closed_until.get(key, 0.0)
            if now < closed:
                return closed - now
            if self.rate is None:
                return 0.0
            capacity = max(self.rate, 1.0)
            tokens, last = self._buckets.get(key, (capacity, now))
            tokens = min(capacity, tokens + (now - last) * self.rate)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1 - tokens) / self.rate

    def close(self, key: str, seconds: float) -> None:
        """A 429 told the client to wait ``seconds``: refuse the token's requests until then."""
        with self._lock:
            self._closed_until[key] = max(self._closed_until.get(key, 0.0), self._clock() + seconds)

    def closed_for(self, key: str) -> float:
        """Seconds the token's window stays closed (0 when open)."""
        with self._lock:
            return max(0.0, self._closed_until.get(key, 0.0) - self._clock())
