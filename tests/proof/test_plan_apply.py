"""Plan, then apply exactly that plan: an untouched plan applied ends as a direct run of the batch; a change made in the
org behind the plan's back (over the sandbox's API) makes exactly the touched pairs ``drift`` and the rest applied; an
apply killed with kill -9 halfway is finished by ``--resume``."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from wxc_sdk import WebexSimpleApi

from tests.support.batches import write_folder
from tests.support.org import JORGE, JORGE_ID, LUCIA, LUCIA_ID
from tests.support.proof import (
    FAST_RETRIES,
    comparable_state,
    creations,
    differences,
    outcome,
    read_results,
    task_counts,
)
from tests.support.runs import (
    Run,
    child_env,
    connection_args,
    find_checkpoint,
    launch_in_process,
    launcher_command,
    wait_for,
)
from tests.support.webex import put

FORWARDING = 'configurar_desvio_usuario'


def _plan(sandbox, folder: Path, tmp_path: Path) -> tuple[Path, Run]:
    plan = tmp_path / 'plan.json'
    run = launch_in_process(
        '--input_dir', str(folder), '--dry-run', '--plan-out', str(plan), *connection_args(sandbox, tmp_path / 'plan')
    )
    assert run.code == 0, run.stderr[-3000:]
    return plan, run


def _apply(sandbox, plan: Path, log_dir: Path, *extra: str) -> Run:
    return launch_in_process('--apply', str(plan), '--yes', *extra, *connection_args(sandbox, log_dir))


def _assert_as_reference(reference, sandbox, applied: Run, plan: Path) -> None:
    """Same final state and creations as the direct run; the pairs applied are the plan's changes, each ending as it
    did in the direct run, and every pair the direct run wrote for was applied."""
    made = creations(sandbox)
    assert {key: count for key, count in made.items() if count != 1} == {}, 'entities created more than once'
    assert made == reference.creations
    assert differences(comparable_state(sandbox), reference.state) == []
    document = json.loads(plan.read_text(encoding='utf-8'))
    changes = {
        (entry['dataset'], str(entry['row']), entry['action'])
        for entry in document['pairs']
        if entry['kind'] in ('create', 'update')
    }
    found = {key: outcome(row) for key, row in read_results(applied.run_dir).items()}
    assert set(found) == changes, "the apply ran exactly the plan's changes"
    assert found == {key: reference.outcomes[key] for key in changes}
    assert {key for key, value in reference.outcomes.items() if value == 'executed/aplicado'} <= changes


def test_applying_an_untouched_plan_ends_as_a_direct_run(sandbox, batch, tmp_path, reference, fast_retries):
    plan, planned = _plan(sandbox, batch, tmp_path)
    assert sandbox.writes() == [], 'the dry-run wrote nothing'

    applied = _apply(sandbox, plan, tmp_path / 'apply')

    assert applied.code == 0, applied.stderr[-3000:]
    _assert_as_reference(reference, sandbox, applied, plan)
    assert applied.summary['by_category'].get('drift', 0) == 0


def test_a_change_made_in_the_org_after_planning_drifts_exactly_those_pairs(
    sandbox, api: WebexSimpleApi, tmp_path, fast_retries
):
    folder = write_folder(
        tmp_path / 'lote',
        usuarios=[
            {'email': LUCIA, 'forward_busy': '1002', 'forward_no_answer': '1002'},
            {'email': JORGE, 'forward_busy': '1001'},
        ],
    )
    plan, _ = _plan(sandbox, folder, tmp_path)
    # another administrator changes Lucía's busy forwarding in Control Hub meanwhile
    busy = {'callForwarding': {'busy': {'enabled': True, 'destination': '1900'}}}
    put(api, f'people/{LUCIA_ID}/features/callForwarding', busy)
    changed = sandbox.org.call_forwarding.get(LUCIA_ID)['call_forwarding']

    applied = _apply(sandbox, plan, tmp_path / 'apply')

    assert applied.code == 3, applied.stderr[-3000:]
    results = read_results(applied.run_dir)
    lucia, jorge = results[('usuarios', '1', FORWARDING)], results[('usuarios', '2', FORWARDING)]
    assert (lucia['status'], lucia['category']) == ('rejected', 'drift')
    assert "busy_destination: esperado None, encontrado '1900'" in lucia['message']
    assert (jorge['status'], jorge['category']) == ('executed', 'aplicado')
    assert sandbox.org.call_forwarding.get(LUCIA_ID)['call_forwarding'] == changed, 'never overwritten blindly'
    assert sandbox.org.call_forwarding.get(JORGE_ID)['call_forwarding']['busy']['destination'] == '1001'
    assert applied.summary['failures'][0]['category'] == 'drift'
    assert 'drift' in applied.stderr and 'planifique de nuevo' in applied.stderr


def test_an_apply_killed_halfway_is_finished_by_resume(sandbox, batch, tmp_path, reference, fast_retries):
    plan, _ = _plan(sandbox, batch, tmp_path)
    log_dir = tmp_path / 'apply'
    sandbox.set_faults(
        [{'kind': 'delay', 'method': 'POST', 'path': '^/v1/people$', 'when': 'after', 'delay_ms': 700, 'max_count': 1}]
    )
    process = subprocess.Popen(
        [*launcher_command('--apply', str(plan), '--yes', '--concurrency', '4'), *connection_args(sandbox, log_dir)],
        env=child_env(**FAST_RETRIES),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: sandbox.faults()[0]['count'] >= 1, what='a person create stalled in the sandbox')
    finally:
        process.kill()
        process.wait(timeout=30)
    assert process.returncode == -9
    wait_for(lambda: [e for e in sandbox.journal() if e.get('fault') == 'delay'], what='the stalled create served')
    sandbox.set_faults([])
    checkpoint = find_checkpoint(log_dir)
    _, unfinished = task_counts(checkpoint)
    assert unfinished > 0, 'the apply ended before the kill: this proves nothing'

    resumed = launch_in_process('--resume', checkpoint.parent.name, '--yes', *connection_args(sandbox, log_dir))

    assert resumed.code == 0, resumed.stderr[-3000:]
    assert [session['kind'] for session in resumed.summary['timings']['sessions']] == ['run', 'resume']
    _assert_as_reference(reference, sandbox, resumed, plan)
