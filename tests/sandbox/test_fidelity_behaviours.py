"""The behaviours of real Webex the sandbox emulates (transformacion/sandbox/FIDELITY.md names the source of each):
list results that lag behind creates, derived work_extension entries, extension-only entries in the numbers list,
paging limits and empty pages, partly applied writes, writes answered 2xx that changed nothing, the validation
endpoints and the org's extension length limits."""

from __future__ import annotations

import copy
import time
from typing import Any

import requests

from transformacion.sandbox import Sandbox, running_sandbox
from transformacion.sandbox.state.org import load_fixture

DOMAIN = 'transformacion-demo.example.com'


def call(sb: Sandbox, method: str, path: str, **kwargs: Any) -> requests.Response:
    return requests.request(
        method, f'{sb.base_url}{path}', headers={'Authorization': f'Bearer {sb.token}'}, timeout=5, **kwargs
    )


def admin(sb: Sandbox, method: str, path: str, **kwargs: Any) -> requests.Response:
    return requests.request(method, f'{sb.base_url.removesuffix("/v1")}/_sandbox{path}', timeout=5, **kwargs)


def sede(sb: Sandbox) -> str:
    return next(loc for loc, record in sb.org.locations.items() if record['name'] == 'Sede Central')


def person_by_email(sb: Sandbox, email: str) -> dict[str, Any]:
    return next(p for p in sb.org.people.values() if email in p['emails'])


def calling_license(sb: Sandbox) -> str:
    """The Professional license of the subscription with free units (the older one is exhausted)."""
    return next(
        lic
        for lic, record in sb.org.licenses.items()
        if record['name'] == 'Webex Calling - Professional' and record['subscription_id'] == 'Sub-TRANSF-0001'
    )


def new_person(sb: Sandbox, email: str, **extra: Any) -> dict[str, Any]:
    body = {'emails': [email], 'displayName': 'Nueva Persona', 'licenses': [calling_license(sb)],
            'locationId': sede(sb), **extra}  # fmt: skip
    return body


# --------------------------------------------------------------------------- eventual consistency


def test_a_new_person_is_read_by_id_at_once_and_listed_only_after_the_visibility_delay(sandbox: Sandbox) -> None:
    sandbox.configure(visibility_delay_ms=300)
    email = f'tarde@{DOMAIN}'

    created = call(
        sandbox, 'POST', '/people', params={'callingData': 'true'}, json=new_person(sandbox, email, extension='1777')
    )
    listed_at_once = call(sandbox, 'GET', '/people', params={'email': email}).json()['items']
    by_id = call(sandbox, 'GET', f'/people/{created.json()["id"]}')
    time.sleep(0.35)
    listed_later = call(sandbox, 'GET', '/people', params={'email': email}).json()['items']

    assert (created.status_code, by_id.status_code) == (200, 200)
    assert (listed_at_once, [p['id'] for p in listed_later]) == ([], [created.json()['id']])
    assert call(sandbox, 'POST', '/people', json=new_person(sandbox, email)).status_code == 409


def test_a_new_workspace_is_listed_only_after_the_visibility_delay(sandbox: Sandbox) -> None:
    sandbox.configure(visibility_delay_ms=300)
    body = {'displayName': 'Sala Tardía', 'locationId': sede(sandbox)}

    created = call(sandbox, 'POST', '/workspaces', json=body)
    at_once = call(sandbox, 'GET', '/workspaces', params={'displayName': 'Sala Tardía'}).json()['items']
    time.sleep(0.35)
    later = call(sandbox, 'GET', '/workspaces', params={'displayName': 'Sala Tardía'}).json()['items']

    assert created.status_code == 201
    assert (at_once, [ws['id'] for ws in later]) == ([], [created.json()['id']])


# --------------------------------------------------------------------------- work_extension and extension-only


def test_an_extension_only_user_has_one_work_extension_number_that_a_put_cannot_change(sandbox: Sandbox) -> None:
    email = f'solo.ext@{DOMAIN}'
    created = call(sandbox, 'POST', '/people', params={'callingData': 'true'},
                   json=new_person(sandbox, email, extension='4321')).json()  # fmt: skip
    prefix = sandbox.org.calling_locations[sede(sandbox)]['routing_prefix']

    stale = {**created, 'extension': '4322', 'phoneNumbers': [{'type': 'work_extension', 'value': f'{prefix}4321'}]}
    updated = call(sandbox, 'PUT', f'/people/{created["id"]}', params={'callingData': 'true'}, json=stale).json()

    assert created['phoneNumbers'] == [{'type': 'work_extension', 'value': f'{prefix}4321'}]
    assert (updated['extension'], updated['phoneNumbers']) == (
        '4322',
        [{'type': 'work_extension', 'value': f'{prefix}4322'}],
    )


