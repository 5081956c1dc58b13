"""HTTP layer of the outgoing calling permissions of locations, people and workspaces.

People are served on both paths wxc_sdk has used: ``/people/{id}/features/outgoingPermission`` (<= 1.37) and
``/telephony/config/people/{id}/outgoingPermission`` (>= 1.38).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..routing import Handler, Request, Response, Route
from ..state import permissions
from ..wire import from_wire, to_wire

if TYPE_CHECKING:
    from ..state.org import Org

ENTITY_ID = '(?P<entity_id>[^/]+)'
PATHS = (
    (permissions.LOCATION, f'/telephony/config/locations/{ENTITY_ID}/outgoingPermission'),
    (permissions.PERSON, f'/people/{ENTITY_ID}/features/outgoingPermission'),
    (permissions.PERSON, f'/telephony/config/people/{ENTITY_ID}/outgoingPermission'),
    (permissions.WORKSPACE, f'/workspaces/{ENTITY_ID}/features/outgoingPermission'),
)


def _reader(kind: str) -> Handler:
    def read(req: Request, org: Org) -> Response:
        return Response(body=to_wire(permissions.get(org, kind, req.params['entity_id'])))

    return read


def _writer(kind: str) -> Handler:
    def write(req: Request, org: Org) -> Response:
        permissions.update(org, kind, req.params['entity_id'], from_wire(req.json_object()))
        return Response(status=204)

    return write


ROUTES = [
    Route(method, path, handler(kind))
    for kind, path in PATHS
    for method, handler in (('GET', _reader), ('PUT', _writer))
]
