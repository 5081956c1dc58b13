"""The engine of a run: phase by phase (``core.catalog.plan``), chunk by chunk, the rows of a chunk on a thread pool,
each row running its pending actions in order through ``core.cli.execute``.

A row x action runs only when its prerequisites (the rows whose entities it uses) ended ok; transient failures and
429s are retried per row with a capped backoff; a chunk that outlives ``--chunk-timeout`` closes its unfinished tasks
as ``timeout`` and the run goes on; ``--job-timeout`` or a stop request (the first Ctrl-C / SIGTERM) stops the run
cleanly: no new pair starts, the pairs in flight get ``Settings.stop_grace`` seconds to finish, the rest stay pending
(resumable). Every outcome goes to the checkpoint as it happens, with its reason category, and so does every write
before it is sent (``Checkpoint.mark_written``).

What a pair reports: ``executed`` only when this run wrote something for it. An action that answers ``executed``
without planning any write (a pure read such as precheck_workspace) is recorded ``skipped`` / ``sin_cambios``; an
action that finds its pair already in the desired state (``skipped``) after this run sent a write for that pair
(before a kill, a stop or a lost answer) is recorded ``executed``: the state it finds is this run's doing.
"""

from __future__ import annotations

import functools
import itertools
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, wait
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from transformacion.batch.checkpoint import FAILED_STATUSES, OK_STATUSES, Checkpoint, short
from transformacion.batch.inputs import dataset_rows, license_reader
from transformacion.batch.options import Batch, Settings
from transformacion.batch.rowpool import RowPool, RowSlots, run_slots
from transformacion.batch.validation import typed_params
from transformacion.core.catalog import Catalog, plan
from transformacion.core.cli import execute
from transformacion.core.context import ANY_STATE, Context, RunCache
from transformacion.core.csvfiles import CsvError
from transformacion.core.evidence import ActionLog, logging_to
from transformacion.core.outcome import UNCONFIRMED, Outcome, Rejected, needs_confirmation
from transformacion.core.params import Action, confirmation_when_new
from transformacion.core.planfile import SIMULATED_PREREQUISITE, input_hash
from transformacion.core.progress import Progress
from transformacion.core.retry import backoff_delay
from transformacion.core.secrets import sanitise

#: The failure reasons (``core.retry.classify_error``) that a row retries.
RETRYABLE = ('transient', 'rate_limited')
#: failures no pair can get past now, by exception type: the run stops as resumable instead of failing every row
#: (a Retry-After longer than TRANSFORMACION_MAX_WAIT: resume after it; credentials Webex refuses: renew them)
HALTING_ERRORS = {'RetryAfterTooLong': 'retry_after', 'CredentialError': 'credentials'}
#: Seconds between two looks at a chunk's rows while it runs (for a stop request or a timeout).
POLL_S = 0.1
#: Seconds between two looks at the cancel flag of a row waiting for a slot (a chunk timeout hands slots back at once).
SLOT_WAIT_S = 1.0
#: The HTTP methods that only read.
READS = frozenset({'GET', 'HEAD', 'OPTIONS'})


#: the evidence file (``<run dir>/lote.jsonl``) of the reads the batch makes for every row (e.g. the licenses that
#: Control Hub's license columns name)
BATCH_LOG = 'lote'


