"""A batch that no pair can get past now stops as resumable: a Retry-After longer than TRANSFORMACION_MAX_WAIT
(resume after the time it names) or credentials Webex refuses; no pair is counted as failed for it."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

from tests.support.batches import GLOBAL, location, location_names, posts, write_folder

NAMES = ['Norte', 'Sur', 'Este']


def wait_until(moment: datetime) -> None:
    time.sleep(max(0.0, (moment - datetime.now(UTC)).total_seconds()) + 0.2)


def test_a_retry_after_beyond_the_cap_stops_the_batch_then_resume_finishes_it(launch, sandbox, tmp_path, monkeypatch):
    monkeypatch.setenv('TRANSFORMACION_MAX_WAIT', '1')
    folder = write_folder(tmp_path / 'lote', global_row=GLOBAL, ubicaciones=[location(name) for name in NAMES])
    sandbox.set_faults(
        [{'kind': 'throttle', 'path': '^/v1/locations$', 'method': 'POST', 'retry_after': '3', 'max_count': 1}]
    )

    stopped = launch('--input_dir', str(folder), '--actions', 'alta_ubicacion')

    summary = stopped.result['summary']
    assert (stopped.code, summary['state'], summary['stopped_by']) == (5, 'stopped', 'retry_after'), stopped.stderr
    assert 1 < summary['halted']['wait_s'] <= 3 and summary['halted']['max_wait_s'] == 1
    assert summary['by_status']['error'] == 0
    assert f'no antes de {summary["halted"]["resume_after"]}' in stopped.stderr
    sent = [w['request_body']['name'] for w in posts(sandbox, '/v1/locations')]
    assert len(sent) == len(set(sent)), 'no row is sent again while the Retry-After runs'
    assert {w['status'] for w in posts(sandbox, '/v1/locations')} == {429}
    assert not set(NAMES) & set(location_names(sandbox))
    halted = [json.loads(line) for line in (stopped.run_dir / 'alta_ubicacion.jsonl').read_text().splitlines()]
    assert any(e['payload'].get('kind') == 'run_halted' for e in halted)

    early = launch('--resume', stopped.run_dir.name)
    assert early.code == 4 and 'no se envía nada antes de' in early.result['summary']['message']
    wait_until(datetime.fromisoformat(summary['halted']['resume_after']))  # the operator resumes when told
    finished = launch('--resume', stopped.run_dir.name)

    assert finished.code == 0, (finished.result['summary'], finished.stderr)
    assert [name for name in location_names(sandbox) if name in NAMES] == sorted(NAMES)
    created = [w['request_body']['name'] for w in posts(sandbox, '/v1/locations') if w['status'] < 300]
    assert sorted(created) == sorted(NAMES)


def test_a_retry_after_within_the_cap_is_announced_waited_in_full_and_the_batch_completes(
    launch, sandbox, tmp_path, monkeypatch
):
    monkeypatch.setenv('TRANSFORMACION_MAX_WAIT', '5')
    folder = write_folder(tmp_path / 'lote', global_row=GLOBAL, ubicaciones=[location('Norte')])
    sandbox.set_faults(
        [{'kind': 'throttle', 'path': '^/v1/locations$', 'method': 'POST', 'retry_after': '1', 'max_count': 1}]
    )

    run = launch('--input_dir', str(folder), '--actions', 'alta_ubicacion')

    assert (run.code, run.result['summary']['state'], run.result['summary']['stopped_by']) == (0, 'completed', None)
    [line] = [line for line in run.stderr.splitlines() if line.startswith('pausa:')]
    assert 'Webex respondió 429' in line and 'ninguna petición sale hasta las' in line and '(1 s' in line
