"""Value domains checked offline and inputs as operators write them (issue 14): each accepted form, each refusal
and how it reads, one rule for every number field."""

from __future__ import annotations

import pytest

from transformacion.core.arguments import Origin, _params_for_script
from transformacion.core.outcome import InvalidParams
from transformacion.core.params import (
    ANNOUNCEMENT_LANGUAGE,
    BOOL,
    COUNTRY,
    E164,
    EXTENSION,
    NUMBER_RANGES,
    PREFERRED_LANGUAGE,
    STR,
    TIME_ZONE,
    Action,
    Param,
)
from transformacion.core.values import WEBEX_CALLING_LANGUAGES, MissingCountryCode
from transformacion.domain.forwarding import FORWARD_TARGET

# --------------------------------------------------------------------------- time zones


@pytest.mark.parametrize(
    ('raw', 'zone'),
    [
        ('Europe/Madrid', 'Europe/Madrid'),
        ('Europe / Madrid', 'Europe/Madrid'),
        ('America / Argentina / Buenos_Aires', 'America/Argentina/Buenos_Aires'),
        ('europe/madrid', 'Europe/Madrid'),
        ('Atlantic/Canary', 'Atlantic/Canary'),
    ],
)
def test_time_zone_accepts_iana_names_normalising_blanks_and_case(raw, zone):
    assert TIME_ZONE.coerce(raw) == zone


def test_a_city_alone_is_refused_with_the_zone_when_only_one_has_it():
    with pytest.raises(ValueError, match=r'no es una zona horaria IANA; ¿quería decir Europe/Madrid\?'):
        TIME_ZONE.coerce('Madrid')
    with pytest.raises(ValueError, match=r'¿quería decir America/New_York\?'):
        TIME_ZONE.coerce('New York')


def test_a_city_of_several_zones_names_them_all_and_a_made_up_zone_gets_the_format():
    with pytest.raises(ValueError, match='podría ser America/Argentina/Buenos_Aires o America/Buenos_Aires'):
        TIME_ZONE.coerce('Buenos_Aires')
    with pytest.raises(ValueError, match='escriba Región/Ciudad'):
        TIME_ZONE.coerce('Mars/Olympus')


# --------------------------------------------------------------------------- languages and countries


@pytest.mark.parametrize(
    ('raw', 'value'), [('es_ES', 'es_ES'), ('es_Es', 'es_ES'), ('ca-es', 'ca_ES'), ('EN_us', 'en_US')]
)
def test_preferred_language_is_language_and_country_as_webex_writes_them(raw, value):
    assert PREFERRED_LANGUAGE.coerce(raw) == value


@pytest.mark.parametrize(
    ('raw', 'value'), [('es_ES', 'es_es'), ('es-ES', 'es_es'), ('ca_ES', 'ca_es'), ('fr_fr', 'fr_fr')]
)
def test_announcement_language_is_normalised_to_the_lowercase_form_of_webex_calling(raw, value):
    assert ANNOUNCEMENT_LANGUAGE.coerce(raw) == value


@pytest.mark.parametrize(
    ('kind', 'raw', 'why'),
    [
        (PREFERRED_LANGUAGE, 'spanish', 'idioma ISO 639 y país ISO 3166'),
        (PREFERRED_LANGUAGE, 'qq_ES', "'qq' no es un código de idioma ISO 639-1"),
        (PREFERRED_LANGUAGE, 'es_QQ', "'QQ' no es un código de país ISO 3166"),
        (ANNOUNCEMENT_LANGUAGE, 'es', 'idioma ISO 639 y país ISO 3166'),
        (ANNOUNCEMENT_LANGUAGE, 'eo_es', "'eo' no es un idioma de locuciones de Webex Calling"),
    ],
)
def test_languages_outside_their_domain_are_refused_with_the_reason(kind, raw, why):
    with pytest.raises(ValueError, match=why):
        kind.coerce(raw)


def test_the_webex_calling_languages_are_iso_639_1_codes():
    assert {'es', 'ca', 'en', 'pt', 'fr', 'de', 'it'} <= WEBEX_CALLING_LANGUAGES
    assert all(len(code) == 2 and code.islower() for code in WEBEX_CALLING_LANGUAGES)


def test_country_is_an_iso_3166_alpha_2_code_and_a_name_gets_the_code_as_a_hint():
    assert COUNTRY.coerce('es') == 'ES'
    with pytest.raises(ValueError, match=r'ISO 3166 de 2 letras, p. ej. ES \(¿ES\?\)'):
        COUNTRY.coerce('Spain')
    with pytest.raises(ValueError, match=r'\(¿PT\?\)'):
        COUNTRY.coerce('PRT')
    with pytest.raises(ValueError, match='ISO 3166'):
        COUNTRY.coerce('XQ')


# --------------------------------------------------------------------------- numbers: one rule for every field

WRITTEN = [
    '+34910000500',
    '+34 910 000 500',
    '+34-910-000-500',
    '(+34) 910.000.500',
    '+34\u00a0910\u00a0000\u00a0500',
    '+34\u202f910\u202f000\u202f500',
    "'+34910000500",
]


@pytest.mark.parametrize('raw', WRITTEN)
def test_a_number_reads_the_same_in_a_single_field_and_in_a_list(raw):
    single = Param('main_number', E164).coerce(raw)
    listed = Param('phone_numbers', NUMBER_RANGES).coerce(raw)
    assert single == '+34910000500'
    assert listed == ['+34910000500']