@dataclass
class RunContext:
    """What the workers of one invocation share: the run's batch, settings, catalogue and checkpoint, one SDK client,
    the global.csv row, the progress display, the run-wide cache, the deadline (``time.monotonic()``) of
    ``--job-timeout`` and ``stop``, set when the operator asks the run to stop."""

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
    abandoned: list[RowPool] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    #: why the run stopped itself (a Retry-After beyond the cap, refused credentials), None while it goes on
    halted: dict[str, Any] | None = None
    halt_lock: threading.Lock = field(default_factory=threading.Lock)
    #: rows in flight at most (``Settings.concurrency``, fewer while the rate controller allows fewer calls in
    #: flight: ``batch.rowpool``), across the chunks that overlap (set by ``execute_run``)
    slots: RowSlots = field(default_factory=lambda: RowSlots(1))
    #: the run's rate controller (``core.transport.RateController``), None when rows are limited by concurrency only
    controller: Any = None
    slot_lock: threading.Lock = field(default_factory=threading.Lock)

    def halt(self, reason: str, detail: dict[str, Any]) -> None:
        """Stop the run because no pair can succeed now (``HALTING_ERRORS``): the first reason is kept."""
        with self.halt_lock:
            if self.halted is None:
                self.halted = {'reason': reason, **detail}
        self.stop.set()

    def stopping(self) -> bool:
        """Whether the run must stop starting work: a stop request, or the job deadline passed."""
        return self.stop.is_set() or (self.deadline is not None and time.monotonic() >= self.deadline)

    def log_path(self, action: str) -> Path:
        return self.run_dir / f'{action}.jsonl'

    @functools.cached_property
    def dataset_actions(self) -> dict[str, list[Action]]:
        """The batch's actions by dataset, every phase, in plan order: the plan computed once per run."""
        found: dict[str, list[Action]] = {}
        for dataset, actions in plan(self.batch.actions, self.catalog):
            found.setdefault(dataset, []).extend(actions)
        return found


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
        if name not in run.batch.actions:  # no pair of it in this run: nothing to wait for or to be blocked by
            continue
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


class PairLog(ActionLog):
    """The evidence of one row x action that also records in the checkpoint, before the first write request goes
    out, that this run sent a write for the pair (``written`` says it from then on)."""

    def __init__(self, path: Path, action_id: str, lock: threading.Lock, on_write: Callable[[], None]) -> None:
        super().__init__(path, action_id, lock=lock)
        self._on_write = on_write
        self.written = False

    def event(self, event: str, payload: dict[str, Any], action_id: str | None = None) -> None:
        if event == 'request' and not self.written and payload.get('method', 'GET') not in READS:
            self.written = True
            self._on_write()
        super().event(event, payload, action_id)


def category_of(outcome: Outcome, action: Action, settings: Settings) -> str:
    """The reason category (``checkpoint.CATEGORIES``) of a pair's outcome as its action returned it."""
    if outcome.status == 'error':
        error = outcome.details.get('error')
        return error.get('reason') or 'unexpected' if isinstance(error, dict) else 'unexpected'
    if outcome.status == 'rejected':
        if outcome.details.get('reason') == 'drift':
            return 'drift'
        return 'sin_confirmar' if outcome.details.get('reason') == UNCONFIRMED else 'invalid_input'
    if outcome.status == 'dry_run' and outcome.details.get('needs_confirmation'):
        return 'requiere_yes'
    return {'executed': 'aplicado', 'dry_run': 'simulado', 'skipped': 'sin_cambios'}.get(outcome.status, '')


def settle(outcome: Outcome, planned: bool, wrote_before: bool) -> Outcome:
    """What the pair reports: ``executed`` (``dry_run``) means this run wrote (would write) for it, see the module
    docstring. ``planned``: the action planned a write in some attempt; ``wrote_before``: an earlier attempt of this
    run sent one."""
    if outcome.status in ('executed', 'dry_run') and not planned and not wrote_before:
        return Outcome('skipped', outcome.message, outcome.details)
    if outcome.status == 'skipped' and wrote_before:
        message = f'{outcome.message} (aplicado por esta ejecución en un intento anterior, interrumpido)'
        return Outcome('executed', message, outcome.details)
    return outcome


def _halting(outcome: Outcome) -> str | None:
    """The ``HALTING_ERRORS`` reason of an outcome, or None."""
    error = outcome.details.get('error')
    if outcome.status != 'error' or not isinstance(error, dict):
        return None
    return HALTING_ERRORS.get(error.get('type', ''))


def _retryable(outcome: Outcome) -> bool:
    error = outcome.details.get('error')
    return outcome.status == 'error' and isinstance(error, dict) and error.get('reason') in RETRYABLE


