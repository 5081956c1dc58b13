"""The sandbox areas behind the location actions, driven through wxc_sdk: numbers, PSTN, premises PSTN, internal
dialing. Answers must parse into the SDK models and refuse what Webex refuses (400/404/409)."""

import requests
from wxc_sdk.common import NumberState, RouteIdentity, RouteType
from wxc_sdk.rest import RestError
from wxc_sdk.telephony.location import CallingLineId, TelephonyLocation
from wxc_sdk.telephony.location.internal_dialing import InternalDialing
from wxc_sdk.telephony.location.numbers import TelephoneNumberType

from tests.support.locations import option_id, route_id, seed_numbers
from tests.support.org import SEDE_CENTRAL_ID
from tests.support.webex import status_of
from transformacion.sandbox.state import locations, telephony_locations


def calling_location(sandbox, name, country='ES'):
    """A new location enabled for calling, made directly in the state."""
    address = {'address1': 'Rua Augusta 1', 'city': name, 'state': name, 'postal_code': '1100-048', 'country': country}
    body = {
        'name': name,
        'time_zone': 'Europe/Lisbon',
        'preferred_language': 'pt_PT',
        'announcement_language': 'pt_pt',
        'address': address,
    }
    with sandbox.org.lock:
        location = locations.create(sandbox.org, body)
        telephony_locations.enable(sandbox.org, {**body, 'id': location['id']})
    return location['id']


def raw_post(api, url: str, body: dict) -> requests.Response:
    return requests.post(url, json=body, headers={'Authorization': f'Bearer {api.access_token}'}, timeout=5)


# --------------------------------------------------------------------------- numbers


def test_the_number_list_parses_and_carries_location_main_number_and_owner(api, sandbox):
    sede = SEDE_CENTRAL_ID
    found = {n.phone_number: n for n in api.telephony.phone_numbers(location_id=sede)}
    assert found['+34910000000'].main_number is True and found['+34910000000'].owner is None
    lucia = found['+34910000001']
    assert (lucia.main_number, lucia.location.name, lucia.owner.first_name) == (False, 'Sede Central', 'Lucía')
    assert (lucia.extension, lucia.esn) == ('1001', '80011001')
    [only] = api.telephony.phone_numbers(phone_number='+34910000003')
    assert only.location.id == sede and only.toll_free_number is False
    assert list(api.telephony.phone_numbers(location_id=sede, state=NumberState.inactive)) == []


def test_adding_numbers_ignores_those_already_there_unless_all_are_and_adds_around_other_locations(api, sandbox):
    lisboa = calling_location(sandbox, 'Lisboa')
    url = api.telephony.location.number.ep(f'{lisboa}/numbers')
    api.telephony.pstn.configure(lisboa, premise_route_type='TRUNK', premise_route_id=route_id(sandbox, 'TRK-MAD-01'))
    api.telephony.location.number.add(lisboa, ['+351210000100', '+351210000101'], state=NumberState.active)
    api.telephony.location.number.add(lisboa, ['+351210000101', '+351210000102'], state=NumberState.inactive)
    assert {n.phone_number: n.state for n in api.telephony.phone_numbers(location_id=lisboa)} == {
        '+351210000100': 'ACTIVE',
        '+351210000101': 'ACTIVE',
        '+351210000102': 'INACTIVE',
    }

    again = raw_post(api, url, {'phoneNumbers': ['+351210000101']})
    partly = raw_post(api, url, {'phoneNumbers': ['+351210000103', '+34910000005']})

    assert again.status_code == 409
    assert (again.json()['errorCode'], again.json()['errors'][0]['errorCode']) == (25223, 8363)
    assert partly.status_code == 400
    [answer] = partly.json()
    assert [(e['number'], e['errorCode']) for e in answer['errors']] == [('+34910000005', '8364')]
    assert sandbox.org.numbers['+351210000103']['location_id'] == lisboa
    assert sandbox.org.numbers['+34910000005']['location_id'] == SEDE_CENTRAL_ID


def test_numbers_are_added_only_where_the_pstn_allows_it(api, sandbox):
    lisboa = calling_location(sandbox, 'Lisboa')
    puerto = api.locations.by_name('Valencia Puerto').location_id
    url = api.telephony.location.number.ep(f'{lisboa}/numbers')

    no_pstn = status_of(api.session.rest_post, url, json={'phoneNumbers': ['+351210000100']})
    cisco = status_of(api.session.rest_post, url.replace(lisboa, puerto), json={'phoneNumbers': ['+34960000300']})
    api.session.rest_post(url.replace(lisboa, puerto), json={'phoneNumbers': ['+34600000300'], 'numberType': 'MOBILE'})
    api.telephony.pstn.configure(lisboa, id=option_id(sandbox, 'Telefonica Cloud Connect'))
    api.session.rest_post(url, json={'phoneNumbers': ['+351210000100']})

    assert no_pstn[0] == 400 and 'without a PSTN connection' in no_pstn[1]
    assert cisco[0] == 400 and 'Local Gateway or non-integrated CCP' in cisco[1] and 'CISCO_PSTN' in cisco[1]
    assert '+34960000300' not in sandbox.org.numbers
    assert sandbox.org.numbers['+34600000300']['location_id'] == puerto
    assert sandbox.org.numbers['+351210000100']['location_id'] == lisboa


