"""A routing-prefix change is an admin batch job: PUT answers {batchJobId}, the prefix lands when the job ends, the
job endpoints show it, and another prefix change waits (409) while it runs."""

import pytest
import requests
from wxc_sdk import WebexSimpleApi
from wxc_sdk.telephony.location import TelephonyLocation

from transformacion.sandbox import Sandbox
from transformacion.sandbox.state import load_fixture

JOBS = '/telephony/config/jobs/updateRoutingPrefix'
SEDE_ID = next(loc['id'] for loc in load_fixture()['locations'].values() if loc['name'] == 'Sede Central')


def put(sb: Sandbox, location_id: str, body: dict) -> requests.Response:
    return requests.put(
        f'{sb.base_url}/telephony/config/locations/{location_id}',
        json=body,
        headers={'Authorization': f'Bearer {sb.token}'},
        timeout=5,
    )


def get(sb: Sandbox, path: str) -> requests.Response:
    return requests.get(f'{sb.base_url}{path}', headers={'Authorization': f'Bearer {sb.token}'}, timeout=5)


def end_jobs(sb: Sandbox) -> None:
    """Make every running job due: it ends on the next API request, as if its time had passed."""
    with sb.org.lock:
        for job in sb.org.routing_prefix_jobs.values():
            job['ends_at'] = 0


@pytest.fixture
def slow_jobs(sandbox: Sandbox) -> Sandbox:
    sandbox.configure(routing_prefix_job_ms=600_000)
    return sandbox


@pytest.fixture
def bilbao(api: WebexSimpleApi) -> str:
    """A second calling location."""
    location_id = api.locations.create(
        'Bilbao', 'Europe/Madrid', 'es_ES', 'es_es', 'Gran Vía 1', 'Bilbao', 'BI', '48001', 'ES'
    )
    location = api.locations.details(location_id)
    location.announcement_language = 'es_es'
    api.telephony.location.enable_for_calling(location)
    return location_id


def test_a_new_prefix_starts_a_job_and_lands_when_it_ends(slow_jobs: Sandbox, api: WebexSimpleApi) -> None:
    answer = put(slow_jobs, SEDE_ID, {'routingPrefix': '8123', 'outsideDialDigit': '9'})
    job_id = answer.json()['batchJobId']

    running = api.telephony.jobs.update_routing_prefix.status(job_id)
    during = api.telephony.location.details(SEDE_ID)
    end_jobs(slow_jobs)
    ended = api.telephony.jobs.update_routing_prefix.status(job_id)
    after = api.telephony.location.details(SEDE_ID)

    assert answer.status_code == 200 and set(answer.json()) == {'batchJobId'}
    assert (running.latest_execution_status, running.latest_execution_exit_code) == ('STARTED', 'UNKNOWN')
    assert (during.routing_prefix, during.outside_dial_digit) == ('8001', '9')
    assert (ended.latest_execution_status, ended.latest_execution_exit_code) == ('COMPLETED', 'COMPLETED')
    assert (ended.counts.routing_prefix_updated, ended.counts.routing_prefix_failed) == (3, 0)
    assert ended.job_execution_status[0].end_time is not None
    assert after.routing_prefix == '8123'
    assert [job.id for job in api.telephony.jobs.update_routing_prefix.list()] == [job_id]
    assert get(slow_jobs, f'{JOBS}/{job_id}/errors').json() == {'items': []}


def test_wxc_sdk_returns_the_job_id(api: WebexSimpleApi, sandbox: Sandbox) -> None:
    job_id = api.telephony.location.update(SEDE_ID, TelephonyLocation(routing_prefix='8124'))

    assert api.telephony.jobs.update_routing_prefix.status(job_id).id == job_id


def test_another_prefix_change_waits_for_the_running_job(slow_jobs: Sandbox, bilbao: str) -> None:
    first = put(slow_jobs, SEDE_ID, {'routingPrefix': '8123'})
    busy = put(slow_jobs, bilbao, {'routingPrefix': '8124', 'outsideDialDigit': '9'})
    other_field = put(slow_jobs, bilbao, {'outsideDialDigit': '7'})
    end_jobs(slow_jobs)
    later = put(slow_jobs, bilbao, {'routingPrefix': '8124'})

    assert first.status_code == 200
    assert (busy.status_code, busy.json()) == (
        409,
        {'failureReason': 'UpdateRoutingPrefixJob failed as another one is already in progress.'},
    )
    assert other_field.status_code == 204
    assert slow_jobs.org.calling_locations[bilbao]['outside_dial_digit'] == '7'
    assert later.status_code == 200


