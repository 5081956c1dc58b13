"""HTTP layer of /v1/organizations."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..routing import Request, Response, Route
from ..state import organizations
from ..wire import to_wire

if TYPE_CHECKING:
    from ..state.org import Org


def list_organizations(req: Request, org: Org) -> Response:
    return Response(body={'items': [to_wire(organizations.details(org))]})


def organization_details(req: Request, org: Org) -> Response:
    return Response(body=to_wire(organizations.get(org, req.params['org_id'])))


ROUTES = [
    Route('GET', '/organizations', list_organizations),
    Route('GET', '/organizations/(?P<org_id>[^/]+)', organization_details),
]
