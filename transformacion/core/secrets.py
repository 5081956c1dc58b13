"""Secret masking: every text this process writes (evidence, result objects, argv echoes, tracebacks) passes here."""

from __future__ import annotations

import re
from typing import Any

MASK = '***'
_SECRET_KEY = re.compile(r'token|authorization|password|passwd|secret|passcode|api[_-]?key', re.IGNORECASE)
_BEARER = re.compile(r'(Bearer\s+)[^\s"\']+', re.IGNORECASE)
_secrets: set[str] = set()


def register_secret(value: str | None) -> None:
    """Remember a secret so that every text this process writes has it replaced by ``***``."""
    if value and len(value) >= 4:
        _secrets.add(value)


def mask_text(text: str) -> str:
    for secret in sorted(_secrets, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return _BEARER.sub(r'\1' + MASK, text)


def sanitise(value: Any) -> Any:
    """A copy of ``value`` fit for logs: secret-looking keys masked, registered secrets removed from text."""
    if isinstance(value, dict):
        return {
            k: (MASK if _SECRET_KEY.search(str(k)) and v not in (None, '') else sanitise(v)) for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [sanitise(item) for item in value]
    if isinstance(value, str):
        return mask_text(value)
    return value


def mask_argv(argv: list[str], secret_flags: set[str]) -> list[str]:
    """The command line with the values of secret options replaced by ``***``."""
    masked: list[str] = []
    hide_next = False
    for arg in argv:
        if hide_next:
            masked.append(MASK)
            hide_next = False
            continue
        flag, eq, _ = arg.partition('=')
        if flag in secret_flags:
            if eq:
                masked.append(f'{flag}={MASK}')
            else:
                masked.append(arg)
                hide_next = True
            continue
        masked.append(mask_text(arg))
    return masked
