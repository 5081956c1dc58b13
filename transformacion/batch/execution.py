"""The engine of a run: phase by phase (``core.catalog.plan``), chunk by chunk, the rows of a chunk on a thread pool,
each row running its pending actions in order through ``core.cli.execute``.

A row x action runs only when its prerequisites (the rows whose entities it uses) ended ok; transient failures and
429s are retried per row with a capped backoff; a chunk that outlives ``--chunk-timeout`` closes its unfinished tasks
as ``timeout`` and the run goes on; ``--job-timeout`` stops the run cleanly (resumable). Every outcome goes to the
checkpoint as it happens.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from transformacion.batch.checkpoint import FAILED_STATUSES, OK_STATUSES, Checkpoint, short
from transformacion.batch.inputs import dataset_rows, license_reader
from transformacion.batch.options import Batch, Settings
from transformacion.batch.validation import typed_params
from transformacion.core.catalog import Catalog, plan
from transformacion.core.cli import execute
from transformacion.core.context import Context, RunCache
from transformacion.core.csvfiles import CsvError
from transformacion.core.evidence import ActionLog
from transformacion.core.outcome import Outcome, Rejected
from transformacion.core.params import Action
from transformacion.core.progress import Progress
from transformacion.core.retry import backoff_delay

#: The failure reasons (``core.retry.classify_error``) that a row retries.
RETRYABLE = ('transient', 'rate_limited')


#: the evidence file (``<run dir>/lote.jsonl``) of the reads the batch makes for every row (e.g. the licenses that
#: Control Hub's license columns name)
BATCH_LOG = 'lote'


@dataclass
class RunContext:
    """What the workers of one invocation share: the run's batch, settings, catalogue and checkpoint, one SDK client,
    the global.csv row, the progress display, the run-wide cache and the deadline (``time.monotonic()``) of
    ``--job-timeout``."""

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
    run: RunContext, dataset: str, number: int, action: Action, params: dict[str, Any]
) -> tuple[str | None, str | None, bool]:
    """(why it cannot run, the failed prerequisite's id, whether a prerequisite only ran as a dry run)."""
    simulated = False
    for name in action.depends_on:
        dependency = run.catalog[name][0]
        targets = prerequisite_rows(run.catalog, run.store, dataset, number, action, dependency, params)
        for target_dataset, target_row in sorted(targets):
            task = run.store.task(target_dataset, target_row, name)
            if task is None:
                continue
            if task.status not in OK_STATUSES or task.blocked_by:
                reason = f'requisito no cumplido: {name} de {target_dataset} fila {target_row} terminó en {task.status}'
                return short(f'{reason}: {task.message}'), f'{name}:{target_dataset}:{target_row}', simulated
            simulated = simulated or task.status == 'dry_run'
    return None, None, simulated


def _retryable(outcome: Outcome) -> bool:
    error = outcome.details.get('error')
    return outcome.status == 'error' and isinstance(error, dict) and error.get('reason') in RETRYABLE


def _run_task(
    run: RunContext, dataset: str, number: int, row: dict[str, str], action: Action, cancel: threading.Event
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
    run: RunContext, dataset: str, number: int, row: dict[str, str], actions: list[Action], cancel: threading.Event
) -> None:
    for action in actions:
        if cancel.is_set():
            return
        _run_task(run, dataset, number, row, action, cancel)


def _chunks(run: RunContext, dataset: str) -> Iterator[list[tuple[int, dict[str, str]]]]:
    """The rows of a dataset as validated (``batch.inputs.dataset_rows``), ``chunk_size`` at a time; an unreadable
    line ends them (validation reported it)."""
    size = run.batch.chunk_size
    log = ActionLog(run.log_path(BATCH_LOG), f'{BATCH_LOG}:{dataset}')
    licenses = license_reader(run.api, run.settings.org_id, run.settings.policy, log=log)
    chunk: list[tuple[int, dict[str, str]]] = []
    with suppress(CsvError):
        for item in dataset_rows(run.batch, dataset, run.catalog, licenses=licenses):
            chunk.append(item)
            if len(chunk) == size:
                yield chunk
                chunk = []
    if chunk:
        yield chunk


def _run_chunk(
    run: RunContext,
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


def execute_run(run: RunContext) -> None:
    """Every phase, chunk by chunk, until done or stopped by the job timeout; at the end, wait for the calls that
    timed-out chunks left in flight."""
    try:
        for dataset, actions in plan(run.batch.actions, run.catalog):
            names = {action.name for action in actions}
            if not run.store.count(['pending'], sorted(names)):
                continue
            for chunk in _chunks(run, dataset):
                pending = run.store.pending(dataset, chunk[0][0], chunk[-1][0], names)
                if pending and not _run_chunk(run, dataset, actions, chunk, pending):
                    return
    finally:
        for pool in run.abandoned:
            pool.shutdown(wait=True)
