"""The authorization server: which Bearer tokens are valid, and the grants that issue new ones (no HTTP here).

Two grants, as Webex documents them (sources in FIDELITY.md, "Authorization server"):

- refresh (``POST /v1/access_token``, ``grant_type=refresh_token``): an OAuth client (integration or Service App)
  trades its refresh token for a new access token;
- Service App token (``POST /v1/applications/{applicationId}/token``): an admin's token asks for a Service App's
  token pair in an organisation that authorized the app.

Both answer ``{access_token, expires_in, refresh_token, refresh_token_expires_in, token_type}``. Access tokens live
``lifetime`` seconds (None: forever; ``expires_in`` then says Webex's 14 days); the fixed ``static_token`` (the
sandbox's ``--token``, a personal access token) never expires. Refresh tokens live 90 days and, unless
``rotate_refresh_tokens``, a refresh answers with the same refresh token.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .. import ids
from ..errors import BadRequest, Forbidden, NotFound, Unauthorized

#: What Webex documents for an integration: access tokens 14 days, refresh tokens 90 days (in seconds).
WEBEX_ACCESS_LIFETIME = 14 * 24 * 3600
WEBEX_REFRESH_LIFETIME = 90 * 24 * 3600

DEFAULT_CLIENT_ID = 'C-sandbox-client-id'
DEFAULT_CLIENT_SECRET = 'sandbox-client-secret'
DEFAULT_REFRESH_TOKEN = 'sandbox-refresh-token'
DEFAULT_SERVICE_APP_ID = ids.encode('APPLICATION', '6f0c8a52-3b1d-4e0a-9c7e-5a4b2d1e0f93')


class InvalidGrant(BadRequest):
    """RFC 6749 §5.2 ``invalid_grant``: the refresh token is unknown, expired or revoked (400)."""

    def __init__(self) -> None:
        super().__init__('(invalid_grant) The refresh token is invalid, expired or revoked.')


class InvalidClient(BadRequest):
    """RFC 6749 §5.2 ``invalid_client``: unknown client id or wrong client secret (400: the client authenticates in
    the form body, not with an Authorization header)."""

    def __init__(self) -> None:
        super().__init__('(invalid_client) Client authentication failed.')


@dataclass
class _Grant:
    client_id: str
    expires_at: float
    revoked: bool = False


class TokenAuthority:
    """Issues, checks and revokes tokens for one OAuth client; thread-safe.

    ``lifetime``: seconds an issued access token is valid (None: no expiry), settable while running; ``clock``:
    monotonic seconds, replaceable by a test.
    """

    def __init__(
        self,
        *,
        static_token: str,
        client_id: str = DEFAULT_CLIENT_ID,
        client_secret: str = DEFAULT_CLIENT_SECRET,
        refresh_token: str = DEFAULT_REFRESH_TOKEN,
        service_app_id: str = DEFAULT_SERVICE_APP_ID,
        lifetime: int | None = None,
        rotate_refresh_tokens: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if lifetime is not None and (not isinstance(lifetime, int) or isinstance(lifetime, bool) or lifetime < 1):
            raise ValueError('token lifetime must be a whole number of seconds, at least 1, or null')
        self.static_token = static_token
        self.client_id = client_id
        self.client_secret = client_secret
        self.service_app_id = service_app_id
        self.lifetime = lifetime
        self.rotate_refresh_tokens = rotate_refresh_tokens
        self.clock = clock
        self._lock = threading.Lock()
        self._access: dict[str, float | None] = {}
        self._refresh: dict[str, _Grant] = {refresh_token: _Grant(client_id, clock() + WEBEX_REFRESH_LIFETIME)}
        self.issued = 0
        self.refreshed = 0

    def accepts(self, token: str) -> bool:
        """True for the static token and for issued access tokens neither expired nor revoked."""
        if token == self.static_token:
            return True
        with self._lock:
            if token not in self._access:
                return False
            expires_at = self._access[token]
            return expires_at is None or self.clock() < expires_at

    def refresh(self, form: dict[str, str]) -> dict[str, Any]:
        """``grant_type=refresh_token``: a new access token for a valid refresh token of this client.

        400 for a missing field or another grant type, ``invalid_client`` or ``invalid_grant``.
        """
        missing = [name for name in ('grant_type', 'client_id', 'client_secret', 'refresh_token') if not form.get(name)]
        if missing:
            raise BadRequest(f'(invalid_request) Missing parameter(s): {", ".join(missing)}.')
        if form['grant_type'] != 'refresh_token':
            raise BadRequest(f'(unsupported_grant_type) The sandbox does not serve grant_type {form["grant_type"]}.')
        self._check_client(form['client_id'], form['client_secret'])
        with self._lock:
            grant = self._refresh.get(form['refresh_token'])
            if grant is None or grant.revoked or grant.client_id != form['client_id']:
                raise InvalidGrant()
            if self.clock() >= grant.expires_at:
                raise InvalidGrant()
            refresh_token = form['refresh_token']
            if self.rotate_refresh_tokens:
                grant.revoked = True
                refresh_token = self._new_refresh_token(grant.client_id)
            else:
                grant.expires_at = self.clock() + WEBEX_REFRESH_LIFETIME
            self.refreshed += 1
            return self._answer(refresh_token)

    def service_app_token(self, application_id: str, body: dict[str, Any], org_id: str) -> dict[str, Any]:
        """A Service App's token pair in ``targetOrgId``, asked by an admin whose token the caller checked.

        400 for a missing field, 404 for another application, 401 for wrong client credentials, 403 for an
        organisation that did not authorize the app (the sandbox's own org is the only one that did).
        """
        missing = [name for name in ('clientId', 'clientSecret', 'targetOrgId') if not body.get(name)]
        if missing:
            raise BadRequest(f'Missing required field(s): {", ".join(missing)}.')
        if application_id != self.service_app_id:
            raise NotFound('Service App not found.')
        if body['clientId'] != self.client_id or not secrets.compare_digest(
            str(body['clientSecret']), self.client_secret
        ):
            raise Unauthorized('Unauthorized - Authentication required.')
        if body['targetOrgId'] != org_id:
            raise Forbidden('The Service App is not authorized in the target organization.')
        with self._lock:
            return self._answer(self._new_refresh_token(self.client_id))

    def revoke(self, token: str) -> bool:
        """Revoke an access or refresh token (what ``DELETE /authorizations`` does in Webex); False if unknown."""
        with self._lock:
            if token in self._access:
                self._access[token] = self.clock()
                return True
            grant = self._refresh.get(token)
            if grant is None:
                return False
            grant.revoked = True
            return True

    def summary(self) -> dict[str, Any]:
        """Settings and counters, no token values: what ``GET /_sandbox/tokens`` shows."""
        with self._lock:
            return {
                'lifetime': self.lifetime,
                'rotate_refresh_tokens': self.rotate_refresh_tokens,
                'client_id': self.client_id,
                'service_app_id': self.service_app_id,
                'issued': self.issued,
                'refreshed': self.refreshed,
            }

    def issued_tokens(self) -> list[str]:
        """Every access and refresh token this authority knows (for tests that look for leaks)."""
        with self._lock:
            return [*self._access, *self._refresh]

    def _check_client(self, client_id: str, client_secret: str) -> None:
        if client_id != self.client_id or not secrets.compare_digest(client_secret, self.client_secret):
            raise InvalidClient()

    def _new_refresh_token(self, client_id: str) -> str:
        token = f'sbrt_{secrets.token_hex(24)}'
        self._refresh[token] = _Grant(client_id, self.clock() + WEBEX_REFRESH_LIFETIME)
        return token

    def _answer(self, refresh_token: str) -> dict[str, Any]:
        """Issue an access token (lock held) and the wire answer of both grants."""
        access_token = f'sbat_{secrets.token_hex(24)}'
        self._access[access_token] = None if self.lifetime is None else self.clock() + self.lifetime
        self.issued += 1
        grant = self._refresh[refresh_token]
        return {
            'access_token': access_token,
            'expires_in': self.lifetime or WEBEX_ACCESS_LIFETIME,
            'refresh_token': refresh_token,
            'refresh_token_expires_in': max(0, round(grant.expires_at - self.clock())),
            'token_type': 'Bearer',
        }
