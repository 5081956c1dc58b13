"""Helpers of the outgoing-permissions tests: the seeded entities and their permissions as the sandbox holds them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from transformacion.sandbox.state import permissions as sandbox_permissions

SEDE = 'Sede Central'
LUCIA = 'lucia.martin@transformacion-demo.example.com'
ADMIN = 'admin@transformacion-demo.example.com'
DEFAULTS = {
    call_type: {'action': a, 'transfer_enabled': t} for call_type, (a, t) in sandbox_permissions.DEFAULTS.items()
}


def location_id(org: Any, name: str = SEDE) -> str:
    return next(loc['id'] for loc in org.locations.values() if loc['name'] == name)


def person_id(org: Any, email: str = LUCIA) -> str:
    return next(p['id'] for p in org.people.values() if email in p['emails'])


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


def log_events(run: Any) -> list[dict[str, Any]]:
    with open(run.result['summary']['log_file'], encoding='utf-8') as handle:
        return [json.loads(line) for line in handle]


@pytest.fixture
def org(sandbox):
    return sandbox.org
