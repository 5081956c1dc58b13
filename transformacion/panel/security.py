"""The panel's guards: the session token (printed at start, kept in an HttpOnly cookie), the CSRF token every
state-changing request carries, the hosts a request may name, and the confinement of file access to the input root
and the logs folder."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from pathlib import Path

COOKIE = 'panel_session'
CSRF_HEADER = 'x-csrf-token'
SAFE_METHODS = frozenset({'GET', 'HEAD', 'OPTIONS'})


class OutsideRoot(ValueError):
    """A path that leaves the folder it must stay in (``..``, an absolute path, a symbolic link out)."""


def new_token() -> str:
    """A random session token (32 bytes, URL-safe)."""
    return secrets.token_urlsafe(32)


def csrf_token(session: str) -> str:
    """The CSRF token of a session: HMAC-SHA256 of a fixed label under the session token (hex), served in the page
    and sent back in the ``X-CSRF-Token`` header of every POST."""
    return hmac.new(session.encode(), b'transformacion-panel-csrf', hashlib.sha256).hexdigest()


def same(secret: str, given: str | None) -> bool:
    """Constant-time comparison; False for a missing value."""
    return bool(given) and hmac.compare_digest(secret.encode(), str(given).encode())


def confined(root: Path, relative: str) -> Path:
    """``root / relative`` resolved, which must stay inside ``root`` (OutsideRoot otherwise, before any access)."""
    base = root.resolve()
    if not relative or '\x00' in relative:
        raise OutsideRoot(f'ruta no válida: {relative!r}')
    candidate = (base / relative).resolve()
    if candidate != base and base not in candidate.parents:
        raise OutsideRoot(f'la ruta {relative!r} sale de {base}')
    return candidate


def allowed_hosts(host: str, port: int) -> set[str]:
    """The ``Host`` header values a request may carry (a page of another site resolving to 127.0.0.1 is refused)."""
    names = {host, '127.0.0.1', 'localhost'} if host in ('127.0.0.1', 'localhost', '::1') else {host}
    return {f'{name}:{port}' for name in names} | ({f'[::1]:{port}'} if host == '::1' else set())
