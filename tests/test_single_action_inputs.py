"""A single action's --csv reads what the launcher reads: a workbook sheet (--sheet), a Control Hub export (with its
license columns resolved against the organisation), a v21 file; with the same notices and refusals."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

DATA = Path(__file__).resolve().parent / 'data'
DOMAIN = 'transformacion-demo.example.com'


def _book(path: Path) -> Path:
    book = Workbook()
    book.active.title = 'ubicaciones'
    people = book.create_sheet('Altas')
    people.append(['email', 'first_name', 'last_name', 'location', 'extension', 'phone_number'])
    people.append([f'rosa.vidal@{DOMAIN}', 'Rosa', 'Vidal', 'Sede Central', 1077, None])
    people.append([f'pedro.gil@{DOMAIN}', 'Pedro', 'Gil', 'Sede Central', None, 34910000005])
    book.save(path)
    return path


def test_a_workbook_sheet_feeds_a_single_action(cli, api, tmp_path):
    book = _book(tmp_path / 'altas.xlsx')

    run = cli('alta_usuario', '--csv', str(book), '--sheet', 'altas', '--row', '1')

    assert run.status == 'executed', run.result
    assert next(api.people.list(email=f'rosa.vidal@{DOMAIN}', calling_data=True)).extension == '1077'


def test_a_number_excel_stored_as_a_number_is_the_same_clear_error_as_in_a_csv(cli, tmp_path):
    book = _book(tmp_path / 'altas.xlsx')

    run = cli('alta_usuario', '--csv', str(book), '--sheet', 'Altas', '--row', '2')

    assert (run.code, run.status) == (2, 'rejected')
    (problem,) = run.result['result']['problems']
    assert (problem['file'], problem['row'], problem['column']) == ('altas.xlsx, hoja Altas', 2, 'phone_number')
    assert "se esperaba un número E.164 con '+'" in problem['why']


def test_a_workbook_without_the_sheet_names_its_sheets(cli, tmp_path):
    run = cli('alta_usuario', '--csv', str(_book(tmp_path / 'altas.xlsx')))

    assert run.status == 'rejected'
    assert (
        "no tiene una hoja 'usuarios' (indique --sheet); hojas: ubicaciones, Altas" in run.result['summary']['message']
    )


def test_a_control_hub_row_resolves_its_license_columns_for_a_single_action(cli, api, tmp_path):
    run = cli('alta_usuario', '--csv', str(DATA / 'control_hub' / 'users.csv'), '--match', f'email=jorge.ruiz@{DOMAIN}')

    assert run.status == 'skipped', run.result
    assert 'Webex Calling - Basic' in run.result['summary']['message']
    assert 'users.csv: formato Control Hub reconocido' in run.stderr
    assert 'users.csv: Phone Number -> phone_number' in run.stderr

    created = cli('alta_usuario', '--csv', str(DATA / 'control_hub' / 'users.csv'), '--row', '3')

    assert created.status == 'executed', created.result
    elena = next(api.people.list(email=f'elena.navarro@{DOMAIN}', calling_data=True))
    assert elena.phone_numbers[0].value == '+34910000003'


def test_a_single_action_reads_headers_written_with_capitals_and_blanks(cli, api, tmp_path):
    people = tmp_path / 'altas.csv'
    people.write_text(
        f'Email; First Name ;LAST_NAME;Location;Extension\nrosa.vidal@{DOMAIN};Rosa;Vidal;Sede Central;1077\n'
    )

    run = cli('alta_usuario', '--csv', str(people))

    assert run.status == 'executed', run.result
    assert next(api.people.list(email=f'rosa.vidal@{DOMAIN}', calling_data=True)).extension == '1077'
    assert "altas.csv: columna 'LAST_NAME' leída como last_name" in run.stderr
    assert 'no usa' not in run.stderr


def test_a_missing_required_column_points_at_the_misspelt_header_and_match_names_columns_loosely(cli, tmp_path):
    people = tmp_path / 'altas.csv'
    people.write_text(
        f'Emial;first_name;last_name;location;Extension\nrosa.vidal@{DOMAIN};Rosa;Vidal;Sede Central;1077\n'
    )

    run = cli('alta_usuario', '--csv', str(people), '--match', 'EXTENSION=1077')

    assert run.status == 'rejected'
    assert run.result['summary']['message'] == (
        "faltan parámetros obligatorios de alta_usuario: --email (columna email; ¿es la columna 'Emial' del fichero?)"
    )
