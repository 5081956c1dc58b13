"""Refreshing credentials against the sandbox's authorization server: which credential the environment describes,
renewal before expiry and once after a 401 (the call repeated once), one renewal for every worker and process, the
0600 cache, refused credentials, the Service App grant, and the renewal in the evidence with tokens masked."""

from __future__ import annotations

import argparse
import json
import os
import stat
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from wxc_sdk.tokens import Tokens

from transformacion.core.client import create_api, get_token
from transformacion.core.credentials import (
    CredentialError,
    OAuthClient,
    RefreshingToken,
    TokenCache,
    _due,
    cache_folder,
    oauth_client_from_env,
)
from transformacion.core.evidence import action_logger, logging_to
from transformacion.core.outcome import Rejected
from transformacion.core.retry import RetryPolicy, classify_error
from transformacion.core.secrets import mask_text
from transformacion.sandbox import Sandbox, running_sandbox
from transformacion.sandbox.state.tokens import DEFAULT_CLIENT_ID, DEFAULT_SERVICE_APP_ID

ADMIN = 'token-del-administrador-3c7e9a1b5d'
SECRET = 'secreto-integracion-6b8d0f2a4c6e8a0c'
REFRESH = 'refresco-integracion-9e7c5a3b1d0f8e6c'
INTEGRATION = {'WEBEX_CLIENT_ID': DEFAULT_CLIENT_ID, 'WEBEX_CLIENT_SECRET': SECRET, 'WEBEX_REFRESH_TOKEN': REFRESH}
FAST = RetryPolicy(max_attempts=3, timeout=5.0)


@pytest.fixture
def sb():
    with running_sandbox(token=ADMIN, token_lifetime=60, client_secret=SECRET, refresh_token=REFRESH) as sandbox:
        yield sandbox


@pytest.fixture(autouse=True)
def evidence(tmp_path):
    """The action log the test's exchanges go to (the suite refuses exchanges with none bound)."""
    log = action_logger('credenciales', log_dir=tmp_path / 'logs')
    with logging_to(log):
        yield log


@pytest.fixture
def environment(monkeypatch, tmp_path):
    """No Webex variable from the caller; the token cache in a private folder."""
    for name in list(os.environ):
        if name.startswith(('WEBEX_', 'TRANSFORMACION_')):
            monkeypatch.delenv(name)
    monkeypatch.setenv('TRANSFORMACION_TOKEN_CACHE', str(tmp_path / 'cache'))
    return monkeypatch


def client(sb: Sandbox, **changes) -> OAuthClient:
    return OAuthClient(
        **{'client_id': DEFAULT_CLIENT_ID, 'client_secret': SECRET, 'refresh_token': REFRESH, 'base_url': sb.base_url}
        | changes
    )


def credentials(sb: Sandbox, tmp_path: Path, **changes) -> RefreshingToken:
    oauth = client(sb, **changes)
    return RefreshingToken(
        oauth, cache=TokenCache.for_client(oauth, tmp_path / 'cache'), policy=FAST, sleep=lambda s: None
    )


def refreshes(sb: Sandbox, since: int = 0) -> list[int]:
    """Statuses of the token requests the sandbox received after ``since``."""
    return [e['status'] for e in sb.journal(since) if e['path'] == '/v1/access_token']


def namespace(**values) -> argparse.Namespace:
    return argparse.Namespace(**{'token': None, 'base_url': None, 'org_id': None} | values)


# --------------------------------------------------------------------------- which credential


def test_no_oauth_variable_means_the_static_token(environment):
    assert oauth_client_from_env({'WEBEX_ACCESS_TOKEN': 'x'}) is None


@pytest.mark.parametrize(
    ('variables', 'missing'),
    [
        ({'WEBEX_CLIENT_ID': 'C1'}, 'WEBEX_CLIENT_SECRET, WEBEX_REFRESH_TOKEN'),
        ({'WEBEX_REFRESH_TOKEN': 'r' * 8}, 'WEBEX_CLIENT_ID, WEBEX_CLIENT_SECRET'),
        ({'WEBEX_SERVICE_APP_ID': 'app', 'WEBEX_CLIENT_ID': 'C1', 'WEBEX_CLIENT_SECRET': 's' * 8}, 'WEBEX_ORG_ID'),
    ],
)
def test_an_incomplete_oauth_description_is_rejected_naming_what_is_missing(variables, missing):
    with pytest.raises(Rejected, match=missing):
        oauth_client_from_env(variables)


