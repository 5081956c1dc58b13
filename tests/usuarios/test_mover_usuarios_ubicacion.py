"""mover_usuarios_ubicacion end to end through the real wxc_sdk against the sandbox: Webex's Move Users job,
validated first (also in the dry-run), then started, followed to its end and verified."""

import json

import pytest

from tests.support.org import ADMIN, JORGE, LUCIA, LUCIA_ID, SEDE_CENTRAL_ID
from transformacion.common import Context
from transformacion.core.context import RunCache
from transformacion.mover_usuarios_ubicacion import ACTION, mover_usuarios_ubicacion
from transformacion.sandbox import ids

VALENCIA = 'Valencia Puerto'
JOBS = '/v1/telephony/config/jobs/person/moveLocation'
OLD_NUMBER, NEW_NUMBER = '+34910000001', '+34960000100'
#: a calling user of Valencia Puerto that a test adds
ANA_ID = ids.encode(ids.PEOPLE, '00000000-0000-4000-8000-000000002001')


def valencia_id(sandbox):
    return next(loc['id'] for loc in sandbox.org.locations.values() if loc['name'] == VALENCIA)


def move(cli, *args, person=LUCIA):
    return cli('mover_usuarios_ubicacion', '--person', person, '--target-location', VALENCIA, *args)


def lucia(sandbox):
    with sandbox.org.lock:
        return dict(sandbox.org.people[LUCIA_ID])


def validations(sandbox):
    return [w for w in sandbox.writes() if w['path'] == JOBS and w['request_body']['usersList'][0]['validate']]


def test_the_dry_run_validates_with_webex_and_shows_the_job_it_would_start(cli, sandbox):
    run = move(cli, '--target-phone-number', NEW_NUMBER, '--dry-run')

    assert (run.code, run.status) == (0, 'dry_run'), run.result
    result = run.result['result']
    assert result['diff'] == {
        'location_id': {'before': SEDE_CENTRAL_ID, 'after': valencia_id(sandbox)},
        'phone_number': {'before': OLD_NUMBER, 'after': NEW_NUMBER},
    }
    [call] = result['calls']
    assert (call['method'], call['path']) == ('POST', '/telephony/config/jobs/person/moveLocation')
    assert call['body'] == {
        'usersList': [
            {
                'locationId': valencia_id(sandbox),
                'validate': False,
                'users': [{'userId': LUCIA_ID, 'phoneNumber': NEW_NUMBER}],
            }
        ]
    }
    assert [impact['code'] for impact in result['impacts']] == [19716]
    assert 'voice messages' in result['needs_confirmation']
    [validation] = sandbox.writes()
    assert validation['status'] == 200 and validation['request_body']['usersList'][0]['validate'] is True
    assert lucia(sandbox)['location_id'] == SEDE_CENTRAL_ID
    assert sandbox.org.move_users_jobs == {}


def test_the_run_validates_moves_follows_the_job_and_verifies_then_a_rerun_is_skipped(cli, sandbox, log_dir):
    run = move(cli, '--target-phone-number', NEW_NUMBER, '--target-extension', '2001', '--yes')

    assert (run.code, run.status) == (0, 'executed'), run.result
    result = run.result['result']
    assert result['verified'] is True
    assert result['after'] == {'location_id': valencia_id(sandbox), 'extension': '2001', 'phone_number': NEW_NUMBER}
    assert result['job']['status'] == 'COMPLETED' and result['job']['counts']['moved'] == 1
    validation, start = sandbox.writes()
    assert validation['request_body']['usersList'][0]['validate'] is True
    assert (start['status'], start['request_body']) == (201, result['calls'][0]['body'])
    person = lucia(sandbox)
    assert (person['location_id'], person['extension']) == (valencia_id(sandbox), '2001')
    assert sandbox.org.numbers[NEW_NUMBER]['owner'] == {'id': LUCIA_ID, 'type': 'PEOPLE'}
    assert sandbox.org.numbers[OLD_NUMBER]['owner'] is None
    events = [json.loads(line) for line in open(run.result['summary']['log_file'], encoding='utf-8')]
    job_states = [e['payload']['state'] for e in events if e['payload'].get('kind') == 'move_users_job']
    assert job_states == ['started', 'ended']

    again = move(cli, '--target-phone-number', NEW_NUMBER, '--target-extension', '2001', '--yes')
    assert (again.code, again.status) == (0, 'skipped'), again.result
    assert len(sandbox.writes()) == 2


