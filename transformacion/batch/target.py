"""Who and where, before the first write: the target a run is bound to (base URL, organisation id and name, the token's
owner and the organisation the token belongs to), read from Webex when a run starts, recorded in its checkpoint and
compared when it continues; plus who operates it and with which versions.

Webex: ``GET /people/me`` (the token's owner, with its ``orgId``) and ``GET /organizations/{orgId}`` (the
organisation's ``displayName``; a 404 or 403 means it does not exist or the token cannot reach it), both read-only,
https://developer.webex.com/docs/api/v1/people/get-my-own-details and
https://developer.webex.com/docs/api/v1/organizations/get-organization-details.
"""

from __future__ import annotations

import base64
import binascii
import getpass
import platform
import socket
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from importlib import metadata
from typing import Any
from urllib.parse import urlsplit

from transformacion.core.evidence import submit_bound
from transformacion.core.retry import RetryPolicy, _invoke_with_retry_after, describe_error

#: Where the SDK sends requests when no base URL is given.
WEBEX_BASE_URL = 'https://webexapis.com/v1'
#: Hosts of a sandbox on this machine (a run against one can only continue while it runs).
LOOPBACK = ('127.0.0.1', 'localhost', '::1')
#: Why a run or a plan made against a local sandbox cannot go on against another one, and the one way to plan and
#: apply (or stop and continue) against a sandbox: the README's "Planificar y aplicar" (Spanish, for the operator).
LOCAL_SANDBOX = (
    'un sandbox local guarda su organización solo mientras está en marcha, y cada --sandbox arranca uno nuevo (otro '
    'puerto, otra organización) que termina con su orden; para planificar y aplicar (o continuar) contra un sandbox, '
    'arranque uno aparte (python -m transformacion.sandbox --port 8765 --token t) y use en las dos órdenes '
    '--base-url http://127.0.0.1:8765/v1 --token t (o WEBEX_BASE_URL / WEBEX_ACCESS_TOKEN), sin --sandbox'
)


class TargetError(Exception):
    """The target could not be read (token refused, organisation missing or out of reach), or it is not the one a
    run is bound to; ``message`` is for the operator (Spanish)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Target:
    """What a run acts on: ``base_url`` (normalised), the organisation (``org_id`` as Webex returns it, its
    ``org_name``; ``org_explicit`` when chosen with ``--org-id`` / ``WEBEX_ORG_ID`` rather than the token's own),
    and the token's owner (``owner_id``, ``owner_email``, ``owner_name``) with the organisation the token belongs to
    (``owner_org_id``: a partner's own org when it acts in a customer's)."""

    base_url: str
    org_id: str
    org_name: str
    org_explicit: bool
    owner_id: str
    owner_email: str
    owner_name: str
    owner_org_id: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def normal_base_url(base_url: str | None) -> str:
    """The base URL as compared: Webex's when none, without a trailing slash."""
    return (base_url or WEBEX_BASE_URL).strip().rstrip('/')


def same_org(first: str | None, second: str | None) -> bool:
    """Whether two organisation ids name the same org: a Webex id (base64 of ``ciscospark://us/ORGANIZATION/<uuid>``)
    and its bare UUID are the same organisation; case-blind."""
    return bool(first and second) and _org_uuid(first) == _org_uuid(second)  # type: ignore[arg-type]


def _org_uuid(org_id: str) -> str:
    text = org_id.strip()
    try:
        decoded = base64.b64decode(text + '=' * (-len(text) % 4), altchars=b'-_', validate=False).decode('utf-8')
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return text.casefold()
    return decoded.rsplit('/', 1)[-1].casefold() if decoded.startswith('ciscospark://') else text.casefold()


def read_target(
    api: Any,
    base_url: str | None,
    org_id: str | None,
    *,
    policy: RetryPolicy | None = None,
    sleep: Callable[[float], None] | None = None,
    after_owner: Callable[[str], None] | None = None,
) -> Target:
    """Read the token's owner (``GET /people/me``) and the organisation the run acts on (``org_id``, else the
    owner's) with ``GET /organizations/{id}``: both at the same time when ``org_id`` is given (one latency instead of
    two), the organisation after the owner otherwise; 429s and transient failures are retried like any read.
    TargetError when the token is refused or the organisation does not exist or is out of the token's reach (the
    token's refusal first when both fail).

    ``after_owner``: called with the owner's org id once the owner is read, before the organisation is, when
    ``org_id`` is not given (the run acts on the token's own org): what it starts without waiting (e.g. a batch's
    reads of that org) goes at the same time as ``GET /organizations/{id}``."""
    kwargs: dict[str, Any] = {'policy': policy or RetryPolicy()}
    if sleep is not None:
        kwargs['sleep'] = sleep
    org: Any = None
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix='destino') as pool:
        early = (
            submit_bound(pool, _invoke_with_retry_after, api.organizations.details, org_id, **kwargs)
            if org_id
            else None
        )
        try:
            me = _invoke_with_retry_after(api.people.me, **kwargs)
        except Exception as exc:
            raise TargetError(f'no se pudo leer el dueño del token (GET /people/me): {_why(exc)}') from None
        wanted = org_id or me.org_id
        if after_owner is not None and early is None:
            after_owner(wanted)
        try:
            org = (
                early.result()
                if early is not None
                else _invoke_with_retry_after(api.organizations.details, wanted, **kwargs)
            )
        except Exception as exc:
            raise TargetError(
                f'la organización {wanted} no existe o el token de {_email(me)} no llega a ella '
                f'(GET /organizations/{{id}}): {_why(exc)}'
            ) from None
    return Target(
        base_url=normal_base_url(base_url),
        org_id=org.org_id or wanted,
        org_name=org.display_name or '',
        org_explicit=bool(org_id),
        owner_id=me.person_id or '',
        owner_email=_email(me),
        owner_name=me.display_name or '',
        owner_org_id=me.org_id or '',
    )


