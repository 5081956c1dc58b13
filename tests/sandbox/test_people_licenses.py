"""The sandbox's people and licenses areas, driven through wxc_sdk: the Webex Calling rules of create, update,
delete and PATCH /licenses/users, license consumption, and the partial create switch."""

import pytest
import requests
from wxc_sdk.licenses import LicenseProperties, LicenseRequest
from wxc_sdk.people import Person, PhoneNumber
from wxc_sdk.rest import RestError

from tests.support.org import (
    ADMIN_ID,
    BASIC,
    DOMAIN,
    JORGE_ID,
    LUCIA_ID,
    MEETINGS,
    PROFESSIONAL,
    SEDE_CENTRAL_ID,
    WORKSPACES,
    add_calling_location,
    consumed,
    number_owner,
    set_total_units,
)
from transformacion.sandbox.state import Org

EMAIL = f'elena.navarro@{DOMAIN}'


def new_person(**calling) -> Person:
    settings = {'licenses': [PROFESSIONAL], 'location_id': SEDE_CENTRAL_ID, **calling}
    number = settings.pop('number', None)
    if number:
        settings['phone_numbers'] = [PhoneNumber(number_type='work', value=number)]
    return Person(emails=[EMAIL], first_name='Elena', last_name='Navarro', **settings)


def refused(call) -> tuple[int, str]:
    with pytest.raises(RestError) as raised:
        call()
    body = raised.value.response.json()
    return raised.value.response.status_code, ' '.join([body['message'], *(e['description'] for e in body['errors'])])


def test_create_assigns_license_location_extension_and_number(api, sandbox):
    units = consumed(sandbox, PROFESSIONAL)

    created = api.people.create(new_person(extension='1010', number='+34910000003'), calling_data=True)

    assert (created.extension, created.location_id, created.licenses) == ('1010', SEDE_CENTRAL_ID, [PROFESSIONAL])
    assert [(n.number_type, n.value) for n in created.phone_numbers] == [
        ('work', '+34910000003'),
        ('work_extension', '80011010'),
    ]
    assert (created.display_name, created.status, created.invite_pending) == ('Elena Navarro', 'pending', True)
    assert number_owner(sandbox, '+34910000003') == created.person_id
    assert api.licenses.details(PROFESSIONAL).consumed_units == units + 1
    plain = api.people.details(created.person_id)
    assert (plain.extension, plain.location_id) == (None, None)
    [found] = api.people.list(email=EMAIL.upper(), calling_data=True)
    assert found.extension == '1010'
    [number] = api.telephony.phone_numbers(phone_number='+34910000003')
    assert number.owner.owner_id == created.person_id


def test_create_validates_like_webex(api, sandbox):
    other = sandbox.org.new_id('LOCATION')
    cases = [
        (lambda: api.people.create(Person(emails=[EMAIL])), 400, 'displayName, firstName or lastName'),
        (lambda: api.people.create(new_person(extension='1010').model_copy(update={'emails': ['x']})), 400, 'emails'),
        (
            lambda: api.people.create(
                new_person(extension='1010').model_copy(update={'emails': [f'LUCIA.martin@{DOMAIN}']})
            ),
            409,
            'already exists',
        ),
        (lambda: api.people.create(new_person(location_id=None, extension='1010')), 400, 'locationId'),
        (lambda: api.people.create(new_person(location_id=other, extension='1010')), 400, 'Unable to find location'),
        (lambda: api.people.create(new_person()), 400, 'extension or phoneNumber is required'),
        (lambda: api.people.create(new_person(extension='1001')), 409, 'extension 1001 is already assigned'),
        (lambda: api.people.create(new_person(extension='1')), 400, 'must have 2 to 10 digits'),
        (lambda: api.people.create(new_person(number='+34910000001')), 409, '+34910000001 is already assigned'),
        (lambda: api.people.create(new_person(number='+34919999999')), 400, 'not a number of the location'),
        (lambda: api.people.create(new_person(number='910000003')), 400, 'expected E.164'),
        (lambda: api.people.create(new_person(extension='1010', licenses=['bad'])), 400, 'License not recognized bad'),
        (lambda: api.people.create(new_person(extension='1010', licenses=[WORKSPACES])), 400, 'only be assigned'),
        (lambda: api.people.create(new_person(extension='1010', licenses=[PROFESSIONAL, BASIC])), 400, 'both'),
    ]
    for call, status, text in cases:
        answer = refused(call)
        assert answer[0] == status and text in answer[1], (text, answer)
    assert not [p for p in sandbox.org.people.values() if p['emails'] == [EMAIL]]


