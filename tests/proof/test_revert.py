"""``revertir``: a run applied, then reverted, leaves the org as it was before the run, except what the revert lists
as not revertible through the API; a revert after a kill -9 of the run halfway; the revert of a revert applies the
original change again; an entity that existed before the run is never deleted, only its settings restored; a value
changed since the run is refused (drift) with both values, never overwritten.
"""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.support.org import (
    JORGE,
    JORGE_ID,
    LUCIA,
    LUCIA_ID,
    RECEPCION,
    RECEPCION_ID,
    SEDE_CENTRAL,
    SEDE_CENTRAL_ID,
)
from tests.support.proof import FAST_RETRIES, comparable_state, copy_samples, differences, task_counts
from tests.support.runs import (
    Run,
    child_env,
    connection_args,
    find_checkpoint,
    launch_in_process,
    launcher_command,
    wait_for,
)
from transformacion import revertir
from transformacion.core.evidence import ROTATE_ENV


def revert(*argv: str) -> Run:
    """``python -m transformacion.revertir ARGV`` in this process, stdout and stderr captured."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = revertir.main(list(argv))
    return Run(code, json.loads(out.getvalue()), err.getvalue())


def not_revertible_keys(run: Run) -> set[str]:
    """The entities the revert lists as not revertible through the API (location names, numbers)."""
    return {item['entity'] for item in run.result['result']['no_revertible']}


def unexplained(before: dict[str, Any], after: dict[str, Any], listed: set[str]) -> list[str]:
    """The differences between two comparable states (ids shown as natural keys) that no listed entity explains."""
    return [path for path in differences(after, before) if not any(name in path for name in listed)]


def settings_view(api) -> dict[str, Any]:
    """What Webex shows of the settings the EXISTING batch touches: forwarding, intercom, outgoing permissions and
    licenses of Lucía and Jorge, forwarding and permissions of Recepción, and Sede Central's calling settings."""
    view: dict[str, Any] = {}
    for person_id in (LUCIA_ID, JORGE_ID):
        settings = api.person_settings
        view[person_id] = {
            'forwarding': settings.forwarding.read(person_id).model_dump(),
            'intercom': settings.push_to_talk.read(person_id).model_dump(),
            'permissions': settings.permissions_out.read(person_id).model_dump(),
            'licenses': sorted(api.people.details(person_id).licenses),
        }
    view[RECEPCION_ID] = {
        'forwarding': api.workspace_settings.forwarding.read(RECEPCION_ID).model_dump(),
        'permissions': api.workspace_settings.permissions_out.read(RECEPCION_ID).model_dump(),
    }
    location = api.telephony.location.details(SEDE_CENTRAL_ID)
    view[SEDE_CENTRAL_ID] = {
        'calling': (location.routing_prefix, location.outside_dial_digit, location.calling_line_id.model_dump()),
        'permissions': api.telephony.location.permissions_out.read(SEDE_CENTRAL_ID).model_dump(),
    }
    return view


def forwarding_destinations(view: dict[str, Any]) -> dict[str, Any]:
    """The view without forwarding destinations (Webex keeps a destination when its forwarding is turned off; a
    revert lists those it cannot empty)."""

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k != 'destination'}
        return value

    return strip(view)


def batch_of(tmp_path: Path, files: dict[str, str]) -> Path:
    folder = tmp_path / 'lote'
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text, encoding='utf-8')
    return folder


#: A batch over the default org's existing people, workspace and location: every pair converges something that was
#: there before the run (nothing created), so its revert must give back exactly the state before it.
EXISTING = {
    'usuarios.csv': (
        'email;forward_busy;forward_no_answer;forward_no_answer_rings;intercom_connection_type;intercom_auto_answer;'
        'outgoing_permissions;add_licenses\n'
        f'{LUCIA};+34910000100;1002;5;ONE_WAY;si;INTERNATIONAL:BLOCK;Meeting - Webex Meetings\n'
        f'{JORGE};1001;;;TWO_WAY;no;NATIONAL:BLOCK;\n'
    ),
    'workspaces.csv': (
        'name;location;forward_no_answer;forward_no_answer_rings;outgoing_permissions\n'
        f'{RECEPCION};{SEDE_CENTRAL};1001;4;INTERNATIONAL:BLOCK\n'
    ),
    'ubicaciones.csv': (
        'name;routing_prefix;outside_dial_digit;outgoing_permissions;main_number;caller_id_name\n'
        f'{SEDE_CENTRAL};8099;9;PREMIUM_SERVICES_I:ALLOW;+34910000003;Nueva Cabecera\n'
    ),
}


