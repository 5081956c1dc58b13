"""HTTP layer of /v1/people: list, details, create, update and delete."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..routing import Request, Response, Route, paginate
from ..state import people
from ..wire import from_wire, to_wire

if TYPE_CHECKING:
    from ..state.org import Org
    from ..state.people import Person

PAGE_SIZE = 100
#: ``GET /people``: "If callingData=true, then max will not be more than 100. If locationId is specified then max
#: will not be more than 50." (webex-admin.json, List People)
CALLING_DATA_MAX = 100
LOCATION_MAX = 50


def person_body(org: Org, person: Person, *, calling_data: bool, exclude_status: bool = False) -> dict[str, Any]:
    """A person as Webex sends it: calling fields only with ``callingData=true``; its phone numbers with the
    derived ``work_extension`` entry of a Webex Calling extension."""
    hidden = set() if calling_data else set(people.CALLING_FIELDS)
    if exclude_status:
        hidden.add('status')
    shown = {key: value for key, value in person.items() if key not in hidden}
    shown['phone_numbers'] = people.phone_numbers_view(org, person)
    return to_wire(shown)


def me(req: Request, org: Org) -> Response:
    return Response(body=person_body(org, people.me(org), calling_data=req.flag('callingData')))


def list_people(req: Request, org: Org) -> Response:
    person_ids = _csv(req.query.get('id'))
    found = req.listed(
        people.search(
            org,
            email=req.query.get('email'),
            display_name=req.query.get('displayName'),
            person_ids=person_ids,
            location_id=req.query.get('locationId'),
            role_ids=_csv(req.query.get('roles')),
        )
    )
    page, headers = paginate(req, found, default_max=PAGE_SIZE, max_limit=_max_limit(req))
    calling_data, exclude_status = req.flag('callingData'), req.flag('excludeStatus')
    body: dict[str, Any] = {
        'items': [person_body(org, p, calling_data=calling_data, exclude_status=exclude_status) for p in page]
    }
    if person_ids is not None:
        body['notFoundIds'] = [pid for pid in person_ids if pid not in org.people]
    return Response(body=body, headers=headers)


def _max_limit(req: Request) -> int | None:
    """The documented ceilings of ``max``: 50 with ``locationId``, 100 with ``callingData=true``."""
    if 'locationId' in req.query:
        return LOCATION_MAX
    return CALLING_DATA_MAX if req.flag('callingData') else None


def person_details(req: Request, org: Org) -> Response:
    person = people.get(org, req.params['person_id'])
    return Response(body=person_body(org, person, calling_data=req.flag('callingData')))


def create_person(req: Request, org: Org) -> Response:
    """``POST /people`` answers 200 with the new person (only its id with ``minResponse=true``)."""
    partial = req.fault_of('partial')
    person = people.create(org, from_wire(req.json_object()), number_failure=partial.status if partial else None)
    return Response(body=_written(req, org, person), created_id=person['id'])


def update_person(req: Request, org: Org) -> Response:
    partial = req.fault_of('partial')
    person = people.update(
        org,
        req.params['person_id'],
        from_wire(req.json_object()),
        calling_data=req.flag('callingData'),
        failure=partial.status if partial else None,
    )
    return Response(body=_written(req, org, person))


def delete_person(req: Request, org: Org) -> Response:
    people.delete(org, req.params['person_id'])
    return Response(status=204)


def _written(req: Request, org: Org, person: Person) -> dict[str, Any]:
    if req.flag('minResponse'):
        return {'id': person['id']}
    return person_body(org, person, calling_data=req.flag('callingData'))


def _csv(value: str | None) -> list[str] | None:
    return None if value is None else [item for item in value.split(',') if item]


ROUTES = [
    Route('GET', '/people/me', me),
    Route('GET', '/people', list_people),
    Route('GET', '/people/(?P<person_id>[^/]+)', person_details),
    Route('POST', '/people', create_person),
    Route('PUT', '/people/(?P<person_id>[^/]+)', update_person),
    Route('DELETE', '/people/(?P<person_id>[^/]+)', delete_person),
]
