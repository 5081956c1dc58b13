"""Locations (``/v1/locations``): search, create and update with the validation Webex applies."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypedDict

from .. import ids
from ..errors import BadRequest, Conflict, NotFound
from .checks import field_name, missing, obj, one_of, require, set_or_clear, text

if TYPE_CHECKING:
    from .org import Org

NAME_MAX = 256
#: Locations enabled for Webex Calling keep names of at most this length.
CALLING_NAME_MAX = 80
REQUIRED = ('name', 'time_zone', 'preferred_language', 'announcement_language', 'address')
ADDRESS_REQUIRED = ('address1', 'city', 'state', 'postal_code', 'country')
ADDRESS_OPTIONAL = ('address2',)
OPTIONAL = ('latitude', 'longitude', 'notes')


class Address(TypedDict, total=False):
    address1: str
    address2: str
    city: str
    state: str
    postal_code: str
    country: str


class Location(TypedDict, total=False):
    id: str
    name: str
    org_id: str
    time_zone: str
    preferred_language: str
    announcement_language: str
    address: Address
    latitude: str
    longitude: str
    notes: str


def search(org: Org, *, name: str | None = None, location_id: str | None = None) -> list[Location]:
    """Locations whose name contains ``name`` (case-insensitive) and/or with the given id."""
    found = list(org.locations.values())
    if name is not None:
        found = [loc for loc in found if name.lower() in loc['name'].lower()]
    if location_id is not None:
        found = [loc for loc in found if loc['id'] == location_id]
    return found


def get(org: Org, location_id: str) -> Location:
    """The location with ``location_id``; 404 when there is none."""
    try:
        return org.locations[location_id]
    except KeyError:
        raise NotFound('Location not found.') from None


def create(org: Org, data: dict[str, Any]) -> Location:
    """Create a location from a snake_case body; 400 on missing or invalid fields, 409 on a duplicate name."""
    require(missing(data, REQUIRED) + missing(obj(data, 'address'), ADDRESS_REQUIRED, 'address.'))
    record: Location = {'id': org.new_id(ids.LOCATION), 'org_id': org.id}
    _apply(org, record, data)
    org.locations[record['id']] = record
    return record


def update(org: Org, location_id: str, data: dict[str, Any]) -> Location:
    """Update a location; fields left out (or null, for required ones) keep their value."""
    record = get(org, location_id)
    updated: Location = {**record, 'address': {**record.get('address', {})}}
    _apply(org, updated, data)
    org.locations[location_id] = updated
    return updated


def _apply(org: Org, record: Location, data: dict[str, Any]) -> None:
    name = text(data, 'name', max_length=NAME_MAX)
    if name is not None:
        _check_name(org, record['id'], name.strip())
        record['name'] = name.strip()
    time_zone = text(data, 'time_zone')
    if time_zone is not None:
        one_of(time_zone, org.time_zones, 'timeZone')
        record['time_zone'] = time_zone
    for key, accepted in (
        ('preferred_language', org.preferred_languages),
        ('announcement_language', org.announcement_languages),
    ):
        value = text(data, key)
        if value is not None:
            one_of(value, accepted, field_name(key), ignore_case=True)
            record[key] = value
    address = obj(data, 'address')
    if address is not None:
        record['address'] = _address(record.get('address', {}), address)
    for key in OPTIONAL:
        if key in data:
            set_or_clear(record, key, None if data[key] is None else str(data[key]))


def _check_name(org: Org, location_id: str, name: str) -> None:
    if not name:
        require(['name'])
    if any(loc['name'].lower() == name.lower() and loc['id'] != location_id for loc in org.locations.values()):
        raise Conflict(f'Location name {name!r} already exists in the organization.')
    if location_id in org.calling_locations and len(name) > CALLING_NAME_MAX:
        raise BadRequest(
            f'Location name is too long: a Webex Calling location name has at most {CALLING_NAME_MAX} characters.'
        )


def _address(current: Address, changes: dict[str, Any]) -> Address:
    merged: dict[str, Any] = dict(current)
    for key in ADDRESS_REQUIRED + ADDRESS_OPTIONAL:
        if key in changes:
            value = text(changes, key, 'address.')
            if value is not None or key in ADDRESS_OPTIONAL:
                set_or_clear(merged, key, value)
    require(missing(merged, ADDRESS_REQUIRED, 'address.'))
    country = merged['country']
    if len(country) != 2 or not country.isalpha():
        raise BadRequest(f'Invalid value for address.country: {country!r}; expected an ISO-3166 2-letter code.')
    return merged
