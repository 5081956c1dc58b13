"""HTTP layer of the number inventory: GET /telephony/config/numbers, POST and DELETE
/telephony/config/locations/{id}/numbers, and Webex's validation endpoints for numbers and extensions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..routing import Request, Response, Route, paginate
from ..state import numbers, pstn
from ..wire import from_wire, to_wire

if TYPE_CHECKING:
    from ..state.org import Org

PAGE_SIZE = 2000
LOCATION = '/telephony/config/locations/(?P<location_id>[^/]+)'


def list_numbers(req: Request, org: Org) -> Response:
    found = numbers.search(
        org,
        location_id=req.query.get('locationId'),
        phone_number=req.query.get('phoneNumber'),
        state=req.query.get('state'),
        assigned=req.flag('assigned') if 'assigned' in req.query else None,
        extension=req.query.get('extension'),
        owner_id=req.query.get('ownerId'),
        owner_type=req.query.get('ownerType'),
        number_type=req.query.get('numberType'),
    )
    page, headers = paginate(req, found, default_max=PAGE_SIZE)
    return Response(body={'phoneNumbers': to_wire(page)}, headers=headers)


def validate_numbers(req: Request, org: Org) -> Response:
    """``POST /telephony/config/actions/validateNumbers/invoke``: 200 with a state per number."""
    body = from_wire(req.json_object())
    return Response(body=to_wire(numbers.validate_numbers(org, body.get('phone_numbers'))))


def validate_extensions(req: Request, org: Org) -> Response:
    """Validate Extensions, organisation level (format and length limits) or location level (also the extensions
    held in the location)."""
    body = from_wire(req.json_object())
    checked = numbers.validate_extensions(org, body.get('extensions'), req.params.get('location_id'))
    return Response(body=to_wire(checked))


def add_numbers(req: Request, org: Org) -> Response:
    """201; 400 when the location's PSTN connection does not allow adding numbers (state/pstn.py)."""
    data = from_wire(req.json_object())
    pstn.check_numbers_supported(org, req.params['location_id'], data.get('number_type'))
    numbers.add(org, req.params['location_id'], data)
    return Response(status=201)


def remove_numbers(req: Request, org: Org) -> Response:
    """204; 400 when the location's PSTN connection does not allow removing numbers (state/pstn.py)."""
    data = from_wire(req.json_object())
    pstn.check_removal_supported(org, req.params['location_id'])
    numbers.remove(org, req.params['location_id'], data, assigned=req.config.assigned_number_removal)
    return Response(status=204)


ROUTES = [
    Route('POST', '/telephony/config/actions/validateNumbers/invoke', validate_numbers),
    Route('POST', '/telephony/config/actions/validateExtensions/invoke', validate_extensions),
    Route(
        'POST',
        '/telephony/config/locations/(?P<location_id>[^/]+)/actions/validateExtensions/invoke',
        validate_extensions,
    ),
    Route('GET', '/telephony/config/numbers', list_numbers),
    Route('POST', '/telephony/config/locations/(?P<location_id>[^/]+)/numbers', add_numbers),
    Route('DELETE', '/telephony/config/locations/(?P<location_id>[^/]+)/numbers', remove_numbers),
]
