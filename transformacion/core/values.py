"""Value domains checked offline: IANA time zones, the languages Webex accepts, ISO 3166 countries and telephone
numbers as operators write them (grouping blanks, dashes, dots, parentheses; lists and ranges).

Every function is pure: it returns the normalised value or raises ``ValueError`` with a Spanish why (the caller adds
the file, row and column). Only what has a single reading is normalised (``Europe / Madrid`` -> ``Europe/Madrid``,
``es_ES`` -> ``es_es`` for an announcement language, ``+34 910 000 500`` -> ``+34910000500``); anything else is
refused, with a hint when one candidate is certain. A country code is never invented: a number without one is
refused, and the E.164 form is suggested only when the country of its location is known offline.

The data come from maintained sources, imported lazily so that a command's start-up does not pay for them: the IANA
database through ``zoneinfo`` (the system's, else the ``tzdata`` package), ISO 3166-1 and ISO 639-1 through
``pycountry``, country calling codes and possible number lengths through ``phonenumbers`` (``phonenumberslite``).
"""

from __future__ import annotations

import functools
import re
from typing import Any

# --------------------------------------------------------------------------- time zones

#: Names in the IANA database that are not zones an administrator picks (zoneinfo lists them on some systems).
_NOT_ZONES = frozenset({'Factory', 'localtime', 'posixrules'})


@functools.cache
def time_zones() -> frozenset[str]:
    """Every IANA time zone name known to this machine (``zoneinfo.available_timezones``)."""
    import zoneinfo

    return frozenset(zoneinfo.available_timezones() - _NOT_ZONES)


@functools.cache
def _zones_by_fold() -> dict[str, str]:
    return {zone.casefold(): zone for zone in time_zones()}


@functools.cache
def _zones_by_city() -> dict[str, list[str]]:
    cities: dict[str, list[str]] = {}
    for zone in time_zones():
        cities.setdefault(zone.rsplit('/', 1)[-1].casefold(), []).append(zone)
    return cities


def time_zone(value: str) -> str:
    """An IANA time zone name (``Europe/Madrid``) as Webex expects it (``timeZone`` of ``POST /locations``).

    Blanks around ``/`` and a different case are normalised (``Europe / Madrid``, ``europe/madrid``); a city alone
    (``Madrid``) is refused with the zone it names when only one does. Raises ValueError otherwise.
    """
    text = re.sub(r'\s*/\s*', '/', value.strip())
    zone = _zones_by_fold().get(text.casefold())
    if zone is not None:
        return zone
    city = re.sub(r'\s+', '_', text.rsplit('/', 1)[-1]).casefold()
    candidates = sorted(_zones_by_city().get(city, []))
    if len(candidates) == 1:
        hint = f'¿quería decir {candidates[0]}?'
    elif candidates:
        hint = f'podría ser {" o ".join(candidates)}'
    else:
        hint = 'escriba Región/Ciudad, p. ej. Europe/Madrid o Atlantic/Canary'
    raise ValueError(f'no es una zona horaria IANA; {hint}')


# --------------------------------------------------------------------------- countries and languages

_LOCALE = re.compile(r'([A-Za-z]{2})[_-]([A-Za-z]{2})')

#: The languages of Webex Calling, as ISO 639-1 codes: the ``PhoneLanguage`` enum of Cisco's public OpenAPI
#: specification (webex-admin.json, ``components/schemas/PhoneLanguage``: ARABIC, BULGARIAN, CATALAN,
#: CHINESE_SIMPLIFIED/TRADITIONAL, CROATIAN, CZECH, DANISH, DUTCH, ENGLISH_UNITED_STATES/KINGDOM, FINNISH,
#: FRENCH_CANADA/FRANCE, GERMAN, GREEK, HEBREW, HUNGARIAN, ITALIAN, JAPANESE, KOREAN, NORWEGIAN, POLISH,
#: PORTUGUESE_PORTUGAL, RUSSIAN, SPANISH_COLOMBIA/SPAIN, SLOVAK, SWEDISH, SLOVENIAN, TURKISH, UKRAINE). The
#: specification has no enum for a location's ``announcementLanguage`` (only examples: ``fr_fr``, ``en_us``); the
#: org's own list is ``GET /telephony/config/announcementLanguages``, which needs the network.
WEBEX_CALLING_LANGUAGES = frozenset(
    'ar bg ca zh hr cs da nl en fi fr de el he hu it ja ko nb no pl pt ru es sk sv sl tr uk'.split()
)