def test_the_real_run_without_yes_asks_and_moves_nothing(cli, sandbox):
    run = move(cli, '--target-phone-number', NEW_NUMBER)

    assert run.status == 'rejected', run.result
    assert '--yes' in run.result['summary']['message']
    assert lucia(sandbox)['location_id'] == SEDE_CENTRAL_ID
    assert [w['request_body']['usersList'][0]['validate'] for w in sandbox.writes()] == [True]


def test_an_on_premises_number_that_would_move_is_refused_by_the_validation_in_the_dry_run(cli, sandbox):
    run = move(cli, '--dry-run')

    assert (run.code, run.status) == (2, 'rejected'), run.result
    assert '10050010' in run.result['summary']['message']
    assert [e['code'] for e in run.result['result']['errors']] == [10050010]
    assert len(validations(sandbox)) == 1 and len(sandbox.writes()) == 1


def test_an_extension_taken_in_the_target_location_is_refused_before_any_move(cli, sandbox):
    sandbox.org.people[ANA_ID] = {
        'id': ANA_ID,
        'emails': ['ana.soler@transformacion-demo.example.com'],
        'display_name': 'Ana Soler',
        'org_id': sandbox.org.id,
        'phone_numbers': [],
        'extension': '1001',
        'location_id': valencia_id(sandbox),
        'licenses': [],
        'type': 'person',
    }
    run = move(cli, '--target-phone-number', NEW_NUMBER, '--yes')

    assert run.status == 'rejected', run.result
    assert '4202' in run.result['summary']['message']
    assert lucia(sandbox)['location_id'] == SEDE_CENTRAL_ID and sandbox.org.move_users_jobs == {}


def test_a_person_without_webex_calling_is_refused_without_asking_webex(cli, sandbox):
    run = move(cli, '--target-phone-number', NEW_NUMBER, '--dry-run', person=ADMIN)

    assert run.status == 'rejected', run.result
    assert 'no es usuario de Webex Calling' in run.result['summary']['message']
    assert sandbox.writes() == []


def test_a_person_already_in_the_target_location_is_not_moved(cli, sandbox):
    run = cli('mover_usuarios_ubicacion', '--person', JORGE, '--target-location', 'Sede Central', '--yes')
    assert (run.status, run.result['summary']['changed']) == ('skipped', False), run.result

    other = cli(
        'mover_usuarios_ubicacion', '--person', JORGE, '--target-location', 'Sede Central',
        '--target-extension', '1077', '--yes',
    )  # fmt: skip
    assert other.status == 'rejected' and 'alta_usuario' in other.result['summary']['message']
    assert sandbox.writes() == []


def test_a_job_that_ends_with_errors_is_an_error_naming_them(bound_ctx, sandbox):
    """The extension is taken in the target location while the job runs: the job fails the move, the action says so."""
    api, ctx = bound_ctx
    sandbox.configure(move_users_job_ms=60_000)
    target = valencia_id(sandbox)

    def meanwhile(seconds):
        with sandbox.org.lock:
            sandbox.org.people[ANA_ID] = {
                'id': ANA_ID, 'emails': ['ana.soler@transformacion-demo.example.com'],
                'org_id': sandbox.org.id, 'phone_numbers': [], 'extension': '1001', 'location_id': target,
                'licenses': [], 'type': 'person', 'display_name': 'Ana Soler',
            }  # fmt: skip
            for job in sandbox.org.move_users_jobs.values():
                job['ends_at'] = 0

    ctx = Context(log=ctx.log, sleep=meanwhile, assume_yes=True, cache=RunCache(), action=ACTION)
    params = {'person': LUCIA, 'target_location': VALENCIA, 'target_extension': None, 'target_phone_number': NEW_NUMBER}
    outcome = mover_usuarios_ubicacion(api, params, ctx)

    assert outcome.status == 'error'
    assert outcome.details['job']['status'] == 'COMPLETED_WITH_ERRORS'
    assert '4202' in outcome.message and outcome.details['verified'] is False
    assert lucia(sandbox)['location_id'] == SEDE_CENTRAL_ID


@pytest.mark.parametrize('shape', ['spec', 'wxc_sdk'])
def test_both_documented_shapes_of_the_answer_are_read(cli, sandbox, shape):
    """Cisco's spec wraps the answers as ``{response: [...]}`` / ``{response: <job>}``; wxc_sdk's model and live test
    read ``{response: {usersList}}`` / ``{response: {jobDetails}}``: the action works with either."""
    sandbox.configure(move_users_answer=shape)

    run = move(cli, '--target-phone-number', NEW_NUMBER, '--yes')

    assert (run.status, run.result['result']['verified']) == ('executed', True), run.result
    assert [impact['code'] for impact in run.result['result']['impacts']] == [19716]
