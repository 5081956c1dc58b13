"""Edges of a long batch: input edited while it runs, retries cut by a chunk timeout, pacing, list references."""

from __future__ import annotations

import io
import time
from functools import partial

import pytest

from tests.support.batches import CATALOG, location, posts, read_results, statuses, write_folder
from tests.support.files import write_csv
from tests.support.runs import TOKEN
from transformacion.batch import run as batch_run
from transformacion.batch.checkpoint import Checkpoint
from transformacion.batch.execution import prerequisite_rows
from transformacion.batch.options import Batch
from transformacion.batch.run import start_run
from transformacion.common import Outcome
from transformacion.core.params import EMAIL, Action, Param, ParamType, split_list
from transformacion.core.transport import RateController

#: a list type for a test action that names several entities in one cell
EMAIL_LIST = ParamType('email_list', lambda value: [EMAIL.coerce(item) for item in split_list(value)], 'correos')


def test_a_row_edited_after_validation_is_rejected_when_its_turn_comes(runner, sandbox, tmp_path):
    note = Action(
        'demo_nota_ubicacion',
        'ubicaciones',
        'Nota de una ubicación (acción de prueba sin llamadas).',
        params=(Param('name', required=True, key=True), Param('nota', required=True)),
    )
    path = write_csv(tmp_path / 'ubicaciones.csv', [{'name': f'Sede {i:03d}', 'nota': 'x' * 60} for i in range(200)])
    offset = path.read_bytes().index(b'Sede 190,') + len('Sede 190,')

    def edit_once(api, params, ctx):
        if params['name'] == 'Sede 000':
            with path.open('r+b') as handle:
                handle.seek(offset)
                handle.write(b' ' * 60)
        return Outcome('executed', 'nota')

    batch = Batch(sources={'ubicaciones': str(path)}, global_csv=None, actions=('demo_nota_ubicacion',), chunk_size=50)
    report = start_run(
        batch,
        runner.settings(concurrency=1),
        runner.connection(),
        log_dir=runner.log_dir,
        catalog={'demo_nota_ubicacion': (note, edit_once)},
        stream=io.StringIO(),
    )

    assert report.exit_code == 3
    [changed] = [r for r in read_results(report) if r['status'] == 'rejected']
    assert changed['row'] == '191'
    assert changed['message'].startswith('la fila cambió desde la validación: ')
    assert sandbox.writes() == []


def test_a_row_waiting_to_retry_when_its_chunk_times_out_makes_no_further_attempt(runner, sandbox, tmp_path):
    sandbox.set_faults([{'kind': 'status', 'status': 503, 'method': 'GET', 'path': '^/v1/locations$', 'max_count': 2}])
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 2:
            time.sleep(0.4)

    folder = write_folder(tmp_path / 'in', ubicaciones=[location('Norte')])
    report = start_run(
        runner.batch(folder, ('alta_ubicacion',)),
        runner.settings(concurrency=1, chunk_timeout=0.15),
        runner.connection(),
        log_dir=runner.log_dir,
        catalog=CATALOG,
        sleep=sleep,
        stream=io.StringIO(),
    )

    assert statuses(report) == {('ubicaciones', '1', 'alta_ubicacion'): 'timeout'}
    assert [e['status'] for e in sandbox.journal() if e['path'] == '/v1/locations'] == [503, 503]
    assert read_results(report)[0]['attempts'] == '1'


def test_the_job_timeout_leaves_the_rest_of_a_row_pending_and_resume_completes_it(runner, sandbox, tmp_path):
    sandbox.set_faults(
        [{'kind': 'delay', 'delay_ms': 400, 'method': 'POST', 'path': '^/v1/workspaces$', 'max_count': 1}]
    )
    folder = write_folder(
        tmp_path / 'in',
        workspaces=[
            {'name': 'Sala 1', 'location': 'Sede Central', 'capacity': '3'},
            {'name': 'Sala 2', 'location': 'Sede Central', 'capacity': '4'},
        ],
    )
    settings = runner.settings(concurrency=1, job_timeout=0.2)
    stopped = runner.start(folder, ('demo_crear_workspace', 'demo_ajustar_workspace'), settings, chunk_size=1)

    assert (stopped.exit_code, stopped.state) == (5, 'stopped')
    assert statuses(stopped) == {
        ('workspaces', '1', 'demo_crear_workspace'): 'executed',
        ('workspaces', '1', 'demo_ajustar_workspace'): 'pending',
        ('workspaces', '2', 'demo_crear_workspace'): 'pending',
        ('workspaces', '2', 'demo_ajustar_workspace'): 'pending',
    }
    finished = runner.resume(stopped.run_id)
    assert finished.exit_code == 0
    assert set(statuses(finished).values()) == {'executed'}
    assert len(posts(sandbox, '/v1/workspaces')) == 2


def test_with_skip_invalid_the_rows_before_an_unreadable_line_still_run(runner, sandbox, tmp_path):
    folder = write_folder(tmp_path / 'in', workspaces=[{'name': 'Sala 1', 'location': 'Sede Central'}])
    with (folder / 'workspaces.csv').open('a', encoding='utf-8') as handle:
        handle.write('Sala 2,Sede Central,sobra\nSala 3,Sede Central\n')
    report = runner.start(folder, ('demo_crear_workspace',), skip_invalid=True)

    assert report.exit_code == 3
    assert statuses(report) == {('workspaces', '1', 'demo_crear_workspace'): 'executed'}
    assert [w['request_body']['displayName'] for w in posts(sandbox, '/v1/workspaces')] == ['Sala 1']


