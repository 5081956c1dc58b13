"""People (``/v1/people``): lookups, filters, and create/update/delete with the Webex Calling rules Webex applies.

A person holding a Webex Calling user license (``licenses.CALLING_USER_LICENSES``) has a ``location_id`` and an
``extension`` and/or a ``work`` phone number from that location's inventory; anyone else has neither (None). A
calling license comes with its location and extension/number in the same request (``POST /people``,
``PUT /people/{id}?callingData=true`` or ``PATCH /licenses/users``). Licenses without free units are left out of a
create or update, as Webex documents ("the system will assign all valid and available licenses").

Partial create: Webex's people API aggregates several backends, and ``POST /people`` may create the person and then
fail to assign the number ("It may happen that the POST request with calling data returns a 400 status, but the
person was created still"). ``Org.number_assignment_failures`` emulates it: while it holds statuses, each create
that asks for a number takes the first one, creates the person with its licenses, location and extension but
without the number, and answers that status.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict

from .. import ids
from ..errors import BadRequest, Conflict, NotFound, WebexError, error_for_status
from . import index, licenses, numbers
from .checks import text
from .org import timestamp

if TYPE_CHECKING:
    from .org import Org


class Person(TypedDict, total=False):
    id: str
    emails: list[str]
    phone_numbers: list[dict[str, Any]]
    extension: str | None
    location_id: str | None
    display_name: str
    nick_name: str
    first_name: str
    last_name: str
    org_id: str
    roles: list[str]
    licenses: list[str]
    created: str
    last_modified: str
    status: str
    invite_pending: bool
    login_enabled: bool
    type: str


#: Fields only returned when the request asks for Webex Calling data (``callingData=true``).
CALLING_FIELDS = ('extension', 'location_id')


def me(org: Org) -> Person:
    """The person the API token belongs to (the fixture's ``admin_id``)."""
    return get(org, org.admin_id)


def get(org: Org, person_id: str) -> Person:
    """The person with ``person_id``; 404 when there is none."""
    try:
        return org.people[person_id]
    except KeyError:
        raise NotFound('Person not found.') from None


def search(
    org: Org,
    *,
    email: str | None = None,
    display_name: str | None = None,
    person_ids: list[str] | None = None,
    location_id: str | None = None,
    role_ids: list[str] | None = None,
) -> list[Person]:
    """People matching every filter given: e-mail (exact), name prefix (both ignore case), ids, location, roles."""
    if email is not None:
        person = find_by_email(org, email)
        found = [] if person is None else [person]
    else:
        found = list(org.people.values())
    if display_name is not None:
        found = [p for p in found if p.get('display_name', '').lower().startswith(display_name.lower())]
    if person_ids is not None:
        found = [p for p in found if p['id'] in person_ids]
    if location_id is not None:
        found = [p for p in found if p.get('location_id') == location_id]
    if role_ids is not None:
        found = [p for p in found if set(role_ids) & set(p.get('roles', []))]
    return found


NAME_FIELDS = ('display_name', 'first_name', 'last_name', 'nick_name')
#: The phone number type that carries a Webex Calling user's number; ``work_extension`` is derived, never stored.
WORK = 'work'
DERIVED_TYPES = ('work_extension',)
OWNER_TYPE = 'PEOPLE'
_EMAIL = re.compile(r'^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$')
_E164 = re.compile(r'^\+[1-9]\d{6,14}$')


def find_by_email(org: Org, email: str) -> Person | None:
    """The person with this e-mail (case-insensitive), or None (an index look-up: state/index.py)."""
    wanted = email.lower()
    for table in (index.of(org), None):
        person = org.people.get((table or index.rebuild(org)).emails.get(wanted, ''))
        if person is None or wanted in (e.lower() for e in person.get('emails', [])):
            return person
    return None


def is_calling_user(org: Org, record: Person) -> bool:
    """True when the person holds a Webex Calling user license."""
    return any(licenses.is_calling_user_license(org, license_id) for license_id in record.get('licenses', []))


def phone_numbers_view(org: Org, record: Person) -> list[dict[str, Any]]:
    """A person's phone numbers as Webex shows them: the stored ones, then, for a Webex Calling extension, the
    derived ``work_extension`` entry whose value is the location's routing prefix plus the extension (the enum of
    webex-admin.json, and wxc_sdk's live test ``test_person_numbers.py::TestCreateCallingUser``: an
    extension-only user has exactly that one entry). Webex ignores it in a PUT (the extension field changes the
    extension), and so does the sandbox."""
    shown = list(record.get('phone_numbers', []))
    extension = record.get('extension')
    if extension:
        prefix = org.calling_locations.get(record.get('location_id') or '', {}).get('routing_prefix') or ''
        shown.append({'type': DERIVED_TYPES[0], 'value': f'{prefix}{extension}'})
    return shown


def calling_number(org: Org, record: Person) -> str | None:
    """The person's Webex Calling number: its ``work`` number that the inventory says it owns."""
    for entry in record.get('phone_numbers', []):
        owner = (org.numbers.get(entry.get('value'), {}).get('owner') or {}).get('id')
        if entry.get('type') == WORK and owner == record['id']:
            return entry['value']
    return None


@dataclass(frozen=True)
class CallingChange:
    """A validated Webex Calling assignment of a person, applied only by ``commit`` (after every check passed)."""

    location_id: str
    extension: str | None
    number: str | None

    def commit(self, org: Org, record: Person) -> None:
        old_number = calling_number(org, record)
        if old_number and old_number != self.number:
            numbers.set_owner(org, old_number, None)
        others = [entry for entry in record.get('phone_numbers', []) if entry.get('type') != WORK]
        if self.number:
            numbers.set_owner(org, self.number, {'id': record['id'], 'type': OWNER_TYPE})
            others.insert(0, {'type': WORK, 'value': self.number, 'primary': True})
        record['phone_numbers'] = others
        record['location_id'] = self.location_id
        record['extension'] = self.extension
        index.refresh_person(org, record['id'])


def clear_calling(org: Org, record: Person) -> None:
    """Take a person's Webex Calling data away (its license is gone): location, extension, number back to stock,
    and the person's call settings (Webex deletes them with the calling user)."""
    number = calling_number(org, record)
    if number:
        numbers.set_owner(org, number, None)
    for settings in (org.outgoing_permissions, org.call_forwarding, org.push_to_talk):
        settings.pop(record['id'], None)
    record['phone_numbers'] = [entry for entry in record.get('phone_numbers', []) if entry.get('value') != number]
    record['location_id'] = None
    record['extension'] = None
    index.refresh_person(org, record['id'])


def validate_calling(
    org: Org,
    person_id: str,
    location_id: str | None,
    extension: str | None,
    number: str | None,
    prefix: str = '',
) -> CallingChange:
    """Check a calling assignment without changing anything: the location must be enabled for Webex Calling, an
    extension or number is required, the extension must be free in the location and the number in its inventory and
    unassigned. Without a location, the number's inventory location is used (as ``PATCH /licenses/users`` does)."""
    if number and not _E164.match(number):
        raise BadRequest(f'Invalid value for {prefix}phoneNumber: {number!r}; expected E.164 (+34910000100).')
    if number and not location_id:
        location_id = org.numbers.get(number, {}).get('location_id')
        if location_id is None:
            raise BadRequest(f'{prefix}phoneNumber {number} is not a number of the organization.')
    if not location_id:
        raise BadRequest(
            f'A Webex Calling license needs {prefix}locationId.', descriptions=[f'{prefix}locationId is required.']
        )
    if location_id not in org.calling_locations:
        raise BadRequest('Unable to find location', descriptions=['Unable to find location.'], error_code=400)
    if not extension and not number:
        raise BadRequest(
            f'A Webex Calling license needs {prefix}extension or a work phone number in the same request.',
            descriptions=[f'{prefix}extension or phoneNumber is required.'],
        )
    if extension:
        numbers.check_extension(org, extension, f'{prefix}extension')
        numbers.check_extension_free(org, location_id, extension, person_id, f'{prefix}extension')
    if number:
        numbers.check_number_assignable(org, location_id, number, person_id, f'{prefix}phoneNumber')
    return CallingChange(location_id, extension, number)


def create(org: Org, data: dict[str, Any], *, number_failure: int | None = None) -> Person:
    """Create a person from a snake_case body: 400 on invalid fields or an incomplete calling assignment, 409 when
    the e-mail is taken. Licenses without free units are left out (and with them the calling data).
    ``number_failure`` (a status, from a ``partial`` fault) makes this create a partial one, like
    ``Org.number_assignment_failures``."""
    emails = _emails(data)
    if not any(text(data, key) for key in ('display_name', 'first_name', 'last_name')):
        raise BadRequest('At least one of displayName, firstName or lastName is required.')
    if find_by_email(org, emails[0]) is not None:
        raise Conflict(f'User with email {emails[0]} already exists.')
    person_id = org.new_id(ids.PEOPLE)
    granted = [lid for lid in _license_ids(org, data) or [] if licenses.units_left(org, lid) > 0]
    phone_numbers = _phone_numbers(data) or []
    change = None
    if any(licenses.is_calling_user_license(org, lid) for lid in granted):
        change = validate_calling(
            org, person_id, text(data, 'location_id'), text(data, 'extension'), _work_number(phone_numbers)
        )
    failure = None
    if change is not None and change.number and (number_failure or org.number_assignment_failures):
        status = number_failure or org.number_assignment_failures.pop(0)
        failure = (status, change.number)
        change = CallingChange(change.location_id, change.extension, None)
    now = timestamp()
    record: Person = {
        'id': person_id,
        'emails': emails,
        'phone_numbers': [entry for entry in phone_numbers if change is None or entry['type'] != WORK],
        'extension': None,
        'location_id': None,
        'org_id': org.id,
        'roles': [],
        'licenses': granted,
        'created': now,
        'last_modified': now,
        'status': 'pending',
        'invite_pending': True,
        'login_enabled': True,
        'type': 'person',
    }
    _apply_names(record, data)
    if change is not None:
        change.commit(org, record)
    org.people[person_id] = record
    index.refresh_person(org, person_id)
    if failure is not None:
        raise error_for_status(failure[0], f'The person was created, but assigning phone number {failure[1]} failed.')
    return record


def update(org: Org, person_id: str, data: dict[str, Any], *, calling_data: bool, failure: int | None = None) -> Person:
    """Replace a person's details (``PUT /people/{id}``). Calling fields are read only with ``callingData=true``,
    which then needs a calling license in ``licenses``; the location of a calling user cannot change.

    ``failure`` (a status, from a ``partial`` fault) emulates what Cisco documents: "a PUT request that returns an
    error response code may still have altered some values" (the People API is several services): the directory
    fields (e-mails, names, other phone numbers) change, the licenses and calling data do not, and the status is
    answered."""
    if failure is not None:
        return _partial_update(org, person_id, data, failure)
    record = get(org, person_id)
    updated: Person = {**record, 'licenses': list(record.get('licenses', []))}
    if data.get('emails') is not None:
        emails = _emails(data)
        other = find_by_email(org, emails[0])
        if other is not None and other['id'] != person_id:
            raise Conflict(f'User with email {emails[0]} already exists.')
        updated['emails'] = emails
    _apply_names(updated, data)
    asked = _license_ids(org, data)
    if asked is not None:
        held = record.get('licenses', [])
        updated['licenses'] = [lid for lid in asked if lid in held or licenses.units_left(org, lid) > 0]
    was_calling, will_call = is_calling_user(org, record), is_calling_user(org, updated)
    phone_numbers = _phone_numbers(data)
    change = None
    if calling_data:
        if not will_call:
            raise BadRequest(
                'When callingData is true, a Webex Calling license must be included in the licenses array.'
            )
        location_id = text(data, 'location_id')
        if was_calling and location_id and location_id != record.get('location_id'):
            raise BadRequest(
                'locationId cannot be changed for an existing Webex Calling user.',
                descriptions=['The locationId can only be set when assigning a calling license to a user.'],
            )
        number = _work_number(phone_numbers or [])
        change = validate_calling(
            org, person_id, location_id or record.get('location_id'), text(data, 'extension'), number
        )
    elif will_call and not was_calling:
        raise BadRequest(
            'Assigning a Webex Calling license with PUT /people needs callingData=true, a locationId and '
            'an extension or work phone number.'
        )
    if phone_numbers is not None:
        # a calling user's work number is managed with its calling data; its other numbers are directory data
        managed = was_calling or will_call
        kept = [entry for entry in record.get('phone_numbers', []) if managed and entry.get('type') == WORK]
        updated['phone_numbers'] = kept + [entry for entry in phone_numbers if not managed or entry['type'] != WORK]
    updated['last_modified'] = timestamp()
    if change is not None:
        change.commit(org, updated)
    elif was_calling and not will_call:
        clear_calling(org, updated)
    org.people[person_id] = updated
    index.refresh_person(org, person_id)
    return updated


def _partial_update(org: Org, person_id: str, data: dict[str, Any], failure: int) -> Person:
    record = get(org, person_id)
    updated: Person = {**record}
    if data.get('emails') is not None:
        emails = _emails(data)
        other = find_by_email(org, emails[0])
        if other is None or other['id'] == person_id:
            updated['emails'] = emails
    _apply_names(updated, data)
    phone_numbers = _phone_numbers(data)
    if phone_numbers is not None:
        kept = [entry for entry in record.get('phone_numbers', []) if entry.get('type') == WORK]
        updated['phone_numbers'] = kept + [entry for entry in phone_numbers if entry['type'] != WORK]
    updated['last_modified'] = timestamp()
    org.people[person_id] = updated
    index.refresh_person(org, person_id)
    raise error_for_status(failure, 'Some of the changes could not be applied: the calling data was not updated.')


def delete(org: Org, person_id: str) -> None:
    """Delete a person: its number goes back to stock and its licenses free their units."""
    clear_calling(org, get(org, person_id))
    del org.people[person_id]
    index.refresh_person(org, person_id)


def change_licenses(org: Org, record: Person, requests: list[dict[str, Any]]) -> list[WebexError]:
    """Apply ``PATCH /licenses/users`` license requests to a person, removals first; the errors of those that failed
    (each request stands alone, as Webex's partial success does)."""
    failed: list[WebexError] = []
    for request in sorted(requests, key=lambda item: item.get('operation') != 'remove'):
        try:
            _change_license(org, record, request)
        except WebexError as error:
            failed.append(error)
    record['last_modified'] = timestamp()
    index.refresh_person(org, record['id'])
    return failed


def _change_license(org: Org, record: Person, request: dict[str, Any]) -> None:
    license_id, operation = request.get('id'), request.get('operation') or 'add'
    if operation not in ('add', 'remove'):
        raise BadRequest(f'Invalid value for operation: {operation!r}; expected add or remove.')
    if license_id not in org.licenses:
        raise BadRequest(
            'License not recognized', descriptions=[f'License not recognized {license_id}'], error_code=400000
        )
    held = record['licenses']
    if operation == 'remove':
        if license_id in held:
            held.remove(license_id)
            if licenses.is_calling_user_license(org, license_id):
                clear_calling(org, record)
        return
    if license_id in held:
        return
    name = org.licenses[license_id]['name']
    if licenses.is_workspace_only(org, license_id):
        raise BadRequest(f'License {name!r} can only be assigned to a workspace.')
    licenses.check_units(org, license_id)
    if licenses.is_calling_user_license(org, license_id):
        if is_calling_user(org, record):
            raise BadRequest(
                'License conflict',
                descriptions=[
                    'User cannot have both Webex Calling Professional and Standard License together. The following '
                    f'license(s) could not be applied as requested: {license_id}'
                ],
                error_code=400404,
            )
        properties = request.get('properties')
        if not properties:
            raise BadRequest(
                'License properties missing',
                descriptions=[
                    'Each Webex Calling license should contain its own calling properties. The following license(s) '
                    f'do not have properties: {license_id}'
                ],
                error_code=400411,
            )
        validate_calling(
            org,
            record['id'],
            text(properties, 'location_id', 'properties.'),
            text(properties, 'extension', 'properties.'),
            text(properties, 'phone_number', 'properties.'),
            'properties.',
        ).commit(org, record)
    held.append(license_id)


def _emails(data: dict[str, Any]) -> list[str]:
    emails = data.get('emails')
    if not emails:
        raise BadRequest('Missing required field(s): emails.', descriptions=['emails is required.'])
    if not isinstance(emails, list) or not all(isinstance(item, str) and _EMAIL.match(item) for item in emails):
        raise BadRequest(f'Invalid value for emails: {emails!r}; expected a list of e-mail addresses.')
    return emails


def _apply_names(record: Person, data: dict[str, Any]) -> None:
    for key in NAME_FIELDS:
        value = text(data, key)
        if value is not None:
            record[key] = value
    if not record.get('display_name'):
        record['display_name'] = ' '.join(filter(None, (record.get('first_name'), record.get('last_name'))))


def _license_ids(org: Org, data: dict[str, Any]) -> list[str] | None:
    asked = data.get('licenses')
    if asked is None:
        return None
    if not isinstance(asked, list) or not all(isinstance(item, str) for item in asked):
        raise BadRequest('Invalid value for licenses: expected a list of license ids.')
    for license_id in asked:
        if license_id not in org.licenses:
            raise BadRequest(
                'License not recognized', descriptions=[f'License not recognized {license_id}'], error_code=400000
            )
        if licenses.is_workspace_only(org, license_id):
            raise BadRequest(f'License {org.licenses[license_id]["name"]!r} can only be assigned to a workspace.')
    if sum(licenses.is_calling_user_license(org, license_id) for license_id in set(asked)) > 1:
        raise BadRequest(
            'License conflict',
            descriptions=['User cannot have both Webex Calling Professional and Standard License together.'],
            error_code=400404,
        )
    return list(dict.fromkeys(asked))


def _phone_numbers(data: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The body's phone numbers without the derived ``work_extension`` entries; None when the body has none."""
    given = data.get('phone_numbers')
    if given is None:
        return None
    if not isinstance(given, list) or not all(
        isinstance(item, dict) and isinstance(item.get('type'), str) and isinstance(item.get('value'), str)
        for item in given
    ):
        raise BadRequest('Invalid value for phoneNumbers: expected a list of {type, value}.')
    return [
        {key: item[key] for key in ('type', 'value', 'primary') if key in item}
        for item in given
        if item['type'] not in DERIVED_TYPES
    ]


def _work_number(phone_numbers: list[dict[str, Any]]) -> str | None:
    return next((entry['value'] for entry in phone_numbers if entry['type'] == WORK), None)