def _email(person: Any) -> str:
    return (person.emails or [''])[0]


def _why(exc: Exception) -> str:
    info = describe_error(exc)
    status = f'HTTP {info["status"]} ' if 'status' in info else ''
    return f'{status}{info["reason"]}: {info["message"]}'


def describe(target: Target) -> str:
    """The two lines the operator reads before the first write (Spanish)."""
    owner = f'{target.owner_name} <{target.owner_email}>' if target.owner_name else target.owner_email
    own_org = '' if same_org(target.owner_org_id, target.org_id) else f' (su org es {target.owner_org_id})'
    return (
        f'destino: {target.org_name or "(sin nombre)"} · org {target.org_id} · {target.base_url}\n'
        f'token de: {owner}{own_org}'
    )


def differences(recorded: dict[str, Any], current: Target) -> list[str]:
    """How ``current`` differs from the target a run recorded (empty when it is the same): another base URL, another
    organisation or a token of another organisation; each line shows both values (Spanish)."""
    found = []
    if normal_base_url(recorded.get('base_url')) != current.base_url:
        found.append(f'URL base: la ejecución usa {recorded.get("base_url")}, ahora {current.base_url}')
    if not same_org(recorded.get('org_id'), current.org_id):
        found.append(
            f'organización: la ejecución usa {recorded.get("org_name")} ({recorded.get("org_id")}), '
            f'ahora {current.org_name} ({current.org_id})'
        )
    if not same_org(recorded.get('owner_org_id'), current.owner_org_id):
        found.append(
            f'organización del token: la ejecución usó un token de {recorded.get("owner_org_id")} '
            f'({recorded.get("owner_email")}), ahora de {current.owner_org_id} ({current.owner_email})'
        )
    return found


def is_local(base_url: str | None) -> bool:
    """Whether ``base_url`` is on this machine (``LOOPBACK``): a sandbox, whose state lives as long as it runs."""
    return urlsplit(base_url or '').hostname in LOOPBACK


def local_sandbox_note(recorded: dict[str, Any], current: Target) -> str:
    """What the refusal of another target adds when both are local sandboxes (``LOCAL_SANDBOX``), '' otherwise."""
    if is_local(recorded.get('base_url')) and is_local(current.base_url):
        return f'; los dos destinos son sandbox locales: {LOCAL_SANDBOX}'
    return ''


def versions() -> dict[str, str]:
    """The versions a run records: transformacion, wxc_sdk and Python."""

    def version(package: str) -> str:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return 'desconocida'

    return {
        'transformacion': version('transformacion'),
        'wxc_sdk': version('wxc_sdk'),
        'python': platform.python_version(),
    }


def operator(target: Target | None) -> dict[str, Any]:
    """Who drives a session: the local user and host, and the token's owner when the target was read."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = ''
    return {
        'user': user,
        'host': socket.gethostname(),
        'webex_user': target.owner_email if target else None,
    }
