"""Phone numbers: the org's number inventory, keyed by E.164 number (the numbers area manages it)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, TypedDict

from ..errors import BadRequest, Conflict, NotFound
from ..wire import to_wire
from . import index

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
    location across people and workspaces), or None (an index look-up: state/index.py)."""
    for table in (index.of(org), None):
        holder = (table or index.rebuild(org)).extensions.get((location_id, extension))
        record = getattr(org, dict(OWNER_KINDS)[holder['type']]).get(holder['id'], {}) if holder else {}
        if holder is None or (record.get('location_id'), record.get('extension')) == (location_id, extension):
            return None if holder is None else dict(holder)
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


#: Numbers that cannot be extensions because they call emergency services (Webex: "[Error 4911] Invalid extension.
#: The extension cannot be an emergency number.").
EMERGENCY_NUMBERS = ('112', '911')
#: Codes of the validate-extensions answers, as the spec's examples show them (4912 is the sandbox's own).
NOT_DIGITS, EMERGENCY, BAD_LENGTH, TAKEN, TWICE = 4910, 4911, 4912, 9495, 9498


def extension_problem(org: Org, extension: str) -> tuple[int, str] | None:
    """``(errorCode, message)`` when ``extension`` breaks the org's rules (digits only, within the org's
    ``extension_length`` limits, not an emergency number), else None."""
    limits = org.extension_length
    if not extension.isdigit() or not extension.isascii():
        return NOT_DIGITS, f'[Error {NOT_DIGITS}] Invalid extension.  The extension can only contain characters 0-9.'
    if extension in EMERGENCY_NUMBERS:
        return EMERGENCY, f'[Error {EMERGENCY}] Invalid extension.  The extension cannot be an emergency number.'
    if not limits['min'] <= len(extension) <= limits['max']:
        return BAD_LENGTH, (
            f'[Error {BAD_LENGTH}] Invalid extension.  The extension must have {limits["min"]} to {limits["max"]} '
            'digits.'
        )
    return None


def check_extension(org: Org, extension: str, field: str) -> None:
    """400 when ``extension`` breaks the org's rules (see :func:`extension_problem`)."""
    problem = extension_problem(org, extension)
    if problem is not None:
        raise BadRequest(f'Invalid value for {field}: {extension!r}.', descriptions=[problem[1]], error_code=problem[0])


def validate_extensions(org: Org, extensions: Any, location_id: str | None = None) -> dict[str, Any]:
    """What the validate-extensions endpoints answer for ``extensions``: per extension VALID, DUPLICATE (held in
    the location, for the location-level endpoint), DUPLICATE_IN_LIST or INVALID, and ``status`` OK or ERRORS."""
    if not isinstance(extensions, list) or not extensions or not all(isinstance(e, str) for e in extensions):
        raise BadRequest('Missing required field(s): extensions.', descriptions=['extensions is required.'])
    if location_id is not None and location_id not in org.calling_locations:
        raise NotFound('Location not found or not enabled for Webex Calling.')
    seen: set[str] = set()
    statuses = []
    for extension in extensions:
        entry: dict[str, Any] = {'extension': extension, 'state': 'VALID'}
        problem = extension_problem(org, extension)
        holder = extension_owner(org, location_id, extension) if location_id and problem is None else None
        if problem is not None:
            entry.update(state='INVALID', error_code=problem[0], message=problem[1])
        elif extension in seen:
            entry.update(state='DUPLICATE_IN_LIST', error_code=TWICE)
        elif holder is not None:
            message = f'[Error {TAKEN}] The extension is not available. It is already assigned: {extension}.'
            entry.update(state='DUPLICATE', error_code=TAKEN, message=message)
        seen.add(extension)
        statuses.append(entry)
    ok = all(entry['state'] == 'VALID' for entry in statuses)
    return {'status': 'OK' if ok else 'ERRORS', 'extension_status': statuses}


#: Toll-free prefixes of the countries in the sandbox's data (ES 800/900, US/CA 8XX, PT 800).
TOLL_FREE_PREFIXES = ('+34800', '+34900', '+1800', '+1833', '+1844', '+1855', '+1866', '+1877', '+1888', '+351800')


