"""The correctness proofs' yardstick: the sample batch, the sandbox state reduced to what a batch decides (ids
replaced by natural keys), results read per row x action, and the comparison with an uninterrupted reference run.

A proof compares a disturbed run (killed, throttled, cut off) with the reference run of the same batch on a fresh
sandbox: same final state, every entity created exactly once, one result line per row x action with the same outcome.
"""

from __future__ import annotations

import collections
import csv
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.files import SAMPLES
from tests.support.runs import Run
from transformacion.batch.checkpoint import snapshot
from transformacion.sandbox import Sandbox

#: Retry settings of the disturbed runs: waits capped small, enough attempts to ride out a storm, a new entity looked
#: for for 1 s before a create is taken as not made (more than the sandbox's visibility delay below).
FAST_RETRIES = {
    'TRANSFORMACION_MAX_WAIT': '0.05',
    'TRANSFORMACION_MAX_ATTEMPTS': '10',
    'TRANSFORMACION_HTTP_TIMEOUT': '5',
    'TRANSFORMACION_VISIBILITY_WAIT': '1',
}
#: Eventual consistency for the disturbed runs: ``SANDBOX_VISIBILITY_DELAY_MS=300 pytest tests/proof`` runs every
#: proof with new people and workspaces showing in list results only after that delay (one CI pass does so).
VISIBILITY_DELAY_MS = int(os.environ.get('SANDBOX_VISIBILITY_DELAY_MS') or 0)
#: The POSTs that create an entity (the journal keeps ``created_id`` even when the answer was lost).
CREATE_PATHS = ('/v1/locations', '/v1/telephony/config/locations', '/v1/people', '/v1/workspaces')
#: Fields the sandbox fills at random or with the clock: not decided by the batch (routing-prefix jobs are a history
#: of admin jobs, with generated ids and times; the prefixes they set are in the locations).
_VOLATILE = frozenset({'created', 'last_modified', 'default_domain', 'sip_address', 'routing_prefix_jobs'})
_NATURAL_KEYS = {
    'locations': 'name',
    'people': 'emails',
    'workspaces': 'display_name',
    'licenses': 'name',
    'trunks': 'name',
    'route_groups': 'name',
}

TaskKey = tuple[str, str, str]


# --------------------------------------------------------------------------- the sandbox state, comparable


def natural_names(dump: dict[str, Any]) -> dict[str, str]:
    """Webex id -> ``kind:natural key`` (location name, e-mail, workspace name, license name...)."""
    names = {}
    for kind, field in _NATURAL_KEYS.items():
        for entity_id, record in dump.get(kind, {}).items():
            value = record.get(field)
            names[entity_id] = f'{kind}:{value[0] if isinstance(value, list) else value}'
            if kind == 'licenses':  # one license per subscription, several with the same name
                names[entity_id] += f'@{record.get("subscription_id")}'
    return names


