"""HTTP layer of /telephony/config/premisePstn: trunks and route groups (list and details)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..routing import Request, Response, Route, paginate
from ..state import premises_pstn
from ..wire import to_wire

if TYPE_CHECKING:
    from ..state.org import Org

BASE = '/telephony/config/premisePstn'
PAGE_SIZE = 100


def list_trunks(req: Request, org: Org) -> Response:
    found = premises_pstn.trunks(
        org,
        name=req.query.get('name'),
        location_name=req.query.get('locationName'),
        trunk_type=req.query.get('trunkType'),
        order=req.query.get('order'),
    )
    page, headers = paginate(req, found, default_max=PAGE_SIZE)
    return Response(body={'trunks': to_wire(page)}, headers=headers)


def trunk_details(req: Request, org: Org) -> Response:
    return Response(body=to_wire(premises_pstn.trunk(org, req.params['trunk_id'])))


def list_route_groups(req: Request, org: Org) -> Response:
    found = premises_pstn.route_groups(org, name=req.query.get('name'), order=req.query.get('order'))
    page, headers = paginate(req, found, default_max=PAGE_SIZE)
    return Response(body={'routeGroups': to_wire(page)}, headers=headers)


def route_group_details(req: Request, org: Org) -> Response:
    return Response(body=to_wire(premises_pstn.route_group(org, req.params['rg_id'])))


ROUTES = [
    Route('GET', f'{BASE}/trunks', list_trunks),
    Route('GET', f'{BASE}/trunks/(?P<trunk_id>[^/]+)', trunk_details),
    Route('GET', f'{BASE}/routeGroups', list_route_groups),
    Route('GET', f'{BASE}/routeGroups/(?P<rg_id>[^/]+)', route_group_details),
]
