"""Coercion of declared parameter types: what is accepted, what is refused and how the refusal reads."""

import pytest

from transformacion.core.params import (
    BOOL,
    E164,
    E164_LIST,
    EMAIL,
    EXTENSION,
    INT,
    NUMBER_RANGES,
    WEBEX_ID,
    Action,
    Param,
    decode_webex_id,
    expand_number_range,
)


@pytest.mark.parametrize('raw', ['true', 'TRUE', '1', 'si', 'Sí', 'yes', 'x', 'X'])
def test_bool_accepts_spreadsheet_truthy_values(raw):
    assert BOOL.coerce(raw) is True


@pytest.mark.parametrize('raw', ['false', '0', 'no', 'NO', 'n'])
def test_bool_accepts_spreadsheet_falsy_values(raw):
    assert BOOL.coerce(raw) is False


def test_bool_refuses_other_text():
    with pytest.raises(ValueError, match='booleano'):
        BOOL.coerce('quizás')


def test_int():
    assert INT.coerce('42') == 42
    with pytest.raises(ValueError, match='entero'):
        INT.coerce('4.2')


def test_e164_accepts_plus_and_digits_ignoring_spaces():
    assert E164.coerce('+34 910 000 100') == '+34910000100'


def test_e164_without_plus_is_refused_with_a_hint_never_fixed():
    with pytest.raises(ValueError, match=r"quitó el '\+'.*\+34910000100"):
        E164.coerce('34910000100')


def test_e164_in_scientific_notation_is_refused():
    with pytest.raises(ValueError, match='notación científica'):
        E164.coerce('3.4910000100E+10')


@pytest.mark.parametrize('raw', ['+0123456789', '+34', 'abc', '+34-910'])
def test_e164_refuses_malformed(raw):
    with pytest.raises(ValueError, match='E.164'):
        E164.coerce(raw)


def test_e164_list_splits_on_any_separator():
    assert E164_LIST.coerce('+34910000100; +34910000101|+34910000102') == [
        '+34910000100',
        '+34910000101',
        '+34910000102',
    ]


def test_number_ranges_expand_and_deduplicate():
    numbers = NUMBER_RANGES.coerce('+34910000100-+34910000102;+34910000101;+34930000000')
    assert numbers == ['+34910000100', '+34910000101', '+34910000102', '+34930000000']


def test_number_range_limits():
    with pytest.raises(ValueError, match='invertido'):
        expand_number_range('+34910000102', '+34910000100')
    with pytest.raises(ValueError, match='máximo'):
        expand_number_range('+34910000000', '+34910009999')
    with pytest.raises(ValueError, match='longitudes'):
        expand_number_range('+3491000010', '+34910000100')


def test_email_is_normalised_to_lower_case():
    assert EMAIL.coerce(' Ana.Garcia@Example.COM ') == 'ana.garcia@example.com'
    with pytest.raises(ValueError, match='correo'):
        EMAIL.coerce('ana.garcia@')


def test_extension():
    assert EXTENSION.coerce('1001') == '1001'
    with pytest.raises(ValueError, match='extensión'):
        EXTENSION.coerce('1')
    with pytest.raises(ValueError, match='extensión'):
        EXTENSION.coerce('12345678901')


def test_webex_id():
    location_id = 'Y2lzY29zcGFyazovL3VzL0xPQ0FUSU9OLzEyMzQ'
    assert decode_webex_id(location_id) == 'ciscospark://us/LOCATION/1234'
    assert WEBEX_ID.coerce(location_id) == location_id
    assert decode_webex_id('Madrid') is None
    with pytest.raises(ValueError, match='id de Webex'):
        WEBEX_ID.coerce('Madrid')


def test_choices_are_case_insensitive_and_normalised():
    param = Param('mode', choices=('ONE_WAY', 'TWO_WAY'))
    assert param.coerce('two_way') == 'TWO_WAY'
    with pytest.raises(ValueError, match='ONE_WAY, TWO_WAY'):
        param.coerce('three_way')


def test_action_derives_flags_columns_and_dependencies():
    action = Action(
        name='configurar_x',
        domain='usuarios',
        summary='x',
        params=(
            Param('person', key=True, column='email', depends_on='alta_usuario', required=True),
            Param('location', depends_on='alta_ubicacion'),
            Param('time_zone'),
        ),
    )
    assert action.dataset == 'usuarios.csv'
    assert action.param('time_zone').flag == '--time-zone'
    assert action.param('person').csv_column == 'email'
    assert action.depends_on == ('alta_usuario', 'alta_ubicacion')
    assert [p.name for p in action.key_params] == ['person']
    assert [p.name for p in action.required] == ['person']
    with pytest.raises(KeyError):
        action.param('nope')
