"""HTTP layer of the number inventory: GET /telephony/config/numbers, POST /telephony/config/locations/{id}/numbers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..routing import Request, Response, Route, paginate
from ..state import numbers, pstn
from ..wire import from_wire, to_wire

if TYPE_CHECKING:
    from ..state.org import Org

PAGE_SIZE = 2000


def list_numbers(req: Request, org: Org) -> Response:
    found = numbers.search(
        org,
        location_id=req.query.get('locationId'),
        phone_number=req.query.get('phoneNumber'),
        state=req.query.get('state'),
        assigned=req.flag('assigned') if 'assigned' in req.query else None,
    )
    page, headers = paginate(req, found, default_max=PAGE_SIZE)
    return Response(body={'phoneNumbers': to_wire(page)}, headers=headers)


def add_numbers(req: Request, org: Org) -> Response:
    """201; 400 when the location's PSTN connection does not allow adding numbers (state/pstn.py)."""
    data = from_wire(req.json_object())
    pstn.check_numbers_supported(org, req.params['location_id'], data.get('number_type'))
    numbers.add(org, req.params['location_id'], data)
    return Response(status=201)


ROUTES = [
    Route('GET', '/telephony/config/numbers', list_numbers),
    Route('POST', '/telephony/config/locations/(?P<location_id>[^/]+)/numbers', add_numbers),
]
