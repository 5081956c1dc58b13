"""configurar_push_to_talk_usuario (Push-to-Talk) end to end through the real wxc_sdk against the sandbox; its old
name configurar_intercom_usuario and the old intercom_* columns and options keep working and say they were renamed."""

from tests.support.files import write_csv
from tests.support.org import ADMIN, JORGE, JORGE_ID, LUCIA, LUCIA_ID, SEDE_CENTRAL_ID
from transformacion.common import Context, action_logger, logging_to
from transformacion.configurar_push_to_talk_usuario import configurar_push_to_talk_usuario
from transformacion.core.context import RunCache
from transformacion.sandbox import ids

PATH = f'/people/{LUCIA_ID}/features/pushToTalk'


def push_to_talk_of(cli, *args, person=LUCIA):
    return cli('configurar_push_to_talk_usuario', '--person', person, *args)


def push_to_talk(sandbox, person_id=LUCIA_ID):
    return sandbox.org.push_to_talk.get(person_id)


def add_calling_person(sandbox, email, extension):
    person_id = ids.encode(ids.PEOPLE, f'00000000-0000-4000-8000-0000000{extension}')
    with sandbox.org.lock:
        sandbox.org.people[person_id] = {
            'id': person_id,
            'emails': [email],
            'display_name': email.split('@')[0],
            'org_id': sandbox.org.id,
            'phone_numbers': [],
            'extension': extension,
            'location_id': SEDE_CENTRAL_ID,
            'licenses': [],
            'type': 'person',
        }
    return person_id


def test_dry_run_shows_the_diff_and_the_exact_put_and_writes_nothing(cli, sandbox):
    run = push_to_talk_of(
        cli, '--push-to-talk-connection-type', 'two_way', '--push-to-talk-members', JORGE, '--dry-run'
    )
    assert (run.code, run.status) == (0, 'dry_run'), run.result
    result = run.result['result']
    assert result['diff'] == {
        'connection_type': {'before': 'ONE_WAY', 'after': 'TWO_WAY'},
        'members': {'before': [], 'after': [JORGE_ID]},
    }
    assert result['members_added'] == [JORGE] and result['members_removed'] == []
    assert result['calls'] == [
        {'method': 'PUT', 'path': PATH, 'body': {'connectionType': 'TWO_WAY', 'members': [JORGE_ID]}}
    ]
    assert sandbox.writes() == []
    assert push_to_talk(sandbox) is None


def test_apply_then_reapply_in_another_order_and_case_is_skipped(cli, sandbox):
    marta_id = add_calling_person(sandbox, 'marta.gil@transformacion-demo.example.com', '1003')
    members = f'{JORGE}; marta.gil@transformacion-demo.example.com'
    run = push_to_talk_of(
        cli,
        '--push-to-talk-auto-answer', 'no',
        '--push-to-talk-access-type', 'BLOCK_MEMBERS',
        '--push-to-talk-members', members,
    )  # fmt: skip
    assert (run.code, run.status) == (0, 'executed'), run.result
    assert run.result['result']['verified'] is True
    [write] = sandbox.writes()
    assert (write['method'], write['path'], write['status']) == ('PUT', f'/v1{PATH}', 204)
    assert write['request_body'] == run.result['result']['calls'][0]['body']
    assert set(write['request_body']) == {'allowAutoAnswer', 'accessType', 'members'}
    assert push_to_talk(sandbox) == {
        'allow_auto_answer': False,
        'connection_type': 'ONE_WAY',
        'access_type': 'BLOCK_MEMBERS',
        'members': write['request_body']['members'],
    }
    assert sorted(push_to_talk(sandbox)['members']) == sorted([JORGE_ID, marta_id])

    again = push_to_talk_of(
        cli,
        '--push-to-talk-access-type', 'block_members',
        '--push-to-talk-members', f'Marta.Gil@transformacion-demo.example.com,{JORGE_ID}',
    )  # fmt: skip
    assert (again.code, again.status) == (0, 'skipped'), again.result
    assert len(sandbox.writes()) == 1


def test_ninguno_empties_the_member_list_and_names_who_left(cli, sandbox):
    push_to_talk_of(cli, '--push-to-talk-members', JORGE)
    run = push_to_talk_of(cli, '--push-to-talk-members', 'ninguno')
    assert run.status == 'executed', run.result
    assert run.result['result']['members_removed'] == [JORGE]
    assert run.result['result']['calls'][0]['body'] == {'members': []}
    assert push_to_talk(sandbox)['members'] == []


def test_members_by_email_are_resolved_once_per_batch(observed_api, sandbox, tmp_path):
    add_calling_person(sandbox, 'marta.gil@transformacion-demo.example.com', '1003')
    cache = RunCache()
    rows = [
        (LUCIA, [JORGE, 'marta.gil@transformacion-demo.example.com', JORGE]),
        ('marta.gil@transformacion-demo.example.com', [JORGE, LUCIA.upper()]),
    ]
    for person, members in rows:
        ctx = Context(log=action_logger('configurar_push_to_talk_usuario', log_dir=tmp_path), cache=cache)
        with logging_to(ctx.log):
            outcome = configurar_push_to_talk_usuario(
                observed_api, {'person': person, 'push_to_talk_members': members}, ctx
            )
        assert outcome.status == 'executed', outcome.details
    lookups = [e['query']['email'] for e in sandbox.journal() if e['path'] == '/v1/people' and 'email' in e['query']]
    assert sorted(lookups) == sorted([LUCIA, JORGE, 'marta.gil@transformacion-demo.example.com'])


