"""CSVs as spreadsheets export them: delimiter, encoding, BOM, blanks, malformed rows."""

import csv

import pytest

from transformacion.core.csvfiles import (
    CsvError,
    column_letter,
    detect_dialect,
    iter_rows,
    looks_like_formula,
    protect_cell,
    read_header,
    read_row,
    unnamed_column,
    unnamed_position,
    unprotect,
    write_csv,
)


def write(tmp_path, text, encoding='utf-8', name='ubicaciones.csv'):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_semicolon_cp1252_as_excel_on_windows_writes_it(tmp_path):
    path = write(tmp_path, 'name;city\r\nMálaga Centro;Málaga\r\n', encoding='cp1252')
    assert detect_dialect(path).encoding == 'cp1252'
    assert list(iter_rows(path)) == [(1, {'name': 'Málaga Centro', 'city': 'Málaga'})]


def test_utf8_with_bom_and_comma(tmp_path):
    path = write(tmp_path, '\ufeffname,city\nA Coruña,A Coruña\n')
    assert read_header(path) == ['name', 'city']
    assert list(iter_rows(path)) == [(1, {'name': 'A Coruña', 'city': 'A Coruña'})]


def test_values_are_trimmed_blank_rows_skipped_and_short_rows_padded(tmp_path):
    path = write(tmp_path, 'name;city;state\n  Madrid  ; Madrid \n;;\nSevilla\n')
    assert list(iter_rows(path)) == [
        (1, {'name': 'Madrid', 'city': 'Madrid', 'state': ''}),
        (3, {'name': 'Sevilla', 'city': '', 'state': ''}),
    ]


def test_quoted_delimiter_inside_a_value(tmp_path):
    path = write(tmp_path, 'name;numbers\nMadrid;"+34910000100;+34910000101"\n')
    assert list(iter_rows(path))[0][1]['numbers'] == '+34910000100;+34910000101'


def test_row_with_more_cells_than_header_names_the_row(tmp_path):
    path = write(tmp_path, 'name;city\nMadrid;Madrid;extra\n')
    with pytest.raises(CsvError, match='fila 1: tiene 3 celdas'):
        list(iter_rows(path))


@pytest.mark.parametrize('text', ['', '\n', ';;\n'])
def test_empty_file_or_header(tmp_path, text):
    with pytest.raises(CsvError, match='vacío'):
        read_header(write(tmp_path, text))


def test_duplicated_header(tmp_path):
    with pytest.raises(CsvError, match='repetidas.*name'):
        read_header(write(tmp_path, 'name;name\nA;B\n'))


def test_read_row_by_number_and_by_match(tmp_path):
    path = write(tmp_path, 'name;city\nMadrid;Madrid\nBarcelona;Barcelona\n')
    assert read_row(path, row=2) == (2, {'name': 'Barcelona', 'city': 'Barcelona'})
    assert read_row(path, match=('name', 'Madrid'))[0] == 1
    with pytest.raises(CsvError, match='no hay fila 5'):
        read_row(path, row=5)
    with pytest.raises(CsvError, match='ninguna fila'):
        read_row(path, match=('name', 'Bilbao'))
    with pytest.raises(CsvError, match='no hay columna'):
        read_row(path, match=('ciudad', 'Madrid'))
    with pytest.raises(CsvError, match='no existe'):
        read_row(tmp_path / 'missing.csv')


@pytest.mark.parametrize('encoding', ['utf-16', 'utf-16-be'])
def test_utf16_as_excel_unicode_text_is_refused_naming_the_encoding(tmp_path, encoding):
    path = tmp_path / 'ubicaciones.csv'
    path.write_bytes('\ufeffname\tcity\r\nMálaga\tMálaga\r\n'.encode(encoding))
    with pytest.raises(CsvError, match='ubicaciones.csv: está en UTF-16 .*CSV UTF-8'):
        next(iter_rows(path))


def test_utf8_text_mixed_with_cp1252_is_refused_at_the_first_line_that_is_not_utf8(tmp_path):
    path = tmp_path / 'ubicaciones.csv'
    path.write_bytes('name;city\nNervión;Sevilla\n'.encode() + 'Logroño;Logroño\n'.encode('cp1252'))
    with pytest.raises(CsvError, match=r'ubicaciones.csv: fila 2: mezcla .*UTF-8.*línea 3 .*0xF1.*CSV UTF-8'):
        detect_dialect(path)