def test_samples_applied_then_reverted_leave_the_org_as_before_but_the_listed_items(sandbox, tmp_path, fast_retries):
    before = comparable_state(sandbox)
    batch = copy_samples(tmp_path / 'batch')
    log_dir = tmp_path / 'logs'
    applied = launch_in_process('--input_dir', str(batch), '--yes', *connection_args(sandbox, log_dir))
    assert applied.code == 0, applied.stderr[-3000:]

    reverted = revert(applied.result['result']['run_id'], '--yes', *connection_args(sandbox, log_dir))

    assert reverted.code == 0, reverted.stderr[-3000:]
    assert reverted.status == 'executed'
    listed = not_revertible_keys(reverted)
    assert {'Madrid Castellana', 'Barcelona Diagonal', 'Sevilla Nervión'} <= listed
    assert unexplained(before, comparable_state(sandbox), listed) == []
    steps = [item['step'] for item in reverted.result['result']['no_revertible']]
    assert all('Control Hub' in step for step in steps)
    saved = json.loads((Path(reverted.result['result']['run_dir']) / 'no_revertible.json').read_text('utf-8'))
    assert saved == reverted.result['result']['no_revertible']


def test_a_dry_run_revert_plans_every_inverse_pair_and_writes_nothing(sandbox, tmp_path, fast_retries):
    batch = copy_samples(tmp_path / 'batch')
    log_dir = tmp_path / 'logs'
    applied = launch_in_process('--input_dir', str(batch), '--yes', *connection_args(sandbox, log_dir))
    after_run = comparable_state(sandbox)
    writes = len(sandbox.writes())

    planned = revert('last', '--dry-run', *connection_args(sandbox, log_dir))

    assert planned.status == 'dry_run', planned.stderr[-3000:]
    assert (len(sandbox.writes()), comparable_state(sandbox)) == (writes, after_run)
    assert planned.summary['by_status']['dry_run'] > 0
    assert applied.result['result']['run_id'] in planned.result['result']['reverted_run']
    assert (Path(planned.result['result']['run_dir']) / 'plan.json').is_file()


def test_the_settings_of_entities_that_existed_are_restored_and_nothing_is_deleted(
    sandbox, api, tmp_path, fast_retries
):
    before = settings_view(api)
    log_dir = tmp_path / 'logs'
    applied = launch_in_process(
        '--input_dir', str(batch_of(tmp_path, EXISTING)), '--yes', *connection_args(sandbox, log_dir)
    )
    assert applied.code == 0, applied.stderr[-3000:]
    assert applied.summary['by_status']['executed'] == 10

    reverted = revert('last', '--yes', *connection_args(sandbox, log_dir))

    assert reverted.code == 0, reverted.stderr[-3000:]
    assert reverted.summary['by_status']['executed'] == 10
    assert not [entry for entry in sandbox.writes() if entry['method'] == 'DELETE']
    assert {LUCIA_ID, JORGE_ID} <= set(sandbox.org.people) and RECEPCION_ID in sandbox.org.workspaces
    assert forwarding_destinations(settings_view(api)) == forwarding_destinations(before)
    assert {item['entity'] for item in reverted.result['result']['no_revertible']} == {
        LUCIA,
        JORGE,
        f'{RECEPCION} / {SEDE_CENTRAL}',
    }
    assert all('_destination' in item['what'] for item in reverted.result['result']['no_revertible'])
    writes = len(sandbox.writes())
    again = revert(applied.result['result']['run_id'], '--yes', *connection_args(sandbox, log_dir))
    assert (again.status, len(sandbox.writes())) == ('skipped', writes), 'a second revert of the run writes nothing'


