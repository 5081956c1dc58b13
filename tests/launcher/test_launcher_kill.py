"""kill -9 of a launcher process at several moments, then --resume: every entity applied exactly once."""

from __future__ import annotations

import collections
import subprocess

import pytest

from tests.support.batches import creations, finished_tasks, location, write_folder
from tests.support.runs import child_env, connection_args, find_checkpoint, launcher_command, wait_for

NAMES = [f'Sede {i:02d}' for i in range(1, 13)]


@pytest.mark.parametrize('kill_after', [0, 3, 9])
def test_kill_9_then_resume_applies_every_entity_exactly_once(launch, sandbox, tmp_path, kill_after):
    sandbox.configure(latency_ms=15)
    folder = write_folder(tmp_path / 'in', ubicaciones=[location(name) for name in NAMES])
    log_dir = tmp_path / 'logs'
    command = [
        *launcher_command('--input_dir', str(folder), '--actions', 'alta_ubicacion'),
        *connection_args(sandbox, log_dir),
        *('--concurrency', '3', '--chunk-size', '4'),
    ]
    process = subprocess.Popen(
        command, env=child_env(), cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        checkpoint = wait_for(lambda: find_checkpoint(log_dir), what='the run checkpoint')
        wait_for(lambda: finished_tasks(checkpoint) >= kill_after, what=f'{kill_after} finished tasks')
        process.kill()
    finally:
        process.wait(timeout=30)
    assert process.returncode == -9
    killed_at = finished_tasks(checkpoint)

    resumed = launch('--resume', checkpoint.parent.name)

    assert resumed.code == 0, resumed.stderr
    assert killed_at < len(NAMES), 'killed after the run had finished'
    created = collections.Counter(w['request_body']['name'] for w in creations(sandbox, '/v1/locations'))
    assert created == dict.fromkeys(NAMES, 1)
    enabled = collections.Counter(
        w['request_body']['name'] for w in creations(sandbox, '/v1/telephony/config/locations')
    )
    assert enabled == dict.fromkeys(NAMES, 1)
    summary = resumed.result['summary']
    assert summary['total'] == len(NAMES)
    # a site whose create was sent before the kill is found on resume, and still counts as created by this run
    assert summary['by_status']['executed'] == len(NAMES)
    assert summary['by_category'] == {'aplicado': len(NAMES)}
    assert [s['kind'] for s in summary['timings']['sessions']] == ['run', 'resume']
