"""Locations: the general settings of a location as a flat state, and its PSTN connection
(``GET /telephony/pstn/locations/{id}/connection``) normalised."""

from __future__ import annotations

from typing import Any

from transformacion.core.context import Context

ADDRESS_FIELDS = ('address1', 'address2', 'city', 'state', 'postal_code', 'country')


def location_state(location: Any) -> dict[str, Any]:
    address = location.address
    state = {
        'time_zone': location.time_zone,
        'preferred_language': location.preferred_language,
    }
    state.update({field: getattr(address, field, None) if address else None for field in ADDRESS_FIELDS})
    return state


LOCAL_GATEWAY = 'LOCAL_GATEWAY'


#: Connection types Webex does not let the API set (documented for PUT .../connection): Control Hub only.
NOT_SETTABLE = ('INTEGRATED_CCP', 'CISCO_PSTN')


NO_CONNECTION = {'pstnConnectionType': None, 'id': None, 'routeType': None, 'routeId': None}


def wire_value(value: Any) -> str | None:
    """An SDK enum field as on the wire (the SDK keeps either the enum or its value)."""
    return getattr(value, 'value', value)


def connection_path(location_id: str) -> str:
    return f'/telephony/pstn/locations/{location_id}/connection'


def read_connection(api: Any, ctx: Context, location_id: str) -> dict[str, Any]:
    """The current PSTN connection, normalised; all None when the location has none yet (404)."""
    try:
        current = ctx.call(api.telephony.pstn.read, location_id, org_id=ctx.org_id)
    except Exception as exc:
        if getattr(getattr(exc, 'response', None), 'status_code', None) == 404:
            return {**NO_CONNECTION, 'displayName': None}
        raise
    kind = wire_value(current.pstn_connection_type)
    state = {**NO_CONNECTION, 'pstnConnectionType': kind, 'displayName': current.display_name}
    if kind == LOCAL_GATEWAY:
        state.update(routeType=wire_value(current.route_type), routeId=current.route_id)
    elif kind is not None:
        state['id'] = current.id
    return state
