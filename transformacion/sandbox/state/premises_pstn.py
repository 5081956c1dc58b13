"""Premises PSTN (``/v1/telephony/config/premisePstn``): trunks and route groups, read side.

The fixture seeds them (``Org.trunks``, ``Org.route_groups``); a trunk or route group is in use when a location's
PSTN connection, a route group (for a trunk) or a location's unknown-extension routing points at it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import BadRequest, NotFound

if TYPE_CHECKING:
    from .org import Org

ROUTE_TYPES = ('TRUNK', 'ROUTE_GROUP')
#: Fields of a trunk record that ``GET .../trunks/{id}`` shows as they are.
TRUNK_DETAIL_FIELDS = (
    'id',
    'name',
    'otg_dtg_id',
    'line_port',
    'pilot_user_id',
    'outbound_proxy',
    'sip_authentication_user_name',
    'status',
    'dual_identity_support_enabled',
    'trunk_type',
    'device_type',
    'max_concurrent_calls',
    'is_restricted_to_dedicated_instance',
)


def route_exists(org: Org, route_type: str, route_id: str) -> bool:
    """True when ``route_id`` is a trunk (``TRUNK``) or a route group (``ROUTE_GROUP``) of the org."""
    return route_id in (org.trunks if route_type == 'TRUNK' else org.route_groups)


def check_route(org: Org, route_type: Any, route_id: Any, type_field: str, id_field: str) -> None:
    """400 unless ``route_type`` is TRUNK or ROUTE_GROUP and ``route_id`` one of the org's of that type."""
    if route_type not in ROUTE_TYPES:
        raise BadRequest(f'Invalid value for {type_field}: {route_type!r}; expected TRUNK or ROUTE_GROUP.')
    if not isinstance(route_id, str) or not route_exists(org, route_type, route_id):
        kind = 'trunk' if route_type == 'TRUNK' else 'route group'
        raise BadRequest(f'Invalid value for {id_field}: no {kind} with id {route_id!r}.')


def route_name(org: Org, route_type: str, route_id: str) -> str | None:
    targets = org.trunks if route_type == 'TRUNK' else org.route_groups
    return targets.get(route_id, {}).get('name')


def _pointing_at(org: Org, route_id: str) -> list[str]:
    """Ids of the locations whose PSTN connection or unknown-extension routing uses ``route_id``."""
    using = [loc_id for loc_id, rec in org.calling_locations.items() if rec.get('connection', {}).get('id') == route_id]
    using += [
        loc_id
        for loc_id, rec in org.internal_dialing.items()
        if (rec.get('unknown_extension_route_identity') or {}).get('id') == route_id
    ]
    return list(dict.fromkeys(using))


def _in_use(org: Org, route_id: str) -> bool:
    in_group = any(gw['id'] == route_id for rg in org.route_groups.values() for gw in rg.get('local_gateways', []))
    return in_group or bool(_pointing_at(org, route_id))


def _id_and_name(org: Org, location_id: str) -> dict[str, str]:
    return {'id': location_id, 'name': org.locations[location_id]['name']}


def _sorted(rows: list[dict[str, Any]], order: str | None, key: Any) -> list[dict[str, Any]]:
    """``rows`` sorted by ``key`` when an ``order`` is given; descending when it says ``desc``."""
    if order is None:
        return rows
    return sorted(rows, key=key, reverse='desc' in order.lower())


def trunks(
    org: Org,
    *,
    name: str | None = None,
    location_name: str | None = None,
    trunk_type: str | None = None,
    order: str | None = None,
) -> list[dict[str, Any]]:
    """Rows of ``GET .../trunks``; ``name`` and ``location_name`` match a part, case-insensitively."""
    rows = []
    for trunk in org.trunks.values():
        location = _id_and_name(org, trunk['location_id'])
        if name is not None and name.lower() not in trunk['name'].lower():
            continue
        if location_name is not None and location_name.lower() not in location['name'].lower():
            continue
        if trunk_type is not None and trunk['trunk_type'] != trunk_type:
            continue
        rows.append(
            {
                'id': trunk['id'],
                'name': trunk['name'],
                'location': location,
                'in_use': _in_use(org, trunk['id']),
                'trunk_type': trunk['trunk_type'],
                'is_restricted_to_dedicated_instance': trunk['is_restricted_to_dedicated_instance'],
            }
        )
    by_location = order is not None and order.lower().startswith('locationname')
    return _sorted(rows, order, lambda row: (row['location']['name'] if by_location else row['name']).lower())


def trunk(org: Org, trunk_id: str) -> dict[str, Any]:
    """``GET .../trunks/{id}``; 404 for an unknown trunk."""
    record = org.trunks.get(trunk_id)
    if record is None:
        raise NotFound('Trunk not found.')
    return {
        **{key: record[key] for key in TRUNK_DETAIL_FIELDS},
        'organization': {'id': org.id, 'name': org.display_name},
        'location': _id_and_name(org, record['location_id']),
        'locations_using_trunk': [_id_and_name(org, loc_id) for loc_id in _pointing_at(org, trunk_id)],
        'error_codes': [],
        'response_status': [],
    }


def route_groups(org: Org, *, name: str | None = None, order: str | None = None) -> list[dict[str, Any]]:
    """Rows of ``GET .../routeGroups``; ``name`` matches a part, case-insensitively; ``order`` asc or desc."""
    rows = [
        {'id': rg['id'], 'name': rg['name'], 'in_use': _in_use(org, rg['id'])}
        for rg in org.route_groups.values()
        if name is None or name.lower() in rg['name'].lower()
    ]
    return _sorted(rows, order, lambda row: row['name'].lower())


def route_group(org: Org, rg_id: str) -> dict[str, Any]:
    """``GET .../routeGroups/{id}`` (no id in the body, as Webex answers); 404 for an unknown route group."""
    record = org.route_groups.get(rg_id)
    if record is None:
        raise NotFound('Route group not found.')
    gateways = [
        {
            'id': gw['id'],
            'name': org.trunks[gw['id']]['name'],
            'location_id': org.trunks[gw['id']]['location_id'],
            'priority': gw['priority'],
        }
        for gw in record.get('local_gateways', [])
    ]
    return {
        'name': record['name'],
        'organization': {'id': org.id, 'name': org.display_name},
        'local_gateways': gateways,
    }