def test_adding_numbers_refuses_malformed_numbers_and_too_many_mobiles(api, sandbox):
    sede = SEDE_CENTRAL_ID
    url = api.telephony.location.number.ep(f'{sede}/numbers')
    status, message = status_of(api.session.rest_post, url, json={'phoneNumbers': ['+34910000100', '910000101']})
    assert status == 400 and '910000101' in message and 'E.164' in message
    mobiles = [f'+3460000{n:04d}' for n in range(21)]
    status, message = status_of(api.session.rest_post, url, json={'phoneNumbers': mobiles, 'numberType': 'MOBILE'})
    assert (status, message) == (400, 'Only 20 mobile numbers can be added per request.')
    # wxc_sdk's number.add() swallows a 400 (ignore_status=400): only reading back tells that nothing was added
    try:
        assert api.telephony.location.number.add(sede, mobiles, number_type=TelephoneNumberType.mobile).errors == []
    except RestError as error:  # wxc_sdk < 1.28 raises the 400 that >= 1.28 swallows (ignore_status=400)
        assert error.response.status_code == 400
    assert not {'+34910000100', *mobiles} & set(sandbox.org.numbers)


def test_a_location_not_enabled_for_calling_has_no_inventory_to_add_to(api, sandbox):
    with sandbox.org.lock:
        plain = locations.create(
            sandbox.org,
            {
                'name': 'Oficina sin Calling',
                'time_zone': 'Europe/Madrid',
                'preferred_language': 'es_ES',
                'announcement_language': 'es_es',
                'address': {
                    'address1': 'C/ Mayor 1',
                    'city': 'Madrid',
                    'state': 'Madrid',
                    'postal_code': '28013',
                    'country': 'ES',
                },
            },
        )
    status, _ = status_of(api.telephony.location.number.add, plain['id'], ['+34910000300'])
    assert status == 404


def test_the_main_number_must_be_a_number_of_the_location(api, sandbox):
    lisboa = calling_location(sandbox, 'Lisboa')
    settings = TelephonyLocation(calling_line_id=CallingLineId(phone_number='+34910000004'))
    status, message = status_of(api.telephony.location.update, lisboa, settings)
    assert status == 400 and 'callingLineId.phoneNumber' in message
    seed_numbers(sandbox, lisboa, '+351210000100')
    api.telephony.location.update(
        lisboa, TelephonyLocation(calling_line_id=CallingLineId(phone_number='+351210000100'))
    )
    [number] = api.telephony.phone_numbers(phone_number='+351210000100')
    assert number.main_number is True


# --------------------------------------------------------------------------- premises PSTN


def test_trunks_and_route_groups_list_and_details_parse(api, sandbox):
    trunks = {t.name: t for t in api.telephony.prem_pstn.trunk.list()}
    assert set(trunks) == {'TRK-MAD-01', 'TRK-BCN-01'}
    assert trunks['TRK-MAD-01'].in_use is True and trunks['TRK-MAD-01'].location.name == 'Sede Central'
    assert [t.name for t in api.telephony.prem_pstn.trunk.list(name='bcn')] == ['TRK-BCN-01']
    detail = api.telephony.prem_pstn.trunk.details(trunks['TRK-MAD-01'].trunk_id)
    assert [loc.name for loc in detail.locations_using_trunk] == ['Sede Central']
    assert detail.organization.name == sandbox.org.display_name
    [group] = api.telephony.prem_pstn.route_group.list()
    gateways = api.telephony.prem_pstn.route_group.details(group.rg_id).local_gateways
    assert [(gw.name, gw.priority) for gw in gateways] == [('TRK-MAD-01', 1), ('TRK-BCN-01', 2)]


def test_unknown_trunks_and_route_groups_are_404(api, sandbox):
    unknown = route_id(sandbox, 'TRK-MAD-01')[:-4] + 'AAAA'
    assert status_of(api.telephony.prem_pstn.trunk.details, unknown)[0] == 404
    assert status_of(api.telephony.prem_pstn.route_group.details, unknown)[0] == 404


# --------------------------------------------------------------------------- PSTN connection


