"""PSTN connection of a calling location (``/v1/telephony/pstn/locations/{id}``): options offered, current, set up.

The org's options are ``Org.pstn_connection_options``; an option with a ``countries`` list (a sandbox-only key, as
cloud-connected providers serve given countries) is offered only to locations in those countries. Each option
record keeps its ``pstn_connection_type`` (LOCAL_GATEWAY, NON_INTEGRATED_CCP, INTEGRATED_CCP, CISCO_PSTN), but only
``GET .../connection`` shows it: the options list serves ``id``, ``displayName`` and ``pstnServices``, as documented
(spec schema ``ConnectionOptionsResponse``). A local gateway connection is the location's ``connection``
(``{type: TRUNK|ROUTE_GROUP, id}``, also shown by ``GET /telephony/config/locations/{id}``); any other is
``Org.pstn_connections[location id] = {id}``, which a fixture may also set for an integrated type (Cisco PSTN,
integrated CCP), as Control Hub does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import BadRequest, NotFound
from . import premises_pstn, telephony_locations
from .checks import text

if TYPE_CHECKING:
    from .org import Org

LOCAL_GATEWAY = 'LOCAL_GATEWAY'
#: Connection types whose locations may get DID and toll-free numbers through ``POST .../numbers`` (Cisco: "only
#: supported for ... non-integrated PSTN connection types such as Local Gateway (LGW) and Non-integrated CPP").
NUMBERS_BY_API = (LOCAL_GATEWAY, 'NON_INTEGRATED_CCP')
#: Connection types Webex documents as "not supported using the API" for updating a location.
NOT_SETTABLE = ('INTEGRATED_CCP', 'CISCO_PSTN')
#: What ``GET .../connectionOptions`` serves of an option (spec schema ``ConnectionOptionsResponse``).
OPTION_FIELDS = ('id', 'display_name', 'pstn_services')
#: What ``GET .../connection`` serves of the chosen option (``ConnectionResponse``; route fields added for LGW).
CONNECTION_FIELDS = (*OPTION_FIELDS, 'pstn_connection_type')


def _public(option: dict[str, Any], keys: tuple[str, ...] = OPTION_FIELDS) -> dict[str, Any]:
    return {key: option[key] for key in keys}


def _offered(org: Org, location_id: str) -> list[dict[str, Any]]:
    telephony_locations.get(org, location_id)
    country = org.locations[location_id]['address']['country']
    return [o for o in org.pstn_connection_options if country in o.get('countries', [country])]


def options(org: Org, location_id: str, service_types: list[str] | None = None) -> list[dict[str, Any]]:
    """The options offered to a calling location (404 otherwise), those with any of ``service_types`` if given."""
    found = _offered(org, location_id)
    if service_types:
        found = [o for o in found if set(service_types) & set(o['pstn_services'])]
    return [_public(o) for o in found]


def current(org: Org, location_id: str) -> dict[str, Any]:
    """The location's PSTN connection; 404 when the location is not a calling location or has none yet."""
    connection = telephony_locations.get(org, location_id).get('connection')
    if connection:
        gateway = next(o for o in org.pstn_connection_options if o['pstn_connection_type'] == LOCAL_GATEWAY)
        return {**_public(gateway, CONNECTION_FIELDS), 'route_type': connection['type'], 'route_id': connection['id']}
    chosen = org.pstn_connections.get(location_id)
    if chosen is None:
        raise NotFound('No PSTN connection is set up for this location.')
    option = next(o for o in org.pstn_connection_options if o['id'] == chosen['id'])
    return _public(option, CONNECTION_FIELDS)


def connection_type(org: Org, location_id: str) -> str | None:
    """The PSTN connection type of a calling location, None when it has none yet (404 when not a calling one)."""
    try:
        return current(org, location_id)['pstn_connection_type']
    except NotFound:
        telephony_locations.get(org, location_id)
        return None


def configure(org: Org, location_id: str, data: dict[str, Any]) -> None:
    """Set up or change the PSTN connection from ``{id?, premise_route_type?, premise_route_id?}``.

    A local gateway takes ``premiseRouteType`` (TRUNK|ROUTE_GROUP) and ``premiseRouteId``; another option takes its
    ``id``. 400 when the option or local gateway is not offered to the location, its type cannot be set through
    the API (Integrated CCP, Cisco PSTN), the trunk or route group does not exist, or a required field is missing.
    """
    offered = _offered(org, location_id)
    option_id = text(data, 'id')
    route_type, route_id = data.get('premise_route_type'), data.get('premise_route_id')
    if route_type is not None or route_id is not None:
        gateway = next((o for o in offered if o['pstn_connection_type'] == LOCAL_GATEWAY), None)
        if gateway is None or option_id not in (None, gateway['id']):
            raise BadRequest('Invalid PSTN connection: a local gateway connection is not available for this location.')
        premises_pstn.check_route(org, route_type, route_id, 'premiseRouteType', 'premiseRouteId')
        telephony_locations.update(org, location_id, {'connection': {'type': route_type, 'id': route_id}})
        org.pstn_connections.pop(location_id, None)
        return
    if option_id is None:
        raise BadRequest(
            'Missing required field(s): id (or premiseRouteType and premiseRouteId for a local gateway).',
            descriptions=['id is required.'],
        )
    option = next((o for o in offered if o['id'] == option_id), None)
    if option is None:
        raise BadRequest(f'Invalid value for id: PSTN connection {option_id!r} is not available for this location.')
    kind = option['pstn_connection_type']
    if kind == LOCAL_GATEWAY:
        raise BadRequest('premiseRouteType and premiseRouteId are required for a local gateway connection.')
    if kind in NOT_SETTABLE:
        raise BadRequest(f'Updating the location with connection type {kind} is currently not supported using the API.')
    calling = telephony_locations.get(org, location_id)
    org.calling_locations[location_id] = {key: value for key, value in calling.items() if key != 'connection'}
    org.pstn_connections[location_id] = {'id': option_id}


def check_numbers_supported(org: Org, location_id: str, number_type: str | None) -> None:
    """400 when numbers cannot be added to the location through the API: DID and toll-free numbers need a Local
    Gateway or non-integrated CCP connection (never an integrated one: Cisco PSTN, integrated CCP), mobile numbers
    any PSTN connection. Webex documents the rule but not its error; the status and wording are the sandbox's.
    404 when the location is not a calling location."""
    kind = connection_type(org, location_id)
    if kind is None:
        raise BadRequest(
            'Phone numbers cannot be added to a location without a PSTN connection; set up its PSTN connection first.'
        )
    if (number_type or 'DID') != 'MOBILE' and kind not in NUMBERS_BY_API:
        raise BadRequest(
            f'Adding phone numbers is only supported for locations with a Local Gateway or non-integrated CCP PSTN '
            f'connection; this location uses {kind}, whose numbers are managed by the PSTN provider.'
        )


def check_removal_supported(org: Org, location_id: str) -> None:
    """400 when numbers cannot be removed from the location through the API: Remove Phone Numbers from a Location
    "is only supported for non-integrated PSTN connection types of Local Gateway (LGW) and Non-integrated CPP" (the
    cloud-calling spec); the status and wording are the sandbox's. 404 when the location is not a calling one."""
    kind = connection_type(org, location_id)
    if kind not in NUMBERS_BY_API:
        raise BadRequest(
            'Removing phone numbers is only supported for locations with a Local Gateway or non-integrated CCP PSTN '
            f'connection; this location uses {kind or "no PSTN connection"}.'
        )
