"""configurar_push_to_talk_workspace (Push-to-Talk) end to end through the real wxc_sdk against the sandbox."""

from tests.support.org import LUCIA, LUCIA_ID, RECEPCION, RECEPCION_ID, SALA_VELAZQUEZ, SEDE_CENTRAL_ID
from transformacion.sandbox.state import workspaces


def intercom(cli, *args, workspace=RECEPCION):
    return cli('configurar_push_to_talk_workspace', '--workspace', workspace, *args)


def add_calling_workspace(sandbox, name, extension):
    with sandbox.org.lock:
        record = workspaces.create(
            sandbox.org,
            {
                'display_name': name,
                'location_id': SEDE_CENTRAL_ID,
                'supported_devices': 'phones',
                'calling': {'type': 'webexCalling', 'webex_calling': {'extension': extension}},
            },
        )
    return record['id']


def test_dry_run_runs_the_precheck_shows_the_put_and_writes_nothing(cli, sandbox):
    ws_id = RECEPCION_ID
    run = intercom(cli, '--push-to-talk-members', LUCIA, '--push-to-talk-auto-answer', 'false', '--dry-run')
    assert (run.code, run.status) == (0, 'dry_run'), run.result
    result = run.result['result']
    assert result['precheck']['verdict'] == 'ok' and result['precheck']['area'] == 'intercom'
    assert result['members_added'] == [LUCIA]
    assert result['calls'] == [
        {
            'method': 'PUT',
            'path': f'/telephony/config/workspaces/{ws_id}/pushToTalk',
            'body': {'allowAutoAnswer': False, 'members': [LUCIA_ID]},
        }
    ]
    assert sandbox.writes() == []


def test_people_and_workspaces_as_members_then_reapply_is_skipped(cli, sandbox):
    ws_id = RECEPCION_ID
    almacen_id = add_calling_workspace(sandbox, 'Almacén', '1950')
    args = ('--push-to-talk-connection-type', 'TWO_WAY', '--push-to-talk-members', f'{LUCIA};{almacen_id}')
    run = intercom(cli, *args)
    assert (run.code, run.status) == (0, 'executed'), run.result
    assert run.result['result']['verified'] is True
    assert run.result['result']['after']['members'] == sorted([LUCIA_ID, almacen_id])
    [write] = sandbox.writes()
    assert (write['method'], write['path'], write['status']) == (
        'PUT',
        f'/v1/telephony/config/workspaces/{ws_id}/pushToTalk',
        204,
    )
    assert sandbox.org.push_to_talk[ws_id] == {
        'allow_auto_answer': True,
        'connection_type': 'TWO_WAY',
        'access_type': 'ALLOW_MEMBERS',
        'members': write['request_body']['members'],
    }

    again = intercom(cli, *args)
    assert (again.code, again.status) == (0, 'skipped'), again.result
    assert len(sandbox.writes()) == 1


def test_a_workspace_without_webex_calling_is_refused_by_the_precheck(cli, sandbox):
    run = intercom(cli, '--push-to-talk-connection-type', 'TWO_WAY', workspace=SALA_VELAZQUEZ)
    assert (run.code, run.status) == (2, 'rejected'), run.result
    assert 'no tiene Webex Calling' in run.result['summary']['message']
    assert run.result['result']['precheck']['verdict'] == 'blocked'
    assert sandbox.writes() == []


def test_an_unknown_member_is_rejected_without_writes(cli, sandbox):
    run = intercom(cli, '--push-to-talk-members', 'nadie@transformacion-demo.example.com')
    assert (run.code, run.status) == (2, 'rejected')
    assert "'nadie@transformacion-demo.example.com'" in run.result['summary']['message']
    assert sandbox.writes() == []


def test_bad_values_are_rejected_before_any_call(cli, sandbox):
    run = intercom(cli, '--push-to-talk-access-type', 'EVERYONE')
    assert (run.code, run.status) == (2, 'rejected')
    assert "--push-to-talk-access-type: valor 'EVERYONE'" in run.result['summary']['message']
    assert sandbox.journal() == []


def test_a_429_on_the_put_is_retried(cli, sandbox):
    sandbox.set_faults(
        [{'kind': 'throttle', 'path': 'pushToTalk', 'method': 'PUT', 'retry_after': '0', 'max_count': 1}]
    )
    run = intercom(cli, '--push-to-talk-access-type', 'BLOCK_MEMBERS')
    assert run.status == 'executed', run.result
    assert (run.result['summary']['http_429'], run.result['summary']['retries']) == (1, 1)
    assert [w['status'] for w in sandbox.writes()] == [429, 204]


def test_from_a_csv_row(cli, sandbox, tmp_path):
    csv_path = tmp_path / 'workspaces.csv'
    csv_path.write_text(
        f'name,location,push_to_talk_connection_type,push_to_talk_members\n{RECEPCION},Sede Central,TWO_WAY,{LUCIA}\n',
        encoding='utf-8',
    )
    run = cli('configurar_push_to_talk_workspace', '--csv', str(csv_path), '--row', '1')
    assert run.status == 'executed', run.result
    state = sandbox.org.push_to_talk[RECEPCION_ID]
    assert (state['connection_type'], state['members']) == ('TWO_WAY', [LUCIA_ID])
