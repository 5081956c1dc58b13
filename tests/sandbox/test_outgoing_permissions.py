"""The sandbox's outgoingPermission endpoints on the wire and through wxc_sdk: paths, defaults, merge, errors."""

import pytest
import requests
from wxc_sdk.person_settings.permissions_out import OutgoingPermissions

from tests.support.org import ADMIN_ID, LUCIA_ID, SEDE_CENTRAL_ID, UNKNOWN_PERSON_ID
from tests.support.permissions import DEFAULTS, seed, stored


def call(sandbox, method, path, body=None):
    return requests.request(
        method, sandbox.base_url + path, json=body, headers={'Authorization': f'Bearer {sandbox.token}'}, timeout=5
    )


def test_people_are_served_on_the_old_and_the_new_path_over_one_state(sandbox, org):
    pid = LUCIA_ID
    old, new = f'/people/{pid}/features/outgoingPermission', f'/telephony/config/people/{pid}/outgoingPermission'

    put = call(
        sandbox,
        'PUT',
        old,
        {'useCustomEnabled': True, 'callingPermissions': [{'callType': 'NATIONAL', 'action': 'BLOCK'}]},
    )

    assert put.status_code == 204
    body = call(sandbox, 'GET', new).json()
    assert (body['useCustomEnabled'], body['useCustomPermissions']) == (True, False)
    assert {
        'callType': 'NATIONAL',
        'action': 'BLOCK',
        'transferEnabled': True,
        'isCallTypeRestrictionEnabled': False,
    } in (body['callingPermissions'])
    assert call(sandbox, 'GET', old).json() == body


def test_defaults_parse_into_the_sdk_models_for_each_kind(api, org):
    ws = next(w['id'] for w in org.workspaces.values() if w['calling']['type'] == 'webexCalling')

    location = api.telephony.location.permissions_out.read(SEDE_CENTRAL_ID)
    person = api.person_settings.permissions_out.read(LUCIA_ID)
    workspace = api.workspace_settings.permissions_out.read(ws)

    assert location.use_custom_enabled is None and location.calling_permissions.international.action == 'BLOCK'
    for settings in (person, workspace):
        assert (settings.use_custom_enabled, settings.use_custom_permissions) == (False, False)
        assert settings.calling_permissions.premium_services_ii.transfer_enabled is False
    assert isinstance(person, OutgoingPermissions)


def test_an_sdk_round_trip_keeps_everything_and_changes_what_was_changed(api, org):
    pid = LUCIA_ID
    settings = api.person_settings.permissions_out.read(pid)
    settings.use_custom_enabled = settings.use_custom_permissions = True
    settings.calling_permissions.toll_free.action = 'AUTH_CODE'

    api.person_settings.permissions_out.configure(pid, settings)

    assert stored(org, 'person', pid) == {
        **DEFAULTS,
        'use_custom_enabled': True,
        'use_custom_permissions': True,
        'TOLL_FREE': {'action': 'AUTH_CODE', 'transfer_enabled': True},
    }


@pytest.mark.parametrize(
    ('entry', 'named'),
    [
        ({'callType': 'LOCAL', 'action': 'BLOCK'}, 'LOCAL'),
        ({'callType': 'NATIONAL', 'action': 'DENY'}, 'DENY'),
        ({'callType': 'NATIONAL', 'action': 'BLOCK', 'transferEnabled': 'no'}, 'transferEnabled'),
    ],
)
def test_an_invalid_entry_is_a_400_and_changes_nothing(sandbox, org, entry, named):
    loc = SEDE_CENTRAL_ID
    path = f'/telephony/config/locations/{loc}/outgoingPermission'
    body = {'callingPermissions': [{'callType': 'TOLL_FREE', 'action': 'BLOCK'}, entry]}

    response = call(sandbox, 'PUT', path, body)

    assert response.status_code == 400
    assert named in response.text
    assert stored(org, 'location', loc) == DEFAULTS


def test_a_restricted_call_type_cannot_change_but_may_be_echoed(sandbox, org):
    loc = SEDE_CENTRAL_ID
    seed(org, 'location', loc, INTERNATIONAL=('BLOCK', False, True))
    path = f'/telephony/config/locations/{loc}/outgoingPermission'

    echoed = call(
        sandbox,
        'PUT',
        path,
        {'callingPermissions': [{'callType': 'INTERNATIONAL', 'action': 'BLOCK', 'transferEnabled': False}]},
    )
    changed = call(sandbox, 'PUT', path, {'callingPermissions': [{'callType': 'INTERNATIONAL', 'action': 'ALLOW'}]})

    assert echoed.status_code == 204
    assert changed.status_code == 400 and 'INTERNATIONAL' in changed.json()['message']


@pytest.mark.parametrize('method', ['GET', 'PUT'])
def test_unknown_entities_and_entities_without_calling_are_404(sandbox, org, method):
    body = {'callingPermissions': []} if method == 'PUT' else None
    no_calling_ws = next(w['id'] for w in org.workspaces.values() if w['calling']['type'] != 'webexCalling')
    paths = [
        f'/telephony/config/people/{UNKNOWN_PERSON_ID}/outgoingPermission',
        f'/telephony/config/people/{ADMIN_ID}/outgoingPermission',
        f'/workspaces/{no_calling_ws}/features/outgoingPermission',
        '/telephony/config/locations/Y2lzY29zcGFyazovL3VzL0xPQ0FUSU9OL25vbmU/outgoingPermission',
    ]

    assert [call(sandbox, method, path, body).status_code for path in paths] == [404] * 4
    assert org.outgoing_permissions == {}