def test_the_same_prefix_starts_no_job(sandbox: Sandbox) -> None:
    answer = put(sandbox, SEDE_ID, {'routingPrefix': '8001'})

    assert answer.status_code == 204
    assert sandbox.org.routing_prefix_jobs == {}


def test_a_prefix_another_location_uses_is_refused_before_any_job(sandbox: Sandbox, bilbao: str) -> None:
    answer = put(sandbox, bilbao, {'routingPrefix': '8001'})

    assert answer.status_code == 400
    assert answer.json()['errors'][0]['errorCode'] == 5600
    assert sandbox.org.routing_prefix_jobs == {}


def test_a_failed_job_leaves_the_prefix_and_lists_its_error(sandbox: Sandbox, api: WebexSimpleApi) -> None:
    sandbox.configure(routing_prefix_job_result='FAILED', routing_prefix_job_ms=0)
    job_id = put(sandbox, SEDE_ID, {'routingPrefix': '8123'}).json()['batchJobId']

    job = api.telephony.jobs.update_routing_prefix.status(job_id)
    errors = get(sandbox, f'{JOBS}/{job_id}/errors').json()['items']

    assert (job.latest_execution_status, job.latest_execution_exit_code) == ('FAILED', 'FAILED')
    assert job.counts.routing_prefix_failed == 1
    assert api.telephony.location.details(SEDE_ID).routing_prefix == '8001'
    [error] = errors
    assert set(error) == {'itemNumber', 'error', 'trackingId'}
    assert error['error']['key'] == '500' and 'routing prefix' in error['error']['message'][0]['description']


def test_a_job_not_triggered_answers_206_and_applies_the_other_fields(sandbox: Sandbox) -> None:
    sandbox.configure(routing_prefix_job_result='NOT_TRIGGERED')

    answer = put(sandbox, SEDE_ID, {'routingPrefix': '8123', 'outsideDialDigit': '9'})

    assert answer.status_code == 206
    assert answer.json() == {
        'failureReason': f'UpdateRoutingPrefix batch job not triggered for Location: {SEDE_ID}. '
        'OldRoutingPrefix : 8001. NewRoutingPrefix: 8123.'
    }
    assert sandbox.org.calling_locations[SEDE_ID]['routing_prefix'] == '8001'
    assert sandbox.org.calling_locations[SEDE_ID]['outside_dial_digit'] == '9'
    assert sandbox.org.routing_prefix_jobs == {}


def test_an_unknown_job_is_not_found(sandbox: Sandbox) -> None:
    assert get(sandbox, f'{JOBS}/Y2lzY29zcGFyazovL3VzL0pPQl9JRC9ub25l').status_code == 404


def test_the_job_settings_are_checked(sandbox: Sandbox) -> None:
    with pytest.raises(ValueError, match='routing_prefix_job_result'):
        sandbox.configure(routing_prefix_job_result='SOMETIMES')
    with pytest.raises(ValueError, match='routing_prefix_job_ms'):
        sandbox.configure(routing_prefix_job_ms=-1)
    assert (sandbox.config.routing_prefix_job_ms, sandbox.config.routing_prefix_job_result) == (500, 'COMPLETED')


def test_the_job_settings_are_changed_over_the_admin_endpoint(sandbox: Sandbox) -> None:
    url = sandbox.base_url.removesuffix('/v1') + '/_sandbox/config'
    changed = requests.post(url, json={'routing_prefix_job_ms': 0, 'routing_prefix_job_result': 'FAILED'}, timeout=5)
    refused = requests.post(url, json={'routing_prefix_job_result': 'LATER'}, timeout=5)

    assert (changed.json()['routing_prefix_job_ms'], changed.json()['routing_prefix_job_result']) == (0, 'FAILED')
    assert refused.status_code == 400 and 'routing_prefix_job_result' in refused.json()['message']
    job_id = put(sandbox, SEDE_ID, {'routingPrefix': '8123'}).json()['batchJobId']
    assert get(sandbox, f'{JOBS}/{job_id}').json()['latestExecutionStatus'] == 'FAILED'
