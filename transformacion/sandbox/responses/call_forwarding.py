"""HTTP layer of call forwarding: ``/people/{id}/features/callForwarding`` and
``/workspaces/{id}/features/callForwarding`` (GET the settings, PUT a partial update, 204)."""

from __future__ import annotations

from ..state import call_forwarding
from ..state.features import PERSON, WORKSPACE
from .entity_settings import ENTITY_ID, settings_routes

ROUTES = settings_routes(
    call_forwarding.read,
    call_forwarding.update,
    (
        (PERSON, f'/people/{ENTITY_ID}/features/callForwarding'),
        (WORKSPACE, f'/workspaces/{ENTITY_ID}/features/callForwarding'),
    ),
)
