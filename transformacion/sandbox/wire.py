"""Naming on the wire: snake_case in Python and in the state, camelCase in the JSON Webex sends and receives."""

import re
from functools import lru_cache
from typing import Any

_UPPER = re.compile(r'(?<!^)(?=[A-Z])')


@lru_cache(maxsize=4096)
def to_camel(name: str) -> str:
    """``postal_code`` -> ``postalCode`` (the rule wxc_sdk uses for its aliases); cached: every answer converts the
    same few field names."""
    first, *rest = name.split('_')
    return first + ''.join(part.title() for part in rest)


@lru_cache(maxsize=4096)
def to_snake(name: str) -> str:
    """``postalCode`` -> ``postal_code``; the inverse of :func:`to_camel` for Webex field names."""
    return _UPPER.sub('_', name).lower()


def to_wire(value: Any) -> Any:
    """A state record as Webex sends it: camelCase keys, absent (None) fields left out."""
    if isinstance(value, dict):
        return {to_camel(key): to_wire(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [to_wire(item) for item in value]
    return value


def from_wire(value: Any) -> Any:
    """A request body with snake_case keys; explicit nulls are kept because an update may mean them."""
    if isinstance(value, dict):
        return {to_snake(key): from_wire(item) for key, item in value.items()}
    if isinstance(value, list):
        return [from_wire(item) for item in value]
    return value
