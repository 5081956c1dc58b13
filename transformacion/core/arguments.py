"""The one argument merge (command line > CSV row > global defaults, with the origin of every value) and the typing
and validation of an action's parameters against its declaration."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from transformacion.core.catalog import dataset_columns, load_catalog
from transformacion.core.columns import (
    InputError,
    License,
    MappedTable,
    ProfileError,
    Table,
    detect,
    load_profile,
    own_column,
)
from transformacion.core.csvfiles import FORMULA_WHY, CsvError, looks_like_formula
from transformacion.core.outcome import InvalidParams, Problem, Rejected
from transformacion.core.params import Action, Violation
from transformacion.core.templates import expand, is_template
from transformacion.core.values import MissingCountryCode
from transformacion.core.values import country as iso_country


@dataclass(frozen=True)
class Origin:
    """Where a raw value came from, for error messages."""

    file: str
    row: int | None
    column: str


GLOBAL_ORIGIN = ('global.csv', 1)


#: Why a required parameter found nowhere is refused.
REQUIRED = 'es obligatorio'


def merge_arguments(
    action: Action,
    cli_values: Mapping[str, Any],
    row_values: Mapping[str, str],
    row_origin: tuple[str, int | None] | None = None,
    global_values: Mapping[str, str] | None = None,
) -> tuple[dict[str, Any], dict[str, Origin]]:
    """The one merge of an action's raw values: command line > CSV row > global defaults, with where each came from.

    ``cli_values`` are keyed by parameter name (``None`` = not given); ``row_values`` and ``global_values`` by CSV
    column (``''`` = empty cell, not given). ``row_origin`` is the row's (file name, row number): a value from the
    row, and a parameter found nowhere, are placed there (so that "es obligatorio" names the row's column); global
    values come from ``global.csv`` row 1, command-line values from the option. Returns (raw values by parameter
    name, their origins); nothing is typed or checked here (see ``_params_for_script``).
    """
    values: dict[str, Any] = {}
    origins: dict[str, Origin] = {}
    for param in action.params:
        column = param.csv_column
        given = cli_values.get(param.name)
        if given is not None:
            values[param.name] = given
            origins[param.name] = Origin('argumento', None, param.flag)
        elif row_values.get(column, '') != '':
            values[param.name] = row_values[column]
        elif global_values and global_values.get(column, '') != '':
            values[param.name] = global_values[column]
            origins[param.name] = Origin(*GLOBAL_ORIGIN, column)
        if row_origin is not None and param.name not in origins:
            origins[param.name] = Origin(*row_origin, column)
    return values, origins


def apply_csv_arguments(
    action: Action,
    cli_values: dict[str, Any],
    csv_path: str | Path | None = None,
    *,
    row: int | None = None,
    match: tuple[str, str] | None = None,
    extra: dict[str, str] | None = None,
    sheet: str | None = None,
    column_map: str | None = None,
    licenses: Callable[[], Sequence[License]] | None = None,
) -> tuple[dict[str, Any], dict[str, Origin], list[str]]:
    """Merge the CLI values with one CSV row: the CLI wins, missing required parameters are listed at once.

    The CSV may be a workbook (``sheet``, by default the one named like the action's dataset, or its only sheet) and
    is read through the column profile it matches (a v21 or Control Hub file, or ``column_map``; see
    ``core.columns``), with ``licenses`` resolving the license columns of a Control Hub export. Returns (raw values,
    where each came from, warnings: how the file was read and the columns the action does not use). ``extra``
    holds lower-priority defaults (e.g. the launcher's ``global.csv``). Rejected for an unreadable file, a missing
    row or parameter; InvalidParams for refused cells (formulas, values the profile refuses).
    """
    warnings: list[str] = []
    csv_values: dict[str, str] = {}
    row_origin = None
    suggested: dict[str, str] = {}
    if csv_path is not None:
        table = _table(Path(csv_path), sheet, action)
        try:
            number, csv_values, table_name, warnings, suggested = _read_row(
                action, table, row, match, column_map, licenses
            )
        except (CsvError, InputError, ProfileError) as exc:
            raise Rejected(str(exc)) from None
        row_origin = (table_name, number)
    values, origins = merge_arguments(action, cli_values, csv_values, row_origin, extra)
    missing = [p for p in action.required if p.name not in values and p.default is None]
    if missing:
        names = ', '.join(
            f'{p.flag} (columna {p.csv_column}'
            + (f'; ¿es la columna {suggested[p.csv_column]!r} del fichero?)' if p.csv_column in suggested else ')')
            for p in missing
        )
        raise Rejected(
            f'faltan parámetros obligatorios de {action.name}: {names}', {'missing': [p.name for p in missing]}
        )
    return values, origins, warnings


def _table(path: Path, sheet: str | None, action: Action) -> Table:
    """The table ``--csv`` (and ``--sheet``) names. Rejected when the file is missing or the sheet is not found."""
    from transformacion.core.workbook import find_sheet, is_workbook, sheet_names

    if not path.is_file():
        raise Rejected(f'{path}: no existe el fichero')
    if not is_workbook(path):
        if sheet:
            raise Rejected(f'--sheet solo se usa con un libro de Excel (.xlsx), no con {path.name}')
        return Table(str(path))
    try:
        names = sheet_names(path)
    except CsvError as exc:
        raise Rejected(str(exc)) from None
    chosen = find_sheet(names, sheet or action.domain) or (names[0] if not sheet and len(names) == 1 else None)
    if chosen is None:
        wanted = f'la hoja {sheet!r}' if sheet else f'una hoja {action.domain!r} (indique --sheet)'
        raise Rejected(f'{path.name}: no tiene {wanted}; hojas: {", ".join(names)}')
    return Table(str(path), chosen)


def _read_row(
    action: Action,
    table: Table,
    row: int | None,
    match: tuple[str, str] | None,
    column_map: str | None,
    licenses: Callable[[], Sequence[License]] | None,
    readable: set[str] | None = None,
) -> tuple[int, dict[str, str], str, list[str], dict[str, str]]:
    """(row number, {our column: text}, table name, warnings, {our column: the unknown header that looks like it})
    of the chosen row of ``table``; ``readable`` widens the columns read beyond the action's own (e.g. every column
    of its dataset)."""
    known = {param.csv_column for param in action.params}
    columns = {action.domain: known | (readable or set())}
    found = detect(table, action.domain, columns, column_map=load_profile(column_map) if column_map else None)
    profile, spec = found if found else (None, None)
    mapped = MappedTable(table, action.domain, columns, profile=profile, spec=spec)
    warnings = [notice.removeprefix('aviso: ') for notice in mapped.notices]
    unknown = [problem.column for problem in mapped.header_problems]
    if unknown:
        warnings.append(f'{mapped.name}: columnas que {action.name} no usa (ignoradas): {", ".join(unknown)}')
    wanted = (own_column(match[0], mapped.ours) or match[0]) if match else None
    seen_column = False
    for number, values, problems in mapped.rows(licenses):
        seen_column = seen_column or (wanted in values)
        chosen = values.get(wanted, '') == match[1] if match else number == (row or 1)
        if not chosen:
            continue
        problems = [Problem(mapped.name, number, p.column, p.value, p.why) for p in problems]
        problems += [
            Problem(mapped.name, number, mapped.source_of(column), value, FORMULA_WHY)
            for column, value in values.items()
            if column in known and looks_like_formula(value)
        ]
        if problems:
            raise InvalidParams(problems)
        return number, values, mapped.name, warnings + mapped.value_notices(), mapped.suggested
    if match:
        if not seen_column:
            raise CsvError(mapped.name, f'no hay columna {wanted!r} para --match')
        raise CsvError(mapped.name, f'ninguna fila tiene {wanted}={match[1]!r}')
    raise CsvError(mapped.name, f'no hay fila {row or 1} con datos')


def row_context(
    action: Action,
    csv_path: str | Path | None,
    *,
    row: int | None = None,
    match: tuple[str, str] | None = None,
    sheet: str | None = None,
    column_map: str | None = None,
) -> dict[str, str]:
    """Every filled column of the row a single run reads (``{}`` without a CSV), read as ``apply_csv_arguments``
    reads it: the context of ``_params_for_script``."""
    if csv_path is None:
        return {}
    try:
        every = dataset_columns(load_catalog())[action.domain]
        table = _table(Path(csv_path), sheet, action)
        _, found, _, _, _ = _read_row(action, table, row, match, column_map, None, every)
    except (CsvError, InputError, ProfileError, Rejected):
        return {}
    return {column: value for column, value in found.items() if value}


def _region(values: dict[str, Any], context: Mapping[str, str]) -> str | None:
    """The country of the row's location, when known offline: the action's own ``country``, else the row's or
    global.csv's ``country`` column; None when absent or not an ISO 3166 code."""
    for raw in (values.get('country'), context.get('country')):
        if isinstance(raw, str) and raw.strip():
            try:
                return iso_country(raw)
            except ValueError:
                return None
    return None


def _params_for_script(
    action: Action,
    values: dict[str, Any],
    origins: dict[str, Origin] | None = None,
    context: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Coerce raw values to their declared types and check the action's rules between parameters; every problem at
    once (InvalidParams naming file, row, column, value and why), before any I/O.

    ``context``: the other columns of the row and of global.csv (by CSV column, the row first); it only completes
    hints: a number without country code names its E.164 form when the row's location ``country`` is known.
    Used alike by the single run, the launcher's validation and the offline preflight.
    """
    origins = origins or {}
    context = context or {}
    typed: dict[str, Any] = {}
    problems: list[Problem] = []
    for param in action.params:
        raw = values.get(param.name)
        origin = origins.get(param.name, Origin('argumento', None, param.flag))
        if raw is None or raw == '':
            if param.required and param.default is None:
                problems.append(Problem(origin.file, origin.row, origin.column, '', REQUIRED))
            typed[param.name] = param.default
            continue
        if not isinstance(raw, str):
            typed[param.name] = raw
            continue
        if '\x00' in raw:
            problems.append(Problem(origin.file, origin.row, origin.column, raw.replace('\x00', '\\0'), 'contiene NUL'))
            continue
        if param.template and is_template(raw):
            try:
                text = expand(raw, {**context, **_own_columns(action, values)})
            except ValueError as exc:
                problems.append(Problem(origin.file, origin.row, origin.column, raw, str(exc)))
                continue
        else:
            text = raw
        try:
            typed[param.name] = param.coerce(text)
        except MissingCountryCode as exc:
            problems.append(
                Problem(origin.file, origin.row, origin.column, text, exc.with_country(_region(values, context)))
            )
        except ValueError as exc:
            shown = raw if text == raw else f'{raw} -> {text}'
            problems.append(Problem(origin.file, origin.row, origin.column, shown, str(exc)))
    for rule in action.rules:
        violation = rule.check(action, values, typed)
        if violation is not None:
            problems.append(_rule_problem(action, violation, origins))
    if problems:
        raise InvalidParams(problems)
    return typed


def _own_columns(action: Action, values: Mapping[str, Any]) -> dict[str, str]:
    """The action's own raw values by CSV column (what a template may name besides the row's other columns)."""
    return {
        param.csv_column: value
        for param in action.params
        if isinstance(value := values.get(param.name), str) and value and not is_template(value)
    }


def _rule_problem(action: Action, violation: Violation, origins: dict[str, Origin]) -> Problem:
    """A broken rule as a Problem: where its parameters came from (their own origin, else the row's), and as the
    column the CSV columns (from a file) or the flags (from the command line) it names."""
    named = [origins[name] for name in violation.params if name in origins]
    rows = [origin for origin in origins.values() if origin.row is not None and origin.file != 'global.csv']
    where = next(iter(named or rows), None)
    params = [action.param(name) for name in violation.params]
    if where is None or where.row is None:
        return Problem('argumento', None, ', '.join(p.flag for p in params), violation.value, violation.why)
    return Problem(where.file, where.row, ', '.join(p.csv_column for p in params), violation.value, violation.why)