def _country_record(code: str) -> Any:
    import pycountry

    return pycountry.countries.get(alpha_2=code.upper()) if len(code) == 2 else None


def country(value: str) -> str:
    """An ISO 3166-1 alpha-2 country code, upper case (``es`` -> ``ES``), as ``address.country`` of a location.

    A name or an alpha-3 code (``Spain``, ``ESP``) is refused with the alpha-2 code it names. Raises ValueError.
    """
    code = value.strip()
    if code.isascii() and code.isalpha() and _country_record(code) is not None:
        return code.upper()
    hint = ''
    try:
        import pycountry

        hint = f' (¿{pycountry.countries.lookup(code).alpha_2}?)'
    except LookupError:
        pass
    raise ValueError(f'se esperaba un código de país ISO 3166 de 2 letras, p. ej. ES{hint}')


def _language_record(code: str) -> Any:
    import pycountry

    return pycountry.languages.get(alpha_2=code.lower())


def _locale(value: str, what: str, example: str) -> tuple[str, str]:
    match = _LOCALE.fullmatch(value.strip())
    if match is None:
        raise ValueError(f'se esperaba {what}: idioma ISO 639 y país ISO 3166 separados por _, p. ej. {example}')
    language, region = match.group(1).lower(), match.group(2).upper()
    if _language_record(language) is None:
        raise ValueError(f'{language!r} no es un código de idioma ISO 639-1 (p. ej. {example})')
    if _country_record(region) is None:
        raise ValueError(f'{region!r} no es un código de país ISO 3166 (p. ej. {example})')
    return language, region


def preferred_language(value: str) -> str:
    """A location's ``preferredLanguage`` (e-mail language): ISO 639-1 language, ``_``, ISO 3166 country, as the
    Webex People API documents the field (``es_ES``). ``es-es`` and ``ES_es`` are normalised. Raises ValueError."""
    language, region = _locale(value, 'un idioma de correo', 'es_ES')
    return f'{language}_{region}'


def announcement_language(value: str) -> str:
    """A location's ``announcementLanguage`` (Webex Calling prompts) in the lowercase form Webex Calling expects:
    ``es_ES`` and ``es-ES`` -> ``es_es``. The language must be one of :data:`WEBEX_CALLING_LANGUAGES` and the
    country an ISO 3166 one; whether Webex offers that pair is for Webex to say. Raises ValueError."""
    language, region = _locale(value, 'un idioma de locuciones', 'es_es')
    if language not in WEBEX_CALLING_LANGUAGES:
        raise ValueError(
            f'{language!r} no es un idioma de locuciones de Webex Calling; idiomas: '
            f'{", ".join(sorted(WEBEX_CALLING_LANGUAGES))}'
        )
    return f'{language}_{region.lower()}'


# --------------------------------------------------------------------------- telephone numbers

_E164 = re.compile(r'\+[1-9]\d{6,14}')
#: What may separate the digit groups of one number: blanks of any kind (no-break ones included), dots, dashes
#: (ASCII and Unicode) and parentheses.
_GROUPING = re.compile(r'[\s.\-\u2010-\u2015\u2212()]+')
_DASHES = re.compile(r'[\-\u2010-\u2015\u2212]')
#: What separates the items of a list of numbers: ';', ',', '|' and line breaks (never blanks).
LIST_SEPARATORS = re.compile(r'[;,|\r\n]+')
#: A range: a number, a dash, and a second number that starts with '+' (``+34910000100 - +34910000149``).
_RANGE = re.compile(r'(\(?\+.*?)\s*[\-\u2010-\u2015\u2212]\s*(\(?\+.*)', re.DOTALL)
#: A range whose ends lost their '+' (two runs of 7-15 digits of the same length).
_BARE_RANGE = re.compile(r'(\d{7,15})\s*[\-\u2010-\u2015\u2212]\s*(\d{7,15})')
#: Scientific notation as a spreadsheet writes a long number, with a decimal point or a decimal comma.
SCIENTIFIC = re.compile(r'\d([.,]\d+)?[eE][+-]?\d+')
_TRUNK_ZERO = re.compile(r'\(\s*0\s*\)')
MAX_RANGE = 1000

