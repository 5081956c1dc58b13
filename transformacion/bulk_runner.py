"""Resumable batches: validate every CSV row against the declarations first, then run chunk by chunk with one shared
SDK client and rate controller, row retries, chunk/job timeouts and a SQLite checkpoint per row x action.

Alone: ``python -m transformacion.bulk_runner --action A --csv FILE [--global FILE]`` (exit codes: see ``EXIT_CODES``).
"""

from __future__ import annotations

import argparse
import csv
import fcntl
import hashlib
import itertools
import json
import os
import re
import sqlite3
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn, TextIO

from transformacion.common import (
    ActionLog,
    Context,
    DomainFunction,
    InvalidParams,
    Origin,
    Outcome,
    Rejected,
    RetryPolicy,
    _params_for_script,
    backoff_delay,
    create_api,
    execute,
    get_token,
    load_runtime_env,
    log_dir_from,
    mask_argv,
    mask_text,
    new_run_id,
    refuse_if_in_development,
    result_object,
)
from transformacion.core.catalog import ACTION_NAMES, action_module
from transformacion.core.context import RunCache
from transformacion.core.csvfiles import FORMULA_WHY, CsvError, iter_rows, looks_like_formula, read_header
from transformacion.core.params import DATASETS, Action
from transformacion.core.progress import Progress
from transformacion.core.transport import RateController

OK_STATUSES = ('executed', 'dry_run', 'skipped')
FAILED_STATUSES = ('rejected', 'error', 'timeout')
TASK_STATUSES = ('pending', 'running', *OK_STATUSES, *FAILED_STATUSES)
EXIT_CODES = {'ok': 0, 'crashed': 1, 'rejected': 2, 'partial': 3, 'not_started': 4, 'stopped': 5}
EXIT_HELP = (
    'Códigos de salida: 0 todas las filas x acción ok u omitidas; 1 fallo inesperado del propio lanzador (traza '
    'enmascarada en stderr; lo hecho queda en el punto de control: continúe con --resume); '
    '2 lote rechazado por la validación (nada escrito); '
    '3 fallos parciales (error, rechazo o timeout en alguna fila, o problemas saltados con --skip-invalid); '
    '4 no pudo empezar (opciones, carpeta, token, ejecución a reanudar); '
    '5 detenido por --job-timeout (continúe con --resume RUN_ID).'
)
DEFAULT_CHUNK_SIZE = 500
DEFAULT_CONCURRENCY = 8
PACED_CONCURRENCY = 32
DEFAULT_CHUNK_TIMEOUT = 1800.0
ROW_ATTEMPTS = 3
RETRYABLE = ('transient', 'rate_limited')
RESULT_COLUMNS = tuple('dataset row key action status message attempts duration_s tracking_id log_file'.split())
_FORMULA_START = ('=', '+', '-', '@', '\t', '\r')
_NUMBER = re.compile(r'[+-]?\d+([.,]\d+)?')
_E164_LIST = re.compile(r'\+\d{6,15}([;,| ]+\+\d{6,15})*')
_MESSAGE_LIMIT = 300
_FIX_OR_SKIP = 'corríjalos o use --skip-invalid para ejecutar las filas válidas'

Catalog = dict[str, tuple[Action, DomainFunction | None]]

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tasks (
    dataset TEXT NOT NULL,
    row_number INTEGER NOT NULL,
    action TEXT NOT NULL,
    seq INTEGER NOT NULL,
    chunk INTEGER NOT NULL,
    entity TEXT NOT NULL,
    status TEXT NOT NULL,
    message TEXT NOT NULL DEFAULT '',
    blocked_by TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    tracking_id TEXT NOT NULL DEFAULT '',
    api_calls INTEGER NOT NULL DEFAULT 0,
    http_429 INTEGER NOT NULL DEFAULT 0,
    retries INTEGER NOT NULL DEFAULT 0,
    duration_s REAL NOT NULL DEFAULT 0,
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
CREATE TABLE IF NOT EXISTS sessions (
    id INTEGER PRIMARY KEY, kind TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT, state TEXT
);
"""


class NotStarted(Exception):
    """The run could not start (bad options, missing input, unknown run): nothing was validated or written."""


# --------------------------------------------------------------------------- what to run


@dataclass(frozen=True)
class Batch:
    """What a run does, fixed when it starts and kept in its checkpoint: inputs, actions, mode and chunking."""

    sources: dict[str, str]
    global_csv: str | None
    actions: tuple[str, ...]
    dry_run: bool = False
    skip_invalid: bool = False
    row: int | None = None
    chunk_size: int = DEFAULT_CHUNK_SIZE


@dataclass(frozen=True)
class Settings:
    """How this invocation runs it (a resumed run may use other values)."""

    concurrency: int = DEFAULT_CONCURRENCY
    rate_limit: float | None = None
    chunk_timeout: float | None = DEFAULT_CHUNK_TIMEOUT
    job_timeout: float | None = None
    row_attempts: int = ROW_ATTEMPTS
    assume_yes: bool = False
    org_id: str | None = None
    policy: RetryPolicy = field(default_factory=RetryPolicy.from_env)


@dataclass(frozen=True)
class Report:
    """How a run ended: its folder, state (completed, stopped, rejected), summary and exit code."""

    run_id: str
    run_dir: Path
    state: str
    exit_code: int
    summary: dict[str, Any]
    problems: list[str]


def load_catalog() -> Catalog:
    """Every action of the product: its declaration and its domain function (None while en desarrollo)."""
    catalog: Catalog = {}
    for name in ACTION_NAMES:
        module = action_module(name)
        catalog[name] = (module.ACTION, getattr(module, name, None))
    return catalog


def _prerequisites(name: str, catalog: Catalog) -> set[str]:
    """Every action that ``name`` depends on, directly or through others."""
    found: set[str] = set()
    todo = [name]
    while todo:
        for dependency in catalog[todo.pop()][0].depends_on:
            if dependency in catalog and dependency not in found:
                found.add(dependency)
                todo.append(dependency)
    return found


def plan(names: Sequence[str], catalog: Catalog) -> list[tuple[str, tuple[Action, ...]]]:
    """Phases in dependency order, each a dataset and the actions every row of it runs, in order.

    A topological order of the selected actions (``Action.depends_on``, transitively through the catalogue) that
    keeps each dataset's actions together and otherwise follows the catalogue's order; an action that names other
    rows' entities of its own dataset starts a new pass, so that every row has run what it needs.
    """
    unknown = [name for name in names if name not in catalog]
    if unknown:
        raise NotStarted(f'acciones desconocidas: {", ".join(unknown)}; acciones: {", ".join(catalog)}')
    remaining = [name for name in catalog if name in names]
    needs = {name: _prerequisites(name, catalog) & set(remaining) for name in remaining}
    phases: list[tuple[str, tuple[Action, ...]]] = []
    done: set[str] = set()
    while remaining:
        ready = [name for name in remaining if not needs[name] - done]
        if not ready:
            raise NotStarted(f'dependencias circulares entre: {", ".join(remaining)}')
        domain, current = phases[-1] if phases else (None, ())
        chosen = next((name for name in ready if catalog[name][0].domain == domain), ready[0])
        action = catalog[chosen][0]
        if action.domain == domain and not _needs_other_rows(action, current):
            phases[-1] = (domain, (*current, action))
        else:
            phases.append((action.domain, (action,)))
        remaining.remove(chosen)
        done.add(chosen)
    return phases


def _needs_other_rows(action: Action, phase: tuple[Action, ...]) -> bool:
    """Whether ``action`` names other rows' entities that an action of ``phase`` creates (then it goes in a later
    pass over the dataset, once every row has run that action)."""
    names = {other.name for other in phase}
    return any(not param.key and param.depends_on in names for param in action.params)


def dataset_columns(catalog: Catalog) -> dict[str, set[str]]:
    """The CSV columns of each dataset: the columns declared by the actions of its domain."""
    columns: dict[str, set[str]] = {dataset: set() for dataset in DATASETS}
    for action, _ in catalog.values():
        columns[action.domain].update(param.csv_column for param in action.params)
    return columns


def key_columns(catalog: Catalog, dataset: str) -> tuple[str, ...]:
    """The columns that identify a row's entity in ``dataset`` (its actions' ``key`` parameters)."""
    found = (p.csv_column for action, _ in catalog.values() if action.domain == dataset for p in action.key_params)
    return tuple(dict.fromkeys(found))


def applies(action: Action, merged: dict[str, str]) -> bool:
    """The applicability rule, declared with the action (``Action.applies``): the row (merged with global) fills at
    least one of the columns that say what to change."""
    return action.applies(merged)


def merge(global_row: dict[str, str], row: dict[str, str]) -> dict[str, str]:
    """``global`` + row, the row's filled cells winning."""
    return {**global_row, **{column: value for column, value in row.items() if value != ''}}


