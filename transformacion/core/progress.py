"""Progress of a batch on stderr: a bar with done/total, ok/error, rate and ETA on a terminal, else plain lines."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TextIO

BAR_WIDTH = 24


def _clock_text(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f'{hours:d}:{minutes:02d}:{secs:02d}' if hours else f'{minutes:02d}:{secs:02d}'


def render(done: int, total: int, ok: int, failed: int, elapsed: float, *, bar: bool) -> str:
    """One progress line: ``[####....] 40/100 ok 38 fallo 2 · 3.1/s · ETA 00:19`` (fallo: error, rechazo o timeout)."""
    rate = done / elapsed if elapsed > 0 else 0.0
    eta = _clock_text((total - done) / rate) if rate > 0 else '--:--'
    text = f'{done}/{total} ok {ok} fallo {failed} · {rate:.1f}/s · ETA {eta}'
    if not bar:
        return text
    filled = BAR_WIDTH * done // total if total else BAR_WIDTH
    return f'[{"#" * filled}{"." * (BAR_WIDTH - filled)}] {text}'


class Progress:
    """Counts finished row x action pairs from any worker thread and shows them at most every ``interval`` seconds."""

    def __init__(
        self,
        total: int,
        *,
        stream: TextIO | None = None,
        tty: bool | None = None,
        interval: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total = total
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.interval = interval if interval is not None else (0.2 if self.tty else 10.0)
        self.clock = clock
        self.done = self.ok = self.failed = 0
        self._started = clock()
        self._shown = self._started
        self._lock = threading.Lock()

    def advance(self, ok: bool) -> None:
        with self._lock:
            self.done += 1
            if ok:
                self.ok += 1
            else:
                self.failed += 1
            now = self.clock()
            if now - self._shown >= self.interval:
                self._shown = now
                self._show(now)

    def note_pause(self, seconds: float) -> None:
        """Say at once that every request waits for a 429's Retry-After, and until when (UTC)."""
        until = (datetime.now(UTC) + timedelta(seconds=seconds)).strftime('%H:%M:%S')
        line = (
            f'pausa: Webex respondió 429 (límite de ritmo); ninguna petición sale hasta las {until} UTC '
            f'({seconds:.0f} s, lo que pide su Retry-After)'
        )
        with self._lock:
            self.stream.write(f'\n{line}\n' if self.tty else f'{line}\n')
            self.stream.flush()

    def close(self) -> None:
        with self._lock:
            self._show(self.clock())
            if self.tty:
                self.stream.write('\n')
            self.stream.flush()

    def _show(self, now: float) -> None:
        line = render(self.done, self.total, self.ok, self.failed, now - self._started, bar=self.tty)
        self.stream.write(f'\r{line}' if self.tty else f'progreso: {line}\n')
        self.stream.flush()
