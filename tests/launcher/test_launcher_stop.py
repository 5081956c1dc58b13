"""Ctrl-C and SIGTERM on a launcher process: the first stops it cleanly (results, summary, run id and the exact
resume command; exit 5), a second one ends it at once with its checkpoint consistent (exit 130); ``--resume`` takes a
run folder from any directory or ``last``, and the pairs created before the stop count as created by the run."""

from __future__ import annotations

import collections
import json
import shlex
import signal
import subprocess
from pathlib import Path

import pytest

from tests.support.batches import creations, finished_tasks, location, write_folder
from tests.support.files import read_csv
from tests.support.runs import TOKEN, child_env, find_checkpoint, launcher_command, wait_for
from transformacion.batch.checkpoint import Checkpoint, snapshot

NAMES = [f'Sede {i:02d}' for i in range(1, 11)]


def start_launcher(sandbox, tmp_path: Path, *extra: str) -> subprocess.Popen:
    folder = write_folder(tmp_path / 'in', ubicaciones=[location(name) for name in NAMES])
    command = launcher_command(
        '--input_dir', str(folder), '--actions', 'alta_ubicacion', '--base-url', sandbox.base_url,
        '--log-dir', str(tmp_path / 'logs'), '--concurrency', '2', '--chunk-size', '4', *extra,
    )  # fmt: skip
    return subprocess.Popen(
        command,
        env=child_env(WEBEX_ACCESS_TOKEN=TOKEN),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def results_of(run_dir: Path) -> list[dict[str, str]]:
    return read_csv(run_dir / 'results_manual.csv')[1]


def checkpoint_of(tmp_path: Path) -> Path:
    return wait_for(lambda: find_checkpoint(tmp_path / 'logs'), what='the run checkpoint')


@pytest.mark.parametrize('sent', [signal.SIGINT, signal.SIGTERM], ids=['SIGINT', 'SIGTERM'])
def test_the_first_signal_stops_cleanly_with_results_and_the_exact_resume_command(
    launch, sandbox, tmp_path, monkeypatch, sent
):
    sandbox.configure(latency_ms=50)
    process = start_launcher(sandbox, tmp_path)
    checkpoint = checkpoint_of(tmp_path)
    wait_for(lambda: finished_tasks(checkpoint) >= 3)

    process.send_signal(sent)
    out, err = process.communicate(timeout=120)

    assert process.returncode == 5, err
    assert 'Traceback' not in err
    assert f'{sent.name}: deteniendo' in err
    result = json.loads(out)
    summary = result['summary']
    run_dir = Path(result['result']['run_dir'])
    assert (summary['state'], summary['stopped_by']) == ('stopped', sent.name)
    assert summary['by_status']['running'] == 0, 'lo que estaba en curso termina antes de salir'
    left = summary['by_status']['pending']
    assert 0 < left < len(NAMES)
    command = f'python -m transformacion.launcher_csv_dependencias --resume {run_dir} --base-url {sandbox.base_url}'
    assert summary['resume_command'] == command
    assert f'continúe con: {command}' in err
    assert json.loads((run_dir / 'summary.json').read_text(encoding='utf-8'))['state'] == 'stopped'
    assert json.loads((run_dir / 'result.json').read_text(encoding='utf-8')) == result
    not_run = [row for row in results_of(run_dir) if row['status'] == 'pending']
    assert len(not_run) == left and {row['category'] for row in not_run} == {'no_ejecutado'}

    elsewhere = tmp_path / 'otro-directorio'
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    resumed = launch(*shlex.split(command)[3:])

    assert resumed.code == 0, resumed.stderr
    assert resumed.run_dir == run_dir
    created = collections.Counter(w['request_body']['name'] for w in creations(sandbox, '/v1/locations'))
    assert created == dict.fromkeys(NAMES, 1)
    assert resumed.result['summary']['by_status']['executed'] == len(NAMES)
    assert [s['kind'] for s in resumed.result['summary']['timings']['sessions']] == ['run', 'resume']


def test_a_second_ctrl_c_exits_at_once_with_a_consistent_checkpoint_and_resume_counts_what_it_created(
    launch, sandbox, tmp_path
):
    # the first create is carried out, then its answer is held back long enough to stop twice meanwhile
    sandbox.set_faults(
        [
            {
                'kind': 'delay',
                'delay_ms': 15000,
                'when': 'after',
                'method': 'POST',
                'path': '^/v1/locations$',
                'max_count': 1,
            }
        ]
    )
    process = start_launcher(sandbox, tmp_path)
    checkpoint = checkpoint_of(tmp_path)
    wait_for(lambda: sandbox.faults()[0]['count'] >= 1)

    process.send_signal(signal.SIGINT)
    seen = []
    while not any('deteniendo' in line for line in seen):
        line = process.stderr.readline()
        assert line, 'el proceso terminó sin anunciar la parada'
        seen.append(line)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)

    assert process.returncode == 130, err
    assert 'SIGINT otra vez: salida inmediata; el punto de control queda coherente; continúe con: ' in err
    assert 'Traceback' not in err
    assert out == ''
    state = snapshot(checkpoint)
    assert state.running >= 1, 'el alta en curso queda running para que la reanudación la repita'
    store = Checkpoint(checkpoint)
    try:
        held = [task for task in store.tasks('ubicaciones') if task.status == 'running']
        assert any(task.wrote for task in held), 'el checkpoint sabe que esta ejecución envió el alta en curso'
    finally:
        store.close()
    sandbox.set_faults([])

    resumed = launch('--resume', str(checkpoint.parent))

    assert resumed.code == 0, resumed.stderr
    # the held create is journaled only once its answer goes out: the org itself says each site exists once
    sites = collections.Counter(loc['name'] for loc in sandbox.org.locations.values() if loc['name'] in NAMES)
    assert sites == dict.fromkeys(NAMES, 1)
    summary = resumed.result['summary']
    assert summary['by_status']['executed'] == len(NAMES), 'las altas de antes de la parada son de esta ejecución'
    assert summary['by_category'] == {'aplicado': len(NAMES)}


def test_resume_last_and_a_run_folder_from_any_directory(launch, sandbox, tmp_path, monkeypatch):
    assert launch('--resume', 'last').code == 4
    sandbox.set_faults([{'kind': 'delay', 'delay_ms': 300, 'path': '^/v1/locations$', 'max_count': 1}])
    folder = write_folder(tmp_path / 'in', ubicaciones=[location('Norte'), location('Sur')])
    stopped = launch(
        '--input_dir', str(folder), '--actions', 'alta_ubicacion', '--job-timeout', '0.1', '--chunk-size', '1'
    )
    assert stopped.code == 5

    last = launch('--resume', 'last')
    assert (last.code, last.run_dir) == (0, stopped.run_dir)
    elsewhere = tmp_path / 'otro'
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.delenv('TRANSFORMACION_LOG_DIR')
    assert launch('--resume', stopped.result['result']['run_id']).code == 4
    again = launch('--retry-failed', str(stopped.run_dir))
    assert (again.code, again.run_dir) == (0, stopped.run_dir)