def test_a_list_splits_on_semicolons_commas_bars_and_line_breaks_never_on_blanks():
    raw = '+34 910 000 500; +34 910 000 501,+34-910-000-502 | (+34) 910.000.503\n+34 910 000 504'
    assert NUMBER_RANGES.coerce(raw) == [f'+3491000050{n}' for n in range(5)]


def test_numbers_separated_by_blanks_are_refused_clearly():
    with pytest.raises(ValueError, match="más de un número.*separe los números con ';'"):
        NUMBER_RANGES.coerce('+34910000100 +34910000101')
    with pytest.raises(ValueError, match='más de un número'):
        E164.coerce('+34910000100 +34910000101')


@pytest.mark.parametrize(
    'raw', ['+34910000100-+34910000102', '+34 910 000 100 - +34 910 000 102', '(+34) 910.000.100-(+34) 910.000.102']
)
def test_a_range_is_two_numbers_with_their_plus_joined_by_a_dash(raw):
    assert NUMBER_RANGES.coerce(raw) == ['+34910000100', '+34910000101', '+34910000102']


def test_a_range_is_not_a_single_number():
    with pytest.raises(ValueError, match='un solo número, no un rango'):
        E164.coerce('+34910000100-+34910000102')


def test_an_abbreviated_range_is_refused_not_read_as_one_longer_number():
    with pytest.raises(ValueError, match="si es un rango, escriba el final completo con '\\+'"):
        NUMBER_RANGES.coerce('+34910000100-149')


def test_a_range_without_plus_is_refused_as_missing_its_country_code():
    with pytest.raises(MissingCountryCode, match=r'\+34910000100-\+34910000149'):
        NUMBER_RANGES.coerce('34910000100-34910000149')


def test_grouping_dashes_of_a_possible_number_are_accepted():
    assert E164.coerce('+1 415-555-0100') == '+14155550100'


@pytest.mark.parametrize(
    ('raw', 'why'),
    [
        ('+44 (0)20 7946 0958', r"quite el '\(0\)'"),
        ('0034910000500', r"cambie el 00 inicial por '\+': \+34910000500"),
        ('+34 910 000 500 ext 2', 'se esperaba un número E.164'),
        ('+0123456789', 'la primera distinta de 0'),
    ],
)
def test_other_written_forms_are_refused_with_their_reason(raw, why):
    with pytest.raises(ValueError, match=why):
        E164.coerce(raw)


@pytest.mark.parametrize('raw', ['3,4915E+10', '3.4915E+10', '3,4915e10'])
def test_scientific_notation_gets_the_spreadsheet_hint_with_a_decimal_comma_or_point(raw):
    with pytest.raises(ValueError, match='notación científica'):
        E164.coerce(raw)
    with pytest.raises(ValueError, match='notación científica'):
        NUMBER_RANGES.coerce(raw)


# --------------------------------------------------------------------------- numbers without country code


def test_a_national_number_is_refused_without_inventing_a_country_code():
    with pytest.raises(MissingCountryCode) as refused:
        E164.coerce('915550160')
    message = str(refused.value)
    assert 'falta el prefijo de país' in message
    assert '+915550160' not in message


def test_digits_that_already_are_an_international_number_get_their_plus_back_as_a_hint():
    with pytest.raises(MissingCountryCode, match=r"quitó el '\+', escriba \+34910000100"):
        E164.coerce('34910000100')


def test_the_country_of_the_location_completes_the_hint_for_a_national_number():
    with pytest.raises(MissingCountryCode) as refused:
        E164.coerce('915550160')
    assert 'para una ubicación de ES, escriba +34915550160' in refused.value.with_country('ES')
    assert refused.value.with_country('XQ') == str(refused.value)


MAIN = Action(name='x', domain='ubicaciones', summary='x', params=(Param('main_number', E164, required=True),))


def test_params_for_script_takes_the_country_from_the_row_or_global_context():
    origins = {'main_number': Origin('ubicaciones.csv', 4, 'main_number')}
    with pytest.raises(InvalidParams) as refused:
        _params_for_script(MAIN, {'main_number': '915550160'}, origins, {'country': 'es'})
    [problem] = refused.value.problems
    assert (problem.file, problem.row, problem.column, problem.value) == (
        'ubicaciones.csv',
        4,
        'main_number',
        '915550160',
    )
    assert '+34915550160' in problem.why
    with pytest.raises(InvalidParams) as unknown:
        _params_for_script(MAIN, {'main_number': '915550160'}, origins, {'country': 'Marte'})
    assert '+34915550160' not in unknown.value.problems[0].why


# --------------------------------------------------------------------------- spreadsheet artefacts


@pytest.mark.parametrize(('raw', 'value'), [('VERDADERO', True), ('FALSO', False), ('Sí', True), ('No', False)])
def test_booleans_typed_as_words_in_a_spanish_spreadsheet(raw, value):
    assert BOOL.coerce(raw) is value


def test_the_text_marker_is_dropped_from_typed_values_but_free_text_keeps_it():
    assert Param('extension', EXTENSION).coerce("'0100") == '0100'
    assert Param('enabled', BOOL).coerce("'VERDADERO") is True
    assert Param('city', STR).coerce("'s-Hertogenbosch") == "'s-Hertogenbosch"


@pytest.mark.parametrize(
    ('raw', 'target'),
    [('(+34) 910.000.500', '+34910000500'), ('+34 910-000-500', '+34910000500'), ("'+34910000500", '+34910000500')],
)
def test_a_forwarding_destination_reads_numbers_by_the_same_rule(raw, target):
    assert Param('forward_busy', FORWARD_TARGET).coerce(raw) == target