def validate_numbers(org: Org, phone_numbers: Any) -> dict[str, Any]:
    """What ``POST /telephony/config/actions/validateNumbers/invoke`` answers: per number Available, Duplicate
    (already in the org's inventory), Duplicate In List, Invalid (not E.164) or Unavailable (listed in
    ``Org.unavailable_numbers``: held by another organisation), and ``status`` OK or ERRORS; the list is
    ``numbers`` of ``{number, ...}`` (the spec) or, with ``Org.validate_numbers_keys`` ``wxc_sdk``, ``phoneNumbers`` of
    ``{phoneNumber, ...}`` (wxc_sdk's model)."""
    if not isinstance(phone_numbers, list) or not phone_numbers:
        raise BadRequest('Missing required field(s): phoneNumbers.', descriptions=['phoneNumbers is required.'])
    seen: set[str] = set()
    answers = []
    for number in phone_numbers:
        number = str(number)
        answer: dict[str, Any] = {'number': number, 'state': 'Available', 'toll_free_number': False}
        if not E164.match(number):
            answer.update(state='Invalid', detail=[f'[Error 8360] Invalid phone number: {number}'])
        else:
            answer['toll_free_number'] = number.startswith(TOLL_FREE_PREFIXES)
            if number in seen:
                answer['state'] = 'Duplicate In List'
            elif number in org.numbers:
                answer.update(state='Duplicate', detail=[f'[Error 8363] DN is already in use : {number}'])
            elif number in org.unavailable_numbers:
                answer.update(state='Unavailable', detail=[f'[Error 8361] DN is unavailable : {number}'])
        seen.add(number)
        answers.append(answer)
    ok = all(answer['state'] == 'Available' for answer in answers)
    if org.validate_numbers_keys == 'wxc_sdk':
        answers = [{'phone_number': answer.pop('number'), **answer} for answer in answers]
        return {'status': 'OK' if ok else 'ERRORS', 'phone_numbers': answers}
    return {'status': 'OK' if ok else 'ERRORS', 'numbers': answers}


def set_owner(org: Org, number: str, owner: dict[str, Any] | None) -> None:
    """Assign ``number`` to ``owner`` (``{id, type}``), or release it with None; checks come first."""
    org.numbers[number]['owner'] = owner
    index.refresh_number(org, number)


# --------------------------------------------------------------------------- inventory: add and list (location area)

E164 = re.compile(r'^\+[1-9]\d{6,14}$')
STATES = ('ACTIVE', 'INACTIVE')
NUMBER_TYPES = ('DID', 'TOLLFREE', 'MOBILE')
#: The one per-request cap Webex documents for ``POST .../numbers``: 20 mobile numbers (none for DID/toll-free).
MOBILE_PER_REQUEST = 20


#: Codes of a number added again to its location, as wxc_sdk's live test records them (top-level / errors[]).
ALREADY_IN_LOCATION = (25223, 8363)
#: The sandbox's own code for a number another location holds (Webex publishes no list of codes).
IN_OTHER_LOCATION = 8364