def test_the_revert_of_a_revert_applies_the_original_change_again(sandbox, tmp_path, fast_retries):
    batch = copy_samples(tmp_path / 'batch')
    log_dir = tmp_path / 'logs'
    launch_in_process('--input_dir', str(batch), '--yes', *connection_args(sandbox, log_dir))
    applied_state = comparable_state(sandbox)
    first = revert('last', '--yes', *connection_args(sandbox, log_dir))
    assert first.code == 0, first.stderr[-3000:]

    again = revert(first.result['result']['run_id'], '--yes', *connection_args(sandbox, log_dir))

    assert again.code == 0, again.stderr[-3000:]
    assert differences(comparable_state(sandbox), applied_state) == []


def test_a_value_changed_since_the_run_is_refused_as_drift_with_both_values(sandbox, api, tmp_path, fast_retries):
    log_dir = tmp_path / 'logs'
    launch_in_process('--input_dir', str(batch_of(tmp_path, EXISTING)), '--yes', *connection_args(sandbox, log_dir))
    setting = api.person_settings.forwarding.read(LUCIA_ID)
    setting.call_forwarding.busy.destination = '+34910000999'
    api.person_settings.forwarding.configure(LUCIA_ID, setting)

    reverted = revert('last', '--yes', *connection_args(sandbox, log_dir))

    assert reverted.code == 3, reverted.stderr[-3000:]
    results = (Path(reverted.result['result']['run_dir']) / 'results_manual.csv').read_text('utf-8-sig')
    [line] = [line for line in results.splitlines() if 'deshacer_configurar_desvio_usuario' in line and LUCIA in line]
    assert 'rejected' in line and 'drift' in line
    assert '+34910000100' in line and '+34910000999' in line
    assert api.person_settings.forwarding.read(LUCIA_ID).call_forwarding.busy.destination == '+34910000999'
    [drift] = [group for group in reverted.summary['failures'] if group['category'] == 'drift']
    assert 'Control Hub' in drift['next_step'] and 'planifique' not in reverted.stderr


#: When the run is killed: once 30 pairs are finished, or while a person's create is served after Webex made it (the
#: run never learns it created the person: only the evidence it wrote before sending says so).
KILLS = {
    'after-30-pairs': None,
    'during-a-person-create-already-made': {
        'kind': 'delay',
        'method': 'POST',
        'path': '^/v1/people$',
        'when': 'after',
        'delay_ms': 700,
        'max_count': 1,
    },
}


#: The same kill with every evidence line rotated into its own segment (what a large run keeps: ``.jsonl.gz``
#: segments, and plain ones a kill left uncompressed), so that the create's evidence is only in rotated parts.
ROTATED = {ROTATE_ENV: '0.0001'}


@pytest.mark.parametrize(
    ('kill', 'evidence_env'),
    [*((kill, {}) for kill in KILLS), ('during-a-person-create-already-made', ROTATED)],
    ids=[*KILLS, 'during-a-person-create-already-made-evidence-rotated'],
)
def test_a_revert_after_a_kill_9_halfway_undoes_what_the_run_wrote(kill, evidence_env, sandbox, tmp_path, fast_retries):
    before = comparable_state(sandbox)
    batch = copy_samples(tmp_path / 'batch')
    log_dir = tmp_path / 'logs'
    if KILLS[kill]:
        sandbox.set_faults([KILLS[kill]])
    process = subprocess.Popen(
        [*launcher_command('--input_dir', str(batch)), *connection_args(sandbox, log_dir), '--yes'],
        env=child_env(**FAST_RETRIES, **evidence_env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        checkpoint = wait_for(lambda: find_checkpoint(log_dir), what='the run checkpoint')
        if KILLS[kill]:
            wait_for(lambda: sandbox.faults()[0]['count'] >= 1, what='the create stalled in the sandbox')
        else:
            wait_for(lambda: (task_counts(checkpoint) or (-1, 0))[0] >= 30, what='30 finished pairs')
    finally:
        process.kill()
        process.wait(timeout=30)
    assert task_counts(checkpoint)[1] > 0, 'the run ended before the kill: this proves nothing'
    if KILLS[kill]:
        wait_for(lambda: [e for e in sandbox.journal() if e.get('fault') == 'delay'], what='the create to be made')
        sandbox.set_faults([])

    reverted = revert(checkpoint.parent.name, '--yes', *connection_args(sandbox, log_dir))

    assert reverted.code == 0, reverted.stderr[-3000:]
    assert unexplained(before, comparable_state(sandbox), not_revertible_keys(reverted)) == []
