"""Excel workbooks (``.xlsx``) read and written as the product's tables: one sheet per dataset.

Reading: every cell is read as the text a CSV would carry (numbers without a decimal part as digits, booleans as
TRUE/FALSE, dates in ISO form), so a number Excel stored as a number (``34910000001``: the ``+`` is gone) meets the
same clear E.164 error as in a CSV, and a formula cell is read as its formula text (``=SUM(A1:A3)``), which the
formula rule refuses as in a CSV. Rows are numbered as in a CSV: row 1 is the first row under the header.

Writing: one writer (``write_workbook``) for every workbook the product produces: every column typed as text (so
Excel keeps ``+34...``, leading zeros and long numbers as written, also in the cells the operator fills in later),
the header frozen and with filters, mandatory columns in bold with a comment.

openpyxl is imported only when a workbook is read or written, so that commands start fast.
"""

from __future__ import annotations

import datetime
import os
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from transformacion.core.csvfiles import CsvError, column_letter, row_values

#: File name endings read as workbooks.
WORKBOOK_SUFFIXES = ('.xlsx', '.xlsm')
#: Excel's number format for text cells.
TEXT_FORMAT = '@'
_MAX_WIDTH = 60


def is_workbook(path: str | Path) -> bool:
    """Whether ``path`` names a workbook (by its ending: ``.xlsx`` or ``.xlsm``)."""
    return Path(path).suffix.lower() in WORKBOOK_SUFFIXES


def sheet_label(path: str | Path, sheet: str) -> str:
    """How a sheet is named in messages: ``libro.xlsx, hoja usuarios``."""
    return f'{Path(path).name}, hoja {sheet}'


