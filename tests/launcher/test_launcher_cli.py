"""The two commands as an operator runs them: options, exit codes, the result object, the table and the progress."""

from __future__ import annotations

import json

import pytest

from tests.support.batches import CATALOG, GLOBAL, location, location_names, write_folder
from tests.support.files import write_csv
from tests.support.runs import TOKEN
from transformacion import bulk_runner
from transformacion.batch import run as batch_run
from transformacion.core.catalog import load_catalog


def test_the_default_selection_runs_every_ready_action_of_the_present_datasets(launch, sandbox, tmp_path):
    folder = write_folder(tmp_path / 'in', ubicaciones=[location('Norte'), location('Sur')])
    run = launch('--input_dir', str(folder))

    assert run.code == 0, run.stderr
    assert run.result['script_name'] == 'launcher_csv_dependencias'
    assert run.result['status'] == 'executed'
    catalog = load_catalog()
    selected = run.result['summary']['actions']
    assert selected[0] == 'alta_ubicacion'
    assert all(catalog[name][0].ready and catalog[name][0].domain == 'ubicaciones' for name in selected)
    assert run.result['summary']['by_action']['alta_ubicacion'] == {'executed': 2}
    assert {'Norte', 'Sur'} <= set(location_names(sandbox))
    assert 'progreso: 2/2 ok 2 fallo 0' in run.stderr
    assert 'TOTAL' in run.stderr and f'resultados: {run.run_dir / "results_manual.csv"}' in run.stderr


def test_exit_3_on_partial_failure_with_the_next_step_and_a_masked_token(launch, sandbox, tmp_path):
    sandbox.set_faults([{'kind': 'status', 'status': 409, 'method': 'POST', 'path': '^/v1/locations$', 'max_count': 1}])
    folder = write_folder(tmp_path / 'in', ubicaciones=[location('Norte')])
    run = launch('--input-dir', str(folder), '--actions', 'alta_ubicacion', '--token', TOKEN, '--concurrency', '1')

    assert run.code == 3
    assert run.result['status'] == 'error'
    argv = run.result['invocation']['argv']
    assert argv[argv.index('--token') + 1] == '***'
    assert TOKEN not in run.stderr + str(run.result)
    run_id = run.result['result']['run_id']
    assert run.result['summary']['message'] == f'1 en error o timeout: --retry-failed {run_id}'
    assert (run.run_dir / 'alta_ubicacion.jsonl').is_file()


def test_single_mode_runs_one_row_like_the_script(launch, sandbox, tmp_path):
    folder = write_folder(tmp_path / 'in', ubicaciones=[location('Norte'), location('Sur')])
    run = launch(
        '--input_dir', str(folder), '--actions', 'alta_ubicacion', '--mode', 'single', '--row', '2', '--dry-run'
    )

    assert run.code == 0, run.stderr
    assert run.result['status'] == 'dry_run'
    assert run.result['summary']['total'] == 1
    assert sandbox.writes() == []


@pytest.mark.parametrize(
    ('args', 'message'),
    [
        (['--actions', 'alta_ubicacion,no_existe'], 'acciones desconocidas: no_existe'),
        (['--actions', ','], '--actions no nombra ninguna acción'),
        (['--actions', 'alta_workspace'], 'alta_workspace necesita workspaces.csv, que no está en la carpeta'),
        (['--row', '2'], '--row solo se usa con --mode single'),
    ],
)
def test_bad_selections_cannot_start(launch, sandbox, tmp_path, args, message):
    folder = write_folder(tmp_path / 'in', ubicaciones=[location('Norte')])
    run = launch('--input_dir', str(folder), *args)

    assert run.code == 4
    assert run.result['status'] == 'rejected'
    assert message in run.result['result']['error']
    assert f'no se puede empezar: {message}' in run.stderr
    assert sandbox.journal() == []


