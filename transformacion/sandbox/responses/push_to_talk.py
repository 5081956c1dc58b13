"""HTTP layer of Push-to-Talk (intercom): ``/people/{id}/features/pushToTalk`` and
``/telephony/config/workspaces/{id}/pushToTalk`` (GET the settings, PUT the fields to change, 204)."""

from __future__ import annotations

from ..state import push_to_talk
from ..state.features import PERSON, WORKSPACE
from .entity_settings import ENTITY_ID, settings_routes

ROUTES = settings_routes(
    push_to_talk.read,
    push_to_talk.update,
    (
        (PERSON, f'/people/{ENTITY_ID}/features/pushToTalk'),
        (WORKSPACE, f'/telephony/config/workspaces/{ENTITY_ID}/pushToTalk'),
    ),
)
