"""What the tests know of the sandbox's default org (the packaged fixture, seed 0), and helpers that read or add to
its state what a test needs."""

from __future__ import annotations

import json
from typing import Any

from transformacion.core.params import NUMBER_RANGES
from transformacion.sandbox import Sandbox, ids
from transformacion.sandbox.state import licenses, load_fixture

FIXTURE = load_fixture()
DOMAIN = 'transformacion-demo.example.com'
ORG_ID = FIXTURE['id']


def _id(kind: str, field: str, value: str) -> str:
    return next(item['id'] for item in FIXTURE[kind].values() if item[field] in (value, [value]))


#: The fixture holds the calling licenses in two subscriptions: the older one, listed first, has no free unit.
OLD_SUBSCRIPTION, CURRENT_SUBSCRIPTION = 'Sub-TRANSF-0000', 'Sub-TRANSF-0001'


def license_id(name: str, subscription: str = CURRENT_SUBSCRIPTION) -> str:
    return next(
        lic['id']
        for lic in FIXTURE['licenses'].values()
        if lic['name'] == name and lic['subscription_id'] == subscription
    )


def person_id(email: str) -> str:
    return _id('people', 'emails', email)


SEDE_CENTRAL = 'Sede Central'
SEDE_CENTRAL_ID = _id('locations', 'name', SEDE_CENTRAL)
PROFESSIONAL = license_id('Webex Calling - Professional')
PROFESSIONAL_OLD = license_id('Webex Calling - Professional', OLD_SUBSCRIPTION)
BASIC = license_id('Webex Calling - Basic')
WORKSPACES = license_id('Webex Calling - Workspaces')
MEETINGS = license_id('Meeting - Webex Meetings')
#: Calling users of Sede Central (Lucía: extension 1001, Jorge: 1002) and the admin, who has no Webex Calling.
LUCIA = f'lucia.martin@{DOMAIN}'
JORGE = f'jorge.ruiz@{DOMAIN}'
ADMIN = f'admin@{DOMAIN}'
LUCIA_ID, JORGE_ID, ADMIN_ID = (_id('people', 'emails', email) for email in (LUCIA, JORGE, ADMIN))
#: Workspaces of Sede Central: Recepción has Webex Calling, Sala Goya free calling, Sala Velázquez hybrid calling.
RECEPCION = 'Recepción Sede Central'
SALA_GOYA = 'Sala Goya'
SALA_VELAZQUEZ = 'Sala Velázquez'
RECEPCION_ID, SALA_GOYA_ID = (_id('workspaces', 'display_name', name) for name in (RECEPCION, SALA_GOYA))
#: A well-formed person id that no person has.
UNKNOWN_PERSON_ID = 'Y2lzY29zcGFyazovL3VzL1BFT1BMRS8wMDAwMDAwMC0wMDAwLTQwMDAtODAwMC0wMDAwMDAwMDAwMDA'


def people_with_email(sandbox: Sandbox, email: str) -> list[dict[str, Any]]:
    with sandbox.org.lock:
        return [dict(p) for p in sandbox.org.people.values() if email in p['emails']]


def consumed(sandbox: Sandbox, license_id: str) -> int:
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


#: A second customer: base64 of ciscospark://us/ORGANIZATION/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0
OTHER_ORG_ID = 'Y2lzY29zcGFyazovL3VzL09SR0FOSVpBVElPTi8wYjFjMmQzZS00ZjUwLTYxNzItODM5NC1hNWI2YzdkOGU5ZjA'
OTHER_ORG_NAME = 'Otra Cliente S.L.'


def other_org_fixture() -> dict[str, Any]:
    """The default org under another id and name: a second customer built like the first (a sandbox serves one)."""
    text = json.dumps(FIXTURE).replace(ORG_ID, OTHER_ORG_ID)
    return {**json.loads(text), 'display_name': OTHER_ORG_NAME}
