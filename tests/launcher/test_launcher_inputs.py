"""What admins already have, as the launcher's input: a v21 input folder as it is, Control Hub's user export, an
operator's own mapping file, a workbook with one sheet per dataset, HR columns, spreadsheet leftovers (empty header
cells, padded rows) and folders without global.csv. Each is read through one column-mapping mechanism, says how it
was read, and is validated and run exactly as a folder of ours."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from openpyxl import Workbook, load_workbook

from tests.support.batches import GLOBAL, location, read_results, write_folder
from tests.support.files import write_csv
from tests.support.org import ORG_ID
from transformacion.batch.report import Report

DATA = Path(__file__).resolve().parents[1] / 'data'
LEGACY = DATA / 'legacy_v21' / 'input_data'
CONTROL_HUB = DATA / 'control_hub' / 'users.csv'
DOMAIN = 'transformacion-demo.example.com'


def preflight(offline, *args: str) -> tuple[int, dict, str]:
    """``inspeccionar_parametros --input_dir ARGS`` through the ``offline`` fixture: (exit code, its result, stderr)."""
    code, result, stderr = offline('--input_dir', *args)
    return code, result['result'], stderr


def _copy(source: Path, folder: Path) -> Path:
    shutil.copytree(source, folder)
    return folder


def _results(run) -> list[dict[str, str]]:
    return read_results(Report('', run.run_dir, '', 0, {}, []))


# --------------------------------------------------------------------------- v21


def test_the_v21_sample_folder_passes_the_preflight_and_says_how_each_column_is_read(offline):
    code, result, stderr = preflight(offline, str(LEGACY))

    assert code == 0, stderr
    assert result['problems'] == []
    notices = result['notices']
    for file in ('Global.csv', 'Ubicaciones.csv', 'Usuarios.csv', 'Workspaces.csv'):
        assert notices.count(f'{file}: formato v21 reconocido (perfil legacy_v21)') == 1
    assert 'Usuarios.csv: add_license_ids -> add_licenses' in notices
    assert 'Ubicaciones.csv: calling_line_id -> main_number' in notices
    assert 'Usuarios.csv: legacy_phone_number -> intercom_number' in notices
    ignored = {line.split(': columna ')[1].split(' ignorada')[0] for line in notices if ' ignorada: ' in line}
    assert ignored == {
        'org_id', 'route_type', 'rg_id', 'calling_data', 'number_usage_type', 'premise_route_type',
        'route_identity', 'pstn_connection_type', 'primary', 'entity_id', 'enabled', 'call_type', 'transfer_enabled',
        'use_custom_enabled', 'use_custom_permissions',
    }  # fmt: skip
    assert "Global.csv: time_zone: valores normalizados (p. ej. 'Europe / Madrid' -> 'Europe/Madrid')" in notices
    assert "Global.csv: preferred_language: valores normalizados (p. ej. 'es_Es' -> 'es_ES')" in notices
    assert result['tasks']['alta_usuario'] == {'pending': 3}
    assert 'formato v21 reconocido' in stderr


def test_the_v21_sample_folder_runs_against_the_sandbox_and_a_rerun_changes_nothing(launch, sandbox, api, tmp_path):
    folder = _copy(LEGACY, tmp_path / 'input_data')

    run = launch('--input_dir', str(folder))

    assert run.code == 0, run.stderr
    by_status = run.result['summary']['by_status']
    # the two workspace prechecks write nothing: skipped (sin_cambios), like every pair already in its state; the
    # three users are not moved (no target_location) and, like the two workspaces, get no intercom number; the two
    # locations are enabled by alta_ubicacion, not habilitar_calling_ubicacion (no enable_calling): no aplica
    assert (by_status['executed'], by_status['skipped'], by_status['error'], by_status['rejected']) == (19, 28, 0, 0)
    prechecks = {r['category'] for r in _results(run) if r['action'] == 'precheck_workspace'}
    assert prechecks == {'sin_cambios'}
    assert run.stderr.count('formato v21 reconocido') == 4
    barcelona = next(loc for loc in api.locations.list() if loc.name == 'CUV93555040000')
    assert barcelona.time_zone == 'Europe/Madrid' and barcelona.preferred_language == 'es_ES'
    numbers = {n.phone_number for n in api.telephony.phone_numbers(location_id=barcelona.location_id)}
    assert {'+34935550401', '+34515550401', '+34515550402', '+34935550402', '+34935550403'} <= numbers
    begona = next(api.people.list(email=f'begona.ruiz@{DOMAIN}', calling_data=True))
    assert begona.extension == '85550101' and begona.display_name == 'Begoña  Ruiz Sanz'
    assert {w.display_name for w in api.workspaces.list()} >= {'Sala Tàpies', 'Almacén Norte'}
    seq = sandbox.journal()[-1]['seq']

    again = launch('--input_dir', str(folder))

    assert again.code == 0, again.stderr
    assert sandbox.writes(seq) == []
    assert again.result['summary']['by_status']['executed'] <= 2  # the read-only precheck of each workspace


def test_v21_refusals_name_file_row_column_value_and_why(offline, tmp_path):
    folder = _copy(LEGACY, tmp_path / 'input_data')
    ubicaciones = folder / 'Ubicaciones.csv'
    ubicaciones.write_text(ubicaciones.read_text(encoding='utf-8').replace(',+34935550401,LOCAL', ',34935550401,LOCAL'))
    usuarios = folder / 'Usuarios.csv'
    lines = usuarios.read_text(encoding='utf-8').splitlines()
    lines[2] = lines[2].replace(',,85550102,FALSE,,', ',34515550402,85550102,FALSE,,')
    usuarios.write_text('\n'.join(lines) + '\n', encoding='utf-8')

    code, result, _ = preflight(offline, str(folder))

    assert code == 2
    problems = {(p['file'], p['row'], p['column']): p for p in result['problems']}
    clid = problems[('Ubicaciones.csv', 1, 'calling_line_id (main_number)')]
    assert clid['value'] == '34935550401' and "con '+'" in clid['why']
    intercom = problems[('Usuarios.csv', 2, 'legacy_phone_number (intercom_number)')]
    assert intercom['value'] == '34515550402' and "con '+'" in intercom['why']


def test_names_that_differ_only_in_case_are_an_error_naming_both(launch, sandbox, tmp_path):
    folder = write_folder(tmp_path / 'in', ubicaciones=[location('Norte')])
    write_csv(folder / 'Ubicaciones.csv', [location('Sur')])

    run = launch('--input_dir', str(folder))

    assert run.code == 4
    assert 'Ubicaciones.csv y ubicaciones.csv' in run.result['result']['error']
    assert sandbox.journal() == []


def test_a_capitalised_file_of_ours_is_read_not_ignored(offline, tmp_path):
    folder = tmp_path / 'in'
    write_csv(folder / 'Global.csv', [GLOBAL])
    write_csv(folder / 'UBICACIONES.csv', [location('Norte'), location('Sur', country='')])

    code, result, _ = preflight(offline, str(folder))

    assert code == 0, result['lines']
    assert result['tasks']['alta_ubicacion'] == {'pending': 2}
    assert not any('reconocido' in line for line in result['notices'])


def test_the_v21_results_file_is_refused_in_an_input_folder(offline, tmp_path):
    folder = _copy(LEGACY, tmp_path / 'input_data')
    write_csv(folder / 'results_manual.csv', [{'name': 'CUV1', 'email': 'a@example.com'}])

    code, result, _ = preflight(offline, str(folder))

    assert code == 2
    (problem,) = result['problems']
    assert 'results_manual.csv: no se puede usar como entrada' in problem['why']
    assert 'fichero de RESULTADOS' in problem['why']


def test_an_org_id_column_for_another_org_refuses_the_batch(offline, tmp_path):
    code, result, _ = preflight(offline, str(LEGACY), '--org-id', ORG_ID)
    assert code == 0, result['problems']

    code, result, _ = preflight(offline, str(LEGACY), '--org-id', 'Y2lzY29zcGFyazovL3VzL09SR0FOSVpBVElPTi9vdHJh')

    assert code == 2
    assert {(p['file'], p['column']) for p in result['problems']} == {('Global.csv', 'org_id')}


# --------------------------------------------------------------------------- Control Hub


def test_the_control_hub_export_creates_the_new_user_and_converges_the_others(launch, sandbox, api, tmp_path):
    folder = tmp_path / 'control_hub'
    folder.mkdir()
    shutil.copy(CONTROL_HUB, folder / 'users.csv')

    run = launch('--input_dir', str(folder))

    assert run.code == 0, run.stderr
    assert run.stderr.count('users.csv: formato Control Hub reconocido (perfil control_hub)') == 1
    assert "users.csv: Phone Number: valores normalizados (p. ej. '+34 910 00 00 03' -> '+34910000003')" in run.stderr
    assert 'users.csv: columna Department ignorada: Atributo de directorio' in run.stderr
    results = {(r['key'].split('@')[0], r['action']): r['status'] for r in _results(run)}
    assert results[('elena.navarro', 'alta_usuario')] == 'executed'
    assert results[('elena.navarro', 'asignar_licencias_usuario')] == 'executed'
    assert results[('lucia.martin', 'alta_usuario')] == results[('jorge.ruiz', 'alta_usuario')] == 'skipped'
    licenses = {lic.license_id: lic.name for lic in api.licenses.list()}
    elena = next(api.people.list(email=f'elena.navarro@{DOMAIN}', calling_data=True))
    assert sorted(licenses[lid] for lid in elena.licenses) == [
        'Meeting - Webex Meetings',
        'Webex Calling - Professional',
    ]
    assert (elena.extension, elena.display_name) == ('1003', 'Elena Navarro Gil')
    jorge = next(api.people.list(email=f'jorge.ruiz@{DOMAIN}'))
    assert [licenses[lid] for lid in jorge.licenses] == ['Webex Calling - Basic']
    writes = sandbox.writes()
    assert writes and all('jorge' not in json.dumps(w) and 'lucia' not in json.dumps(w) for w in writes)


def test_control_hub_rows_without_calling_two_calling_licenses_and_remove_are_told_apart(offline, tmp_path):
    header, *rows = CONTROL_HUB.read_text(encoding='utf-8').splitlines()
    columns = header.split(',')
    basic, professional = (
        columns.index('Webex Calling VAR Basic [Sub-TRANSF-0001]'),
        columns.index('Webex Calling VAR Professional [Sub-TRANSF-0001]'),
    )
    cells = [row.split(',') for row in rows]
    cells[0][basic] = 'TRUE'  # Lucía: two calling licenses
    cells[1][basic] = 'FALSE'  # Jorge: no calling license (not a calling user)
    cells[2][columns.index('Extension')] = 'REMOVE'
    folder = tmp_path / 'ch'
    folder.mkdir()
    (folder / 'exported_users.csv').write_text('\n'.join([header, *(','.join(c) for c in cells)]) + '\n')
    assert professional

    code, result, _ = preflight(offline, str(folder))

    assert code == 2
    problems = {(p['row'], p['column']): p['why'] for p in result['problems']}
    assert 'una sola licencia de Webex Calling' in problems[(1, 'Webex Calling VAR Professional [Sub-TRANSF-0001]')]
    assert "'REMOVE' no se aplica aquí" in problems[(3, 'Extension')]
    assert all(row != 2 for row, _ in problems)
    assert any('1 fila(s) omitidas (filas 2)' in line for line in result['notices'])


# --------------------------------------------------------------------------- the operator's mapping file


def test_an_operator_mapping_file_reads_an_hr_sheet(launch, sandbox, api, tmp_path):
    folder = tmp_path / 'rrhh'
    write_csv(
        folder / 'Altas.csv',
        [
            {
                'Correo': f'nuevo.empleado@{DOMAIN}',
                'Nombre': 'Nuevo',
                'Apellidos': 'Empleado',
                'Sede': 'Sede Central',
                'Extensión': '1077',
                'Departamento': 'Compras',
            }
        ],
    )
    mapping = tmp_path / 'rrhh.json'
    mapping.write_text(
        json.dumps(
            {
                'format': 1,
                'name': 'rrhh_altas',
                'files': {
                    'Altas.csv': {
                        'dataset': 'usuarios',
                        'columns': {
                            'Correo': {'to': 'email'},
                            'Nombre': {'to': 'first_name'},
                            'Apellidos': {'to': 'last_name'},
                            'Sede': {'to': 'location'},
                            'Extensión': {'to': 'extension'},
                            'Departamento': {'to': None, 'if_filled': 'ignore', 'why': 'dato de RR. HH.'},
                        },
                    }
                },
            }
        ),
        encoding='utf-8',
    )

    run = launch('--input_dir', str(folder), '--column-map', str(mapping), '--actions', 'alta_usuario')

    assert run.code == 0, run.stderr
    assert 'Altas.csv: Correo -> email' in run.stderr
    assert 'Altas.csv: columna Departamento ignorada: dato de RR. HH.' in run.stderr
    person = next(api.people.list(email=f'nuevo.empleado@{DOMAIN}', calling_data=True))
    assert person.extension == '1077'


def test_a_mapping_file_naming_a_column_we_do_not_have_does_not_start(launch, sandbox, tmp_path):
    folder = write_folder(tmp_path / 'in', ubicaciones=[location('Norte')])
    mapping = tmp_path / 'mapa.json'
    mapping.write_text(
        json.dumps(
            {'format': 1, 'files': {'ubicaciones.csv': {'dataset': 'ubicaciones', 'columns': {'x': {'to': 'y'}}}}}
        )
    )

    run = launch('--input_dir', str(folder), '--column-map', str(mapping))

    assert run.code == 4
    assert '"to": \'y\' no es una columna de ubicaciones.csv' in run.result['result']['error']


# --------------------------------------------------------------------------- unknown columns and spreadsheet leftovers


def test_an_unknown_column_is_named_once_with_a_suggestion(offline, tmp_path):
    folder = write_folder(tmp_path / 'in', ubicaciones=[location('Norte', adress2='Planta 1', Department='IT')])

    code, _, stderr = preflight(offline, str(folder))

    assert code == 2
    lines = [line.removeprefix('  - ') for line in stderr.splitlines() if line.startswith('  - ')]
    assert lines == [
        "ubicaciones.csv, columna adress2: columna desconocida; ¿quería decir 'address2'? (vea python -m "
        'transformacion --format markdown, o ignórela con --ignore-unknown-columns)',
        'ubicaciones.csv, columna Department: columna desconocida (vea python -m transformacion --format markdown, o '
        'ignórela con --ignore-unknown-columns)',
    ]


def test_ignore_unknown_columns_ignores_hr_columns_with_one_warning(launch, sandbox, tmp_path):
    folder = write_folder(tmp_path / 'in', ubicaciones=[location('Norte', Department='IT', Coste='12')])

    run = launch('--input_dir', str(folder), '--ignore-unknown-columns', '--actions', 'alta_ubicacion')

    assert run.code == 0, run.stderr
    warnings = [line for line in run.stderr.splitlines() if 'ignoradas' in line]
    assert warnings == [
        'aviso: ubicaciones.csv: columnas desconocidas ignoradas (--ignore-unknown-columns): Department, Coste'
    ]


def test_empty_header_cells_and_padded_rows_from_a_spreadsheet_are_not_columns(launch, sandbox, tmp_path):
    folder = tmp_path / 'in'
    folder.mkdir()
    (folder / 'global.csv').write_text(';'.join(GLOBAL) + ';;\n' + ';'.join(GLOBAL.values()) + ';;\n')
    row = location('Norte')
    (folder / 'ubicaciones.csv').write_text(';'.join(row) + ';\n' + ';'.join(row.values()) + ';;;\n')

    run = launch('--input_dir', str(folder), '--actions', 'alta_ubicacion')

    assert run.code == 0, run.stderr
    assert run.result['summary']['by_status']['executed'] == 1


def test_a_filled_cell_under_an_empty_header_cell_is_named_by_its_column_letter(offline, tmp_path):
    folder = tmp_path / 'in'
    folder.mkdir()
    row = location('Norte')
    (folder / 'ubicaciones.csv').write_text(';'.join(row) + ';\n' + ';'.join(row.values()) + ';nota\n')
    write_csv(folder / 'global.csv', [GLOBAL])

    code, result, _ = preflight(offline, str(folder))

    assert code == 2
    (problem,) = result['problems']
    assert (problem['row'], problem['column'], problem['value']) == (1, 'F (sin nombre)', 'nota')


# --------------------------------------------------------------------------- headers as Excel users write them

PERSON = f'rosa.vidal@{DOMAIN};Rosa;Vidal;Sede Central;1077'
LOOSE_NOTICE = (
    'usuarios.csv: columna {!r} leída como {} (mayúsculas, espacios y _ no cuentan en los nombres de columna)'
)


def _people(folder: Path, header: str, *rows: str) -> Path:
    """global.csv and a usuarios.csv written as the operator typed it (``;``, header and rows as given)."""
    write_csv(folder / 'global.csv', [GLOBAL])
    (folder / 'usuarios.csv').write_text('\n'.join([header, *rows]) + '\n', encoding='utf-8')
    return folder


def test_headers_with_capitals_and_blanks_are_our_columns_with_one_notice_each(offline, tmp_path):
    folder = _people(
        tmp_path / 'in', 'Email; First_Name ;Last Name;LOCATION;extension', PERSON, PERSON.replace('rosa', 'ana')[:-1]
    )

    code, result, stderr = preflight(offline, str(folder), '--action', 'alta_usuario')

    assert code == 0, stderr
    assert result['problems'] == []
    assert result['tasks']['alta_usuario'] == {'pending': 2}
    loose = [notice for notice in result['notices'] if 'leída como' in notice]
    assert loose == [
        LOOSE_NOTICE.format('Email', 'email'),
        LOOSE_NOTICE.format('First_Name', 'first_name'),
        LOOSE_NOTICE.format('Last Name', 'last_name'),
        LOOSE_NOTICE.format('LOCATION', 'location'),
    ]


def test_a_capitalised_header_runs_in_the_launcher_and_its_problems_name_the_header(launch, sandbox, api, tmp_path):
    folder = _people(
        tmp_path / 'in',
        'Email;First Name;Last Name;Location;Extension',
        PERSON,
        f'pedro.gil@{DOMAIN};Pedro;Gil;Sede Central;12a',
    )

    run = launch('--input_dir', str(folder), '--actions', 'alta_usuario', '--skip-invalid')

    assert run.code != 0
    assert next(api.people.list(email=f'rosa.vidal@{DOMAIN}', calling_data=True)).extension == '1077'
    assert run.stderr.count(LOOSE_NOTICE.format('Extension', 'extension')) == 1
    assert "usuarios.csv, fila 2, columna Extension (extension): valor '12a'" in run.stderr
    assert next(r for r in _results(run) if r['key'].startswith('pedro'))['status'] == 'rejected'


def test_a_misspelt_required_column_is_one_problem_with_its_suggestion(offline, tmp_path):
    folder = _people(tmp_path / 'in', 'Emial;first_name;last_name;location;extension', PERSON, PERSON[:-1])

    code, result, stderr = preflight(offline, str(folder), '--action', 'alta_usuario')

    assert code == 2
    lines = [line.removeprefix('  - ') for line in stderr.splitlines() if line.startswith('  - ')]
    assert lines == [
        "usuarios.csv, columna Emial: columna desconocida; ¿quería decir 'email'? (vea python -m transformacion "
        '--format markdown, o ignórela con --ignore-unknown-columns)'
    ]
    assert result['tasks']['alta_usuario'] == {'rejected': 2}


def test_two_headers_spelling_the_same_column_are_refused_naming_both(offline, tmp_path):
    folder = _people(tmp_path / 'in', 'email;first_name;last_name;location;extension;E-mail;EMAIL', PERSON + ';;x@y.es')

    code, result, _ = preflight(offline, str(folder), '--action', 'alta_usuario')

    assert code == 2
    problems = [(p['column'], p['why']) for p in result['problems'] if p['row'] is None]
    assert problems[0] == ('EMAIL', "repetida: 'email' y 'EMAIL' son la misma columna email; deje una")
    assert problems[1][0] == 'E-mail' and "¿quería decir 'email'?" in problems[1][1]


def test_a_global_header_in_capitals_is_ours_not_a_v21_file(offline, tmp_path):
    folder = tmp_path / 'in'
    write_csv(folder / 'global.csv', [{key.upper(): value for key, value in GLOBAL.items()}], delimiter=';')
    write_csv(folder / 'ubicaciones.csv', [location('Norte')])

    code, result, stderr = preflight(offline, str(folder), '--action', 'alta_ubicacion')

    assert code == 0, stderr
    assert not any('v21' in notice for notice in result['notices'])
    assert LOOSE_NOTICE.replace('usuarios', 'global').format('TIME_ZONE', 'time_zone') in result['notices']


def test_a_workbook_sheet_and_the_bulk_runner_match_headers_the_same_way(launch, sandbox, api, tmp_path):
    from transformacion import bulk_runner

    book = _workbook(
        tmp_path / 'libro.xlsx',
        {
            'global': [[key.title() for key in GLOBAL], list(GLOBAL.values())],
            'usuarios': [[' Email ', 'First Name', 'Last  Name', 'Location', 'EXTENSION'], PERSON.split(';')],
        },
    )
    folder = _people(
        tmp_path / 'in', 'EMAIL;First Name;Last Name;Location;Extension', PERSON.replace('rosa', 'ana')[:-1]
    )

    from_book = launch('--input_dir', str(book), '--actions', 'alta_usuario')
    from_bulk = launch('--action', 'alta_usuario', '--csv', str(folder / 'usuarios.csv'), main=bulk_runner.main)

    assert from_book.code == 0, from_book.stderr
    assert "libro.xlsx, hoja usuarios: columna 'Last  Name' leída como last_name" in from_book.stderr
    assert from_bulk.code == 0, from_bulk.stderr
    assert "usuarios.csv: columna 'EMAIL' leída como email" in from_bulk.stderr
    extensions = {
        email: next(api.people.list(email=f'{email}@{DOMAIN}', calling_data=True)).extension
        for email in ('rosa.vidal', 'ana.vidal')
    }
    assert extensions == {'rosa.vidal': '1077', 'ana.vidal': '107'}


# --------------------------------------------------------------------------- global.csv and empty datasets


def test_a_folder_without_global_runs_when_its_rows_carry_every_value(launch, sandbox, tmp_path):
    folder = tmp_path / 'in'
    write_csv(folder / 'ubicaciones.csv', [location('Norte', **GLOBAL)])

    run = launch('--input_dir', str(folder), '--actions', 'alta_ubicacion')

    assert run.code == 0, run.stderr
    assert run.result['summary']['by_status']['executed'] == 1


def test_a_header_only_dataset_next_to_one_with_rows_is_a_notice_not_a_refusal(launch, sandbox, tmp_path):
    folder = write_folder(tmp_path / 'in', ubicaciones=[location('Norte')])
    (folder / 'workspaces.csv').write_text('name;location;extension\n', encoding='utf-8')

    run = launch('--input_dir', str(folder), '--actions', 'alta_ubicacion,alta_workspace')

    assert run.code == 0, run.stderr
    assert 'aviso: workspaces.csv: no tiene filas de datos' in run.stderr
    assert run.result['summary']['by_status']['executed'] == 1


# --------------------------------------------------------------------------- workbooks


def _workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def test_a_workbook_with_one_sheet_per_dataset_works_like_a_folder(launch, sandbox, api, tmp_path):
    row = location('Norte', pstn='TRK-MAD-01', phone_numbers='+34910000500-+34910000502', main_number='+34910000500')
    book = _workbook(
        tmp_path / 'libro.xlsx',
        {
            'Global': [list(GLOBAL), list(GLOBAL.values())],
            'UBICACIONES': [list(row), list(row.values())],
            'Notas': [['cualquier cosa']],
        },
    )

    run = launch(
        '--input_dir', str(book), '--actions', 'alta_ubicacion,configurar_pstn_ubicacion,anadir_numeraciones_ubicacion'
    )

    assert run.code == 0, run.stderr
    assert 'aviso: libro.xlsx, hoja Notas: hoja que no es un dataset' in run.stderr
    norte = next(loc for loc in api.locations.list() if loc.name == 'Norte')
    assert norte.address.postal_code == '28001'
    results = load_workbook(run.run_dir / 'results_manual.xlsx', read_only=True)['resultados']
    header = next(results.iter_rows(values_only=True))
    assert header[:5] == ('dataset', 'row', 'key', 'action', 'status')


def test_numbers_stored_as_numbers_and_formulas_in_a_workbook_are_refused_by_sheet_row_and_column(offline, tmp_path):
    norte, sur = location('Norte'), location('Sur')
    book = _workbook(
        tmp_path / 'libro.xlsx',
        {
            'global': [list(GLOBAL), list(GLOBAL.values())],
            'ubicaciones': [
                [*norte, 'main_number', 'caller_id_name'],
                [*norte.values(), 34910000500, 'Norte'],
                [*sur.values(), '+34910000600', '=A2'],
            ],
        },
    )

    code, result, _ = preflight(offline, str(book))

    assert code == 2
    problems = {p['column']: p for p in result['problems']}
    number = problems['main_number']
    assert (number['file'], number['row'], number['value']) == ('libro.xlsx, hoja ubicaciones', 1, '34910000500')
    assert "se esperaba un número E.164 con '+'" in number['why']
    formula = problems['caller_id_name']
    assert (formula['file'], formula['row'], formula['value']) == ('libro.xlsx, hoja ubicaciones', 2, '=A2')
    assert 'fórmula' in formula['why']


def test_the_bulk_runner_reads_a_control_hub_export_and_a_workbook_sheet_the_same_way(launch, sandbox, tmp_path):
    from transformacion import bulk_runner

    run = launch('--action', 'alta_usuario', '--csv', str(CONTROL_HUB), '--xlsx', main=bulk_runner.main)

    assert run.code == 0, run.stderr
    assert 'users.csv: formato Control Hub reconocido' in run.stderr
    assert [r['status'] for r in _results(run)] == ['skipped', 'skipped', 'executed']
    assert (run.run_dir / 'results_manual.xlsx').is_file()

    oeste = location('Oeste', **GLOBAL)
    book = _workbook(tmp_path / 'libro.xlsx', {'ubicaciones': [list(oeste), list(oeste.values())]})

    run = launch('--action', 'alta_ubicacion', '--csv', str(book), main=bulk_runner.main)

    assert run.code == 0, run.stderr
    assert [r['status'] for r in _results(run)] == ['executed']


def test_a_global_whose_columns_are_all_ours_is_never_announced_as_another_format(launch, sandbox, tmp_path):
    from transformacion import bulk_runner

    samples = Path(__file__).resolve().parents[2] / 'samples'
    with_org = write_folder(
        tmp_path / 'con_org', global_row={**GLOBAL, 'org_id': ORG_ID}, ubicaciones=[location('Norte')]
    )
    options = ('--action', 'alta_ubicacion', '--csv', str(samples / 'ubicaciones.csv'), '--dry-run')

    for global_csv in (samples / 'global.csv', with_org / 'global.csv'):
        run = launch(*options, '--global', str(global_csv), main=bulk_runner.main)

        assert run.code == 0, run.stderr
        assert 'reconocido' not in run.stderr and 'v21' not in run.stderr
    legacy = launch(*options, '--global', str(LEGACY / 'Global.csv'), main=bulk_runner.main)  # v21 columns: still v21
    assert 'Global.csv: formato v21 reconocido (perfil legacy_v21)' in legacy.stderr
    folder = launch('--input_dir', str(with_org), '--dry-run')  # the launcher reads the same global the same way
    assert folder.code == 0 and 'reconocido' not in folder.stderr, folder.stderr
