"""Runtime environment, token and the SDK client: ``.env`` loading, the credential (a static token or a renewing
OAuth token, see ``core.credentials``; secrets registered) and a real ``wxc_sdk.WebexSimpleApi`` whose only retry
policy is ours."""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from transformacion.core.outcome import Rejected
from transformacion.core.secrets import register_secret

if TYPE_CHECKING:  # core.credentials imports wxc_sdk: importing an action must not
    from transformacion.core.credentials import RefreshingToken


#: wxc_sdk logs how it adapts its models (e.g. 'auto enhancing Enum CallingType, new value: hybridCalling') as
#: warnings; without a handler Python prints them on stderr, among the operator's messages
logging.getLogger('wxc_sdk').addHandler(logging.NullHandler())


def load_runtime_env(start: Path | None = None) -> Path | None:
    """Load the first ``.env`` found in ``start`` (default: cwd) or its parents; never override set variables."""
    from dotenv import load_dotenv

    folder = (start or Path.cwd()).resolve()
    for candidate in (folder, *folder.parents):
        env_file = candidate / '.env'
        if env_file.is_file():
            load_dotenv(env_file, override=False)
            return env_file
    return None


def get_token(args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> str | RefreshingToken:
    """The credential of a command: ``--token`` or ``WEBEX_ACCESS_TOKEN`` (a static token, as always), or, when the
    environment describes an OAuth integration or a Service App (``core.credentials.oauth_client_from_env``), a
    RefreshingToken whose first access token is obtained here (from the token cache while still valid).

    ``--token`` on the command line wins over an integration in the environment; for a Service App it is the
    admin's token that asks for the app's tokens. Rejected when there is no credential, when the OAuth variables are
    incomplete or when Webex refuses them. Every secret is registered. ``environ`` is where the variables are read
    (default ``os.environ``; one customer org's own variables in a multi-org batch, ``batch.orgs``).
    """
    from transformacion.core.credentials import oauth_client_from_env, open_credentials

    environ = os.environ if environ is None else environ
    flag = (getattr(args, 'token', None) or '').strip()
    token = flag or environ.get('WEBEX_ACCESS_TOKEN', '').strip()
    register_secret(token)
    client = oauth_client_from_env(
        environ,
        admin_token=token or None,
        base_url=getattr(args, 'base_url', None) or environ.get('WEBEX_BASE_URL', '').strip() or None,
        org_id=getattr(args, 'org_id', None),
    )
    if client is not None and not (flag and client.service_app_id is None):
        return open_credentials(client)
    if not token:
        raise Rejected(
            'falta el token: use --token o la variable WEBEX_ACCESS_TOKEN, o las de una integración OAuth '
            '(WEBEX_CLIENT_ID, WEBEX_CLIENT_SECRET, WEBEX_REFRESH_TOKEN); pueden ir en un fichero .env'
        )
    return token


def create_api(
    token: str | RefreshingToken,
    base_url: str | None = None,
    *,
    concurrency: int = 10,
    timeout: float = 60.0,
    controller: Any = None,
) -> Any:
    """A real ``wxc_sdk.WebexSimpleApi`` whose only retry policy is ours, pointed at ``base_url`` if given.

    ``token`` is a static token or a RefreshingToken (``get_token``); with the latter every request carries the
    current access token and a 401 renews it and repeats the request once (``core.credentials.AuthorizingAdapter``).
    """
    from wxc_sdk import WebexSimpleApi

    from transformacion.core.credentials import AuthorizingAdapter, RefreshingToken
    from transformacion.core.transport import ObservedAdapter

    options = {'timeout': timeout, 'controller': controller, 'pool_maxsize': concurrency}
    if isinstance(token, RefreshingToken):
        api = WebexSimpleApi(tokens=token.sdk_tokens, retry_429=False, concurrent_requests=concurrency)
        adapter: ObservedAdapter = AuthorizingAdapter(token, **options)
    else:
        api = WebexSimpleApi(tokens=token, retry_429=False, concurrent_requests=concurrency)
        adapter = ObservedAdapter(**options)
    base = base_url or os.environ.get('WEBEX_BASE_URL', '').strip()
    if base:
        api.session.BASE = base.rstrip('/')
    api.session.mount('http://', adapter)
    api.session.mount('https://', adapter)
    environment_once(api.session, api.session.BASE)
    quick_protocol_checks()
    return api


def environment_once(session: Any, url: str) -> None:
    """Read the proxy and CA settings of the environment (``HTTPS_PROXY``, ``NO_PROXY``, ``REQUESTS_CA_BUNDLE``,
    ``CURL_CA_BUNDLE``) once for ``url``, instead of on every request as ``requests`` does (about a tenth of the
    launcher's CPU per row): every request of the session goes to that host."""
    from requests.utils import get_environ_proxies

    session.proxies.update(get_environ_proxies(url))
    bundle = os.environ.get('REQUESTS_CA_BUNDLE') or os.environ.get('CURL_CA_BUNDLE')
    if bundle and session.verify is True:
        session.verify = bundle
    session.trust_env = False


class _HasMethod(type):
    """``isinstance(x, C)`` is ``getattr(x, C.method, None) is not None``: what ``typing`` decides for a runtime
    protocol of one method (the attribute exists and is not None), without walking the protocol's classes."""

    method: str

    def __instancecheck__(cls, instance: Any) -> bool:
        return getattr(instance, cls.method, None) is not None


class SupportsItems(metaclass=_HasMethod):
    """What ``requests`` calls ``SupportsItems``: anything with an ``items`` method (a mapping)."""

    method = 'items'


class SupportsRead(metaclass=_HasMethod):
    """What ``requests`` calls ``SupportsRead``: anything with a ``read`` method (a file)."""

    method = 'read'


def quick_protocol_checks() -> None:
    """``requests`` (2.32 and later) tells mappings and files apart with ``isinstance`` against ``typing`` runtime
    protocols, which Python 3.11 answers by walking the protocol's classes every time: about 10 us each, eight per
    request (a tenth of a request's CPU at no latency). Its modules' protocol names are pointed at equivalent checks
    of one attribute (:class:`SupportsItems`, :class:`SupportsRead`); a ``requests`` without them is left as it is."""
    import requests.models
    import requests.utils

    for module, name, quick in (
        (requests.utils, '_SupportsItems', SupportsItems),
        (requests.models, '_SupportsRead', SupportsRead),
    ):
        if getattr(getattr(module, name, None), '_is_runtime_protocol', False):
            setattr(module, name, quick)
