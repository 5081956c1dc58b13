"""HTTP layer of call forwarding: ``/people/{id}/features/callForwarding`` and
``/workspaces/{id}/features/callForwarding`` (GET the settings, PUT a partial update, 204)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..routing import Handler, Request, Response, Route
from ..state import call_forwarding
from ..state.features import PERSON, WORKSPACE
from ..wire import from_wire, to_wire

if TYPE_CHECKING:
    from ..state.org import Org

PERSON_PATH = '/people/(?P<entity_id>[^/]+)/features/callForwarding'
WORKSPACE_PATH = '/workspaces/(?P<entity_id>[^/]+)/features/callForwarding'


def _read(kind: str) -> Handler:
    def handler(req: Request, org: Org) -> Response:
        return Response(body=to_wire(call_forwarding.read(org, kind, req.params['entity_id'])))

    return handler


def _update(kind: str) -> Handler:
    def handler(req: Request, org: Org) -> Response:
        call_forwarding.update(org, kind, req.params['entity_id'], from_wire(req.json_object()))
        return Response(status=204)

    return handler


ROUTES = [
    Route('GET', PERSON_PATH, _read(PERSON)),
    Route('PUT', PERSON_PATH, _update(PERSON)),
    Route('GET', WORKSPACE_PATH, _read(WORKSPACE)),
    Route('PUT', WORKSPACE_PATH, _update(WORKSPACE)),
]
