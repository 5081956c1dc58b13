"""HTTP layer of /v1/licenses: list, details and ``PATCH /licenses/users``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..routing import Request, Response, Route, paginate
from ..state import licenses
from ..wire import from_wire, to_wire

if TYPE_CHECKING:
    from ..state.org import Org

#: "limit cannot be more than 300" (webex-admin.json, Get License Details)
USERS_PAGE_SIZE = 300


def list_licenses(req: Request, org: Org) -> Response:
    return Response(body={'items': to_wire(licenses.all_licenses(org))})


def license_details(req: Request, org: Org) -> Response:
    """License details; ``includeAssignedTo=user`` adds the holders, paged with ``limit``/``next``."""
    record = licenses.get(org, req.params['license_id'])
    if req.query.get('includeAssignedTo') != 'user':
        return Response(body=to_wire(record))
    users = [
        {'id': p['id'], 'type': 'INTERNAL', 'display_name': p.get('display_name'), 'email': p['emails'][0]}
        for p in licenses.holders(org, record['id'])
    ]
    page, headers = paginate(
        req, users, default_max=USERS_PAGE_SIZE, max_limit=USERS_PAGE_SIZE, max_param='limit', start_param='next'
    )
    return Response(body=to_wire({**record, 'users': page}), headers=headers)


def assign_licenses_to_user(req: Request, org: Org) -> Response:
    """``PATCH /licenses/users``: 200 when every license request applied, 206 when only some did."""
    person, complete = licenses.assign_to_user(org, from_wire(req.json_object()))
    body = {'org_id': org.id, 'person_id': person['id'], 'email': person['emails'][0], 'licenses': person['licenses']}
    return Response(status=200 if complete else 206, body=to_wire(body))


ROUTES = [
    Route('GET', '/licenses', list_licenses),
    Route('GET', '/licenses/(?P<license_id>[^/]+)', license_details),
    Route('PATCH', '/licenses/users', assign_licenses_to_user),
]