def test_cp1252_before_utf8_is_refused_too(tmp_path):
    path = tmp_path / 'ubicaciones.csv'
    path.write_bytes('name;city\nLogroño;Logroño\n'.encode('cp1252') + 'Nervión;Sevilla\n'.encode())
    with pytest.raises(CsvError, match='fila 1: mezcla codificaciones: tiene texto en UTF-8 .*línea 2'):
        read_header(path)


def test_a_utf8_bom_followed_by_cp1252_is_refused_even_in_the_header(tmp_path):
    path = tmp_path / 'ubicaciones.csv'
    path.write_bytes(b'\xef\xbb\xbf' + 'name;año\nMadrid;2024\n'.encode('cp1252'))
    with pytest.raises(CsvError, match=r'ubicaciones.csv: mezcla .*BOM de UTF-8.*línea 1 '):
        read_header(path)


def test_cp1252_with_no_utf8_at_all_is_read_to_the_end(tmp_path):
    lines = ''.join(f'Sede {n} Logroño;Cañada {n}\n' for n in range(2000))
    path = write(tmp_path, 'name;city\n' + lines, encoding='cp1252')
    rows = list(iter_rows(path))
    assert len(rows) == 2000
    assert rows[-1] == (2000, {'name': 'Sede 1999 Logroño', 'city': 'Cañada 1999'})


def test_a_header_in_another_separator_is_diagnosed(tmp_path):
    path = write(tmp_path, 'name|address1|city\nSede|Calle Mayor 1|Madrid\n')
    with pytest.raises(CsvError, match="ubicaciones.csv: la cabecera no tiene ninguno de los separadores.*'\\|'"):
        read_header(path)


def test_a_single_column_file_is_still_read(tmp_path):
    path = write(tmp_path, 'name\nSede Norte\nSede Sur | planta 2\n')
    assert [values['name'] for _, values in iter_rows(path)] == ['Sede Norte', 'Sede Sur | planta 2']


def test_rows_in_another_separator_than_the_header_name_the_row(tmp_path):
    path = write(tmp_path, 'name;city;state\nNorte;Madrid;Madrid\nSur,Sevilla,Sevilla\n')
    with pytest.raises(CsvError, match="fila 2: separador distinto .*con ';' y esta fila con ','"):
        list(iter_rows(path))


def test_a_short_row_with_the_other_separator_inside_a_value_is_not_a_separator_problem(tmp_path):
    path = write(tmp_path, 'name;city;state\nOficina Madrid, planta 2\n')
    assert list(iter_rows(path)) == [(1, {'name': 'Oficina Madrid, planta 2', 'city': '', 'state': ''})]


def test_an_unclosed_quote_names_the_row_and_line_where_it_opens(tmp_path):
    path = write(tmp_path, 'name,location\nSala 1,Norte\n"Sala 2,Norte\nSala 3,Norte\n')
    rows = iter_rows(path)
    assert next(rows)[0] == 1
    with pytest.raises(CsvError, match='fila 2: comillas sin cerrar: .*línea 3 '):
        next(rows)


def test_text_after_closing_quotes_is_refused(tmp_path):
    path = write(tmp_path, 'name,location\n"Sala" 1,Norte\n')
    with pytest.raises(CsvError, match="fila 1: comillas mal cerradas en la línea 2 .*separador ','"):
        list(iter_rows(path))


def test_an_unclosed_quote_in_a_big_file_hits_the_cell_limit_with_a_hint(tmp_path):
    path = write(tmp_path, 'name,location\n"Sala,Norte\n' + 'Sala,Norte\n' * 20)
    limit = csv.field_size_limit(50)
    try:
        with pytest.raises(CsvError, match='fila 1: una celda .*línea 2 .*supera 50 caracteres .*comillas sin cerrar'):
            list(iter_rows(path))
    finally:
        csv.field_size_limit(limit)


