"""CSV files the way spreadsheets read and write them, and the formula rule both ways.

Reading: ';', ',' or tab (sniffed from the header), UTF-8 with or without BOM, or cp1252 (Excel on Windows). What
would be misread is refused with the file, the row and how to fix it: mixed encodings, UTF-16, another separator,
unclosed quotes. Rows are streamed (constant memory) and numbered as an operator sees them in a spreadsheet:
row 1 is the first row after the header.

Writing: one writer (``write_csv``) for every file the product produces: ';'-separated UTF-8 with BOM, which Excel
opens as it is, renamed into place once complete.

The formula rule (CSV injection): an input cell that a spreadsheet would run is refused (``looks_like_formula``); an
output cell that would start a formula is protected with a leading ``'`` (``protect_cell``, undone by ``unprotect``).
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, TextIO

DELIMITERS = ';,\t'
SAVE_AS_UTF8 = 'ábralo y guárdelo como «CSV UTF-8 (delimitado por comas)»'
_CHUNK = 1 << 16
#: A byte that is not UTF-8, as ``surrogateescape`` decodes it.
_NOT_UTF8 = re.compile('[\udc80-\udcff]')
#: A character that only a valid multi-byte UTF-8 sequence decodes to.
_UTF8_MULTIBYTE = re.compile('[\x80-\ud7ff\ue000-\U0010ffff]')
#: In a one-column header, a character no column name has: the file's real separator.
_FOREIGN_SEPARATOR = re.compile(r'[^\w\s.\'"-]')
#: What a cell starting with '+' or '-' may hold and still be a number, a range or a list of them.
_NUMERIC = re.compile(r'[\d\s+\-.,;|()]*')
#: How an output cell that a spreadsheet would run as a formula starts.
_FORMULA_START = ('=', '+', '-', '@', '\t', '\r')
#: Output cells starting with '+' or '-' that stay as written: a number, or a list of E.164 numbers.
_NUMBER = re.compile(r'[+-]?\d+([.,]\d+)?')
_E164_LIST = re.compile(r'\+\d{6,15}([;,| ]+\+\d{6,15})*')
#: What every CSV the product writes uses: ';' and UTF-8 with BOM (Excel opens it as it is).
OUTPUT_DELIMITER = ';'
OUTPUT_ENCODING = 'utf-8-sig'


class CsvError(ValueError):
    """A CSV that cannot be read; the message names the file and, when known, the row."""

    def __init__(self, file: str, why: str, row: int | None = None) -> None:
        super().__init__(f'{file}: fila {row}: {why}' if row else f'{file}: {why}')
        self.file = file
        self.why = why
        self.row = row


def _error(file: str, why: str, row: int | None = None) -> CsvError:
    return CsvError(file, why, row)


@dataclass(frozen=True)
class CsvDialect:
    encoding: str
    delimiter: str


FORMULA_WHY = (
    'celda con fórmula (empieza por = o @, o por + / - seguido de algo que no es un número): una hoja de cálculo '
    'la ejecutaría; escriba el valor sin fórmula'
)


def looks_like_formula(text: str) -> bool:
    """True for a cell a spreadsheet would run as a formula (CSV injection), never for our numeric values.

    The rule: the cell starts with ``=`` or ``@`` (or a tab / carriage return), or starts with ``+`` or ``-`` followed
    by anything other than digits, blanks and ``+ - . , ; | ( )`` — letters and other symbols are what make function
    names, references and DDE commands (``+cmd|' /C calc'!A0``, ``-2+3+cmd|...``). Numbers, E.164 numbers, ranges and
    lists of them (``+34910000100``, ``+34910000100-+34910000149``, ``+34910000100;+34910000101``, ``-12.5``) and a
    lone sign are values. Every cell this flags is one ``protect_cell`` protects.
    """
    if text.startswith(('=', '@', '\t', '\r')):
        return True
    return text.startswith(('+', '-')) and not _NUMERIC.fullmatch(text)


def protect_cell(value: Any) -> str:
    """An output cell safe to open in a spreadsheet: text that would start a formula gets a leading ``'``.

    Stricter than ``looks_like_formula`` (any ``=``, ``+``, ``-``, ``@``, tab or carriage return start), except that
    numbers stay as written, so an E.164 number (or a list of them) remains readable: ``+34910000100``.
    ``None`` is the empty cell.
    """
    text = '' if value is None else str(value)
    if text.startswith(_FORMULA_START) and not (_NUMBER.fullmatch(text) or _E164_LIST.fullmatch(text)):
        return "'" + text
    return text


def unprotect(cell: str) -> str:
    """The value ``protect_cell`` protected (``'=...`` -> ``=...``); any other cell as it is.

    ``protect_cell(unprotect(cell)) == cell`` for every cell ``protect_cell`` wrote.
    """
    return cell[1:] if cell.startswith("'") and protect_cell(cell[1:]) == cell else cell


def write_csv(path: Path, columns: Sequence[str], rows: Iterable[Sequence[Any]], *, protect: bool = True) -> int:
    """Write ``columns`` and then ``rows`` (one value per column, ``None`` empty) as a ';' CSV in UTF-8 with BOM.

    Written to ``<name>.tmp`` and renamed into place, so a reader never sees half a file; the folder is created when
    missing. With ``protect`` every cell goes through ``protect_cell``; without it, cells are written as they are
    (files meant to be read back as input, where ``looks_like_formula`` refuses what a spreadsheet would run).
    Returns the number of data rows written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + '.tmp')
    written = 0
    with partial.open('w', encoding=OUTPUT_ENCODING, newline='') as handle:
        writer = csv.writer(handle, delimiter=OUTPUT_DELIMITER)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([protect_cell(value) for value in row] if protect else row)
            written += 1
    os.replace(partial, path)
    return written