def test_a_service_app_needs_its_refresh_token_or_an_admin_token():
    variables = {'WEBEX_SERVICE_APP_ID': 'app', 'WEBEX_CLIENT_ID': 'C1', 'WEBEX_CLIENT_SECRET': 's' * 8}

    with pytest.raises(Rejected, match='WEBEX_REFRESH_TOKEN o el token del administrador'):
        oauth_client_from_env(variables, org_id='org')
    assert oauth_client_from_env(variables, org_id='org', admin_token='a' * 8).kind == 'service_app'


def test_the_client_secret_and_refresh_token_are_registered_as_secrets():
    oauth_client_from_env({**INTEGRATION})

    assert mask_text(f'secreto={SECRET} refresco={REFRESH}') == 'secreto=*** refresco=***'


def test_get_token_opens_an_integration_and_the_api_uses_it(sb, environment):
    for name, value in INTEGRATION.items():
        environment.setenv(name, value)
    environment.setenv('WEBEX_ACCESS_TOKEN', 'estatico-ignorado-por-la-integracion')

    token = get_token(namespace(base_url=sb.base_url))
    me = create_api(token, sb.base_url).people.me()

    assert isinstance(token, RefreshingToken)
    assert me.emails
    assert refreshes(sb) == [200]


def test_a_token_on_the_command_line_wins_over_an_integration(sb, environment):
    for name, value in INTEGRATION.items():
        environment.setenv(name, value)

    assert get_token(namespace(token=ADMIN, base_url=sb.base_url)) == ADMIN
    assert refreshes(sb) == []


def test_refused_credentials_are_rejected_at_start_without_the_secret(sb, environment):
    for name, value in {**INTEGRATION, 'WEBEX_CLIENT_SECRET': 'secreto-equivocado-1234'}.items():
        environment.setenv(name, value)

    with pytest.raises(Rejected) as rejected:
        get_token(namespace(base_url=sb.base_url))

    assert 'Webex rechazó emitir un token nuevo con el refresh token (400' in rejected.value.message
    assert 'secreto-equivocado-1234' not in mask_text(rejected.value.message)


# --------------------------------------------------------------------------- renewal


def test_a_token_is_due_when_a_quarter_of_its_lifetime_or_five_minutes_are_left():
    now = datetime.now(UTC)

    def tokens(left: float, lifetime: int) -> Tokens:
        return Tokens(access_token='a' * 8, expires_in=lifetime, expires_at=now + timedelta(seconds=left))

    assert _due(Tokens()) is True
    assert _due(Tokens(access_token='sin-caducidad-conocida')) is False
    assert (_due(tokens(26, 100)), _due(tokens(24, 100))) == (False, True)
    assert (_due(tokens(301, 14 * 86400)), _due(tokens(299, 14 * 86400))) == (False, True)


def test_a_401_renews_once_and_repeats_the_call_once(sb, tmp_path):
    token = credentials(sb, tmp_path)
    api = create_api(token, sb.base_url)
    first = token.token()
    sb.tokens.revoke(first)
    since = len(sb.journal())
    log = action_logger('demo', log_dir=tmp_path / 'logs')

    with logging_to(log):
        me = api.people.me()

    assert me.emails
    assert [(e['path'], e['status']) for e in sb.journal(since)] == [
        ('/v1/people/me', 401),
        ('/v1/access_token', 200),
        ('/v1/people/me', 200),
    ]
    assert token.token() != first
    events = [json.loads(line) for line in log.path.read_text().splitlines()]
    kinds = [(e['event'], e['payload'].get('kind'), e['payload'].get('status')) for e in events]
    assert kinds == [
        ('request', None, None),
        ('response', None, 401),
        ('request', 'token_refresh', None),
        ('response', 'token_refresh', 200),
        ('request', None, None),
        ('response', None, 200),
    ]
    assert events[2]['payload']['reason'] == 'rejected'
    assert events[3]['payload']['access_token'] == '***'
    assert token.token() not in log.path.read_text()


def test_every_worker_seeing_a_401_shares_one_renewal(sb, tmp_path, evidence):
    token = credentials(sb, tmp_path)
    api = create_api(token, sb.base_url, concurrency=16)
    sb.tokens.revoke(token.token())
    since, renewals = len(sb.journal()), token.renewals
    start = threading.Barrier(16)
    answers: list[str] = []

    def worker() -> None:
        start.wait()
        with logging_to(evidence):
            answers.append(api.people.me().person_id)

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(answers) == 16
    assert refreshes(sb, since) == [200]
    assert token.renewals == renewals + 1