NUMBER_RULE = (
    "número E.164 con '+' y prefijo de país; los blancos (también los no separables), puntos, guiones y paréntesis "
    'entre grupos de cifras se quitan: +34 910 000 500, +34-910-000-500 y (+34) 910.000.500 son +34910000500'
)
LIST_RULE = (
    "números separados por ';', ',', '|' o saltos de línea (un blanco nunca separa: agrupa cifras); un rango es "
    "inicio-fin con el '+' en los dos extremos: +34910000100-+34910000149"
)


class MissingCountryCode(ValueError):
    """A number written without '+' (``915550160``): never completed, refused with a hint. The hint names an E.164
    form only when it is certain: the digits with a '+' when they already are a valid international number
    (``34910000100``: a spreadsheet dropped the '+'), or, through :meth:`with_country`, the forms valid for the
    country of the number's location when that country is known offline."""

    def __init__(self, digits: str, what: str = 'número') -> None:
        self.digits = digits
        self.what = what
        super().__init__(self.with_country(None))

    def with_country(self, region: str | None) -> str:
        """The message, with the E.164 candidates for a location in ``region`` (ISO 3166 alpha-2, or None)."""
        lead = f"se esperaba un número E.164 con '+': falta el prefijo de país en el {self.what} {self.digits}"
        candidates = _e164_candidates(self.digits, region)
        if candidates and region:
            shown = ' o '.join(candidates)
            return f'{lead}; para una ubicación de {region.upper()}, escriba {shown} (y guarde la columna como texto)'
        international = _e164_candidates(self.digits, None)
        if international:
            return (
                f"{lead}; si una hoja de cálculo quitó el '+', escriba {international[0]} y guarde la columna como "
                "texto; si es un número nacional, escríbalo con '+' y el prefijo de su país"
            )
        return f"{lead}. Escríbalo con '+' y el prefijo de país (p. ej. +34 para España) y guarde la columna como texto"


def _e164_candidates(digits: str, region: str | None) -> list[str]:
    """E.164 forms of ``digits`` (a number, or ``start-end``) valid for every part: read as a national number of
    ``region`` (its trunk prefix handled by phonenumbers), or as digits that already start with a calling code (the
    code of ``region`` when given, any code otherwise)."""
    import phonenumbers

    code = None
    if region:
        if _country_record(region) is None:
            return []
        region = region.upper()
        code = phonenumbers.country_code_for_region(region) or None
        if code is None:
            return []

    def national(part: str) -> str | None:
        try:
            parsed = phonenumbers.parse(part, region)
        except phonenumbers.NumberParseException:
            return None
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)

    readings = (national, lambda part: '+' + part) if region else (lambda part: '+' + part,)
    found: list[str] = []
    for read in readings:
        parts = [read(part) for part in digits.split('-')]
        if any(part is None or not _valid_in(part, code) for part in parts):
            continue
        candidate = '-'.join(part for part in parts if part)
        if candidate not in found:
            found.append(candidate)
    return found


def _valid_in(number: str, code: int | None) -> bool:
    """True when ``number`` is a valid number (phonenumbers) of calling code ``code`` (any code for None)."""
    import phonenumbers

    try:
        parsed = phonenumbers.parse(number)
    except phonenumbers.NumberParseException:
        return False
    return (code is None or parsed.country_code == code) and phonenumbers.is_valid_number(parsed)


def _plausible_length(number: str) -> bool:
    """True when ``number`` (E.164) has a possible length for its country calling code (phonenumbers)."""
    import phonenumbers

    try:
        return phonenumbers.is_possible_number(phonenumbers.parse(number))
    except phonenumbers.NumberParseException:
        return False


