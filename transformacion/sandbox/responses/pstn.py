"""HTTP layer of /telephony/pstn/locations/{id}: connection options, current connection, set up the connection."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..routing import Request, Response, Route
from ..state import pstn
from ..wire import from_wire, to_wire

if TYPE_CHECKING:
    from ..state.org import Org

LOCATION = '/telephony/pstn/locations/(?P<location_id>[^/]+)'


def connection_options(req: Request, org: Org) -> Response:
    service_types = [item for item in req.query.get('serviceTypes', '').split(',') if item]
    found = pstn.options(org, req.params['location_id'], service_types)
    return Response(body={'items': to_wire(found)})


def read_connection(req: Request, org: Org) -> Response:
    return Response(body=to_wire(pstn.current(org, req.params['location_id'])))


def configure_connection(req: Request, org: Org) -> Response:
    pstn.configure(org, req.params['location_id'], from_wire(req.json_object()))
    return Response(status=204)


ROUTES = [
    Route('GET', f'{LOCATION}/connectionOptions', connection_options),
    Route('GET', f'{LOCATION}/connection', read_connection),
    Route('PUT', f'{LOCATION}/connection', configure_connection),
]
