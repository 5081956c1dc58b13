"""A run of given row x action pairs, each with its typed params and the remote state it expects, instead of the rows
of input files: what ``--apply PLAN`` runs (the pairs a dry-run planned) and what a revert runs (the inverse pairs).

A ``Pair`` is recorded in the run's checkpoint (a pending task plus its spec, ``Checkpoint.set_spec``), so such a
run is resumed, retried, reported and evidenced exactly like a run of input files; ``batch.run.run_pairs`` starts one
and ``execute_pairs`` is its engine (``batch.run`` picks it for a run whose meta has ``pairs``).

Order: phase by phase (``Pair.phase`` ascending); inside a phase the pairs of one (dataset, row) run one after the
other in the order given, different rows concurrently (``Settings.concurrency``). A pair runs only when every pair it
``requires`` that is part of the run ended ok (otherwise it is ``skipped`` / ``bloqueado`` naming it, as for any failed
prerequisite); a required pair that is not part of the run counts as met.
"""

from __future__ import annotations

import itertools
import sys
import threading
import time
from array import array
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

from transformacion.batch.checkpoint import OK_STATUSES, Checkpoint, Task, short
from transformacion.batch.execution import POLL_S, RunContext, run_attempts
from transformacion.batch.rowpool import RowPool, run_slots
from transformacion.core.context import ANY_STATE
from transformacion.core.outcome import Outcome, needs_confirmation

#: A pair's identity: (dataset, row, action).
PairKey = tuple[str, int, str]


@dataclass(frozen=True)
class Pair:
    """One row x action to run with given params.

    - ``dataset``, ``row``, ``action``: the pair's identity in the run (``action`` a name of the run's catalogue,
      whose declaration's ``domain`` is ``dataset``); ``entity`` its key as results show it (e.g. an e-mail).
    - ``params``: the action's typed params (JSON values, as ``validation.typed_params`` gives them).
    - ``expect``: the drift guard (``core.context.Context.expect``): ``{field: value}`` the pair must find before it
      writes, None for an entity that must not exist yet, ``ANY_STATE`` (default) for no guard. A pair already in its
      desired state is ``skipped``; one whose state departs from ``expect`` is ``rejected`` with reason ``drift``.
    - ``requires``: the pairs (``PairKey``) that must have ended ok before this one runs.
    - ``phase``: pairs of a lower phase all run before any of a higher one.
    - ``input_hash``: the hash of the input row the pair comes from (``execution.row_hash``; '' when none), recorded
      with it.
    - ``confirm``: what the pair will ask to confirm (a plan's ``confirmation``: its high-impact change needs
      ``--yes``), '' when nothing. Without ``--yes``, a row with such a pair is refused whole before its first write.
    """

    dataset: str
    row: int
    action: str
    params: dict[str, Any]
    entity: str = ''
    expect: Any = ANY_STATE
    requires: tuple[PairKey, ...] = ()
    phase: int = 0
    input_hash: str = ''
    confirm: str = ''

    @property
    def key(self) -> PairKey:
        return (self.dataset, self.row, self.action)

    def spec(self) -> dict[str, Any]:
        """The pair as its checkpoint spec records it (JSON): ``params``, ``input_hash``, ``guard`` (whether it has an
        expectation), ``expect``, ``requires``, ``phase`` and ``confirm``."""
        guarded = self.expect is not ANY_STATE
        return {
            'params': self.params,
            'input_hash': self.input_hash,
            'guard': guarded,
            'expect': self.expect if guarded else None,
            'requires': [list(key) for key in self.requires],
            'phase': self.phase,
            'confirm': self.confirm,
        }


def record_pairs(store: Checkpoint, pairs: Iterable[Pair]) -> int:
    """Record ``pairs`` as the pending tasks of a run (``seq`` their order, ``chunk`` their phase) with their specs;
    how many. Call inside a transaction."""
    count = 0
    for seq, pair in enumerate(pairs):
        store.add_task(
            pair.dataset,
            pair.row,
            pair.action,
            seq=seq,
            chunk=pair.phase,
            entity=pair.entity,
            status='pending',
            message='',
        )
        store.set_spec(*pair.key, pair.spec())
        count += 1
    return count


def _unmet(store: Checkpoint, requires: list[list[Any]]) -> tuple[Task | None, bool]:
    """(the first required pair of the run that did not end ok, whether a required one only ran as a dry run)."""
    simulated = False
    for dataset, row, action in requires:
        task = store.task(dataset, int(row), action)
        if task is None:
            continue
        if task.status not in OK_STATUSES or task.blocked_by:
            return task, simulated
        simulated = simulated or task.status == 'dry_run'
    return None, simulated


def _run_pair(run: RunContext, task: Task, cancel: threading.Event) -> None:
    key = (task.dataset, task.row, task.action)
    started = time.monotonic()
    spec, _ = run.store.pair_data(*key)
    spec = spec or {}
    failed, simulated = _unmet(run.store, spec.get('requires') or [])
    if failed is not None:
        reason = (
            f'requisito no cumplido: {failed.action} de {failed.dataset} fila {failed.row} terminó en {failed.status}'
        )
        blocked_by = f'{failed.action}:{failed.dataset}:{failed.row}'
        run.store.finish(*key, Outcome('skipped', short(f'{reason}: {failed.message}')), blocked_by=blocked_by)
        run.progress.advance(False)
        return
    expect = spec.get('expect') if spec.get('guard') else ANY_STATE
    action = run.catalog[task.action][0]
    run_attempts(run, key, action, spec.get('params') or {}, cancel, started, simulated=simulated, expect=expect)