@pytest.mark.parametrize(
    ('content', 'problem'),
    [
        ('', 'global.csv: el fichero está vacío o no tiene cabecera'),
        (
            'time_zone\nEurope/Madrid\nEurope/Paris\n',
            'global.csv: debe tener exactamente una fila de datos bajo la cabecera',
        ),
    ],
)
def test_global_csv_must_be_readable_with_exactly_one_row(runner, sandbox, tmp_path, content, problem):
    folder = write_folder(tmp_path / 'in', ubicaciones=[location('Norte')])
    (folder / 'global.csv').write_text(content, encoding='utf-8')
    report = runner.start(folder, ('alta_ubicacion',))

    assert report.exit_code == 2
    assert problem in report.problems
    assert sandbox.journal() == []


def test_with_a_rate_limit_every_request_of_the_run_waits_its_turn(launch, sandbox, tmp_path, monkeypatch):
    """The run's one pacing authority schedules its requests 1/rate apart, whatever the workers do: read on a clock
    that stands still (every request asks at t=0), so the waits it hands out are exact and no time passes."""
    waits: list[float] = []
    monkeypatch.setattr(batch_run, 'RateController', partial(RateController, clock=lambda: 0.0, sleep=waits.append))
    folder = write_folder(tmp_path / 'in', ubicaciones=[location(f'Sede {i}') for i in range(1, 9)])

    run = launch('--input_dir', str(folder), '--actions', 'alta_ubicacion', '--rate-limit', '30')

    assert run.code == 0, run.stderr
    calls = run.summary['api_calls']
    assert calls == len(sandbox.journal()) > 8
    assert sorted(waits) == pytest.approx([turn / 30 for turn in range(1, calls)])


def test_an_action_whose_prerequisite_is_not_selected_works_on_existing_entities(runner, sandbox, tmp_path):
    folder = write_folder(tmp_path / 'in', workspaces=[{'name': 'Sala Goya', 'capacity': '10'}])
    report = runner.start(folder, ('demo_ajustar_workspace',))

    assert report.exit_code == 0
    assert statuses(report) == {('workspaces', '1', 'demo_ajustar_workspace'): 'executed'}
    assert [w['capacity'] for w in sandbox.org.workspaces.values() if w['display_name'] == 'Sala Goya'] == [10]


def test_prerequisite_rows_follow_same_entity_keys_and_values_that_name_entities(tmp_path):
    store = Checkpoint(tmp_path / 'checkpoint.sqlite')
    store.claim_entity('ubicaciones', 'Madrid', 3)
    store.claim_entity('usuarios', 'luis@example.com', 7)
    create_site = Action('demo_crear_sede', 'ubicaciones', 'x', params=(Param('name', key=True),))
    add_numbers = Action(
        'demo_numeros_sede', 'ubicaciones', 'x', params=(Param('location', key=True, depends_on='demo_crear_sede'),)
    )
    create_person = Action(
        'demo_crear_persona',
        'usuarios',
        'x',
        params=(
            Param('email', key=True),
            Param('location', depends_on='demo_crear_sede'),
            Param('phone_number', depends_on='demo_numeros_sede'),
        ),
    )
    monitor = Action(
        'demo_monitor_persona',
        'usuarios',
        'x',
        params=(
            Param('person', key=True, column='email', depends_on='demo_crear_persona'),
            Param('monitored', type=EMAIL_LIST, depends_on='demo_crear_persona'),
        ),
    )
    catalog = {a.name: (a, None) for a in (create_site, add_numbers, create_person, monitor)}
    user = {'email': 'ana@example.com', 'location': 'madrid', 'phone_number': '+34910000100'}

    def rows(action, dependency, params):
        return prerequisite_rows(catalog, store, 'usuarios', 2, action, dependency, params)

    assert rows(create_person, create_site, user) == {('ubicaciones', 3)}
    assert rows(create_person, add_numbers, user) == {('ubicaciones', 3)}
    assert rows(create_person, add_numbers, {**user, 'phone_number': None}) == set()
    assert rows(create_person, create_site, {**user, 'location': 'Sevilla'}) == set()
    members = {'person': 'ana@example.com', 'monitored': ['luis@example.com', 'eva@example.com']}
    assert rows(monitor, create_person, members) == {('usuarios', 2), ('usuarios', 7)}


def test_the_bulk_runner_alone_needs_no_global_csv(launch, sandbox, tmp_path):
    from transformacion import bulk_runner

    csv_file = write_csv(tmp_path / 'sedes.csv', [location('Norte') | {'time_zone': 'Europe/Madrid'}])
    run = launch('--action', 'alta_ubicacion', '--csv', str(csv_file), '--token', TOKEN, main=bulk_runner.main)

    assert run.code == 2
    assert run.result['summary']['inputs'] == {'global': None, 'ubicaciones': str(csv_file)}
    assert 'sedes.csv, fila 1, columna preferred_language: es obligatorio' in run.result['result']['problems']
