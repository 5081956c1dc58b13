"""Parameter declarations: each action states its parameters once, as data.

argparse options, the CSV merge, validation, the catalogue and the README table are all derived
from these declarations. Coercion functions are small and pure; they raise ``ValueError`` with
what was expected, and the caller adds where the value came from (file, row, column).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

READY = 'ready'
EN_DESARROLLO = 'en desarrollo'

DATASETS = {
    'ubicaciones': 'ubicaciones.csv',
    'usuarios': 'usuarios.csv',
    'workspaces': 'workspaces.csv',
}

_TRUE = {'true', '1', 'si', 'sí', 'yes', 'y', 's', 'x', 'on'}
_FALSE = {'false', '0', 'no', 'n', 'off'}
_E164 = re.compile(r'^\+[1-9]\d{6,14}$')
_EMAIL = re.compile(r'^[^@\s;,]+@[^@\s;,]+\.[A-Za-z]{2,}$')
_LIST_SPLIT = re.compile(r'[;,|\s]+')
MAX_RANGE = 1000


@dataclass(frozen=True)
class ParamType:
    """A named coercion from text to a typed value."""

    name: str
    coerce: Callable[[str], Any]
    doc: str


def _text(value: str) -> str:
    return value


def _int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ValueError('se esperaba un número entero') from None


def _bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError('se esperaba un booleano (true/false, 1/0, si/no, yes/no, x)')


def _e164(value: str) -> str:
    number = value.strip().replace(' ', '')
    if _E164.match(number):
        return number
    if re.fullmatch(r'\d{7,15}', number):
        raise ValueError(
            f"se esperaba un número E.164 con '+' (¿una hoja de cálculo quitó el '+'? escriba +{number} "
            'y guarde la columna como texto)'
        )
    if re.fullmatch(r'\d(\.\d+)?[eE]\+?\d+', number):
        raise ValueError('se esperaba un número E.164; la hoja de cálculo lo convirtió a notación científica')
    raise ValueError('se esperaba un número E.164 (+ y de 7 a 15 dígitos, p. ej. +34910000100)')


def split_list(value: str) -> list[str]:
    """Split a list cell on ';', ',', '|' or blanks, dropping empty items."""
    return [item for item in _LIST_SPLIT.split(value.strip()) if item]


def _e164_list(value: str) -> list[str]:
    return [_e164(item) for item in split_list(value)]


def expand_number_range(start: str, end: str) -> list[str]:
    """All E.164 numbers from start to end inclusive (same length, at most MAX_RANGE)."""
    first, last = _e164(start), _e164(end)
    if len(first) != len(last):
        raise ValueError(f'el rango {first}-{last} mezcla longitudes distintas')
    count = int(last[1:]) - int(first[1:]) + 1
    if count < 1:
        raise ValueError(f'el rango {first}-{last} está invertido')
    if count > MAX_RANGE:
        raise ValueError(f'el rango {first}-{last} tiene {count} números; el máximo es {MAX_RANGE}')
    width = len(first) - 1
    return [f'+{n:0{width}d}' for n in range(int(first[1:]), int(last[1:]) + 1)]


def _number_ranges(value: str) -> list[str]:
    numbers: list[str] = []
    for item in split_list(value):
        if re.fullmatch(r'\+?\d+-\+?\d+', item):
            start, end = item.split('-')
            numbers.extend(expand_number_range(start, end))
        else:
            numbers.append(_e164(item))
    return list(dict.fromkeys(numbers))


def _email(value: str) -> str:
    address = value.strip()
    if not _EMAIL.match(address):
        raise ValueError('se esperaba una dirección de correo (usuario@dominio.tld)')
    return address.lower()


def _email_list(value: str) -> list[str]:
    return [_email(item) for item in split_list(value)]


def _extension(value: str) -> str:
    extension = value.strip()
    if not re.fullmatch(r'\d{2,10}', extension):
        raise ValueError('se esperaba una extensión de 2 a 10 dígitos')
    return extension


def decode_webex_id(value: str) -> str | None:
    """The ``ciscospark://`` URI inside a Webex id, or None when the value is not a Webex id."""
    try:
        decoded = base64.b64decode(value + '=' * (-len(value) % 4), validate=True).decode('utf-8')
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return decoded if decoded.startswith('ciscospark://') else None


