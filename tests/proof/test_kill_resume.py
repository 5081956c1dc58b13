"""kill -9 of a launcher running the sample batch, at ten moments, then ``--resume RUN_ID``: the sandbox ends exactly
as after an uninterrupted run, every entity created once, and results_manual.csv has one line per row x action.

The sandbox runs in this process, so it outlives the launcher subprocess it serves; the resume runs in-process.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from typing import Any

import pytest

from tests.support.proof import FAST_RETRIES, assert_same_as_reference, dataset_rows, task_counts
from tests.support.runs import (
    child_env,
    connection_args,
    find_checkpoint,
    launch_in_process,
    launcher_command,
    wait_for,
)


@dataclass(frozen=True)
class KillPoint:
    """When to kill: once ``after_tasks`` row x action pairs are recorded as finished in the checkpoint, or while the
    request matched by ``in_flight`` (a fault rule that stalls it) is being served."""

    name: str
    after_tasks: int | None = None
    in_flight: dict[str, Any] | None = None


def _stall(method: str, path: str, when: str) -> dict[str, Any]:
    return {'kind': 'delay', 'method': method, 'path': path, 'when': when, 'delay_ms': 700, 'max_count': 1}


KILL_POINTS = [
    KillPoint('validated-nothing-run', after_tasks=0),
    KillPoint('after-10-tasks', after_tasks=10),
    KillPoint('after-25-tasks', after_tasks=25),
    KillPoint('after-40-tasks', after_tasks=40),
    KillPoint('after-55-tasks', after_tasks=55),
    KillPoint('during-a-person-create-before-it-is-made', in_flight=_stall('POST', '^/v1/people$', 'before')),
    KillPoint('during-a-workspace-create-already-made', in_flight=_stall('POST', '^/v1/workspaces$', 'after')),
    KillPoint('during-a-numbers-add', in_flight=_stall('POST', '/numbers$', 'after')),
    KillPoint('during-a-forwarding-change', in_flight=_stall('PUT', '/features/callForwarding$', 'before')),
    KillPoint('during-the-read-before-a-create', in_flight=_stall('GET', '^/v1/workspaces$', 'before')),
]


def _kill_when(point: KillPoint, sandbox, process: subprocess.Popen, log_dir) -> None:
    checkpoint = wait_for(lambda: find_checkpoint(log_dir), what='the run checkpoint')
    if point.in_flight is None:
        wait_for(
            lambda: (task_counts(checkpoint) or (-1, 0))[0] >= point.after_tasks,
            what=f'{point.after_tasks} finished tasks',
        )
    else:
        wait_for(lambda: sandbox.faults()[0]['count'] >= 1, what='the request stalled in the sandbox')
    process.kill()
    process.wait(timeout=30)
    if point.in_flight is not None:
        stalled = wait_for(
            lambda: [entry for entry in sandbox.journal() if entry.get('fault') == 'delay'],
            what='the sandbox finishing the request in flight',
        )
        [served] = stalled
        assert 200 <= served['status'] < 300, 'the request in flight had to complete on the server after the kill'
        sandbox.set_faults([])


@pytest.mark.parametrize('point', KILL_POINTS, ids=lambda point: point.name)
def test_kill_9_then_resume_ends_as_an_uninterrupted_run(point, sandbox, batch, tmp_path, fast_retries, reference):
    log_dir = tmp_path / 'logs'
    if point.in_flight is not None:
        sandbox.set_faults([point.in_flight])
    process = subprocess.Popen(
        [
            *launcher_command('--input_dir', str(batch)),
            *connection_args(sandbox, log_dir),
            '--yes',
            '--concurrency',
            '4',
            '--chunk-size',
            '5',
        ],
        env=child_env(**FAST_RETRIES),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _kill_when(point, sandbox, process, log_dir)
    finally:
        process.kill()
        process.wait(timeout=30)
    assert process.returncode == -9
    checkpoint = find_checkpoint(log_dir)
    _, unfinished = task_counts(checkpoint)
    assert unfinished > 0, 'the batch ended before the kill: this kill point proves nothing'

    resumed = launch_in_process('--resume', checkpoint.parent.name, '--yes', *connection_args(sandbox, log_dir))

    assert_same_as_reference(reference, sandbox, resumed)
    assert [session['kind'] for session in resumed.summary['timings']['sessions']] == ['run', 'resume']
    assert resumed.summary['by_status']['pending'] == resumed.summary['by_status']['running'] == 0


def test_the_reference_run_is_a_sound_baseline(reference, batch):
    """The yardstick itself: the sample batch (with --yes) is clean, each of its entities is created once, there is
    one result line per CSV row x action, and the state the disturbed runs must reach has every sample entity."""
    locations, people, workspaces = (
        [row[0] for row in dataset_rows(batch / name)] for name in ('ubicaciones.csv', 'usuarios.csv', 'workspaces.csv')
    )
    assert reference.creations == {
        **{('/v1/locations', f'locations:{name}'): 1 for name in locations},
        **{('/v1/telephony/config/locations', f'locations:{name}'): 1 for name in locations},
        **{('/v1/people', f'people:{email}'): 1 for email in people},
        **{('/v1/workspaces', f'workspaces:{name}'): 1 for name in workspaces},
    }
    assert set(reference.outcomes) == reference.tasks
    assert reference.exit_code == 0
    assert set(reference.outcomes.values()) <= {'executed/aplicado', 'skipped/sin_cambios', 'skipped/no_aplica'}
    assert 'executed/aplicado' in set(reference.outcomes.values())
    for kind, keys in (('locations', locations), ('people', people), ('workspaces', workspaces)):
        assert {f'{kind}:{key}' for key in keys} <= set(reference.state[kind])
