"""JSONL evidence: one file per action execution, ``{ts, action_id, event, payload}`` per line, secrets masked.

The HTTP exchanges go to the log bound to the running context (a ``contextvars.ContextVar``): ``logging_to(log)``
binds it for a block; a thread pool carries it to its workers only through :func:`submit_bound` or
:func:`bound_map`. An exchange made with no log bound is a programming error made loud: with
``TRANSFORMACION_STRICT_EVIDENCE=1`` (the test suite) it raises :class:`UnboundExchange`; otherwise it is written,
after an ``error`` event ``unbound_exchange``, to ``<log dir>/sin_log/`` and announced once on stderr.
"""

from __future__ import annotations

import contextvars
import gzip
import json
import os
import re
import shutil
import sys
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, TypeVar

from transformacion.core.secrets import mask_json_text, mentions_secret_key, sanitise

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

    Several logs may append to one file (a batch's rows of one action); ``lock`` guards their counters. Each line is
    encoded and masked outside any lock and written with one ``write`` to the file's shared open descriptor
    (:class:`_Sink`): nothing stays in a buffer, so a kill -9 loses no line that was written.
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
        _make_folder(path.parent)

    def event(self, event: str, payload: dict[str, Any], action_id: str | None = None) -> None:
        if event not in self.EVENTS:
            raise ValueError(f'evento desconocido: {event}')
        head = {
            'ts': datetime.now(UTC).isoformat(timespec='milliseconds').replace('+00:00', 'Z'),
            'action_id': action_id or self.action_id,
            'event': event,
        }
        text = _encode({**head, 'payload': payload})
        lowered = text.lower()
        if mentions_secret_key(text, lowered):
            text = _encode({**head, 'payload': sanitise(payload)})
            lowered = None
        write_line(self.path, mask_json_text(text, lowered))

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


#: ``json.dumps(value, ensure_ascii=False, default=str)`` without building an encoder for every line
_encode = json.JSONEncoder(ensure_ascii=False, default=str).encode
_made_folders: set[str] = set()


def _make_folder(folder: Path) -> None:
    """Create ``folder`` (and its parents) unless this process made it already (a batch makes a log per row; a
    folder removed meanwhile is made again by the first line written to it, ``_Sink``)."""
    key = os.fspath(folder)
    if key not in _made_folders:
        folder.mkdir(parents=True, exist_ok=True)
        _made_folders.add(key)


# --------------------------------------------------------------------------- open files, rotation, compression

#: Size in MiB from which an evidence file is rotated: renamed to ``<name>.<NNNNNN>.jsonl`` and compressed to
#: ``<name>.<NNNNNN>.jsonl.gz`` in the background, while the lines go on to a new ``<name>.jsonl``.
ROTATE_ENV = 'TRANSFORMACION_EVIDENCE_ROTATE_MB'
DEFAULT_ROTATE_MB = 64.0
#: Evidence files kept open at once (the least recently written is closed first).
MAX_OPEN = 64
_SEGMENT = re.compile(r'^(?P<stem>.+)\.(?P<n>\d{6})\.jsonl(?P<gz>\.gz)?$')


def rotate_bytes() -> int:
    """The rotation size in bytes (``TRANSFORMACION_EVIDENCE_ROTATE_MB``, default 64 MiB; 0 or less: never)."""
    try:
        megabytes = float(os.environ.get(ROTATE_ENV, '') or DEFAULT_ROTATE_MB)
    except ValueError:
        megabytes = DEFAULT_ROTATE_MB
    return int(megabytes * (1 << 20)) if megabytes > 0 else 0


class _Sink:
    """The open descriptor of one evidence file (append mode, unbuffered), shared by every log writing it.

    ``opened`` counts the descriptors it has had (a deleted file is reopened, a rotated one too): a writer that
    checked the file outside ``lock`` (:meth:`alive`) tells :meth:`write` which one it checked."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock = threading.Lock()
        self.closed = False
        self.limit = rotate_bytes()
        self.opened = 0
        self._open()

    def _open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self.size = os.fstat(self.fd).st_size
        self.opened += 1

    def alive(self) -> int | None:
        """Outside ``lock``: the number (``opened``) of the descriptor found still naming a file (not deleted), or
        None when it was deleted or could not be checked (then :meth:`write` checks it under the lock). The check
        is the same ``fstat`` as under the lock, made before taking it: the lock is then held for the ``write``
        alone, and the rows writing one file wait less for each other (each system call lets the other threads
        run, and a lock held across two of them made every row queue behind the slowest)."""
        opened, fd = self.opened, self.fd
        try:
            linked = os.fstat(fd).st_nlink > 0
        except OSError:  # closed meanwhile (a rotation, a reopen, close_files): checked again under the lock
            return None
        return opened if linked else None

    def write(self, data: bytes, alive: int | None = None) -> Path | None:
        """Append ``data`` (called under ``lock``); the rotated file to compress, when this write rotated it.
        ``alive``: what :meth:`alive` answered, so that the file is not checked twice when its descriptor is the
        one checked."""
        if alive != self.opened and os.fstat(self.fd).st_nlink == 0:
            # the file was deleted (a test, an operator): start a new one
            os.close(self.fd)
            self._open()
        os.write(self.fd, data)
        self.size += len(data)
        if self.limit and self.size >= self.limit:
            return self._rotate()
        return None

    def _rotate(self) -> Path:
        segment = self.path.with_name(f'{_stem(self.path)}.{_next_segment(self.path):06d}.jsonl')
        os.close(self.fd)
        os.replace(self.path, segment)
        self._open()
        return segment

    def close(self) -> None:
        with self.lock:
            if not self.closed:
                self.closed = True
                os.close(self.fd)


_sinks: OrderedDict[str, _Sink] = OrderedDict()
_sinks_lock = threading.Lock()
_compressing: list[threading.Thread] = []


def _sink(path: Path) -> _Sink:
    key = os.fspath(path)
    with _sinks_lock:
        sink = _sinks.get(key)
        if sink is None:
            sink = _sinks[key] = _Sink(path)
            if len(_sinks) > MAX_OPEN:
                _sinks.popitem(last=False)[1].close()
        else:
            _sinks.move_to_end(key)
        return sink


def write_line(path: Path, text: str) -> None:
    """Append one line to the evidence file ``path`` (rotating it past the rotation size)."""
    data = (text + '\n').encode('utf-8')
    while True:
        sink = _sink(path)
        alive = sink.alive()
        with sink.lock:
            if sink.closed:
                continue
            rotated = sink.write(data, alive)
        break
    if rotated is not None:
        worker = threading.Thread(target=compress_segment, args=(rotated,), name=f'gzip {rotated.name}')
        _compressing.append(worker)
        worker.start()


def close_files() -> None:
    """Close every open evidence file and wait for the compressions under way (the next line reopens its file)."""
    with _sinks_lock:
        sinks = list(_sinks.values())
        _sinks.clear()
    for sink in sinks:
        sink.close()
    while _compressing:
        _compressing.pop().join()


def compress_segment(segment: Path) -> Path:
    """``<name>.NNNNNN.jsonl`` -> ``<name>.NNNNNN.jsonl.gz``: written to a temporary name, renamed, then the plain
    segment removed (a reader prefers the ``.gz`` once it exists, so a kill at any moment loses and repeats nothing)."""
    target = segment.with_name(segment.name + '.gz')
    partial = segment.with_name(segment.name + '.gz.partial')
    with segment.open('rb') as source, gzip.open(partial, 'wb', compresslevel=6) as sink:
        shutil.copyfileobj(source, sink, 1 << 20)
    os.replace(partial, target)
    segment.unlink()
    return target


def _stem(path: Path) -> str:
    return path.name.removesuffix('.jsonl')


def _next_segment(path: Path) -> int:
    numbers = [int(m['n']) for m in map(_SEGMENT.match, os.listdir(path.parent)) if m and m['stem'] == _stem(path)]
    return max(numbers, default=0) + 1


# --------------------------------------------------------------------------- reading evidence


def evidence_parts(path: str | Path) -> list[Path]:
    """The files that hold the evidence of ``path`` (``<dir>/<name>.jsonl``), oldest first: its rotated segments
    (``<name>.NNNNNN.jsonl.gz``, or ``<name>.NNNNNN.jsonl`` while one is being compressed) then the file itself.
    A ``.jsonl.gz`` path is its own only part."""
    path = Path(path)
    if path.name.endswith('.gz'):
        return [path] if path.is_file() else []
    segments: dict[int, Path] = {}
    if path.parent.is_dir():
        for name in sorted(os.listdir(path.parent)):
            match = _SEGMENT.match(name)
            if match and match['stem'] == _stem(path):
                number = int(match['n'])
                if match['gz'] or number not in segments:
                    segments[number] = path.parent / name
    parts = [segments[number] for number in sorted(segments)]
    return parts + ([path] if path.is_file() else [])


def has_evidence(path: str | Path) -> bool:
    """Whether ``path`` or any of its rotated segments exists."""
    return bool(evidence_parts(path))


def read_lines(path: str | Path) -> Iterator[str]:
    """Every line of the evidence of ``path`` in the order written, compressed segments included (text, with its
    line end; undecodable bytes replaced)."""
    for part in evidence_parts(path):
        with open_part(part) as handle:
            yield from handle


def open_part(part: Path) -> IO[str]:
    """One part of an evidence file opened for reading text (``.gz`` decompressed; undecodable bytes replaced)."""
    if part.name.endswith('.gz'):
        return gzip.open(part, 'rt', encoding='utf-8', errors='replace')
    return part.open(encoding='utf-8', errors='replace')


def read_events(path: str | Path) -> list[dict[str, Any]]:
    """The events of the evidence of ``path`` (all its parts), one dict per line."""
    return [json.loads(line) for line in read_lines(path) if line.strip()]


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
