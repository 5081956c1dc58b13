"""Inputs as operators write them (issue 14, item 3), through the location actions' command line and a CSV row:
numbers with grouping blanks are one rule in every number column; a national number is refused without inventing a
country code; Excel's text marker is dropped."""

from __future__ import annotations

from pathlib import Path

from tests.support.org import SEDE_CENTRAL


def _csv(path: Path, header: str, *rows: str) -> Path:
    path.write_text('\n'.join([header, *rows]) + '\n', encoding='utf-8')
    return path


def test_grouping_blanks_are_accepted_in_phone_numbers_and_main_number_alike(cli, sandbox, tmp_path):
    csv_file = _csv(
        tmp_path / 'ubicaciones.csv',
        'name;phone_numbers;main_number',
        f'{SEDE_CENTRAL};+34 910 000 500;+34 910 000 500',
    )

    added = cli('anadir_numeraciones_ubicacion', '--csv', str(csv_file), '--row', '1')
    main = cli('configurar_cabecera_ubicacion', '--csv', str(csv_file), '--row', '1')

    assert (added.code, added.status) == (0, 'executed'), added.result
    assert added.result['invocation']['params']['phone_numbers'] == ['+34910000500']
    assert (main.code, main.status) == (0, 'executed'), main.result
    assert main.result['invocation']['params']['main_number'] == '+34910000500'
    location_id = main.result['result']['location_id']
    assert sandbox.org.calling_locations[location_id]['calling_line_id']['phone_number'] == '+34910000500'


def test_a_national_number_is_refused_saying_the_country_code_is_missing_never_inventing_one(cli, sandbox):
    run = cli('configurar_cabecera_ubicacion', '--location', 'Madrid Castellana', '--main-number', '915550160')

    assert (run.code, run.status) == (2, 'rejected')
    [problem] = run.result['result']['problems']
    assert problem['column'] == '--main-number' and problem['value'] == '915550160'
    assert 'falta el prefijo de país' in problem['why']
    assert '+915550160' not in problem['why']
    assert sandbox.journal() == []


def test_a_national_number_in_a_row_with_its_country_gets_the_e164_form_of_that_country(cli, sandbox, tmp_path):
    csv_file = _csv(tmp_path / 'ubicaciones.csv', 'name;country;main_number', 'Madrid Castellana;ES;915550160')

    run = cli('configurar_cabecera_ubicacion', '--csv', str(csv_file), '--row', '1')

    assert (run.code, run.status) == (2, 'rejected')
    [problem] = run.result['result']['problems']
    assert (problem['file'], problem['row'], problem['column']) == ('ubicaciones.csv', 1, 'main_number')
    assert 'para una ubicación de ES, escriba +34915550160' in problem['why']
    assert sandbox.journal() == []


def test_excel_text_marker_is_dropped_and_the_value_otherwise_kept(cli, sandbox, tmp_path):
    csv_file = _csv(
        tmp_path / 'ubicaciones.csv', 'name;phone_numbers;number_state', f"{SEDE_CENTRAL};'+34910000501;'INACTIVE"
    )

    run = cli('anadir_numeraciones_ubicacion', '--csv', str(csv_file), '--row', '1', '--dry-run')

    assert (run.code, run.status) == (0, 'dry_run'), run.result
    assert run.result['invocation']['params']['phone_numbers'] == ['+34910000501']
    assert run.result['invocation']['params']['number_state'] == 'INACTIVE'
    assert sandbox.writes() == []


def test_scientific_notation_with_a_decimal_comma_gets_the_spreadsheet_hint(cli, sandbox, tmp_path):
    csv_file = _csv(
        tmp_path / 'ubicaciones.csv', 'name;phone_numbers;main_number', f'{SEDE_CENTRAL};3,4915E+10;3,4915E+10'
    )

    numbers = cli('anadir_numeraciones_ubicacion', '--csv', str(csv_file), '--row', '1')
    main = cli('configurar_cabecera_ubicacion', '--csv', str(csv_file), '--row', '1')

    for run, column in ((numbers, 'phone_numbers'), (main, 'main_number')):
        assert (run.code, run.status) == (2, 'rejected')
        [problem] = run.result['result']['problems']
        assert problem['column'] == column and 'notación científica' in problem['why']
    assert sandbox.journal() == []