def row_hash(row: dict[str, str], global_row: dict[str, str]) -> str:
    """The ``input_hash`` of a row: sha256 (hex) of the row after the merge with global.csv (the row wins; empty
    cells do not count), as canonical JSON (keys sorted)."""
    return input_hash({**global_row, **{column: value for column, value in row.items() if value}})


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
    spec = {'params': sanitise(params), 'input_hash': row_hash(row, run.global_row)}
    run_attempts(run, key, action, params, cancel, started, simulated=simulated, spec=spec)


def run_attempts(
    run: RunContext,
    key: tuple[str, int, str],
    action: Action,
    params: dict[str, Any],
    cancel: threading.Event,
    started: float,
    *,
    simulated: bool = False,
    expect: Any = ANY_STATE,
    spec: dict[str, Any] | None = None,
) -> None:
    """Run one row x action (``key`` = dataset, row, action) whose prerequisites are met: its attempts (row retries of
    transient failures), the stop of the run on a halting error, and the record of how it ended (checkpoint task,
    its outcome's details, the ``summary`` evidence line, the progress). ``simulated``: a prerequisite only ran as a
    dry run (a refusal then becomes ``dry_run``, marked ``needs_confirmation`` when the real run will ask for
    ``--yes``: ``core.params.confirmation_when_new``); ``expect``: the drift guard (``Context.expect``); ``spec``:
    what the pair ran with (``Checkpoint.set_spec``), recorded with its first write and with its end."""
    dataset, number, _ = key
    earlier = run.store.begin(*key)  # its first attempt started (one statement instead of task() and start())
    if earlier is None:  # no longer runnable
        return
    wrote = earlier.wrote
    domain = run.catalog[action.name][1]
    last_error = None
    planned = False
    log = PairLog(
        run.log_path(action.name),
        f'{action.name}:{dataset}:{number}',
        run.locks[action.name],
        lambda: run.store.mark_written(*key, spec=spec),
    )
    for attempt in itertools.count(1):
        if attempt > 1 and not run.store.start(*key):
            return
        wrote = wrote or log.written  # an earlier attempt sent a write
        ctx = Context(
            log=log,
            policy=run.settings.policy,
            dry_run=run.batch.dry_run,
            assume_yes=run.settings.assume_yes,
            confirm_with=run.settings.confirm_with,
            org_id=run.settings.org_id,
            cache=run.cache,
            sleep=run.sleep,
            expect=expect,
        )
        outcome = execute(action, domain, params, api_factory=lambda: run.api, ctx=ctx)
        halting = _halting(outcome)
        if halting:
            # the pair stays running in the checkpoint: a resume runs it again
            error = outcome.details['error']
            detail = {k: error[k] for k in ('message', 'resume_after', 'wait_s', 'max_wait_s') if k in error}
            log.event('error', {'kind': 'run_halted', 'reason': halting, **detail})
            run.halt(halting, detail)
            return
        planned = planned or bool(ctx.planned)
        if outcome.status in FAILED_STATUSES:
            last_error = outcome.message
        if not _retryable(outcome) or attempt >= run.settings.row_attempts or cancel.is_set():
            break
        wait_s = backoff_delay(attempt, run.settings.policy)
        log.event('error', {'kind': 'row_retry', 'attempt': attempt, 'wait_s': round(wait_s, 3), 'message': last_error})
        run.sleep(wait_s)
    outcome = settle(outcome, planned, wrote)
    details = dict(outcome.details)
    if outcome.status == 'rejected' and simulated:
        details[SIMULATED_PREREQUISITE] = True
        message = f'simulación: depende de un requisito que esta ejecución aplicaría antes; hoy: {outcome.message}'
        entity = earlier.entity
        what = None if run.settings.assume_yes else _confirmation_when_new(run, action, params, entity, ctx)
        if what:
            details['needs_confirmation'] = what
            message += ' (alto impacto: la ejecución real pedirá --yes)'
        outcome = Outcome('dry_run', message, details)
    category = category_of(outcome, action, run.settings)
    log.event(
        'summary', {'status': outcome.status, 'category': category, 'message': outcome.message, 'attempts': attempt}
    )
    with run.store.transaction():  # one commit: the end of a pair costs no more than it did
        run.store.set_details(*key, details, None if log.written else spec)  # a write recorded it already
        recorded = run.store.finish(
            *key, outcome, log, time.monotonic() - started, category=category, last_error=last_error
        )
    if recorded:
        run.progress.advance(outcome.status in OK_STATUSES)


