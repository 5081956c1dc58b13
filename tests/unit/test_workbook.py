"""Workbooks read as text like a CSV (numbers without '+', formulas as their text) and written with text columns."""

from __future__ import annotations

import datetime

import pytest
from openpyxl import Workbook, load_workbook

from transformacion.core.csvfiles import CsvError
from transformacion.core.workbook import Sheet, cell_text, iter_sheet_rows, read_sheet_header, write_workbook


@pytest.mark.parametrize(
    ('value', 'text'),
    [
        (None, ''),
        (34910000001, '34910000001'),
        (34910000001.0, '34910000001'),
        (1.5, '1.5'),
        (True, 'TRUE'),
        (datetime.date(2025, 6, 2), '2025-06-02'),
        ('=SUM(A1:A3)', '=SUM(A1:A3)'),
        ('+34910000001', '+34910000001'),
    ],
)
def test_cells_are_read_as_the_text_a_csv_would_carry(value, text):
    assert cell_text(value) == text


def test_the_header_is_the_first_non_empty_row_and_rows_are_numbered_under_it(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.title = 'Usuarios'
    for row in ([], ['email', 'extension', None], ['ana@example.com', 1001], [], ['luis@example.com', '1002']):
        sheet.append(row)
    book.save(tmp_path / 'libro.xlsx')

    assert read_sheet_header(tmp_path / 'libro.xlsx', 'usuarios') == ['email', 'extension']
    assert list(iter_sheet_rows(tmp_path / 'libro.xlsx', 'USUARIOS')) == [
        (1, {'email': 'ana@example.com', 'extension': '1001'}),
        (3, {'email': 'luis@example.com', 'extension': '1002'}),
    ]


def test_a_filled_cell_beyond_the_header_and_a_missing_sheet_are_refused(tmp_path):
    book = Workbook()
    book.active.title = 'usuarios'
    book.active.append(['email'])
    book.active.append(['ana@example.com', 'suelta'])
    book.save(tmp_path / 'libro.xlsx')

    with pytest.raises(CsvError, match=r'libro.xlsx, hoja usuarios: fila 1: la celda B2 .*fuera de la cabecera'):
        list(iter_sheet_rows(tmp_path / 'libro.xlsx', 'usuarios'))
    with pytest.raises(CsvError, match='no tiene la hoja .workspaces.; hojas: usuarios'):
        read_sheet_header(tmp_path / 'libro.xlsx', 'workspaces')
    (tmp_path / 'falso.xlsx').write_text('no soy un libro')
    with pytest.raises(CsvError, match='no es un libro de Excel'):
        read_sheet_header(tmp_path / 'falso.xlsx', 'usuarios')


def test_written_workbooks_keep_every_cell_as_text_and_never_as_a_formula(tmp_path):
    path = tmp_path / 'salida.xlsx'

    written = write_workbook(path, [Sheet('datos', ['numero', 'nota'], [['+34910000001', '=1+1'], ['08008', None]])])

    assert written == {'datos': 2}
    sheet = load_workbook(path)['datos']
    assert [[(c.value, c.data_type) for c in row] for row in sheet.iter_rows(min_row=2)] == [
        [('+34910000001', 's'), ('=1+1', 's')],
        [('08008', 's'), (None, 'n')],
    ]
    assert sheet.column_dimensions['A'].number_format == '@'
    assert (sheet.freeze_panes, sheet.auto_filter.ref) == ('A2', 'A1:B3')
    assert [p.name for p in tmp_path.iterdir()] == ['salida.xlsx']
