"""The checkpoint of a run: one SQLite file (WAL) per run folder, the only module that knows its schema or writes SQL.

It holds the run's meta (the batch, the fingerprints of its inputs, the target it is bound to, its state), one task
per row x action (status, reason category, message, attempts, usage, whether this run sent a write for it) with what
it ran with and how it ended in detail (``set_spec``, ``set_details``, ``pair_data``: the plan is built from them), the
entity key of every row, the validation problems and the sessions (run, resume, retry-failed, with who drove
each). Every change is committed as it happens, so a run killed at any moment (kill -9 included) can be resumed.
Everything else reads it through the typed methods below (``problems``, ``task``, ``tasks``, ``counts``, ``totals``,
``sessions``, ``failures``, ...) or, from another process while the run goes on, through ``snapshot``.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from transformacion.core.evidence import ActionLog
from transformacion.core.outcome import Outcome, Problem

OK_STATUSES = ('executed', 'dry_run', 'skipped')
FAILED_STATUSES = ('rejected', 'error', 'timeout')
#: Every status a task can have: ``pending`` (to run), ``running`` (in flight), then how it ended.
TASK_STATUSES = ('pending', 'running', *OK_STATUSES, *FAILED_STATUSES)
MESSAGE_LIMIT = 300

#: Why a pair ended as it did, beside its status. ``aplicado`` / ``simulado`` for executed / dry_run (``requiere_yes``
#: for a dry-run change of a high-impact action that the real run will only apply with ``--yes``); a skipped
#: pair is ``no_aplica`` (the row fills none of the action's columns), ``sin_cambios`` (already in the desired state,
#: or a read that writes nothing), ``bloqueado`` (a prerequisite failed) or ``lote_rechazado`` (the batch was
#: refused by its validation); a pending or running pair of a stopped run is ``no_ejecutado``. A failure has the
#: class of its error (``core.retry.classify_error``), ``timeout``, or for a refusal ``invalid_input``,
#: ``sin_confirmar`` (a high-impact change without ``--yes``), ``drift`` (a saved plan's pair whose remote state changed
#: since it was planned) or ``en_desarrollo`` (an action not ready yet).
SKIP_CATEGORIES = ('sin_cambios', 'no_aplica', 'bloqueado', 'lote_rechazado')
FAILURE_CATEGORIES = (
    'auth',
    'permission',
    'not_found',
    'conflict',
    'invalid_input',
    'sin_confirmar',
    'drift',
    'en_desarrollo',
    'rate_limited',
    'transient',
    'timeout',
    'unexpected',
)
CATEGORIES = ('aplicado', 'simulado', 'requiere_yes', *SKIP_CATEGORIES, 'no_ejecutado', *FAILURE_CATEGORIES)
#: The category a task gets when it is recorded without one (by the validation).
_DEFAULT_CATEGORY = {'skipped': 'no_aplica', 'rejected': 'invalid_input', 'executed': 'aplicado', 'dry_run': 'simulado'}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tasks (
    dataset TEXT NOT NULL,
    row_number INTEGER NOT NULL,
    action TEXT NOT NULL,
    seq INTEGER NOT NULL,
    chunk INTEGER NOT NULL,
    entity TEXT NOT NULL,
    status TEXT NOT NULL,
    category TEXT NOT NULL DEFAULT '',
    message TEXT NOT NULL DEFAULT '',
    blocked_by TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    tracking_id TEXT NOT NULL DEFAULT '',
    api_calls INTEGER NOT NULL DEFAULT 0,
    http_429 INTEGER NOT NULL DEFAULT 0,
    retries INTEGER NOT NULL DEFAULT 0,
    duration_s REAL NOT NULL DEFAULT 0,
    wrote INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT,
    PRIMARY KEY (dataset, row_number, action)
);
CREATE INDEX IF NOT EXISTS tasks_by_status ON tasks (status, action);
CREATE TABLE IF NOT EXISTS entities (
    dataset TEXT NOT NULL, entity_key TEXT NOT NULL, row_number INTEGER NOT NULL, PRIMARY KEY (dataset, entity_key)
);
CREATE TABLE IF NOT EXISTS problems (
    file TEXT NOT NULL, row_number INTEGER NOT NULL, column_name TEXT NOT NULL, value TEXT NOT NULL, why TEXT NOT NULL,
    PRIMARY KEY (file, row_number, column_name, why)
);
CREATE TABLE IF NOT EXISTS pair_data (
    dataset TEXT NOT NULL, row_number INTEGER NOT NULL, action TEXT NOT NULL, spec TEXT, details TEXT,
    PRIMARY KEY (dataset, row_number, action)
);
CREATE TABLE IF NOT EXISTS sessions (
    id INTEGER PRIMARY KEY, kind TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT, state TEXT, operator TEXT
);
"""
#: Columns added after the first checkpoints were written: (table, column, declaration), added when missing.
_ADDED_COLUMNS = (
    ('tasks', 'category', "TEXT NOT NULL DEFAULT ''"),
    ('tasks', 'wrote', 'INTEGER NOT NULL DEFAULT 0'),
    ('sessions', 'operator', 'TEXT'),
)
_UNFINISHED = "status IN ('pending', 'running')"
#: A task's category as read: a pair still pending or running has not been executed (yet).
_CATEGORY = f"CASE WHEN {_UNFINISHED} THEN 'no_ejecutado' ELSE category END"
_TASK_COLUMNS = (
    'dataset, row_number, action, seq, chunk, entity, status, message, blocked_by, attempts, last_error, '
    f'tracking_id, api_calls, http_429, retries, duration_s, {_CATEGORY}, wrote'
)
#: whether this SQLite runs ``UPDATE ... RETURNING`` (3.35 and later)
_RETURNING = sqlite3.sqlite_version_info >= (3, 35)
#: How ``counts`` groups the tasks: (the group's name, its order after plan order).
_GROUPS = {
    'action': ('action', 'action'),
    'dataset': ('dataset', 'dataset'),
    'chunk': ("dataset || '#' || (chunk + 1)", 'dataset, chunk'),
}


