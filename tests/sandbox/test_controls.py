"""Behaviour controls: rate limiting, latency and every kind of injected fault."""

import time
from datetime import UTC, datetime
from email.utils import formatdate, parsedate_to_datetime

import pytest
import requests
from wxc_sdk import WebexSimpleApi
from wxc_sdk.rest import RestError

from transformacion.sandbox import Sandbox, running_sandbox
from transformacion.sandbox.state import load_fixture

LOCATION = {
    'name': 'Sucursal Sur',
    'timeZone': 'Europe/Madrid',
    'preferredLanguage': 'es_ES',
    'announcementLanguage': 'es_es',
    'address': {'address1': 'Calle Larios 1', 'city': 'Málaga', 'state': 'MA', 'postalCode': '29005', 'country': 'ES'},
}


def post_location(sb: Sandbox, timeout: float = 5) -> requests.Response:
    return requests.post(
        f'{sb.base_url}/locations', json=LOCATION, headers={'Authorization': f'Bearer {sb.token}'}, timeout=timeout
    )


def get_me(sb: Sandbox) -> requests.Response:
    return requests.get(f'{sb.base_url}/people/me', headers={'Authorization': f'Bearer {sb.token}'}, timeout=5)


SEED_LOCATIONS = sorted(loc['name'] for loc in load_fixture()['locations'].values())
WITH_SUCURSAL = sorted([*SEED_LOCATIONS, LOCATION['name']])


def location_names(sb: Sandbox) -> list[str]:
    return sorted(loc['name'] for loc in sb.org.locations.values())


def test_rate_limit_answers_429_with_retry_after_seconds(sandbox: Sandbox) -> None:
    sandbox.configure(rate_limit=2)

    statuses = [get_me(sandbox) for _ in range(3)]

    assert [r.status_code for r in statuses] == [200, 200, 429]
    assert statuses[-1].headers['Retry-After'] == '1'
    assert statuses[-1].json()['errors'][0]['errorCode'] == 4290


def test_a_retry_before_retry_after_has_passed_gets_another_429_and_one_after_it_is_served(sandbox: Sandbox) -> None:
    sandbox.configure(rate_limit=1)
    get_me(sandbox)
    limited = get_me(sandbox)

    early = get_me(sandbox)
    time.sleep(int(limited.headers['Retry-After']))
    on_time = get_me(sandbox)

    assert (limited.status_code, early.status_code, on_time.status_code) == (429, 429, 200)
    assert early.headers['Retry-After'] == '1'
    assert [entry['status'] for entry in sandbox.journal()] == [200, 429, 429, 200]


def test_early_retries_are_served_when_the_window_is_not_enforced(sandbox: Sandbox) -> None:
    sandbox.configure(enforce_retry_after=False)
    sandbox.set_faults([{'kind': 'throttle', 'retry_after': '30', 'max_count': 1}])

    statuses = [get_me(sandbox).status_code for _ in range(2)]

    assert statuses == [429, 200]


def test_rate_limit_retry_after_as_http_date() -> None:
    with running_sandbox(rate_limit=1, retry_after='http-date') as sb:
        get_me(sb)
        limited = get_me(sb)

    retry_at = parsedate_to_datetime(limited.headers['Retry-After'])
    assert limited.status_code == 429
    assert 0 < (retry_at - datetime.now(UTC)).total_seconds() <= 3


def test_sdk_sees_the_429_when_it_does_not_retry(sandbox: Sandbox, api: WebexSimpleApi) -> None:
    sandbox.configure(rate_limit=1)
    api.people.me()

    with pytest.raises(RestError) as raised:
        api.people.me()

    assert raised.value.response.status_code == 429


def test_latency_and_jitter_slow_every_request(sandbox: Sandbox) -> None:
    """At least the configured latency (how much more a loaded machine adds is not the sandbox's to promise)."""
    sandbox.configure(latency_ms=150, jitter_ms=50)

    start = time.perf_counter()
    get_me(sandbox)

    assert time.perf_counter() - start >= 0.15


def test_status_fault_before_processing_changes_nothing(sandbox: Sandbox) -> None:
    sandbox.set_faults([{'kind': 'status', 'status': 503, 'path': '/locations$', 'method': 'POST'}])

    failed = post_location(sandbox)

    assert failed.status_code == 503
    assert failed.json()['errors'][0]['errorCode'] == 5030
    assert location_names(sandbox) == SEED_LOCATIONS
    assert get_me(sandbox).status_code == 200
    assert sandbox.journal()[0]['fault'] == 'status'


