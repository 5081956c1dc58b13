"""The sandbox's /v1/workspaces through the real wxc_sdk: models parse, Webex's rules hold, and the exchanges
validate against webex-device.json (its defect for 204 answers worked around, as tests/support/openapi.py lists)."""

from typing import Any

import pytest
from wxc_sdk import WebexSimpleApi
from wxc_sdk.workspaces import CallingType, Workspace, WorkspaceCalling, WorkspaceWebexCalling

from tests.support.openapi import Recording, drop_204_content, load_spec, validate
from tests.support.webex import status_of
from transformacion.sandbox import Sandbox

SEDE = 'Sede Central'


def sede_id(api: WebexSimpleApi) -> str:
    return api.locations.by_name(SEDE).location_id


def calling(location_id: str | None, extension: str | None = None, number: str | None = None, **extra: Any):
    webex = WorkspaceWebexCalling(location_id=location_id, extension=extension, phone_number=number, **extra)
    return WorkspaceCalling(type=CallingType.webex, webex_calling=webex)


def create(api: WebexSimpleApi, name: str, location_id: str | None, **fields: Any) -> Workspace:
    return api.workspaces.create(Workspace(display_name=name, location_id=location_id, **fields))


def test_seeded_workspaces_cover_every_calling_kind(api: WebexSimpleApi) -> None:
    seeded = {ws.display_name: str(ws.calling.type) for ws in api.workspaces.list(location_id=sede_id(api))}

    assert seeded == {
        'Recepción Sede Central': 'webexCalling',
        'Sala Goya': 'freeCalling',
        'Sala Velázquez': 'hybridCalling',
    }


def test_create_defaults_then_details_update_and_delete(api: WebexSimpleApi, sandbox: Sandbox) -> None:
    created = create(api, 'Sala Murillo', sede_id(api), capacity=6)

    assert created.calling.type == CallingType.free
    assert str(created.supported_devices) == 'collaborationDevices'
    assert created.planned_maintenance.mode == 'off'
    details = api.workspaces.details(created.workspace_id)
    details.notes = 'Proyector'
    updated = api.workspaces.update(created.workspace_id, details)
    assert (updated.notes, updated.capacity) == ('Proyector', 6)
    api.workspaces.delete_workspace(created.workspace_id)
    assert status_of(lambda: api.workspaces.details(created.workspace_id))[0] == 404


def test_webex_calling_numbers_are_read_from_the_features_endpoint_only(api: WebexSimpleApi, sandbox: Sandbox) -> None:
    created = create(api, 'Almacén', sede_id(api), supported_devices='phones', calling=calling(sede_id(api), '1950'))

    assert created.calling.webex_calling.extension is None
    numbers = api.workspace_settings.numbers.read(created.workspace_id)
    assert [(n.extension, n.external, n.esn) for n in numbers.phone_numbers] == [('1950', None, '80011950')]
    assert numbers.location.name == SEDE
    assert sandbox.journal()[-1]['path'].endswith('/features/numbers/')


def test_numbers_of_a_workspace_without_webex_calling_are_not_found(api: WebexSimpleApi) -> None:
    goya = next(iter(api.workspaces.list(display_name='Sala Goya')))

    assert status_of(lambda: api.workspace_settings.numbers.read(goya.workspace_id))[0] == 404


def test_list_filters_and_pages(api: WebexSimpleApi, sandbox: Sandbox) -> None:
    for name in ('Puesto 1', 'Puesto 2', 'Puesto 3'):
        create(api, name, sede_id(api))

    assert [ws.display_name for ws in api.workspaces.list(display_name='puesto', max=2)] == [
        'Puesto 1',
        'Puesto 2',
        'Puesto 3',
    ]
    assert len([e for e in sandbox.journal() if e['method'] == 'GET' and e['path'] == '/v1/workspaces']) == 2
    assert list(api.workspaces.list(display_name='puesto', location_id=sandbox.org.admin_id)) == []
    assert {ws.display_name for ws in api.workspaces.list(calling=CallingType.webex)} == {'Recepción Sede Central'}