def test_a_401_that_survives_the_renewal_is_returned_to_the_caller(sb, tmp_path):
    token = credentials(sb, tmp_path)
    api = create_api(token, sb.base_url)
    token.token()
    sb.set_faults([{'kind': 'status', 'status': 401, 'path': '^/v1/people/me$'}])
    since = len(sb.journal())

    with pytest.raises(requests.HTTPError) as failed:
        api.people.me()

    assert failed.value.response.status_code == 401
    assert classify_error(failed.value) == 'auth'
    assert [(e['path'], e['status']) for e in sb.journal(since)] == [
        ('/v1/people/me', 401),
        ('/v1/access_token', 200),
        ('/v1/people/me', 401),
    ]


def test_a_revoked_refresh_token_stops_renewals_with_a_credential_error(sb, tmp_path):
    token = credentials(sb, tmp_path)
    api = create_api(token, sb.base_url)
    sb.tokens.revoke(token.token())
    sb.tokens.revoke(REFRESH)

    with pytest.raises(CredentialError) as refused:
        api.people.me()
    with pytest.raises(CredentialError):
        api.people.me()

    assert refreshes(sb) == [200, 400]
    assert classify_error(refused.value) == 'auth'
    assert 'WEBEX_REFRESH_TOKEN (caducado o revocado)' in str(refused.value)


def test_a_401_from_the_token_endpoint_is_refused_credentials_too(sb, tmp_path):
    sb.set_faults([{'kind': 'status', 'status': 401, 'path': '^/v1/access_token$'}])

    with pytest.raises(CredentialError, match='\\(401'):
        credentials(sb, tmp_path).token()
    assert refreshes(sb) == [401]


def test_the_token_endpoint_failing_for_a_while_is_retried(sb, tmp_path):
    sb.set_faults([{'kind': 'status', 'status': 503, 'path': '^/v1/access_token$', 'max_count': 2}])
    token = credentials(sb, tmp_path)

    assert token.token()
    assert refreshes(sb) == [503, 503, 200]


def test_a_throttled_token_request_waits_its_retry_after_and_is_sent_again(sb, tmp_path):
    sb.set_faults([{'kind': 'throttle', 'retry_after': '7', 'path': '^/v1/access_token$', 'max_count': 1}])
    waits: list[float] = []
    oauth = client(sb)
    token = RefreshingToken(oauth, policy=RetryPolicy(max_attempts=3, max_wait=60), sleep=waits.append)

    assert token.token()
    assert waits == [7]
    assert refreshes(sb) == [429, 200]


def test_a_token_endpoint_that_does_not_answer_is_given_up_after_the_timeout(sb, tmp_path):
    sb.set_faults([{'kind': 'delay', 'delay_ms': 3000, 'path': '^/v1/access_token$', 'max_count': 1}])
    oauth = client(sb)
    token = RefreshingToken(oauth, policy=RetryPolicy(max_attempts=2, timeout=0.3), sleep=lambda s: None)

    assert token.token()
    assert token.renewals == 1


# --------------------------------------------------------------------------- the cache


def test_renewed_tokens_are_cached_readable_only_by_their_owner(sb, tmp_path):
    token = credentials(sb, tmp_path)
    token.token()
    cached = next((tmp_path / 'cache').glob('*.json'))

    assert stat.S_IMODE(cached.stat().st_mode) == 0o600
    assert stat.S_IMODE(cached.parent.stat().st_mode) == 0o700
    assert json.loads(cached.read_text())['tokens']['access_token'] == token.token()
    assert [p.name for p in (tmp_path / 'cache').iterdir() if not p.name.endswith(('.json', '.lock'))] == []


def test_a_valid_cached_token_is_used_without_asking_webex(sb, tmp_path):
    first = credentials(sb, tmp_path).token()
    since = len(sb.journal())

    again = credentials(sb, tmp_path)

    assert again.token() == first
    assert refreshes(sb, since) == []


def test_an_expired_cached_token_is_renewed(sb, tmp_path):
    sb.tokens.lifetime = 1
    first = credentials(sb, tmp_path)
    first.token()
    cache = TokenCache.for_client(client(sb), tmp_path / 'cache')
    stale = cache.load()
    stale.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    cache.save(stale)

    again = credentials(sb, tmp_path)

    assert again.token() != first.sdk_tokens.access_token
    assert refreshes(sb) == [200, 200]


