"""Saying what happened: a reason category for every pair (results, summary, table), failures grouped by reason with an
example and the next step, ``executed`` only for what this run wrote, and the result object on stdout only when stdout
is not a terminal (or with --json); on a terminal it goes to the run folder."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

from tests.support.batches import location, posts, read_results, write_folder
from tests.support.runs import TOKEN
from transformacion.batch.report import render_failures, render_table

RECEPCION = 'Recepción Sede Central'


def categories(report) -> dict[tuple[str, str, str], tuple[str, str]]:
    """{(dataset, row, action): (status, category)} from results_manual.csv."""
    return {(r['dataset'], r['row'], r['action']): (r['status'], r['category']) for r in read_results(report)}


def test_every_pair_says_why_it_ended_as_it_did_in_the_results_the_summary_and_the_table(runner, sandbox, tmp_path):
    sandbox.set_faults([{'kind': 'status', 'status': 400, 'method': 'POST', 'path': '^/v1/locations$', 'max_count': 1}])
    folder = write_folder(
        tmp_path / 'in',
        ubicaciones=[location('Norte'), location('Sur')],
        workspaces=[
            {'name': 'Sala N', 'location': 'Norte', 'capacity': ''},
            {'name': 'Sala S', 'location': 'Sur', 'capacity': '3'},
        ],
    )
    actions = ('alta_ubicacion', 'demo_crear_workspace', 'demo_ajustar_workspace')

    first = runner.start(folder, actions, runner.settings(concurrency=1))

    assert categories(first) == {
        ('ubicaciones', '1', 'alta_ubicacion'): ('error', 'invalid_input'),
        ('ubicaciones', '2', 'alta_ubicacion'): ('executed', 'aplicado'),
        ('workspaces', '1', 'demo_crear_workspace'): ('skipped', 'bloqueado'),
        ('workspaces', '1', 'demo_ajustar_workspace'): ('skipped', 'no_aplica'),
        ('workspaces', '2', 'demo_crear_workspace'): ('executed', 'aplicado'),
        ('workspaces', '2', 'demo_ajustar_workspace'): ('executed', 'aplicado'),
    }
    summary = first.summary
    assert summary['by_category'] == {'aplicado': 3, 'no_aplica': 1, 'bloqueado': 1, 'invalid_input': 1}
    assert summary['by_action_category']['demo_crear_workspace'] == {'aplicado': 1, 'bloqueado': 1}
    [failure] = summary['failures']
    assert (failure['category'], failure['count']) == ('invalid_input', 1)
    assert failure['example'] | {'message': ''} == {
        'file': 'ubicaciones.csv',
        'row': 1,
        'key': 'Norte',
        'action': 'alta_ubicacion',
        'status': 'error',
        'message': '',
    }
    table = render_table(summary).splitlines()
    assert table[2].split() == ['acción', 'executed', 'no_aplica', 'bloqueado', 'error', 'total']
    assert table[-5].split() == ['TOTAL', '3', '1', '1', '1', '6']
    assert table[-3] == 'ritmo: adaptativo, sin 429: nada nuevo que recordar'
    shown = render_failures(summary)
    assert 'Fallos por motivo (1):' in shown
    assert 'invalid_input (1): datos que la validación o Webex rechazan: corrija el CSV y relance' in shown
    assert 'p. ej. ubicaciones.csv, fila 1 (Norte), alta_ubicacion: error: ' in shown
    assert 'además 1 bloqueadas por un requisito que falló' in shown

    sandbox.set_faults([])
    retried = runner.resume(first.run_id, retry_failed=True)
    assert set(categories(retried).values()) == {('executed', 'aplicado'), ('skipped', 'no_aplica')}

    again = runner.start(folder, actions)
    assert categories(again) == {
        key: ('skipped', 'no_aplica' if key[2] == 'demo_ajustar_workspace' and key[1] == '1' else 'sin_cambios')
        for key in categories(first)
    }
    assert again.summary['by_status']['executed'] == 0


def test_a_refused_batch_never_looks_like_a_success(launch, sandbox, tmp_path):
    folder = write_folder(tmp_path / 'in', ubicaciones=[location('Norte'), location('Sur', address1='')])

    run = launch('--input_dir', str(folder), '--actions', 'alta_ubicacion')

    assert (run.code, run.result['status']) == (2, 'rejected')
    assert (
        f'Ejecución {run.run_dir.name}: rejected · LOTE RECHAZADO por la validación: no se ejecutó nada' in run.stderr
    )
    header = next(line for line in run.stderr.splitlines() if line.startswith('acción'))
    assert header.split() == ['acción', 'executed', 'lote_rechazado', 'rejected', 'total']
    with (run.run_dir / 'results_manual.csv').open(encoding='utf-8-sig') as handle:
        lines = handle.read().splitlines()
    assert lines[0].split(';')[4:6] == ['status', 'category']
    assert [line.split(';')[4:6] for line in lines[1:]] == [
        ['skipped', 'lote_rechazado'],
        ['rejected', 'invalid_input'],
    ]
    assert run.result['summary']['by_category'] == {'lote_rechazado': 1, 'invalid_input': 1}
    assert sandbox.journal() == []


def test_a_read_only_action_never_counts_as_executed(launch, sandbox, tmp_path):
    folder = write_folder(
        tmp_path / 'in', workspaces=[{'name': RECEPCION, 'location': 'Sede Central', 'area': 'general'}]
    )

    for extra in ((), ('--dry-run',), ()):
        run = launch('--input_dir', str(folder), '--actions', 'precheck_workspace', *extra)

        assert run.code == 0, run.stderr
        [row] = read_results(run)
        assert (row['status'], row['category']) == ('skipped', 'sin_cambios')
        assert row['message'] == f"precheck del workspace '{RECEPCION}' (general): ok"
        assert run.result['summary']['by_status']['executed'] == 0
    assert sandbox.writes() == []


def test_a_create_whose_answer_was_lost_counts_as_created_by_this_run(runner, sandbox, tmp_path):
    sandbox.set_faults(
        [
            {
                'kind': 'delay',
                'delay_ms': 600,
                'when': 'after',
                'method': 'POST',
                'path': '^/v1/locations$',
                'max_count': 1,
            }
        ]
    )
    folder = write_folder(tmp_path / 'in', ubicaciones=[location('Norte')])
    first = runner.start(folder, ('alta_ubicacion',), runner.settings(concurrency=1, chunk_timeout=0.3))
    assert categories(first) == {('ubicaciones', '1', 'alta_ubicacion'): ('timeout', 'timeout')}

    retried = runner.resume(first.run_id, retry_failed=True)

    [row] = read_results(retried)
    assert (row['status'], row['category']) == ('executed', 'aplicado')
    assert row['message'].endswith('(aplicado por esta ejecución en un intento anterior, interrumpido)')
    assert len(posts(sandbox, '/v1/locations')) == 1


def test_without_a_terminal_stdout_carries_exactly_the_result_object_also_kept_in_the_run_folder(
    launch, sandbox, tmp_path
):
    folder = write_folder(tmp_path / 'in', ubicaciones=[location('Norte')])

    run = launch('--input_dir', str(folder), '--actions', 'alta_ubicacion')

    assert run.code == 0
    assert set(run.result) == {'script_name', 'status', 'invocation', 'result', 'summary'}
    assert run.result['result']['result_file'] == str(run.run_dir / 'result.json')
    assert json.loads((run.run_dir / 'result.json').read_text(encoding='utf-8')) == run.result
    assert 'objeto de resultado:' not in run.stderr


def run_on_a_terminal(sandbox, tmp_path: Path, *args: str) -> tuple[int, str, str]:
    """The launcher with stdout on a pseudo-terminal (as in an operator's shell): exit code, what the terminal showed
    on stdout, stderr."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(('WEBEX_', 'TRANSFORMACION_'))}
    env |= {'WEBEX_ACCESS_TOKEN': TOKEN, 'WEBEX_BASE_URL': sandbox.base_url, 'TRANSFORMACION_MAX_ATTEMPTS': '1'}
    master, slave = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, '-m', 'transformacion.launcher_csv_dependencias', '--log-dir', str(tmp_path / 'logs'), *args],
        env=env,
        cwd=tmp_path,
        stdout=slave,
        stderr=subprocess.PIPE,
        text=True,
    )
    os.close(slave)
    shown = b''
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        shown += chunk
    os.close(master)
    err = process.stderr.read()
    return process.wait(timeout=60), shown.decode('utf-8'), err


