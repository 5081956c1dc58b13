"""HTTP layer of the token endpoints, under the API base URL as in Webex (shapes and sources: FIDELITY.md).

- ``POST /v1/access_token``: form-encoded (``application/x-www-form-urlencoded``), no Bearer token; the refresh grant.
- ``POST /v1/applications/{applicationId}/token``: JSON ``{clientId, clientSecret, targetOrgId}`` with an admin's
  Bearer token; a Service App's token pair for that organisation.

They are not ordinary routes: the first needs no Bearer token and neither has a JSON answer the journal may keep.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl

from ..errors import BadRequest
from ..routing import Response
from ..state.tokens import TokenAuthority

ACCESS_TOKEN_PATH = '/v1/access_token'
_SERVICE_APP_PATH = re.compile(r'^/v1/applications/(?P<application_id>[^/]+)/token$')
_SECRET_FIELDS = frozenset({'client_secret', 'clientSecret', 'refresh_token', 'access_token', 'code'})
MASK = '***'


def is_public(method: str, path: str) -> bool:
    """True for the request that needs no Bearer token: the refresh grant."""
    return method == 'POST' and path == ACCESS_TOKEN_PATH


def is_token_path(path: str) -> bool:
    return path == ACCESS_TOKEN_PATH or _SERVICE_APP_PATH.match(path) is not None


def answer(authority: TokenAuthority, org_id: str, method: str, path: str, body: bytes) -> Response | None:
    """The answer of a token endpoint, or None when ``path`` is not one; errors are raised as WebexError."""
    if is_public(method, path):
        form = dict(parse_qsl(body.decode('utf-8', 'replace'), keep_blank_values=True))
        return Response(body=authority.refresh(form))
    match = _SERVICE_APP_PATH.match(path)
    if match is None or method != 'POST':
        return None
    try:
        data = json.loads(body or b'null')
    except ValueError:
        raise BadRequest('The request body is not valid JSON.') from None
    if not isinstance(data, dict):
        raise BadRequest('The request body must be a JSON object.')
    return Response(body=authority.service_app_token(match['application_id'], data, org_id))


def redact(entry: dict[str, Any]) -> dict[str, Any]:
    """A journal entry of a token endpoint with client secrets and tokens replaced by ``***``; others unchanged."""
    if not is_token_path(entry.get('path', '')):
        return entry
    for key in ('request_body', 'response_body'):
        value = entry.get(key)
        if isinstance(value, str):
            value = dict(parse_qsl(value, keep_blank_values=True))
        if isinstance(value, dict):
            entry[key] = {name: (MASK if name in _SECRET_FIELDS else item) for name, item in value.items()}
    return entry
