"""Reading CSVs the way spreadsheets write them: ';' or ',' (sniffed), UTF-8 with or without BOM, cp1252.

Rows are streamed (constant memory) and numbered as an operator sees them in a spreadsheet:
row 1 is the first row after the header.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

DELIMITERS = ';,\t'
_CHUNK = 1 << 16


class CsvError(ValueError):
    """A CSV that cannot be read; the message names the file and, when known, the row."""


@dataclass(frozen=True)
class CsvDialect:
    encoding: str
    delimiter: str


def detect_encoding(path: Path) -> str:
    """'utf-8-sig' when the whole file is valid UTF-8 (BOM or not), else 'cp1252' (Excel on Windows)."""
    decoder = codecs.getincrementaldecoder('utf-8')()
    with path.open('rb') as handle:
        try:
            while chunk := handle.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b'', final=True)
        except UnicodeDecodeError:
            return 'cp1252'
    return 'utf-8-sig'


def _sniff_delimiter(header_line: str) -> str:
    counts = {delimiter: header_line.count(delimiter) for delimiter in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ','


def detect_dialect(path: Path) -> CsvDialect:
    encoding = detect_encoding(path)
    with path.open(encoding=encoding, newline='') as handle:
        header_line = handle.readline()
    return CsvDialect(encoding, _sniff_delimiter(header_line))


def read_header(path: Path) -> list[str]:
    """The header of a CSV, trimmed; raises CsvError for an empty file or an empty header."""
    dialect = detect_dialect(path)
    with path.open(encoding=dialect.encoding, newline='') as handle:
        try:
            header = next(csv.reader(handle, delimiter=dialect.delimiter), None)
        except csv.Error as exc:
            raise CsvError(f'{path.name}: cabecera ilegible ({exc})') from None
    if not header or not any(cell.strip() for cell in header):
        raise CsvError(f'{path.name}: el fichero está vacío o no tiene cabecera')
    columns = [cell.strip() for cell in header]
    duplicated = sorted({c for c in columns if columns.count(c) > 1 and c})
    if duplicated:
        raise CsvError(f'{path.name}: columnas repetidas en la cabecera: {", ".join(duplicated)}')
    return columns


def iter_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (row number, {column: trimmed value}) for every non-blank data row."""
    path = Path(path)
    columns = read_header(path)
    dialect = detect_dialect(path)
    with path.open(encoding=dialect.encoding, newline='') as handle:
        reader = csv.reader(handle, delimiter=dialect.delimiter)
        next(reader)
        row_number = 0
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise CsvError(f'{path.name}: fila {row_number + 1}: no se puede leer ({exc})') from None
            row_number += 1
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) > len(columns):
                raise CsvError(
                    f'{path.name}: fila {row_number}: tiene {len(cells)} celdas y la cabecera {len(columns)} columnas'
                    " (¿separador distinto o un ';' sin comillas dentro de un valor?)"
                )
            values = {column: (cells[i].strip() if i < len(cells) else '') for i, column in enumerate(columns)}
            yield row_number, values


def read_row(path: Path, row: int | None = None, match: tuple[str, str] | None = None) -> tuple[int, dict[str, str]]:
    """One data row, by number (1 = first after the header) or by ``column=value``."""
    path = Path(path)
    if not path.is_file():
        raise CsvError(f'{path}: no existe el fichero')
    if match is not None:
        column, wanted = match
        if column not in read_header(path):
            raise CsvError(f'{path.name}: no hay columna {column!r} para --match')
        for number, values in iter_rows(path):
            if values.get(column, '') == wanted:
                return number, values
        raise CsvError(f'{path.name}: ninguna fila tiene {column}={wanted!r}')
    wanted_row = row or 1
    for number, values in iter_rows(path):
        if number == wanted_row:
            return number, values
    raise CsvError(f'{path.name}: no hay fila {wanted_row} con datos')
