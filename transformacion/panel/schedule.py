"""Scheduled runs: an input folder (or a saved plan's folder) to run at a given time, kept in
``<log dir>/panel/schedule.json`` (replaced atomically) so that they survive a restart of the panel; a ticker thread
starts each one when due, through the same path as a manual run (validation, target binding, confirmation)."""

from __future__ import annotations

import json
import os
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SCHEDULED, STARTED, CANCELLED, FAILED = 'programada', 'lanzada', 'cancelada', 'fallida'


def parse_when(text: str) -> datetime:
    """An ISO 8601 date and time; without a zone it is UTC. ValueError when unreadable."""
    when = datetime.fromisoformat(text.strip())
    return when if when.tzinfo else when.replace(tzinfo=UTC)


class Schedule:
    """The scheduled runs of a logs folder. ``launch(entry)`` starts one and returns its job id (raises to leave it
    ``fallida`` with the reason; ``Busy`` leaves it scheduled, tried again on the next tick)."""

    def __init__(self, path: Path, launch: Callable[[dict[str, Any]], str], *, retry: type[Exception]) -> None:
        self.path = path
        self.launch = launch
        self.retry = retry
        self._lock = threading.Lock()
        self._stop = threading.Event()

    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            return self._read()

    def _read(self) -> list[dict[str, Any]]:
        if not self.path.is_file():
            return []
        return json.loads(self.path.read_text(encoding='utf-8'))

    def _write(self, entries: list[dict[str, Any]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix('.tmp')
        temporary.write_text(json.dumps(entries, ensure_ascii=False, indent=2), encoding='utf-8')
        os.replace(temporary, self.path)

    def add(self, when: datetime, request: dict[str, Any]) -> dict[str, Any]:
        """Schedule ``request`` (what the execute screen would send) at ``when``."""
        entry = {
            'id': uuid.uuid4().hex[:12],
            'at': when.astimezone(UTC).isoformat(timespec='seconds'),
            'request': request,
            'state': SCHEDULED,
            'created_at': datetime.now(UTC).isoformat(timespec='seconds'),
            'job': None,
            'error': None,
        }
        with self._lock:
            self._write([*self._read(), entry])
        return entry

    def cancel(self, entry_id: str) -> bool:
        with self._lock:
            entries = self._read()
            found = [e for e in entries if e['id'] == entry_id and e['state'] == SCHEDULED]
            for entry in found:
                entry['state'] = CANCELLED
            self._write(entries)
        return bool(found)

    def tick(self, now: datetime | None = None) -> list[str]:
        """Start every scheduled entry that is due; the ids started."""
        now = now or datetime.now(UTC)
        started = []
        with self._lock:
            entries = self._read()
            for entry in entries:
                if entry['state'] != SCHEDULED or parse_when(entry['at']) > now:
                    continue
                try:
                    entry['job'] = self.launch(entry['request'])
                    entry['state'] = STARTED
                    started.append(entry['id'])
                except self.retry:
                    continue
                except Exception as exc:  # noqa: BLE001 - kept for the operator in the entry
                    entry['state'], entry['error'] = FAILED, str(exc)
            if entries:
                self._write(entries)
        return started

    def run_forever(self, interval: float = 5.0) -> None:
        """Tick every ``interval`` seconds until ``stop``."""
        while not self._stop.wait(interval):
            self.tick()

    def start(self, interval: float = 5.0) -> None:
        threading.Thread(target=self.run_forever, args=(interval,), name='panel-schedule', daemon=True).start()

    def stop(self) -> None:
        self._stop.set()