def _run_group(run: RunContext, tasks: list[Task], cancel: threading.Event) -> None:
    for task in tasks:
        if cancel.is_set() or run.stopping():
            return
        _run_pair(run, task, cancel)


@dataclass
class _Phase:
    """The rows with pending pairs of one phase, in the order they are submitted (by their first pending pair): a
    dataset index (into ``_phases``' names) and a row number each, 10 bytes a row, not their tasks nor their keys
    (the row's pending pairs are read again as it is submitted), so that a 100,000-pair run does not hold them."""

    datasets: array[int] = field(default_factory=lambda: array('H'))
    rows: array[int] = field(default_factory=lambda: array('q'))

    def __iter__(self) -> Iterator[tuple[int, int]]:
        return zip(self.datasets, self.rows, strict=True)


def _phases(store: Checkpoint) -> tuple[list[str], dict[int, _Phase]]:
    """(the datasets' names, the rows with pending pairs of each phase, ascending): ``Checkpoint.pending_rows``."""
    names: dict[str, int] = {}
    phases: dict[int, _Phase] = {}
    for chunk, dataset, row in store.pending_rows():
        phase = phases.setdefault(chunk, _Phase())
        phase.datasets.append(names.setdefault(dataset, len(names)))
        phase.rows.append(row)
    return list(names), phases


def refuse_unconfirmed_rows(run: RunContext) -> None:
    """Without ``--yes``, refuse every pending pair of a row (``sin_confirmar``) when one of them will ask for a
    confirmation (``Pair.confirm``) that a batch cannot ask, before any pair of the row writes: a row is never left
    half applied (what ``execution.unconfirmed`` does for a run of input rows). Rows with a single pending pair, or
    with a pair that already wrote, are left to each pair. The tasks are read row by row (``Checkpoint.tasks`` gives
    them by row), keeping only the keys of the rows to look at."""
    if run.batch.dry_run or run.settings.assume_yes:
        return
    candidates: list[tuple[str, int, list[str]]] = []
    for dataset in run.store.datasets():
        for _, group in itertools.groupby(run.store.tasks(dataset), key=attrgetter('row')):
            row = list(group)
            pending = [task.action for task in row if task.status == 'pending']
            if len(pending) >= 2 and not any(task.wrote or task.status == 'executed' for task in row):
                candidates.append((sys.intern(dataset), row[0].row, pending))
    for dataset, number, pending in candidates:
        tasks = [task for action in pending if (task := run.store.task(dataset, number, action)) is not None]
        asks = [(task.action, spec['confirm']) for task in tasks if (spec := _spec(run, task)).get('confirm')]
        if not asks:
            continue
        action, what = asks[0]
        message = needs_confirmation(action, what, run.settings.confirm_with)
        for task in tasks:
            if run.store.finish(
                task.dataset, task.row, task.action, Outcome('rejected', message), category='sin_confirmar'
            ):
                run.progress.advance(False)


def _spec(run: RunContext, task: Task) -> dict[str, Any]:
    spec, _ = run.store.pair_data(task.dataset, task.row, task.action)
    return spec or {}


def execute_pairs(run: RunContext) -> None:
    """Run the pending pairs of a pairs run, phase by phase, until done or stopped (job timeout, stop request: the
    pairs in flight get ``Settings.stop_grace`` seconds, the rest stay pending for a resume); first, without
    ``--yes``, the refusal of the rows a confirmation would leave half applied (``refuse_unconfirmed_rows``). Each
    phase sets ``RunCache.bulk_rows`` to its rows, as a run of input rows does (``execution.execute_run``)."""
    refuse_unconfirmed_rows(run)
    # threads only for the rows the calls in flight need (batch.rowpool), not --concurrency of them from the start
    limit = run_slots(run.settings.concurrency, run.controller).limit
    window = 2 * run.settings.concurrency  # rows submitted and not finished: the pool's queue stays full
    names, phases = _phases(run.store)
    for number, rows in sorted(phases.items()):
        if run.stopping():
            return
        # as many rows ahead as the phase has: its actions resolve in bulk what they can, as a batch of input rows
        # does (e.g. the org's people listed once rather than looked up row by row, ``resolve.people_by_email``)
        run.cache.bulk_rows = len(rows.rows)
        cancel = threading.Event()
        pool = RowPool(limit, max_workers=run.settings.concurrency, thread_name_prefix='par')
        queued = iter(rows)
        unfinished: set[Future[None]] = set()
        while not run.stopping():
            for dataset, row in itertools.islice(queued, max(0, window - len(unfinished))):
                tasks = run.store.pending_of_row(names[dataset], row, number)
                unfinished.add(pool.submit(_run_group, run, tasks, cancel))
            if not unfinished:
                break
            pool.grow()
            done, unfinished = wait(unfinished, timeout=POLL_S, return_when=FIRST_COMPLETED)
            for future in done:
                future.result()
        if not unfinished:
            pool.shutdown()
            continue
        cancel.set()
        pool.shutdown(wait=False, cancel_futures=True)
        started = {future for future in unfinished if not future.cancelled()}
        _, left = wait(started, timeout=run.settings.stop_grace)
        if left:
            run.abandoned.append(pool)
        return
