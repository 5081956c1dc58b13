"""JSONL evidence: one file per action execution, ``{ts, action_id, event, payload}`` per line, secrets masked; the
HTTP exchanges of a thread go to the log bound to it."""

from __future__ import annotations

import json
import os
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from transformacion.core.secrets import mask_text, sanitise

_bound = threading.local()


def bind_log(log: Any) -> Any:
    """Route the exchanges of the current thread to ``log`` (None unbinds); returns the previous binding."""
    previous = getattr(_bound, 'log', None)
    _bound.log = log
    return previous


def current_log() -> Any:
    return getattr(_bound, 'log', None)


def log_dir_from(value: str | Path | None = None) -> Path:
    return Path(value or os.environ.get('TRANSFORMACION_LOG_DIR', '').strip() or 'logs')


class ActionLog:
    """One JSONL evidence file: ``{ts, action_id, event, payload}`` per line, thread-safe, secrets masked.

    Several logs may append to one file (a batch's rows of one action) when they share ``lock``.
    """

    EVENTS = ('request', 'response', 'summary', 'error')

    def __init__(self, path: Path, action_id: str, lock: threading.Lock | None = None) -> None:
        self.path = path
        self.action_id = action_id
        self.api_calls = 0
        self.retries = 0
        self.throttled = 0
        self.tracking_id = ''
        self._lock = lock or threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)

    def event(self, event: str, payload: dict[str, Any], action_id: str | None = None) -> None:
        if event not in self.EVENTS:
            raise ValueError(f'evento desconocido: {event}')
        line = {
            'ts': datetime.now(UTC).isoformat(timespec='milliseconds').replace('+00:00', 'Z'),
            'action_id': action_id or self.action_id,
            'event': event,
            'payload': sanitise(payload),
        }
        text = mask_text(json.dumps(line, ensure_ascii=False, default=str))
        with self._lock, self.path.open('a', encoding='utf-8') as handle:
            handle.write(text + '\n')

    def count_call(self, status: int | None, tracking_id: str | None = None) -> None:
        with self._lock:
            self.api_calls += 1
            if status == 429:
                self.throttled += 1
            if tracking_id:
                self.tracking_id = tracking_id

    def count_retry(self) -> None:
        with self._lock:
            self.retries += 1


def new_run_id() -> str:
    return datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ') + '-' + uuid.uuid4().hex[:6]


def action_logger(
    action_name: str,
    *,
    log_dir: str | Path | None = None,
    run_id: str | None = None,
    path: Path | None = None,
    action_id: str | None = None,
) -> ActionLog:
    """The evidence file of one action execution: ``<log dir>/<accion>/<UTC timestamp>_<run id>.jsonl``."""
    run_id = run_id or new_run_id()
    if path is None:
        stamp = datetime.now(UTC).strftime('%Y%m%dT%H%M%S%fZ')
        path = log_dir_from(log_dir) / action_name / f'{stamp}_{run_id}.jsonl'
    return ActionLog(path, action_id or f'{action_name}:{run_id}')


@contextmanager
def logging_to(log: ActionLog) -> Iterator[ActionLog]:
    """Send the HTTP exchanges of this thread to ``log`` while the block runs."""
    previous = bind_log(log)
    try:
        yield log
    finally:
        bind_log(previous)
