"""Alternate (secondary, non-primary) numbers of a person or workspace: ``PUT /telephony/config/people/{id}/numbers``
and ``PUT /telephony/config/workspaces/{id}/numbers`` (``phoneNumbers: [{primary: false, action: ADD|DELETE,
directNumber, extension?, ringPattern?}]``), read back in ``GET /people/{id}/features/numbers`` and
``GET /workspaces/{id}/features/numbers`` after the primary entry.

An added number must be E.164, in the inventory of the holder's location and free (400 / 409 as the other
assignments); the inventory then shows the holder as its owner. ``primary: true`` is refused (this operation only
handles alternate numbers; the primary number changes with the person or workspace). Deleting a number the holder
does not have as an alternate is a 400. The holder must have Webex Calling (404).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ..errors import BadRequest
from . import numbers
from .features import PERSON, WORKSPACE, calling_entity

if TYPE_CHECKING:
    from .org import Org

ACTIONS = ('ADD', 'DELETE')
RING_PATTERNS = ('NORMAL', 'LONG_LONG', 'SHORT_SHORT_LONG', 'SHORT_LONG_SHORT')
OWNER_TYPES = {PERSON: 'PEOPLE', WORKSPACE: 'PLACE'}
_E164 = re.compile(r'^\+[1-9]\d{6,14}$')


def of(org: Org, holder_id: str) -> list[dict[str, Any]]:
    """The holder's alternate numbers, ``[{direct_number, ring_pattern?}]`` (empty when none)."""
    return list(org.alternate_numbers.get(holder_id, []))


def update(org: Org, kind: str, holder_id: str, data: dict[str, Any]) -> None:
    """Apply ``phone_numbers`` ADD/DELETE entries (snake_case body), every entry checked before any change."""
    holder = calling_entity(org, kind, holder_id)
    entries = data.get('phone_numbers')
    if not isinstance(entries, list) or not entries:
        raise BadRequest('phoneNumbers is required.')
    current = {item['direct_number'] for item in of(org, holder_id)}
    adds: list[dict[str, Any]] = []
    deletes: set[str] = set()
    for index, entry in enumerate(entries):
        entry = entry if isinstance(entry, dict) else {}
        field = f'phoneNumbers[{index}]'
        number, action = entry.get('direct_number'), entry.get('action')
        if entry.get('primary') is True:
            raise BadRequest(f'{field}.primary: only alternate numbers (primary false) can be assigned here.')
        if action not in ACTIONS:
            raise BadRequest(f'Invalid value for {field}.action: {action!r}; expected ADD or DELETE.')
        if not isinstance(number, str) or not _E164.match(number):
            raise BadRequest(f'Invalid value for {field}.directNumber: {number!r}; expected E.164 (+34910000100).')
        pattern = entry.get('ring_pattern')
        if pattern is not None and pattern not in RING_PATTERNS:
            raise BadRequest(f'Invalid value for {field}.ringPattern: {pattern!r}.')
        if action == 'DELETE':
            if number not in current:
                raise BadRequest(f'{field}.directNumber {number} is not an alternate number of this {kind}.')
            deletes.add(number)
            continue
        if number in current:
            continue
        numbers.check_number_assignable(org, holder['location_id'], number, holder_id, f'{field}.directNumber')
        adds.append({'direct_number': number, **({'ring_pattern': pattern} if pattern else {})})
    kept = [item for item in of(org, holder_id) if item['direct_number'] not in deletes]
    for number in deletes:
        numbers.set_owner(org, number, None)
    for item in adds:
        numbers.set_owner(org, item['direct_number'], {'id': holder_id, 'type': OWNER_TYPES[kind]})
    org.alternate_numbers[holder_id] = kept + adds
    if not org.alternate_numbers[holder_id]:
        del org.alternate_numbers[holder_id]


def entries(org: Org, holder_id: str, number_key: str) -> list[dict[str, Any]]:
    """The alternate numbers as ``GET .../features/numbers`` lists them (``number_key``: ``direct_number`` for
    people, ``external`` for workspaces), primary false."""
    return [
        {number_key: item['direct_number'], 'primary': False, 'ring_pattern': item.get('ring_pattern', 'NORMAL')}
        for item in of(org, holder_id)
    ]