def test_a_row_without_intercom_columns_is_rejected_naming_them_without_any_call(cli, sandbox):
    run = push_to_talk_of(cli)
    assert (run.code, run.status) == (2, 'rejected')
    message = run.result['summary']['message']
    assert (
        'no se pidió ningún cambio' in message and 'push_to_talk_connection_type, push_to_talk_auto_answer' in message
    )
    assert sandbox.journal() == []


def test_bad_values_are_rejected_before_any_call(cli, sandbox):
    run = push_to_talk_of(cli, '--push-to-talk-connection-type', 'THREE_WAY', '--push-to-talk-members', 'Jorge Ruiz')
    assert (run.code, run.status) == (2, 'rejected')
    message = run.result['summary']['message']
    assert "--push-to-talk-connection-type: valor 'THREE_WAY'" in message and 'ONE_WAY, TWO_WAY' in message
    assert "--push-to-talk-members: valor 'Jorge Ruiz'" in message and "miembro 'Jorge'" in message
    assert sandbox.journal() == []


def test_an_unknown_member_is_rejected_without_writes(cli, sandbox):
    run = push_to_talk_of(cli, '--push-to-talk-members', f'{JORGE};nadie@transformacion-demo.example.com')
    assert (run.code, run.status) == (2, 'rejected')
    assert "'nadie@transformacion-demo.example.com'" in run.result['summary']['message']
    assert sandbox.writes() == []


def test_the_person_cannot_be_its_own_member(cli, sandbox):
    run = push_to_talk_of(cli, '--push-to-talk-members', LUCIA_ID)
    assert (run.code, run.status) == (2, 'rejected')
    assert run.result['summary']['message'].startswith(f'push_to_talk_members={LUCIA_ID!r}:')
    assert sandbox.writes() == []


def test_a_member_without_webex_calling_is_refused_by_webex_and_nothing_changes(cli, sandbox):
    run = push_to_talk_of(cli, '--push-to-talk-members', ADMIN)
    assert (run.code, run.status) == (1, 'error')
    assert run.result['result']['error']['status'] == 400
    assert run.result['result']['error']['reason'] == 'invalid_input'
    assert push_to_talk(sandbox) is None


def test_a_person_without_webex_calling_is_rejected(cli, sandbox):
    run = push_to_talk_of(cli, '--push-to-talk-auto-answer', 'true', person=ADMIN)
    assert (run.code, run.status) == (2, 'rejected')
    assert 'no tiene Webex Calling' in run.result['summary']['message']
    assert sandbox.writes() == []


def test_a_429_on_the_put_is_retried(cli, sandbox):
    sandbox.set_faults(
        [{'kind': 'throttle', 'path': 'pushToTalk', 'method': 'PUT', 'retry_after': '0', 'max_count': 1}]
    )
    run = push_to_talk_of(cli, '--push-to-talk-connection-type', 'TWO_WAY')
    assert run.status == 'executed', run.result
    assert (run.result['summary']['http_429'], run.result['summary']['retries']) == (1, 1)
    assert [w['status'] for w in sandbox.writes()] == [429, 204]
    assert push_to_talk(sandbox)['connection_type'] == 'TWO_WAY'


def test_from_a_csv_row(cli, sandbox, tmp_path):
    csv_path = tmp_path / 'usuarios.csv'
    csv_path.write_text(
        'email;push_to_talk_connection_type;push_to_talk_auto_answer;push_to_talk_access_type;push_to_talk_members\n'
        f'{LUCIA};TWO_WAY;si;ALLOW_MEMBERS;{JORGE}\n',
        encoding='utf-8',
    )
    run = cli('configurar_push_to_talk_usuario', '--csv', str(csv_path), '--row', '1')
    assert run.status == 'executed', run.result
    assert push_to_talk(sandbox) == {
        'allow_auto_answer': True,
        'connection_type': 'TWO_WAY',
        'access_type': 'ALLOW_MEMBERS',
        'members': [JORGE_ID],
    }


def test_the_old_name_and_options_still_work_and_say_they_were_renamed(cli, sandbox):
    run = cli('configurar_intercom_usuario', '--person', LUCIA, '--intercom-connection-type', 'TWO_WAY', '--dry-run')

    assert (run.code, run.status) == (0, 'dry_run'), run.result
    assert run.result['script_name'] == 'configurar_push_to_talk_usuario'
    assert 'configurar_intercom_usuario se llama ahora configurar_push_to_talk_usuario' in run.stderr
    assert run.result['result']['diff'] == {'connection_type': {'before': 'ONE_WAY', 'after': 'TWO_WAY'}}


def test_a_folder_with_the_old_columns_and_action_name_runs_with_one_notice_per_renamed_column(
    launch, sandbox, tmp_path
):
    folder = tmp_path / 'anterior'
    write_csv(folder / 'usuarios.csv', [{'email': LUCIA, 'intercom_auto_answer': 'no', 'intercom_members': JORGE}])

    run = launch('--input_dir', str(folder), '--actions', 'configurar_intercom_usuario')

    assert run.code == 0, run.stderr
    assert run.result['summary']['by_status']['executed'] == 1
    assert 'configurar_intercom_usuario se llama ahora configurar_push_to_talk_usuario' in run.stderr
    assert 'usuarios.csv: intercom_members -> push_to_talk_members' in run.stderr
    assert 'usuarios.csv: intercom_auto_answer -> push_to_talk_auto_answer' in run.stderr
    assert sandbox.org.push_to_talk[LUCIA_ID]['members'] == [JORGE_ID]
    assert sandbox.org.push_to_talk[LUCIA_ID]['allow_auto_answer'] is False
