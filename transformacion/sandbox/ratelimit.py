"""Per-token rate limiting: a token bucket holding one second worth of requests."""

from __future__ import annotations

import threading
import time


class RateLimiter:
    """``rate`` requests per second per token (None: unlimited), bursts up to one second worth."""

    def __init__(self, rate: float | None = None):
        self.rate = rate
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def acquire(self, key: str) -> float:
        """0 when the request may go on, else the seconds until a slot frees."""
        if self.rate is None:
            return 0.0
        capacity = max(self.rate, 1.0)
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key, (capacity, now))
            tokens = min(capacity, tokens + (now - last) * self.rate)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1 - tokens) / self.rate
