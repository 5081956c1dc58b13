"""Exchanges recorded on a sandbox, rebuilt as OpenAPI requests and responses and validated against Cisco's specs
(tests/data/openapi).

The specs have defects; each workaround is narrow (one field, one operation) and names the defect:

1. No ``servers`` block: paths are relative to https://webexapis.com/v1. The sandbox base URL is added.
2. 204 answers declare ``content: {}`` (openapi-core then expects a body): ``content`` is dropped for the 204s the
   tests validate (``PUT /locations/{locationId}``, ``DELETE /people/{personId}``, ``DELETE
   /workspaces/{workspaceId}``).
3. ``#/components/schemas/Location`` of webex-device.json is the *workspace* location schema (its name collides
   with /workspaceLocations): it requires countryCode/latitude/longitude and types ``address`` as a string. The two
   /locations read operations get the Location object documented for them instead (the shape of their examples).
4. ``Person.invitePending`` and ``Person.loginEnabled`` are declared as the strings "true"/"false"; Webex sends
   booleans (as the spec examples and wxc_sdk's Person model show). They are declared boolean here.

Only successful exchanges are validated: the specs declare no body for error answers.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request
from werkzeug.wrappers import Response as WerkzeugResponse
from wxc_sdk import WebexSimpleApi

from tests.support.files import DATA
from transformacion.sandbox import running_sandbox

SPECS = DATA / 'openapi'
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


@dataclass(frozen=True)
class Recording:
    """What a scenario exchanged with a sandbox (started with ``record_bodies``), and that sandbox's base URL."""

    base_url: str
    journal: list[dict[str, Any]]


def record(scenario: Callable[[WebexSimpleApi], None]) -> Recording:
    """Run ``scenario`` with the real wxc_sdk client on a fresh sandbox that records bodies."""
    with running_sandbox(record_bodies=True) as sandbox:
        api = WebexSimpleApi(tokens=sandbox.token, retry_429=False)
        api.session.BASE = sandbox.base_url
        scenario(api)
        return Recording(sandbox.base_url, sandbox.journal())


def load_spec(name: str, prefixes: tuple[str, ...], base_url: str) -> dict[str, Any]:
    """The spec reduced to the paths starting with ``prefixes``, with the sandbox as its server (defect 1)."""
    spec = json.loads((SPECS / name).read_text('utf-8'))
    spec['paths'] = {path: item for path, item in spec['paths'].items() if path.startswith(prefixes)}
    spec['servers'] = [{'url': base_url}]
    return spec


def drop_204_content(spec: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    """Defect 2 for one operation."""
    spec['paths'][path][method]['responses']['204'].pop('content')
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
    return drop_204_content(spec, '/locations/{locationId}', 'put')


def as_openapi(base_url: str, entry: dict[str, Any]) -> tuple[WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse]:
    """Rebuild a journaled exchange; credentials are never journaled and the specs require none."""
    origin = base_url.removesuffix('/v1')
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


def validate(spec: dict[str, Any], base_url: str, exchanges: list[dict[str, Any]]) -> None:
    """Every exchange's request and response conform to ``spec``; openapi-core raises on the first that does not."""
    openapi = OpenAPI.from_dict(spec)
    for entry in exchanges:
        request, response = as_openapi(base_url, entry)
        openapi.validate_request(request)
        openapi.validate_response(request, response)