def e164(value: str) -> str:
    """One telephone number as an operator writes it -> E.164 (``+34910000500``); see :data:`NUMBER_RULE`.

    Refused, each with its why: scientific notation (``3,4915E+10``: the spreadsheet rounded it), a number without
    '+' (:class:`MissingCountryCode`), ``00`` instead of '+', the national ``(0)``, two numbers in one cell, a range
    where one number is expected, letters, and a dash that could be an abbreviated range (``+34910000100-149``: the
    digits joined would not be a number of a possible length for the country code). Raises ValueError.
    """
    text = value.strip()
    if SCIENTIFIC.fullmatch(text.replace(' ', '')):
        raise ValueError(
            'la hoja de cálculo convirtió el número a notación científica y perdió cifras; escriba el número '
            "completo con '+' y guarde la columna como texto"
        )
    if _TRUNK_ZERO.search(text):
        raise ValueError("quite el '(0)': es el prefijo nacional y no se marca tras el prefijo de país")
    if _RANGE.fullmatch(text):
        raise ValueError('aquí va un solo número, no un rango')
    number = _GROUPING.sub('', text)
    if number.count('+') > 1 or (number.count('+') == 1 and not number.startswith('+')):
        raise ValueError("contiene más de un número o un '+' en medio; separe los números con ';'")
    if not re.fullmatch(r'\+?\d+', number):
        raise ValueError(f'se esperaba un número E.164 ({NUMBER_RULE})')
    if not number.startswith('+'):
        if number.startswith('00') and _E164.fullmatch('+' + number[2:]):
            raise ValueError(f"cambie el 00 inicial por '+': +{number[2:]}")
        if re.fullmatch(r'\d{6,15}', number):
            raise MissingCountryCode(number)
        raise ValueError(f'se esperaba un número E.164 ({NUMBER_RULE})')
    if not _E164.fullmatch(number):
        raise ValueError("se esperaba un número E.164: '+' y de 7 a 15 cifras, la primera distinta de 0")
    if _DASHES.search(text) and not _plausible_length(number):
        raise ValueError(
            f'{number} no tiene una longitud posible para su prefijo de país; si es un rango, escriba el final '
            "completo con '+' (+34910000100-+34910000149); si es un número, revise las cifras"
        )
    return number


def expand_number_range(start: str, end: str) -> list[str]:
    """All E.164 numbers from ``start`` to ``end`` inclusive (each written as :func:`e164` accepts; same length, at
    most MAX_RANGE). Raises ValueError."""
    first, last = e164(start), e164(end)
    if len(first) != len(last):
        raise ValueError(f'el rango {first}-{last} mezcla longitudes distintas')
    count = int(last[1:]) - int(first[1:]) + 1
    if count < 1:
        raise ValueError(f'el rango {first}-{last} está invertido')
    if count > MAX_RANGE:
        raise ValueError(f'el rango {first}-{last} tiene {count} números; el máximo es {MAX_RANGE}')
    width = len(first) - 1
    return [f'+{n:0{width}d}' for n in range(int(first[1:]), int(last[1:]) + 1)]


def split_numbers(value: str) -> list[str]:
    """The items of a list of numbers (see :data:`LIST_RULE`), stripped, empty ones dropped."""
    return [item.strip() for item in LIST_SEPARATORS.split(value) if item.strip()]


def number_ranges(value: str) -> list[str]:
    """A list of numbers and ranges (:data:`LIST_RULE`, each number as :func:`e164`) -> E.164 numbers, in order,
    without repeats. A scientific-notation cell is refused as a whole (its decimal comma is not a separator).
    Raises ValueError naming the offending item."""
    if SCIENTIFIC.search(value):
        raise ValueError(
            'la hoja de cálculo convirtió algún número a notación científica y perdió cifras; escriba los números '
            "completos con '+' y guarde la columna como texto"
        )
    numbers: list[str] = []
    items = split_numbers(value)
    if not items:
        raise ValueError(f'se esperaba al menos un número ({LIST_RULE})')
    for item in items:
        try:
            numbers.extend(_item_numbers(item))
        except MissingCountryCode:
            raise
        except ValueError as exc:
            raise ValueError(f'{item!r}: {exc}') from None
    return list(dict.fromkeys(numbers))


def _item_numbers(item: str) -> list[str]:
    bare = _BARE_RANGE.fullmatch(item)
    if bare and len(bare.group(1)) == len(bare.group(2)):
        raise MissingCountryCode(f'{bare.group(1)}-{bare.group(2)}', 'rango')
    match = _RANGE.fullmatch(item)
    if match:
        return expand_number_range(match.group(1), match.group(2))
    return [e164(item)]
