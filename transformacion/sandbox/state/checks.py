"""Input checks shared by the state areas; each failure is a 400 that names the field as the API spells it."""

from __future__ import annotations

from typing import Any

from ..errors import BadRequest
from ..wire import to_camel


def field_name(key: str, prefix: str = '') -> str:
    """``postal_code`` under ``address`` -> ``address.postalCode``."""
    return f'{prefix}{to_camel(key)}'


def missing(data: dict[str, Any] | None, keys: tuple[str, ...], prefix: str = '') -> list[str]:
    """API names of the keys that are missing, null or blank in ``data`` (none when ``data`` itself is absent)."""
    if data is None:
        return []
    return [field_name(key, prefix) for key in keys if _absent(data.get(key))]


def require(names: list[str]) -> None:
    """400 listing every missing field of ``names`` (one error entry per field)."""
    if names:
        raise BadRequest(
            f'Missing required field(s): {", ".join(names)}.',
            descriptions=[f'{name} is required.' for name in names],
        )


def _absent(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(data: dict[str, Any], key: str, prefix: str = '', max_length: int | None = None) -> str | None:
    """``data[key]`` when it is a string (or absent/null: None); 400 for another type or a too long value."""
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadRequest(f'Invalid value for {field_name(key, prefix)}: expected a string.')
    if max_length is not None and len(value) > max_length:
        raise BadRequest(f'Invalid value for {field_name(key, prefix)}: at most {max_length} characters.')
    return value


def flag(data: dict[str, Any], key: str) -> bool | None:
    """``data[key]`` when it is a boolean (or absent/null: None); 400 otherwise."""
    value = data.get(key)
    if value is not None and not isinstance(value, bool):
        raise BadRequest(f'Invalid value for {field_name(key)}: expected true or false.')
    return value


def obj(data: dict[str, Any], key: str) -> dict[str, Any] | None:
    """``data[key]`` when it is an object (or absent/null: None); 400 otherwise."""
    value = data.get(key)
    if value is not None and not isinstance(value, dict):
        raise BadRequest(f'Invalid value for {field_name(key)}: expected an object.')
    return value


def one_of(value: str, accepted: list[str], name: str, *, ignore_case: bool = False) -> None:
    """400 unless ``value`` is one of ``accepted``."""
    candidates = [item.lower() for item in accepted] if ignore_case else accepted
    if (value.lower() if ignore_case else value) not in candidates:
        raise BadRequest(f'Invalid value for {name}: {value!r}.', descriptions=[f'{name} {value!r} is not supported.'])


def set_or_clear(record: dict[str, Any], key: str, value: Any) -> None:
    """Set ``record[key]``, or remove the key when ``value`` is None (a cleared optional field)."""
    if value is None:
        record.pop(key, None)
    else:
        record[key] = value
