"""What the user tests know of the sandbox's default org, and helpers that add to its state what a test needs."""

from __future__ import annotations

import json
from typing import Any

from transformacion.core.params import NUMBER_RANGES
from transformacion.sandbox import Sandbox, ids
from transformacion.sandbox.state import load_fixture

FIXTURE = load_fixture()
DOMAIN = 'transformacion-demo.example.com'
SEDE_CENTRAL = next(loc['id'] for loc in FIXTURE['locations'].values() if loc['name'] == 'Sede Central')


#: The fixture holds the calling licenses in two subscriptions: the older one, listed first, has no free unit.
OLD_SUBSCRIPTION, CURRENT_SUBSCRIPTION = 'Sub-TRANSF-0000', 'Sub-TRANSF-0001'


def license_id(name: str, subscription: str = CURRENT_SUBSCRIPTION) -> str:
    return next(
        lic['id']
        for lic in FIXTURE['licenses'].values()
        if lic['name'] == name and lic['subscription_id'] == subscription
    )


def person_id(email: str) -> str:
    return next(p['id'] for p in FIXTURE['people'].values() if p['emails'] == [email])


PROFESSIONAL = license_id('Webex Calling - Professional')
PROFESSIONAL_OLD = license_id('Webex Calling - Professional', OLD_SUBSCRIPTION)
BASIC = license_id('Webex Calling - Basic')
WORKSPACES = license_id('Webex Calling - Workspaces')
MEETINGS = license_id('Meeting - Webex Meetings')
LUCIA = f'lucia.martin@{DOMAIN}'
JORGE = f'jorge.ruiz@{DOMAIN}'
ADMIN = f'admin@{DOMAIN}'
LUCIA_ID, JORGE_ID, ADMIN_ID = person_id(LUCIA), person_id(JORGE), person_id(ADMIN)


def people_with_email(sandbox: Sandbox, email: str) -> list[dict[str, Any]]:
    with sandbox.org.lock:
        return [dict(p) for p in sandbox.org.people.values() if email in p['emails']]


def consumed(sandbox: Sandbox, license_id: str) -> int:
    from transformacion.sandbox.state import licenses

    with sandbox.org.lock:
        return licenses.get(sandbox.org, license_id)['consumed_units']


def set_total_units(sandbox: Sandbox, license_id: str, total: int) -> None:
    with sandbox.org.lock:
        sandbox.org.licenses[license_id]['total_units'] = total


def number_owner(sandbox: Sandbox, number: str) -> str | None:
    with sandbox.org.lock:
        return (sandbox.org.numbers[number].get('owner') or {}).get('id')


def add_calling_location(sandbox: Sandbox, name: str, numbers: str = '', city: str = 'Madrid') -> str:
    """A location enabled for Webex Calling with ``numbers`` (E.164 numbers or ranges, as in ubicaciones.csv)."""
    org = sandbox.org
    with org.lock:
        location_id = org.new_id(ids.LOCATION)
        org.locations[location_id] = {
            'id': location_id,
            'name': name,
            'org_id': org.id,
            'time_zone': 'Europe/Madrid',
            'preferred_language': 'es_ES',
            'announcement_language': 'es_es',
            'address': {
                'address1': 'Calle Mayor 1',
                'city': city,
                'state': city,
                'postal_code': '28013',
                'country': 'ES',
            },
        }
        org.calling_locations[location_id] = {
            'id': location_id,
            'announcement_language': 'es_es',
            'calling_line_id': {'name': name},
            'user_limit': 500000,
            'enforce_outside_dial_digit': False,
            'default_domain': '12345678.eu.bcld.webex.com',
            'e911_setup_required': False,
        }
        for number in NUMBER_RANGES.coerce(numbers) if numbers else []:
            org.numbers[number] = {
                'phone_number': number,
                'location_id': location_id,
                'state': 'ACTIVE',
                'toll_free_number': False,
                'owner': None,
            }
    return location_id


def writes_summary(sandbox: Sandbox, since: int = 0) -> list[tuple[str, str, int | None]]:
    """(method, path without /v1, status) of every write the sandbox received."""
    return [(w['method'], w['path'].removeprefix('/v1'), w['status']) for w in sandbox.writes(since)]


def log_events(run: Any) -> list[dict[str, Any]]:
    with open(run.result['summary']['log_file'], encoding='utf-8') as handle:
        return [json.loads(line) for line in handle]
