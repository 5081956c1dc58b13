"""HTTP layer of /v1/telephony/config/locations (Webex Calling details of locations)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..routing import Request, Response, Route, paginate
from ..state import jobs, telephony_locations
from ..wire import from_wire, to_wire

if TYPE_CHECKING:
    from ..state.org import Org

PAGE_SIZE = 2000
LOCATION = '/telephony/config/locations/(?P<location_id>[^/]+)'


#: What an item of ``GET /telephony/config/locations`` carries (cloud-calling spec, ``ListLocationObject``): not the
#: whole calling record that the details read returns.
LIST_FIELDS = (
    'id',
    'name',
    'outside_dial_digit',
    'enforce_outside_dial_digit',
    'routing_prefix',
    'calling_line_id',
    'e911_setup_required',
)


def list_calling_locations(req: Request, org: Org) -> Response:
    found = telephony_locations.search(org, name=req.query.get('name'), order=req.query.get('order'))
    found = [{key: record[key] for key in LIST_FIELDS if key in record} for record in found]
    page, headers = paginate(req, found, default_max=PAGE_SIZE)
    return Response(body={'locations': to_wire(page)}, headers=headers)


def enable_location(req: Request, org: Org) -> Response:
    location_id = telephony_locations.enable(org, from_wire(req.json_object()))
    return Response(status=201, body={'id': location_id}, created_id=location_id)


def calling_location_details(req: Request, org: Org) -> Response:
    """The details (spec ``GetTelephonyLocationObject``): ``e911SetupRequired`` is only an item of the list, and
    ``connection`` is there only for a local PSTN (TRUNK or ROUTE_GROUP), as the spec's description of it says."""
    record = telephony_locations.view(org, req.params['location_id'])
    return Response(body=to_wire({key: value for key, value in record.items() if key != 'e911_setup_required'}))


def update_calling_location(req: Request, org: Org) -> Response:
    """204; 200 ``{batchJobId}`` when the routing prefix changes (an update-routing-prefix job); 206
    ``{failureReason}`` when that job was not triggered; 409 ``{failureReason}`` while another one runs."""
    try:
        answer = telephony_locations.update(
            org,
            req.params['location_id'],
            from_wire(req.json_object()),
            job_delay_s=req.config.routing_prefix_job_ms / 1000,
            job_result=req.config.routing_prefix_job_result,
        )
    except jobs.JobInProgress as error:
        return Response(status=409, body={'failureReason': error.message})
    if 'batch_job_id' in answer:
        return Response(status=200, body=to_wire(answer))
    if 'failure_reason' in answer:
        return Response(status=206, body=to_wire(answer))
    return Response(status=204)


ROUTES = [
    Route('GET', '/telephony/config/locations', list_calling_locations),
    Route('POST', '/telephony/config/locations', enable_location),
    Route('GET', LOCATION, calling_location_details),
    Route('PUT', LOCATION, update_calling_location),
]
