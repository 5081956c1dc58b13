"""Phone numbers: the org's number inventory, keyed by E.164 number (the numbers area manages it)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, TypedDict

from ..errors import BadRequest, Conflict, NotFound

if TYPE_CHECKING:
    from .org import Org


class Number(TypedDict, total=False):
    phone_number: str
    location_id: str
    state: str
    toll_free_number: bool
    owner: dict[str, Any] | None


def location_numbers(org: Org, location_id: str) -> set[str]:
    """E.164 numbers in the inventory of a location."""
    return {number for number, record in org.numbers.items() if record.get('location_id') == location_id}


#: Owner types on the wire of ``/telephony/config/numbers`` for the record kinds that hold extensions and numbers.
OWNER_KINDS = (('PEOPLE', 'people'), ('PLACE', 'workspaces'))


def extension_owner(org: Org, location_id: str, extension: str) -> dict[str, Any] | None:
    """``{id, type}`` of the person or workspace holding ``extension`` in a location (extensions are unique per
    location across people and workspaces), or None."""
    for owner_type, area in OWNER_KINDS:
        for record in getattr(org, area).values():
            if record.get('location_id') == location_id and record.get('extension') == extension:
                return {'id': record['id'], 'type': owner_type}
    return None


def check_extension_free(org: Org, location_id: str, extension: str, owner_id: str | None, field: str) -> None:
    """409 when someone other than ``owner_id`` holds ``extension`` in the location."""
    holder = extension_owner(org, location_id, extension)
    if holder is not None and holder['id'] != owner_id:
        raise Conflict(f'{field} {extension} is already assigned in this location.')


def check_number_assignable(org: Org, location_id: str, number: str, owner_id: str | None, field: str) -> None:
    """400 unless ``number`` is in the location's inventory; 409 when someone other than ``owner_id`` holds it."""
    record = org.numbers.get(number)
    if record is None or record.get('location_id') != location_id:
        raise BadRequest(f'{field} {number} is not a number of the location.')
    owner = record.get('owner')
    if owner and owner.get('id') != owner_id:
        raise Conflict(f'{field} {number} is already assigned.')


def set_owner(org: Org, number: str, owner: dict[str, Any] | None) -> None:
    """Assign ``number`` to ``owner`` (``{id, type}``), or release it with None; checks come first."""
    org.numbers[number]['owner'] = owner


# --------------------------------------------------------------------------- inventory: add and list (location area)

E164 = re.compile(r'^\+[1-9]\d{6,14}$')
STATES = ('ACTIVE', 'INACTIVE')
NUMBER_TYPES = ('DID', 'TOLLFREE', 'MOBILE')
#: The one per-request cap Webex documents for ``POST .../numbers``: 20 mobile numbers (none for DID/toll-free).
MOBILE_PER_REQUEST = 20


def add(org: Org, location_id: str, data: dict[str, Any]) -> None:
    """Add Phone Numbers to a location, from the snake_case body ``{phone_numbers, state?, number_type?}``.

    All or nothing: 404 when the location is not enabled for calling; 400 for an empty or non-list
    ``phoneNumbers``, a number not in E.164, an unknown state or type, more than 20 mobile numbers; 409 when a
    number is in another location. Numbers already in this location are ignored, as Webex documents. The state
    defaults to ACTIVE (DID and toll-free).
    """
    if location_id not in org.calling_locations:
        raise NotFound('Location not found or not enabled for Webex Calling.')
    wanted = data.get('phone_numbers')
    if not isinstance(wanted, list) or not wanted:
        raise BadRequest('Missing required field(s): phoneNumbers.', descriptions=['phoneNumbers is required.'])
    bad = [str(n) for n in wanted if not isinstance(n, str) or not E164.match(n)]
    if bad:
        raise BadRequest(
            f'Invalid value for phoneNumbers: {", ".join(bad)}; phone numbers must follow the E.164 format.',
            descriptions=[f'{n} is not a valid E.164 phone number.' for n in bad],
        )
    state = data.get('state') or 'ACTIVE'
    number_type = data.get('number_type') or 'DID'
    for value, accepted, name in ((state, STATES, 'state'), (number_type, NUMBER_TYPES, 'numberType')):
        if value not in accepted:
            raise BadRequest(f'Invalid value for {name}: {value!r}; expected one of {", ".join(accepted)}.')
    if number_type == 'MOBILE' and len(wanted) > MOBILE_PER_REQUEST:
        raise BadRequest(f'Only {MOBILE_PER_REQUEST} mobile numbers can be added per request.')
    taken = [n for n in wanted if n in org.numbers and org.numbers[n].get('location_id') != location_id]
    if taken:
        holders = {n: org.locations[org.numbers[n]['location_id']]['name'] for n in taken}
        raise Conflict(
            'Phone number(s) already in use in another location: '
            + ', '.join(f'{n} ({name})' for n, name in holders.items())
            + '.',
            descriptions=[f'{n} is already in use in location {name!r}.' for n, name in holders.items()],
        )
    for number in wanted:
        org.numbers.setdefault(
            number,
            {
                'phone_number': number,
                'location_id': location_id,
                'state': state,
                'toll_free_number': number_type == 'TOLLFREE',
                'owner': None,
            },
        )


def search(
    org: Org,
    *,
    location_id: str | None = None,
    phone_number: str | None = None,
    state: str | None = None,
    assigned: bool | None = None,
) -> list[dict[str, Any]]:
    """Rows of ``GET /telephony/config/numbers`` (snake_case), by number; ``phone_number`` matches a part."""
    if state is not None and state not in STATES:
        raise BadRequest(f'Invalid value for query parameter state: {state!r}; expected ACTIVE or INACTIVE.')
    rows = []
    for number, record in sorted(org.numbers.items()):
        if location_id is not None and record.get('location_id') != location_id:
            continue
        if phone_number is not None and phone_number not in number:
            continue
        if state is not None and record.get('state') != state:
            continue
        if assigned is not None and bool(record.get('owner')) != assigned:
            continue
        rows.append(_row(org, record))
    return rows


def _row(org: Org, record: Number) -> dict[str, Any]:
    """One number as the list shows it: location, main-number flag, owner with names and extension."""
    location_id = record['location_id']
    calling = org.calling_locations.get(location_id, {})
    row: dict[str, Any] = {
        'phone_number': record['phone_number'],
        'state': record.get('state'),
        'main_number': calling.get('calling_line_id', {}).get('phone_number') == record['phone_number'],
        'toll_free_number': bool(record.get('toll_free_number')),
        'is_service_number': False,
        'included_telephony_types': 'PSTN_NUMBER',
        'location': {'id': location_id, 'name': org.locations[location_id]['name']},
    }
    owner = record.get('owner')
    if owner:
        area = dict(OWNER_KINDS).get(owner.get('type'))
        holder = getattr(org, area).get(owner['id'], {}) if area else {}
        row['owner'] = {
            'id': owner['id'],
            'type': owner.get('type'),
            'first_name': holder.get('first_name'),
            'last_name': holder.get('last_name'),
            'display_name': holder.get('display_name'),
        }
        row['phone_number_type'] = 'PRIMARY'
        if holder.get('extension'):
            row['extension'] = holder['extension']
            if calling.get('routing_prefix'):
                row['routing_prefix'] = calling['routing_prefix']
                row['esn'] = calling['routing_prefix'] + holder['extension']
    return row