def add(org: Org, location_id: str, data: dict[str, Any]) -> None:
    """Add Phone Numbers to a location, from the snake_case body ``{phone_numbers, state?, number_type?}``.

    404 when the location is not enabled for calling; 400 (nothing added) for an empty or non-list
    ``phoneNumbers``, a number not in E.164, an unknown state or type, more than 20 mobile numbers. Then per
    number: those already in this location are ignored, as Webex documents, unless every number is: then 409, as
    wxc_sdk's live test ``TestAddExisting`` observes; a number of another location fails alone: the others are
    added and the answer is 400 with a JSON list of per-number errors (what wxc_sdk's ``number.add`` parses since it
    passes ``ignore_status=400``). The state defaults to ACTIVE (DID and toll-free).
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
    present = [n for n in wanted if org.numbers.get(n, {}).get('location_id') == location_id]
    if len(set(present)) == len(set(wanted)):
        top, code = ALREADY_IN_LOCATION
        raise Conflict(
            f'Phone number(s) already in this location: {", ".join(present)}.',
            descriptions=[f'[Error {code}] Number {n} already exists in this location.' for n in present],
            error_code=code,
            top_code=top,
        )
    taken = [n for n in wanted if n in org.numbers and n not in present]
    for number in wanted:
        if number in taken:
            continue
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
        index.refresh_number(org, number)
    if taken:
        holders = {n: org.locations[org.numbers[n]['location_id']]['name'] for n in taken}
        errors = [
            {
                'number': n,
                'error_type': 'ERROR',
                'error_code': str(IN_OTHER_LOCATION),
                'error_message': f'Number {n} is already in use in location {name!r}.',
                'error_title': 'Number already in use',
            }
            for n, name in holders.items()
        ]
        raise BadRequest(
            'Phone number(s) already in use in another location: '
            + ', '.join(f'{n} ({name})' for n, name in holders.items())
            + '.',
            body=to_wire([{'errors': errors}]),
        )


#: Remove Phone Numbers from a Location: "The maximum limit is 5" numbers per request (cloud-calling spec).
REMOVE_PER_REQUEST = 5


def remove(org: Org, location_id: str, data: dict[str, Any], *, assigned: str = 'refuse') -> None:
    """Remove Phone Numbers from a location, from the snake_case body ``{phone_numbers}``; all or nothing.

    404 when the location is not enabled for calling or a number is not in its inventory; 400 for an empty or
    non-list ``phoneNumbers``, a number not in E.164, more than ``REMOVE_PER_REQUEST`` numbers, and the location's
    main number ("A location's main number cannot be removed", cloud-calling spec). An assigned number is refused
    (400) or released from its holder, as ``assigned`` says (``ASSIGNED_NUMBER_REMOVAL``).
    """
    calling = org.calling_locations.get(location_id)
    if calling is None:
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
    if len(wanted) > REMOVE_PER_REQUEST:
        raise BadRequest(f'At most {REMOVE_PER_REQUEST} phone numbers can be removed per request.')
    absent = [n for n in wanted if org.numbers.get(n, {}).get('location_id') != location_id]
    if absent:
        raise NotFound(f'Phone number(s) not found in this location: {", ".join(absent)}.')
    main = calling.get('calling_line_id', {}).get('phone_number')
    if main in wanted:
        raise BadRequest(f"{main} is the location's main number; a location's main number cannot be removed.")
    held = [n for n in wanted if org.numbers[n].get('owner')]
    if held and assigned == 'refuse':
        raise BadRequest(
            f'Phone number(s) assigned and not removed: {", ".join(held)}; unassign them first.',
            descriptions=[
                f'{n} is assigned to {org.numbers[n]["owner"]["type"]} {org.numbers[n]["owner"]["id"]}.' for n in held
            ],
        )
    for number in dict.fromkeys(wanted):
        _release(org, number)
        del org.numbers[number]


def _release(org: Org, number: str) -> None:
    """Take ``number`` away from the person or workspace holding it (``assigned_number_removal='release'``)."""
    owner = org.numbers[number].get('owner')
    if not owner:
        return
    person = org.people.get(owner['id'])
    if person is not None:
        person['phone_numbers'] = [e for e in person.get('phone_numbers', []) if e.get('value') != number]
    workspace = org.workspaces.get(owner['id'])
    if workspace is not None and workspace.get('phone_number') == number:
        workspace['phone_number'] = None


OWNER_TYPES = (
    'PEOPLE',
    'PLACE',
    'AUTO_ATTENDANT',
    'CALL_QUEUE',
    'PAGING_GROUP',
    'HUNT_GROUP',
    'VOICE_MESSAGING',
    'BROADWORKS_ANYWHERE',
    'CONTACT_CENTER_LINK',
    'ROUTE_LIST',
    'VOICEMAIL_GROUP',
    'VIRTUAL_LINE',
)
LIST_NUMBER_TYPES = ('NUMBER', 'EXTENSION')


def search(
    org: Org,
    *,
    location_id: str | None = None,
    phone_number: str | None = None,
    state: str | None = None,
    assigned: bool | None = None,
    extension: str | None = None,
    owner_id: str | None = None,
    owner_type: str | None = None,
    number_type: str | None = None,
) -> list[dict[str, Any]]:
    """Rows of ``GET /telephony/config/numbers`` (snake_case): the inventory by number, then the extension-only
    entries (a person or workspace with an extension and no number: ``phone_number`` empty), as Webex lists them.

    Filters as documented: ``phone_number`` matches a part of the number and ``state`` the number's state (both
    leave extension-only entries out), ``extension``, ``owner_id`` and ``owner_type`` match exactly, ``number_type``
    NUMBER or EXTENSION keeps one kind of entry (400 with ``state`` when EXTENSION).
    """
    if state is not None and state not in STATES:
        raise BadRequest(f'Invalid value for query parameter state: {state!r}; expected ACTIVE or INACTIVE.')
    if owner_type is not None and owner_type not in OWNER_TYPES:
        raise BadRequest(f'Invalid value for query parameter ownerType: {owner_type!r}.')
    if number_type is not None and number_type not in LIST_NUMBER_TYPES:
        raise BadRequest(
            f'Invalid value for query parameter numberType: {number_type!r}; expected NUMBER or EXTENSION.'
        )
    if number_type == 'EXTENSION' and state is not None:
        raise BadRequest('The state query parameter cannot be used when numberType=EXTENSION.')
    holders = None
    if extension is not None:  # only the people and workspaces holding it can show it (state/index.py)
        ids = index.of(org).extension_holders.get(extension, set())
        holders = [(t, getattr(org, area)[i]) for t, area in OWNER_KINDS for i in ids if i in getattr(org, area)]
    rows = []
    if number_type != 'EXTENSION':
        if phone_number is not None:
            listed = index.numbers_containing(org, phone_number)
        elif holders is not None:
            owned = (_owned_number(org, record['id']) for _, record in holders)
            listed = sorted(number for number in owned if number in org.numbers)
        else:
            listed = sorted(org.numbers)
        rows = [_row(org, org.numbers[number]) for number in listed]
    if number_type != 'NUMBER' and phone_number is None and state is None:
        rows += _extension_only_rows(org, holders)
    wanted = {
        ('location', 'id'): location_id,
        ('extension',): extension,
        ('owner', 'id'): owner_id,
        ('owner', 'type'): owner_type,
    }
    found = []
    for row in rows:
        if any(value is not None and _at(row, keys) != value for keys, value in wanted.items()):
            continue
        if phone_number is not None and phone_number not in row['phone_number']:
            continue
        if state is not None and row.get('state') != state:
            continue
        if assigned is not None and bool(row.get('owner')) != assigned:
            continue
        found.append(row)
    return found


def _at(row: dict[str, Any], keys: tuple[str, ...]) -> Any:
    value: Any = row
    for key in keys:
        value = (value or {}).get(key)
    return value


def _extension_only_rows(org: Org, holders: list[tuple[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Entries of the people and workspaces (``holders``: (owner type, record); None: all) that hold an extension and
    no number of the inventory."""
    if holders is None:
        holders = [(owner_type, record) for owner_type, area in OWNER_KINDS for record in getattr(org, area).values()]
    rows = []
    for owner_type, record in holders:
        extension, location_id = record.get('extension'), record.get('location_id')
        if not extension or not location_id or _owned_number(org, record['id']):
            continue
        calling = org.calling_locations.get(location_id, {})
        row: dict[str, Any] = {
            'phone_number': '',
            'extension': extension,
            'state': 'ACTIVE',
            'phone_number_type': 'PRIMARY',
            'main_number': False,
            'included_telephony_types': 'PSTN_NUMBER',
            'toll_free_number': False,
            'is_service_number': False,
            'location': {'id': location_id, 'name': org.locations[location_id]['name']},
            'owner': _owner(record, owner_type),
        }
        if calling.get('routing_prefix'):
            row['routing_prefix'] = calling['routing_prefix']
            row['esn'] = calling['routing_prefix'] + extension
        rows.append(row)
    return sorted(rows, key=lambda row: (row['location']['name'], row['extension']))


