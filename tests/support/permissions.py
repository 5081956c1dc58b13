"""Helpers of the outgoing-permissions tests: an entity's permissions as the sandbox holds them, read and seeded."""

from __future__ import annotations

from typing import Any

from transformacion.sandbox.state import permissions as sandbox_permissions

#: Every call type's permission in Webex's defaults: ``{call type: {action, transfer_enabled}}``.
DEFAULTS = {
    call_type: {'action': a, 'transfer_enabled': t} for call_type, (a, t) in sandbox_permissions.DEFAULTS.items()
}


def stored(org: Any, kind: str, entity_id: str) -> dict[str, Any]:
    """The entity's permissions in the sandbox: flags plus ``{call type: {action, transfer_enabled}}``."""
    with org.lock:
        record = sandbox_permissions.get(org, kind, entity_id)
    state = {key: record[key] for key in sandbox_permissions.FLAGS if key in record}
    for entry in record['calling_permissions']:
        state[entry['call_type']] = {'action': entry['action'], 'transfer_enabled': entry['transfer_enabled']}
    return state


def seed(org: Any, kind: str, entity_id: str, flags: dict[str, bool] | None = None, **types: tuple) -> None:
    """Put the entity's permissions straight into the state: ``NATIONAL=('BLOCK', False)`` or ``(..., restricted)``."""
    with org.lock:
        record = sandbox_permissions.get(org, kind, entity_id)
        record.update(flags or {})
        for entry in record['calling_permissions']:
            if entry['call_type'] in types:
                action, transfer, *restricted = types[entry['call_type']]
                entry.update(action=action, transfer_enabled=transfer)
                entry['is_call_type_restriction_enabled'] = bool(restricted and restricted[0])
        org.outgoing_permissions[entity_id] = record
