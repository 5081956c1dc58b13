"""Journal, reset, restart, and the /_sandbox admin endpoints."""

import requests
from wxc_sdk import WebexSimpleApi

from transformacion.sandbox import Sandbox, running_sandbox
from transformacion.sandbox.state import load_fixture

SEED_LOCATIONS = [loc['name'] for loc in load_fixture()['locations'].values()]


def admin_url(sb: Sandbox, path: str) -> str:
    return sb.base_url.removesuffix('/v1') + f'/_sandbox{path}'


def create(api: WebexSimpleApi, name: str) -> str:
    return api.locations.create(name, 'Europe/Madrid', 'es_ES', 'es_es', 'Rúa Nova 2', 'Vigo', 'PO', '36201', 'ES')


def test_journal_records_requests_without_credentials(sandbox: Sandbox, api: WebexSimpleApi) -> None:
    api.people.me()
    location_id = create(api, 'Oficina Vigo')
    list(api.locations.list(name='vigo'))

    entries = sandbox.journal()
    writes = sandbox.writes()

    assert [(e['seq'], e['method'], e['path'], e['status']) for e in entries] == [
        (1, 'GET', '/v1/people/me', 200),
        (2, 'POST', '/v1/locations', 201),
        (3, 'GET', '/v1/locations', 200),
    ]
    assert entries[2]['query'] == {'name': 'vigo'}
    assert [w['seq'] for w in writes] == [2]
    assert writes[0]['request_body']['name'] == 'Oficina Vigo'
    assert writes[0]['created_id'] == location_id
    assert sandbox.token not in repr(entries)
    assert 'response_body' not in entries[0]
    assert [e['seq'] for e in sandbox.journal(since=2)] == [3]


def test_recorded_bodies_are_the_answers_sent() -> None:
    with running_sandbox(record_bodies=True) as sb:
        me = requests.get(f'{sb.base_url}/people/me', headers={'Authorization': f'Bearer {sb.token}'}, timeout=5)

    entry = sb.journal()[0]
    assert entry['response_body'] == me.json()
    assert entry['response_headers']['Content-Type'] == me.headers['Content-Type']


def test_reset_rebuilds_the_fixture_state_in_place(sandbox: Sandbox, api: WebexSimpleApi) -> None:
    org = sandbox.org
    create(api, 'Oficina Vigo')

    sandbox.reset()

    assert sandbox.org is org
    assert [loc.name for loc in api.locations.list()] == SEED_LOCATIONS
    assert len(sandbox.journal()) == 2


def test_ids_are_repeatable_for_a_seed(api: WebexSimpleApi, sandbox: Sandbox) -> None:
    first = create(api, 'Oficina Vigo')
    sandbox.reset()

    assert create(api, 'Oficina Vigo') == first


def test_restart_keeps_state_and_port(sandbox: Sandbox, api: WebexSimpleApi) -> None:
    location_id = create(api, 'Oficina Vigo')
    base_url = sandbox.base_url

    sandbox.stop()
    try:
        requests.get(f'{base_url}/locations', timeout=1)
        reachable = True
    except requests.exceptions.ConnectionError:
        reachable = False
    sandbox.start()

    assert not reachable
    assert sandbox.base_url == base_url
    assert api.locations.details(location_id).name == 'Oficina Vigo'
    sandbox.restart()
    assert api.locations.details(location_id).name == 'Oficina Vigo'


def test_admin_endpoints(sandbox: Sandbox, api: WebexSimpleApi) -> None:
    create(api, 'Oficina Vigo')

    state = requests.get(admin_url(sandbox, '/state'), timeout=5).json()
    journal = requests.get(admin_url(sandbox, '/journal'), params={'since': 0}, timeout=5).json()
    faults = requests.post(admin_url(sandbox, '/faults'), json=[{'kind': 'status', 'status': 500}], timeout=5)
    failing = requests.get(f'{sandbox.base_url}/people/me', headers={'Authorization': f'Bearer {sandbox.token}'})
    cleared = requests.post(admin_url(sandbox, '/faults'), json=[], timeout=5)
    config = requests.post(admin_url(sandbox, '/config'), json={'latency_ms': 5, 'retry_after': 'http-date'}, timeout=5)
    bad_config = requests.post(admin_url(sandbox, '/config'), json={'latency': 5}, timeout=5)
    reset = requests.post(admin_url(sandbox, '/reset'), timeout=5)

    assert sorted(loc['name'] for loc in state['locations'].values()) == sorted([*SEED_LOCATIONS, 'Oficina Vigo'])
    assert set(load_fixture()) <= set(state)
    assert [e['method'] for e in journal['items']] == ['POST']
    assert faults.json()['items'][0]['kind'] == 'status'
    assert failing.status_code == 500
    assert cleared.json() == {'items': []}
    assert config.json()['latency_ms'] == 5 and sandbox.config.retry_after == 'http-date'
    assert bad_config.status_code == 400 and 'unknown config keys' in bad_config.json()['message']
    assert reset.status_code == 204
    assert [loc['name'] for loc in sandbox.org.locations.values()] == SEED_LOCATIONS


def test_a_state_dump_seeds_another_sandbox(sandbox: Sandbox, api: WebexSimpleApi) -> None:
    location_id = create(api, 'Oficina Vigo')

    with running_sandbox(fixture=sandbox.org.dump()) as copy:
        assert copy.org.locations[location_id]['name'] == 'Oficina Vigo'
