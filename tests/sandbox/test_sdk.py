"""The sandbox through the real wxc_sdk client: every served endpoint parses into the SDK's models."""

import pytest
from wxc_sdk import WebexSimpleApi
from wxc_sdk.locations import Location, LocationAddress
from wxc_sdk.rest import RestError
from wxc_sdk.telephony.location import CallingLineId, PSTNConnection, TelephonyLocation

from transformacion.sandbox import Sandbox
from transformacion.sandbox.state import load_fixture

SEDE = 'Sede Central'
SEED_LOCATIONS = [loc['name'] for loc in load_fixture()['locations'].values()]


def create_location(api: WebexSimpleApi, name: str = 'Sucursal Norte', **overrides: str) -> str:
    args = dict(
        name=name,
        time_zone='Europe/Madrid',
        preferred_language='es_ES',
        announcement_language='es_es',
        address1='Calle Mayor 1',
        city='Bilbao',
        state='Bizkaia',
        postal_code='48001',
        country='ES',
    )
    return api.locations.create(**{**args, **overrides})


def enable(api: WebexSimpleApi, location_id: str, language: str | None = 'es_es') -> str:
    location = api.locations.details(location_id)
    location.announcement_language = language
    return api.telephony.location.enable_for_calling(location)


def sede(api: WebexSimpleApi) -> Location:
    return api.locations.by_name(SEDE)


def test_me_is_the_seeded_admin_of_the_seeded_org(api: WebexSimpleApi, sandbox: Sandbox) -> None:
    me = api.people.me()
    orgs = api.organizations.list()

    assert me.person_id == sandbox.org.admin_id
    assert me.emails == ['admin@transformacion-demo.example.com']
    assert [org.display_name for org in orgs] == ['Transformacion Demo S.A.']
    assert api.organizations.details(me.org_id).org_id == orgs[0].org_id


def test_calling_licenses_are_recognised_by_the_sdk(api: WebexSimpleApi) -> None:
    licenses = {lic.name: lic for lic in api.licenses.list()}

    assert licenses['Webex Calling - Professional'].webex_calling_professional
    assert licenses['Webex Calling - Basic'].webex_calling_basic
    assert licenses['Webex Calling - Workspaces'].webex_calling_workspaces
    assert not licenses['Meeting - Webex Meetings'].webex_calling
    assert licenses['Webex Calling - Professional'].lic_type == 'BCSTD'
    pro = licenses['Webex Calling - Professional']
    assert api.licenses.details(pro.license_id).name == pro.name


def test_calling_licenses_come_one_per_subscription_the_older_one_exhausted(api: WebexSimpleApi) -> None:
    for name in ('Webex Calling - Professional', 'Webex Calling - Workspaces'):
        same_name = [lic for lic in api.licenses.list() if lic.name == name]

        assert [(lic.subscription_id, lic.total_units, lic.consumed_units) for lic in same_name] == [
            ('Sub-TRANSF-0000', 1, 1),
            ('Sub-TRANSF-0001', 50 if 'Professional' in name else 10, 0),
        ]
        assert len({lic.license_id for lic in same_name}) == 2


def test_license_holders_are_listed(api: WebexSimpleApi) -> None:
    meetings = next(lic for lic in api.licenses.list() if lic.name == 'Meeting - Webex Meetings')

    holders = list(api.licenses.assigned_users(meetings.license_id))

    assert sorted(user.email for user in holders) == [
        'admin@transformacion-demo.example.com',
        'lucia.martin@transformacion-demo.example.com',
    ]


def test_people_filters_and_calling_data(api: WebexSimpleApi) -> None:
    lucia = next(iter(api.people.list(email='LUCIA.MARTIN@transformacion-demo.example.com')))
    with_calling = next(iter(api.people.list(email=lucia.emails[0], calling_data=True)))
    at_sede = list(api.people.list(location_id=sede(api).location_id, calling_data=True))

    assert lucia.display_name == 'Lucía Martín'
    assert lucia.extension is None and lucia.location_id is None
    assert (with_calling.extension, with_calling.location_id) == ('1001', sede(api).location_id)
    assert [p.display_name for p in api.people.list(display_name='jor')] == ['Jorge Ruiz']
    assert sorted(p.extension for p in at_sede) == ['1001', '1002']
    assert api.people.details(lucia.person_id, calling_data=True).tn.value == '+34910000001'


def test_create_then_read_and_update_a_location(api: WebexSimpleApi) -> None:
    location_id = create_location(api, latitude='43.26', notes='Nueva')

    created = api.locations.details(location_id)
    api.locations.update(location_id, Location(name='Sucursal Norte II', address=LocationAddress(city='Getxo')))
    updated = api.locations.details(location_id)

    assert created.name == 'Sucursal Norte' and created.time_zone == 'Europe/Madrid'
    assert created.address.postal_code == '48001' and created.latitude == 43.26
    assert updated.name == 'Sucursal Norte II'
    assert (updated.address.city, updated.address.address1) == ('Getxo', 'Calle Mayor 1')
    assert [loc.name for loc in api.locations.list(name='norte')] == ['Sucursal Norte II']
    assert api.locations.by_name('Sucursal Norte II').location_id == location_id


def test_duplicate_location_name_is_a_conflict(api: WebexSimpleApi) -> None:
    with pytest.raises(RestError) as raised:
        create_location(api, name='sede central')

    assert raised.value.response.status_code == 409
    assert 'already exists' in raised.value.detail.message
    assert raised.value.detail.errors[0].error_code == 4090
    assert raised.value.detail.tracking_id.startswith('SIMPLE_')