def test_a_license_without_free_units_is_left_out_of_a_create_as_webex_documents(api, sandbox):
    set_total_units(sandbox, PROFESSIONAL, 0)

    created = api.people.create(new_person(extension='1010', licenses=[PROFESSIONAL, MEETINGS]), calling_data=True)

    assert (created.licenses, created.extension, created.location_id) == ([MEETINGS], None, None)


def test_the_partial_create_switch_creates_the_person_without_its_number(api, sandbox):
    sandbox.org.number_assignment_failures.extend([400, 502])

    status, message = refused(lambda: api.people.create(new_person(extension='1010', number='+34910000003')))

    assert (status, message.split('. ')[0]) == (
        400,
        'The person was created, but assigning phone number +34910000003 failed',
    )
    [person] = api.people.list(email=EMAIL, calling_data=True)
    assert (person.licenses, person.extension) == ([PROFESSIONAL], '1010')
    assert [(n.number_type, n.value) for n in person.phone_numbers] == [('work_extension', '80011010')]
    assert number_owner(sandbox, '+34910000003') is None
    assert sandbox.org.number_assignment_failures == [502]
    api.people.create(new_person(extension='1011').model_copy(update={'emails': [f'otra@{DOMAIN}']}))
    assert sandbox.org.number_assignment_failures == [502]
    assert Org.from_fixture(sandbox.org.dump()).number_assignment_failures == [502]


def test_update_changes_extension_and_number_and_keeps_the_location(api, sandbox):
    add_calling_location(sandbox, 'Barcelona Diagonal', '+34935550201')
    lucia = api.people.details(LUCIA_ID, calling_data=True)
    lucia.extension = '1011'
    lucia.phone_numbers = [
        PhoneNumber(number_type='work', value='+34910000004'),
        PhoneNumber(number_type='mobile', value='+34600111222'),
    ]

    updated = api.people.update(lucia, calling_data=True)

    assert (updated.extension, updated.location_id) == ('1011', SEDE_CENTRAL_ID)
    assert [n.value for n in updated.phone_numbers] == ['+34910000004', '+34600111222', '80011011']
    assert (number_owner(sandbox, '+34910000004'), number_owner(sandbox, '+34910000001')) == (LUCIA_ID, None)
    barcelona = next(loc.location_id for loc in api.locations.list(name='Barcelona'))
    lucia.location_id = barcelona
    assert refused(lambda: api.people.update(lucia, calling_data=True))[0] == 400
    lucia.location_id, lucia.extension = SEDE_CENTRAL_ID, '1002'
    assert refused(lambda: api.people.update(lucia, calling_data=True))[0] == 409


def test_update_without_calling_data_keeps_calling_data_and_removing_the_license_clears_it(api, sandbox):
    jorge = api.people.details(JORGE_ID, calling_data=True)
    jorge.display_name = 'Jorge Ruiz Sanz'

    assert api.people.update(jorge).display_name == 'Jorge Ruiz Sanz'
    assert sandbox.org.people[JORGE_ID]['extension'] == '1002'
    assert refused(lambda: api.people.update(jorge.model_copy(update={'licenses': []}), calling_data=True))[0] == 400

    api.people.update(jorge.model_copy(update={'licenses': []}))

    record = sandbox.org.people[JORGE_ID]
    assert (record['licenses'], record['extension'], record['location_id'], record['phone_numbers']) == (
        [],
        None,
        None,
        [],
    )
    assert number_owner(sandbox, '+34910000002') is None


