"""Remove Phone Numbers from a Location (``DELETE /telephony/config/locations/{id}/numbers``), and what the deletes
of people and workspaces free, driven through wxc_sdk (``api.telephony.location.number.remove``): 204 and all or
nothing; the refusals the cloud-calling spec documents (main number, more than 5, integrated PSTN) and the assigned
number, on which the documentation is silent (a setting: refused or released)."""

import pytest

from tests.support.locations import add_location_without_calling, set_pstn
from tests.support.org import JORGE_ID, RECEPCION_ID, SEDE_CENTRAL_ID
from tests.support.webex import status_of
from transformacion.sandbox.state import telephony_locations


def calling_location(sandbox, name):
    """A new location enabled for calling, without PSTN, made directly in the state."""
    location_id = add_location_without_calling(sandbox, name)
    with sandbox.org.lock:
        telephony_locations.enable(sandbox.org, {**sandbox.org.locations[location_id], 'id': location_id})
    return location_id


def inventory(sandbox, location_id):
    with sandbox.org.lock:
        return {n for n, record in sandbox.org.numbers.items() if record['location_id'] == location_id}


def test_free_numbers_are_removed_with_204(api, sandbox):
    api.telephony.location.number.remove(SEDE_CENTRAL_ID, ['+34910000003', '+34910000004'])

    assert {'+34910000003', '+34910000004'}.isdisjoint(inventory(sandbox, SEDE_CENTRAL_ID))
    [entry] = [e for e in sandbox.journal() if e['method'] == 'DELETE']
    assert (entry['status'], entry['request_body']) == (204, {'phoneNumbers': ['+34910000003', '+34910000004']})


@pytest.mark.parametrize(
    ('numbers', 'status', 'says'),
    [
        (['+34910000000'], 400, 'main number cannot be removed'),
        (['+34910000003', '+34910000004', '+34910000005', '+34910000006', '+34910000007', '+34910000008'], 400, '5'),
        (['+34910000003', '+34960000100'], 404, '+34960000100'),
        (['34910000003'], 400, 'E.164'),
        ([], 400, 'phoneNumbers'),
    ],
    ids=['main-number', 'more-than-5', 'number-of-another-location', 'not-e164', 'empty'],
)
def test_a_refused_removal_removes_nothing(api, sandbox, numbers, status, says):
    before = inventory(sandbox, SEDE_CENTRAL_ID)

    refused = status_of(api.telephony.location.number.remove, SEDE_CENTRAL_ID, numbers)

    assert refused[0] == status and says in refused[1]
    assert inventory(sandbox, SEDE_CENTRAL_ID) == before


def test_an_assigned_number_is_refused_by_default(api, sandbox):
    refused = status_of(api.telephony.location.number.remove, SEDE_CENTRAL_ID, ['+34910000003', '+34910000002'])

    assert refused[0] == 400 and '+34910000002' in refused[1]
    assert {'+34910000002', '+34910000003'} <= inventory(sandbox, SEDE_CENTRAL_ID)


def test_an_assigned_number_is_released_when_the_sandbox_is_set_so(api, sandbox):
    sandbox.configure(assigned_number_removal='release')

    api.telephony.location.number.remove(SEDE_CENTRAL_ID, ['+34910000002'])

    assert '+34910000002' not in inventory(sandbox, SEDE_CENTRAL_ID)
    assert '+34910000002' not in [e.get('value') for e in sandbox.org.people[JORGE_ID]['phone_numbers']]


def test_numbers_of_a_location_without_a_removable_pstn_are_refused(api, sandbox):
    lisboa = calling_location(sandbox, 'Lisboa')
    assert status_of(api.telephony.location.number.remove, lisboa, ['+351210000100'])[0] == 400
    set_pstn(sandbox, lisboa, 'TRK-MAD-01')
    api.telephony.location.number.add(lisboa, ['+351210000100'])

    api.telephony.location.number.remove(lisboa, ['+351210000100'])

    assert inventory(sandbox, lisboa) == set()


def test_a_location_not_enabled_for_calling_is_404(api, sandbox):
    bare = add_location_without_calling(sandbox, 'Oporto')

    assert status_of(api.telephony.location.number.remove, bare, ['+351220000100'])[0] == 404


def test_a_deleted_workspace_frees_its_number_and_takes_its_settings(api, sandbox):
    with sandbox.org.lock:
        sandbox.org.call_forwarding[RECEPCION_ID] = {'always': {'enabled': False}}

    api.workspaces.delete_workspace(RECEPCION_ID)

    assert sandbox.org.numbers['+34910000009']['owner'] is None
    assert RECEPCION_ID not in sandbox.org.call_forwarding
    api.telephony.location.number.remove(SEDE_CENTRAL_ID, ['+34910000009'])
    assert '+34910000009' not in inventory(sandbox, SEDE_CENTRAL_ID)