def test_a_closed_multi_line_quoted_cell_is_one_row(tmp_path):
    path = write(tmp_path, 'name;notes\nNorte;"planta 1\nplanta 2"\nSur;x\n')
    assert list(iter_rows(path)) == [
        (1, {'name': 'Norte', 'notes': 'planta 1\nplanta 2'}),
        (2, {'name': 'Sur', 'notes': 'x'}),
    ]


FORMULAS = ["=cmd|' /C calc'!A0", '=HYPERLINK("http://x";"Ana")', '@SUM(A1)', '+cmd|x', '-2+3+cmd|x', '- Planta', '=1']
VALUES = ['+34910000100', '+34910000100-+34910000149', '+34910000100;+34910000101', '+34 910 000 100', '-12.5', '-']


@pytest.mark.parametrize('text', FORMULAS)
def test_formula_cells_are_recognised_and_the_results_file_protects_each_of_them(text):
    assert looks_like_formula(text)
    assert protect_cell(text) == "'" + text


@pytest.mark.parametrize('text', [*VALUES, 'Sede = Madrid', 'ana@example.com', ''])
def test_numbers_ranges_and_plain_text_are_values(text):
    assert not looks_like_formula(text)


@pytest.mark.parametrize(
    ('value', 'shown'),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ('+1+cmd|x', "'+1+cmd|x"),
        ('-2+3', "'-2+3"),
        ('@SUM(A1)', "'@SUM(A1)"),
        ('\tdato', "'\tdato"),
        ('\rdato', "'\rdato"),
        ('+34910000100', '+34910000100'),
        ('+34910000100;+34910000101', '+34910000100;+34910000101'),
        ('-12.5', '-12.5'),
        ('Sede = Madrid', 'Sede = Madrid'),
        (None, ''),
        (3, '3'),
    ],
)
def test_output_cells_that_would_start_a_formula_are_protected_and_numbers_stay_readable(value, shown):
    assert protect_cell(value) == shown
    assert unprotect(shown) == ('' if value is None else str(value))


def test_unprotect_leaves_a_quote_that_protect_cell_did_not_add():
    assert unprotect("'hola") == "'hola"
    assert unprotect("'+34910000100") == "'+34910000100"


def test_written_files_are_semicolon_utf8_with_bom_protected_and_read_back_as_written(tmp_path):
    path = tmp_path / 'nueva' / 'salida.csv'
    written = write_csv(path, ['name', 'note'], [('Norte', '=1+1'), ('Sur', None)])

    assert written == 2
    assert path.read_bytes().startswith(b'\xef\xbb\xbfname;note\r\n')
    assert [row for _, row in iter_rows(path)] == [{'name': 'Norte', 'note': "'=1+1"}, {'name': 'Sur', 'note': ''}]
    assert [p.name for p in path.parent.iterdir()] == ['salida.csv']


def test_unprotected_files_keep_cells_as_they_are(tmp_path):
    path = tmp_path / 'global.csv'
    write_csv(path, ['note'], [['=1+1']], protect=False)
    assert [row for _, row in iter_rows(path)] == [{'note': '=1+1'}]


def test_empty_header_cells_are_not_columns_while_their_cells_are_empty(tmp_path):
    path = write(tmp_path, 'name;city;;\nNorte;Madrid;;\nSur;Sevilla;;x\n')
    assert read_header(path) == ['name', 'city', '', '']
    assert list(iter_rows(path)) == [
        (1, {'name': 'Norte', 'city': 'Madrid'}),
        (2, {'name': 'Sur', 'city': 'Sevilla', unnamed_column(4): 'x'}),
    ]
    assert unnamed_position(unnamed_column(4)) == 4 and unnamed_position('name') is None


def test_rows_padded_with_empty_cells_beyond_the_header_are_read(tmp_path):
    path = write(tmp_path, 'name;city\nNorte;Madrid;;;\n')
    assert list(iter_rows(path)) == [(1, {'name': 'Norte', 'city': 'Madrid'})]


@pytest.mark.parametrize(('position', 'letter'), [(1, 'A'), (26, 'Z'), (27, 'AA'), (53, 'BA')])
def test_column_letters_as_a_spreadsheet_shows_them(position, letter):
    assert column_letter(position) == letter
