"""CSVs as spreadsheets export them: delimiter, encoding, BOM, blanks, malformed rows."""

import pytest

from transformacion.csvfiles import CsvError, detect_dialect, iter_rows, read_header, read_row


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