def test_folders_that_cannot_start(launch, sandbox, tmp_path, monkeypatch):
    empty = tmp_path / 'vacia'
    empty.mkdir()
    assert 'indique --input_dir' in launch().result['result']['error']
    assert 'no existe la carpeta' in launch('--input_dir', str(tmp_path / 'nada')).result['result']['error']
    assert 'no tiene ningún dataset' in launch('--input_dir', str(empty)).result['result']['error']
    write_csv(empty / 'global.csv', [GLOBAL])
    assert 'no tiene ningún dataset' in launch('--input_dir', str(empty)).result['result']['error']
    write_csv(empty / 'usuarios.csv', [{'email': 'ana@example.com'}])
    monkeypatch.setattr(batch_run, 'load_catalog', lambda: CATALOG)
    assert 'no hay acciones ready' in launch('--input_dir', str(empty)).result['result']['error']
    folder = write_folder(tmp_path / 'in', ubicaciones=[location('Norte')])
    monkeypatch.delenv('WEBEX_ACCESS_TOKEN')
    run = launch('--input_dir', str(folder), '--actions', 'alta_ubicacion')
    assert run.code == 4
    assert 'falta el token' in run.result['result']['error']
    assert sandbox.journal() == []


def test_sandbox_option_runs_against_an_embedded_sandbox_without_any_account(launch, sandbox, tmp_path, monkeypatch):
    monkeypatch.delenv('WEBEX_ACCESS_TOKEN')
    monkeypatch.delenv('WEBEX_BASE_URL')
    folder = write_folder(tmp_path / 'in', ubicaciones=[location('Norte')])
    run = launch('--input_dir', str(folder), '--actions', 'alta_ubicacion', '--sandbox')

    assert run.code == 0, run.stderr
    assert 'sandbox local en http://127.0.0.1:' in run.stderr
    assert sandbox.journal() == []


def test_resume_and_retry_failed_from_the_command_line(launch, sandbox, tmp_path):
    sandbox.set_faults([{'kind': 'status', 'status': 400, 'method': 'POST', 'path': '^/v1/locations$', 'max_count': 1}])
    folder = write_folder(tmp_path / 'in', ubicaciones=[location('Norte')])
    first = launch('--input_dir', str(folder), '--actions', 'alta_ubicacion')
    assert first.code == 3
    run_id = first.result['result']['run_id']

    resumed = launch('--resume', run_id)
    assert (resumed.code, resumed.result['summary']['by_status']['error']) == (3, 1)
    retried = launch('--retry-failed', run_id)
    assert retried.code == 0, retried.stderr
    assert retried.result['summary']['by_status']['executed'] == 1
    assert launch('--resume', 'nada').code == 4


def test_the_bulk_runner_runs_one_action_over_one_csv(launch, sandbox, tmp_path):
    csv_file = write_csv(tmp_path / 'sedes.csv', [location('Norte'), location('Sur')], delimiter=';')
    global_file = write_csv(tmp_path / 'comun.csv', [GLOBAL])
    run = launch(
        '--action', 'alta_ubicacion', '--csv', str(csv_file), '--global', str(global_file), main=bulk_runner.main
    )

    assert run.code == 0, run.stderr
    assert run.result['script_name'] == 'bulk_runner'
    assert run.result['summary']['by_status']['executed'] == 2
    refused = [
        launch(main=bulk_runner.main),
        launch('--action', 'nada', '--csv', str(csv_file), main=bulk_runner.main),
        launch('--action', 'alta_ubicacion', '--csv', str(tmp_path / 'no.csv'), main=bulk_runner.main),
    ]
    assert [r.code for r in refused] == [4, 4, 4]
    assert 'indique --action y --csv' in refused[0].result['result']['error']


