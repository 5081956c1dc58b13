"""configurar_desvio_usuario end to end through the real wxc_sdk against the sandbox."""

from tests.support.org import ADMIN, LUCIA, LUCIA_ID
from tests.support.runs import log_events

PATH = f'/people/{LUCIA_ID}/features/callForwarding'


def forwarding(sandbox, person_id=LUCIA_ID):
    return sandbox.org.call_forwarding.get(person_id)


def set_forwarding(cli, *args, person=LUCIA):
    return cli('configurar_desvio_usuario', '--person', person, *args)


def test_dry_run_shows_the_diff_and_the_exact_put_and_writes_nothing(cli, sandbox):
    run = set_forwarding(cli, '--forward-always', '+34 910 000 100', '--dry-run')
    assert (run.code, run.status) == (0, 'dry_run'), run.result
    result = run.result['result']
    assert result['person_id'] == LUCIA_ID
    assert result['diff'] == {
        'always_enabled': {'before': False, 'after': True},
        'always_destination': {'before': None, 'after': '+34910000100'},
    }
    assert result['calls'] == [
        {
            'method': 'PUT',
            'path': PATH,
            'body': {
                'callForwarding': {
                    'always': {
                        'enabled': True,
                        'destination': '+34910000100',
                        'destinationVoicemailEnabled': False,
                        'ringReminderEnabled': False,
                    }
                }
            },
        }
    ]
    assert sandbox.writes() == []
    assert forwarding(sandbox) is None


def test_apply_sends_only_the_changed_sections_then_reapply_is_skipped(cli, sandbox):
    args = (
        '--forward-busy', '1002',
        '--forward-busy-voicemail', 'si',
        '--forward-no-answer', '+34910000200',
        '--forward-no-answer-rings', '5',
    )  # fmt: skip
    run = set_forwarding(cli, *args)
    assert (run.code, run.status) == (0, 'executed'), run.result
    result = run.result['result']
    assert result['verified'] is True
    assert result['after']['busy_destination'] == '1002' and result['after']['no_answer_rings'] == 5
    [write] = sandbox.writes()
    assert (write['method'], write['path']) == ('PUT', f'/v1{PATH}')
    assert write['request_body'] == result['calls'][0]['body']
    assert set(write['request_body']) == {'callForwarding'}
    assert set(write['request_body']['callForwarding']) == {'busy', 'noAnswer'}
    state = forwarding(sandbox)
    assert state['call_forwarding']['busy'] == {
        'enabled': True,
        'destination': '1002',
        'destination_voicemail_enabled': True,
    }
    assert state['call_forwarding']['no_answer']['number_of_rings'] == 5
    assert state['call_forwarding']['always']['enabled'] is False
    assert state['business_continuity'] == {'enabled': False, 'destination_voicemail_enabled': False}
    puts = [e for e in log_events(run) if e['event'] == 'request' and e['payload'].get('method') == 'PUT']
    assert [e['payload']['body'] for e in puts] == [write['request_body']]

    again = set_forwarding(cli, *args)
    assert (again.code, again.status) == (0, 'skipped'), again.result
    assert len(sandbox.writes()) == 1


def test_off_disables_and_keeps_the_destination(cli, sandbox):
    set_forwarding(cli, '--forward-always', '1002', '--forward-always-ring-reminder', 'x')
    run = set_forwarding(cli, '--forward-always', 'off')
    assert run.status == 'executed', run.result
    assert run.result['result']['diff'] == {'always_enabled': {'before': True, 'after': False}}
    assert run.result['result']['calls'][0]['body'] == {
        'callForwarding': {
            'always': {
                'enabled': False,
                'destination': '1002',
                'destinationVoicemailEnabled': False,
                'ringReminderEnabled': True,
            }
        }
    }
    assert forwarding(sandbox)['call_forwarding']['always'] == {
        'enabled': False,
        'destination': '1002',
        'destination_voicemail_enabled': False,
        'ring_reminder_enabled': True,
    }


def test_business_continuity_by_id(cli, sandbox):
    run = set_forwarding(cli, '--forward-business-continuity', '+34600000001', person=LUCIA_ID)
    assert run.status == 'executed', run.result
    assert run.result['result']['calls'][0]['body'] == {
        'businessContinuity': {'enabled': True, 'destination': '+34600000001', 'destinationVoicemailEnabled': False}
    }
    assert forwarding(sandbox)['business_continuity']['destination'] == '+34600000001'


def test_a_row_without_forwarding_columns_is_rejected_naming_them_without_any_call(cli, sandbox):
    run = set_forwarding(cli)
    assert (run.code, run.status) == (2, 'rejected')
    message = run.result['summary']['message']
    assert 'no se pidió ningún cambio' in message and 'forward_always, forward_always_voicemail' in message
    assert sandbox.journal() == []


