"""Continuing a run from its checkpoint: job timeout then --resume, --retry-failed, and runs that cannot continue."""

from __future__ import annotations

import fcntl
import json

import pytest

from tests.support.batches import location, posts, read_results, statuses, write_folder
from transformacion.batch.checkpoint import Checkpoint
from transformacion.batch.options import NotStarted


def test_the_job_timeout_stops_cleanly_and_resume_finishes_without_repeating_anything(runner, sandbox, tmp_path):
    sandbox.set_faults([{'kind': 'delay', 'delay_ms': 400, 'path': '^/v1/locations$', 'max_count': 1}])
    folder = write_folder(tmp_path / 'in', ubicaciones=[location(f'Sede {i}') for i in range(1, 5)])
    settings = runner.settings(concurrency=1, job_timeout=0.2)
    stopped = runner.start(folder, ('alta_ubicacion',), settings, chunk_size=1)

    assert (stopped.exit_code, stopped.state) == (5, 'stopped')
    assert statuses(stopped)[('ubicaciones', '1', 'alta_ubicacion')] == 'executed'
    assert stopped.summary['by_status']['pending'] == 3

    finished = runner.resume(stopped.run_id)
    assert (finished.exit_code, finished.state) == (0, 'completed')
    assert finished.run_dir == stopped.run_dir
    assert sorted(w['request_body']['name'] for w in posts(sandbox, '/v1/locations')) == [
        f'Sede {i}' for i in range(1, 5)
    ]
    assert [s['kind'] for s in finished.summary['timings']['sessions']] == ['run', 'resume']
    assert [r['attempts'] for r in read_results(finished)] == ['1', '1', '1', '1']


def test_retry_failed_reruns_only_failed_rows_and_the_dependants_they_blocked(runner, sandbox, tmp_path):
    sandbox.set_faults([{'kind': 'status', 'status': 400, 'method': 'POST', 'path': '^/v1/locations$', 'max_count': 1}])
    folder = write_folder(
        tmp_path / 'in',
        ubicaciones=[location('Norte'), location('Sur')],
        workspaces=[{'name': 'Sala N', 'location': 'Norte'}, {'name': 'Sala S', 'location': 'Sur'}],
    )
    first = runner.start(folder, ('alta_ubicacion', 'demo_crear_workspace'), runner.settings(concurrency=1))
    assert first.exit_code == 3
    assert statuses(first)[('workspaces', '1', 'demo_crear_workspace')] == 'skipped'
    sandbox.set_faults([])
    mark = len(sandbox.journal())

    again = runner.resume(first.run_id, retry_failed=True)

    assert again.exit_code == 0
    assert again.run_dir == first.run_dir
    touched = sandbox.journal(mark)
    assert {e['query'].get('name') for e in touched if e['path'] == '/v1/locations' and e['method'] == 'GET'} == {
        'Norte'
    }
    assert [w['request_body'].get('name') or w['request_body'].get('displayName') for w in sandbox.writes(mark)] == [
        'Norte',
        'Norte',
        'Sala N',
    ]
    attempts = {(r['dataset'], r['row']): r['attempts'] for r in read_results(again)}
    assert attempts == {
        ('ubicaciones', '1'): '2',
        ('ubicaciones', '2'): '1',
        ('workspaces', '1'): '1',
        ('workspaces', '2'): '1',
    }
    summary = json.loads((again.run_dir / 'summary.json').read_text(encoding='utf-8'))
    assert summary['by_status']['executed'] == 4
    assert [s['kind'] for s in summary['timings']['sessions']] == ['run', 'retry-failed']


def test_a_run_killed_during_validation_validates_again_when_resumed(runner, sandbox, tmp_path):
    folder = write_folder(tmp_path / 'in', ubicaciones=[location('Norte')])
    batch = runner.batch(folder, ('alta_ubicacion',))
    run_dir = runner.log_dir / 'runs' / 'manual-1'
    run_dir.mkdir(parents=True)
    store = Checkpoint(run_dir / 'checkpoint.sqlite')
    store.set_meta('batch', {**batch.__dict__, 'actions': list(batch.actions)})
    store.set_meta('fingerprints', {})
    store.close()

    report = runner.resume('manual-1')

    assert report.exit_code == 0
    assert statuses(report) == {('ubicaciones', '1', 'alta_ubicacion'): 'executed'}


def test_runs_that_cannot_be_continued_are_refused_before_any_request(runner, sandbox, tmp_path):
    folder = write_folder(tmp_path / 'in', ubicaciones=[location('Norte')])
    done = runner.start(folder, ('alta_ubicacion',))
    calls = len(sandbox.journal())

    with pytest.raises(NotStarted, match='no existe la ejecución nada'):
        runner.resume('nada')
    with (done.run_dir / '.lock').open('w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with pytest.raises(NotStarted, match=f'otro proceso está usando la ejecución {done.run_id}'):
            runner.resume(done.run_id)
    (folder / 'ubicaciones.csv').write_text('name\nOtra\n', encoding='utf-8')
    with pytest.raises(NotStarted, match='ha cambiado desde que empezó la ejecución'):
        runner.resume(done.run_id)
    empty = runner.log_dir / 'runs' / 'vacia'
    empty.mkdir()
    Checkpoint(empty / 'checkpoint.sqlite').close()
    with pytest.raises(NotStarted, match='no llegó a registrar su lote'):
        runner.resume('vacia')
    assert len(sandbox.journal()) == calls