def test_an_action_in_development_is_announced_and_refused(launch, sandbox, tmp_path, monkeypatch):
    monkeypatch.setattr(batch_run, 'load_catalog', lambda: CATALOG)
    folder = write_folder(tmp_path / 'in', workspaces=[{'name': 'Sala 1', 'location': 'Sede Central'}])
    run = launch('--input_dir', str(folder), '--actions', 'demo_inventariar_workspace,demo_crear_workspace')

    assert run.code == 3
    assert 'aviso: demo_inventariar_workspace está en desarrollo: sus filas quedarán rejected' in run.stderr
    assert run.result['summary']['message'] == (
        '1 rechazadas (en_desarrollo 1: quite la acción); lo ya aplicado quedará sin_cambios'
    )
    [failure] = run.result['summary']['failures']
    assert (failure['category'], failure['count'], failure['example']['action']) == (
        'en_desarrollo',
        1,
        'demo_inventariar_workspace',
    )
    assert run.result['summary']['by_action'] == {
        'demo_crear_workspace': {'executed': 1},
        'demo_inventariar_workspace': {'rejected': 1},
    }


@pytest.mark.parametrize(
    'option', ['--chunk-size', '--concurrency', '--rate-limit', '--chunk-timeout', '--job-timeout']
)
@pytest.mark.parametrize('value', ['0', '-1', 'x'])
def test_numeric_options_must_be_positive(launch, capsys, option, value):
    with pytest.raises(SystemExit) as raised:
        launch('--input_dir', '.', option, value)
    assert raised.value.code == 4
    assert f'argumento {option}: ' in capsys.readouterr().err


def test_an_unknown_option_ends_as_a_run_that_could_not_start_with_its_result_object(launch, capsys):
    with pytest.raises(SystemExit) as raised:
        launch('--input_dir', '.', '--token', 'secreto-de-prueba', '--bogus', '5')

    out, err = capsys.readouterr()
    result = json.loads(out)
    assert raised.value.code == 4
    assert (result['script_name'], result['status']) == ('launcher_csv_dependencias', 'rejected')
    assert result['summary']['message'].startswith('opción no válida: argumentos no reconocidos: --bogus 5 (vea ')
    assert '***' in result['invocation']['argv'] and 'secreto-de-prueba' not in out + err
    assert err.splitlines() == [f'no se puede empezar: {result["summary"]["message"]}']


def test_skip_invalid_runs_despite_a_misplaced_column_and_still_exits_3(launch, sandbox, tmp_path):
    folder = write_folder(tmp_path / 'in', ubicaciones=[location('Norte', email='ana@example.com')])
    run = launch('--input_dir', str(folder), '--actions', 'alta_ubicacion', '--skip-invalid')

    assert run.code == 3
    assert run.result['summary']['by_status']['executed'] == 1
    assert (
        run.result['summary']['message']
        == 'hay problemas de validación sin aplicar (--skip-invalid): corríjalos y relance'
    )
    assert run.result['result']['problems'] == [
        'ubicaciones.csv, columna email: la columna pertenece a usuarios.csv, no a ubicaciones.csv'
    ]


def test_exit_5_when_the_job_timeout_stops_the_run_and_how_to_continue(launch, sandbox, tmp_path):
    sandbox.set_faults([{'kind': 'delay', 'delay_ms': 300, 'path': '^/v1/locations$', 'max_count': 1}])
    folder = write_folder(tmp_path / 'in', ubicaciones=[location('Norte'), location('Sur')])
    run = launch('--input_dir', str(folder), '--actions', 'alta_ubicacion', '--job-timeout', '0.1', '--chunk-size', '1')

    assert run.code == 5
    assert run.result['status'] == 'error'
    command = f'python -m transformacion.launcher_csv_dependencias --resume {run.run_dir} --base-url {sandbox.base_url}'
    message = run.result['summary']['message']
    assert message.startswith(f'detenida (--job-timeout): quedan 1 sin ejecutar; continúe con: {command} ')
    assert 'contra un sandbox local: solo mientras siga en marcha' in message
    assert run.result['summary']['stopped_by'] == 'job_timeout'
    assert launch('--resume', run.result['result']['run_id']).code == 0
