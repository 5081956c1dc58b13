"""HTTP layer of /v1/locations."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..routing import Request, Response, Route, paginate
from ..state import locations
from ..wire import from_wire, to_wire

if TYPE_CHECKING:
    from ..state.locations import Location
    from ..state.org import Org

PAGE_SIZE = 500


def location_body(location: Location) -> dict[str, Any]:
    """A location as /v1/locations sends it: the announcement language belongs to the calling side, not here."""
    return to_wire({key: value for key, value in location.items() if key != 'announcement_language'})


def list_locations(req: Request, org: Org) -> Response:
    found = locations.search(org, name=req.query.get('name'), location_id=req.query.get('id'))
    page, headers = paginate(req, found, default_max=PAGE_SIZE)
    return Response(body={'items': [location_body(loc) for loc in page]}, headers=headers)


def create_location(req: Request, org: Org) -> Response:
    location = locations.create(org, from_wire(req.json_object()))
    return Response(status=201, body=location_body(location), created_id=location['id'])


def location_details(req: Request, org: Org) -> Response:
    return Response(body=location_body(locations.get(org, req.params['location_id'])))


def update_location(req: Request, org: Org) -> Response:
    locations.update(org, req.params['location_id'], from_wire(req.json_object()))
    return Response(status=204)


ROUTES = [
    Route('GET', '/locations', list_locations),
    Route('POST', '/locations', create_location),
    Route('GET', '/locations/(?P<location_id>[^/]+)', location_details),
    Route('PUT', '/locations/(?P<location_id>[^/]+)', update_location),
]