def _encoding_error(path: Path, line: int, byte: int, bom: bool) -> CsvError:
    shown = bytes([byte]).decode('cp1252', 'replace')
    claim = 'empieza con la marca BOM de UTF-8' if bom else 'tiene texto en UTF-8'
    why = (
        f'mezcla codificaciones: {claim} pero la línea {line} del fichero tiene un byte que no es UTF-8 '
        f'(0x{byte:02X}, {shown!r} en Windows-1252); {SAVE_AS_UTF8}'
    )
    return _error(path.name, why, line - 1 if line > 1 else None)


def _is_utf8(handle: BinaryIO) -> bool:
    decoder = codecs.getincrementaldecoder('utf-8')()
    try:
        while chunk := handle.read(_CHUNK):
            decoder.decode(chunk)
        decoder.decode(b'', final=True)
    except UnicodeDecodeError:
        return False
    return True


def _first_non_utf8(handle: BinaryIO) -> tuple[int, int, bool]:
    """(line, byte) of the first byte that is not UTF-8 and whether any valid multi-byte UTF-8 sequence is there."""
    first: tuple[int, int] = (0, 0)
    multibyte = False
    for number, line in enumerate(handle, start=1):
        if line.isascii():
            continue
        text = line.decode('utf-8', 'surrogateescape')
        if not first[0] and (bad := _NOT_UTF8.search(text)):
            first = (number, ord(bad.group()) - 0xDC00)
        multibyte = multibyte or bool(_UTF8_MULTIBYTE.search(text))
        if first[0] and multibyte:
            break
    return first[0], first[1], multibyte


