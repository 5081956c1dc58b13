"""Internal dialing of a calling location (``/v1/telephony/config/locations/{id}/internalDialing``): whether calls
to unknown extensions go to a premises trunk or route group, and which.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import BadRequest
from . import premises_pstn, telephony_locations
from .checks import flag, missing, obj, require

if TYPE_CHECKING:
    from .org import Org

ENABLE = 'enable_unknown_extension_route_policy'
IDENTITY = 'unknown_extension_route_identity'


def read(org: Org, location_id: str) -> dict[str, Any]:
    """The settings (policy off for a location never configured), the route with its current name; 404 when the
    location is not enabled for calling."""
    telephony_locations.get(org, location_id)
    record = org.internal_dialing.get(location_id, {ENABLE: False, IDENTITY: None})
    identity = record[IDENTITY]
    if identity is None:
        return {ENABLE: record[ENABLE]}
    name = premises_pstn.route_name(org, identity['type'], identity['id'])
    return {ENABLE: record[ENABLE], IDENTITY: {**identity, 'name': name}}


def update(org: Org, location_id: str, data: dict[str, Any]) -> None:
    """Replace the settings from ``{enable_unknown_extension_route_policy, unknown_extension_route_identity?}``.

    400 when the flag is missing or not a boolean, the policy is enabled without a route, or the route is not a
    trunk or route group of the org; 404 when the location is not enabled for calling. A ``name`` in the route is
    ignored (Webex derives it).
    """
    telephony_locations.get(org, location_id)
    require(missing(data, (ENABLE,)))
    enabled = flag(data, ENABLE)
    identity = obj(data, IDENTITY)
    if identity is not None:
        premises_pstn.check_route(
            org,
            identity.get('type'),
            identity.get('id'),
            'unknownExtensionRouteIdentity.type',
            'unknownExtensionRouteIdentity.id',
        )
        identity = {'id': identity['id'], 'type': identity['type']}
    if enabled and identity is None:
        raise BadRequest(
            'unknownExtensionRouteIdentity is required when enableUnknownExtensionRoutePolicy is true.',
        )
    org.internal_dialing[location_id] = {ENABLE: enabled, IDENTITY: identity}