def test_invalid_location_fields_are_rejected(api: WebexSimpleApi) -> None:
    with pytest.raises(RestError) as bad_zone:
        create_location(api, time_zone='Mars/Olympus')
    with pytest.raises(RestError) as missing:
        api.session.rest_post(api.locations.ep(), json={'name': 'X', 'address': {'city': 'Bilbao'}})

    assert bad_zone.value.response.status_code == 400
    assert 'timeZone' in bad_zone.value.detail.message
    assert missing.value.response.status_code == 400
    assert 'timeZone' in missing.value.detail.message
    assert 'address.postalCode' in missing.value.detail.message
    assert len(missing.value.detail.errors) == 7
    assert [loc.name for loc in api.locations.list()] == SEED_LOCATIONS


def test_unknown_location_is_not_found(api: WebexSimpleApi) -> None:
    with pytest.raises(RestError) as raised:
        api.locations.details('Y2lzY29zcGFyazovL3VzL0xPQ0FUSU9OL25vbmU')

    assert raised.value.response.status_code == 404
    assert raised.value.detail.message == 'Location not found.'


def test_enable_a_location_for_calling(api: WebexSimpleApi) -> None:
    location_id = create_location(api)

    with pytest.raises(RestError) as no_language:
        enable(api, location_id, language=None)
    with pytest.raises(RestError) as upper_case:
        enable(api, location_id, language='es_ES')
    with pytest.raises(RestError) as not_enabled:
        api.telephony.location.details(location_id)
    enabled_id = enable(api, location_id)
    details = api.telephony.location.details(location_id)
    with pytest.raises(RestError) as twice:
        enable(api, location_id)

    assert [e.value.response.status_code for e in (no_language, upper_case, not_enabled)] == [400, 400, 404]
    assert 'announcementLanguage' in no_language.value.detail.message
    assert enabled_id == location_id
    assert (details.name, details.announcement_language, details.user_limit) == ('Sucursal Norte', 'es_es', 500000)
    assert details.calling_line_id.name == 'Transformacion Demo S.A.'
    assert twice.value.response.status_code == 409
    assert [loc.name for loc in api.telephony.location.list()] == [*SEED_LOCATIONS, 'Sucursal Norte']
    assert [loc.name for loc in api.telephony.location.list(name='norte')] == ['Sucursal Norte']


def test_enable_unknown_location_is_not_found(api: WebexSimpleApi) -> None:
    location = sede(api)
    location.location_id = 'Y2lzY29zcGFyazovL3VzL0xPQ0FUSU9OL25vbmU'
    location.announcement_language = 'es_es'

    with pytest.raises(RestError) as raised:
        api.telephony.location.enable_for_calling(location)

    assert raised.value.response.status_code == 404


def test_calling_name_is_limited_to_80_characters(api: WebexSimpleApi) -> None:
    long_name = 'N' * 81
    location_id = create_location(api, name=long_name)

    with pytest.raises(RestError) as enabling:
        enable(api, location_id)
    with pytest.raises(RestError) as renaming:
        api.locations.update(sede(api).location_id, Location(name='M' * 81))

    assert enabling.value.response.status_code == 400
    assert renaming.value.response.status_code == 400


def test_update_calling_details(api: WebexSimpleApi, sandbox: Sandbox) -> None:
    sede_id = sede(api).location_id
    route_group_id = next(iter(sandbox.org.route_groups))
    settings = TelephonyLocation(
        calling_line_id=CallingLineId(phone_number='+34910000005'),
        outside_dial_digit='9',
        connection=PSTNConnection(type='ROUTE_GROUP', id=route_group_id),
    )

    job_id = api.telephony.location.update(sede_id, settings)
    details = api.telephony.location.details(sede_id)

    assert job_id is None
    assert details.calling_line_id.phone_number == '+34910000005'
    assert details.calling_line_id.name == 'Transformacion Demo'
    assert (details.routing_prefix, details.outside_dial_digit) == ('8001', '9')
    assert (details.connection.type, details.connection.id) == ('ROUTE_GROUP', route_group_id)


@pytest.mark.parametrize(
    ('settings', 'status', 'field'),
    [
        (TelephonyLocation(calling_line_id=CallingLineId(phone_number='+34919999999')), 400, 'callingLineId'),
        (TelephonyLocation(outside_dial_digit='99'), 400, 'outsideDialDigit'),
        (TelephonyLocation(routing_prefix='80a'), 400, 'routingPrefix'),
        (TelephonyLocation(announcement_language='es_ES'), 400, 'announcementLanguage'),
        (TelephonyLocation(connection=PSTNConnection(type='TRUNK', id='nope')), 400, 'connection.id'),
    ],
)
def test_invalid_calling_details_are_rejected(
    api: WebexSimpleApi, settings: TelephonyLocation, status: int, field: str
) -> None:
    sede_id = sede(api).location_id

    with pytest.raises(RestError) as raised:
        api.telephony.location.update(sede_id, settings)

    assert raised.value.response.status_code == status
    assert field in raised.value.detail.message
    assert api.telephony.location.details(sede_id).routing_prefix == '8001'


def test_routing_prefix_is_unique(api: WebexSimpleApi) -> None:
    location_id = create_location(api)
    enable(api, location_id)

    with pytest.raises(RestError) as raised:
        api.telephony.location.update(location_id, TelephonyLocation(routing_prefix='8001'))

    assert raised.value.response.status_code == 400
    assert raised.value.detail.code == 5600