def _owned_number(org: Org, owner_id: str) -> str | None:
    for table in (index.of(org), None):
        number = (table or index.rebuild(org)).owned_numbers.get(owner_id)
        if number is None or (org.numbers.get(number, {}).get('owner') or {}).get('id') == owner_id:
            return number
    return None


def _owner(holder: dict[str, Any], owner_type: str | None) -> dict[str, Any]:
    """The owner object of a numbers-list row: ``id``, ``type``, ``firstName``, ``lastName`` (the spec's
    ``NumberObject.owner``; a workspace, which has no first and last name, shows its display name as first name)."""
    if owner_type == 'PLACE':
        return {'id': holder.get('id'), 'type': owner_type, 'first_name': holder.get('display_name')}
    return {
        'id': holder.get('id'),
        'type': owner_type,
        'first_name': holder.get('first_name'),
        'last_name': holder.get('last_name'),
    }


def _row(org: Org, record: Number) -> dict[str, Any]:
    """One number as the list shows it: location, main-number flag, owner with names and extension."""
    location_id = record['location_id']
    calling = org.calling_locations.get(location_id, {})
    row: dict[str, Any] = {
        'phone_number': record['phone_number'],
        'state': record.get('state'),
        'phone_number_type': 'PRIMARY',
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
        row['owner'] = {**_owner(holder, owner.get('type')), 'id': owner['id']}
        if holder.get('extension'):
            row['extension'] = holder['extension']
            if calling.get('routing_prefix'):
                row['routing_prefix'] = calling['routing_prefix']
                row['esn'] = calling['routing_prefix'] + holder['extension']
    return row
