"""Webex Calling side of locations (``/v1/telephony/config/locations``): enable, read and update calling details."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypedDict

from ..errors import BadRequest, Conflict, NotFound
from . import jobs, locations, numbers
from .checks import flag, missing, obj, one_of, require, set_or_clear, text

if TYPE_CHECKING:
    from .org import Org

#: What a new calling location gets that the request does not set.
USER_LIMIT = 500000
ROUTE_TYPES = ('TRUNK', 'ROUTE_GROUP')
ROUTING_PREFIX_MAX = 7
#: errorCode of the 400 for a routing prefix another location uses (wxc_sdk tests/test_locations.py, live org)
ROUTING_PREFIX_IN_USE = 5600
TEXT_FIELDS = ('external_caller_id_name', 'p_access_network_info', 'charge_number')
FLAG_FIELDS = ('enforce_outside_dial_digit', 'use_charge_number_for_p_charge_info')


class CallingLocation(TypedDict, total=False):
    id: str
    announcement_language: str
    calling_line_id: dict[str, str]
    connection: dict[str, str]
    subscription_id: str
    external_caller_id_name: str
    user_limit: int
    p_access_network_info: str
    outside_dial_digit: str
    enforce_outside_dial_digit: bool
    routing_prefix: str
    default_domain: str
    charge_number: str
    use_charge_number_for_p_charge_info: bool
    e911_setup_required: bool


def get(org: Org, location_id: str) -> CallingLocation:
    """The calling record of a location; 404 when the location does not exist or is not enabled for calling."""
    try:
        return org.calling_locations[location_id]
    except KeyError:
        raise NotFound('Location not found or not enabled for Webex Calling.') from None


def view(org: Org, location_id: str) -> dict[str, Any]:
    """The calling details of an enabled location, with its name (which the location record owns)."""
    return {**get(org, location_id), 'name': org.locations[location_id]['name']}


def search(org: Org, *, name: str | None = None, order: str | None = None) -> list[dict[str, Any]]:
    """Calling locations whose name contains ``name`` (case-insensitive); ``order`` sorts by name (asc/desc)."""
    found = [view(org, location_id) for location_id in org.calling_locations]
    if name is not None:
        found = [loc for loc in found if name.lower() in loc['name'].lower()]
    if order is not None:
        found.sort(key=lambda loc: loc['name'].lower(), reverse='desc' in order.lower())
    return found


def enable(org: Org, data: dict[str, Any]) -> str:
    """Enable an existing location for Webex Calling from the whole location body; returns its id.

    400 on missing fields, an announcement language not in lowercase form or a name longer than 80
    characters; 404 for an unknown location; 409 when the location is already enabled.
    """
    require(
        missing(data, ('id', *locations.REQUIRED))
        + missing(obj(data, 'address'), locations.ADDRESS_REQUIRED, 'address.')
    )
    location = locations.get(org, data['id'])
    if location['id'] in org.calling_locations:
        raise Conflict(f'Location {location["name"]!r} is already enabled for Webex Calling.')
    if len(text(data, 'name')) > locations.CALLING_NAME_MAX:
        raise BadRequest(
            f'Invalid value for name: a Webex Calling location name has at most '
            f'{locations.CALLING_NAME_MAX} characters.'
        )
    language = text(data, 'announcement_language')
    one_of(language, org.announcement_languages, 'announcementLanguage')
    org.calling_locations[location['id']] = {
        'id': location['id'],
        'announcement_language': language,
        'calling_line_id': {'name': org.display_name},
        'user_limit': USER_LIMIT,
        'enforce_outside_dial_digit': False,
        'default_domain': f'{org.rng.randrange(10**7, 10**8)}.eu.bcld.webex.com',
        'e911_setup_required': False,
    }
    return location['id']


def update(
    org: Org,
    location_id: str,
    data: dict[str, Any],
    *,
    job_delay_s: float = 0.0,
    job_result: str = 'COMPLETED',
) -> dict[str, str]:
    """Update calling details; read-only and unknown fields are ignored, as Webex does.

    The main number (``calling_line_id.phone_number``) must be in the location's number inventory. A new routing
    prefix is not applied here: it starts an update-routing-prefix job (state/jobs.py) that applies it
    ``job_delay_s`` later, and the answer is ``{batch_job_id}``; with ``job_result`` NOT_TRIGGERED no job starts
    and the answer is ``{failure_reason}`` (Webex's 206). Every other field is applied at once. 400 for an invalid
    value, or a prefix another location uses (errorCode 5600, as wxc_sdk's live test observes); 409 (JobInProgress)
    while another prefix job runs, before anything is applied.
    """
    record: CallingLocation = {**get(org, location_id)}
    language = text(data, 'announcement_language')
    if language is not None:
        one_of(language, org.announcement_languages, 'announcementLanguage')
        record['announcement_language'] = language
    calling_line_id = obj(data, 'calling_line_id')
    if calling_line_id is not None:
        record['calling_line_id'] = _calling_line_id(
            org, location_id, record.get('calling_line_id', {}), calling_line_id
        )
    new_prefix = record.get('routing_prefix')
    if 'routing_prefix' in data:
        new_prefix = _routing_prefix(org, location_id, data['routing_prefix'])
    if 'outside_dial_digit' in data:
        set_or_clear(record, 'outside_dial_digit', _outside_dial_digit(data['outside_dial_digit']))
    connection = obj(data, 'connection')
    if connection is not None:
        record['connection'] = _connection(org, connection)
    for key in TEXT_FIELDS:
        if key in data:
            set_or_clear(record, key, text(data, key))
    for key in FLAG_FIELDS:
        if data.get(key) is not None:
            record[key] = flag(data, key)
    answer: dict[str, str] = {}
    old_prefix = record.get('routing_prefix')
    if new_prefix != old_prefix:
        if job_result == 'NOT_TRIGGERED':
            answer['failure_reason'] = jobs.not_triggered(location_id, old_prefix, new_prefix)
        else:
            answer['batch_job_id'] = jobs.start(
                org, location_id, old_prefix, new_prefix, delay_s=job_delay_s, result=job_result
            )
    org.calling_locations[location_id] = record
    return answer


def _calling_line_id(org: Org, location_id: str, current: dict[str, str], changes: dict[str, Any]) -> dict[str, str]:
    merged = dict(current)
    for key in ('name', 'phone_number'):
        if key in changes:
            set_or_clear(merged, key, text(changes, key, 'callingLineId.'))
    number = merged.get('phone_number')
    if number is not None and number not in numbers.location_numbers(org, location_id):
        raise BadRequest(f'Invalid value for callingLineId.phoneNumber: {number} is not a number of this location.')
    return merged


def _routing_prefix(org: Org, location_id: str, value: Any) -> str | None:
    if value in (None, ''):
        return None
    if not isinstance(value, str) or not value.isdigit() or len(value) > ROUTING_PREFIX_MAX:
        raise BadRequest(f'Invalid value for routingPrefix: {value!r}; expected 1 to {ROUTING_PREFIX_MAX} digits.')
    for other_id, other in org.calling_locations.items():
        if other_id != location_id and other.get('routing_prefix') == value:
            raise BadRequest(
                f'Routing prefix {value} is already used by location {org.locations[other_id]["name"]!r}.',
                error_code=ROUTING_PREFIX_IN_USE,
            )
    return value


def _outside_dial_digit(value: Any) -> str | None:
    if value in (None, ''):
        return None
    if not isinstance(value, str) or len(value) != 1 or not value.isdigit():
        raise BadRequest(f'Invalid value for outsideDialDigit: {value!r}; expected a single digit.')
    return value


def _connection(org: Org, connection: dict[str, Any]) -> dict[str, str]:
    route_type, route_id = connection.get('type'), connection.get('id')
    if route_type not in ROUTE_TYPES:
        raise BadRequest(
            f'Invalid value for connection.type: {route_type!r}; only TRUNK and ROUTE_GROUP are supported.'
        )
    targets = org.trunks if route_type == 'TRUNK' else org.route_groups
    if route_id not in targets:
        raise BadRequest(f'Invalid value for connection.id: no {route_type} with id {route_id!r}.')
    return {'type': route_type, 'id': route_id}