@pytest.mark.parametrize(
    ('fields', 'status', 'message'),
    [
        ({'display_name': 'Sala Goya'}, 409, "A workspace named 'Sala Goya' already exists in this location."),
        ({'calling': calling(None, '1950'), 'location_id': None}, 400, 'Missing required field(s): locationId.'),
        ({'calling': calling('SEDE', '1001')}, 409, 'calling.webexCalling.extension 1001 is already assigned'),
        ({'calling': calling('SEDE', '1900')}, 409, 'calling.webexCalling.extension 1900 is already assigned'),
        ({'calling': calling('SEDE', None, '+34910000001')}, 409, 'phoneNumber +34910000001 is already assigned'),
        ({'calling': calling('SEDE', None, '+34919999999')}, 400, '+34919999999 is not a number of the location'),
        ({'calling': calling('SEDE')}, 400, 'needs calling.webexCalling.phoneNumber or calling.webexCalling.extension'),
    ],
)
def test_create_is_refused_like_webex_does(
    api: WebexSimpleApi, sandbox: Sandbox, fields: dict[str, Any], status: int, message: str
) -> None:
    location_id = sede_id(api)
    if 'calling' in fields and fields['calling'].webex_calling.location_id == 'SEDE':
        fields['calling'].webex_calling.location_id = location_id
    fields = {'display_name': 'Almacén', 'location_id': location_id, **fields}
    before = sandbox.org.dump()['workspaces']

    got = status_of(lambda: api.workspaces.create(Workspace(**fields)))

    assert got[0] == status and message in got[1]
    assert sandbox.org.dump()['workspaces'] == before


def test_a_license_without_units_is_refused(api: WebexSimpleApi, sandbox: Sandbox) -> None:
    licenses = {lic.name: lic for lic in api.licenses.list()}
    workspaces_license = licenses['Webex Calling - Workspaces'].license_id
    with sandbox.org.lock:
        sandbox.org.licenses[workspaces_license]['total_units'] = 0

    status, message = status_of(
        lambda: create(
            api, 'Almacén', sede_id(api), calling=calling(sede_id(api), '1950', licenses=[workspaces_license])
        )
    )

    assert (
        status == 400 and "No available units for the Webex Calling license(s) 'Webex Calling - Workspaces'" in message
    )
    basic = licenses['Webex Calling - Basic'].license_id
    status, message = status_of(
        lambda: create(api, 'Almacén', sede_id(api), calling=calling(sede_id(api), '1950', licenses=[basic]))
    )
    assert status == 400 and 'cannot be assigned to a workspace' in message


def test_location_devices_and_hybrid_calling_cannot_change(api: WebexSimpleApi, sandbox: Sandbox) -> None:
    other = api.locations.create(
        'Oficina Bilbao', 'Europe/Madrid', 'es_ES', 'es_es', 'Gran Vía 1', 'Bilbao', 'BI', '48001', 'ES'
    )
    goya = next(iter(api.workspaces.list(display_name='Sala Goya')))
    velazquez = next(iter(api.workspaces.list(display_name='Sala Velázquez')))

    moved = Workspace(display_name='Sala Goya', location_id=other)
    assert status_of(lambda: api.workspaces.update(goya.workspace_id, moved)) == (
        400,
        'locationId cannot be changed once configured.',
    )
    to_calling = Workspace(display_name='Sala Velázquez', calling=calling(sede_id(api), '1950'))
    assert status_of(lambda: api.workspaces.update(velazquez.workspace_id, to_calling))[0] == 400
    echoed = api.workspaces.details(velazquez.workspace_id)
    assert api.workspaces.update(velazquez.workspace_id, echoed).calling.type == 'hybridCalling'


def test_a_free_calling_workspace_moves_to_webex_calling_and_back_releasing_its_number(
    api: WebexSimpleApi, sandbox: Sandbox
) -> None:
    goya = api.workspaces.details(next(iter(api.workspaces.list(display_name='Sala Goya'))).workspace_id)
    goya.calling = calling(sede_id(api), '1951', '+34910000008')

    assert api.workspaces.update(goya.workspace_id, goya).calling.type == CallingType.webex
    assert sandbox.org.numbers['+34910000008']['owner']['id'] == goya.workspace_id
    goya.calling = WorkspaceCalling(type=CallingType.free)
    api.workspaces.update(goya.workspace_id, goya)
    assert sandbox.org.numbers['+34910000008']['owner'] is None
    assert 'extension' not in sandbox.org.workspaces[goya.workspace_id]


def scenario(api: WebexSimpleApi) -> None:
    """Create, list, read, update and delete a workspace with Webex Calling."""
    location_id = sede_id(api)
    created = create(api, 'Almacén', location_id, supported_devices='phones', calling=calling(location_id, '1950'))
    list(api.workspaces.list(display_name='a', location_id=location_id, max=1))
    details = api.workspaces.details(created.workspace_id)
    details.capacity = 3
    api.workspaces.update(created.workspace_id, details)
    api.workspaces.delete_workspace(created.workspace_id)


def test_exchanges_conform_to_webex_device_spec(recorded: Recording) -> None:
    journal = [e for e in recorded.journal if e['path'].startswith('/v1/workspaces')]
    spec = load_spec('webex-device.json', ('/workspaces',), recorded.base_url)

    validate(drop_204_content(spec, '/workspaces/{workspaceId}', 'delete'), recorded.base_url, journal)

    assert {(e['method'], e['status']) for e in journal} == {('POST', 201), ('GET', 200), ('PUT', 200), ('DELETE', 204)}