def test_the_numbers_list_has_extension_only_entries_and_honours_its_filters(sandbox: Sandbox) -> None:
    email = f'solo.ext@{DOMAIN}'
    person = call(sandbox, 'POST', '/people', params={'callingData': 'true'},
                  json=new_person(sandbox, email, extension='4321')).json()  # fmt: skip

    def rows(**query: str) -> list[dict[str, Any]]:
        return call(sandbox, 'GET', '/telephony/config/numbers', params=query).json()['phoneNumbers']

    [by_extension] = rows(extension='4321')
    extension_only = rows(numberType='EXTENSION')
    numbers_only = rows(numberType='NUMBER')

    assert (by_extension['phoneNumber'], by_extension['owner']['id']) == ('', person['id'])
    assert by_extension['esn'].endswith('4321')
    assert person['id'] in {row['owner']['id'] for row in extension_only}
    assert all(row['phoneNumber'] for row in numbers_only) and all(not row['phoneNumber'] for row in extension_only)
    assert [row['extension'] for row in rows(ownerId=person['id'])] == ['4321']
    assert {row['owner']['type'] for row in rows(ownerType='PLACE')} == {'PLACE'}
    assert rows(ownerId='nadie') == []
    assert all(row['phoneNumber'] for row in rows(state='ACTIVE'))
    assert call(sandbox, 'GET', '/telephony/config/numbers', params={'numberType': 'EXTENSION', 'state': 'ACTIVE'}
                ).status_code == 400  # fmt: skip


# --------------------------------------------------------------------------- paging


def many_people(count: int) -> dict[str, Any]:
    fixture = load_fixture()
    lucia = next(p for p in fixture['people'].values() if p['emails'][0].startswith('lucia'))
    for index in range(count):
        clone = copy.deepcopy(lucia)
        clone.update(id=f'persona-{index:03d}', emails=[f'p{index:03d}@{DOMAIN}'], extension=None, location_id=None,
                     licenses=[], phone_numbers=[])  # fmt: skip
        fixture['people'][clone['id']] = clone
    return fixture


def test_max_is_clamped_as_documented_and_a_clamped_page_has_a_next_link() -> None:
    with running_sandbox(fixture=many_people(120)) as sb:
        calling = call(sb, 'GET', '/people', params={'max': '500', 'callingData': 'true'})
        plain = call(sb, 'GET', '/people', params={'max': '500'})
        location = call(sb, 'GET', '/people', params={'max': '500', 'locationId': sede(sb)})

    assert len(calling.json()['items']) == 100 and 'max=100' in calling.links['next']['url']
    assert 'next' not in plain.links and len(plain.json()['items']) > 120
    assert len(location.json()['items']) <= 50


def test_an_empty_page_fault_serves_no_items_and_a_next_link_to_the_same_page(sandbox: Sandbox) -> None:
    sandbox.set_faults([{'kind': 'empty_page', 'path': '^/v1/people$', 'max_count': 1}])

    empty = call(sandbox, 'GET', '/people', params={'max': '2'})
    following = requests.get(empty.links['next']['url'], headers={'Authorization': f'Bearer {sandbox.token}'})

    assert empty.json()['items'] == []
    assert 'start=0' in empty.links['next']['url']
    assert len(following.json()['items']) == 2


# --------------------------------------------------------------------------- partly applied, or not at all


def test_a_partial_create_fault_over_http_creates_the_person_without_its_number(sandbox: Sandbox) -> None:
    rule = {'kind': 'partial', 'status': 400, 'path': '^/v1/people$', 'method': 'POST', 'max_count': 1}
    assert admin(sandbox, 'POST', '/faults', json=[rule]).status_code == 200
    email = f'parcial@{DOMAIN}'

    answer = call(sandbox, 'POST', '/people', params={'callingData': 'true'}, json=new_person(
        sandbox, email, extension='1777', phoneNumbers=[{'type': 'work', 'value': '+34910000003'}]))  # fmt: skip

    assert answer.status_code == 400
    person = person_by_email(sandbox, email)
    assert (person['extension'], person['phone_numbers']) == ('1777', [])
    assert sandbox.org.numbers['+34910000003']['owner'] is None


def test_a_partial_update_fault_changes_the_names_not_the_calling_data_and_answers_an_error(sandbox: Sandbox) -> None:
    sandbox.set_faults([{'kind': 'partial', 'status': 500, 'path': '^/v1/people/', 'method': 'PUT'}])
    lucia = person_by_email(sandbox, f'lucia.martin@{DOMAIN}')
    body = call(sandbox, 'GET', f'/people/{lucia["id"]}', params={'callingData': 'true'}).json()

    answer = call(sandbox, 'PUT', f'/people/{lucia["id"]}', params={'callingData': 'true'},
                  json={**body, 'displayName': 'Lucía M.', 'extension': '1099'})  # fmt: skip

    assert answer.status_code == 500
    after = sandbox.org.people[lucia['id']]
    assert (after['display_name'], after['extension']) == ('Lucía M.', '1001')


