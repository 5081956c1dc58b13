"""Exchanges recorded during a wxc_sdk scenario validate against Cisco's OpenAPI specs (tests/data/openapi), with
the narrow workarounds of the specs' defects that tests/support/openapi.py lists."""

from collections.abc import Callable
from typing import Any

import pytest
from wxc_sdk import WebexSimpleApi
from wxc_sdk.locations import Location, LocationAddress

from tests.support.openapi import (
    ADMIN_PATHS,
    DEVICE_PATHS,
    Recording,
    fix_admin_spec,
    fix_device_spec,
    load_spec,
    validate,
)


def scenario(api: WebexSimpleApi) -> None:
    """People, licenses, organizations and locations: every read and write the specs are checked on."""
    me = api.people.me()
    list(api.people.list(max=1))
    lucia = next(iter(api.people.list(email='lucia.martin@transformacion-demo.example.com', calling_data=True)))
    api.people.details(lucia.person_id, calling_data=True)
    licenses = api.licenses.list()
    api.licenses.details(licenses[0].license_id)
    list(api.licenses.assigned_users(licenses[0].license_id, limit=1))
    api.organizations.list()
    api.organizations.details(me.org_id)
    location_id = api.locations.create(
        'Oficina Zaragoza',
        'Europe/Madrid',
        'es_ES',
        'es_es',
        'Paseo Independencia 8',
        'Zaragoza',
        'Z',
        '50004',
        'ES',
        address2='2º',
        latitude='41.65',
        longitude='-0.88',
        notes='Nueva',
    )
    api.locations.details(location_id)
    api.locations.update(
        location_id, Location(name='Oficina Zaragoza Centro', address=LocationAddress(city='Zaragoza'))
    )
    list(api.locations.list(max=1))
    list(api.locations.list(name='zaragoza'))


def test_scenario_covers_every_read_and_write(recorded: Recording) -> None:
    journal = recorded.journal

    operations = {(e['method'], e['path'].split('/')[2], e['status']) for e in journal}

    assert operations == {
        ('GET', 'people', 200),
        ('GET', 'licenses', 200),
        ('GET', 'organizations', 200),
        ('GET', 'locations', 200),
        ('POST', 'locations', 201),
        ('PUT', 'locations', 204),
    }
    assert any('Link' in e['response_headers'] for e in journal)


@pytest.mark.parametrize(
    ('spec_name', 'prefixes', 'fix'),
    [
        ('webex-admin.json', ADMIN_PATHS, fix_admin_spec),
        ('webex-device.json', DEVICE_PATHS, fix_device_spec),
    ],
)
def test_exchanges_conform_to_the_spec(
    recorded: Recording, spec_name: str, prefixes: tuple[str, ...], fix: Callable[[dict[str, Any]], dict[str, Any]]
) -> None:
    exchanges = [e for e in recorded.journal if e['path'].removeprefix('/v1').startswith(prefixes)]

    validate(fix(load_spec(spec_name, prefixes, recorded.base_url)), recorded.base_url, exchanges)

    assert len(exchanges) >= 6