def test_connection_options_carry_only_the_documented_fields(api, sandbox):
    # the path spelled out: wxc_sdk's endpoint helper for PSTN differs between versions
    url = f'{api.session.BASE}/telephony/pstn/locations/{SEDE_CENTRAL_ID}/connectionOptions'
    items = api.session.rest_get(url)['items']
    assert {tuple(sorted(item)) for item in items} == {('displayName', 'id', 'pstnServices')}
    assert {o.pstn_connection_type for o in api.telephony.pstn.list(SEDE_CENTRAL_ID)} == {None}


def test_connection_options_depend_on_the_country(api, sandbox):
    names = [o.display_name for o in api.telephony.pstn.list(SEDE_CENTRAL_ID)]
    assert names == ['Premises-based PSTN', 'Telefonica Cloud Connect', 'Cisco PSTN']
    lisboa = calling_location(sandbox, 'Lisboa', country='PT')
    assert [o.display_name for o in api.telephony.pstn.list(lisboa)] == ['Premises-based PSTN', 'Cisco PSTN']
    telefonica = option_id(sandbox, 'Telefonica Cloud Connect')
    status, message = status_of(api.telephony.pstn.configure, lisboa, id=telefonica)
    assert status == 400 and 'not available for this location' in message


def test_the_connection_is_read_and_set_for_trunks_route_groups_and_cloud_options(api, sandbox):
    lisboa = calling_location(sandbox, 'Lisboa')
    assert status_of(api.telephony.pstn.read, lisboa)[0] == 404
    group = route_id(sandbox, 'RG-ESPANA')
    api.telephony.pstn.configure(lisboa, premise_route_type='ROUTE_GROUP', premise_route_id=group)
    current = api.telephony.pstn.read(lisboa)
    assert (current.pstn_connection_type, current.route_type, current.route_id) == (
        'LOCAL_GATEWAY',
        'ROUTE_GROUP',
        group,
    )
    assert api.telephony.location.details(lisboa).connection.id == group
    telefonica = option_id(sandbox, 'Telefonica Cloud Connect')
    api.telephony.pstn.configure(lisboa, id=telefonica)
    current = api.telephony.pstn.read(lisboa)
    assert (current.id, current.route_id) == (telefonica, None)
    assert api.telephony.location.details(lisboa).connection is None


def test_the_connection_refuses_unknown_routes_missing_routes_and_what_the_api_cannot_set(api, sandbox):
    sede = SEDE_CENTRAL_ID
    unknown = route_id(sandbox, 'TRK-MAD-01')[:-4] + 'AAAA'
    status, message = status_of(
        api.telephony.pstn.configure, sede, premise_route_type='TRUNK', premise_route_id=unknown
    )
    assert status == 400 and 'premiseRouteId' in message
    status, message = status_of(api.telephony.pstn.configure, sede, id=option_id(sandbox, 'Premises-based PSTN'))
    assert status == 400 and 'premiseRouteType' in message
    status, message = status_of(api.telephony.pstn.configure, sede, id=option_id(sandbox, 'Cisco PSTN'))
    assert status == 400 and 'CISCO_PSTN' in message
    assert status_of(api.telephony.pstn.configure, sede)[0] == 400
    assert sandbox.org.calling_locations[sede]['connection']['id'] == route_id(sandbox, 'TRK-MAD-01')


# --------------------------------------------------------------------------- internal dialing


def test_internal_dialing_reads_updates_and_names_the_route(api, sandbox):
    sede = SEDE_CENTRAL_ID
    assert api.telephony.location.internal_dialing.read(sede).enable_unknown_extension_route_policy is False
    trunk = route_id(sandbox, 'TRK-BCN-01')
    identity = RouteIdentity(id=trunk, type=RouteType.trunk)
    api.telephony.location.internal_dialing.update(
        sede, InternalDialing(enable_unknown_extension_route_policy=True, unknown_extension_route_identity=identity)
    )
    read = api.telephony.location.internal_dialing.read(sede)
    assert (read.unknown_extension_route_identity.route_id, read.unknown_extension_route_identity.name) == (
        trunk,
        'TRK-BCN-01',
    )


def test_internal_dialing_refuses_a_policy_without_route_and_unknown_routes(api, sandbox):
    sede = SEDE_CENTRAL_ID
    dialing = api.telephony.location.internal_dialing
    status, message = status_of(dialing.update, sede, InternalDialing(enable_unknown_extension_route_policy=True))
    assert status == 400 and 'unknownExtensionRouteIdentity' in message
    identity = RouteIdentity(id=route_id(sandbox, 'TRK-MAD-01'), type=RouteType.route_group)
    update = InternalDialing(enable_unknown_extension_route_policy=True, unknown_extension_route_identity=identity)
    status, message = status_of(dialing.update, sede, update)
    assert status == 400 and 'no route group' in message
    assert sede not in sandbox.org.internal_dialing
