"""The sandbox's answers for the operations of issue 20 (the Move Users job, a person's numbers, the alternate
numbers of people and workspaces) validate against Cisco's cloud-calling spec (tests/data/openapi/
webex-cloud-calling-issue20.json, see NOTICE.md), held strictly: a response field the spec does not declare fails.
Requests are validated too. Only successful exchanges are validated (the spec declares no body for errors)."""

from __future__ import annotations

from typing import Any

import pytest
from openapi_core import OpenAPI
from wxc_sdk import WebexSimpleApi

from tests.support.openapi import Recording, as_openapi, load_spec
from tests.support.org import LUCIA_ID, RECEPCION_ID

SPEC = 'webex-cloud-calling-issue20.json'
PREFIXES = ('/telephony/config/jobs/person/moveLocation', '/people/', '/telephony/config/people/',
            '/telephony/config/workspaces/')  # fmt: skip
JOBS = '/telephony/config/jobs/person/moveLocation'


def scenario(api: WebexSimpleApi) -> None:
    """A validation, a started job followed to its end (status, errors, list), the numbers of people and workspaces."""
    session = api.session
    valencia = next(loc.location_id for loc in api.locations.list() if loc.name == 'Valencia Puerto')
    move = {'userId': LUCIA_ID, 'phoneNumber': '+34960000100'}
    for validate in (True, False):
        body = {'usersList': [{'locationId': valencia, 'validate': validate, 'users': [move]}]}
        answer = session.rest_post(session.ep('telephony/config/jobs/person/moveLocation'), json=body)
    job_id = answer['response']['id']
    session.rest_get(session.ep(f'telephony/config/jobs/person/moveLocation/{job_id}'))
    session.rest_get(session.ep(f'telephony/config/jobs/person/moveLocation/{job_id}/errors'))
    session.rest_get(session.ep('telephony/config/jobs/person/moveLocation'))
    alternate = {'phoneNumbers': [{'primary': False, 'action': 'ADD', 'directNumber': '+34910000004'}]}
    session.rest_put(session.ep(f'telephony/config/workspaces/{RECEPCION_ID}/numbers'), json=alternate)
    alternate['phoneNumbers'][0]['directNumber'] = '+34910000005'
    session.rest_put(session.ep(f'telephony/config/people/{LUCIA_ID}/numbers'), json=alternate)
    api.person_settings.numbers.read(LUCIA_ID)


def strict(node: Any) -> Any:
    """Every object schema with declared properties refuses undeclared ones."""
    if isinstance(node, dict):
        copied = {key: strict(value) for key, value in node.items()}
        if 'properties' in copied and 'additionalProperties' not in copied:
            copied['additionalProperties'] = False
        return copied
    if isinstance(node, list):
        return [strict(item) for item in node]
    return node


@pytest.fixture(scope='module')
def exchanges(recorded: Recording) -> list[dict[str, Any]]:
    return [
        entry
        for entry in recorded.journal
        if entry['status'] < 400 and entry['path'].removeprefix('/v1').startswith(PREFIXES)
    ]


def test_the_scenario_reaches_every_operation(exchanges) -> None:
    reached = {(e['method'], e['path'].removeprefix('/v1').split('/')[-1], e['status']) for e in exchanges}
    assert {('POST', 'moveLocation', 200), ('POST', 'moveLocation', 201), ('GET', 'moveLocation', 200),
            ('GET', 'errors', 200), ('PUT', 'numbers', 204), ('GET', 'numbers', 200)} <= reached  # fmt: skip


def test_every_answer_is_one_the_spec_knows(recorded: Recording, exchanges) -> None:
    spec = load_spec(SPEC, PREFIXES, recorded.base_url)
    for item in spec['paths'].values():
        for operation in item.values():
            answer = operation['responses'].get('204')
            if answer is not None:
                answer.pop('content', None)  # 204 declared with content {} (defect 2 of tests/support/openapi.py)
    served = OpenAPI.from_dict(strict(spec))
    for entry in exchanges:
        request, response = as_openapi(recorded.base_url, {**entry, 'path': entry['path'].rstrip('/')})
        served.validate_request(request)
        served.validate_response(request, response)