def _prerequisites(run: RunContext, dataset: str, number: int, action: Action, params: dict[str, Any]) -> str | None:
    """Where the prerequisites of a row x action stand before it runs: ``'failed'`` (one ended badly: the pair will
    be blocked), ``'pending'`` (one has yet to run in this run: its entity may not exist yet) or None (all done)."""
    state = None
    for name in action.depends_on:
        dependency = run.catalog[name][0]
        for target in prerequisite_rows(run.catalog, run.store, dataset, number, action, dependency, params):
            task = run.store.task(*target, name)
            if task is None:
                continue
            if task.status in ('pending', 'running'):
                state = 'pending'
            elif task.status not in OK_STATUSES or task.blocked_by:
                return 'failed'
    return state


def _confirmation_when_new(
    run: RunContext, action: Action, params: dict[str, Any], entity: str, ctx: Context
) -> str | None:
    """``core.params.confirmation_when_new`` with the run's client and ``ctx`` (a dry run: its log is bound for the
    reads the declaration makes). A declaration that cannot read what it needs is taken as asking: an unread state
    cannot show that the real run will not ask."""
    probe = Context(log=ctx.log, policy=ctx.policy, dry_run=True, org_id=ctx.org_id, cache=ctx.cache, sleep=ctx.sleep)
    with logging_to(ctx.log):
        try:
            return confirmation_when_new(action, params, entity, run.api, probe)
        except Exception as exc:  # any failure to read leaves the question open
            return f'{entity}: cambio de alto impacto (no se pudo leer lo que lo decide: {exc.__class__.__name__})'


def unconfirmed(
    run: RunContext, dataset: str, number: int, row: dict[str, str], actions: list[Action]
) -> tuple[str, str] | None:
    """Why a real run without ``--yes`` is certain to refuse a high-impact pair of this row, found before any pair
    of the row writes, as (action, what it asks to confirm) for ``core.outcome.needs_confirmation``, or None (issue
    14: a row is never left half applied). ``actions``: the row's pending actions in every phase of its dataset.
    Only rows with several pending pairs are probed: each high-impact pair whose prerequisites did not fail is run
    as a dry run (reads only, its own cache, logged in the action's JSONL as ``<action>:<dataset>:<row>:sondeo``);
    one that would change something needs a confirmation that a batch cannot ask. One that the probe refuses while
    a prerequisite has yet to run (its entity does not exist yet) is judged as the dry-run judges it:
    ``core.params.confirmation_when_new``."""
    if run.batch.dry_run or run.settings.assume_yes or len(actions) < 2:
        return None
    file = Path(run.batch.sources[dataset]).name
    for action in actions:
        if not action.high_impact:
            continue
        try:
            params = typed_params(action, row, run.global_row, file, number)
        except Rejected:
            continue
        prerequisites = _prerequisites(run, dataset, number, action, params)
        if prerequisites == 'failed':
            continue
        log = ActionLog(
            run.log_path(action.name), f'{action.name}:{dataset}:{number}:sondeo', lock=run.locks[action.name]
        )
        ctx = Context(log=log, policy=run.settings.policy, dry_run=True, org_id=run.settings.org_id, sleep=run.sleep)
        outcome = execute(action, run.catalog[action.name][1], params, api_factory=lambda: run.api, ctx=ctx)
        what = outcome.details.get('needs_confirmation') if outcome.status == 'dry_run' else None
        if outcome.status == 'rejected' and prerequisites == 'pending':
            task = run.store.task(dataset, number, action.name)
            what = _confirmation_when_new(run, action, params, task.entity if task is not None else '', ctx)
        if what:
            return action.name, what
    return None


