"""Column profiles: the shipped profiles exist in the catalogue, value rules do what their examples say, and one
mapped table joins, copies, refuses and tells as profiles/README.md describes."""

from __future__ import annotations

import pytest

from transformacion.core.catalog import dataset_columns, load_catalog
from transformacion.core.columns import (
    BUILTIN_PROFILES,
    MappedTable,
    ProfileError,
    Table,
    header_key,
    load_profile,
    own_column,
    parse_profile,
    profile_problems,
    suggestion,
)
from transformacion.core.params import E164

COLUMNS = dataset_columns(load_catalog())
#: Examples that stand for real values (ids shortened): checked with real ones below.
ILLUSTRATIVE = {('lista_ids_licencia', 'ID1,ID2')}
LICENSE_IDS = (
    'Y2lzY29zcGFyazovL3VzL0xJQ0VOU0UvYzk4ZGRiMTItMzNhZS01MWVlLWE0NGUtN2Q0N2YxYjdhZjU5OkJDU1REX2NlMjgzOTZj',
    'Y2lzY29zcGFyazovL3VzL0xJQ0VOU0UvYzk4ZGRiMTItMzNhZS01MWVlLWE0NGUtN2Q0N2YxYjdhZjU5Ok1DX2I0ODMxYTZi',
)


def test_a_comma_separated_list_of_license_ids_is_split_and_a_list_with_names_is_refused():
    rule = load_profile('legacy_v21').values['lista_ids_licencia']
    assert rule.apply(', '.join(LICENSE_IDS)) == (';'.join(LICENSE_IDS), None)
    value, why = rule.apply(f'{LICENSE_IDS[0]},Webex Calling - Professional')
    assert why and "separe las licencias con ';'" in why


@pytest.mark.parametrize('name', BUILTIN_PROFILES)
def test_every_target_rule_and_pending_capability_of_a_shipped_profile_exists(name):
    assert profile_problems(load_profile(name), COLUMNS) == []


@pytest.mark.parametrize('name', BUILTIN_PROFILES)
def test_value_rules_do_what_their_examples_say(name):
    profile = load_profile(name)
    import json
    from importlib import resources

    raw = json.loads(resources.files('transformacion.core').joinpath('profiles', f'{name}.json').read_text('utf-8'))
    for rule_name, spec in raw['values'].items():
        rule = profile.values[rule_name]
        for before, after in spec.get('examples', {}).items():
            if (rule_name, before) in ILLUSTRATIVE:
                continue
            assert rule.apply(before) == (after, None), (rule_name, before)
        for refused in spec.get('refused_examples', {}):
            value, why = rule.apply(refused)
            if why is None:  # left to our own typing, which refuses it
                assert value == refused
                with pytest.raises(ValueError):
                    [E164.coerce(item) for item in value.split(',')]


def test_headers_compare_without_case_blanks_underscores_dashes_or_bom():
    assert header_key('\ufeff User ID/Email (Required) ') == header_key('userid/email(required)')
    assert header_key('phone-number') == header_key('Phone Number') == 'phonenumber'
    assert suggestion('Phone Number', ['phone_number', 'extension']) == 'phone_number'
    assert suggestion('adress1', ['address1', 'city']) == 'address1'
    assert suggestion('Department', ['address1', 'city']) is None


def test_a_malformed_mapping_file_is_refused_naming_what_is_wrong(tmp_path):
    with pytest.raises(ProfileError, match='no es un perfil'):
        parse_profile({'files': {}}, 'mapa.json')
    with pytest.raises(ProfileError, match='la columna \'Sede\' no tiene equivalente .* le falta "why"'):
        parse_profile(
            {'format': 1, 'files': {'a.csv': {'dataset': 'usuarios', 'columns': {'Sede': {'to': None}}}}}, 'm'
        )
    (tmp_path / 'roto.json').write_text('{')
    with pytest.raises(ProfileError, match='roto.json: no es un JSON válido'):
        load_profile(tmp_path / 'roto.json')


def _mapped(tmp_path, text: str, spec: dict, dataset: str = 'ubicaciones') -> MappedTable:
    path = tmp_path / 'fuente.csv'
    path.write_text(text, encoding='utf-8')
    profile = parse_profile({'format': 1, 'name': 'prueba', 'files': {'fuente.csv': spec}}, 'prueba.json')
    return MappedTable(Table(str(path)), dataset, COLUMNS, profile=profile, spec=profile.files[0])


SPEC = {
    'dataset': 'ubicaciones',
    'columns': {
        'Sede': {'to': 'name'},
        'Tel 1': {'to': 'phone_numbers', 'join': True},
        'Tel 2': {'to': 'phone_numbers', 'join': True},
        'Cabecera': {'to': 'main_number'},
        'Principal': {'to': 'main_number'},
        'Ruta': {'to': 'pstn', 'also': [{'to': 'unknown_extension_route', 'when_true': 'Desconocidas'}]},
        'Desconocidas': {'to': 'unknown_extension_policy'},
        'Permisos': {'to': 'outgoing_permissions', 'set': {'caller_id_name': 'Por defecto'}},
        'Notas': {'to': None, 'if_filled': 'ignore', 'why': 'texto libre'},
        'Intercom': {'to': None, 'if_filled': 'refuse', 'why': 'no hay acción todavía'},
        'Tipo': {'to': None, 'if_filled': 'ignore', 'accept_only': ['TRUNK'], 'why': 'se deduce'},
    },
}


