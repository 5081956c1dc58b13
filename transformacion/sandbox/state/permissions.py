"""Outgoing calling permissions of locations, people and workspaces (``.../outgoingPermission``).

One record per entity in ``org.outgoing_permissions`` (keyed by the entity's Webex id), created on the first
update; until then the entity has Webex's defaults. Locations have only ``calling_permissions``; people and
workspaces also ``use_custom_enabled`` (false: they follow their location) and ``use_custom_permissions``.
An update changes only the call types it lists and the flags it sets (absent or null: unchanged).
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any, TypedDict

from ..errors import BadRequest, NotFound
from . import people, telephony_locations, workspaces
from .checks import flag

if TYPE_CHECKING:
    from .org import Org

LOCATION = 'location'
PERSON = 'person'
WORKSPACE = 'workspace'

#: The call types Webex reports today (LOCAL and TOLL, still in wxc_sdk's enum, are gone from the public API).
CALL_TYPES = (
    'INTERNAL_CALL',
    'TOLL_FREE',
    'INTERNATIONAL',
    'OPERATOR_ASSISTED',
    'CHARGEABLE_DIRECTORY_ASSISTED',
    'SPECIAL_SERVICES_I',
    'SPECIAL_SERVICES_II',
    'PREMIUM_SERVICES_I',
    'PREMIUM_SERVICES_II',
    'NATIONAL',
)
ACTIONS = ('ALLOW', 'BLOCK', 'AUTH_CODE', 'TRANSFER_NUMBER_1', 'TRANSFER_NUMBER_2', 'TRANSFER_NUMBER_3')
#: Webex's defaults for a new entity: (action, transfer_enabled) per call type.
DEFAULTS = {
    'INTERNAL_CALL': ('ALLOW', True),
    'TOLL_FREE': ('ALLOW', True),
    'INTERNATIONAL': ('BLOCK', False),
    'OPERATOR_ASSISTED': ('ALLOW', True),
    'CHARGEABLE_DIRECTORY_ASSISTED': ('BLOCK', True),
    'SPECIAL_SERVICES_I': ('ALLOW', True),
    'SPECIAL_SERVICES_II': ('ALLOW', True),
    'PREMIUM_SERVICES_I': ('BLOCK', False),
    'PREMIUM_SERVICES_II': ('BLOCK', False),
    'NATIONAL': ('ALLOW', True),
}
FLAGS = ('use_custom_enabled', 'use_custom_permissions')


class CallingPermission(TypedDict):
    call_type: str
    action: str
    transfer_enabled: bool
    is_call_type_restriction_enabled: bool


class OutgoingPermission(TypedDict, total=False):
    use_custom_enabled: bool
    use_custom_permissions: bool
    calling_permissions: list[CallingPermission]


def _check_entity(org: Org, kind: str, entity_id: str) -> None:
    """404 unless the entity exists and has Webex Calling."""
    if kind == LOCATION:
        telephony_locations.get(org, entity_id)
    elif kind == PERSON:
        if not people.get(org, entity_id).get('location_id'):
            raise NotFound('Person is not a Webex Calling user.')
    elif workspaces.get(org, entity_id)['calling']['type'] != 'webexCalling':
        raise NotFound('Workspace is not a Webex Calling workspace.')


def default(kind: str) -> OutgoingPermission:
    """What a new entity of ``kind`` has."""
    record: OutgoingPermission = (
        {} if kind == LOCATION else {'use_custom_enabled': False, 'use_custom_permissions': False}
    )
    record['calling_permissions'] = [
        {
            'call_type': call_type,
            'action': action,
            'transfer_enabled': transfer,
            'is_call_type_restriction_enabled': False,
        }
        for call_type, (action, transfer) in DEFAULTS.items()
    ]
    return record


def get(org: Org, kind: str, entity_id: str) -> OutgoingPermission:
    """The outgoing permissions of an entity (a copy); 404 for an unknown entity or one without Webex Calling."""
    _check_entity(org, kind, entity_id)
    return copy.deepcopy(org.outgoing_permissions.get(entity_id) or default(kind))


def update(org: Org, kind: str, entity_id: str, data: dict[str, Any]) -> None:
    """Apply an update (snake_case body); 400 for a bad flag, an unknown call type or action, or a change to a
    call type whose restriction Webex enforces. Nothing changes unless the whole body is valid."""
    record = get(org, kind, entity_id)
    if kind != LOCATION:
        for key in FLAGS:
            value = flag(data, key)
            if value is not None:
                record[key] = value  # type: ignore[literal-required]
    changes = data.get('calling_permissions')
    if changes is not None:
        if not isinstance(changes, list):
            raise BadRequest('Invalid value for callingPermissions: expected an array.')
        by_type = {entry['call_type']: entry for entry in record['calling_permissions']}
        for change in changes:
            _apply(by_type, change)
    org.outgoing_permissions[entity_id] = record


def _apply(by_type: dict[str, CallingPermission], change: Any) -> None:
    if not isinstance(change, dict):
        raise BadRequest('Invalid value for callingPermissions: expected an array of objects.')
    call_type, action = change.get('call_type'), change.get('action')
    if call_type not in by_type:
        raise BadRequest(
            f'Invalid value for callingPermissions.callType: {call_type!r}.',
            descriptions=[f'callType {call_type!r} is not supported; supported: {", ".join(by_type)}.'],
        )
    entry = by_type[call_type]
    if action is not None and action not in ACTIONS:
        raise BadRequest(
            f'Invalid value for callingPermissions.action: {action!r}.',
            descriptions=[f'action {action!r} is not supported for callType {call_type}.'],
        )
    transfer = change.get('transfer_enabled')
    if transfer is not None and not isinstance(transfer, bool):
        raise BadRequest('Invalid value for callingPermissions.transferEnabled: expected true or false.')
    updated = {**entry}
    if action is not None:
        updated['action'] = action
    if transfer is not None:
        updated['transfer_enabled'] = transfer
    if updated != entry and entry['is_call_type_restriction_enabled']:
        raise BadRequest(f'callType {call_type} is restricted by the system and cannot be modified.')
    entry.update(updated)  # type: ignore[typeddict-item]