def _open(path: Path) -> Any:
    """The workbook, read only, formulas as written (not their cached results). CsvError when it cannot be read."""
    if path.suffix.lower() == '.xls':
        raise CsvError(path.name, 'es un libro de Excel 97-2003 (.xls): guárdelo como «Libro de Excel (.xlsx)»')
    if not path.is_file():
        raise CsvError(str(path), 'no existe el fichero')
    from openpyxl import load_workbook

    try:
        return load_workbook(path, read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise CsvError(path.name, f'no es un libro de Excel (.xlsx) legible ({exc})') from None


def sheet_names(path: str | Path) -> list[str]:
    """The sheet names of a workbook, in order. CsvError when it cannot be read."""
    book = _open(Path(path))
    try:
        return list(book.sheetnames)
    finally:
        book.close()


def find_sheet(names: Sequence[str], wanted: str) -> str | None:
    """The sheet of ``names`` called ``wanted``, ignoring case and surrounding blanks; None when there is none."""
    key = wanted.strip().casefold()
    return next((name for name in names if name.strip().casefold() == key), None)


def cell_text(value: Any) -> str:
    """A cell as the text a CSV would carry: '' for empty, digits for a whole number (``34910000001.0`` ->
    ``34910000001``), TRUE/FALSE, ISO dates, the formula text of a formula."""
    if value is None:
        return ''
    if isinstance(value, bool):
        return 'TRUE' if value else 'FALSE'
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e18 else repr(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    text = getattr(value, 'text', None)  # an array formula
    return str(text if isinstance(text, str) else value)


def _rows(path: Path, sheet: str) -> Iterator[tuple[int, list[str]]]:
    """(sheet row number, cells as text) of every row of ``sheet``."""
    book = _open(path)
    try:
        name = find_sheet(book.sheetnames, sheet)
        if name is None:
            raise CsvError(path.name, f'no tiene la hoja {sheet!r}; hojas: {", ".join(book.sheetnames)}')
        for number, cells in enumerate(book[name].iter_rows(values_only=True), start=1):
            yield number, [cell_text(value) for value in cells]
    finally:
        book.close()


def _header(label: str, cells: list[str]) -> list[str]:
    columns = [cell.strip() for cell in cells]
    while columns and not columns[-1]:
        columns.pop()
    duplicated = sorted({c for c in columns if columns.count(c) > 1 and c})
    if duplicated:
        raise CsvError(label, f'columnas repetidas en la cabecera: {", ".join(duplicated)}')
    return columns


def read_sheet_header(path: str | Path, sheet: str) -> list[str]:
    """The header of a sheet (its first non-empty row), trimmed. CsvError for an empty sheet or repeated names."""
    path = Path(path)
    for _, cells in _rows(path, sheet):
        if any(cell.strip() for cell in cells):
            return _header(sheet_label(path, sheet), cells)
    raise CsvError(sheet_label(path, sheet), 'la hoja está vacía o no tiene cabecera')


def iter_sheet_rows(path: str | Path, sheet: str) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (row number, {column: trimmed text}) for every non-blank row under the header, as ``csvfiles.iter_rows``
    does for a CSV (row 1 is the first row under the header; a filled cell beyond the header is an error)."""
    path = Path(path)
    label = sheet_label(path, sheet)
    columns: list[str] | None = None
    header_row = 0
    for number, cells in _rows(path, sheet):
        if not any(cell.strip() for cell in cells):
            continue
        if columns is None:
            columns, header_row = _header(label, cells), number
            continue
        row = number - header_row
        extra = [(i, cell) for i, cell in enumerate(cells[len(columns) :], start=len(columns) + 1) if cell.strip()]
        if extra:
            position, cell = extra[0]
            raise CsvError(
                label,
                f'la celda {column_letter(position)}{number} ({cell!r}) está fuera de la cabecera: póngale nombre a '
                'la columna o vacíe la celda',
                row,
            )
        yield row, row_values(columns, cells)
    if columns is None:
        raise CsvError(label, 'la hoja está vacía o no tiene cabecera')


@dataclass
class Sheet:
    """One sheet to write: its name, columns and rows (one value per column, ``None`` empty); ``comments`` are notes
    on header cells (column -> text) and ``marked`` the columns whose header is bold (the mandatory ones)."""

    name: str
    columns: Sequence[str]
    rows: Iterable[Sequence[Any]]
    comments: dict[str, str] = field(default_factory=dict)
    marked: set[str] = field(default_factory=set)


def write_workbook(path: str | Path, sheets: Sequence[Sheet]) -> dict[str, int]:
    """Write ``sheets`` as an .xlsx: every cell a text cell (numbers stay as written; a cell starting with ``=`` is
    text, never a formula) in a text-typed column (so are the cells filled in later), header frozen, with filters
    and sized columns. Written to ``<name>.tmp`` and renamed into place; the folder is created when missing.
    Returns the data rows written per sheet."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.comments import Comment
    from openpyxl.styles import Font

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    book = Workbook(write_only=True)
    written: dict[str, int] = {}
    for sheet in sheets:
        ws = book.create_sheet(sheet.name)
        widths = [len(str(column)) for column in sheet.columns]
        rows = [[cell_text(value) for value in row] for row in sheet.rows]
        for row in rows:
            for i, text in enumerate(row[: len(widths)]):
                widths[i] = max(widths[i], len(text))
        for i, width in enumerate(widths, start=1):
            dimension = ws.column_dimensions[column_letter(i)]
            dimension.width = min(_MAX_WIDTH, width + 2)
            dimension.number_format = TEXT_FORMAT
        ws.freeze_panes = 'A2'
        if sheet.columns:
            ws.auto_filter.ref = f'A1:{column_letter(len(sheet.columns))}{len(rows) + 1}'
        header = []
        for column in sheet.columns:
            cell = WriteOnlyCell(ws, value=str(column))
            cell.number_format = TEXT_FORMAT
            if column in sheet.marked:
                cell.font = Font(bold=True)
            if column in sheet.comments:
                cell.comment = Comment(sheet.comments[column], 'transformacion', width=320, height=160)
            header.append(cell)
        ws.append(header)
        for row in rows:
            cells = []
            for text in row:
                cell = WriteOnlyCell(ws, value=text if text != '' else None)
                cell.number_format = TEXT_FORMAT
                if text:
                    cell.data_type = 's'
                cells.append(cell)
            ws.append(cells)
        written[sheet.name] = len(rows)
    partial = path.with_name(path.name + '.tmp')
    book.save(partial)
    os.replace(partial, path)
    return written