def _row_actions(run: RunContext, dataset: str, number: int) -> list[Action]:
    """The actions still pending for a row, in every phase of its dataset, in plan order."""
    actions = run.dataset_actions.get(dataset, [])
    pending = run.store.pending(dataset, number, number, {action.name for action in actions}).get(number, set())
    return [action for action in actions if action.name in pending]


def _row_started(run: RunContext, dataset: str, number: int) -> bool:
    """Whether some pair of the row already wrote (in this run, or in a session of it before a resume)."""
    for action in run.dataset_actions.get(dataset, []):
        task = run.store.task(dataset, number, action.name)
        if task is not None and (task.wrote or task.status == 'executed'):
            return True
    return False


def _run_row(
    run: RunContext,
    dataset: str,
    number: int,
    row: dict[str, str],
    actions: list[Action],
    cancel: threading.Event,
    holding: set[int] | None = None,
) -> None:
    """The row's pending ``actions`` of the current phase, in order, on one of the run's ``concurrency`` slots (a
    chunk's rows may start while the previous chunk's last rows finish; ``holding`` tells which rows of the chunk
    hold a slot, which a chunk timeout hands back, ``_time_out``). Before the row's first write, the refusal of every
    pending pair of the row (all phases) when a high-impact one would need a ``--yes`` the run lacks
    (``unconfirmed``). Once a pair of the row wrote, no whole-row refusal: each pair answers for itself."""
    holding = set() if holding is None else holding
    while not run.slots.acquire(timeout=SLOT_WAIT_S):
        if cancel.is_set():
            return
    with run.slot_lock:
        holding.add(number)
    try:
        # a dataset with one action has no row to refuse as a whole: its pending pairs are not read again
        several = len(run.dataset_actions.get(dataset, ())) > 1
        asks = several and not run.batch.dry_run and not run.settings.assume_yes
        remaining = _row_actions(run, dataset, number) if asks else []
        if len(remaining) > 1 and not _row_started(run, dataset, number):
            refused = unconfirmed(run, dataset, number, row, remaining)
            if refused is not None:
                message = needs_confirmation(*refused, run.settings.confirm_with)
                for action in remaining:
                    rejected = Outcome('rejected', message)
                    if run.store.finish(dataset, number, action.name, rejected, category='sin_confirmar'):
                        run.progress.advance(False)
                return
        for action in actions:
            if cancel.is_set():
                return
            _run_task(run, dataset, number, row, action, cancel)
    finally:
        with run.slot_lock:
            if number in holding:
                holding.discard(number)
                run.slots.release()


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


@dataclass
class OpenChunk:
    """A chunk whose rows run on its own pool: the futures not done yet, when it started, its cancel flag, the
    dataset, actions and pending pairs (``Checkpoint.pending``) it was started with."""

    pool: RowPool
    unfinished: set[Future[None]]
    started: float
    cancel: threading.Event
    dataset: str
    actions: tuple[Action, ...]
    pending: dict[int, set[str]]
    #: its rows that hold one of the run's slots
    holding: set[int]


def _start_chunk(
    run: RunContext,
    dataset: str,
    actions: tuple[Action, ...],
    chunk: list[tuple[int, dict[str, str]]],
    pending: dict[int, set[str]],
) -> OpenChunk:
    cancel = threading.Event()
    holding: set[int] = set()
    pool = RowPool(run.slots.limit, max_workers=run.settings.concurrency, thread_name_prefix='fila')
    unfinished = {
        pool.submit(
            _run_row, run, dataset, number, row, [a for a in actions if a.name in pending[number]], cancel, holding
        )
        for number, row in chunk
        if number in pending
    }
    return OpenChunk(pool, unfinished, time.monotonic(), cancel, dataset, actions, pending, holding)