def test_status_fault_after_processing_hides_a_write_that_happened(sandbox: Sandbox) -> None:
    sandbox.set_faults([{'kind': 'status', 'status': 500, 'path': '/locations$', 'when': 'after'}])

    failed = post_location(sandbox)

    assert failed.status_code == 500
    assert location_names(sandbox) == WITH_SUCURSAL
    assert sandbox.writes()[-1]['created_id'] in sandbox.org.locations


def test_delay_outlasts_the_client_timeout_and_the_write_still_happens(sandbox: Sandbox) -> None:
    sandbox.set_faults([{'kind': 'delay', 'delay_ms': 600, 'path': '/locations$'}])

    with pytest.raises(requests.exceptions.ReadTimeout):
        post_location(sandbox, timeout=0.2)
    time.sleep(0.7)

    assert location_names(sandbox) == WITH_SUCURSAL


def test_reset_before_processing_loses_the_request(sandbox: Sandbox) -> None:
    sandbox.set_faults([{'kind': 'reset', 'path': '/locations$'}])

    with pytest.raises(requests.exceptions.ConnectionError):
        post_location(sandbox)

    assert location_names(sandbox) == SEED_LOCATIONS
    assert sandbox.writes()[-1]['status'] is None
    assert sandbox.writes()[-1]['fault'] == 'reset'


def test_reset_after_processing_loses_only_the_answer(sandbox: Sandbox) -> None:
    sandbox.set_faults([{'kind': 'reset', 'when': 'after', 'path': '/locations$'}])

    with pytest.raises(requests.exceptions.ConnectionError):
        post_location(sandbox)

    assert location_names(sandbox) == WITH_SUCURSAL
    assert sandbox.writes()[-1]['created_id'] in sandbox.org.locations


@pytest.mark.parametrize('retry_after', ['rand(30),add(30)', '86400'])
def test_throttle_sends_retry_after_verbatim(sandbox: Sandbox, retry_after: str) -> None:
    sandbox.set_faults([{'kind': 'throttle', 'retry_after': retry_after, 'max_count': 1}])

    throttled = get_me(sandbox)

    assert throttled.status_code == 429
    assert throttled.headers['Retry-After'] == retry_after


@pytest.mark.parametrize(
    ('retry_after', 'next_status'), [('rand(30),add(30)', 200), ('0', 200), ('86400', 429), ('http-date', 429)]
)
def test_a_throttle_closes_the_window_for_as_long_as_its_retry_after_says(
    sandbox: Sandbox, retry_after: str, next_status: int
) -> None:
    """A usable Retry-After is a promise the limiter keeps: the fault fires once, the window holds the next request;
    a malformed one promises nothing."""
    if retry_after == 'http-date':
        retry_after = formatdate(time.time() + 60, usegmt=True)
    sandbox.set_faults([{'kind': 'throttle', 'retry_after': retry_after, 'max_count': 1}])

    get_me(sandbox)
    after = get_me(sandbox)

    assert after.status_code == next_status
    assert sandbox.faults()[0]['count'] == 1
    if next_status == 429:
        assert 55 <= int(after.headers['Retry-After']) <= 86400


def test_malformed_retry_after_breaks_the_sdk_retry(sandbox: Sandbox) -> None:
    sandbox.set_faults([{'kind': 'throttle', 'retry_after': 'rand(30),add(30)', 'max_count': 1}])
    api = WebexSimpleApi(tokens=sandbox.token, retry_429=True)
    api.session.BASE = sandbox.base_url

    with pytest.raises(ValueError):
        api.people.me()


def test_max_count_and_method_filter(sandbox: Sandbox) -> None:
    sandbox.set_faults([{'kind': 'status', 'status': 502, 'method': 'GET', 'max_count': 2}])

    statuses = [get_me(sandbox).status_code for _ in range(3)]
    post = post_location(sandbox)

    assert statuses == [502, 502, 200]
    assert post.status_code == 201
    assert sandbox.faults()[0]['count'] == 2


def test_probability_is_repeatable_for_a_seed() -> None:
    def outcomes(seed: int) -> list[int]:
        with running_sandbox(seed=seed) as sb:
            sb.set_faults([{'kind': 'status', 'status': 503, 'probability': 0.5}])
            return [get_me(sb).status_code for _ in range(20)]

    first = outcomes(seed=7)

    assert first == outcomes(seed=7)
    assert {200, 503} == set(first)


def test_invalid_fault_rules_are_refused(sandbox: Sandbox) -> None:
    with pytest.raises(ValueError, match='kind'):
        sandbox.set_faults([{'kind': 'explode'}])
    with pytest.raises(ValueError, match='unknown fault rule keys'):
        sandbox.set_faults([{'kind': 'status', 'staus': 500}])
    with pytest.raises(ValueError, match='when'):
        sandbox.set_faults([{'kind': 'throttle', 'when': 'after'}])

    assert sandbox.faults() == []
