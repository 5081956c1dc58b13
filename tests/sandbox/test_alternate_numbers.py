"""Alternate numbers: PUT .../people/{id}/numbers and .../workspaces/{id}/numbers add or delete secondary numbers of
the holder's location, every entry checked first; the numbers reads list them after the primary entry."""

import pytest
import requests

from tests.support.org import ADMIN_ID, LUCIA_ID, RECEPCION_ID


def put(sb, path: str, *entries: dict) -> requests.Response:
    return requests.put(
        f'{sb.base_url}{path}', json={'phoneNumbers': list(entries)}, headers={'Authorization': f'Bearer {sb.token}'},
        timeout=5,
    )  # fmt: skip


def entry(number: str, action: str = 'ADD', **extra) -> dict:
    return {'primary': False, 'action': action, 'directNumber': number, **extra}


def test_an_added_number_is_owned_listed_after_the_primary_and_deleted_back_to_stock(sandbox, api):
    path = f'/telephony/config/people/{LUCIA_ID}/numbers'

    assert put(sandbox, path, entry('+34910000003', ringPattern='LONG_LONG')).status_code == 204
    listed = api.person_settings.numbers.read(LUCIA_ID).phone_numbers
    assert [(n.direct_number, n.primary) for n in listed] == [('+34910000001', True), ('+34910000003', False)]
    assert sandbox.org.numbers['+34910000003']['owner'] == {'id': LUCIA_ID, 'type': 'PEOPLE'}

    assert put(sandbox, path, entry('+34910000003', 'DELETE')).status_code == 204
    assert sandbox.org.numbers['+34910000003']['owner'] is None
    assert len(api.person_settings.numbers.read(LUCIA_ID).phone_numbers) == 1


@pytest.mark.parametrize(
    ('holder', 'entries', 'status'),
    [
        ('person', [entry('+34960000100')], 400),  # another location's number
        ('person', [entry('+34910000002')], 409),  # Jorge's
        ('person', [entry('+34910000003', 'DELETE')], 400),  # not an alternate of Lucía's
        ('person', [{**entry('+34910000003'), 'primary': True}], 400),
        ('person', [entry('34910000003')], 400),
        ('person', [entry('+34910000003'), entry('+34960000100')], 400),  # checked before any change
        ('admin', [entry('+34910000003')], 404),  # no Webex Calling
        ('workspace', [entry('+34910000001')], 409),
    ],
)
def test_refused_entries_change_nothing(sandbox, holder, entries, status):
    path = {
        'person': f'/telephony/config/people/{LUCIA_ID}/numbers',
        'admin': f'/telephony/config/people/{ADMIN_ID}/numbers',
        'workspace': f'/telephony/config/workspaces/{RECEPCION_ID}/numbers',
    }[holder]

    assert put(sandbox, path, *entries).status_code == status
    assert sandbox.org.alternate_numbers == {}
    assert sandbox.org.numbers['+34910000003']['owner'] is None