def test_bad_values_are_all_rejected_before_any_call(cli, sandbox):
    run = set_forwarding(
        cli, '--forward-busy', 'recepcion', '--forward-no-answer-rings', '25', '--forward-always', '34910000100'
    )
    assert (run.code, run.status) == (2, 'rejected')
    message = run.result['summary']['message']
    assert "--forward-busy: valor 'recepcion'" in message
    assert "--forward-no-answer-rings: valor '25'" in message and 'entre 2 y 20' in message
    assert "--forward-always: valor '34910000100'" in message and '+34910000100' in message
    assert sandbox.journal() == []


def test_an_unknown_person_is_rejected_without_writes(cli, sandbox):
    run = set_forwarding(cli, '--forward-busy', '1002', person='nadie@transformacion-demo.example.com')
    assert (run.code, run.status) == (2, 'rejected')
    assert 'nadie@transformacion-demo.example.com' in run.result['summary']['message']
    assert sandbox.writes() == []


def test_a_person_without_webex_calling_is_rejected_without_writes(cli, sandbox):
    run = set_forwarding(cli, '--forward-busy', '1002', person=ADMIN)
    assert (run.code, run.status) == (2, 'rejected')
    assert run.result['summary']['message'] == (
        f'la persona {ADMIN!r} no existe o no tiene Webex Calling (sin desvío que configurar)'
    )
    assert sandbox.writes() == []


def test_rings_above_the_maximum_the_api_reports_are_rejected(cli, sandbox):
    with sandbox.org.lock:
        sandbox.org.call_forwarding[LUCIA_ID] = {
            'call_forwarding': {
                'always': {'enabled': False, 'ring_reminder_enabled': False, 'destination_voicemail_enabled': False},
                'busy': {'enabled': False, 'destination_voicemail_enabled': False},
                'no_answer': {
                    'enabled': False,
                    'number_of_rings': 3,
                    'system_max_number_of_rings': 10,
                    'destination_voicemail_enabled': False,
                },
            },
            'business_continuity': {'enabled': False, 'destination_voicemail_enabled': False},
        }
    run = set_forwarding(cli, '--forward-no-answer-rings', '12')
    assert (run.code, run.status) == (2, 'rejected')
    assert run.result['summary']['message'].startswith('forward_no_answer_rings=12:')
    assert 'como máximo 10 tonos' in run.result['summary']['message']
    assert sandbox.writes() == []


def test_a_429_on_the_put_is_retried(cli, sandbox):
    sandbox.set_faults(
        [{'kind': 'throttle', 'path': 'callForwarding', 'method': 'PUT', 'retry_after': '0', 'max_count': 1}]
    )
    run = set_forwarding(cli, '--forward-busy', '1002')
    assert run.status == 'executed', run.result
    assert (run.result['summary']['http_429'], run.result['summary']['retries']) == (1, 1)
    assert [w['status'] for w in sandbox.writes()] == [429, 204]
    assert forwarding(sandbox)['call_forwarding']['busy']['destination'] == '1002'


def test_from_a_csv_row(cli, sandbox, tmp_path):
    csv_path = tmp_path / 'usuarios.csv'
    csv_path.write_text(
        'email;forward_always;forward_no_answer;forward_no_answer_rings;forward_no_answer_voicemail\n'
        f'{ADMIN};;;;\n'
        f'{LUCIA};;+34910000300;4;si\n',
        encoding='utf-8',
    )
    run = cli('configurar_desvio_usuario', '--csv', str(csv_path), '--row', '2')
    assert run.status == 'executed', run.result
    assert forwarding(sandbox)['call_forwarding']['no_answer'] == {
        'enabled': True,
        'destination': '+34910000300',
        'number_of_rings': 4,
        'system_max_number_of_rings': 20,
        'destination_voicemail_enabled': True,
    }


def test_a_destination_template_takes_the_rows_extension_and_the_dry_run_shows_it_expanded(cli, sandbox, tmp_path):
    """The v21 forwarding to 53 + the user's extension, as a template over the row: 53{extension}."""
    csv_path = tmp_path / 'usuarios.csv'
    csv_path.write_text(
        f'email;extension;forward_always\n{LUCIA};1001;53{{extension}}\n{ADMIN};;53{{extension}}\n', encoding='utf-8'
    )

    dry = cli('configurar_desvio_usuario', '--csv', str(csv_path), '--row', '1', '--dry-run')
    run = cli('configurar_desvio_usuario', '--csv', str(csv_path), '--row', '1')
    missing = cli('configurar_desvio_usuario', '--csv', str(csv_path), '--row', '2', '--dry-run')

    assert dry.status == 'dry_run', dry.result
    assert dry.result['invocation']['params']['forward_always'] == '531001'
    assert dry.result['result']['diff']['always_destination'] == {'before': None, 'after': '531001'}
    assert run.status == 'executed' and forwarding(sandbox)['call_forwarding']['always']['destination'] == '531001'
    assert missing.status == 'rejected'
    assert '{extension}' in missing.result['summary']['message'] and 'vacía' in missing.result['summary']['message']