def typed_params(
    action: Action, row: dict[str, str], global_row: dict[str, str], file: str, number: int
) -> dict[str, Any]:
    """The row's typed parameters for ``action`` (row wins over global.csv); InvalidParams lists every problem."""
    raw: dict[str, Any] = {}
    origins: dict[str, Origin] = {}
    for param in action.params:
        column = param.csv_column
        if row.get(column, '') != '':
            raw[param.name] = row[column]
            origins[param.name] = Origin(file, number, column)
        elif global_row.get(column, '') != '':
            raw[param.name] = global_row[column]
            origins[param.name] = Origin('global.csv', 1, column)
        else:
            origins[param.name] = Origin(file, number, column)
    return _params_for_script(action, raw, origins)


def protect_cell(value: Any) -> str:
    """A cell safe to open in a spreadsheet: text that would start a formula gets a leading ``'``.

    Numbers stay as written, so an E.164 number (or a list of them) remains readable: ``+34910000100``.
    """
    text = '' if value is None else str(value)
    if text.startswith(_FORMULA_START) and not (_NUMBER.fullmatch(text) or _E164_LIST.fullmatch(text)):
        return "'" + text
    return text


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec='milliseconds').replace('+00:00', 'Z')


def _fingerprint(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, 'rb') as handle:
        for block in iter(lambda: handle.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def _short(text: str) -> str:
    return text if len(text) <= _MESSAGE_LIMIT else text[: _MESSAGE_LIMIT - 1] + '…'


# --------------------------------------------------------------------------- checkpoint


class Checkpoint:
    """The run's SQLite file (WAL): meta, one task per row x action, entities by key, problems and sessions.

    Every change is committed as it happens, so a run killed at any moment (kill -9 included) can be resumed.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
        self._db.execute('PRAGMA journal_mode=WAL')
        self._db.execute('PRAGMA synchronous=NORMAL')
        self._db.executescript(SCHEMA)
        self._lock = threading.RLock()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One atomic change (committed on success, rolled back on an exception), exclusive to this thread."""
        with self._lock, self._db:
            self._db.execute('BEGIN')
            yield

    def execute(self, sql: str, args: Sequence[Any] = ()) -> sqlite3.Cursor:
        with self._lock:
            return self._db.execute(sql, args)

    def rows(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def meta(self, key: str) -> Any:
        found = self.rows('SELECT value FROM meta WHERE key = ?', (key,))
        return json.loads(found[0][0]) if found else None

    def set_meta(self, key: str, value: Any) -> None:
        self.execute('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)', (key, json.dumps(value)))

    def add_problem(self, file: str, row: int | None, column: str, value: str, why: str) -> None:
        self.execute(
            'INSERT OR IGNORE INTO problems (file, row_number, column_name, value, why) VALUES (?, ?, ?, ?, ?)',
            (file, row or 0, column, value, why),
        )

    def problems(self) -> Iterator[str]:
        with self._lock:
            found = self._db.execute('SELECT file, row_number, column_name, value, why FROM problems ORDER BY rowid')
            for file, row, column, value, why in found:
                where = [file] + ([f'fila {row}'] if row else []) + ([f'columna {column}'] if column else [])
                shown = f': valor {value!r}' if value else ''
                yield f'{", ".join(where)}{shown}: {why}'

    def claim_entity(self, dataset: str, key: str, row: int) -> int:
        """The row that first used ``key`` in ``dataset`` (``row`` itself unless the key is repeated)."""
        self.execute('INSERT OR IGNORE INTO entities VALUES (?, ?, ?)', (dataset, key.casefold(), row))
        return self.entity_row(dataset, key) or row

    def entity_row(self, dataset: str, key: str) -> int | None:
        found = self.rows(
            'SELECT row_number FROM entities WHERE dataset = ? AND entity_key = ?', (dataset, key.casefold())
        )
        return found[0][0] if found else None

    def task(self, dataset: str, row: int, action: str) -> tuple[str, str, str | None] | None:
        """(status, message, blocked_by) of a row x action, None when it is not part of the run."""
        found = self.rows(
            'SELECT status, message, blocked_by FROM tasks WHERE dataset = ? AND row_number = ? AND action = ?',
            (dataset, row, action),
        )
        return found[0] if found else None

    def start(self, dataset: str, row: int, action: str) -> bool:
        """Mark a pending (or re-tried) task as running, one more attempt; False when it is no longer runnable."""
        cursor = self.execute(
            "UPDATE tasks SET status = 'running', attempts = attempts + 1, updated_at = ? "
            "WHERE dataset = ? AND row_number = ? AND action = ? AND status IN ('pending', 'running')",
            (_now(), dataset, row, action),
        )
        return cursor.rowcount == 1

    def finish(
        self,
        dataset: str,
        row: int,
        action: str,
        outcome: Outcome,
        log: ActionLog | None = None,
        duration: float = 0.0,
        *,
        blocked_by: str | None = None,
        last_error: str | None = None,
    ) -> bool:
        """Record how a task ended, unless it was closed meanwhile (e.g. by a chunk timeout)."""
        cursor = self.execute(
            'UPDATE tasks SET status = ?, message = ?, blocked_by = ?, last_error = COALESCE(?, last_error), '
            'tracking_id = ?, api_calls = api_calls + ?, http_429 = http_429 + ?, retries = retries + ?, '
            'duration_s = ?, updated_at = ? '
            "WHERE dataset = ? AND row_number = ? AND action = ? AND status IN ('pending', 'running')",
            (
                outcome.status,
                _short(outcome.message),
                blocked_by,
                last_error,
                log.tracking_id if log else '',
                log.api_calls if log else 0,
                log.throttled if log else 0,
                log.retries if log else 0,
                round(duration, 3),
                _now(),
                dataset,
                row,
                action,
            ),
        )
        return cursor.rowcount == 1

    def pending(self, dataset: str, first: int, last: int, actions: set[str]) -> dict[int, set[str]]:
        found: dict[int, set[str]] = {}
        for row, action in self.rows(
            "SELECT row_number, action FROM tasks WHERE dataset = ? AND status = 'pending' "
            'AND row_number BETWEEN ? AND ?',
            (dataset, first, last),
        ):
            if action in actions:
                found.setdefault(row, set()).add(action)
        return found

    def count(self, statuses: Sequence[str], actions: Sequence[str] | None = None) -> int:
        sql = f'SELECT COUNT(*) FROM tasks WHERE status IN ({",".join("?" * len(statuses))})'
        args = list(statuses)
        if actions is not None:
            sql += f' AND action IN ({",".join("?" * len(actions))})'
            args += list(actions)
        return self.rows(sql, args)[0][0]

    def close_unfinished(self, dataset: str, rows: Sequence[int], actions: Sequence[str], message: str) -> int:
        """Record every unfinished task of these rows and actions as ``timeout``; how many there were."""
        marks = ','.join('?' * len(rows))
        names = ','.join('?' * len(actions))
        cursor = self.execute(
            f"UPDATE tasks SET status = 'timeout', message = ?, last_error = ?, updated_at = ? "
            f'WHERE dataset = ? AND row_number IN ({marks}) AND action IN ({names}) '
            "AND status IN ('pending', 'running')",
            (message, message, _now(), dataset, *rows, *actions),
        )
        return cursor.rowcount


# --------------------------------------------------------------------------- validation (streaming, before any write)


def _read_global(path: str | None, catalog: Catalog, store: Checkpoint) -> dict[str, str]:
    if path is None:
        return {}
    name = Path(path).name
    columns = set().union(*dataset_columns(catalog).values())
    keys: dict[str, list[str]] = {}
    for dataset, file in DATASETS.items():
        for column in key_columns(catalog, dataset):
            keys.setdefault(column, []).append(file)
    try:
        header = read_header(Path(path))
        rows = [values for _, values in itertools.islice(iter_rows(Path(path)), 2)]
    except CsvError as exc:
        store.add_problem(name, exc.row, '', '', exc.why)
        return {}
    for column in header:
        if column in keys:
            store.add_problem(name, None, column, '', f'es la clave de cada fila: va en {" / ".join(keys[column])}')
        elif column not in columns:
            store.add_problem(
                name,
                None,
                column,
                '',
                'no es un parámetro declarado de ninguna acción (vea python -m transformacion --format markdown)',
            )
    if len(rows) != 1:
        store.add_problem(name, None, '', '', 'debe tener exactamente una fila de datos bajo la cabecera')
    usable = columns - set(keys) - set(_formulas(name, 1, rows[0] if rows else {}, store))
    return {column: value for column, value in (rows[0] if rows else {}).items() if column in usable and value}


@dataclass(frozen=True)
class _Scope:
    """What validating the rows of one dataset needs."""

    dataset: str
    file: str
    keys: tuple[str, ...]
    actions: tuple[Action, ...]
    seqs: dict[str, int]
    global_row: dict[str, str]


def _formulas(file: str, number: int, row: dict[str, str], store: Checkpoint) -> list[str]:
    """The columns of ``row`` holding a formula (see ``csvfiles.looks_like_formula``), each recorded as a problem."""
    columns = [column for column, value in row.items() if looks_like_formula(value)]
    for column in columns:
        store.add_problem(file, number, column, row[column], FORMULA_WHY)
    return columns


def _column_problems(scope: _Scope, header: list[str], columns: dict[str, set[str]], store: Checkpoint) -> None:
    own = columns[scope.dataset]
    for column in header:
        if column not in own:
            owners = [DATASETS[other] for other, owned in columns.items() if column in owned]
            why = (
                f'la columna pertenece a {" / ".join(owners)}, no a {scope.file}'
                if owners
                else f'columna desconocida; columnas de {scope.file}: {", ".join(sorted(own))}'
            )
            store.add_problem(scope.file, None, column, '', why)


def _validate_dataset(scope: _Scope, path: Path, batch: Batch, catalog: Catalog, store: Checkpoint) -> None:
    try:
        _column_problems(scope, read_header(path), dataset_columns(catalog), store)
        found, empty = False, True
        for ordinal, (number, row) in enumerate(iter_rows(path)):
            empty = False
            if batch.row is None or number == batch.row:
                found = True
                _validate_row(scope, number, ordinal // batch.chunk_size, row, store)
    except CsvError as exc:
        store.add_problem(scope.file, exc.row, '', '', exc.why)
        return
    if empty:
        why = 'no tiene ninguna fila de datos bajo la cabecera (¿exportación incompleta?): el lote no haría nada'
        store.add_problem(scope.file, None, '', '', why)
    elif batch.row is not None and not found:
        store.add_problem(scope.file, batch.row, '', '', f'no hay fila {batch.row} con datos')


def _validate_row(scope: _Scope, number: int, chunk: int, row: dict[str, str], store: Checkpoint) -> None:
    entity = ' / '.join(row.get(column, '') for column in scope.keys)
    row_problem = None
    if entity.strip(' /'):
        first = store.claim_entity(scope.dataset, entity, number)
        if first != number:
            row_problem = f'clave repetida: {entity!r} ya está en la fila {first} de {scope.file}'
            store.add_problem(scope.file, number, scope.keys[0], entity, row_problem)
    formulas = _formulas(scope.file, number, row, store)
    if formulas and row_problem is None:
        row_problem = f'columna {formulas[0]}: {FORMULA_WHY}'
    merged = merge(scope.global_row, row)
    for action in scope.actions:
        status, message = 'pending', ''
        try:
            refuse_if_in_development(action)
            if not applies(action, merged):
                own = ', '.join(p.csv_column for p in action.request_params)
                status, message = 'skipped', f'no aplica: la fila no rellena ninguna columna de {action.name} ({own})'
            elif row_problem:
                status, message = 'rejected', row_problem
            else:
                typed_params(action, row, scope.global_row, scope.file, number)
        except InvalidParams as exc:
            status, message = 'rejected', exc.message
            for problem in exc.problems:
                store.add_problem(problem.file, problem.row, problem.column, problem.value, problem.why)
        except Rejected as exc:
            status, message = 'rejected', exc.message
        store.execute(
            'INSERT INTO tasks (dataset, row_number, action, seq, chunk, entity, status, message) '
            'VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
            (scope.dataset, number, action.name, scope.seqs[action.name], chunk, entity, status, _short(message)),
        )


def validate(batch: Batch, catalog: Catalog, store: Checkpoint) -> int:
    """Stream every row of every dataset once, record one task per row x action and every problem; in one
    transaction, so a run killed meanwhile validates again when resumed. Returns the number of problems."""
    phases = plan(batch.actions, catalog)
    seqs = {action.name: i for i, action in enumerate(a for _, group in phases for a in group)}
    with store.transaction():
        for table in ('tasks', 'entities', 'problems'):
            store.execute(f'DELETE FROM {table}')
        global_row = _read_global(batch.global_csv, catalog, store)
        for dataset, path in batch.sources.items():
            actions = tuple(a for _, group in phases for a in group if a.domain == dataset)
            keys = key_columns(catalog, dataset)
            scope = _Scope(dataset, Path(path).name, keys, actions, seqs, global_row)
            _validate_dataset(scope, Path(path), batch, catalog, store)
        problems = store.rows('SELECT COUNT(*) FROM problems')[0][0]
        if problems and not batch.skip_invalid:
            store.execute(
                "UPDATE tasks SET status = 'skipped', message = ? WHERE status = 'pending'",
                (f'no se ejecuta: el lote tiene {problems} problema(s) de validación; {_FIX_OR_SKIP}',),
            )
            store.set_meta('state', 'rejected')
        store.set_meta('global_row', global_row)
        store.set_meta('validated', True)
    return problems


# --------------------------------------------------------------------------- execution


@dataclass
class _Run:
    """What the workers of one invocation share."""

    batch: Batch
    settings: Settings
    catalog: Catalog
    store: Checkpoint
    run_dir: Path
    api: Any
    global_row: dict[str, str]
    progress: Progress
    sleep: Callable[[float], None]
    deadline: float | None
    cache: RunCache = field(default_factory=RunCache)
    locks: dict[str, threading.Lock] = field(default_factory=dict)
    abandoned: list[ThreadPoolExecutor] = field(default_factory=list)

    def log_path(self, action: str) -> Path:
        return self.run_dir / f'{action}.jsonl'


def _values(value: Any) -> list[str]:
    if value in (None, '', []):
        return []
    return [str(item) for item in value] if isinstance(value, list) else [str(value)]


def prerequisite_rows(
    catalog: Catalog,
    store: Checkpoint,
    dataset: str,
    number: int,
    action: Action,
    dependency: Action,
    params: dict[str, Any],
) -> set[tuple[str, int]]:
    """The (dataset, row) whose ``dependency`` this row x action needs, when the row uses it at all.

    A dependency of the same dataset is the row's own entity; every value of the row that names an entity of the
    dependency's dataset (matched against that dataset's key, a list naming several) adds that entity's row.
    """
    if not any(_values(params.get(p.name)) for p in action.params if p.depends_on == dependency.name):
        return set()
    rows = {(dataset, number)} if dependency.domain == dataset else set()
    for param in action.params:
        owner = catalog.get(param.depends_on or '')
        if owner is None or owner[0].domain != dependency.domain or (param.key and dependency.domain == dataset):
            continue
        for value in _values(params.get(param.name)):
            found = store.entity_row(dependency.domain, value)
            if found is not None:
                rows.add((dependency.domain, found))
    return rows


def _prerequisite_state(
    run: _Run, dataset: str, number: int, action: Action, params: dict[str, Any]
) -> tuple[str | None, str | None, bool]:
    """(why it cannot run, the failed prerequisite's id, whether a prerequisite only ran as a dry run)."""
    simulated = False
    for name in action.depends_on:
        dependency = run.catalog[name][0]
        targets = prerequisite_rows(run.catalog, run.store, dataset, number, action, dependency, params)
        for target_dataset, target_row in sorted(targets):
            state = run.store.task(target_dataset, target_row, name)
            if state is None:
                continue
            status, message, blocked_by = state
            if status not in OK_STATUSES or blocked_by:
                reason = f'requisito no cumplido: {name} de {target_dataset} fila {target_row} terminó en {status}'
                return _short(f'{reason}: {message}'), f'{name}:{target_dataset}:{target_row}', simulated
            simulated = simulated or status == 'dry_run'
    return None, None, simulated


def _retryable(outcome: Outcome) -> bool:
    error = outcome.details.get('error')
    return outcome.status == 'error' and isinstance(error, dict) and error.get('reason') in RETRYABLE


def _run_task(
    run: _Run, dataset: str, number: int, row: dict[str, str], action: Action, cancel: threading.Event
) -> None:
    file = Path(run.batch.sources[dataset]).name
    key = (dataset, number, action.name)
    started = time.monotonic()
    try:
        params = typed_params(action, row, run.global_row, file, number)
    except Rejected as exc:
        run.store.finish(*key, Outcome('rejected', f'la fila cambió desde la validación: {exc.message}'))
        run.progress.advance(False)
        return
    reason, blocked_by, simulated = _prerequisite_state(run, dataset, number, action, params)
    if reason:
        run.store.finish(*key, Outcome('skipped', reason), blocked_by=blocked_by)
        run.progress.advance(False)
        return
    log = ActionLog(run.log_path(action.name), f'{action.name}:{dataset}:{number}', lock=run.locks[action.name])
    domain = run.catalog[action.name][1]
    last_error = None
    for attempt in itertools.count(1):
        if not run.store.start(*key):
            return
        ctx = Context(
            log=log,
            policy=run.settings.policy,
            dry_run=run.batch.dry_run,
            assume_yes=run.settings.assume_yes,
            org_id=run.settings.org_id,
            cache=run.cache,
            sleep=run.sleep,
        )
        outcome = execute(action, domain, params, api_factory=lambda: run.api, ctx=ctx)
        if outcome.status in FAILED_STATUSES:
            last_error = outcome.message
        if not _retryable(outcome) or attempt >= run.settings.row_attempts or cancel.is_set():
            break
        wait_s = backoff_delay(attempt, run.settings.policy)
        log.event('error', {'kind': 'row_retry', 'attempt': attempt, 'wait_s': round(wait_s, 3), 'message': last_error})
        run.sleep(wait_s)
    if outcome.status == 'rejected' and simulated:
        outcome = Outcome(
            'dry_run',
            f'simulación: depende de un requisito que esta ejecución aplicaría antes; hoy: {outcome.message}',
            outcome.details,
        )
    log.event('summary', {'status': outcome.status, 'message': outcome.message, 'attempts': attempt})
    if run.store.finish(*key, outcome, log, time.monotonic() - started, last_error=last_error):
        run.progress.advance(outcome.status in OK_STATUSES)


def _run_row(
    run: _Run, dataset: str, number: int, row: dict[str, str], actions: list[Action], cancel: threading.Event
) -> None:
    for action in actions:
        if cancel.is_set():
            return
        _run_task(run, dataset, number, row, action, cancel)


def _chunks(path: str, size: int) -> Iterator[list[tuple[int, dict[str, str]]]]:
    """The rows of a dataset, ``size`` at a time; an unreadable line ends them (validation reported it)."""
    chunk: list[tuple[int, dict[str, str]]] = []
    with suppress(CsvError):
        for item in iter_rows(Path(path)):
            chunk.append(item)
            if len(chunk) == size:
                yield chunk
                chunk = []
    if chunk:
        yield chunk


def _run_chunk(
    run: _Run,
    dataset: str,
    actions: tuple[Action, ...],
    chunk: list[tuple[int, dict[str, str]]],
    pending: dict[int, set[str]],
) -> bool:
    """Run one chunk's rows concurrently; False when the job timeout stopped the run."""
    cancel = threading.Event()
    limits = [run.settings.chunk_timeout] if run.settings.chunk_timeout else []
    if run.deadline is not None:
        limits.append(max(0.0, run.deadline - time.monotonic()))
    pool = ThreadPoolExecutor(max_workers=run.settings.concurrency, thread_name_prefix='fila')
    futures = [
        pool.submit(_run_row, run, dataset, number, row, [a for a in actions if a.name in pending[number]], cancel)
        for number, row in chunk
        if number in pending
    ]
    done, unfinished = wait(futures, timeout=min(limits) if limits else None)
    for future in done:
        future.result()
    if not unfinished:
        pool.shutdown()
        return True
    cancel.set()
    if run.deadline is not None and time.monotonic() >= run.deadline:
        pool.shutdown(wait=True, cancel_futures=True)
        return False
    pool.shutdown(wait=False, cancel_futures=True)
    run.abandoned.append(pool)
    message = f'sin terminar al vencer el timeout del bloque ({run.settings.chunk_timeout:g} s); use --retry-failed'
    closed = run.store.close_unfinished(dataset, sorted(pending), [a.name for a in actions], message)
    for _ in range(closed):
        run.progress.advance(False)
    return True


def _execute(run: _Run) -> None:
    """Every phase, chunk by chunk; at the end, wait for the calls that timed-out chunks left in flight."""
    try:
        for dataset, actions in plan(run.batch.actions, run.catalog):
            names = {action.name for action in actions}
            if not run.store.count(['pending'], sorted(names)):
                continue
            for chunk in _chunks(run.batch.sources[dataset], run.batch.chunk_size):
                pending = run.store.pending(dataset, chunk[0][0], chunk[-1][0], names)
                if pending and not _run_chunk(run, dataset, actions, chunk, pending):
                    return
    finally:
        for pool in run.abandoned:
            pool.shutdown(wait=True)


# --------------------------------------------------------------------------- outputs


def write_results(store: Checkpoint, run_dir: Path, batch: Batch, catalog: Catalog) -> Path:
    """results_manual.csv from the checkpoint: one line per row x action, cells protected against formulas."""
    path = run_dir / 'results_manual.csv'
    partial = path.with_suffix('.tmp')
    datasets = list(dict.fromkeys(domain for domain, _ in plan(batch.actions, catalog)))
    with partial.open('w', encoding='utf-8-sig', newline='') as handle, store.transaction():
        writer = csv.writer(handle, delimiter=';')
        writer.writerow(RESULT_COLUMNS)
        for dataset in datasets:
            for row in store.execute(
                'SELECT dataset, row_number, entity, action, status, message, attempts, duration_s, tracking_id '
                'FROM tasks WHERE dataset = ? ORDER BY row_number, seq',
                (dataset,),
            ):
                log_file = str(run_dir / f'{row[3]}.jsonl') if row[6] else ''
                writer.writerow([protect_cell(cell) for cell in (*row, log_file)])
    os.replace(partial, path)
    return path


def _counts(store: Checkpoint, column: str) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for group, status, number in store.rows(
        f'SELECT {column}, status, COUNT(*) FROM tasks GROUP BY {column}, status ORDER BY MIN(seq), {column}'
    ):
        counts.setdefault(str(group), {})[status] = number
    return counts


def build_summary(store: Checkpoint, run_dir: Path) -> dict[str, Any]:
    """summary.json: counts by status per action, dataset and chunk; timings; API calls, retries and 429s."""
    totals = store.rows(
        'SELECT COUNT(*), COALESCE(SUM(api_calls), 0), COALESCE(SUM(http_429), 0), COALESCE(SUM(retries), 0), '
        'COALESCE(SUM(attempts), 0), COALESCE(SUM(duration_s), 0) FROM tasks'
    )[0]
    by_status = {status: count for status, count in store.rows('SELECT status, COUNT(*) FROM tasks GROUP BY status')}
    by_chunk: dict[str, dict[str, int]] = {}
    for dataset, chunk, status, count in store.rows(
        'SELECT dataset, chunk, status, COUNT(*) FROM tasks GROUP BY dataset, chunk, status ORDER BY MIN(seq), chunk'
    ):
        by_chunk.setdefault(f'{dataset}#{chunk + 1}', {})[status] = count
    sessions = [
        {'kind': kind, 'started_at': started, 'finished_at': finished, 'state': state}
        for kind, started, finished, state in store.rows(
            'SELECT kind, started_at, finished_at, state FROM sessions ORDER BY id'
        )
    ]
    durations = {
        action: {'total_s': round(total, 3), 'mean_s': round(mean, 3)}
        for action, total, mean in store.rows(
            'SELECT action, SUM(duration_s), AVG(duration_s) FROM tasks WHERE attempts > 0 GROUP BY action'
        )
    }
    batch = store.meta('batch')
    return {
        'run_id': run_dir.name,
        'run_dir': str(run_dir),
        'state': _state(store),
        'dry_run': batch['dry_run'],
        'mode': 'single' if batch['row'] is not None else 'bulk',
        'actions': batch['actions'],
        'inputs': {'global': batch['global_csv'], **batch['sources']},
        'total': totals[0],
        'by_status': {status: by_status.get(status, 0) for status in TASK_STATUSES},
        'by_action': _counts(store, 'action'),
        'by_dataset': _counts(store, 'dataset'),
        'by_chunk': by_chunk,
        'problems': store.rows('SELECT COUNT(*) FROM problems')[0][0],
        'api_calls': totals[1],
        'http_429': totals[2],
        'retries': totals[3],
        'attempts': totals[4],
        'timings': {
            'started_at': sessions[0]['started_at'] if sessions else None,
            'finished_at': sessions[-1]['finished_at'] if sessions else None,
            'work_s': round(totals[5], 3),
            'by_action': durations,
            'sessions': sessions,
        },
        'files': {
            'results': str(run_dir / 'results_manual.csv'),
            'checkpoint': str(store.path),
            'logs': {a: str(run_dir / f'{a}.jsonl') for a in batch['actions'] if (run_dir / f'{a}.jsonl').is_file()},
        },
    }


def _state(store: Checkpoint) -> str:
    if store.meta('state') == 'rejected':
        return 'rejected'
    return 'stopped' if store.count(['pending', 'running']) else 'completed'


def _exit_code(state: str, summary: dict[str, Any]) -> int:
    if state == 'rejected':
        return EXIT_CODES['rejected']
    if state == 'stopped':
        return EXIT_CODES['stopped']
    failed = sum(summary['by_status'][status] for status in FAILED_STATUSES)
    return EXIT_CODES['partial'] if failed or summary['problems'] else EXIT_CODES['ok']


# --------------------------------------------------------------------------- runs


@contextmanager
def _open_run(run_dir: Path) -> Iterator[Checkpoint]:
    """The run's checkpoint, with an exclusive lock so two processes never drive the same run."""
    run_dir.mkdir(parents=True, exist_ok=True)
    with (run_dir / '.lock').open('w') as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise NotStarted(f'otro proceso está usando la ejecución {run_dir.name}') from None
        store = Checkpoint(run_dir / 'checkpoint.sqlite')
        try:
            yield store
        finally:
            store.close()


def _drive(
    store: Checkpoint,
    run_dir: Path,
    kind: str,
    settings: Settings,
    connection: tuple[str, str | None],
    catalog: Catalog,
    sleep: Callable[[float], None],
    stream: TextIO | None,
) -> Report:
    stored = store.meta('batch')
    batch = Batch(**{**stored, 'actions': tuple(stored['actions'])})
    session = store.execute('INSERT INTO sessions (kind, started_at) VALUES (?, ?)', (kind, _now())).lastrowid
    if not store.meta('validated') and validate(batch, catalog, store) and batch.skip_invalid:
        print(
            'aviso: la validación encontró problemas; con --skip-invalid se ejecutan solo las filas válidas '
            '(lista completa al final y en results_manual.csv)',
            file=stream or sys.stderr,
        )
    if _state(store) != 'rejected':
        token, base_url = connection
        api = create_api(
            token,
            base_url,
            concurrency=2 * settings.concurrency,  # room for workers a chunk timeout left on a slow call
            timeout=settings.policy.timeout,
            controller=RateController(settings.rate_limit, max_pause=settings.policy.max_wait),
        )
        run = _Run(
            batch=batch,
            settings=settings,
            catalog=catalog,
            store=store,
            run_dir=run_dir,
            api=api,
            global_row=store.meta('global_row'),
            progress=Progress(store.count(['pending']), stream=stream),
            sleep=sleep,
            deadline=time.monotonic() + settings.job_timeout if settings.job_timeout else None,
            locks={name: threading.Lock() for name in batch.actions},
        )
        _execute(run)
        run.progress.close()
    state = _state(store)
    store.execute('UPDATE sessions SET finished_at = ?, state = ? WHERE id = ?', (_now(), state, session))
    write_results(store, run_dir, batch, catalog)
    summary = build_summary(store, run_dir)
    (run_dir / 'summary.json').write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding='utf-8')
    return Report(run_dir.name, run_dir, state, _exit_code(state, summary), summary, list(store.problems()))


def start_run(
    batch: Batch,
    settings: Settings,
    connection: tuple[str, str | None],
    *,
    log_dir: str | Path | None = None,
    catalog: Catalog | None = None,
    sleep: Callable[[float], None] = time.sleep,
    stream: TextIO | None = None,
) -> Report:
    """Validate ``batch`` and, when valid (or with ``skip_invalid``), run it in a new run folder."""
    catalog = catalog or load_catalog()
    plan(batch.actions, catalog)
    run_dir = (log_dir_from(log_dir) / 'runs' / new_run_id()).resolve()
    fingerprints = {path: _fingerprint(path) for path in _inputs(batch)}
    with _open_run(run_dir) as store:
        with store.transaction():
            store.set_meta('batch', asdict(batch))
            store.set_meta('fingerprints', fingerprints)
        return _drive(store, run_dir, 'run', settings, connection, catalog, sleep, stream)


def continue_run(
    run_id: str,
    settings: Settings,
    connection: tuple[str, str | None],
    *,
    retry_failed: bool = False,
    log_dir: str | Path | None = None,
    catalog: Catalog | None = None,
    sleep: Callable[[float], None] = time.sleep,
    stream: TextIO | None = None,
) -> Report:
    """``--resume``: run what is pending or was in flight. ``--retry-failed``: also re-run the row x action pairs
    that ended in error or timeout, and the dependants they had blocked."""
    catalog = catalog or load_catalog()
    run_dir = (log_dir_from(log_dir) / 'runs' / run_id).resolve()
    if not (run_dir / 'checkpoint.sqlite').is_file():
        raise NotStarted(f'no existe la ejecución {run_id} en {run_dir.parent}')
    with _open_run(run_dir) as store:
        if store.meta('batch') is None:
            raise NotStarted(f'la ejecución {run_id} no llegó a registrar su lote; lance una nueva')
        for path, digest in store.meta('fingerprints').items():
            if not Path(path).is_file() or _fingerprint(path) != digest:
                raise NotStarted(f'{path} ha cambiado desde que empezó la ejecución {run_id}; lance una nueva')
        with store.transaction():
            store.execute("UPDATE tasks SET status = 'pending' WHERE status = 'running'")
            if retry_failed:
                store.execute(
                    "UPDATE tasks SET status = 'pending', blocked_by = NULL "
                    "WHERE status IN ('error', 'timeout') OR (status = 'skipped' AND blocked_by IS NOT NULL)"
                )
        kind = 'retry-failed' if retry_failed else 'resume'
        return _drive(store, run_dir, kind, settings, connection, catalog, sleep, stream)


def _inputs(batch: Batch) -> list[str]:
    return [*([batch.global_csv] if batch.global_csv else []), *batch.sources.values()]


# --------------------------------------------------------------------------- command line (shared with the launcher)


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """The options every batch command shares: mode of the run, connection, pacing, timeouts and continuation."""
    run = parser.add_argument_group('ejecución')
    run.add_argument('--dry-run', dest='dry_run', action='store_true', help='planifica todo el lote, sin escribir')
    run.add_argument(
        '--skip-invalid',
        dest='skip_invalid',
        action='store_true',
        help='si la validación encuentra problemas, ejecuta igualmente las filas válidas (las demás: rejected)',
    )
    run.add_argument(
        '--yes',
        action='store_true',
        help='confirma los cambios de alto impacto; sin él, cada fila que los necesite queda rejected '
        '(con --sandbox no hace falta: la organización de demostración es desechable)',
    )
    run.add_argument(
        '--chunk-size',
        dest='chunk_size',
        type=_positive_int,
        default=DEFAULT_CHUNK_SIZE,
        help=f'filas por bloque (por defecto {DEFAULT_CHUNK_SIZE})',
    )
    run.add_argument(
        '--concurrency',
        type=_positive_int,
        help=f'filas simultáneas dentro de un bloque (por defecto {DEFAULT_CONCURRENCY}; '
        f'{PACED_CONCURRENCY} con --rate-limit, que marca el ritmo)',
    )
    run.add_argument('--rate-limit', dest='rate_limit', type=_positive_float, help='peticiones por segundo, máximo')
    run.add_argument(
        '--chunk-timeout',
        dest='chunk_timeout',
        type=_positive_float,
        default=DEFAULT_CHUNK_TIMEOUT,
        help='segundos por bloque; las filas sin terminar quedan timeout y el trabajo sigue (por defecto 1800)',
    )
    run.add_argument(
        '--job-timeout',
        dest='job_timeout',
        type=_positive_float,
        help='segundos del trabajo completo; al vencer se detiene limpio y se reanuda con --resume',
    )
    again = run.add_mutually_exclusive_group()
    again.add_argument(
        '--resume',
        metavar='RUN_ID',
        help='continúa una ejecución interrumpida, incluso con kill -9 (entradas, acciones y --dry-run: los suyos)',
    )
    again.add_argument(
        '--retry-failed', dest='retry_failed', metavar='RUN_ID', help='repite solo las filas en error o timeout'
    )
    connection = parser.add_argument_group('conexión y registro')
    connection.add_argument('--token', help='token de Webex (por defecto WEBEX_ACCESS_TOKEN; nunca se muestra)')
    connection.add_argument('--base-url', dest='base_url', help='URL base de la API (por defecto WEBEX_BASE_URL)')
    connection.add_argument('--org-id', dest='org_id', help='organización destino (por defecto WEBEX_ORG_ID)')
    connection.add_argument(
        '--sandbox', action='store_true', help='arranca el sandbox local (org de demostración) y ejecuta contra él'
    )
    connection.add_argument('--log-dir', dest='log_dir', help='carpeta de logs (por defecto TRANSFORMACION_LOG_DIR)')


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError('debe ser un entero positivo')
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError('debe ser un número positivo')
    return value


def settings_from_args(args: argparse.Namespace, *, concurrency: int | None = None) -> Settings:
    return Settings(
        concurrency=concurrency or args.concurrency or (PACED_CONCURRENCY if args.rate_limit else DEFAULT_CONCURRENCY),
        rate_limit=args.rate_limit,
        chunk_timeout=args.chunk_timeout,
        job_timeout=args.job_timeout,
        assume_yes=args.yes or args.sandbox,
        org_id=args.org_id or os.environ.get('WEBEX_ORG_ID') or None,
    )


@contextmanager
def connection_from_args(args: argparse.Namespace, stream: TextIO) -> Iterator[tuple[str, str | None]]:
    """(token, base URL): the embedded sandbox with ``--sandbox``, else ``--token``/``--base-url`` (or, when not
    given, ``WEBEX_ACCESS_TOKEN`` / ``WEBEX_BASE_URL``, which ``create_api`` reads)."""
    if args.sandbox:
        from transformacion.sandbox import running_sandbox

        with running_sandbox() as sandbox:
            print(f'sandbox local en {sandbox.base_url}', file=stream)
            yield sandbox.token, sandbox.base_url
        return
    try:
        token = get_token(args)
    except Rejected as exc:
        raise NotStarted(exc.message) from None
    yield token, args.base_url


def render_table(summary: dict[str, Any]) -> str:
    """The end-of-run table: one line per action with its counts by status, then totals and where to look."""
    statuses = [s for s in TASK_STATUSES if s not in ('pending', 'running')] + ['pending']
    header = ['acción', *statuses, 'total']
    lines = []
    for action, counts in summary['by_action'].items():
        pending = counts.get('pending', 0) + counts.get('running', 0)
        values = [counts.get(status, 0) for status in statuses[:-1]] + [pending]
        lines.append([action, *map(str, values), str(sum(counts.values()))])
    totals = summary['by_status']
    lines.append(
        ['TOTAL']
        + [str(totals[s]) for s in statuses[:-1]]
        + [str(totals['pending'] + totals['running']), str(summary['total'])]
    )
    widths = [max(len(str(line[i])) for line in [header, *lines]) for i in range(len(header))]
    table = [
        '  '.join(cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(line))
        for line in [header, *lines]
    ]
    return '\n'.join(
        [
            f'Ejecución {summary["run_id"]}: {summary["state"]}' + (' (simulación)' if summary['dry_run'] else ''),
            *table,
            f'llamadas a la API: {summary["api_calls"]} · 429 recibidos: {summary["http_429"]} · '
            f'reintentos: {summary["retries"]} · problemas de validación: {summary["problems"]}',
            f'resultados: {summary["files"]["results"]}',
            f'resumen:    {Path(summary["run_dir"]) / "summary.json"}',
        ]
    )


def _next_step(report: Report) -> str:
    """What the operator should do now, in one line ('' when nothing)."""
    if report.state == 'rejected':
        return f'lote rechazado por la validación: {_FIX_OR_SKIP}'
    if report.state == 'stopped':
        return f'quedan filas pendientes (--job-timeout); continúe con --resume {report.run_id}'
    counts = report.summary['by_status']
    steps = []
    if counts['error'] + counts['timeout']:
        steps.append(f'{counts["error"] + counts["timeout"]} en error o timeout: --retry-failed {report.run_id}')
    if counts['rejected']:
        steps.append(
            f'{counts["rejected"]} rechazadas: vea el motivo en results_manual.csv (alto impacto: relance con --yes; '
            'datos: corrija el CSV y relance; lo ya aplicado quedará skipped)'
        )
    if report.summary['problems']:
        steps.append('hay problemas de validación sin aplicar (--skip-invalid): corríjalos y relance')
    return '; '.join(steps)


def emit(script_name: str, report: Report, invocation: dict[str, Any], stream: TextIO) -> int:
    """Problems and the table on ``stream``, the result object on stdout; returns the exit code."""
    if report.problems:
        print(f'Problemas de validación ({len(report.problems)}):', file=stream)
        for problem in report.problems:
            print(f'  - {problem}', file=stream)
    print(render_table(report.summary), file=stream)
    message = _next_step(report)
    if message:
        print(message, file=stream)
    if report.state == 'rejected':
        status = 'rejected'
    elif report.exit_code:
        status = 'error'
    else:
        status = 'dry_run' if report.summary['dry_run'] else 'executed'
    result = {
        'run_id': report.run_id,
        'run_dir': str(report.run_dir),
        'results_file': report.summary['files']['results'],
        'summary_file': str(report.run_dir / 'summary.json'),
        'problems': report.problems[:100],
    }
    summary = {**report.summary, 'exit_code': report.exit_code, 'message': message or 'completado'}
    document = result_object(script_name, status, invocation, result, summary)
    print(json.dumps(document, ensure_ascii=False, indent=2, default=str))
    return report.exit_code


def not_started(script_name: str, message: str, invocation: dict[str, Any], stream: TextIO) -> int:
    print(f'no se puede empezar: {message}', file=stream)
    summary = {'message': message, 'exit_code': EXIT_CODES['not_started']}
    document = result_object(script_name, 'rejected', invocation, {'error': message}, summary)
    print(json.dumps(document, ensure_ascii=False, indent=2, default=str))
    return EXIT_CODES['not_started']


def crashed(script_name: str, exc: Exception, invocation: dict[str, Any], stream: TextIO) -> int:
    """An unexpected failure of the runner itself: a masked traceback and the result object, never a raw trace."""
    trace = mask_text(''.join(traceback.format_exception(exc)))
    print(f'fallo inesperado: {trace}', file=stream)
    message = mask_text(f'{type(exc).__name__}: {exc}')
    summary = {'message': message, 'exit_code': EXIT_CODES['crashed']}
    document = result_object(script_name, 'error', invocation, {'error': message}, summary)
    print(json.dumps(document, ensure_ascii=False, indent=2, default=str))
    return EXIT_CODES['crashed']


class OptionsParser(argparse.ArgumentParser):
    """argparse whose usage errors exit 4 ("could not start"), keeping 2 for batches rejected by validation."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_CODES['not_started'], f'{self.prog}: error: {message}\n')


def run_command(
    script_name: str,
    args: argparse.Namespace,
    argv: list[str],
    make_batch: Callable[[Catalog], Batch],
    *,
    concurrency: int | None = None,
    stream: TextIO | None = None,
) -> int:
    """What both batch commands do once their options are parsed: start or continue a run and report it."""
    stream = stream or sys.stderr
    load_runtime_env()
    invocation: dict[str, Any] = {'argv': mask_argv(argv, {'--token'})}
    try:
        catalog = load_catalog()
        settings = settings_from_args(args, concurrency=concurrency)
        continued = args.resume or args.retry_failed
        batch = None if continued else make_batch(catalog)
        with connection_from_args(args, stream) as connection:
            if batch is None:
                report = continue_run(
                    continued,
                    settings,
                    connection,
                    retry_failed=bool(args.retry_failed),
                    log_dir=args.log_dir,
                    catalog=catalog,
                    stream=stream,
                )
            else:
                for name in batch.actions:
                    if not catalog[name][0].ready:
                        print(f'aviso: {name} está en desarrollo: sus filas quedarán rejected', file=stream)
                report = start_run(batch, settings, connection, log_dir=args.log_dir, catalog=catalog, stream=stream)
    except NotStarted as exc:
        return not_started(script_name, str(exc), invocation, stream)
    except Exception as exc:
        return crashed(script_name, exc, invocation, stream)
    return emit(script_name, report, invocation, stream)


def _parser() -> argparse.ArgumentParser:
    parser = OptionsParser(
        prog='python -m transformacion.bulk_runner',
        description='Ejecuta una acción sobre todas las filas de un CSV: valida todo antes de escribir, bloques '
        'concurrentes, reintentos, timeouts y un punto de control SQLite reanudable.',
        epilog=EXIT_HELP,
    )
    parser.add_argument('--action', help='acción a ejecutar (python -m transformacion las lista)')
    parser.add_argument('--csv', help='CSV del dataset de la acción (una fila por entidad)')
    parser.add_argument('--global', dest='global_csv', help='global.csv opcional: una fila de valores comunes')
    add_run_options(parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(argv)

    def make_batch(catalog: Catalog) -> Batch:
        if not args.action or not args.csv:
            raise NotStarted('indique --action y --csv (o --resume / --retry-failed RUN_ID)')
        if args.action not in catalog:
            raise NotStarted(f'acción desconocida: {args.action}; acciones: {", ".join(catalog)}')
        for path in filter(None, (args.csv, args.global_csv)):
            if not Path(path).is_file():
                raise NotStarted(f'no existe el fichero {path}')
        return Batch(
            sources={catalog[args.action][0].domain: str(Path(args.csv).resolve())},
            global_csv=str(Path(args.global_csv).resolve()) if args.global_csv else None,
            actions=(args.action,),
            dry_run=args.dry_run,
            skip_invalid=args.skip_invalid,
            chunk_size=args.chunk_size,
        )

    return run_command('bulk_runner', args, argv, make_batch)


if __name__ == '__main__':
    raise SystemExit(main())
