"""HTTP layer of /v1/workspaces and the workspace numbers read (``/v1/workspaces/{id}/features/numbers/``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..routing import Request, Response, Route, paginate
from ..state import workspaces
from ..wire import from_wire, to_wire

if TYPE_CHECKING:
    from ..state.org import Org

PAGE_SIZE = 100


def workspace_body(record: workspaces.Workspace) -> dict[str, Any]:
    """A workspace as Webex sends it (never its Webex Calling extension or number)."""
    return to_wire(workspaces.public(record))


def list_workspaces(req: Request, org: Org) -> Response:
    capacity = req.query.get('capacity')
    found = req.listed(
        workspaces.search(
            org,
            display_name=req.query.get('displayName'),
            location_id=req.query.get('locationId') or req.query.get('workspaceLocationId'),
            calling=req.query.get('calling'),
            supported_devices=req.query.get('supportedDevices'),
            workspace_type=req.query.get('type'),
            capacity=None if capacity is None else req.integer('capacity', -1, minimum=-1),
        )
    )
    page, headers = paginate(req, found, default_max=PAGE_SIZE)
    return Response(body={'items': [workspace_body(ws) for ws in page]}, headers=headers)


def create_workspace(req: Request, org: Org) -> Response:
    record = workspaces.create(org, from_wire(req.json_object()))
    return Response(status=201, body=workspace_body(record), created_id=record['id'])


def workspace_details(req: Request, org: Org) -> Response:
    return Response(body=workspace_body(workspaces.get(org, req.params['workspace_id'])))


def update_workspace(req: Request, org: Org) -> Response:
    record = workspaces.update(org, req.params['workspace_id'], from_wire(req.json_object()))
    return Response(body=workspace_body(record))


def delete_workspace(req: Request, org: Org) -> Response:
    workspaces.delete(org, req.params['workspace_id'])
    return Response(status=204)


def workspace_numbers(req: Request, org: Org) -> Response:
    return Response(body=to_wire(workspaces.numbers_view(org, req.params['workspace_id'])))


ROUTES = [
    Route('GET', '/workspaces', list_workspaces),
    Route('POST', '/workspaces', create_workspace),
    Route('GET', '/workspaces/(?P<workspace_id>[^/]+)', workspace_details),
    Route('PUT', '/workspaces/(?P<workspace_id>[^/]+)', update_workspace),
    Route('DELETE', '/workspaces/(?P<workspace_id>[^/]+)', delete_workspace),
    Route('GET', '/workspaces/(?P<workspace_id>[^/]+)/features/numbers/?', workspace_numbers),
]
