"""HTTP layer of /telephony/config/locations/{id}/internalDialing (unknown-extension routing)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..routing import Request, Response, Route
from ..state import internal_dialing
from ..wire import from_wire, to_wire

if TYPE_CHECKING:
    from ..state.org import Org

PATH = '/telephony/config/locations/(?P<location_id>[^/]+)/internalDialing'


def read_internal_dialing(req: Request, org: Org) -> Response:
    return Response(body=to_wire(internal_dialing.read(org, req.params['location_id'])))


def update_internal_dialing(req: Request, org: Org) -> Response:
    internal_dialing.update(org, req.params['location_id'], from_wire(req.json_object()))
    return Response(status=204)


ROUTES = [
    Route('GET', PATH, read_internal_dialing),
    Route('PUT', PATH, update_internal_dialing),
]