def _time_out(run: RunContext, chunk: OpenChunk) -> None:
    """A chunk outlived ``--chunk-timeout``: its unfinished tasks are closed as ``timeout``, the run goes on."""
    chunk.cancel.set()
    chunk.pool.shutdown(wait=False, cancel_futures=True)
    run.abandoned.append(chunk.pool)
    with run.slot_lock:  # its rows still on a slow call are abandoned: their slots go to the next chunk
        for _ in chunk.holding:
            run.slots.release()
        chunk.holding.clear()
    message = f'sin terminar al vencer el timeout del bloque ({run.settings.chunk_timeout:g} s); use --retry-failed'
    names = [a.name for a in chunk.actions]
    closed = run.store.close_unfinished(chunk.dataset, sorted(chunk.pending), names, message)
    for _ in range(closed):
        run.progress.advance(False)


def _stop(run: RunContext, chunks: list[OpenChunk]) -> None:
    """The run must stop: rows not started are cancelled, those in flight get ``stop_grace`` seconds."""
    flying: set[Future[None]] = set()
    for chunk in chunks:
        chunk.cancel.set()
        chunk.pool.shutdown(wait=False, cancel_futures=True)
        # rows that never started are cancelled (wait() would not count them as done): only those in flight remain
        flying |= {future for future in chunk.unfinished if not future.cancelled()}
    _, unfinished = wait(flying, timeout=run.settings.stop_grace)
    run.abandoned.extend(chunk.pool for chunk in chunks if chunk.unfinished & unfinished)
    chunks.clear()


def _watch(run: RunContext, chunks: list[OpenChunk], until: Callable[[], int]) -> bool:
    """Wait for the rows of the open ``chunks`` until at most ``until()`` of them are unfinished (0: all done),
    closing the chunks that outlive ``--chunk-timeout``; False when the run must stop (job timeout or stop request)."""
    while True:
        if run.stopping():
            _stop(run, chunks)
            return False
        for chunk in list(chunks):
            chunk.pool.grow()
            if not chunk.unfinished:
                chunk.pool.shutdown()
                chunks.remove(chunk)
            elif run.settings.chunk_timeout and time.monotonic() - chunk.started >= run.settings.chunk_timeout:
                _time_out(run, chunk)
                chunks.remove(chunk)
        if sum(len(chunk.unfinished) for chunk in chunks) <= until():
            return True
        done, _ = wait(set().union(*(chunk.unfinished for chunk in chunks)), timeout=POLL_S)
        for future in done:
            future.result()
        for chunk in chunks:
            chunk.unfinished -= done


def _overlap(run: RunContext) -> int:
    """Unfinished rows at which the next chunk starts: chunks larger than the rows in flight now
    (``RowSlots.limit``, which follows the rate controller) overlap, the next starting once every unfinished row
    has a slot, so that no slot idles while a chunk's last rows finish; smaller chunks run one after another."""
    limit = run.slots.limit()
    return limit if run.batch.chunk_size > limit else 0


def execute_run(run: RunContext) -> None:
    """Every phase, chunk by chunk, until done or stopped (job timeout, stop request); at the end, wait for the calls
    that timed-out chunks left in flight, unless the run was stopped (its pairs in flight stay ``running`` and a
    resume runs them again)."""
    run.slots = run_slots(run.settings.concurrency, run.controller)
    try:
        for dataset, actions in plan(run.batch.actions, run.catalog):
            names = {action.name for action in actions}
            run.cache.bulk_rows = run.store.count(['pending'], sorted(names))
            if not run.cache.bulk_rows:
                continue
            running: list[OpenChunk] = []
            for chunk in _chunks(run, dataset):
                if run.stopping():
                    _stop(run, running)
                    return
                pending = run.store.pending(dataset, chunk[0][0], chunk[-1][0], names)
                if pending:
                    running.append(_start_chunk(run, dataset, actions, chunk, pending))
                    if not _watch(run, running, functools.partial(_overlap, run)):
                        return
            # the next phase needs this one done
            if not _watch(run, running, lambda: 0):
                return
    finally:
        if not run.stopping():
            for pool in run.abandoned:
                pool.shutdown(wait=True)


def in_flight(run: RunContext) -> bool:
    """Whether calls abandoned by a stop or a chunk timeout are still going on (their threads are alive)."""
    return any(pool.alive() for pool in run.abandoned)
