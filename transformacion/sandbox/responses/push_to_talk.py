"""HTTP layer of Push-to-Talk (intercom): ``/people/{id}/features/pushToTalk`` and
``/telephony/config/workspaces/{id}/pushToTalk`` (GET the settings, PUT the fields to change, 204)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..routing import Handler, Request, Response, Route
from ..state import push_to_talk
from ..state.features import PERSON, WORKSPACE
from ..wire import from_wire, to_wire

if TYPE_CHECKING:
    from ..state.org import Org

PERSON_PATH = '/people/(?P<entity_id>[^/]+)/features/pushToTalk'
WORKSPACE_PATH = '/telephony/config/workspaces/(?P<entity_id>[^/]+)/pushToTalk'


def _read(kind: str) -> Handler:
    def handler(req: Request, org: Org) -> Response:
        return Response(body=to_wire(push_to_talk.read(org, kind, req.params['entity_id'])))

    return handler


def _update(kind: str) -> Handler:
    def handler(req: Request, org: Org) -> Response:
        push_to_talk.update(org, kind, req.params['entity_id'], from_wire(req.json_object()))
        return Response(status=204)

    return handler


ROUTES = [
    Route('GET', PERSON_PATH, _read(PERSON)),
    Route('PUT', PERSON_PATH, _update(PERSON)),
    Route('GET', WORKSPACE_PATH, _read(WORKSPACE)),
    Route('PUT', WORKSPACE_PATH, _update(WORKSPACE)),
]
