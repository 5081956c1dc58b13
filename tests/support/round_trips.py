"""Round trips counted from the sandbox's journal, not timed: the sandbox answers every request ``latency_ms`` after
it arrives at the earliest, and journals it when it answers. So a request sent after another was answered is
journaled at least ``latency_ms`` after it, while requests sent together (even paced a little apart) are journaled
less than the latency apart. The round trip of a request is one more than the highest of the requests journaled at
least the latency before it (to the journal's millisecond)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

#: the journal's times are to the millisecond
_ROUNDING = 0.002


def _seconds(entry: dict[str, Any]) -> float:
    return datetime.fromisoformat(entry['ts'].replace('Z', '+00:00')).timestamp()


def round_trips(journal: list[dict[str, Any]], latency_ms: int) -> dict[int, int]:
    """seq -> the round trip (1, 2, ...) in which the request was made: 1 + the highest round trip of a request
    answered before it was sent. ``journal``: the sandbox's entries in order, made with ``latency_ms`` and no
    jitter."""
    latency = latency_ms / 1000
    found: dict[int, int] = {}
    answered: list[tuple[float, int]] = []  # (answer time, round trip), in journal order
    for entry in journal:
        at = _seconds(entry)
        found[entry['seq']] = 1 + max((trip for when, trip in answered if when <= at - latency + _ROUNDING), default=0)
        answered.append((at, found[entry['seq']]))
    return found


def reads_before_first_write(sandbox: Any, since: int, latency_ms: int) -> int:
    """How many round trips of reads came before the first write (``sandbox.writes``) journaled after ``since``."""
    trips = round_trips(sandbox.journal(since), latency_ms)
    first = min(entry['seq'] for entry in sandbox.writes(since))
    return trips[first] - 1
