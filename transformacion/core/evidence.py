"""JSONL evidence: one file per action execution, ``{ts, action_id, event, payload}`` per line, secrets masked.

The HTTP exchanges go to the log bound to the running context (a ``contextvars.ContextVar``): ``logging_to(log)``
binds it for a block; a thread pool carries it to its workers only through :func:`submit_bound` or
:func:`bound_map`. An exchange made with no log bound is a programming error made loud: with
``TRANSFORMACION_STRICT_EVIDENCE=1`` (the test suite) it raises :class:`UnboundExchange`; otherwise it is written,
after an ``error`` event ``unbound_exchange``, to ``<log dir>/sin_log/`` and announced once on stderr.
"""

from __future__ import annotations

import contextvars
import json
import os
import sys
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from transformacion.core.secrets import mask_text, sanitise

T = TypeVar('T')
R = TypeVar('R')

_bound: contextvars.ContextVar[Any] = contextvars.ContextVar('transformacion_action_log', default=None)
STRICT_ENV = 'TRANSFORMACION_STRICT_EVIDENCE'


class UnboundExchange(RuntimeError):
    """An HTTP exchange made with no action log bound (a thread started without :func:`submit_bound`)."""


def bind_log(log: Any) -> Any:
    """Route the exchanges of the current context to ``log`` (None unbinds); returns the previous binding."""
    previous = _bound.get()
    _bound.set(log)
    return previous


def current_log() -> Any:
    """The log bound to the current context, or None."""
    return _bound.get()


def submit_bound(pool: Executor, fn: Callable[..., R], *args: Any, **kwargs: Any) -> Future[R]:
    """``pool.submit(fn, ...)`` run in a copy of the caller's context, so its exchanges go to the caller's log."""
    return pool.submit(contextvars.copy_context().run, fn, *args, **kwargs)


def bound_map(pool: Executor, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
    """``pool.map(fn, items)`` with every call run in a copy of the caller's context (results in order)."""
    futures = [submit_bound(pool, fn, item) for item in items]
    return (future.result() for future in futures)


_unbound_lock = threading.Lock()
_unbound: dict[str, Any] = {}


def exchange_log(method: str, url: str) -> Any:
    """The log an HTTP exchange goes to (called by the transport for every request): the bound one; with none bound,
    :class:`UnboundExchange` in strict mode, else the process's ``sin_log`` file after an ``error`` event."""
    log = _bound.get()
    if log is not None:
        return log
    where = f'{method} {url} (hilo {threading.current_thread().name})'
    if os.environ.get(STRICT_ENV, '').strip().lower() in ('1', 'true', 'yes', 'si', 'sí'):
        raise UnboundExchange(f'petición HTTP sin log de evidencia enlazado: {where}; use logging_to o submit_bound')
    with _unbound_lock:
        log = _unbound.get('log')
        if log is None:
            stamp = datetime.now(UTC).strftime('%Y%m%dT%H%M%S%fZ')
            log = ActionLog(log_dir_from() / 'sin_log' / f'{stamp}_{os.getpid()}.jsonl', 'sin_log')
            _unbound['log'] = log
            print(f'aviso: peticiones HTTP sin log de evidencia enlazado; quedan en {log.path}', file=sys.stderr)
    log.event('error', {'kind': 'unbound_exchange', 'method': method, 'url': url})
    return log


def log_dir_from(value: str | Path | None = None) -> Path:
    return Path(value or os.environ.get('TRANSFORMACION_LOG_DIR', '').strip() or 'logs')


class ActionLog:
    """One JSONL evidence file: ``{ts, action_id, event, payload}`` per line, thread-safe, secrets masked.

    Several logs may append to one file (a batch's rows of one action) when they share ``lock``.
    """

    EVENTS = ('request', 'response', 'summary', 'error', 'change')

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
    """Send the HTTP exchanges of the current context to ``log`` while the block runs."""
    previous = bind_log(log)
    try:
        yield log
    finally:
        bind_log(previous)