@dataclass(frozen=True, slots=True)
class Task:
    """One row x action of the run as recorded: where, what, how it ended (or that it has not) and what it cost."""

    dataset: str
    row: int
    action: str
    seq: int
    chunk: int
    entity: str
    status: str
    message: str
    blocked_by: str | None
    attempts: int
    last_error: str | None
    tracking_id: str
    api_calls: int
    http_429: int
    retries: int
    duration_s: float
    category: str
    wrote: bool


@dataclass(frozen=True)
class Totals:
    """Sums over every task: how many, their API calls, 429s received, retries, attempts and seconds of work."""

    tasks: int
    api_calls: int
    http_429: int
    retries: int
    attempts: int
    work_s: float


@dataclass(frozen=True)
class Session:
    """One invocation that drove the run: ``run``, ``resume`` or ``retry-failed``; timestamps in UTC ISO 8601;
    ``operator`` who drove it (``open_session``), None for sessions recorded before it was kept."""

    kind: str
    started_at: str
    finished_at: str | None
    state: str | None
    operator: dict[str, Any] | None = None


@dataclass(frozen=True)
class Snapshot:
    """A run seen from outside while it goes on: whether its batch is recorded and validated, and how many tasks
    have finished (``attempted`` of them after at least one attempt), are still pending or running, and of those
    are ``running`` (in flight)."""

    batch_recorded: bool
    validated: bool
    finished: int
    attempted: int
    unfinished: int
    running: int = 0


def now() -> str:
    """The current UTC time as the checkpoint records it (ISO 8601, milliseconds, ``Z``)."""
    return datetime.now(UTC).isoformat(timespec='milliseconds').replace('+00:00', 'Z')


def short(text: str) -> str:
    """A message as a task keeps it: at most ``MESSAGE_LIMIT`` characters."""
    return text if len(text) <= MESSAGE_LIMIT else text[: MESSAGE_LIMIT - 1] + '…'


def _task(row: Sequence[Any]) -> Task:
    return Task(*row[:-1], bool(row[-1]))


def _marks(items: Sequence[Any]) -> str:
    return ','.join('?' * len(items))


