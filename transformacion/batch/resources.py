"""Batch-level resources (issue 14), counted across all the rows of a batch before its first write: which extensions,
numbers and license units the pending row x action pairs use (``core.resources.Claim``), the collisions inside the
batch (offline, part of the validation and of the preflight) and, once the run is bound to its organisation, those
with the organisation (``org_check``, given by the tool: ``domain.resources.org_findings``).

Every finding is a validation problem naming file, row, column and value; the row's pending pairs are refused
before any of them writes (a row is never half applied for a resource it cannot have). Without ``--skip-invalid``
the whole batch is rejected, as for any other validation problem.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

from transformacion.batch.checkpoint import Checkpoint
from transformacion.batch.inputs import license_reader, open_table, table_name
from transformacion.batch.options import Batch, Settings
from transformacion.batch.validation import FIX_OR_SKIP, typed_params
from transformacion.core.catalog import Catalog, plan
from transformacion.core.columns import GLOBAL
from transformacion.core.context import Context, RunCache
from transformacion.core.csvfiles import CsvError
from transformacion.core.evidence import ActionLog, logging_to
from transformacion.core.outcome import Outcome, Rejected
from transformacion.core.resources import (
    ADD_NUMBER,
    EXTENSION,
    LICENSE,
    MAIN_NUMBER,
    NUMBER,
    Claim,
    Finding,
    batch_conflicts,
)

#: action -> (parameter, claim kind) of the resources its rows use.
CLAIMED: dict[str, tuple[tuple[str, str], ...]] = {
    'alta_usuario': (('calling_license', LICENSE), ('extension', EXTENSION), ('phone_number', NUMBER)),
    'asignar_licencias_usuario': (('add_licenses', LICENSE), ('extension', EXTENSION), ('phone_number', NUMBER)),
    'alta_workspace': (('license', LICENSE), ('extension', EXTENSION), ('phone_number', NUMBER)),
    'anadir_numeraciones_ubicacion': (('phone_numbers', ADD_NUMBER),),
    'configurar_cabecera_ubicacion': (('main_number', MAIN_NUMBER),),
}
#: The evidence file (``<run dir>/recursos.jsonl``) of the reads that check the batch's resources against the org.
RESOURCES_LOG = 'recursos'
#: claims of a batch that the org check keeps in memory across its passes (about 2 per alta_usuario row, about 270
#: bytes each: 16 MB at most): a larger batch's are read again from its inputs at each pass, each about 1.3 s of CPU
#: for 28,571 alta_usuario rows before the first write (30,000 such rows fit: the batch of 300 s at 200 requests/s)
CLAIMS_KEPT = 60_000
#: (api, ctx, claims, locations the batch creates, case-folded) -> findings: the organisation's side of the check.
#: ``claims``: a function that streams the batch's claims again, in the same order, at each call.
OrgCheck = Callable[[Any, Context, Callable[[], Iterable[Claim]], set[str]], list[Finding]]


def _folded(text: Any) -> str:
    """``text`` case-folded, the same object when it already is (most e-mails): one text less per claim."""
    text = str(text or '')
    folded = text.casefold()
    return text if folded == text else folded


def _holder(dataset: str, params: dict[str, Any]) -> tuple[str, ...]:
    if dataset == 'usuarios':
        return ('person', _folded(params.get('email') or params.get('person')))
    if dataset == 'workspaces':
        return ('workspace', _folded(params.get('name')), _folded(params.get('location')))
    return ('location', _folded(params.get('location')))


def _values(value: Any) -> list[str]:
    if value in (None, ''):
        return []
    return [str(item) for item in value] if isinstance(value, list) else [str(value)]


def _pending(store: Checkpoint, dataset: str) -> Iterator[tuple[int, list[str]]]:
    """(row, its pending actions that claim resources, in plan order), row after row, streamed from the checkpoint."""
    row, actions = 0, []
    for task in store.tasks(dataset, status='pending'):
        if task.action not in CLAIMED:
            continue
        if task.row != row and actions:
            yield row, actions
            actions = []
        row = task.row
        actions.append(sys.intern(task.action))  # one text per action, not per row
    if actions:
        yield row, actions


def each_claim(
    batch: Batch, catalog: Catalog, store: Checkpoint, global_row: dict[str, str], licenses: Any = None
) -> Iterator[Claim]:
    """The claims of every pending row x action, one at a time in plan order (dataset, row, action), read from the
    inputs as the validation read them (``licenses``: the reader of Control Hub's license columns, when the org can
    be read). Texts repeated across rows (a location, a license, a column) are one object for every claim that
    names them."""
    order = [action for _, group in plan(batch.actions, catalog) for action in group]
    datasets = list(dict.fromkeys(action.domain for action in order if action.domain in batch.sources))
    shared: dict[Any, Any] = {}
    for dataset in datasets:
        with closing(_pending(store, dataset)) as pending:  # rows ascending, as the table's
            upcoming = next(pending, None)
            if upcoming is None:
                continue
            table = open_table(batch, dataset, catalog)
            try:
                for number, row, _ in table.rows(licenses):
                    while upcoming is not None and upcoming[0] < number:
                        upcoming = next(pending, None)
                    if upcoming is None:
                        break
                    if upcoming[0] == number:
                        yield from _row_claims(
                            batch, catalog, table, dataset, number, row, upcoming[1], global_row, shared
                        )
            except CsvError:  # the validation reported it
                continue


def _row_claims(
    batch: Batch,
    catalog: Catalog,
    table: Any,
    dataset: str,
    number: int,
    row: dict[str, str],
    actions: list[str],
    global_row: dict[str, str],
    shared: dict[Any, Any],
) -> list[Claim]:
    found = []
    for name in actions:  # in plan order (Checkpoint.tasks)
        action = catalog[name][0]
        try:
            params = typed_params(action, row, global_row, table.name, number)
        except Rejected:
            continue
        location = str(params.get('location') or '')
        location = shared.setdefault(location, location)
        holder = _holder(dataset, params)
        for field, kind in CLAIMED[name]:
            param = action.param(field)
            values = _values(params.get(field)) or ([param.default] if kind == LICENSE and param.default else [])
            if kind != LICENSE and name == 'asignar_licencias_usuario' and not params.get('add_licenses'):
                continue
            column = param.csv_column
            if row.get(column):
                file, source, written = table.name, table.source_of(column), row[column]
            elif global_row.get(column):
                file, source, written = table_name(batch, GLOBAL), column, global_row[column]
            else:
                file, source, written = table.name, column, ''
            for value in values:
                value = shared.setdefault(value, value) if kind == LICENSE else value
                shown = value if written == value else written
                found.append(Claim(kind, value, location, holder, dataset, number, name, file, source, field, shown))
    return found


def refuse(store: Checkpoint, findings: Iterable[Finding]) -> int:
    """Record each finding as a validation problem and refuse every pending pair of its row (``rejected``, with the
    finding); how many findings there were."""
    count = 0
    refused: dict[tuple[str, int], str] = {}
    for finding in findings:
        claim = finding.claim
        store.add_problem(claim.file, claim.row, claim.column, claim.shown, finding.why)
        refused.setdefault((claim.dataset, claim.row), f'columna {claim.column}: {finding.why}')
        count += 1
    for (dataset, row), message in refused.items():
        for task in [t for t in store.tasks(dataset, status='pending') if t.row == row]:
            store.finish(dataset, row, task.action, Outcome('rejected', message))
    return count


def reject_batch(store: Checkpoint) -> None:
    """What a validation problem does to a batch run without ``--skip-invalid``: nothing runs."""
    problems = store.problem_count()
    store.skip_pending(f'no se ejecuta: el lote tiene {problems} problema(s) de validación; {FIX_OR_SKIP}')
    store.set_meta('state', 'rejected')


def check_batch(batch: Batch, catalog: Catalog, store: Checkpoint, global_row: dict[str, str]) -> int:
    """The offline part (``core.resources.batch_conflicts``), recorded; how many findings. Called by the
    validation."""
    return refuse(store, batch_conflicts(each_claim(batch, catalog, store, global_row)))


def created_locations(store: Checkpoint, batch: Batch) -> set[str]:
    """The locations (case-folded names) that a pending ``alta_ubicacion`` of the batch creates."""
    if 'ubicaciones' not in batch.sources:
        return set()
    return {
        task.entity.casefold()
        for task in list(store.tasks('ubicaciones', status='pending'))
        if task.action == 'alta_ubicacion'
    }


def check_org(
    batch: Batch,
    catalog: Catalog,
    store: Checkpoint,
    run_dir: Path,
    api: Any,
    settings: Settings,
    org_check: OrgCheck,
    cache: RunCache | None = None,
) -> int:
    """The organisation's part, once per run before its first write: the claims of the pending pairs checked by
    ``org_check`` (reads and Webex's validate endpoints, logged to ``recursos.jsonl``), each finding recorded and
    its row refused; without ``--skip-invalid`` any finding rejects the batch. Returns how many findings.

    ``cache``: the run's cache (``RunCache``), so that what the check reads of the org (its licenses with their
    units, its people, the ids of the locations named) serves the rows too, read once per batch: the rows keep it
    current as they write (``domain.resolve.remember_person``, the count of free units). A fresh one by default."""
    return record_org_findings(
        batch, store, read_org_findings(batch, catalog, store, run_dir, api, settings, org_check, cache)
    )


#: what :func:`read_org_findings` found: the findings and the calls the check made (``resources_calls``)
OrgFindings = tuple[list[Finding], dict[str, int]]


def read_org_findings(
    batch: Batch,
    catalog: Catalog,
    store: Checkpoint,
    run_dir: Path,
    api: Any,
    settings: Settings,
    org_check: OrgCheck,
    cache: RunCache | None = None,
) -> OrgFindings:
    """The reads of :func:`check_org`, recording nothing in the checkpoint (it may run in a thread of its own, at
    the same time as the target's last read: ``run._drive``)."""
    log = ActionLog(run_dir / f'{RESOURCES_LOG}.jsonl', RESOURCES_LOG)
    global_row = store.meta('global_row') or {}
    with logging_to(log):
        licenses = license_reader(api, settings.org_id, settings.policy, log=log)

        streams: list[Generator[Claim, None, None]] = []
        kept: list[Claim] | None = []

        def found() -> Iterator[Claim]:
            # a small batch's claims are kept from the first pass; a larger one's are streamed again from the inputs
            # at each pass (no list of every claim: the check passes over them several times, see org_check)
            if kept is not None and streams:
                return iter(kept)
            streams.append(each_claim(batch, catalog, store, global_row, licenses))
            return streams[-1]

        try:
            count = 0
            for claim in found():
                count += 1
                if kept is not None:
                    kept.append(claim)
                    if len(kept) > CLAIMS_KEPT:
                        kept = None
            # as many rows ahead as claims: the org's people are listed once rather than looked up per claim
            cache = cache if cache is not None else RunCache()
            cache.bulk_rows = count
            ctx = Context(log=log, policy=settings.policy, org_id=settings.org_id, dry_run=True, cache=cache)
            findings = org_check(api, ctx, found, created_locations(store, batch)) if count else []
        finally:  # a pass the check left on an error holds the checkpoint's cursor (and its lock) until closed
            for stream in streams:
                stream.close()
    return findings, {'api_calls': log.api_calls, 'http_429': log.throttled, 'retries': log.retries}


def record_org_findings(batch: Batch, store: Checkpoint, found: OrgFindings) -> int:
    """Record what :func:`read_org_findings` found (see :func:`check_org`); how many findings."""
    findings, calls = found
    with store.transaction():
        store.set_meta('resources_calls', calls)
        count = refuse(store, findings)
        if count and not batch.skip_invalid:
            reject_batch(store)
        store.set_meta('resources_checked', True)
    return count
