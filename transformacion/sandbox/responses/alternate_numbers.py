"""HTTP layer of a person's numbers (``GET /people/{id}/features/numbers``) and of the alternate numbers of people
and workspaces (``PUT /telephony/config/people/{id}/numbers``, ``PUT /telephony/config/workspaces/{id}/numbers``,
204). The workspace read is ``GET /workspaces/{id}/features/numbers`` (responses/workspaces.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..routing import Request, Response, Route
from ..state import alternate_numbers, people
from ..state.features import PERSON, WORKSPACE, calling_person
from ..wire import from_wire, to_wire

if TYPE_CHECKING:
    from ..state.org import Org


def person_numbers(req: Request, org: Org) -> Response:
    record = calling_person(org, req.params['person_id'])
    primary: dict[str, Any] = {'primary': True, 'direct_number': people.calling_number(org, record)}
    if record.get('extension'):
        prefix = org.calling_locations.get(record['location_id'], {}).get('routing_prefix')
        primary.update(extension=record['extension'], routing_prefix=prefix)
        primary['esn'] = f'{prefix}{record["extension"]}' if prefix else record['extension']
    entries = [primary, *alternate_numbers.entries(org, record['id'], 'direct_number')]
    return Response(body=to_wire({'distinctive_ring_enabled': False, 'phone_numbers': entries}))


def _update(kind: str, key: str):
    def handler(req: Request, org: Org) -> Response:
        alternate_numbers.update(org, kind, req.params[key], from_wire(req.json_object()))
        return Response(status=204)

    return handler


ROUTES = [
    Route('GET', '/people/(?P<person_id>[^/]+)/features/numbers/?', person_numbers),
    Route('PUT', '/telephony/config/people/(?P<person_id>[^/]+)/numbers', _update(PERSON, 'person_id')),
    Route('PUT', '/telephony/config/workspaces/(?P<workspace_id>[^/]+)/numbers', _update(WORKSPACE, 'workspace_id')),
]
