"""configurar_desvio_workspace end to end through the real wxc_sdk against the sandbox, precheck included."""

from tests.support.org import RECEPCION, RECEPCION_ID, SALA_GOYA, SEDE_CENTRAL


def set_forwarding(cli, *args, workspace=RECEPCION):
    return cli('configurar_desvio_workspace', '--workspace', workspace, *args)


def test_dry_run_runs_the_precheck_shows_the_put_and_writes_nothing(cli, sandbox):
    ws_id = RECEPCION_ID
    run = set_forwarding(cli, '--forward-no-answer', '1001', '--forward-no-answer-rings', '6', '--dry-run')
    assert (run.code, run.status) == (0, 'dry_run'), run.result
    result = run.result['result']
    assert result['workspace_id'] == ws_id
    assert result['precheck']['verdict'] == 'ok' and result['precheck']['area'] == 'desvio'
    assert result['diff'] == {
        'no_answer_enabled': {'before': False, 'after': True},
        'no_answer_destination': {'before': None, 'after': '1001'},
        'no_answer_rings': {'before': 3, 'after': 6},
    }
    assert result['calls'] == [
        {
            'method': 'PUT',
            'path': f'/workspaces/{ws_id}/features/callForwarding',
            'body': {
                'callForwarding': {
                    'noAnswer': {
                        'enabled': True,
                        'destination': '1001',
                        'destinationVoicemailEnabled': False,
                        'numberOfRings': 6,
                    }
                }
            },
        }
    ]
    assert sandbox.writes() == []


def test_apply_verifies_and_reapply_is_skipped(cli, sandbox):
    ws_id = RECEPCION_ID
    args = ('--location', SEDE_CENTRAL, '--forward-always', '+34910000100', '--forward-always-voicemail', 'true')
    run = set_forwarding(cli, *args)
    assert (run.code, run.status) == (0, 'executed'), run.result
    assert run.result['result']['verified'] is True
    assert run.result['result']['precheck']['workspace_id'] == ws_id
    [write] = sandbox.writes()
    assert (write['method'], write['path'], write['status']) == (
        'PUT',
        f'/v1/workspaces/{ws_id}/features/callForwarding',
        204,
    )
    assert write['request_body'] == run.result['result']['calls'][0]['body']
    assert sandbox.org.call_forwarding[ws_id]['call_forwarding']['always'] == {
        'enabled': True,
        'destination': '+34910000100',
        'destination_voicemail_enabled': True,
        'ring_reminder_enabled': False,
    }

    again = set_forwarding(cli, *args)
    assert (again.code, again.status) == (0, 'skipped'), again.result
    assert len(sandbox.writes()) == 1


def test_a_workspace_without_webex_calling_is_refused_by_the_precheck(cli, sandbox):
    run = set_forwarding(cli, '--forward-busy', '1001', workspace=SALA_GOYA)
    assert (run.code, run.status) == (2, 'rejected'), run.result
    assert 'no tiene Webex Calling' in run.result['summary']['message']
    assert run.result['result']['precheck']['verdict'] == 'blocked'
    assert sandbox.writes() == []
    assert not any('callForwarding' in entry['path'] for entry in sandbox.journal())


def test_an_unknown_workspace_is_rejected_without_writes(cli, sandbox):
    run = set_forwarding(cli, '--forward-busy', '1001', workspace='Sala Inexistente')
    assert (run.code, run.status) == (2, 'rejected')
    assert "'Sala Inexistente'" in run.result['summary']['message']
    assert sandbox.writes() == []


def test_bad_values_are_rejected_before_any_call(cli, sandbox):
    run = set_forwarding(cli, '--forward-business-continuity', '+34-91', '--forward-busy-voicemail', 'quizás')
    assert (run.code, run.status) == (2, 'rejected')
    message = run.result['summary']['message']
    assert "--forward-business-continuity: valor '+34-91'" in message
    assert "--forward-busy-voicemail: valor 'quizás'" in message
    assert sandbox.journal() == []


def test_a_429_on_the_put_is_retried(cli, sandbox):
    sandbox.set_faults(
        [{'kind': 'throttle', 'path': 'callForwarding', 'method': 'PUT', 'retry_after': '0', 'max_count': 1}]
    )
    run = set_forwarding(cli, '--forward-busy', '1001')
    assert run.status == 'executed', run.result
    assert (run.result['summary']['http_429'], run.result['summary']['retries']) == (1, 1)
    assert [w['status'] for w in sandbox.writes()] == [429, 204]


def test_from_a_csv_row(cli, sandbox, tmp_path):
    csv_path = tmp_path / 'workspaces.csv'
    csv_path.write_text(
        'name;location;forward_busy;forward_business_continuity\n'
        f'{SALA_GOYA};{SEDE_CENTRAL};;\n'
        f'{RECEPCION};{SEDE_CENTRAL};1001;+34600000002\n',
        encoding='utf-8',
    )
    run = cli('configurar_desvio_workspace', '--csv', str(csv_path), '--match', f'name={RECEPCION}')
    assert run.status == 'executed', run.result
    state = sandbox.org.call_forwarding[RECEPCION_ID]
    assert state['call_forwarding']['busy']['destination'] == '1001'
    assert state['business_continuity'] == {
        'enabled': True,
        'destination': '+34600000002',
        'destination_voicemail_enabled': False,
    }
