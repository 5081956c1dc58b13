"""Coercion of declared parameter types: what is accepted, what is refused and how the refusal reads."""

import pytest

from transformacion.core.params import (
    BOOL,
    E164,
    EMAIL,
    EXTENSION,
    NUMBER_RANGES,
    WEBEX_ID,
    Action,
    Param,
    asks_one_of,
    decode_webex_id,
    describe_rules,
    exclusive,
    expand_number_range,
    forbidden_if,
    one_of,
    required_if,
    requires,
    together,
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
        name='demo_x',
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


# --------------------------------------------------------------------------- rules between parameters

RULED = Action(
    name='demo_reglas',
    domain='usuarios',
    summary='x',
    params=(
        Param('person', key=True, column='email', required=True),
        Param('extension'),
        Param('phone_number'),
        Param('policy', BOOL),
        Param('route'),
        Param('digit'),
        Param('prefix'),
    ),
    rules=(
        asks_one_of('extension', 'phone_number', 'policy', 'route'),
        exclusive('digit', 'prefix'),
        together('route', 'digit'),
        required_if('policy', True, 'route'),
        forbidden_if('policy', False, 'route', why='sin política no hay ruta'),
        requires('prefix', 'extension'),
    ),
)


def violations(raw):
    typed = {name: (BOOL.coerce(value) if name == 'policy' else value) for name, value in raw.items()}
    found = [rule.check(RULED, raw, typed) for rule in RULED.rules]
    return [(v.params, v.value, v.why) for v in found if v is not None]


def test_a_valid_combination_breaks_no_rule():
    assert violations({'extension': '1001', 'policy': 'true', 'route': 'RG', 'digit': '9'}) == []


def test_each_rule_names_its_parameters_value_and_why():
    assert violations({'phone_number': ''}) == [
        (
            ('extension', 'phone_number', 'policy', 'route'),
            '',
            'no se pidió ningún cambio: indique al menos uno de --extension, --phone-number, --policy, --route '
            '(columnas extension, phone_number, policy, route)',
        )
    ]
    [(params, value, why)] = violations({'extension': '1', 'route': 'RG', 'digit': '9', 'prefix': '8'})
    assert (params, value) == (('digit', 'prefix'), '9, 8') and why.startswith('no se pueden combinar --digit')
    [together_broken] = violations({'route': 'RG', 'extension': '1'})
    assert together_broken[0] == ('digit',) and 'indique todos o ninguno' in together_broken[2]
    [needs_route] = violations({'policy': 'true'})
    assert needs_route[:2] == (('route',), 'true')
    assert needs_route[2] == '--policy (columna policy) = true necesita también --route (columna route)'
    [forbidden] = violations({'policy': 'no', 'route': 'RG', 'digit': '9'})
    assert forbidden[0] == ('policy', 'route')
    assert forbidden[2].startswith('sin política no hay ruta: --policy (columna policy) = false no se puede combinar')
    [needs_extension] = violations({'prefix': '8', 'phone_number': '+34910000100'})
    assert needs_extension[2] == '--prefix (columna prefix) necesita también --extension (columna extension)'


def test_rules_are_described_in_spanish_by_column():
    assert describe_rules(RULED) == [
        'lo que se pide cambiar: al menos uno de extension, phone_number, policy, route (una fila de lote que no '
        'rellena ninguno no aplica)',
        'como mucho uno de: digit, prefix',
        'todos o ninguno de: route, digit',
        'si policy es true, hace falta route',
        'si policy es false, no se admite route (sin política no hay ruta)',
        'prefix necesita también extension',
    ]
    assert describe_rules(Action('x', 'usuarios', 'x', params=(Param('a'), Param('b')), rules=(one_of('a', 'b'),))) == [
        'al menos uno de: a, b'
    ]


def test_a_rule_naming_an_undeclared_parameter_is_a_declaration_error():
    with pytest.raises(ValueError, match='no declarados'):
        Action('x', 'usuarios', 'x', params=(Param('a'),), rules=(one_of('a', 'b'),))
    with pytest.raises(ValueError, match='al menos 2'):
        one_of('a')


def test_a_batch_row_applies_when_it_fills_a_column_that_asks_for_a_change():
    assert RULED.applies({'email': 'a@x.es', 'route': 'RG'})
    assert not RULED.applies({'email': 'a@x.es', 'digit': '9', 'prefix': '8'})
    plain = Action('x', 'usuarios', 'x', params=(Param('person', key=True), Param('a')))
    assert plain.applies({'a': '1'}) and not plain.applies({'person': 'p'})
    keys_only = Action('x', 'usuarios', 'x', params=(Param('person', key=True),))
    assert keys_only.applies({})