def _comparable(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {names.get(k, k): _comparable(v, names) for k, v in value.items() if k not in _VOLATILE}
    if isinstance(value, list):
        items = [_comparable(item, names) for item in value]
        return sorted(items) if all(isinstance(item, str) for item in items) else items
    if isinstance(value, str):
        return names.get(value, value)
    return value


def comparable_state(sandbox: Sandbox) -> dict[str, Any]:
    """The org as the batch left it, with ids replaced by natural keys and random or clock fields left out."""
    dump = sandbox.org.dump()
    return _comparable(dump, natural_names(dump))


def differences(actual: Any, expected: Any, path: str = '') -> list[str]:
    """The paths where two comparable states differ, readable in an assertion message."""
    if isinstance(actual, dict) and isinstance(expected, dict):
        found = []
        for key in sorted(set(actual) | set(expected), key=str):
            if key not in actual:
                found.append(f'{path}/{key}: missing')
            elif key not in expected:
                found.append(f'{path}/{key}: unexpected')
            else:
                found.extend(differences(actual[key], expected[key], f'{path}/{key}'))
        return found
    return [] if actual == expected else [f'{path}: {actual!r} != {expected!r}']


def creations(sandbox: Sandbox) -> collections.Counter[tuple[str, str]]:
    """(create endpoint, natural key) of every create the sandbox carried out, answered or not."""
    names = natural_names(sandbox.org.dump())
    return collections.Counter(
        (entry['path'], names.get(entry['created_id'], entry['created_id']))
        for entry in sandbox.writes()
        if entry['method'] == 'POST' and entry['path'] in CREATE_PATHS and 'created_id' in entry
    )


# --------------------------------------------------------------------------- results of a run


def read_results(run_dir: Path) -> dict[TaskKey, dict[str, str]]:
    """results_manual.csv keyed by (dataset, row, action); a pair written twice fails here."""
    with (run_dir / 'results_manual.csv').open(encoding='utf-8-sig', newline='') as handle:
        rows = list(csv.DictReader(handle, delimiter=';'))
    keyed = {(row['dataset'], row['row'], row['action']): row for row in rows}
    assert len(keyed) == len(rows), 'results_manual.csv repeats a row x action pair'
    return keyed


def outcome(row: dict[str, str]) -> str:
    """What a result line says happened, exactly: its status and reason category. A pair this run changed says
    ``executed`` even when a kill or a lost answer made it find its own change on the next attempt."""
    return f'{row["status"]}/{row["category"]}'


def dataset_rows(path: Path) -> list[list[str]]:
    """The data rows of a sample CSV (';' or ',' as its header shows), blank lines left out."""
    with path.open(encoding='utf-8-sig', newline='') as handle:
        header = handle.readline()
        return [row for row in csv.reader(handle, delimiter=';' if ';' in header else ',') if ''.join(row).strip()]


def expected_tasks(folder: Path, actions: list[str]) -> set[TaskKey]:
    """Every (dataset, row, action) a batch must report: each data row of a dataset x each selected action of it,
    counted straight from the CSVs."""
    from transformacion.core.catalog import action_module

    tasks = set()
    for dataset in ('ubicaciones', 'usuarios', 'workspaces'):
        path = folder / f'{dataset}.csv'
        if not path.is_file():
            continue
        rows = len(dataset_rows(path))
        for action in actions:
            if action_module(action).ACTION.domain == dataset:
                tasks.update((dataset, str(number), action) for number in range(1, rows + 1))
    return tasks


# --------------------------------------------------------------------------- the sample batch and a run of it


def copy_samples(folder: Path) -> Path:
    """A private copy of samples/ (a run fingerprints its inputs; nobody else may touch them meanwhile)."""
    shutil.copytree(SAMPLES, folder)
    return folder


def task_counts(checkpoint: Path) -> tuple[int, int] | None:
    """(tasks finished after being attempted, tasks still pending or running) once the run is validated, else None."""
    seen = snapshot(checkpoint)
    return (seen.attempted, seen.unfinished) if seen and seen.validated else None


# --------------------------------------------------------------------------- the reference run


@dataclass(frozen=True)
class Reference:
    """The sample batch run once, undisturbed, on a fresh sandbox."""

    exit_code: int
    state: dict[str, Any]
    creations: collections.Counter[tuple[str, str]]
    outcomes: dict[TaskKey, str]
    tasks: set[TaskKey]


def assert_same_as_reference(reference: Reference, sandbox: Sandbox, run: Run) -> None:
    """The proof: same exit code, every entity created exactly once, the reference's final state, and a complete
    results_manual.csv whose outcome for every row x action is the reference's."""
    assert run.code == reference.exit_code, run.stderr[-3000:]
    made = creations(sandbox)
    assert {key: count for key, count in made.items() if count != 1} == {}, 'entities created more than once'
    assert made == reference.creations
    assert differences(comparable_state(sandbox), reference.state) == []
    found = read_results(run.run_dir)
    assert set(found) == reference.tasks, 'results_manual.csv has not exactly one line per row x action'
    assert {key: outcome(row) for key, row in found.items()} == reference.outcomes


def reference_of(run: Run, sandbox: Sandbox, folder: Path) -> Reference:
    """What an undisturbed ``run`` of the batch in ``folder`` left on ``sandbox``: the yardstick of the proofs."""
    results = read_results(run.run_dir)
    return Reference(
        exit_code=run.code,
        state=comparable_state(sandbox),
        creations=creations(sandbox),
        outcomes={key: outcome(row) for key, row in results.items()},
        tasks=expected_tasks(folder, run.summary['actions']),
    )
