"""Secret masking: every text this process writes (evidence, result objects, argv echoes, tracebacks) passes here."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

MASK = '***'
#: keys whose values are masked whole (any key containing one of these words)
SECRET_KEY = re.compile(r'token|authorization|password|passwd|secret|passcode|api[_-]?key', re.IGNORECASE)
_SECRET_KEY = SECRET_KEY
_KEY_WORDS = ('token', 'authorization', 'password', 'passwd', 'secret', 'passcode')
_BEARER = re.compile(r'(Bearer\s+)[^\s"\']+', re.IGNORECASE)
_secrets: set[str] = set()
#: the registered secrets, longest first (what mask_text replaces), and the same plus their JSON-escaped forms
_ordered: tuple[str, ...] = ()
_ordered_json: tuple[str, ...] = ()


def register_secret(value: str | None) -> None:
    """Remember a secret so that every text this process writes has it replaced by ``***``."""
    global _ordered, _ordered_json
    if value and len(value) >= 4 and value not in _secrets:
        _secrets.add(value)
        escaped = {json.dumps(secret, ensure_ascii=False)[1:-1] for secret in _secrets}
        _ordered = tuple(sorted(_secrets, key=len, reverse=True))
        _ordered_json = tuple(sorted(_secrets | escaped, key=len, reverse=True))


_API_KEYS = ('apikey', 'api_key', 'api-key')
#: the characters other than ASCII letters that :data:`SECRET_KEY` (case-blind) takes for one of its letters ('İ' and
#: 'ı' for i, 'ſ' for s, the Kelvin sign for k; tests/unit/test_secrets.py derives them from every code point): a
#: lowercase text without them matches the expression exactly where it contains one of its words as written
_FOLDED = ('\u0130', '\u0131', '\u017f', '\u212a')


def mentions_secret_key(text: str, lowered: str | None = None) -> bool:
    """Whether ``text`` contains a word of :data:`SECRET_KEY` anywhere (a fast test before walking a document);
    ``lowered``: ``text.lower()`` when the caller has it already.

    The expression itself only runs on a text that mentions ``api`` and holds one of the characters it folds
    (:data:`_FOLDED`); otherwise plain substring tests give its answer (every evidence line of a run against
    ``webexapis.com`` mentions ``api``: the expression took about 35 us per line of 1 KB)."""
    lowered = text.lower() if lowered is None else lowered
    if any(word in lowered for word in _KEY_WORDS):
        return True
    if 'api' not in lowered:
        return False
    if any(char in lowered for char in _FOLDED):
        return SECRET_KEY.search(lowered) is not None
    return any(word in lowered for word in _API_KEYS)


def mask_json_text(text: str, lowered: str | None = None) -> str:
    """:func:`mask_text` for a JSON document: also masks each secret as JSON escapes it inside a string (a secret
    with a quote, a backslash or a control character), so masking the encoded text equals masking every string.
    ``lowered``: ``text.lower()`` when the caller has it already."""
    for secret in _ordered_json:
        if secret in text:
            text = text.replace(secret, MASK)
            lowered = None
    lowered = text.lower() if lowered is None else lowered
    return _BEARER.sub(r'\1' + MASK, text) if 'bearer' in lowered else text


def mask_text(text: str) -> str:
    for secret in _ordered:
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


def _is_secret_flag(flag: str, secret_flags: Iterable[str], *, misspelt: bool = False) -> bool:
    """Whether ``flag`` names a secret option, abbreviated too (argparse takes any unambiguous prefix of a long
    option: ``--tok VALUE`` is ``--token VALUE``), or with ``misspelt`` one that looks like it (``--tokn``)."""
    if flag in secret_flags:
        return True
    if len(flag) <= 2 or not flag.startswith('--'):
        return False
    if any(secret.startswith(flag) for secret in secret_flags):
        return True
    if not misspelt:
        return False
    import difflib  # only for a command line argparse refused

    return bool(difflib.get_close_matches(flag, list(secret_flags), n=1, cutoff=0.8))


def register_argv_secrets(argv: Sequence[str], secret_flags: Iterable[str], *, misspelt: bool = False) -> None:
    """Register as secrets the values ``argv`` gives to ``secret_flags`` (``--token VALUE``, ``--token=VALUE``,
    abbreviated or not), before any parsing: an echo or a message written before the option is read (argparse's
    errors quote what they refuse) masks them too. ``misspelt``: also the values of options that look like one of
    them (a command line refused for an unknown option: ``--tokn VALUE``)."""
    flags = set(secret_flags)
    for at, arg in enumerate(argv):
        flag, eq, value = arg.partition('=')
        if not _is_secret_flag(flag, flags, misspelt=misspelt):
            continue
        secret = value if eq else (argv[at + 1] if at + 1 < len(argv) else None)
        if secret:
            register_secret(secret)


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
        if _is_secret_flag(flag, secret_flags):
            if eq:
                masked.append(f'{flag}={MASK}')
            else:
                masked.append(arg)
                hide_next = True
            continue
        masked.append(mask_text(arg))
    return masked