def test_a_noop_fault_answers_the_write_as_done_and_changes_nothing(sandbox: Sandbox) -> None:
    sandbox.set_faults([{'kind': 'noop', 'path': '^/v1/locations$', 'method': 'POST'}])
    before = sandbox.org.dump()
    body = {'name': 'Sucursal Sur', 'timeZone': 'Europe/Madrid', 'preferredLanguage': 'es_ES',
            'announcementLanguage': 'es_es', 'address': {'address1': 'Calle Larios 1', 'city': 'Málaga', 'state': 'MA',
                                                         'postalCode': '29005', 'country': 'ES'}}  # fmt: skip

    answer = call(sandbox, 'POST', '/locations', json=body)

    assert answer.status_code == 201 and answer.json()['name'] == 'Sucursal Sur'
    assert sandbox.org.dump() == before
    assert sandbox.journal()[-1]['fault'] == 'noop' and 'created_id' not in sandbox.journal()[-1]


# --------------------------------------------------------------------------- validation endpoints and limits


def test_validate_numbers_gives_each_number_its_documented_state(sandbox: Sandbox) -> None:
    sandbox.org.unavailable_numbers.append('+34910009999')
    numbers = ['+34910000777', '+34910000001', '+34910000777', '910000778', '+34910009999', '+34800123456']

    answer = call(sandbox, 'POST', '/telephony/config/actions/validateNumbers/invoke', json={'phoneNumbers': numbers})

    body = answer.json()
    assert answer.status_code == 200 and body['status'] == 'ERRORS'
    assert [(n['number'], n['state']) for n in body['numbers']] == [
        ('+34910000777', 'Available'),
        ('+34910000001', 'Duplicate'),
        ('+34910000777', 'Duplicate In List'),
        ('910000778', 'Invalid'),
        ('+34910009999', 'Unavailable'),
        ('+34800123456', 'Available'),
    ]
    assert body['numbers'][-1]['tollFreeNumber'] is True


def test_validate_numbers_answers_with_wxc_sdks_keys_when_configured(sandbox: Sandbox) -> None:
    sandbox.org.validate_numbers_keys = 'wxc_sdk'

    answer = call(sandbox, 'POST', '/telephony/config/actions/validateNumbers/invoke',
                  json={'phoneNumbers': ['+34910000777', '+34910000001']})  # fmt: skip

    assert answer.json() == {
        'status': 'ERRORS',
        'phoneNumbers': [
            {'phoneNumber': '+34910000777', 'state': 'Available', 'tollFreeNumber': False},
            {'phoneNumber': '+34910000001', 'state': 'Duplicate', 'tollFreeNumber': False,
             'detail': ['[Error 8363] DN is already in use : +34910000001']},
        ],
    }  # fmt: skip


def test_the_validate_checks_are_not_writes(sandbox: Sandbox) -> None:
    seq = len(sandbox.journal())

    call(sandbox, 'POST', '/telephony/config/actions/validateNumbers/invoke', json={'phoneNumbers': ['+34910000777']})
    call(sandbox, 'POST', f'/telephony/config/locations/{sede(sandbox)}/actions/validateExtensions/invoke',
         json={'extensions': ['1777']})  # fmt: skip

    assert len(sandbox.journal()) == seq + 2 and sandbox.writes(seq) == []


def test_validate_extensions_checks_the_org_limits_and_the_location_holders() -> None:
    fixture = load_fixture()
    fixture['extension_length'] = {'min': 3, 'max': 4}
    with running_sandbox(fixture=fixture) as sb:
        extensions = ['1001', '1777', '1777', '12', '12345', '911', 'a234']
        org_level = call(sb, 'POST', '/telephony/config/actions/validateExtensions/invoke',
                         json={'extensions': extensions}).json()  # fmt: skip
        located = call(sb, 'POST', f'/telephony/config/locations/{sede(sb)}/actions/validateExtensions/invoke',
                       json={'extensions': extensions}).json()  # fmt: skip
        too_long = call(sb, 'POST', '/people', params={'callingData': 'true'},
                        json=new_person(sb, f'larga@{DOMAIN}', extension='12345'))  # fmt: skip

    assert [e['state'] for e in org_level['extensionStatus']] == [
        'VALID', 'VALID', 'DUPLICATE_IN_LIST', 'INVALID', 'INVALID', 'INVALID', 'INVALID']  # fmt: skip
    assert [e['state'] for e in located['extensionStatus']][:2] == ['DUPLICATE', 'VALID']
    assert [e.get('errorCode') for e in located['extensionStatus']][3:] == [4912, 4912, 4911, 4910]
    assert located['status'] == org_level['status'] == 'ERRORS'
    assert too_long.status_code == 400 and '3 to 4 digits' in too_long.json()['errors'][0]['description']


def test_telephony_errors_carry_a_top_level_error_code(sandbox: Sandbox) -> None:
    numbers = call(sandbox, 'POST', f'/telephony/config/locations/{sede(sandbox)}/numbers',
                   json={'phoneNumbers': ['34910000099']})  # fmt: skip
    people = call(sandbox, 'POST', '/people', json={})

    assert numbers.status_code == 400 and numbers.json()['errorCode'] == numbers.json()['errors'][0]['errorCode']
    assert people.status_code == 400 and 'errorCode' not in people.json()