def _webex_id(value: str) -> str:
    if decode_webex_id(value.strip()) is None:
        raise ValueError('se esperaba un id de Webex (base64 de ciscospark://...)')
    return value.strip()


STR = ParamType('str', _text, 'texto')
INT = ParamType('int', _int, 'número entero')
BOOL = ParamType('bool', _bool, 'true/false, 1/0, si/no, yes/no, x')
E164 = ParamType('e164', _e164, 'número E.164, p. ej. +34910000100')
E164_LIST = ParamType('e164_list', _e164_list, "números E.164 separados por ';' ',' o '|'")
NUMBER_RANGES = ParamType(
    'number_ranges', _number_ranges, "números E.164 o rangos inicio-fin (+34910000100-+34910000149) separados por ';'"
)
EMAIL = ParamType('email', _email, 'correo electrónico')
EMAIL_LIST = ParamType('email_list', _email_list, "correos separados por ';' ',' o '|'")
EXTENSION = ParamType('extension', _extension, 'extensión de 2 a 10 dígitos')
WEBEX_ID = ParamType('webex_id', _webex_id, 'id de Webex')
ENUM = ParamType('enum', _text, 'uno de los valores permitidos')


@dataclass(frozen=True)
class Param:
    """One parameter of an action: how it is called, typed, required, found in a CSV and what it needs.

    ``depends_on`` names the action that creates the entity this value refers to (launcher order);
    ``requires`` names other parameters that must be given with this one; ``key`` marks the columns
    that identify the row's entity.
    """

    name: str
    type: ParamType = STR
    required: bool = False
    help: str = ''
    column: str | None = None
    choices: tuple[str, ...] = ()
    default: Any = None
    secret: bool = False
    depends_on: str | None = None
    requires: tuple[str, ...] = ()
    key: bool = False

    @property
    def csv_column(self) -> str:
        return self.column or self.name

    @property
    def flag(self) -> str:
        return '--' + self.name.replace('_', '-')

    def coerce(self, raw: str) -> Any:
        value = self.type.coerce(raw.strip())
        if self.choices:
            normalised = {choice.lower(): choice for choice in self.choices}
            key = str(value).lower()
            if key not in normalised:
                raise ValueError(f'valor no permitido; use uno de: {", ".join(self.choices)}')
            value = normalised[key]
        return value


@dataclass(frozen=True)
class Action:
    """The declaration of one action: its identity, dataset, status and parameters."""

    name: str
    domain: str
    summary: str
    params: tuple[Param, ...] = field(default_factory=tuple)
    status: str = READY
    high_impact: bool = False

    @property
    def dataset(self) -> str:
        return DATASETS[self.domain]

    @property
    def ready(self) -> bool:
        return self.status == READY

    def param(self, name: str) -> Param:
        for param in self.params:
            if param.name == name:
                return param
        raise KeyError(name)

    @property
    def key_params(self) -> tuple[Param, ...]:
        """The parameters that identify the entity a row is about (its key columns in the dataset)."""
        return tuple(param for param in self.params if param.key)

    @property
    def required(self) -> tuple[Param, ...]:
        return tuple(param for param in self.params if param.required)

    @property
    def depends_on(self) -> tuple[str, ...]:
        """Actions that must have run first, derived from the parameters' ``depends_on``."""
        return tuple(dict.fromkeys(p.depends_on for p in self.params if p.depends_on and p.depends_on != self.name))


# The identity of a row's entity, shared by every action of a dataset: one declaration, one CSV column.
LOCATION = Param(
    'location', required=True, key=True, help='ubicación (nombre o id)', column='name', depends_on='alta_ubicacion'
)
PERSON = Param(
    'person', required=True, key=True, help='persona (correo o id)', column='email', depends_on='alta_usuario'
)
WORKSPACE = Param(
    'workspace', required=True, key=True, help='workspace (nombre o id)', column='name', depends_on='alta_workspace'
)
WORKSPACE_LOCATION = Param(
    'location',
    key=True,
    help='ubicación del workspace (nombre o id); necesaria si el nombre se repite en varias ubicaciones',
    depends_on='alta_ubicacion',
)
