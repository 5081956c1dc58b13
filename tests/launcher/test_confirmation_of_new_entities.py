"""A high-impact change of something the same batch creates first (the outgoing permissions of a new location or
person): the dry-run cannot read its entity, yet it says what the real run will ask (issue 14). With the samples
folder against the sandbox: the plan marks every pair the real run without ``--yes`` refuses, and no other; a real
run and an ``--apply`` of the plan without ``--yes`` leave every row either fully applied or refused before its
first write; with ``--yes`` everything applies."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.runs import TOKEN, Run, connection_args, isolate, launch_in_process
from transformacion.batch.checkpoint import OK_STATUSES, Checkpoint, Task
from transformacion.core.catalog import load_catalog
from transformacion.sandbox import running_sandbox

SAMPLES = Path(__file__).resolve().parents[2] / 'samples'
PERMISSIONS = (
    'configurar_permisos_salientes_ubicacion',
    'configurar_permisos_salientes_usuario',
    'configurar_permisos_salientes_workspace',
)
HALF_APPLIED_LIE = 'no se aplica ninguna acción de la fila'
#: every action of the samples' locations, as the catalogue lists them
LOCATION_ACTIONS = tuple(action.name for action, _ in load_catalog().values() if action.domain == 'ubicaciones')


@pytest.fixture
def fresh(tmp_path, monkeypatch) -> Iterator[Any]:
    """``fresh(name, *args, same=False) -> Run``: the launcher against a new sandbox of the default org (``same``: the
    previous call's one), logs under ``tmp_path/name``; ``fresh.sandbox`` is the one it ran against."""
    isolate(monkeypatch, tmp_path)
    monkeypatch.setenv('TRANSFORMACION_MAX_ATTEMPTS', '1')
    with contextlib.ExitStack() as stack:

        def run(name: str, *args: str, same: bool = False) -> Run:
            if not same:
                run.sandbox = stack.enter_context(running_sandbox(token=TOKEN))
            return launch_in_process(*args, *connection_args(run.sandbox, tmp_path / name))

        yield run


def tasks_of(run: Run) -> list[Task]:
    store = Checkpoint(run.run_dir / 'checkpoint.sqlite')
    try:
        return [task for dataset in store.datasets() for task in store.tasks(dataset)]
    finally:
        store.close()


def rows_of(tasks: list[Task]) -> dict[tuple[str, int], list[Task]]:
    rows: dict[tuple[str, int], list[Task]] = {}
    for task in tasks:
        rows.setdefault((task.dataset, task.row), []).append(task)
    return rows


def assert_no_row_half_applied(tasks: list[Task]) -> None:
    """Every row is either fully applied (every pair ok) or untouched (no pair wrote), and a refusal that says no
    action of the row is applied is true."""
    for (dataset, row), pairs in rows_of(tasks).items():
        wrote = [task.action for task in pairs if task.wrote or task.status == 'executed']
        failed = [f'{task.action}: {task.status} ({task.message})' for task in pairs if task.status not in OK_STATUSES]
        assert not (wrote and failed), f'{dataset} fila {row} a medias: aplicó {wrote}, falló {failed}'
        if wrote:
            assert not any(HALF_APPLIED_LIE in task.message for task in pairs), f'{dataset} fila {row}'


def test_the_plan_marks_every_pair_the_real_run_without_yes_refuses(fresh, tmp_path):
    plan = tmp_path / 'cambio.json'
    planned = fresh('plan', '--input_dir', str(SAMPLES), '--dry-run', '--plan-out', str(plan))
    assert planned.code == 0, planned.stderr[-3000:]
    document = json.loads(plan.read_text(encoding='utf-8'))
    marked = {(e['dataset'], e['row'], e['action']) for e in document['pairs'] if e['needs_confirmation']}
    changes = [e for e in document['pairs'] if e['kind'] in ('create', 'update')]
    permissions = {(e['dataset'], e['row'], e['action']) for e in changes if e['action'] in PERMISSIONS}
    pstn = [e for e in changes if e['action'] == 'configurar_pstn_ubicacion']
    assert permissions and all(e['simulated_prerequisite'] for e in changes if e['action'] in PERMISSIONS)
    assert permissions <= marked, 'a permission change of a new entity asks for --yes'
    assert pstn and not any(e['needs_confirmation'] for e in pstn), 'the first PSTN connection of a new location'
    assert sum(line['needs_yes'] for line in document['counts'].values()) == len(marked)
    assert {(t.dataset, t.row, t.action) for t in tasks_of(planned) if t.category == 'requiere_yes'} == marked

    applied = fresh('apply', '--apply', str(plan), same=True)
    assert applied.code == 3
    assert not fresh.sandbox.writes(), 'every row with a location is refused, every other row needs one of them'
    assert_refused_whole(tasks_of(applied), marked)

    real = fresh('real', '--input_dir', str(SAMPLES))
    assert real.code == 3
    assert not fresh.sandbox.writes()
    assert_refused_whole(tasks_of(real), marked)


def assert_refused_whole(tasks: list[Task], marked: set[tuple[str, int, str]]) -> None:
    """No row is half applied; the rows refused for lack of --yes are rows the plan marked (the locations' among
    them), each refused whole, and every other marked row is skipped (its location refused first, or the row does
    not apply)."""
    assert_no_row_half_applied(tasks)
    marked_rows = {(dataset, row) for dataset, row, _ in marked}
    unconfirmed = {(t.dataset, t.row) for t in tasks if t.category == 'sin_confirmar'}
    assert ('ubicaciones', 1) in unconfirmed and unconfirmed <= marked_rows
    assert {
        (t.dataset, t.row, t.action): t.status
        for t in tasks
        if (t.dataset, t.row) in marked_rows
        and not (t.status == 'skipped' or (t.status, t.category) == ('rejected', 'sin_confirmar'))
    } == {}


def test_with_yes_the_samples_apply_whole(fresh):
    confirmed = fresh('yes', '--input_dir', str(SAMPLES), '--yes')

    assert confirmed.code == 0, confirmed.stderr[-3000:]
    tasks = tasks_of(confirmed)
    assert [t.action for t in tasks if t.status not in OK_STATUSES] == []
    assert {t.action for t in tasks if t.status == 'executed'} >= set(PERMISSIONS)


def test_a_row_whose_location_exists_is_judged_by_its_state(fresh):
    """Once the samples' locations exist, a run of their rows without --yes reads the real state: the permissions
    already applied need nothing, so nothing is refused."""
    actions = ('--actions', ','.join(LOCATION_ACTIONS))
    assert fresh('yes', '--input_dir', str(SAMPLES), '--yes', *actions).code == 0

    again = fresh('again', '--input_dir', str(SAMPLES), *actions, same=True)

    assert again.code == 0, again.stderr[-3000:]
    assert [t.category for t in tasks_of(again) if t.status not in OK_STATUSES] == []
