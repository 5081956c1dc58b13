"""Parameter declarations: each action states its parameters once, as data.

argparse options, the CSV merge, validation, the catalogue and the README table are all derived
from these declarations. Coercion functions are small and pure; they raise ``ValueError`` with
what was expected, and the caller adds where the value came from (file, row, column).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from transformacion.core import values

READY = 'ready'
EN_DESARROLLO = 'en desarrollo'

DATASETS = {
    'ubicaciones': 'ubicaciones.csv',
    'usuarios': 'usuarios.csv',
    'workspaces': 'workspaces.csv',
}

_TRUE = {'true', 'verdadero', '1', 'si', 'sí', 'yes', 'y', 's', 'x', 'on'}
_FALSE = {'false', 'falso', '0', 'no', 'n', 'off'}
_EMAIL = re.compile(r'^[^@\s;,]+@[^@\s;,]+\.[A-Za-z]{2,}$')
_LIST_SPLIT = re.compile(r'[;,|\s]+')
#: Excel's text marker: a cell typed '+34910000100 may reach the CSV with its apostrophe.
TEXT_MARKER = "'"


@dataclass(frozen=True)
class ParamType:
    """A named coercion from text to a typed value.

    ``literal``: free text, taken as written; every other type first drops one leading apostrophe (Excel's text
    marker, ``'+34910000100`` -> ``+34910000100``), the value otherwise unchanged.
    """

    name: str
    coerce: Callable[[str], Any]
    doc: str
    literal: bool = False


def _text(value: str) -> str:
    return value


def _bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError('se esperaba un booleano (true/false, verdadero/falso, 1/0, sí/no, yes/no, x)')


def split_list(value: str) -> list[str]:
    """Split a list of names, e-mails or ids on ';', ',', '|' or blanks, dropping empty items (lists of numbers have
    their own rule: :func:`transformacion.core.values.split_numbers`, where a blank groups digits)."""
    return [item for item in _LIST_SPLIT.split(value.strip()) if item]


def _email(value: str) -> str:
    address = value.strip()
    if not _EMAIL.match(address):
        raise ValueError('se esperaba una dirección de correo (usuario@dominio.tld)')
    return address.lower()


def _extension(value: str) -> str:
    extension = value.strip()
    if not re.fullmatch(r'\d{2,10}', extension):
        raise ValueError(f'se esperaba una extensión de {EXTENSION_MIN} a {EXTENSION_MAX} dígitos')
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


EXTENSION_MIN = 2
EXTENSION_MAX = 10

STR = ParamType('str', _text, 'texto', literal=True)
BOOL = ParamType('bool', _bool, 'true/false, verdadero/falso, 1/0, sí/no, yes/no, x')
E164 = ParamType('e164', values.e164, values.NUMBER_RULE)
NUMBER_RANGES = ParamType(
    'number_ranges', values.number_ranges, f'{values.LIST_RULE}; cada número: {values.NUMBER_RULE}'
)
EMAIL = ParamType('email', _email, 'correo electrónico')
EXTENSION = ParamType('extension', _extension, f'extensión de {EXTENSION_MIN} a {EXTENSION_MAX} dígitos')
WEBEX_ID = ParamType('webex_id', _webex_id, 'id de Webex')
ENUM = ParamType('enum', _text, 'uno de los valores permitidos')
TIME_ZONE = ParamType('time_zone', values.time_zone, 'zona horaria IANA, p. ej. Europe/Madrid')
PREFERRED_LANGUAGE = ParamType(
    'preferred_language', values.preferred_language, 'idioma ISO 639 y país ISO 3166 separados por _, p. ej. es_ES'
)
ANNOUNCEMENT_LANGUAGE = ParamType(
    'announcement_language',
    values.announcement_language,
    'idioma de Webex Calling y país, en minúsculas (es_ES se escribe es_es)',
)
COUNTRY = ParamType('country', values.country, 'código de país ISO 3166 de 2 letras, p. ej. ES')
expand_number_range = values.expand_number_range
MAX_RANGE = values.MAX_RANGE


@dataclass(frozen=True)
class Param:
    """One parameter of an action: how it is called, typed, required and found in a CSV.

    ``depends_on`` names the action that creates the entity this value refers to (launcher order); ``key`` marks
    the columns that identify the row's entity. Rules between parameters are declared on the :class:`Action`.
    """

    name: str
    type: ParamType = STR
    required: bool = False
    help: str = ''
    column: str | None = None
    choices: tuple[str, ...] = ()
    default: Any = None
    depends_on: str | None = None
    key: bool = False
    #: the value may be a template over the row's other columns (``53{extension}``; see ``core/templates``)
    template: bool = False

    @property
    def csv_column(self) -> str:
        return self.column or self.name

    @property
    def flag(self) -> str:
        return '--' + self.name.replace('_', '-')

    def coerce(self, raw: str) -> Any:
        text = raw.strip()
        if not self.type.literal and text.startswith(TEXT_MARKER):
            text = text[len(TEXT_MARKER) :].strip()
        value = self.type.coerce(text)
        if self.choices:
            normalised = {choice.lower(): choice for choice in self.choices}
            key = str(value).lower()
            if key not in normalised:
                raise ValueError(f'valor no permitido; use uno de: {", ".join(self.choices)}')
            value = normalised[key]
        return value


# --------------------------------------------------------------------------- rules between parameters

ONE_OF = 'one_of'
TOGETHER = 'together'
EXCLUSIVE = 'exclusive'
REQUIRED_IF = 'required_if'
FORBIDDEN_IF = 'forbidden_if'
REQUIRES = 'requires'


@dataclass(frozen=True)
class Violation:
    """A rule broken by one set of values: the parameters to name (as the problem's column), the value to show and
    why, in Spanish."""

    params: tuple[str, ...]
    value: str
    why: str


@dataclass(frozen=True)
class Rule:
    """A declared rule between parameters, checked with the types before any I/O (the model is Ansible's
    ``required_one_of``, ``required_together``, ``mutually_exclusive``, ``required_if`` and ``required_by``).

    Build rules with :func:`one_of`, :func:`asks_one_of`, :func:`together`, :func:`exclusive`, :func:`required_if`,
    :func:`forbidden_if` and :func:`requires`. ``params`` are the parameters the rule constrains; ``trigger`` the
    parameter whose value switches the rule on (``required_if``, ``forbidden_if``, ``requires``) and ``value`` the
    typed value that does it (``required_if``, ``forbidden_if``); ``asks`` marks the rule over the parameters that
    say what to change; ``why`` is a Spanish explanation put first in the message.
    """

    kind: str
    params: tuple[str, ...]
    trigger: str | None = None
    value: Any = None
    asks: bool = False
    why: str = ''

    @property
    def names(self) -> tuple[str, ...]:
        """Every parameter the rule mentions (the trigger first)."""
        return ((self.trigger,) if self.trigger else ()) + self.params

    def check(self, action: Action, raw: dict[str, Any], typed: dict[str, Any]) -> Violation | None:
        """The violation of this rule by ``raw`` (the values as given; None or '' is "not given") and ``typed``
        (their coerced values), or None. A ``required_if``/``forbidden_if`` trigger whose value could not be typed does
        not trigger (its type error is reported instead)."""
        given = [name for name in self.params if _given(raw.get(name))]
        missing = [name for name in self.params if name not in given]
        if self.kind == ONE_OF:
            if given:
                return None
            lead = 'no se pidió ningún cambio' if self.asks else (self.why or 'falta un valor')
            return Violation(self.params, '', f'{lead}: indique al menos uno de {_labels(action, self.params)}')
        if self.kind == TOGETHER:
            if not given or not missing:
                return None
            return Violation(
                tuple(missing),
                '',
                _lead(
                    self.why,
                    f'{_flags(action, given)} va junto con {_labels(action, missing)}: indique todos o ninguno',
                ),
            )
        if self.kind == EXCLUSIVE:
            if len(given) < 2:
                return None
            shown = ', '.join(str(raw[name]) for name in given)
            return Violation(tuple(given), shown, _lead(self.why, f'no se pueden combinar {_labels(action, given)}'))
        trigger = self.trigger or ''
        if not _given(raw.get(trigger)):
            return None
        shown = str(raw[trigger])
        if self.kind == REQUIRES:
            if not missing:
                return None
            why = f'{_labels(action, (trigger,))} necesita también {_labels(action, missing)}'
            return Violation((trigger,), shown, _lead(self.why, why))
        if typed.get(trigger) != self.value:
            return None
        condition = f'{_labels(action, (trigger,))} = {_shown(self.value)}'
        if self.kind == REQUIRED_IF and missing:
            why = f'{condition} necesita también {_labels(action, missing)}'
            return Violation(tuple(missing), shown, _lead(self.why, why))
        if self.kind == FORBIDDEN_IF and given:
            why = f'{condition} no se puede combinar con {_labels(action, given)}'
            return Violation((trigger, *given), shown, _lead(self.why, why))
        return None

    def describe(self, action: Action) -> str:
        """The rule in one Spanish line, naming CSV columns (for --help, the catalogue and the preflight)."""
        columns = _columns(action, self.params)
        text = {
            ONE_OF: f'al menos uno de: {columns}',
            TOGETHER: f'todos o ninguno de: {columns}',
            EXCLUSIVE: f'como mucho uno de: {columns}',
        }.get(self.kind)
        if self.asks:
            text = (
                f'lo que se pide cambiar: al menos uno de {columns} (una fila de lote que no rellena ninguno no aplica)'
            )
        elif text is None:
            trigger = action.param(self.trigger or '').csv_column
            text = {
                REQUIRES: f'{trigger} necesita también {columns}',
                REQUIRED_IF: f'si {trigger} es {_shown(self.value)}, hace falta {columns}',
                FORBIDDEN_IF: f'si {trigger} es {_shown(self.value)}, no se admite {columns}',
            }[self.kind]
        return f'{text} ({self.why})' if self.why else text


def _given(value: Any) -> bool:
    return value is not None and value != ''


def _shown(value: Any) -> str:
    return {True: 'true', False: 'false'}.get(value, str(value)) if isinstance(value, bool) else str(value)


def _lead(why: str, text: str) -> str:
    return f'{why}: {text}' if why else text


def _flags(action: Action, names: Sequence[str]) -> str:
    return ', '.join(action.param(name).flag for name in names)


def _columns(action: Action, names: Sequence[str]) -> str:
    return ', '.join(action.param(name).csv_column for name in names)


def _labels(action: Action, names: Sequence[str]) -> str:
    """``--a, --b (columnas a, b)``: how a message names parameters for the command line and the CSV alike."""
    plural = 's' if len(names) > 1 else ''
    return f'{_flags(action, names)} (columna{plural} {_columns(action, names)})'


def _names(names: tuple[str, ...], least: int) -> tuple[str, ...]:
    if len(names) < least or len(set(names)) != len(names):
        raise ValueError(f'una regla necesita al menos {least} parámetros distintos: {names}')
    return names


def one_of(*names: str, why: str = '') -> Rule:
    """At least one of ``names`` is given (Ansible's ``required_one_of``)."""
    return Rule(ONE_OF, _names(names, 2), why=why)


def asks_one_of(*names: str) -> Rule:
    """At least one of the parameters that say what to change is given: nothing given is "nothing asked", rejected
    in a single run; in a batch, a row that fills none of them does not apply to the action (skipped "no aplica")."""
    return Rule(ONE_OF, _names(names, 1), asks=True)


def together(*names: str, why: str = '') -> Rule:
    """All of ``names`` or none (Ansible's ``required_together``)."""
    return Rule(TOGETHER, _names(names, 2), why=why)


def exclusive(*names: str, why: str = '') -> Rule:
    """At most one of ``names`` (Ansible's ``mutually_exclusive``)."""
    return Rule(EXCLUSIVE, _names(names, 2), why=why)


def required_if(name: str, value: Any, *needed: str, why: str = '') -> Rule:
    """When ``name`` is given and its typed value is ``value``, every one of ``needed`` is given too (Ansible's
    ``required_if``)."""
    return Rule(REQUIRED_IF, _names(needed, 1), trigger=name, value=value, why=why)


def forbidden_if(name: str, value: Any, *others: str, why: str = '') -> Rule:
    """When ``name`` is given and its typed value is ``value``, none of ``others`` may be given."""
    return Rule(FORBIDDEN_IF, _names(others, 1), trigger=name, value=value, why=why)


def requires(name: str, *needed: str, why: str = '') -> Rule:
    """When ``name`` is given, every one of ``needed`` is given too (Ansible's ``required_by``)."""
    return Rule(REQUIRES, _names(needed, 1), trigger=name, why=why)


@dataclass(frozen=True)
class Action:
    """The declaration of one action: its identity, dataset, status, parameters and the rules between them.

    ``high_impact``: the action may ask for confirmation (``--yes``) before writing; only a high-impact action may
    (``Context.confirm`` refuses otherwise). ``rules``: see :class:`Rule`; checked by ``_params_for_script`` in a
    single run, in the launcher's validation and in the offline preflight alike.

    ``confirm_when_new``: what a high-impact pair will ask when ``converge`` cannot read its entity yet because the
    same batch creates it (or another prerequisite) first: ``confirm_when_new(api, ctx, params)`` (the SDK client, a
    dry-run ``Context`` for reads of the org, the typed params) gives what the confirmation will show, or None when
    the real run certainly does not ask. None (default): the real run asks, as ``converge`` does for every change
    without ``confirm_if``. See :func:`confirmation_when_new`.
    """

    name: str
    domain: str
    summary: str
    params: tuple[Param, ...] = field(default_factory=tuple)
    status: str = READY
    high_impact: bool = False
    rules: tuple[Rule, ...] = ()
    confirm_when_new: Callable[[Any, Any, Mapping[str, Any]], str | None] | None = None

    def __post_init__(self) -> None:
        declared = {param.name for param in self.params}
        for rule in self.rules:
            unknown = [name for name in rule.names if name not in declared]
            if unknown:
                raise ValueError(f'{self.name}: la regla {rule.kind} nombra parámetros no declarados: {unknown}')
        if sum(rule.asks for rule in self.rules) > 1:
            raise ValueError(f'{self.name}: declara más de una regla asks_one_of')

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

    @property
    def request_params(self) -> tuple[Param, ...]:
        """The parameters that say what to change: those of the ``asks_one_of`` rule, else every non-key one."""
        asks = next((rule for rule in self.rules if rule.asks), None)
        if asks is not None:
            return tuple(self.param(name) for name in asks.params)
        return tuple(param for param in self.params if not param.key)

    def applies(self, *rows: Mapping[str, str]) -> bool:
        """The batch applicability rule: the rows (a dataset row and, when given, the global.csv row; by CSV column)
        fill at least one of the request columns; an action whose parameters are all keys applies to every row."""
        columns = [param.csv_column for param in self.request_params]
        return not columns or any(row.get(column, '') != '' for row in rows for column in columns)


def confirmation_when_new(action: Action, params: Mapping[str, Any], entity: str, api: Any, ctx: Any) -> str | None:
    """What the real run will ask to confirm (``--yes``) for a pair of ``action`` on ``entity`` (the row's key, e.g.
    a location name) whose entity or prerequisite the same batch applies first, so that its state cannot be read yet;
    None when it certainly will not ask (not high-impact, or its ``confirm_when_new`` says so; ``api`` and ``ctx``, a
    dry-run context, are passed to it for reads). The one rule of the dry-run (``requiere_yes`` in results and plan),
    of the real run's refusal of a whole row before its first write, and so of ``--apply`` and the panel."""
    if not action.high_impact:
        return None
    if action.confirm_when_new is not None:
        return action.confirm_when_new(api, ctx, params)
    return f'{entity}: cambio de alto impacto sobre lo que este lote crea o prepara antes'


def describe_rules(action: Action) -> list[str]:
    """The action's rules between parameters, one Spanish line each, naming CSV columns."""
    return [rule.describe(action) for rule in action.rules]


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