def test_a_mapped_row_joins_copies_sets_constants_and_refuses_disagreements(tmp_path):
    text = (
        'Sede;Tel 1;Tel 2;phone_numbers;Cabecera;Principal;Ruta;Desconocidas;Permisos;Notas;Intercom;Tipo\n'
        'Norte;+34910000001;+34910000002;+34910000003;+34910000001;+34910000001;RG;true;INTERNATIONAL:BLOCK;x;;trunk\n'
        'Sur;;;;+34910000001;+34910000009;RG;false;;;+34510000001;ROUTE_GROUP\n'
    )
    table = _mapped(tmp_path, text, SPEC)

    rows = list(table.rows())

    (n1, norte, problems1), (n2, sur, problems2) = rows
    assert (n1, problems1) == (1, [])
    assert norte['phone_numbers'] == '+34910000003;+34910000001;+34910000002'
    assert norte['unknown_extension_route'] == 'RG' and norte['pstn'] == 'RG'
    assert norte['caller_id_name'] == 'Por defecto'
    assert 'unknown_extension_route' not in sur and 'caller_id_name' not in sur
    assert {(p.column, p.value) for p in problems2} == {
        ('Principal', '+34910000009'),
        ('Intercom', '+34510000001'),
        ('Tipo', 'ROUTE_GROUP'),
    }
    assert table.notices[0] == 'fuente.csv: formato prueba reconocido (perfil prueba)'
    assert 'fuente.csv: Tel 1 -> phone_numbers' in table.notices
    assert table.value_notices() == [
        'fuente.csv: columna Notas ignorada: texto libre',
        'fuente.csv: columna Tipo ignorada: se deduce',
    ]
    assert table.source_of('main_number') == 'Cabecera + Principal (main_number)'
    assert table.source_of('name') == 'Sede (name)'
    assert table.source_of('phone_numbers') == 'Tel 1 + Tel 2 + phone_numbers (phone_numbers)'


def test_unknown_columns_are_header_problems_unless_ignored(tmp_path):
    path = tmp_path / 'ubicaciones.csv'
    path.write_text('name;city;Departament;email\nNorte;Madrid;IT;a@example.com\n')

    table = MappedTable(Table(str(path)), 'ubicaciones', COLUMNS)
    ignoring = MappedTable(Table(str(path)), 'ubicaciones', COLUMNS, ignore_unknown=True)

    assert [(p.column, p.why.split(' (')[0]) for p in table.header_problems] == [
        ('Departament', 'columna desconocida'),
        ('email', 'la columna pertenece a usuarios.csv, no a ubicaciones.csv'),
    ]
    assert ignoring.header_problems == []
    assert ignoring.notices == [
        'aviso: ubicaciones.csv: columnas desconocidas ignoradas (--ignore-unknown-columns): Departament, email'
    ]
    assert [values for _, values, _ in ignoring.rows()] == [{'name': 'Norte', 'city': 'Madrid'}]


def test_service_columns_resolve_to_one_license_or_say_why_not():
    from transformacion.core.columns import License, resolve_service

    profile = load_profile('control_hub')
    licenses = [
        License('P1', 'Webex Calling - Professional', 'Sub-1'),
        License('P2', 'Webex Calling - Professional', 'Sub-2'),
        License('B1', 'Webex Calling - Basic', 'Sub-1'),
        License('M1', 'Meeting - Webex Meetings', 'Sub-1', 'demo.webex.com'),
    ]

    def resolve(header: str):
        pattern, groups = profile.pattern_for(header)
        return resolve_service(pattern, groups, licenses)

    assert resolve('Webex Calling VAR Professional [Sub-2]').id == 'P2'
    assert resolve('Webex Calling VAR Basic [Sub-1]').id == 'B1'
    assert resolve('demo.webex.com - WebEx Enterprise Edition [Sub-1]').id == 'M1'
    several = resolve('Webex Calling VAR Professional')
    assert isinstance(several, str) and several.startswith('2 licencias corresponden a esta columna')
    none = resolve('Webex Calling VAR Basic [Sub-9]')
    assert isinstance(none, str) and 'ninguna licencia' in none and 'Webex Calling - Basic [Sub-1]' in none


def test_our_columns_match_ignoring_case_surrounding_blanks_and_blanks_for_underscores():
    own = {'first_name', 'email'}
    assert [own_column(h, own) for h in ('email', 'EMAIL', 'First Name', 'first  name', 'FIRST_NAME')] == [
        'email',
        'email',
        'first_name',
        'first_name',
        'first_name',
    ]
    assert [own_column(h, own) for h in ('E-mail', 'FirstName', 'first_name_2')] == [None, None, None]


def test_a_header_with_blanks_that_a_builtin_profile_reads_otherwise_is_not_ours_by_its_spelling(tmp_path, monkeypatch):
    profile = parse_profile(
        {
            'format': 1,
            'name': 'otra',
            'files': {
                'sedes.csv': {
                    'dataset': 'ubicaciones',
                    'detect': {'any_column': ['Site ID']},
                    'columns': {'Time Zone': {'to': None, 'why': 'la zona de la sede en el otro sistema'}},
                }
            },
        },
        'otra',
        builtin=True,
    )
    monkeypatch.setattr('transformacion.core.columns.builtin_profiles', lambda: [profile])
    path = tmp_path / 'ubicaciones.csv'
    path.write_text('name;Time Zone;COUNTRY\nNorte;Europe/Madrid;ES\n')

    table = MappedTable(Table(str(path)), 'ubicaciones', COLUMNS)

    assert [p.column for p in table.header_problems] == ['Time Zone']
    assert [values for _, values, _ in table.rows()] == [{'name': 'Norte', 'country': 'ES'}]
    assert table.source_of('country') == 'COUNTRY (country)'
