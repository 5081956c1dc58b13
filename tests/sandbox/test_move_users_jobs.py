"""Move Users jobs: POST .../jobs/person/moveLocation validates one calling user's move (errors and impacts, nothing
changes) or starts a job; the user changes location when the job ends; list, status and errors show the job; the
request-level rules answer 400 with the documented codes."""

import pytest
import requests

from tests.support.org import ADMIN_ID, JORGE_ID, LUCIA_ID, SEDE_CENTRAL_ID, UNKNOWN_PERSON_ID
from transformacion.sandbox import Sandbox

JOBS = '/telephony/config/jobs/person/moveLocation'


def valencia_id(sb: Sandbox) -> str:
    return next(loc['id'] for loc in sb.org.locations.values() if loc['name'] == 'Valencia Puerto')


def post(sb: Sandbox, location_id: str, *users: dict, validate: bool) -> requests.Response:
    body = {'usersList': [{'locationId': location_id, 'validate': validate, 'users': list(users)}]}
    return requests.post(f'{sb.base_url}{JOBS}', json=body, headers={'Authorization': f'Bearer {sb.token}'}, timeout=5)


def get(sb: Sandbox, path: str) -> requests.Response:
    return requests.get(f'{sb.base_url}{path}', headers={'Authorization': f'Bearer {sb.token}'}, timeout=5)


def test_a_validation_lists_errors_and_impacts_and_changes_nothing(sandbox):
    on_premises = post(sandbox, valencia_id(sandbox), {'userId': LUCIA_ID}, validate=True)
    with_new_number = post(
        sandbox, valencia_id(sandbox), {'userId': LUCIA_ID, 'phoneNumber': '+34960000100'}, validate=True
    )

    assert on_premises.status_code == 200
    [answer] = on_premises.json()['response']
    assert answer['userId'] == LUCIA_ID
    assert [e['code'] for e in answer['errors']] == [10050010]
    assert [i['code'] for i in answer['impacts']] == [19716]
    assert with_new_number.json()['response'][0]['errors'] == []
    assert sandbox.org.people[LUCIA_ID]['location_id'] == SEDE_CENTRAL_ID
    assert sandbox.org.move_users_jobs == {}


def test_a_started_job_moves_the_user_when_it_ends_and_shows_in_list_and_status(sandbox):
    sandbox.configure(move_users_job_ms=600_000)
    started = post(sandbox, valencia_id(sandbox), {'userId': LUCIA_ID, 'phoneNumber': '+34960000100'}, validate=False)
    assert started.status_code == 201
    job = started.json()['response']
    assert (job['name'], job['latestExecutionStatus'], job['latestExecutionExitCode']) == (
        'moveusers',
        'STARTED',
        'UNKNOWN',
    )
    assert sandbox.org.people[LUCIA_ID]['location_id'] == SEDE_CENTRAL_ID

    with sandbox.org.lock:
        sandbox.org.move_users_jobs[job['id']]['ends_at'] = 0
    status = get(sandbox, f'{JOBS}/{job["id"]}').json()

    assert (status['latestExecutionStatus'], status['latestExecutionExitCode']) == ('COMPLETED', 'COMPLETED')
    assert status['counts'] == {'totalMoves': 1, 'moved': 1, 'failed': 0, 'pending': 0, 'skipped': 0}
    assert sandbox.org.people[LUCIA_ID]['location_id'] == valencia_id(sandbox)
    assert sandbox.org.numbers['+34960000100']['owner']['id'] == LUCIA_ID
    assert [item['id'] for item in get(sandbox, JOBS).json()['items']] == [job['id']]
    assert get(sandbox, f'{JOBS}/{job["id"]}/errors').json()['items'] == []
    assert get(sandbox, f'{JOBS}/unknown').status_code == 404


def test_a_number_that_moves_with_its_user_changes_location_in_the_inventory(sandbox):
    """Valencia Puerto (cloud PSTN) -> Sede Central: the number goes along, as the spec says when none is given."""
    valencia = valencia_id(sandbox)
    with sandbox.org.lock:
        person = sandbox.org.people[JORGE_ID]
        sandbox.org.numbers['+34910000002']['owner'] = None
        sandbox.org.numbers['+34960000101']['owner'] = {'id': JORGE_ID, 'type': 'PEOPLE'}
        person.update(location_id=valencia, phone_numbers=[{'type': 'work', 'value': '+34960000101', 'primary': True}])

    answer = post(sandbox, SEDE_CENTRAL_ID, {'userId': JORGE_ID}, validate=True).json()['response'][0]
    post(sandbox, SEDE_CENTRAL_ID, {'userId': JORGE_ID}, validate=False)
    with sandbox.org.lock:
        for job in sandbox.org.move_users_jobs.values():
            job['ends_at'] = 0
    get(sandbox, JOBS)

    assert [i['code'] for i in answer['impacts']] == [19716, 19717]
    assert sandbox.org.numbers['+34960000101']['location_id'] == SEDE_CENTRAL_ID
    assert sandbox.org.people[JORGE_ID]['location_id'] == SEDE_CENTRAL_ID


@pytest.mark.parametrize(
    ('users', 'target', 'validate', 'code'),
    [
        ([{'userId': ADMIN_ID}], 'valencia', True, 1026010),
        ([{'userId': LUCIA_ID}], 'sede', True, 1026013),
        ([{'userId': LUCIA_ID}, {'userId': JORGE_ID}], 'valencia', True, 1026020),
        ([{'userId': LUCIA_ID}, {'userId': LUCIA_ID}], 'valencia', False, 1026019),
        ([{'userId': LUCIA_ID, 'phoneNumber': '34960000100'}], 'valencia', True, 1026017),
        ([{'userId': UNKNOWN_PERSON_ID}], 'valencia', True, 2150012),
        ([], 'valencia', True, 1026012),
    ],
)  # fmt: skip
def test_request_level_rules_answer_400_with_the_documented_code(sandbox, users, target, validate, code):
    location_id = valencia_id(sandbox) if target == 'valencia' else SEDE_CENTRAL_ID

    answer = post(sandbox, location_id, *users, validate=validate)

    assert answer.status_code == 400
    assert [item['code'] for item in answer.json()['error']] == [code]
    assert sandbox.org.move_users_jobs == {}