def test_update_adds_a_calling_license_only_with_calling_data(api, sandbox):
    admin = api.people.details(ADMIN_ID, calling_data=True)
    admin.licenses = [*admin.licenses, BASIC]

    assert refused(lambda: api.people.update(admin))[0] == 400
    admin.location_id, admin.extension = SEDE_CENTRAL_ID, '1099'
    updated = api.people.update(admin, calling_data=True)

    assert (updated.extension, updated.location_id, set(updated.licenses)) == (
        '1099',
        SEDE_CENTRAL_ID,
        {MEETINGS, BASIC},
    )


def test_delete_frees_the_number_and_the_unit(api, sandbox):
    units = consumed(sandbox, BASIC)

    api.people.delete_person(JORGE_ID)

    assert JORGE_ID not in sandbox.org.people
    assert number_owner(sandbox, '+34910000002') is None
    assert consumed(sandbox, BASIC) == units - 1
    assert refused(lambda: api.people.delete_person(JORGE_ID))[0] == 404


def test_patch_adds_and_removes_licenses_and_moves_units(api, sandbox):
    units = consumed(sandbox, BASIC), consumed(sandbox, PROFESSIONAL)

    answer = api.licenses.assign_licenses_to_users(
        person_id=JORGE_ID,
        licenses=[
            LicenseRequest(id=PROFESSIONAL, properties=LicenseProperties(phone_number='+34910000002')),
            LicenseRequest(id=BASIC, operation='remove'),
        ],
    )

    assert (answer.person_id, answer.licenses) == (JORGE_ID, [PROFESSIONAL])
    record = sandbox.org.people[JORGE_ID]
    assert (record['location_id'], record['extension']) == (SEDE_CENTRAL_ID, None)
    assert number_owner(sandbox, '+34910000002') == JORGE_ID
    assert (consumed(sandbox, BASIC), consumed(sandbox, PROFESSIONAL)) == (units[0] - 1, units[1] + 1)


def test_patch_by_email_answers_206_when_only_some_licenses_apply(api, sandbox):
    response = requests.patch(
        f'{sandbox.base_url}/licenses/users',
        headers={'Authorization': f'Bearer {sandbox.token}'},
        timeout=5,
        json={
            'email': f'ADMIN@{DOMAIN}',
            'licenses': [
                {'id': BASIC, 'operation': 'add', 'properties': {'locationId': SEDE_CENTRAL_ID, 'extension': '1099'}},
                {'id': 'nope'},
            ],
        },
    )

    assert response.status_code == 206
    assert response.json()['licenses'] == [MEETINGS, BASIC]


def test_patch_refusals(api, sandbox):
    set_total_units(sandbox, MEETINGS, 2)

    def patch(person_id, *requests):
        return lambda: api.licenses.assign_licenses_to_users(person_id=person_id, licenses=list(requests))

    cases = [
        (patch(JORGE_ID, LicenseRequest(id='nope')), 'License not recognized nope', 400000),
        (patch(ADMIN_ID, LicenseRequest(id=BASIC)), 'do not have properties', 400411),
        (
            patch(
                JORGE_ID,
                LicenseRequest(
                    id=PROFESSIONAL, properties=LicenseProperties(extension='1003', location_id=SEDE_CENTRAL_ID)
                ),
            ),
            'both',
            400404,
        ),
        (
            patch(JORGE_ID, LicenseRequest(id=MEETINGS)),
            'No available units of license Meeting - Webex Meetings: 2 of 2 consumed',
            4000,
        ),
        (patch(ADMIN_ID, LicenseRequest(id=WORKSPACES)), 'only be assigned to a workspace', 4000),
        (
            patch(ADMIN_ID, LicenseRequest(id=BASIC, properties=LicenseProperties(phone_number='+34910000001'))),
            'already assigned',
            4090,
        ),
    ]
    for call, text, code in cases:
        with pytest.raises(RestError) as raised:
            call()
        body = raised.value.response.json()
        assert text in ' '.join([body['message'], *(e['description'] for e in body['errors'])])
        assert body['errors'][0]['errorCode'] == code
    assert (
        refused(lambda: api.licenses.assign_licenses_to_users(person_id=sandbox.org.new_id('PEOPLE'), licenses=[]))[0]
        == 404
    )
    assert refused(lambda: api.licenses.assign_licenses_to_users(licenses=[]))[0] == 400
    assert sandbox.org.people[ADMIN_ID]['licenses'] == [MEETINGS]
