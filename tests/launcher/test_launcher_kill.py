"""kill -9 of a launcher process at several moments, then --resume: every entity applied exactly once."""

from __future__ import annotations

import collections
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import TOKEN
from tests.launcher.conftest import location, posts, write_folder
from transformacion.batch.checkpoint import snapshot

NAMES = [f'Sede {i:02d}' for i in range(1, 13)]


def finished_tasks(checkpoint: Path) -> int:
    """Row x action pairs already recorded as finished; -1 while the run has not registered its batch."""
    seen = snapshot(checkpoint)
    return seen.finished if seen and seen.batch_recorded else -1


def creations(sandbox, path: str) -> list[dict]:
    """The POSTs to ``path`` that created an entity (a request cut by the kill, with no body, created nothing)."""
    return [w for w in posts(sandbox, path) if 'created_id' in w]


def wait_for(condition, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.005)
    raise AssertionError('la condición no se cumplió a tiempo')


@pytest.mark.parametrize('kill_after', [0, 3, 9])
def test_kill_9_then_resume_applies_every_entity_exactly_once(launch, sandbox, tmp_path, kill_after):
    sandbox.configure(latency_ms=15)
    folder = write_folder(tmp_path / 'in', ubicaciones=[location(name) for name in NAMES])
    runs = tmp_path / 'logs' / 'runs'
    env = {key: value for key, value in os.environ.items() if not key.startswith(('WEBEX_', 'TRANSFORMACION_'))}
    command = [
        sys.executable,
        '-m',
        'transformacion.launcher_csv_dependencias',
        '--input_dir',
        str(folder),
        '--actions',
        'alta_ubicacion',
        '--base-url',
        sandbox.base_url,
        '--token',
        TOKEN,
        '--log-dir',
        str(tmp_path / 'logs'),
        '--concurrency',
        '3',
        '--chunk-size',
        '4',
    ]
    process = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        checkpoint = wait_for(lambda: next(runs.glob('*/checkpoint.sqlite'), None) if runs.is_dir() else None)
        wait_for(lambda: finished_tasks(checkpoint) >= kill_after)
        process.kill()
    finally:
        process.wait(timeout=30)
    assert process.returncode == -9
    killed_at = finished_tasks(checkpoint)

    resumed = launch('--resume', checkpoint.parent.name)

    assert resumed.code == 0, resumed.stderr
    assert killed_at < len(NAMES), 'se mató antes de terminar'
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
