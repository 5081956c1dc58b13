"""The sandbox as an authorization server: the refresh grant and the Service App grant with Webex's request and
answer shapes, expiry (Webex's 401), wrong client secrets and revoked refresh tokens refused, nothing secret in
the journal. wxc_sdk's ``Integration.refresh`` is the client of the refresh grant, as in the product."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request
from werkzeug.wrappers import Response as WerkzeugResponse
from wxc_sdk.integration import Integration
from wxc_sdk.tokens import Tokens

from transformacion.sandbox import Sandbox, running_sandbox
from transformacion.sandbox.state.tokens import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_REFRESH_TOKEN,
    DEFAULT_SERVICE_APP_ID,
    WEBEX_ACCESS_LIFETIME,
    WEBEX_REFRESH_LIFETIME,
)

ROOT = Path(__file__).resolve().parents[2]
ADMIN = 'sandbox-admin-token-5e1b'
SECRET = 'secreto-del-cliente-8d2f4a6c0e1b3d5f'
WEBEX_FIELDS = {'access_token', 'expires_in', 'refresh_token', 'refresh_token_expires_in', 'token_type'}
REFRESH = 'refresco-inicial-1a3c5e7b9d0f2a4c6e8b'


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = time.monotonic()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sb(clock) -> Iterator[Sandbox]:
    with running_sandbox(token=ADMIN, token_lifetime=60, client_secret=SECRET, refresh_token=REFRESH) as sandbox:
        sandbox.tokens.clock = clock
        yield sandbox


def integration(sb: Sandbox, client_secret: str = SECRET) -> Integration:
    return Integration(
        client_id=DEFAULT_CLIENT_ID,
        client_secret=client_secret,
        scopes=[],
        redirect_url='',
        token_service=f'{sb.base_url}/access_token',
    )


def refreshed(sb: Sandbox, refresh_token: str = REFRESH, client_secret: str = SECRET) -> Tokens:
    tokens = Tokens(refresh_token=refresh_token)
    integration(sb, client_secret).refresh(tokens)
    return tokens


def me(sb: Sandbox, token: str) -> requests.Response:
    return requests.get(f'{sb.base_url}/people/me', headers={'Authorization': f'Bearer {token}'}, timeout=5)


def refresh_form(sb: Sandbox, **fields: str) -> requests.Response:
    form = {'grant_type': 'refresh_token', 'client_id': DEFAULT_CLIENT_ID, 'client_secret': SECRET}
    return requests.post(f'{sb.base_url}/access_token', data={**form, **fields}, timeout=5)


def service_app_token(sb: Sandbox, bearer: str | None = ADMIN, app_id: str = DEFAULT_SERVICE_APP_ID, **body):
    headers = {'Authorization': f'Bearer {bearer}'} if bearer else {}
    data = {'clientId': DEFAULT_CLIENT_ID, 'clientSecret': SECRET, 'targetOrgId': sb.org.id, **body}
    return requests.post(f'{sb.base_url}/applications/{app_id}/token', json=data, headers=headers, timeout=5)


def admin(sb: Sandbox, method: str, path: str, **kwargs) -> requests.Response:
    return requests.request(method, sb.base_url.removesuffix('/v1') + f'/_sandbox{path}', timeout=5, **kwargs)


def test_the_refresh_grant_answers_webex_fields_and_the_new_token_works(sb):
    answer = refresh_form(sb, refresh_token=REFRESH)
    tokens = refreshed(sb)

    assert answer.status_code == 200
    assert set(answer.json()) == WEBEX_FIELDS
    assert (tokens.expires_in, tokens.refresh_token, tokens.refresh_token_expires_in) == (
        60,
        REFRESH,
        WEBEX_REFRESH_LIFETIME,
    )
    assert tokens.access_token != answer.json()['access_token']
    assert me(sb, tokens.access_token).status_code == 200
    assert [(e['method'], e['path'], e['status']) for e in sb.journal()][:2] == [
        ('POST', '/v1/access_token', 200),
        ('POST', '/v1/access_token', 200),
    ]


def test_an_expired_access_token_gets_webex_401_and_the_personal_token_never_expires(sb, clock):
    tokens = refreshed(sb)
    clock.now += 59
    before = me(sb, tokens.access_token)
    clock.now += 1
    after = me(sb, tokens.access_token)

    assert before.status_code == 200
    assert after.status_code == 401
    body = after.json()
    assert body['message'] == 'The request requires a valid access token set in the Authorization request header.'
    assert body['trackingId'] == after.headers['Trackingid']
    assert [error['description'] for error in body['errors']] == [body['message']]
    assert me(sb, ADMIN).status_code == 200
    assert me(sb, refreshed(sb).access_token).status_code == 200


def test_without_a_lifetime_tokens_never_expire_and_say_webex_14_days(clock):
    with running_sandbox() as sb:
        sb.tokens.clock = clock
        tokens = refreshed(sb, DEFAULT_REFRESH_TOKEN, DEFAULT_CLIENT_SECRET)
        clock.now += 10 * WEBEX_ACCESS_LIFETIME
        answer = me(sb, tokens.access_token)

    assert tokens.expires_in == WEBEX_ACCESS_LIFETIME
    assert answer.status_code == 200


def test_the_lifetime_can_change_while_running(sb, clock):
    sb.tokens.lifetime = 2
    tokens = refreshed(sb)
    clock.now += 2

    assert tokens.expires_in == 2
    assert me(sb, tokens.access_token).status_code == 401


@pytest.mark.parametrize(
    ('fields', 'message'),
    [
        ({'client_secret': 'otro-secreto', 'refresh_token': REFRESH}, '(invalid_client)'),
        ({'client_id': 'C-otro-cliente', 'refresh_token': REFRESH}, '(invalid_client)'),
        ({'refresh_token': 'refresco-desconocido'}, '(invalid_grant)'),
        ({'refresh_token': REFRESH, 'grant_type': 'authorization_code'}, '(unsupported_grant_type)'),
        ({'refresh_token': ''}, '(invalid_request) Missing parameter(s): refresh_token'),
    ],
)
def test_the_refresh_grant_refuses_with_a_400(sb, fields, message):
    answer = refresh_form(sb, **fields)

    assert answer.status_code == 400
    assert answer.json()['message'].startswith(message)


def test_a_revoked_refresh_token_is_refused_and_its_access_tokens_are_not(sb):
    tokens = refreshed(sb)

    revoked = admin(sb, 'POST', '/tokens/revoke', json={'token': REFRESH})
    with pytest.raises(requests.HTTPError) as refused:
        refreshed(sb)

    assert revoked.status_code == 204
    assert refused.value.response.status_code == 400
    assert refused.value.response.json()['message'].startswith('(invalid_grant)')
    assert me(sb, tokens.access_token).status_code == 200


def test_a_revoked_access_token_gets_401(sb):
    tokens = refreshed(sb)

    sb.tokens.revoke(tokens.access_token)

    assert me(sb, tokens.access_token).status_code == 401


def test_revoking_an_unknown_token_is_a_404(sb):
    assert admin(sb, 'POST', '/tokens/revoke', json={'token': 'no-existe'}).status_code == 404
    assert admin(sb, 'POST', '/tokens/revoke', json={'otro': 1}).status_code == 400


def test_rotating_refresh_tokens_answer_a_new_one_and_refuse_the_old():
    with running_sandbox(client_secret=SECRET, refresh_token=REFRESH, rotate_refresh_tokens=True) as sb:
        first = refreshed(sb)
        second = refreshed(sb, first.refresh_token)
        old = refresh_form(sb, refresh_token=REFRESH)

    assert len({REFRESH, first.refresh_token, second.refresh_token}) == 3
    assert old.status_code == 400


def test_a_service_app_token_pair_for_the_org_that_authorized_it(sb):
    answer = service_app_token(sb)
    pair = answer.json()
    tokens = refreshed(sb, pair['refresh_token'])

    assert answer.status_code == 200
    assert set(pair) == WEBEX_FIELDS
    assert (pair['expires_in'], pair['token_type']) == (60, 'Bearer')
    assert me(sb, pair['access_token']).status_code == 200
    assert me(sb, tokens.access_token).status_code == 200


@pytest.mark.parametrize(
    ('change', 'status'),
    [
        ({'bearer': None}, 401),
        ({'bearer': 'token-ajeno'}, 401),
        ({'clientSecret': 'otro-secreto'}, 401),
        ({'targetOrgId': 'Y2lzY29zcGFyazovL3VzL09SR0FOSVpBVElPTi9vdHJh'}, 403),
        ({'app_id': 'Y2lzY29zcGFyazovL3VzL0FQUExJQ0FUSU9OL290cmE'}, 404),
        ({'clientId': ''}, 400),
    ],
)
def test_the_service_app_grant_refuses(sb, change, status):
    answer = service_app_token(sb, **change)

    assert answer.status_code == status
    assert set(answer.json()) == {'message', 'errors', 'trackingId'}


def test_the_journal_and_the_admin_summary_hold_no_secret():
    with running_sandbox(token=ADMIN, client_secret=SECRET, refresh_token=REFRESH, record_bodies=True) as sb:
        tokens = refreshed(sb)
        pair = service_app_token(sb).json()
        summary = admin(sb, 'GET', '/tokens').json()
        journal = repr(sb.journal())

    for secret in (SECRET, REFRESH, ADMIN, tokens.access_token, pair['access_token'], pair['refresh_token']):
        assert secret not in journal
        assert secret not in repr(summary)
    assert (summary['issued'], summary['refreshed']) == (2, 1)
    assert "'client_secret': '***'" in journal


def test_the_command_line_serves_the_options_it_documents():
    wide = {**os.environ, 'COLUMNS': '250'}
    help_text = subprocess.run(
        [sys.executable, '-m', 'transformacion.sandbox', '--help'], cwd=ROOT, env=wide, capture_output=True, text=True
    ).stdout
    process = subprocess.Popen(
        [
            *[sys.executable, '-m', 'transformacion.sandbox', '--port', '0', '--token-lifetime', '7'],
            *['--client-id', 'C-cli', '--client-secret', SECRET, '--refresh-token', REFRESH],
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        base_url = process.stdout.readline().strip().removeprefix('WEBEX_BASE_URL=')
        form = {'grant_type': 'refresh_token', 'client_id': 'C-cli', 'client_secret': SECRET, 'refresh_token': REFRESH}
        answer = requests.post(f'{base_url}/access_token', data=form, timeout=5)
    finally:
        process.terminate()
        process.communicate(timeout=10)

    for option, default in [
        ('--token-lifetime', 'no expiry'),
        ('--client-id', DEFAULT_CLIENT_ID),
        ('--client-secret', DEFAULT_CLIENT_SECRET),
        ('--refresh-token', DEFAULT_REFRESH_TOKEN),
        ('--rotate-refresh-tokens', 'the same one'),
    ]:
        assert option in help_text and default in help_text
    assert answer.status_code == 200
    assert answer.json()['expires_in'] == 7


# openapi-core checks no oauth2 security scheme (the operation's): it warns and goes on.
@pytest.mark.filterwarnings('ignore:Unsupported scheme type:UserWarning')
def test_the_service_app_exchange_conforms_to_cisco_openapi_spec(sb):
    spec = json.loads((ROOT / 'tests' / 'data' / 'openapi' / 'webex-admin.json').read_text('utf-8'))
    spec['paths'] = {path: item for path, item in spec['paths'].items() if path.startswith('/applications/')}
    spec['servers'] = [{'url': sb.base_url}]
    answer = service_app_token(sb)
    origin = sb.base_url.removesuffix('/v1')
    builder = EnvironBuilder(
        method='POST',
        base_url=origin,
        path=answer.request.path_url,
        data=answer.request.body,
        content_type='application/json',
        headers={'Authorization': answer.request.headers['Authorization']},
    )
    request = WerkzeugOpenAPIRequest(Request(builder.get_environ()))
    response = WerkzeugOpenAPIResponse(
        WerkzeugResponse(answer.content, status=answer.status_code, content_type=answer.headers['Content-Type'])
    )

    openapi = OpenAPI.from_dict(spec)
    openapi.validate_request(request)
    openapi.validate_response(request, response)
    assert answer.status_code == 200
