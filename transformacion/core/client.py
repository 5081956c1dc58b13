"""Runtime environment, token and the SDK client: ``.env`` loading, the token (registered as a secret) and a real
``wxc_sdk.WebexSimpleApi`` whose only retry policy is ours."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from transformacion.core.outcome import Rejected
from transformacion.core.secrets import register_secret


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


def get_token(args: argparse.Namespace) -> str:
    """``--token`` or ``WEBEX_ACCESS_TOKEN``; missing -> Rejected. The token is registered as a secret."""
    token = getattr(args, 'token', None) or os.environ.get('WEBEX_ACCESS_TOKEN', '')
    token = token.strip()
    if not token:
        raise Rejected('falta el token: use --token o la variable WEBEX_ACCESS_TOKEN (puede ir en un fichero .env)')
    register_secret(token)
    return token


def create_api(
    token: str,
    base_url: str | None = None,
    *,
    concurrency: int = 10,
    timeout: float = 60.0,
    controller: Any = None,
) -> Any:
    """A real ``wxc_sdk.WebexSimpleApi`` whose only retry policy is ours, pointed at ``base_url`` if given."""
    from wxc_sdk import WebexSimpleApi

    from transformacion.core.transport import ObservedAdapter

    api = WebexSimpleApi(tokens=token, retry_429=False, concurrent_requests=concurrency)
    base = base_url or os.environ.get('WEBEX_BASE_URL', '').strip()
    if base:
        api.session.BASE = base.rstrip('/')
    adapter = ObservedAdapter(timeout=timeout, controller=controller, pool_maxsize=concurrency)
    api.session.mount('http://', adapter)
    api.session.mount('https://', adapter)
    return api
