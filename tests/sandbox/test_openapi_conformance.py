"""Exchanges recorded during a wxc_sdk scenario validate against Cisco's OpenAPI specs (tests/data/openapi).

The specs have defects; each workaround below is narrow (one field, one operation) and names the defect:

1. No ``servers`` block: paths are relative to https://webexapis.com/v1. The sandbox base URL is added.
2. 204 answers declare ``content: {}`` (openapi-core then expects a body): ``content`` is dropped for the 204 of
   ``PUT /locations/{locationId}``.
3. ``#/components/schemas/Location`` of webex-device.json is the *workspace* location schema (its name collides
   with /workspaceLocations): it requires countryCode/latitude/longitude and types ``address`` as a string. The two
   /locations read operations get the Location object documented for them instead (the shape of their examples).
4. ``Person.invitePending`` and ``Person.loginEnabled`` are declared as the strings "true"/"false"; Webex sends
   booleans (as the spec examples and wxc_sdk's Person model show). They are declared boolean here.

Only successful exchanges are validated: the specs declare no body for error answers.
"""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request
from werkzeug.wrappers import Response as WerkzeugResponse
from wxc_sdk import WebexSimpleApi
from wxc_sdk.locations import Location, LocationAddress

from transformacion.sandbox import Sandbox, running_sandbox

SPECS = Path(__file__).resolve().parents[1] / 'data' / 'openapi'
ADMIN_PATHS = ('/people', '/licenses', '/organizations')
DEVICE_PATHS = ('/locations',)

STRING = {'type': 'string'}
#: The Location object of GET /locations and GET /locations/{locationId}, as documented on developer.webex.com.
LOCATION_SCHEMA = {
    'type': 'object',
    'required': ['id', 'name', 'orgId'],
    'properties': {
        'id': STRING,
        'name': STRING,
        'orgId': STRING,
        'address': {
            'type': 'object',
            'required': ['address1', 'city', 'state', 'postalCode', 'country'],
            'properties': {key: STRING for key in ('address1', 'address2', 'city', 'state', 'postalCode', 'country')},
        },
        'timeZone': STRING,
        'preferredLanguage': STRING,
        'latitude': STRING,
        'longitude': STRING,
        'notes': STRING,
    },
}


def load_spec(name: str, prefixes: tuple[str, ...], base_url: str) -> dict[str, Any]:
    """The spec reduced to the paths the scenario uses, with the sandbox as its server (defect 1)."""
    spec = json.loads((SPECS / name).read_text('utf-8'))
    spec['paths'] = {path: item for path, item in spec['paths'].items() if path.startswith(prefixes)}
    spec['servers'] = [{'url': base_url}]
    return spec


def fix_admin_spec(spec: dict[str, Any]) -> dict[str, Any]:
    person = spec['components']['schemas']['Person']['properties']
    for key in ('invitePending', 'loginEnabled'):
        person[key] = {'type': 'boolean'}  # defect 4
    return spec


def fix_device_spec(spec: dict[str, Any]) -> dict[str, Any]:
    paths = spec['paths']
    collection = {'type': 'object', 'properties': {'items': {'type': 'array', 'items': LOCATION_SCHEMA}}}
    # defect 3
    paths['/locations']['get']['responses']['200']['content'] = {'application/json': {'schema': collection}}
    paths['/locations/{locationId}']['get']['responses']['200']['content'] = {
        'application/json': {'schema': LOCATION_SCHEMA}
    }
    # defect 2
    paths['/locations/{locationId}']['put']['responses']['204'].pop('content')
    return spec


def run_scenario(api: WebexSimpleApi) -> None:
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


@pytest.fixture(scope='module')
def recorded() -> Iterator[tuple[Sandbox, list[dict[str, Any]]]]:
    with running_sandbox(record_bodies=True) as sb:
        api = WebexSimpleApi(tokens=sb.token, retry_429=False)
        api.session.BASE = sb.base_url
        run_scenario(api)
        yield sb, sb.journal()


def as_openapi(sb: Sandbox, entry: dict[str, Any]) -> tuple[WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse]:
    """Rebuild the exchange from the journal; credentials are never journaled and the specs require none."""
    origin = sb.base_url.removesuffix('/v1')
    body = entry.get('request_body')
    builder = EnvironBuilder(
        method=entry['method'],
        base_url=origin,
        path=entry['path'],
        query_string=urlencode(entry['query']),
        data=None if body is None else json.dumps(body),
        content_type=None if body is None else 'application/json',
    )
    request = WerkzeugOpenAPIRequest(Request(builder.get_environ()))
    response_body = entry['response_body']
    response = WerkzeugResponse(
        b'' if response_body is None else json.dumps(response_body),
        status=entry['status'],
        headers={k: v for k, v in entry['response_headers'].items() if k != 'Content-Type'},
        content_type=entry['response_headers'].get('Content-Type'),
    )
    return request, WerkzeugOpenAPIResponse(response)


def test_scenario_covers_every_read_and_write(recorded: tuple[Sandbox, list[dict[str, Any]]]) -> None:
    _, journal = recorded

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
    recorded: tuple[Sandbox, list[dict[str, Any]]], spec_name: str, prefixes: tuple[str, ...], fix: Any
) -> None:
    sb, journal = recorded
    openapi = OpenAPI.from_dict(fix(load_spec(spec_name, prefixes, sb.base_url)))
    exchanges = [e for e in journal if e['path'].removeprefix('/v1').startswith(prefixes)]

    for entry in exchanges:
        request, response = as_openapi(sb, entry)
        openapi.validate_request(request)
        openapi.validate_response(request, response)

    assert len(exchanges) >= 6