def test_on_a_terminal_the_table_and_the_failures_by_reason_show_and_the_json_goes_to_the_run_folder(sandbox, tmp_path):
    sandbox.set_faults([{'kind': 'status', 'status': 409, 'method': 'POST', 'path': '^/v1/locations$', 'max_count': 1}])
    folder = write_folder(tmp_path / 'in', ubicaciones=[location('Norte'), location('Sur')])

    code, shown, err = run_on_a_terminal(
        sandbox, tmp_path, '--input_dir', str(folder), '--actions', 'alta_ubicacion', '--concurrency', '1'
    )

    assert code == 3, err
    assert shown.strip() == ''
    assert 'TOTAL' in err
    assert 'Fallos por motivo (1):' in err
    assert 'conflict (1): choca con el estado actual de Webex' in err
    assert 'p. ej. ubicaciones.csv, fila 1 (Norte), alta_ubicacion: error: ' in err
    [saved] = (tmp_path / 'logs' / 'runs').glob('*/result.json')
    assert f'objeto de resultado: {saved}' in err
    document = json.loads(saved.read_text(encoding='utf-8'))
    assert (document['script_name'], document['status']) == ('launcher_csv_dependencias', 'error')
    assert document['summary']['failures'][0]['category'] == 'conflict'

    code, shown, err = run_on_a_terminal(
        sandbox, tmp_path, '--input_dir', str(folder), '--actions', 'alta_ubicacion', '--json'
    )

    assert code == 0, err
    assert json.loads(shown)['script_name'] == 'launcher_csv_dependencias'
    assert 'objeto de resultado:' not in err
