"""HTTP layer of the outgoing calling permissions of locations, people and workspaces.

People are served on both paths wxc_sdk has used: ``/people/{id}/features/outgoingPermission`` (<= 1.37) and
``/telephony/config/people/{id}/outgoingPermission`` (>= 1.38).
"""

from __future__ import annotations

from ..state import permissions
from .entity_settings import ENTITY_ID, settings_routes

ROUTES = settings_routes(
    permissions.get,
    permissions.update,
    (
        (permissions.LOCATION, f'/telephony/config/locations/{ENTITY_ID}/outgoingPermission'),
        (permissions.PERSON, f'/people/{ENTITY_ID}/features/outgoingPermission'),
        (permissions.PERSON, f'/telephony/config/people/{ENTITY_ID}/outgoingPermission'),
        (permissions.WORKSPACE, f'/workspaces/{ENTITY_ID}/features/outgoingPermission'),
    ),
)