def detect_encoding(path: Path) -> str:
    """'utf-8-sig' when the whole file is valid UTF-8 (BOM or not); 'cp1252' (Excel on Windows) when it is not and has
    no UTF-8 at all. CsvError for UTF-16 and for a file that mixes UTF-8 (text or BOM) with bytes that are not."""
    with path.open('rb') as handle:
        start = handle.read(3)
        if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            why = f'está en UTF-16 (en Excel, «Texto Unicode»), no en UTF-8 ni Windows-1252; {SAVE_AS_UTF8}'
            raise _error(path.name, why)
        handle.seek(0)
        if _is_utf8(handle):
            return 'utf-8-sig'
        handle.seek(0)
        line, byte, multibyte = _first_non_utf8(handle)
    bom = start == codecs.BOM_UTF8
    if bom or multibyte:
        raise _encoding_error(path, line, byte, bom)
    return 'cp1252'


def _sniff_delimiter(header_line: str) -> str:
    counts = {delimiter: header_line.count(delimiter) for delimiter in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ','


def detect_dialect(path: Path) -> CsvDialect:
    encoding = detect_encoding(path)
    with path.open(encoding=encoding, newline='') as handle:
        header_line = handle.readline()
    return CsvDialect(encoding, _sniff_delimiter(header_line))


class _Lines:
    """The lines of a text handle, counted, keeping those of the record being parsed (``raw``, reset per record)."""

    def __init__(self, handle: TextIO) -> None:
        self._handle = handle
        self.count = 0
        self.raw: list[str] = []

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = next(self._handle)
        self.count += 1
        self.raw.append(line)
        return line

    @property
    def first(self) -> int:
        """The line where the record being parsed starts."""
        return self.count - len(self.raw) + 1


def _unreadable(exc: csv.Error, lines: _Lines, delimiter: str) -> str:
    """Why csv.reader (strict) stopped, in the operator's words."""
    text = str(exc)
    if text == 'unexpected end of data':
        return (
            f'comillas sin cerrar: la celda que abre comillas en la línea {lines.first} del fichero no se cierra y se '
            'tragaría el resto del fichero; cierre las comillas o quítelas'
        )
    if 'expected after' in text:
        return (
            f'comillas mal cerradas en la línea {lines.count} del fichero: tras las comillas que cierran una celda '
            f"debe venir el separador {delimiter!r} (¿comillas sin cerrar o un '\"' sin duplicar dentro del valor?)"
        )
    if 'field limit' in text:
        return (
            f'una celda que empieza en la línea {lines.first} del fichero supera {csv.field_size_limit()} caracteres '
            '(¿comillas sin cerrar?)'
        )
    return f'no se puede leer la línea {lines.count} del fichero ({text})'


def _header(path: Path, reader: Iterator[list[str]], lines: _Lines, delimiter: str) -> list[str]:
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise _error(path.name, f'cabecera ilegible: {_unreadable(exc, lines, delimiter)}') from None
    if not header or not any(cell.strip() for cell in header):
        raise _error(path.name, 'el fichero está vacío o no tiene cabecera')
    columns = [cell.strip() for cell in header]
    if len(columns) == 1 and (foreign := _FOREIGN_SEPARATOR.findall(columns[0])):
        separator = Counter(foreign).most_common(1)[0][0]
        raise _error(
            path.name,
            "la cabecera no tiene ninguno de los separadores admitidos (';', ',' o tabulador) y parece separada por "
            f"{separator!r}: guarde el fichero como CSV separado por ';' o ','",
        )
    duplicated = sorted({c for c in columns if columns.count(c) > 1 and c})
    if duplicated:
        raise _error(path.name, f'columnas repetidas en la cabecera: {", ".join(duplicated)}')
    return columns


def read_header(path: Path) -> list[str]:
    """The header of a CSV, trimmed; raises CsvError for an empty file, an empty header or another separator."""
    path = Path(path)
    dialect = detect_dialect(path)
    with path.open(encoding=dialect.encoding, newline='') as handle:
        lines = _Lines(handle)
        return _header(path, csv.reader(lines, delimiter=dialect.delimiter, strict=True), lines, dialect.delimiter)


def _other_separator(raw: str, delimiter: str, width: int) -> str | None:
    """The admitted separator that splits a row short under ``delimiter`` into exactly the header's ``width`` cells."""
    for other in DELIMITERS.replace(delimiter, ''):
        try:
            if len(next(csv.reader(io.StringIO(raw, newline=''), delimiter=other), [])) == width:
                return other
        except csv.Error:
            continue
    return None


def column_letter(position: int) -> str:
    """The spreadsheet letter of a 1-based column position: 1 -> A, 27 -> AA."""
    letters = ''
    while position > 0:
        position, rest = divmod(position - 1, 26)
        letters = chr(ord('A') + rest) + letters
    return letters


#: How a filled cell under an empty header cell is keyed in a row (``unnamed_column``).
_UNNAMED = re.compile(r'\(sin nombre: columna (\d+)\)')


def unnamed_column(position: int) -> str:
    """The key of a filled cell whose header cell is empty (1-based ``position``); see ``unnamed_position``."""
    return f'(sin nombre: columna {position})'


def unnamed_position(key: str) -> int | None:
    """The 1-based position of an ``unnamed_column`` key, or None for a named column."""
    found = _UNNAMED.fullmatch(key)
    return int(found.group(1)) if found else None


def row_values(columns: Sequence[str], cells: Sequence[str]) -> dict[str, str]:
    """{column: trimmed cell} of one data row. A column whose header cell is empty (trailing separators, a spreadsheet
    that padded its range) is left out while its cells are empty; a filled one is kept as ``unnamed_column``."""
    values: dict[str, str] = {}
    for position, column in enumerate(columns, start=1):
        cell = cells[position - 1].strip() if position <= len(cells) else ''
        if column:
            values[column] = cell
        elif cell:
            values[unnamed_column(position)] = cell
    return values


def iter_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (row number, {column: trimmed value}) for every non-blank data row (``row_values``).

    Cells beyond the header's width are refused unless they are all empty (a spreadsheet that pads its rows)."""
    path = Path(path)
    dialect = detect_dialect(path)
    delimiter = dialect.delimiter
    with path.open(encoding=dialect.encoding, newline='') as handle:
        lines = _Lines(handle)
        reader = csv.reader(lines, delimiter=delimiter, strict=True)
        columns = _header(path, reader, lines, delimiter)
        row_number = 0
        while True:
            lines.raw.clear()
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise _error(path.name, _unreadable(exc, lines, delimiter), row_number + 1) from None
            row_number += 1
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) > len(columns) and any(cell.strip() for cell in cells[len(columns) :]):
                raise _error(
                    path.name,
                    f'tiene {len(cells)} celdas y la cabecera {len(columns)} columnas'
                    f" (¿separador distinto o un '{delimiter}' sin comillas dentro de un valor?)",
                    row_number,
                )
            if len(cells) < len(columns) and (other := _other_separator(''.join(lines.raw), delimiter, len(columns))):
                raise _error(
                    path.name,
                    f'separador distinto del de la cabecera: la cabecera separa con {delimiter!r} y esta fila con '
                    f'{other!r} (se leería como {len(cells)} celda(s)); use el mismo separador en todo el fichero',
                    row_number,
                )
            yield row_number, row_values(columns, cells)


def read_row(path: Path, row: int | None = None, match: tuple[str, str] | None = None) -> tuple[int, dict[str, str]]:
    """One data row, by number (1 = first after the header) or by ``column=value``."""
    path = Path(path)
    if not path.is_file():
        raise _error(str(path), 'no existe el fichero')
    if match is not None:
        column, wanted = match
        if column not in read_header(path):
            raise _error(path.name, f'no hay columna {column!r} para --match')
        for number, values in iter_rows(path):
            if values.get(column, '') == wanted:
                return number, values
        raise _error(path.name, f'ninguna fila tiene {column}={wanted!r}')
    wanted_row = row or 1
    for number, values in iter_rows(path):
        if number == wanted_row:
            return number, values
    raise _error(path.name, f'no hay fila {wanted_row} con datos')
