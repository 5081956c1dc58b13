"""Webex identifiers: unpadded base64 of ``ciscospark://us/<KIND>/<uuid>``, as the public API uses them."""

import base64
import binascii

PREFIX = 'ciscospark://us/'

PEOPLE = 'PEOPLE'
LOCATION = 'LOCATION'
ORGANIZATION = 'ORGANIZATION'
PLACE = 'PLACE'
LICENSE = 'LICENSE'
ROLE = 'ROLE'
TRUNK = 'TRUNK'
ROUTE_GROUP = 'ROUTE_GROUP'
PSTN_CONNECTION = 'PSTN_CONNECTION'


def encode(kind: str, uid: str) -> str:
    """Webex id of an entity of ``kind`` (e.g. ``LOCATION``) whose raw id is ``uid``."""
    return base64.b64encode(f'{PREFIX}{kind}/{uid}'.encode()).decode().rstrip('=')


def decode(webex_id: str) -> tuple[str, str] | None:
    """``(kind, uid)`` of a Webex id, or None when the string is not one."""
    try:
        raw = base64.b64decode(webex_id + '=' * (-len(webex_id) % 4), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    kind, _, uid = raw.removeprefix(PREFIX).partition('/')
    if not raw.startswith(PREFIX) or not kind or not uid:
        return None
    return kind, uid
