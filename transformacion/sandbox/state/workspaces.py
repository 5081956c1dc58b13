"""Workspaces (``/v1/workspaces``): create, search, update and delete, with the Webex Calling rules Webex applies.

A workspace record keeps the public fields of ``GET /workspaces/{id}`` plus, for ``webexCalling``, its
``extension`` and ``phone_number`` (``PRIVATE``): Webex never returns those in the workspace body, only through
``GET /workspaces/{id}/features/numbers``. The license a workspace consumes is the one listed under
``calling.webex_calling.licenses``.

Fidelity choices: ids are ``ciscospark://us/PLACE/<uuid>`` as the project's README says (the example in
webex-device.json spells ``PLACES``); hot-desk-only workspaces are not modelled, so Webex Calling always needs an
extension or a number; a PUT that echoes the calling a GET showed (wxc_sdk's update does) changes nothing, even
for hybridCalling, whose calling Webex refuses to change; a license is picked, when none is named, in the order of
``WORKSPACE_LICENSES`` (Webex says "the oldest suitable one").
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from typing import TYPE_CHECKING, Any, TypedDict

from .. import ids
from ..errors import BadRequest, Conflict, NotFound
from . import index, licenses, numbers
from .checks import missing, obj, one_of, require, set_or_clear, text
from .org import timestamp

if TYPE_CHECKING:
    from .org import Org

NAME_MAX = 256
CALLING_TYPES = ['freeCalling', 'hybridCalling', 'webexCalling', 'webexEdgeForDevices', 'thirdPartySipCalling', 'none']
#: Calling types from which ``PUT /workspaces/{id}`` may change the calling (Webex refuses hybridCalling and edge).
UPDATABLE_FROM = ('freeCalling', 'none', 'thirdPartySipCalling', 'webexCalling')
WORKSPACE_TYPES = ['notSet', 'focus', 'huddle', 'meetingRoom', 'open', 'desk', 'other']
SUPPORTED_DEVICES = ['collaborationDevices', 'phones']
CALENDAR_TYPES = ['none', 'google', 'microsoft']
HOTDESKING = ['on', 'off']
#: Licenses a Webex Calling workspace can consume, in the order the sandbox picks one when the request names none.
WORKSPACE_LICENSES = ('Webex Calling - Workspaces', 'Webex Calling - Professional')
#: Fields the workspace record keeps that the workspace body never shows.
PRIVATE = ('extension', 'phone_number')
OWNER_TYPE = 'PLACE'
_E164 = re.compile(r'^\+[1-9]\d{6,14}$')


class Workspace(TypedDict, total=False):
    id: str
    org_id: str
    location_id: str
    display_name: str
    capacity: int
    type: str
    sip_address: str
    created: str
    calling: dict[str, Any]
    calendar: dict[str, Any]
    notes: str
    hotdesking_status: str
    supported_devices: str
    device_hosted_meetings: dict[str, Any]
    device_platform: str
    health: dict[str, Any]
    planned_maintenance: dict[str, Any]
    extension: str
    phone_number: str


def get(org: Org, workspace_id: str) -> Workspace:
    """The workspace with ``workspace_id``; 404 when there is none."""
    try:
        return org.workspaces[workspace_id]
    except KeyError:
        raise NotFound('Workspace not found.') from None


def public(record: Workspace) -> dict[str, Any]:
    """The record without the fields Webex keeps out of the workspace body."""
    return {key: value for key, value in record.items() if key not in PRIVATE}


def search(
    org: Org,
    *,
    display_name: str | None = None,
    location_id: str | None = None,
    calling: str | None = None,
    supported_devices: str | None = None,
    workspace_type: str | None = None,
    capacity: int | None = None,
) -> list[Workspace]:
    """Workspaces matching every filter given: name contained (case-insensitive), location, calling type, supported
    devices, type (``notSet`` for none) and capacity (-1 for none)."""
    if display_name is not None:
        found = [org.workspaces[ws_id] for ws_id in index.of(org).workspace_text.containing(display_name.lower())]
    else:
        found = list(org.workspaces.values())
    if location_id is not None:
        found = [ws for ws in found if ws.get('location_id') == location_id]
    if calling is not None:
        found = [ws for ws in found if ws['calling']['type'] == calling]
    if supported_devices is not None:
        found = [ws for ws in found if ws.get('supported_devices') == supported_devices]
    if workspace_type is not None:
        found = [ws for ws in found if ws.get('type', 'notSet') == workspace_type]
    if capacity is not None:
        found = [ws for ws in found if ws.get('capacity', -1) == capacity]
    return found


def license_holders(org: Org, license_id: str) -> list[Workspace]:
    """Workspaces consuming the license, in the order of ``org.workspaces``."""
    held = index.of(org).license_workspaces.get(license_id, set())
    return [ws for ws in org.workspaces.values() if ws['id'] in held]


def license_holder_count(org: Org, license_id: str) -> int:
    """How many workspaces consume the license (an index look-up: state/index.py)."""
    return len(index.of(org).license_workspaces.get(license_id, ()))


def create(org: Org, data: dict[str, Any]) -> Workspace:
    """Create a workspace from a snake_case body: 400 on invalid fields, 409 on a duplicate name in the location or
    an extension/number in use; calling defaults to freeCalling and supported devices to collaborationDevices."""
    require(missing(data, ('display_name',)))
    record: Workspace = {
        'id': org.new_id(ids.PLACE),
        'org_id': org.id,
        'created': timestamp(),
        'calendar': {'type': 'none'},
        'hotdesking_status': 'off',
        'device_hosted_meetings': {'enabled': False},
        'device_platform': 'cisco',
        'health': {'level': 'ok', 'issues': []},
        'planned_maintenance': {'mode': 'off'},
    }
    supported = text(data, 'supported_devices') or 'collaborationDevices'
    one_of(supported, SUPPORTED_DEVICES, 'supportedDevices')
    record['supported_devices'] = supported
    location_id = _location(org, data)
    calling = obj(data, 'calling') or {'type': 'freeCalling'}
    apply_calling = _calling(org, record, location_id, calling)
    location_id = location_id or apply_calling.location_id
    _apply(org, record, data, location_id)
    record['sip_address'] = _sip_address(org, record['display_name'])
    apply_calling.commit(org, record)
    org.workspaces[record['id']] = record
    index.refresh_workspace(org, record['id'])
    return record


def update(org: Org, workspace_id: str, data: dict[str, Any]) -> Workspace:
    """Update a workspace: location, supported devices, calendar and calling keep their value when left out;
    capacity, type and notes left out are cleared (as Webex documents for PUT)."""
    record = get(org, workspace_id)
    updated: Workspace = {**record}
    location_id = _location(org, data)
    current_location = record.get('location_id')
    if location_id is not None and current_location is not None and location_id != current_location:
        raise BadRequest('locationId cannot be changed once configured.')
    supported = text(data, 'supported_devices')
    if supported is not None and supported != record.get('supported_devices'):
        raise BadRequest('supportedDevices cannot be changed once configured.')
    location_id = location_id or current_location
    apply_calling = None
    calling = obj(data, 'calling')
    if calling is not None and not _same_calling(record, calling):
        if record['calling']['type'] not in UPDATABLE_FROM:
            raise BadRequest(
                f'Updating calling is not supported for a workspace with calling {record["calling"]["type"]}.'
            )
        apply_calling = _calling(org, record, location_id, calling)
        location_id = location_id or apply_calling.location_id
    for key in ('capacity', 'type', 'notes'):
        updated.pop(key, None)
    _apply(org, updated, data, location_id)
    if apply_calling is not None:
        apply_calling.commit(org, updated)
    org.workspaces[workspace_id] = updated
    index.refresh_workspace(org, workspace_id)
    return updated


def delete(org: Org, workspace_id: str) -> None:
    """Delete a workspace, releasing its number and license; its call settings go with it (they live under its id,
    like a deleted person's)."""
    record = get(org, workspace_id)
    if record.get('phone_number'):
        numbers.set_owner(org, record['phone_number'], None)
    for settings in (org.outgoing_permissions, org.call_forwarding, org.push_to_talk):
        settings.pop(workspace_id, None)
    del org.workspaces[workspace_id]
    index.refresh_workspace(org, workspace_id)


def numbers_view(org: Org, workspace_id: str) -> dict[str, Any]:
    """What ``GET /workspaces/{id}/features/numbers`` answers; 404 for a workspace without Webex Calling."""
    record = get(org, workspace_id)
    if record['calling']['type'] != 'webexCalling':
        raise NotFound('Workspace is not enabled for Webex Calling.')
    location_id = record['location_id']
    entries = []
    if record.get('extension') or record.get('phone_number'):
        entry: dict[str, Any] = {'external': record.get('phone_number'), 'primary': True}
        if record.get('extension'):
            prefix = org.calling_locations.get(location_id, {}).get('routing_prefix')
            entry.update({'extension': record['extension'], 'routing_prefix': prefix})
            entry['esn'] = f'{prefix}{record["extension"]}' if prefix else record['extension']
        entries.append(entry)
    # alternate numbers (state/alternate_numbers.py), after the primary entry
    entries += [
        {'external': item['direct_number'], 'primary': False, 'ring_pattern': item.get('ring_pattern', 'NORMAL')}
        for item in org.alternate_numbers.get(record['id'], [])
    ]
    return {
        'phone_numbers': entries,
        'workspace': {'id': record['id']},
        'location': {'id': location_id, 'name': org.locations[location_id]['name']},
        'organization': {'id': org.id, 'name': org.display_name},
    }


# --------------------------------------------------------------------------- rules


def _apply(org: Org, record: Workspace, data: dict[str, Any], location_id: str | None) -> None:
    name = text(data, 'display_name', max_length=NAME_MAX)
    if name is not None:
        if not name.strip():
            require(['displayName'])
        record['display_name'] = name.strip()
    set_or_clear(record, 'location_id', location_id)
    _check_name(org, record['id'], record['display_name'], location_id)
    if 'capacity' in data and data['capacity'] is not None:
        capacity = data['capacity']
        if not isinstance(capacity, int) or isinstance(capacity, bool) or capacity < 0:
            raise BadRequest('Invalid value for capacity: expected a non-negative number.')
        record['capacity'] = capacity
    workspace_type = text(data, 'type')
    if workspace_type is not None:
        one_of(workspace_type, WORKSPACE_TYPES, 'type')
        record['type'] = workspace_type
    notes = text(data, 'notes')
    if notes is not None:
        record['notes'] = notes
    hotdesking = text(data, 'hotdesking_status')
    if hotdesking is not None:
        one_of(hotdesking, HOTDESKING, 'hotdeskingStatus')
        record['hotdesking_status'] = hotdesking
    calendar = obj(data, 'calendar')
    if calendar is not None:
        calendar_type = text(calendar, 'type') or 'none'
        one_of(calendar_type, CALENDAR_TYPES, 'calendar.type')
        email = text(calendar, 'email_address')
        if calendar_type != 'none' and not email:
            require(['calendar.emailAddress'])
        record['calendar'] = (
            {'type': calendar_type} if calendar_type == 'none' else {'type': calendar_type, 'email_address': email}
        )


def _check_name(org: Org, workspace_id: str, name: str, location_id: str | None) -> None:
    if index.of(org).workspace_names.get((location_id, name.lower()), set()) - {workspace_id}:
        raise Conflict(f'A workspace named {name!r} already exists in this location.')


def _location(org: Org, data: dict[str, Any]) -> str | None:
    """The location the body names (``locationId``, or the legacy ``workspaceLocationId``); 400 when unknown."""
    for key, api_name in (('location_id', 'locationId'), ('workspace_location_id', 'workspaceLocationId')):
        value = text(data, key)
        if value:
            if value not in org.locations:
                raise BadRequest(f'Invalid value for {api_name}: location {value} not found.')
            return value
    return None


def _sip_address(org: Org, name: str) -> str:
    ascii_name = unicodedata.normalize('NFKD', name.lower()).encode('ascii', 'ignore').decode()
    slug = re.sub(r'[^a-z0-9]+', '', ascii_name) or 'workspace'
    domain = re.sub(r'[^a-z0-9]+', '-', org.display_name.lower()).strip('-')
    return f'{slug}{uuid.UUID(int=org.rng.getrandbits(128)).hex[:6]}@{domain}.rooms.webex.com'


def _licenses_of(record: Workspace) -> list[str]:
    return record.get('calling', {}).get('webex_calling', {}).get('licenses', [])


def _same_calling(record: Workspace, calling: dict[str, Any]) -> bool:
    """True when the request echoes the calling the workspace already has (what a GET showed)."""
    current = record['calling']
    if calling.get('type', current['type']) != current['type']:
        return False
    if current['type'] == 'webexCalling':
        asked = calling.get('webex_calling') or {}
        return not (asked.get('extension') or asked.get('phone_number')) and asked.get('licenses') in (
            None,
            _licenses_of(record),
        )
    return current['type'] != 'hybridCalling' or calling.get('hybrid_calling') == current.get('hybrid_calling')


class _CallingChange:
    """A validated calling change, applied to a record only by ``commit`` (after every other check passed)."""

    def __init__(self, calling: dict[str, Any], location_id: str | None = None, **private: str | None) -> None:
        self.calling = calling
        self.location_id = location_id
        self.private = private

    def commit(self, org: Org, record: Workspace) -> None:
        old_number = record.get('phone_number')
        new_number = self.private.get('phone_number')
        if old_number and old_number != new_number:
            numbers.set_owner(org, old_number, None)
        record['calling'] = self.calling
        for key in PRIVATE:
            set_or_clear(record, key, self.private.get(key))
        if new_number:
            numbers.set_owner(org, new_number, {'id': record['id'], 'type': OWNER_TYPE})
        index.refresh_workspace(org, record['id'])


def _calling(org: Org, record: Workspace, location_id: str | None, calling: dict[str, Any]) -> _CallingChange:
    """Validate the requested calling for ``record`` (create or update) without changing anything."""
    calling_type = text(calling, 'type') or 'freeCalling'
    one_of(calling_type, CALLING_TYPES, 'calling.type')
    if calling_type == 'hybridCalling':
        hybrid = obj(calling, 'hybrid_calling') or {}
        email = text(hybrid, 'email_address')
        if not email:
            require(['calling.hybridCalling.emailAddress'])
        return _CallingChange({'type': calling_type, 'hybrid_calling': {'email_address': email}})
    if calling_type != 'webexCalling':
        return _CallingChange({'type': calling_type})
    return _webex_calling(org, record, location_id, obj(calling, 'webex_calling') or {})


def _webex_calling(org: Org, record: Workspace, location_id: str | None, asked: dict[str, Any]) -> _CallingChange:
    calling_location = text(asked, 'location_id')
    if calling_location and location_id and calling_location != location_id:
        raise BadRequest('calling.webexCalling.locationId must be the location of the workspace.')
    location_id = location_id or calling_location
    if not location_id:
        require(['locationId'])
    if location_id not in org.calling_locations:
        raise BadRequest(f'Location {location_id} is not enabled for Webex Calling.')
    was_calling = record.get('calling', {}).get('type') == 'webexCalling'
    extension = text(asked, 'extension', 'calling.webexCalling.')
    number = text(asked, 'phone_number', 'calling.webexCalling.')
    if not extension and not number:
        if not was_calling:
            raise BadRequest(
                'A Webex Calling workspace needs calling.webexCalling.phoneNumber or calling.webexCalling.extension.'
            )
        extension, number = record.get('extension'), record.get('phone_number')
    if extension:
        numbers.check_extension(org, extension, 'calling.webexCalling.extension')
        numbers.check_extension_free(org, location_id, extension, record['id'], 'calling.webexCalling.extension')
    if number:
        if not _E164.match(number):
            raise BadRequest(f'Invalid value for calling.webexCalling.phoneNumber: {number!r}; expected E.164.')
        numbers.check_number_assignable(org, location_id, number, record['id'], 'calling.webexCalling.phoneNumber')
    license_id = _pick_license(org, record, asked.get('licenses'))
    return _CallingChange(
        {'type': 'webexCalling', 'webex_calling': {'licenses': [license_id]}},
        location_id,
        extension=extension,
        phone_number=number,
    )


def _pick_license(org: Org, record: Workspace, asked: Any) -> str:
    """The license the workspace will consume: the first of ``asked`` (org order) with a free unit, the current one
    when none is asked, else the first workspace-capable license with a free unit; 400 when none has units."""
    current = _licenses_of(record)
    if asked is None and current:
        return current[0]
    if asked is not None:
        if not isinstance(asked, list) or not all(isinstance(item, str) for item in asked):
            raise BadRequest('Invalid value for calling.webexCalling.licenses: expected a list of license ids.')
        for license_id in asked:
            if license_id not in org.licenses:
                raise BadRequest(f'Invalid value for calling.webexCalling.licenses: license {license_id} not found.')
            if org.licenses[license_id].get('name') not in WORKSPACE_LICENSES:
                raise BadRequest(f'License {org.licenses[license_id].get("name")!r} cannot be assigned to a workspace.')
        candidates = [lic for lic in org.licenses.values() if lic['id'] in asked]
    else:
        candidates = sorted(
            (lic for lic in org.licenses.values() if lic.get('name') in WORKSPACE_LICENSES),
            key=lambda lic: WORKSPACE_LICENSES.index(lic['name']),
        )
    for lic in candidates:
        if lic['id'] in current or units_left(org, lic['id']) > 0:
            return lic['id']
    names = ', '.join(repr(lic.get('name')) for lic in candidates) or 'none'
    raise BadRequest(f'No available units for the Webex Calling license(s) {names}.')


def units_left(org: Org, license_id: str) -> int:
    """Units of a license not consumed by people or workspaces."""
    record = org.licenses[license_id]
    used = licenses.holder_count(org, license_id) + license_holder_count(org, license_id)
    return record.get('total_units', 0) - used