class Checkpoint:
    """The run's SQLite file, shared by the worker threads of one process (every call is serialised by a lock).

    ``Checkpoint(path)`` opens (creating when missing) the file of a run; ``Checkpoint(Path(':memory:'))`` an
    in-memory one (the offline preflight). Close it with ``close``.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
        self._db.execute('PRAGMA journal_mode=WAL')
        self._db.execute('PRAGMA synchronous=NORMAL')
        self._db.executescript(_SCHEMA)
        for table, column, declaration in _ADDED_COLUMNS:
            if column not in {row[1] for row in self._db.execute(f'PRAGMA table_info({table})')}:
                self._db.execute(f'ALTER TABLE {table} ADD COLUMN {column} {declaration}')
        self._lock = threading.RLock()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def freeze(self, timeout: float) -> bool:
        """Wait (up to ``timeout`` seconds) until no change is being written, and let no other thread write again:
        the file is consistent from then on and the process may end at once. Whether it got there in time."""
        return self._lock.acquire(timeout=timeout)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One atomic change (committed on success, rolled back on an exception), exclusive to this thread; reads
        inside it see one consistent state."""
        with self._lock, self._db:
            self._db.execute('BEGIN')
            yield

    def _execute(self, sql: str, args: Sequence[Any] = ()) -> sqlite3.Cursor:
        with self._lock:
            return self._db.execute(sql, args)

    def _rows(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def _scalar(self, sql: str, args: Sequence[Any] = ()) -> Any:
        return self._rows(sql, args)[0][0]

    # ----------------------------------------------------------------------- meta and sessions

    def meta(self, key: str) -> Any:
        """The JSON value stored under ``key`` (``batch``, ``fingerprints``, ``global_row``, ``validated``,
        ``state``, ``script``, ``target``, ``target_api_calls``, ``stopped_by``, ``halted``), None when absent."""
        found = self._rows('SELECT value FROM meta WHERE key = ?', (key,))
        return json.loads(found[0][0]) if found else None

    def set_meta(self, key: str, value: Any) -> None:
        self._execute('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)', (key, json.dumps(value)))

    def open_session(self, kind: str, operator: dict[str, Any] | None = None) -> int:
        """Record that an invocation (``run``, ``resume``, ``retry-failed``) starts driving the run, and who drives it
        (``operator``: any JSON object); its id."""
        return (
            self._execute(
                'INSERT INTO sessions (kind, started_at, operator) VALUES (?, ?, ?)',
                (kind, now(), None if operator is None else json.dumps(operator)),
            ).lastrowid
            or 0
        )

    def set_session_operator(self, session: int, operator: dict[str, Any]) -> None:
        """Replace who drives ``session`` (once the token's owner is known)."""
        self._execute('UPDATE sessions SET operator = ? WHERE id = ?', (json.dumps(operator), session))

    def close_session(self, session: int, state: str) -> None:
        self._execute('UPDATE sessions SET finished_at = ?, state = ? WHERE id = ?', (now(), state, session))

    def sessions(self) -> list[Session]:
        """Every session, in the order they started."""
        found = self._rows('SELECT kind, started_at, finished_at, state, operator FROM sessions ORDER BY id')
        return [Session(*row[:4], None if row[4] is None else json.loads(row[4])) for row in found]

    # ----------------------------------------------------------------------- validation

    def reset_validation(self) -> None:
        """Forget every task, entity and problem (a validation starts again from the inputs)."""
        for table in ('tasks', 'entities', 'problems', 'pair_data'):
            self._execute(f'DELETE FROM {table}')

    def add_problem(self, file: str, row: int | None, column: str, value: str, why: str) -> None:
        """Record a validation problem (``row`` None for the file or a column of it); a repeated one is kept once."""
        self._execute(
            'INSERT OR IGNORE INTO problems (file, row_number, column_name, value, why) VALUES (?, ?, ?, ?, ?)',
            (file, row or 0, column, value, why),
        )

    def problems(self) -> list[Problem]:
        """Every validation problem in the order found (``row`` None when it is about a file or a column)."""
        found = self._rows('SELECT file, row_number, column_name, value, why FROM problems ORDER BY rowid')
        return [Problem(file, row or None, column, value, why) for file, row, column, value, why in found]

    def problem_count(self) -> int:
        return self._scalar('SELECT COUNT(*) FROM problems')

    def claim_entity(self, dataset: str, key: str, row: int) -> int:
        """The row that first used ``key`` in ``dataset`` (``row`` itself unless the key is repeated; case-blind)."""
        self._execute('INSERT OR IGNORE INTO entities VALUES (?, ?, ?)', (dataset, key.casefold(), row))
        return self.entity_row(dataset, key) or row

    def entity_row(self, dataset: str, key: str) -> int | None:
        """The row of ``dataset`` whose entity key is ``key`` (case-blind), None when no row has it."""
        found = self._rows(
            'SELECT row_number FROM entities WHERE dataset = ? AND entity_key = ?', (dataset, key.casefold())
        )
        return found[0][0] if found else None

    def add_task(
        self,
        dataset: str,
        row: int,
        action: str,
        *,
        seq: int,
        chunk: int,
        entity: str,
        status: str,
        message: str,
        category: str | None = None,
    ) -> None:
        """Record a row x action found by the validation: ``pending`` to run, or already ``skipped`` / ``rejected``
        with why. ``seq`` is the action's place in the plan, ``chunk`` the row's chunk (from 0); ``category``
        (``CATEGORIES``) defaults to the validation's: ``no_aplica`` for skipped, ``invalid_input`` for rejected."""
        self._execute(
            'INSERT INTO tasks (dataset, row_number, action, seq, chunk, entity, status, category, message) '
            'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
            (
                dataset,
                row,
                action,
                seq,
                chunk,
                entity,
                status,
                category or _DEFAULT_CATEGORY.get(status, ''),
                short(message),
            ),
        )

    def set_spec(self, dataset: str, row: int, action: str, spec: dict[str, Any]) -> None:
        """Record what a row x action runs with (``spec``, any JSON object: its typed params, the hash of its input
        row, the state it expects; see ``batch.pairs.Pair``), replacing an earlier one."""
        self._execute(
            'INSERT INTO pair_data (dataset, row_number, action, spec) VALUES (?, ?, ?, ?) '
            'ON CONFLICT (dataset, row_number, action) DO UPDATE SET spec = excluded.spec',
            (dataset, row, action, json.dumps(spec, ensure_ascii=False, default=str)),
        )

    def set_details(
        self, dataset: str, row: int, action: str, details: dict[str, Any], spec: dict[str, Any] | None = None
    ) -> None:
        """Record the details of how a row x action ended (its outcome's: ``before``, ``diff``, ``calls``,
        ``needs_confirmation``, ``after``, ``reason``...), replacing earlier ones, and its ``spec`` when given (see
        ``set_spec``), in one statement."""
        self._execute(
            'INSERT INTO pair_data (dataset, row_number, action, spec, details) VALUES (?, ?, ?, ?, ?) '
            'ON CONFLICT (dataset, row_number, action) DO UPDATE SET details = excluded.details, '
            'spec = COALESCE(excluded.spec, spec)',
            (
                dataset,
                row,
                action,
                None if spec is None else json.dumps(spec, ensure_ascii=False, default=str),
                json.dumps(details, ensure_ascii=False, default=str),
            ),
        )

    def pair_data(self, dataset: str, row: int, action: str) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        """(spec, details) recorded for a row x action (``set_spec``, ``set_details``), each None when absent."""
        found = self._rows(
            'SELECT spec, details FROM pair_data WHERE dataset = ? AND row_number = ? AND action = ?',
            (dataset, row, action),
        )
        if not found:
            return None, None
        spec, details = found[0]
        return (None if spec is None else json.loads(spec)), (None if details is None else json.loads(details))

    def datasets(self) -> list[str]:
        """The datasets that have tasks, in plan order (of their first task)."""
        return [name for (name,) in self._rows('SELECT dataset FROM tasks GROUP BY dataset ORDER BY MIN(seq), dataset')]

    def set_category(self, actions: Sequence[str], status: str, category: str) -> None:
        """Give ``category`` to every task of ``actions`` in ``status``."""
        self._execute(
            f'UPDATE tasks SET category = ? WHERE status = ? AND action IN ({_marks(actions)})',
            (category, status, *actions),
        )

    def skip_pending(self, message: str) -> None:
        """Close every pending task as ``skipped`` (``lote_rechazado``) with ``message`` (a batch rejected by its
        validation)."""
        self._execute(
            "UPDATE tasks SET status = 'skipped', category = 'lote_rechazado', message = ? WHERE status = 'pending'",
            (short(message),),
        )

    # ----------------------------------------------------------------------- tasks

    def task(self, dataset: str, row: int, action: str) -> Task | None:
        """A row x action of the run, None when it is not part of it."""
        found = self._rows(
            f'SELECT {_TASK_COLUMNS} FROM tasks WHERE dataset = ? AND row_number = ? AND action = ?',
            (dataset, row, action),
        )
        return _task(found[0]) if found else None

    def tasks(self, dataset: str, *, status: str | None = None) -> Iterator[Task]:
        """The tasks of ``dataset`` (only those in ``status`` when given) by row, then plan order; streamed."""
        sql = f'SELECT {_TASK_COLUMNS} FROM tasks WHERE dataset = ?'
        args: list[Any] = [dataset]
        if status is not None:
            sql += ' AND status = ?'
            args.append(status)
        with self._lock:
            for row in self._db.execute(sql + ' ORDER BY row_number, seq', args):
                yield _task(row)

    def pending_rows(self) -> Iterator[tuple[int, str, int]]:
        """``(chunk, dataset, row)`` of every row with pending tasks, once per chunk it has some in: by chunk, then by
        the row's first pending task in plan order (``seq``); streamed (SQLite sorts them, no list is built)."""
        sql = (
            "SELECT chunk, dataset, row_number FROM tasks WHERE status = 'pending' "
            'GROUP BY chunk, dataset, row_number ORDER BY chunk, MIN(seq)'
        )
        with self._lock:
            yield from self._db.execute(sql)

    def pending_of_row(self, dataset: str, row: int, chunk: int) -> list[Task]:
        """The pending tasks of ``row`` of ``dataset`` in ``chunk``, in plan order (``seq``)."""
        sql = f'SELECT {_TASK_COLUMNS} FROM tasks WHERE dataset = ? AND row_number = ? AND chunk = ?'
        found = self._rows(sql + " AND status = 'pending' ORDER BY seq", (dataset, row, chunk))
        return [_task(task) for task in found]

    def pending(self, dataset: str, first: int, last: int, actions: set[str]) -> dict[int, set[str]]:
        """``{row: actions}`` still pending among the rows ``first``..``last`` of ``dataset`` and ``actions``."""
        found: dict[int, set[str]] = {}
        for row, action in self._rows(
            "SELECT row_number, action FROM tasks WHERE dataset = ? AND status = 'pending' "
            'AND row_number BETWEEN ? AND ?',
            (dataset, first, last),
        ):
            if action in actions:
                found.setdefault(row, set()).add(action)
        return found

    def count(self, statuses: Sequence[str], actions: Sequence[str] | None = None) -> int:
        """How many tasks are in one of ``statuses`` (of ``actions`` only, when given)."""
        sql = f'SELECT COUNT(*) FROM tasks WHERE status IN ({_marks(statuses)})'
        args = list(statuses)
        if actions is not None:
            sql += f' AND action IN ({_marks(actions)})'
            args += list(actions)
        return self._scalar(sql, args)

    def counts_by_status(self) -> dict[str, int]:
        """``{status: tasks}`` for every one of ``TASK_STATUSES`` (0 included)."""
        found = dict(self._rows('SELECT status, COUNT(*) FROM tasks GROUP BY status'))
        return {status: found.get(status, 0) for status in TASK_STATUSES}

    def counts_by_category(self) -> dict[str, dict[str, int]]:
        """``{action: {category: tasks}}``, actions in plan order, categories in ``CATEGORIES`` order (only those
        with tasks)."""
        found: dict[str, dict[str, int]] = {}
        for action, category, number in self._rows(
            f'SELECT action, {_CATEGORY} AS why, COUNT(*) FROM tasks GROUP BY action, why ORDER BY MIN(seq), action'
        ):
            found.setdefault(action, {})[category] = number
        order = {category: i for i, category in enumerate(CATEGORIES)}
        return {
            action: dict(sorted(counts.items(), key=lambda item: order.get(item[0], len(order))))
            for action, counts in found.items()
        }

    def failures(self) -> list[tuple[str, int, Task]]:
        """The failed tasks (``FAILED_STATUSES``) grouped by category: ``(category, how many, the first of them in
        plan order)``, the largest group first."""
        groups = self._rows(
            f'SELECT category, COUNT(*) FROM tasks WHERE status IN ({_marks(FAILED_STATUSES)}) '
            'GROUP BY category ORDER BY COUNT(*) DESC, category',
            FAILED_STATUSES,
        )
        found = []
        for category, number in groups:
            [example] = self._rows(
                f'SELECT {_TASK_COLUMNS} FROM tasks WHERE category = ? AND status IN ({_marks(FAILED_STATUSES)}) '
                'ORDER BY seq, dataset, row_number LIMIT 1',
                (category, *FAILED_STATUSES),
            )
            found.append((category, number, _task(example)))
        return found

    def counts(self, by: Literal['action', 'dataset', 'chunk']) -> dict[str, dict[str, int]]:
        """``{group: {status: tasks}}`` by action, dataset or chunk (``<dataset>#<n>``, from 1), groups in plan
        order."""
        group, order = _GROUPS[by]
        found: dict[str, dict[str, int]] = {}
        for name, status, number in self._rows(
            f'SELECT {group}, status, COUNT(*) FROM tasks GROUP BY {group}, status ORDER BY MIN(seq), {order}'
        ):
            found.setdefault(str(name), {})[status] = number
        return found

    def totals(self) -> Totals:
        row = self._rows(
            'SELECT COUNT(*), COALESCE(SUM(api_calls), 0), COALESCE(SUM(http_429), 0), COALESCE(SUM(retries), 0), '
            'COALESCE(SUM(attempts), 0), COALESCE(SUM(duration_s), 0) FROM tasks'
        )[0]
        return Totals(*row)

    def durations(self) -> dict[str, tuple[float, float]]:
        """``{action: (total seconds, mean seconds)}`` over the tasks attempted at least once."""
        found = self._rows(
            'SELECT action, SUM(duration_s), AVG(duration_s) FROM tasks WHERE attempts > 0 GROUP BY action'
        )
        return {action: (total, mean) for action, total, mean in found}

    # ----------------------------------------------------------------------- execution

    def start(self, dataset: str, row: int, action: str) -> bool:
        """Mark a pending (or re-tried) task as running, one more attempt; False when it is no longer runnable."""
        cursor = self._execute(
            "UPDATE tasks SET status = 'running', attempts = attempts + 1, updated_at = ? "
            f'WHERE dataset = ? AND row_number = ? AND action = ? AND {_UNFINISHED}',
            (now(), dataset, row, action),
        )
        return cursor.rowcount == 1

    def begin(self, dataset: str, row: int, action: str) -> Task | None:
        """``start`` then ``task`` in one statement: the task marked running with one more attempt, as ``task`` reads
        it then, or None (nothing changed) when it is not part of the run or no longer runnable. One commit, as
        ``start``; a SQLite older than 3.35 (no ``RETURNING``) starts it and reads it in two statements."""
        if not _RETURNING:
            with self._lock:
                return self.task(dataset, row, action) if self.start(dataset, row, action) else None
        updated = self._rows(
            "UPDATE tasks SET status = 'running', attempts = attempts + 1, updated_at = ? "
            f'WHERE dataset = ? AND row_number = ? AND action = ? AND {_UNFINISHED} RETURNING {_TASK_COLUMNS}',
            (now(), dataset, row, action),
        )
        return _task(updated[0]) if updated else None

    def mark_written(self, dataset: str, row: int, action: str, spec: dict[str, Any] | None = None) -> None:
        """Record that this run is about to send a write (any request but a read) for the task: from then on, the
        state that write leads to is this run's doing, even if the process dies before the answer arrives. ``spec``
        (see ``set_spec``) is recorded with it, so that a pair killed mid-write can still be reverted."""
        with self.transaction():
            self._execute(
                'UPDATE tasks SET wrote = 1 WHERE dataset = ? AND row_number = ? AND action = ? AND wrote = 0',
                (dataset, row, action),
            )
            if spec is not None:
                self.set_spec(dataset, row, action, spec)

    def finish(
        self,
        dataset: str,
        row: int,
        action: str,
        outcome: Outcome,
        log: ActionLog | None = None,
        duration: float = 0.0,
        *,
        category: str | None = None,
        blocked_by: str | None = None,
        last_error: str | None = None,
    ) -> bool:
        """Record how a task ended, why (``category``; by default ``bloqueado`` with ``blocked_by``, else the
        status's usual one) and what its ``log`` counted, unless it was closed meanwhile (e.g. by a chunk timeout);
        whether it was recorded."""
        if category is None:
            category = 'bloqueado' if blocked_by else _DEFAULT_CATEGORY.get(outcome.status, '')
        cursor = self._execute(
            'UPDATE tasks SET status = ?, category = ?, message = ?, blocked_by = ?, '
            'last_error = COALESCE(?, last_error), '
            'tracking_id = ?, api_calls = api_calls + ?, http_429 = http_429 + ?, retries = retries + ?, '
            'duration_s = ?, updated_at = ? '
            f'WHERE dataset = ? AND row_number = ? AND action = ? AND {_UNFINISHED}',
            (
                outcome.status,
                category,
                short(outcome.message),
                blocked_by,
                last_error,
                log.tracking_id if log else '',
                log.api_calls if log else 0,
                log.throttled if log else 0,
                log.retries if log else 0,
                round(duration, 3),
                now(),
                dataset,
                row,
                action,
            ),
        )
        return cursor.rowcount == 1

    def close_unfinished(self, dataset: str, rows: Sequence[int], actions: Sequence[str], message: str) -> int:
        """Record every unfinished task of these rows and actions as ``timeout``; how many there were."""
        cursor = self._execute(
            "UPDATE tasks SET status = 'timeout', category = 'timeout', message = ?, last_error = ?, updated_at = ? "
            f'WHERE dataset = ? AND row_number IN ({_marks(rows)}) AND action IN ({_marks(actions)}) '
            f'AND {_UNFINISHED}',
            (message, message, now(), dataset, *rows, *actions),
        )
        return cursor.rowcount

    def requeue_running(self) -> None:
        """Make the tasks left in flight by an interrupted invocation pending again (``--resume``)."""
        self._execute("UPDATE tasks SET status = 'pending', category = '' WHERE status = 'running'")

    def requeue_failed(self, *, unconfirmed: bool = False) -> None:
        """Make the tasks that ended in error or timeout, and the dependants they blocked, pending again
        (``--retry-failed``); with ``unconfirmed`` (the retry brings ``--yes``) also the high-impact changes refused
        for lack of a confirmation (category ``sin_confirmar``)."""
        also = " OR (status = 'rejected' AND category = 'sin_confirmar')" if unconfirmed else ''
        self._execute(
            "UPDATE tasks SET status = 'pending', category = '', blocked_by = NULL "
            "WHERE status IN ('error', 'timeout') OR (status = 'skipped' AND blocked_by IS NOT NULL)" + also
        )


def snapshot(path: Path) -> Snapshot | None:
    """The state of the run whose checkpoint is ``path``, read-only from another process while it runs; None while the
    file does not exist or is not readable yet."""
    try:
        with closing(sqlite3.connect(f'file:{path}?mode=ro', uri=True, timeout=1)) as db:
            recorded = db.execute("SELECT key FROM meta WHERE key IN ('batch', 'validated')").fetchall()
            finished, attempted, unfinished, running = db.execute(
                f'SELECT COALESCE(SUM(NOT {_UNFINISHED}), 0), '
                f'COALESCE(SUM(attempts > 0 AND NOT {_UNFINISHED}), 0), '
                f"COALESCE(SUM({_UNFINISHED}), 0), COALESCE(SUM(status = 'running'), 0) FROM tasks"
            ).fetchone()
    except sqlite3.OperationalError:
        return None
    keys = {key for (key,) in recorded}
    return Snapshot('batch' in keys, 'validated' in keys, finished, attempted, unfinished, running)
