"""generar_plantilla: an empty launcher input for the chosen actions, that the preflight accepts as it is."""

from __future__ import annotations

import json

import pytest
from openpyxl import load_workbook

from tests.support.files import read_csv
from transformacion import generar_plantilla, inspeccionar_parametros
from transformacion.core.catalog import actions


def _run(capsys, module, *args: str) -> tuple[int, dict]:
    capsys.readouterr()
    code = module.main(list(args))
    return code, json.loads(capsys.readouterr().out)


def _ready() -> list[str]:
    return [action.name for action in actions() if action.ready]


@pytest.mark.parametrize('output', ['plantilla', 'plantilla.xlsx'])
def test_the_template_of_every_ready_action_passes_the_preflight(capsys, tmp_path, output):
    target = tmp_path / output

    code, result = _run(capsys, generar_plantilla, '--output', str(target))

    assert code == 0 and result['status'] == 'executed'
    code, checked = _run(capsys, inspeccionar_parametros, '--input_dir', str(target))
    assert code == 0, checked['result']['problems']
    assert checked['result']['actions'] == _ready()
    assert all(tasks == {'pending': 1} for tasks in checked['result']['tasks'].values()), checked['result']['tasks']


def test_the_csv_template_is_excel_friendly_and_marks_the_mandatory_columns(capsys, tmp_path):
    code, result = _run(capsys, generar_plantilla, '--output', str(tmp_path / 'p'), '--actions', 'alta_usuario')

    assert code == 0
    assert sorted(p.name for p in (tmp_path / 'p').iterdir()) == ['LEEME.txt', 'usuarios.csv']
    raw = (tmp_path / 'p' / 'usuarios.csv').read_bytes()
    assert raw.startswith(b'\xef\xbb\xbfemail;first_name;last_name;display_name;location;extension;phone_number;')
    header, (example,) = read_csv(tmp_path / 'p' / 'usuarios.csv')
    assert example['phone_number'] == '+34910000101'
    assert result['result']['mandatory'] == {'usuarios.csv': ['email', 'first_name', 'last_name', 'location']}
    readme = (tmp_path / 'p' / 'LEEME.txt').read_text(encoding='utf-8-sig')
    assert '  * email: obligatoria (clave: identifica la fila)' in readme
    assert '  * first_name: obligatoria (alta_usuario)' in readme
    assert '    calling_license: opcional' in readme


def test_the_workbook_template_has_text_columns_bold_mandatory_headers_with_comments_and_a_readme(capsys, tmp_path):
    target = tmp_path / 'plantilla.xlsx'

    code, _ = _run(capsys, generar_plantilla, '--output', str(target), '--actions', 'alta_ubicacion,alta_workspace')

    assert code == 0
    book = load_workbook(target)
    assert book.sheetnames == ['ubicaciones', 'workspaces', 'LEEME']
    sheet = book['ubicaciones']
    header = {cell.value: cell for cell in sheet[1]}
    assert header['name'].font.bold and header['postal_code'].font.bold and not header['address2'].font.bold
    assert 'obligatoria (alta_ubicacion)' in header['postal_code'].comment.text
    example = {header_cell.value: cell for header_cell, cell in zip(sheet[1], sheet[2], strict=True)}
    assert (example['postal_code'].value, example['postal_code'].data_type) == ('28013', 's')
    assert all(cell.number_format == '@' for cell in sheet[2])
    assert sheet.freeze_panes == 'A2' and sheet.auto_filter.ref
    readme = [row for row in book['LEEME'].iter_rows(values_only=True)]
    assert readme[0] == ('fichero', 'columna', 'obligatoria', 'acciones', 'descripción')
    assert ('workspaces.csv', 'location', 'sí') in [row[:3] for row in readme]


def test_unknown_actions_and_files_in_the_way_are_refused(capsys, tmp_path):
    code, result = _run(capsys, generar_plantilla, '--output', str(tmp_path / 'p'), '--actions', 'alta_marciano')
    assert (code, result['status']) == (2, 'rejected')
    assert 'alta_marciano' in result['summary']['message']

    assert _run(capsys, generar_plantilla, '--output', str(tmp_path / 'p'))[0] == 0
    code, result = _run(capsys, generar_plantilla, '--output', str(tmp_path / 'p'))
    assert (code, result['status']) == (2, 'rejected') and '--force' in result['summary']['message']
    assert _run(capsys, generar_plantilla, '--output', str(tmp_path / 'p'), '--force')[0] == 0
