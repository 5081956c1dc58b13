"""The HTTP shape shared by the settings of one entity (forwarding, Push-to-Talk, outgoing permissions):
GET returns them, PUT updates the fields sent and answers 204."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from ..routing import Handler, Request, Response, Route
from ..wire import from_wire, to_wire

if TYPE_CHECKING:
    from ..state.org import Org

ENTITY_ID = '(?P<entity_id>[^/]+)'


def settings_routes(
    read: Callable[[Org, str, str], Any],
    update: Callable[[Org, str, str, dict[str, Any]], Any],
    paths: Iterable[tuple[str, str]],
) -> list[Route]:
    """GET and PUT routes for each (entity kind, path with ``ENTITY_ID``) over the area's read/update functions."""

    def reader(kind: str) -> Handler:
        def handler(req: Request, org: Org) -> Response:
            return Response(body=to_wire(read(org, kind, req.params['entity_id'])))

        return handler

    def writer(kind: str) -> Handler:
        def handler(req: Request, org: Org) -> Response:
            update(org, kind, req.params['entity_id'], from_wire(req.json_object()))
            return Response(status=204)

        return handler

    return [
        route for kind, path in paths for route in (Route('GET', path, reader(kind)), Route('PUT', path, writer(kind)))
    ]
