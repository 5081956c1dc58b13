"""The sandbox's look-up indexes stay true through every way its records change: the state functions (create,
update, license changes, delete) and records added straight into the org's dicts (as tests and fixtures do)."""

import pytest

from tests.support.org import (
    DOMAIN,
    PROFESSIONAL,
    SEDE_CENTRAL_ID,
    add_calling_location,
)
from transformacion.sandbox import ids
from transformacion.sandbox.errors import Conflict
from transformacion.sandbox.state import licenses, numbers, people, workspaces


def test_a_person_is_found_by_email_and_extension_through_create_update_and_delete(sandbox):
    org = sandbox.org
    email = f'indice.uno@{DOMAIN}'
    with org.lock:
        before = licenses.get(org, PROFESSIONAL)['consumed_units']
        person = people.create(
            org,
            {
                'emails': [email],
                'first_name': 'Índice',
                'licenses': [PROFESSIONAL],
                'location_id': SEDE_CENTRAL_ID,
                'extension': '4321',
            },
        )
        assert people.find_by_email(org, email.upper()) is person
        assert numbers.extension_owner(org, SEDE_CENTRAL_ID, '4321') == {'id': person['id'], 'type': 'PEOPLE'}
        assert licenses.get(org, PROFESSIONAL)['consumed_units'] == before + 1

        people.update(org, person['id'], {'emails': [f'indice.dos@{DOMAIN}']}, calling_data=False)
        assert people.find_by_email(org, email) is None
        assert people.find_by_email(org, f'indice.dos@{DOMAIN}')['id'] == person['id']

        people.change_licenses(org, org.people[person['id']], [{'id': PROFESSIONAL, 'operation': 'remove'}])
        assert numbers.extension_owner(org, SEDE_CENTRAL_ID, '4321') is None
        assert licenses.get(org, PROFESSIONAL)['consumed_units'] == before

        people.delete(org, person['id'])
        assert people.find_by_email(org, f'indice.dos@{DOMAIN}') is None


def test_a_person_added_straight_into_the_org_is_found_and_blocks_its_email_and_extension(sandbox):
    org = sandbox.org
    person_id = ids.encode(ids.PEOPLE, '00000000-0000-4000-8000-000000009999')
    email = f'directo@{DOMAIN}'
    with org.lock:
        people.find_by_email(org, email)
        org.people[person_id] = {
            'id': person_id,
            'emails': [email],
            'display_name': 'Directo',
            'extension': '9999',
            'location_id': SEDE_CENTRAL_ID,
            'licenses': [PROFESSIONAL],
            'phone_numbers': [],
        }
        assert people.find_by_email(org, email)['id'] == person_id
        assert numbers.extension_owner(org, SEDE_CENTRAL_ID, '9999') == {'id': person_id, 'type': 'PEOPLE'}
        assert person_id in {p['id'] for p in licenses.holders(org, PROFESSIONAL)}


def test_numbers_and_workspace_names_are_found_by_part_after_changes(sandbox):
    org = sandbox.org
    location_id = add_calling_location(sandbox, 'Sede Índice', '+34910009000-+34910009002')
    with org.lock:
        assert [row['phone_number'] for row in numbers.search(org, phone_number='+3491000900')] == [
            '+34910009000',
            '+34910009001',
            '+34910009002',
        ]
        numbers.add(org, location_id, {'phone_numbers': ['+34910009003']})
        assert [row['phone_number'] for row in numbers.search(org, phone_number='10009003')] == ['+34910009003']
        person = people.create(
            org,
            {
                'emails': [f'indice.tres@{DOMAIN}'],
                'first_name': 'Tres',
                'licenses': [PROFESSIONAL],
                'location_id': location_id,
                'phone_numbers': [{'type': 'work', 'value': '+34910009001'}],
            },
        )
        assert numbers.search(org, phone_number='+34910009001')[0]['owner']['id'] == person['id']
        people.update(
            org,
            person['id'],
            {
                'licenses': [PROFESSIONAL],
                'extension': '5151',
                'phone_numbers': [{'type': 'work', 'value': '+34910009001'}],
            },
            calling_data=True,
        )
        [row] = numbers.search(org, extension='5151', location_id=location_id)
        assert (row['phone_number'], row['owner']['id']) == ('+34910009001', person['id'])
        people.update(org, person['id'], {'licenses': [PROFESSIONAL], 'extension': '5151'}, calling_data=True)
        [row] = numbers.search(org, extension='5151')
        assert (row['phone_number'], row['owner']['id']) == ('', person['id'])
        assert numbers.search(org, phone_number='+34910009001', assigned=True) == []

        room = workspaces.create(org, {'display_name': 'Sala Índice Norte', 'location_id': location_id})
        assert [ws['id'] for ws in workspaces.search(org, display_name='índice nor')] == [room['id']]
        workspaces.update(org, room['id'], {'display_name': 'Sala Índice Sur'})
        assert workspaces.search(org, display_name='índice nor') == []
        assert [ws['id'] for ws in workspaces.search(org, display_name='ÍNDICE SUR')] == [room['id']]
        with pytest.raises(Conflict):
            workspaces.create(org, {'display_name': 'sala índice sur', 'location_id': location_id})
        workspaces.delete(org, room['id'])
        assert workspaces.search(org, display_name='índice sur') == []


def test_a_record_changed_in_place_no_longer_answers_for_what_it_held(sandbox):
    org = sandbox.org
    with org.lock:
        person = people.create(
            org,
            {
                'emails': [f'en.sitio@{DOMAIN}'],
                'first_name': 'Sitio',
                'licenses': [PROFESSIONAL],
                'location_id': SEDE_CENTRAL_ID,
                'extension': '6543',
            },
        )
        person['emails'] = [f'otro.sitio@{DOMAIN}']
        person['extension'] = '6544'
        assert people.find_by_email(org, f'en.sitio@{DOMAIN}') is None
        assert numbers.extension_owner(org, SEDE_CENTRAL_ID, '6543') is None
        assert people.find_by_email(org, f'otro.sitio@{DOMAIN}') is person
        assert numbers.extension_owner(org, SEDE_CENTRAL_ID, '6544') == {'id': person['id'], 'type': 'PEOPLE'}
