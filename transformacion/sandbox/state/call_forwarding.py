"""Call forwarding of people and workspaces (``.../features/callForwarding``): Webex defaults, validation and
partial updates (each section merges the fields sent; absent sections and fields are kept)."""

from __future__ import annotations

import copy
import re
from typing import TYPE_CHECKING, Any, TypedDict

from ..errors import BadRequest
from . import features
from .checks import flag, obj, text

if TYPE_CHECKING:
    from .org import Org

MIN_RINGS = 2
SYSTEM_MAX_RINGS = 20
DEFAULT_RINGS = 3
#: A destination: an E.164 number, or digits (extension, ESN or national number).
DESTINATION = re.compile(r'^(\+[1-9]\d{6,14}|\d{2,20})$')
#: the sections under ``callForwarding`` -> their name on the wire
FORWARDS = {'always': 'always', 'busy': 'busy', 'no_answer': 'noAnswer'}


class CallForwarding(TypedDict, total=False):
    call_forwarding: dict[str, dict[str, Any]]
    business_continuity: dict[str, Any]


def defaults() -> CallForwarding:
    """What Webex reports for an entity whose forwarding was never changed: everything disabled, 3 rings."""
    return {
        'call_forwarding': {
            'always': {'enabled': False, 'ring_reminder_enabled': False, 'destination_voicemail_enabled': False},
            'busy': {'enabled': False, 'destination_voicemail_enabled': False},
            'no_answer': {
                'enabled': False,
                'number_of_rings': DEFAULT_RINGS,
                'system_max_number_of_rings': SYSTEM_MAX_RINGS,
                'destination_voicemail_enabled': False,
            },
        },
        'business_continuity': {'enabled': False, 'destination_voicemail_enabled': False},
    }


def read(org: Org, kind: str, entity_id: str) -> CallForwarding:
    """The forwarding settings of a person or workspace (a copy); 404 for an unknown or non-calling entity."""
    features.calling_entity(org, kind, entity_id)
    return copy.deepcopy(org.call_forwarding.get(entity_id) or defaults())


def update(org: Org, kind: str, entity_id: str, data: dict[str, Any]) -> None:
    """Merge the sections and fields of ``data`` into the entity's forwarding; read-only and unknown fields are
    ignored. 400 on a malformed destination, an enabled forward without destination, rings out of range."""
    record = read(org, kind, entity_id)
    forwarding = obj(data, 'call_forwarding') or {}
    for name, wire_name in FORWARDS.items():
        prefix = f'callForwarding.{wire_name}.'
        changes = forwarding.get(name)
        if changes is None:
            continue
        if not isinstance(changes, dict):
            raise BadRequest(f'Invalid value for {prefix.rstrip(".")}: expected an object.')
        _merge(record['call_forwarding'][name], changes, prefix, rings=name == 'no_answer', reminder=name == 'always')
    continuity = obj(data, 'business_continuity')
    if continuity is not None:
        _merge(record['business_continuity'], continuity, 'businessContinuity.', rings=False, reminder=False)
    org.call_forwarding[entity_id] = record


def _merge(section: dict[str, Any], changes: dict[str, Any], prefix: str, *, rings: bool, reminder: bool) -> None:
    for key in ('enabled', 'destination_voicemail_enabled', *(('ring_reminder_enabled',) if reminder else ())):
        value = flag(changes, key)
        if value is not None:
            section[key] = value
    if 'destination' in changes:
        destination = text(changes, 'destination', prefix)
        if destination in (None, ''):
            section.pop('destination', None)
        elif not DESTINATION.match(destination):
            raise BadRequest(
                f'Invalid value for {prefix}destination: {destination!r}; expected a phone number or an extension.'
            )
        else:
            section['destination'] = destination
    if rings and changes.get('number_of_rings') is not None:
        value = changes['number_of_rings']
        if not isinstance(value, int) or isinstance(value, bool) or not MIN_RINGS <= value <= SYSTEM_MAX_RINGS:
            raise BadRequest(
                f'Invalid value for {prefix}numberOfRings: {value!r}; numberOfRings must be between {MIN_RINGS} and '
                f'{SYSTEM_MAX_RINGS}, inclusive.'
            )
        section['number_of_rings'] = value
    if section['enabled'] and not section.get('destination'):
        raise BadRequest(
            f'Invalid value for {prefix}destination: a destination is required when forwarding is enabled.'
        )
