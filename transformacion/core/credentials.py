"""Credentials that outlive a run: an OAuth integration or a Service App whose access token is renewed through
Webex's token endpoints, one renewal at a time for every worker (and every process) using it.

- Integration (``WEBEX_CLIENT_ID``, ``WEBEX_CLIENT_SECRET``, ``WEBEX_REFRESH_TOKEN``): ``POST {base}/access_token``
  with ``grant_type=refresh_token``, sent by wxc_sdk's ``Integration.refresh``; answer ``{access_token, expires_in,
  refresh_token, refresh_token_expires_in}`` read into wxc_sdk's ``Tokens``. Source: developer.webex.com,
  "Integrations and Authorization", "Using the Refresh Token".
- Service App (also ``WEBEX_SERVICE_APP_ID`` and ``WEBEX_ORG_ID``): the app's token pair for a customer org comes
  from ``POST {base}/applications/{applicationId}/token`` with ``{clientId, clientSecret, targetOrgId}`` and the
  Bearer token of an admin whose integration has the ``spark:applications_token`` scope (``--token`` /
  ``WEBEX_ACCESS_TOKEN``); it is then renewed with its refresh token as an integration's (``WEBEX_REFRESH_TOKEN``,
  when given, is the app's refresh token for that org and spares the first request). Source: Webex Admin API
  "Service Apps", ``createServiceAppAccessToken``.

An access token is renewed when less than a quarter of its lifetime (at most 5 minutes) is left, and once after a
``401``, whereupon the request is sent again once (``AuthorizingAdapter``). Renewed tokens are cached in
``<cache folder>/<key>.json``, mode 0600 in a 0700 folder, written atomically (``TokenCache``); the cache folder is
``TRANSFORMACION_TOKEN_CACHE`` or ``$XDG_CACHE_HOME/transformacion/tokens`` (``~/.cache/transformacion/tokens``).
Every secret (client secret, refresh tokens, access tokens) is registered with ``core.secrets`` as soon as it is
known, so no log, evidence, echo or traceback shows it.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
from wxc_sdk.integration import Integration
from wxc_sdk.tokens import Tokens

from transformacion.core.evidence import current_log
from transformacion.core.jsonfile import write_json
from transformacion.core.outcome import Rejected
from transformacion.core.retry import RetryPolicy, backoff_delay, parse_retry_after
from transformacion.core.secrets import mask_text, register_secret
from transformacion.core.transport import ObservedAdapter

WEBEX_API = 'https://webexapis.com/v1'
CACHE_ENV = 'TRANSFORMACION_TOKEN_CACHE'
#: Renew when this share of the token's lifetime is left, but not earlier than ``EARLY_MAX_S`` before expiry.
EARLY_SHARE = 0.25
EARLY_MAX_S = 300.0

_INTEGRATION_VARS = ('WEBEX_CLIENT_ID', 'WEBEX_CLIENT_SECRET', 'WEBEX_REFRESH_TOKEN')


class CredentialError(Exception):
    """Webex refused to issue an access token (wrong client secret, refresh token revoked or expired, Service App
    not authorized in the org): no request can succeed until the operator provides new credentials.

    ``failure_reason`` is the failure class ``core.retry.classify_error`` reports for it.
    """

    failure_reason = 'auth'


@dataclass(frozen=True)
class OAuthClient:
    """The OAuth client of a run: an integration, or a Service App acting in ``org_id``.

    ``base_url`` is the API base (the token endpoints live under it); ``admin_token`` the Bearer token allowed to ask
    for a Service App's tokens.
    """

    client_id: str
    client_secret: str = field(repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    service_app_id: str | None = None
    org_id: str | None = None
    admin_token: str | None = field(default=None, repr=False)
    base_url: str = WEBEX_API

    @property
    def kind(self) -> str:
        return 'service_app' if self.service_app_id else 'integration'


def oauth_client_from_env(
    environ: Mapping[str, str],
    *,
    admin_token: str | None = None,
    base_url: str | None = None,
    org_id: str | None = None,
) -> OAuthClient | None:
    """The OAuth client the environment describes, or None when it names none (a static token, then).

    Rejected, naming the missing variables, when the description is incomplete. ``org_id`` overrides
    ``WEBEX_ORG_ID``; ``admin_token`` is ``--token`` / ``WEBEX_ACCESS_TOKEN``.
    """
    value = {name: environ.get(name, '').strip() for name in (*_INTEGRATION_VARS, 'WEBEX_SERVICE_APP_ID')}
    if not any(value.values()):
        return None
    org_id = org_id or environ.get('WEBEX_ORG_ID', '').strip() or None
    app_id = value['WEBEX_SERVICE_APP_ID'] or None
    needed = ['WEBEX_CLIENT_ID', 'WEBEX_CLIENT_SECRET']
    if app_id is None:
        needed.append('WEBEX_REFRESH_TOKEN')
    missing = [name for name in needed if not value[name]]
    if app_id is not None and not org_id:
        missing.append('WEBEX_ORG_ID (o --org-id)')
    if app_id is not None and not (value['WEBEX_REFRESH_TOKEN'] or admin_token):
        missing.append('WEBEX_REFRESH_TOKEN o el token del administrador (--token / WEBEX_ACCESS_TOKEN)')
    if missing:
        kind = 'la Service App' if app_id else 'la integración OAuth'
        raise Rejected(f'faltan variables para {kind}: {", ".join(missing)} (pueden ir en un fichero .env)')
    client = OAuthClient(
        client_id=value['WEBEX_CLIENT_ID'],
        client_secret=value['WEBEX_CLIENT_SECRET'],
        refresh_token=value['WEBEX_REFRESH_TOKEN'] or None,
        service_app_id=app_id,
        org_id=org_id if app_id else None,
        admin_token=admin_token if app_id else None,
        base_url=(base_url or WEBEX_API).rstrip('/'),
    )
    for secret in (client.client_secret, client.refresh_token, client.admin_token):
        register_secret(secret)
    return client


# --------------------------------------------------------------------------- the cache file


def cache_folder(environ: Mapping[str, str] = os.environ) -> Path:
    """``TRANSFORMACION_TOKEN_CACHE``, else ``$XDG_CACHE_HOME/transformacion/tokens`` (``~/.cache/...``)."""
    explicit = environ.get(CACHE_ENV, '').strip()
    if explicit:
        return Path(explicit).expanduser()
    base = environ.get('XDG_CACHE_HOME', '').strip() or Path.home() / '.cache'
    return Path(base) / 'transformacion' / 'tokens'


class TokenCache:
    """The renewed tokens of one OAuth client in ``path`` (JSON of wxc_sdk's ``Tokens``), readable only by its
    owner, replaced atomically (a kill leaves the old file or the new one); ``locked()`` makes one process at a time
    renew them."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def for_client(cls, client: OAuthClient, folder: Path | None = None) -> TokenCache:
        """The cache of ``client``: named after a digest of its base URL, client id, Service App, org and initial
        refresh token (new credentials in .env start a new file)."""
        parts = (client.base_url, client.client_id, client.service_app_id, client.org_id, client.refresh_token)
        key = hashlib.sha256('\n'.join(part or '' for part in parts).encode()).hexdigest()[:24]
        return cls((folder or cache_folder()) / f'{client.kind}-{key}.json')

    def load(self) -> Tokens | None:
        """The cached tokens (registered as secrets), or None when there is no usable file."""
        try:
            data = json.loads(self.path.read_text(encoding='utf-8'))
            tokens = Tokens.model_validate(data['tokens'])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        register_secret(tokens.access_token)
        register_secret(tokens.refresh_token)
        return tokens

    def save(self, tokens: Tokens) -> None:
        """Write ``tokens``: a 0600 temporary file in the 0700 folder, flushed to disk, then renamed over the file
        (``core.jsonfile.write_json``)."""
        self._folder()
        data = {'saved_at': datetime.now(UTC).isoformat(), 'tokens': tokens.model_dump(mode='json')}
        write_json(self.path, data, mode=0o600, fsync=True)

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the cache's lock file (exclusive, across processes) while the block runs."""
        self._folder()
        descriptor = os.open(self.path.with_suffix('.lock'), os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            yield
        finally:
            os.close(descriptor)

    def _folder(self) -> None:
        """Create the folder (0700) when missing; an existing folder keeps its mode (the files are 0600)."""
        if not self.path.parent.is_dir():
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            os.chmod(self.path.parent, 0o700)


# --------------------------------------------------------------------------- the renewing token


def _seconds_left(tokens: Tokens) -> float | None:
    if tokens.expires_at is None:
        return None
    return (tokens.expires_at - datetime.now(UTC)).total_seconds()


def _due(tokens: Tokens) -> bool:
    """True when ``tokens`` has no access token or little of its lifetime is left (unknown expiry: not due)."""
    if not tokens.access_token:
        return True
    left = _seconds_left(tokens)
    if left is None:
        return False
    return left <= min(EARLY_MAX_S, EARLY_SHARE * (tokens.expires_in or 0))


def _bounded(call: Callable[[], Any], timeout: float) -> Any:
    """``call()`` in a daemon thread, waited for at most ``timeout`` seconds (wxc_sdk's refresh sets no timeout)."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome['value'] = call()
        except BaseException as exc:  # handed to the caller's thread
            outcome['error'] = exc

    worker = threading.Thread(target=target, name='token-refresh', daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise requests.Timeout(f'el servicio de tokens no respondió en {timeout:g} s')
    if 'error' in outcome:
        raise outcome['error']
    return outcome.get('value')


def _webex_message(response: requests.Response | None) -> str:
    if response is None:
        return ''
    try:
        return str(response.json().get('message') or '')
    except (ValueError, AttributeError):
        return response.text[:300]


class RefreshingToken:
    """The access token of an OAuth client, renewed before it expires and after a 401; thread-safe.

    ``token()`` is what to send now; ``renew(rejected)`` is called after a 401 for ``rejected`` and returns the
    token to repeat the request with (renewing once, however many workers saw the 401). ``sdk_tokens`` is the
    wxc_sdk ``Tokens`` the SDK session holds, updated in place. After Webex refuses the credentials every call
    raises the same CredentialError without asking again. Renewals are written to the evidence bound to the
    calling thread as ``request``/``response``/``error`` events of kind ``token_refresh``, tokens masked.
    """

    def __init__(
        self,
        client: OAuthClient,
        *,
        cache: TokenCache | None = None,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = client
        self.cache = cache
        self.policy = policy or RetryPolicy.from_env()
        self.sleep = sleep
        self.sdk_tokens = Tokens(refresh_token=client.refresh_token)
        self.renewals = 0
        self._lock = threading.Lock()
        self._refused: CredentialError | None = None
        cached = cache.load() if cache is not None else None
        if cached is not None:
            self._adopt(cached)

    def token(self) -> str:
        """The access token to send now, renewed first when missing or about to expire."""
        with self._lock:
            if _due(self.sdk_tokens):
                self._renew('start' if not self.sdk_tokens.access_token else 'expiring')
            return self.sdk_tokens.access_token  # type: ignore[return-value]

    def renew(self, rejected: str) -> str:
        """After a 401 for ``rejected``: the current token if another worker renewed it meanwhile, else a new one."""
        with self._lock:
            if self.sdk_tokens.access_token != rejected:
                return self.sdk_tokens.access_token  # type: ignore[return-value]
            self._renew('rejected')
            return self.sdk_tokens.access_token  # type: ignore[return-value]

    def _adopt(self, tokens: Tokens) -> None:
        register_secret(tokens.access_token)
        register_secret(tokens.refresh_token)
        refresh_token = tokens.refresh_token or self.sdk_tokens.refresh_token
        self.sdk_tokens.update(tokens)
        self.sdk_tokens.refresh_token = refresh_token

    def _renew(self, reason: str) -> None:
        """Renew under the cache lock: adopt what another process cached meanwhile, else ask Webex (lock held)."""
        if self._refused is not None:
            raise CredentialError(str(self._refused))
        held = self.sdk_tokens.access_token
        with self.cache.locked() if self.cache is not None else nullcontext():
            cached = self.cache.load() if self.cache is not None else None
            if cached is not None and cached.access_token not in (None, held) and not _due(cached):
                self._adopt(cached)
                self._log('response', {'grant': 'cache', 'reason': reason, 'expires_in': cached.expires_in})
                return
            refresh_token = (cached.refresh_token if cached is not None else None) or self.sdk_tokens.refresh_token
            try:
                fresh = self._obtain(refresh_token, reason)
            except CredentialError as exc:
                self._refused = exc
                raise
            if self.cache is not None:
                self.cache.save(fresh)
            self._adopt(fresh)
            self.renewals += 1

    def _obtain(self, refresh_token: str | None, reason: str) -> Tokens:
        """New tokens: the refresh grant, or (a Service App without a usable refresh token) the Service App grant."""
        if refresh_token:
            try:
                return self._attempts('refresh_token', reason, lambda: self._refresh_grant(refresh_token))
            except CredentialError:
                if not (self.client.service_app_id and self.client.admin_token):
                    raise
        return self._attempts('service_app', reason, self._service_app_grant)

    def _refresh_grant(self, refresh_token: str) -> Tokens:
        integration = Integration(
            client_id=self.client.client_id,
            client_secret=self.client.client_secret,
            scopes=[],
            redirect_url='',
            token_service=f'{self.client.base_url}/access_token',
        )
        tokens = Tokens(refresh_token=refresh_token)
        _bounded(lambda: integration.refresh(tokens), self.policy.timeout)
        if not tokens.refresh_token:
            tokens.refresh_token = refresh_token
        return tokens

    def _service_app_grant(self) -> Tokens:
        response = requests.post(
            f'{self.client.base_url}/applications/{self.client.service_app_id}/token',
            json={
                'clientId': self.client.client_id,
                'clientSecret': self.client.client_secret,
                'targetOrgId': self.client.org_id,
            },
            headers={'Authorization': f'Bearer {self.client.admin_token}'},
            timeout=self.policy.timeout,
        )
        response.raise_for_status()
        tokens = Tokens.model_validate(response.json())
        tokens.set_expiration()
        return tokens

    def _attempts(self, grant: str, reason: str, call: Callable[[], Tokens]) -> Tokens:
        """``call`` retried on 5xx, timeouts and lost connections (bounded, with backoff) and on 429 (after its
        ``Retry-After``, capped by the policy's longest wait); any other 4xx is a CredentialError."""
        url = self._url(grant)
        attempt = 0
        while True:
            attempt += 1
            self._log('request', {'grant': grant, 'reason': reason, 'method': 'POST', 'url': url, 'attempt': attempt})
            try:
                tokens = call()
            except requests.RequestException as exc:
                response = getattr(exc, 'response', None)
                status = getattr(response, 'status_code', None)
                message = mask_text(_webex_message(response) or str(exc))
                self._log('error', {'grant': grant, 'status': status, 'message': message, 'attempt': attempt})
                if status is not None and status < 500 and status != 429:
                    raise CredentialError(self._refusal(grant, status, message)) from None
                if attempt >= self.policy.max_attempts:
                    raise
                told = parse_retry_after(response.headers.get('Retry-After')) if status == 429 else None
                self.sleep(min(self.policy.max_wait, backoff_delay(attempt, self.policy) if told is None else told))
                continue
            register_secret(tokens.access_token)
            register_secret(tokens.refresh_token)
            self._log(
                'response',
                {
                    'grant': grant,
                    'status': 200,
                    'access_token': tokens.access_token,
                    'expires_in': tokens.expires_in,
                    'refresh_expires_in': tokens.refresh_token_expires_in,
                },
            )
            return tokens

    def _url(self, grant: str) -> str:
        if grant == 'service_app':
            return f'{self.client.base_url}/applications/{self.client.service_app_id}/token'
        return f'{self.client.base_url}/access_token'

    def _refusal(self, grant: str, status: int, message: str) -> str:
        what = 'los tokens de la Service App' if grant == 'service_app' else 'un token nuevo con el refresh token'
        check = (
            'WEBEX_SERVICE_APP_ID, WEBEX_ORG_ID, WEBEX_CLIENT_ID, WEBEX_CLIENT_SECRET y el token del administrador'
            if grant == 'service_app'
            else 'WEBEX_CLIENT_ID, WEBEX_CLIENT_SECRET y WEBEX_REFRESH_TOKEN (caducado o revocado)'
        )
        return f'Webex rechazó emitir {what} ({status}: {message}); revise {check} y vuelva a lanzar'

    @staticmethod
    def _log(event: str, payload: dict[str, Any]) -> None:
        log = current_log()
        if log is not None:
            log.event(event, {'kind': 'token_refresh', **payload})


def open_credentials(client: OAuthClient, *, cache: TokenCache | None = None) -> RefreshingToken:
    """A RefreshingToken for ``client`` with its cache (``TokenCache.for_client``) and its first access token
    (from the cache when still valid). Rejected when Webex refuses the credentials."""
    credentials = RefreshingToken(client, cache=cache or TokenCache.for_client(client))
    try:
        credentials.token()
    except CredentialError as exc:
        raise Rejected(str(exc)) from None
    return credentials


class AuthorizingAdapter(ObservedAdapter):
    """An ObservedAdapter that sends every request with the current access token of ``credentials`` and, after a
    401, renews it and sends the request once more (a 401 means Webex did not process it)."""

    def __init__(self, credentials: RefreshingToken, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.credentials = credentials

    def send(self, request, **kwargs):  # type: ignore[override]
        token = self.credentials.token()
        request.headers['Authorization'] = f'Bearer {token}'
        response = super().send(request, **kwargs)
        if response.status_code != 401:
            return response
        fresh = self.credentials.renew(token)
        _ = response.content  # read the 401 fully, so that its connection goes back to the pool
        request.headers['Authorization'] = f'Bearer {fresh}'
        return super().send(request, **kwargs)