def test_a_renewal_made_by_another_process_is_adopted_from_the_cache(sb, tmp_path):
    mine, theirs = credentials(sb, tmp_path), credentials(sb, tmp_path)
    shared = mine.token()
    assert theirs.token() == shared
    sb.tokens.revoke(shared)
    renewed = create_api(mine, sb.base_url)
    renewed.people.me()
    since = len(sb.journal())

    create_api(theirs, sb.base_url).people.me()

    assert theirs.token() == mine.token() != shared
    assert refreshes(sb, since) == []
    assert [e['status'] for e in sb.journal(since)] == [401, 200]


def test_a_rotated_refresh_token_is_kept_in_the_cache(tmp_path):
    with running_sandbox(client_secret=SECRET, refresh_token=REFRESH, rotate_refresh_tokens=True) as sb:
        first = credentials(sb, tmp_path)
        first.token()
        sb.tokens.revoke(first.token())
        create_api(first, sb.base_url).people.me()
        rotated = first.sdk_tokens.refresh_token

        again = credentials(sb, tmp_path)
        sb.tokens.revoke(again.token())
        create_api(again, sb.base_url).people.me()

        assert refreshes(sb) == [200, 200, 200]
    assert rotated != REFRESH
    assert again.sdk_tokens.refresh_token not in (REFRESH, rotated)


def test_the_cache_folder_is_the_variable_or_the_user_cache(tmp_path):
    assert cache_folder({'TRANSFORMACION_TOKEN_CACHE': str(tmp_path)}) == tmp_path
    assert cache_folder({'XDG_CACHE_HOME': str(tmp_path)}) == tmp_path / 'transformacion' / 'tokens'
    assert cache_folder({}) == Path.home() / '.cache' / 'transformacion' / 'tokens'


# --------------------------------------------------------------------------- the Service App


def test_a_service_app_gets_its_pair_with_the_admin_token_then_refreshes_it(sb, environment, tmp_path):
    for name, value in {
        'WEBEX_SERVICE_APP_ID': DEFAULT_SERVICE_APP_ID,
        'WEBEX_ORG_ID': sb.org.id,
        'WEBEX_CLIENT_ID': DEFAULT_CLIENT_ID,
        'WEBEX_CLIENT_SECRET': SECRET,
        'WEBEX_ACCESS_TOKEN': ADMIN,
    }.items():
        environment.setenv(name, value)

    token = get_token(namespace(base_url=sb.base_url))
    api = create_api(token, sb.base_url)
    sb.tokens.revoke(token.token())
    api.people.me()

    assert [(e['method'], e['path'].rsplit('/', 1)[-1], e['status']) for e in sb.journal()] == [
        ('POST', 'token', 200),
        ('GET', 'me', 401),
        ('POST', 'access_token', 200),
        ('GET', 'me', 200),
    ]
    assert token.token() != ADMIN


def test_a_service_app_whose_refresh_token_is_refused_asks_for_a_new_pair(sb, tmp_path):
    token = credentials(
        sb,
        tmp_path,
        service_app_id=DEFAULT_SERVICE_APP_ID,
        org_id=sb.org.id,
        refresh_token='refresco-desconocido-por-webex',
        admin_token=ADMIN,
    )

    assert token.token()
    assert [(e['path'].rsplit('/', 1)[-1], e['status']) for e in sb.journal()] == [
        ('access_token', 400),
        ('token', 200),
    ]


def test_a_service_app_not_authorized_in_the_org_is_refused(sb, tmp_path):
    token = credentials(
        sb, tmp_path, service_app_id=DEFAULT_SERVICE_APP_ID, org_id='otra-org', refresh_token=None, admin_token=ADMIN
    )

    with pytest.raises(CredentialError, match='Webex rechazó emitir los tokens de la Service App \\(403'):
        token.token()


def test_a_single_action_runs_on_an_integration(sb, environment, tmp_path, capsys):
    from transformacion import alta_ubicacion

    for name, value in INTEGRATION.items():
        environment.setenv(name, value)
    environment.chdir(tmp_path)
    address = ['--time-zone', 'Europe/Madrid', '--preferred-language', 'es_ES', '--announcement-language', 'es_es']
    address += ['--address1', 'Calle Mayor 1', '--city', 'Soria', '--state', 'Soria', '--postal-code', '42001']

    code = alta_ubicacion.main(
        ['--name', 'Soria', *address, '--country', 'ES', '--base-url', sb.base_url, '--log-dir', str(tmp_path)]
    )
    printed = capsys.readouterr()

    assert code == 0, printed.out
    assert json.loads(printed.out)['status'] == 'executed'
    assert [e['path'] for e in sb.writes()][:2] == ['/v1/access_token', '/v1/locations']
    assert SECRET not in printed.out + printed.err and REFRESH not in printed.out + printed.err
