"""Validation of a whole batch before any write: every row of every dataset is streamed once against the actions'
declarations; one task per row x action (pending, or already skipped / rejected with why) and every problem (file,
row, column, value, why) go to the checkpoint.

The same function serves the launcher, the bulk runner and the offline preflight of ``inspeccionar_parametros``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from transformacion.batch.checkpoint import Checkpoint
from transformacion.batch.inputs import open_table, table_name
from transformacion.batch.options import Batch
from transformacion.core.arguments import GLOBAL_ORIGIN, REQUIRED, _params_for_script, merge_arguments
from transformacion.core.catalog import Catalog, applies, key_columns, plan
from transformacion.core.cli import refuse_if_in_development
from transformacion.core.columns import GLOBAL, MappedTable, ProfileError, RowProblem
from transformacion.core.csvfiles import FORMULA_WHY, CsvError, looks_like_formula
from transformacion.core.outcome import InvalidParams, Problem, Rejected
from transformacion.core.params import Action

FIX_OR_SKIP = 'corríjalos o use --skip-invalid para ejecutar las filas válidas'
#: The message of a row refused only for a required column whose header is misspelt (listed once, on the header).
HEADER_CAUSE = 'falta una columna obligatoria con la cabecera mal escrita'
NO_ROWS = (
    'no tiene ninguna fila de datos bajo la cabecera, y ningún otro dataset del lote tiene filas (¿exportación '
    'incompleta?): el lote no haría nada'
)


def describe_problem(problem: Problem) -> str:
    """A problem as the launcher lists it: ``file, fila N, columna C: valor 'v': why`` (absent parts left out)."""
    where = [problem.file]
    where += [f'fila {problem.row}'] if problem.row else []
    where += [f'columna {problem.column}'] if problem.column else []
    shown = f': valor {problem.value!r}' if problem.value else ''
    return f'{", ".join(where)}{shown}: {problem.why}'


def typed_params(
    action: Action, row: dict[str, str], global_row: dict[str, str], file: str, number: int
) -> dict[str, Any]:
    """The typed parameters of ``action`` for row ``number`` of ``file`` (the row wins over global.csv), as the
    single run types them; InvalidParams lists every problem with its file, row and column."""
    raw, origins = merge_arguments(action, {}, row, (file, number), global_row)
    context = {**global_row, **{column: value for column, value in row.items() if value}}
    return _params_for_script(action, raw, origins, context)


def _record(table: MappedTable, number: int | None, problems: list[RowProblem], store: Checkpoint) -> None:
    for problem in problems:
        store.add_problem(table.name, number, problem.column, problem.value, problem.why)


def _header_problems(table: MappedTable, store: Checkpoint) -> None:
    for problem in table.header_problems:
        store.add_problem(table.name, None, problem.column, '', problem.why)


def _read_global(batch: Batch, catalog: Catalog, store: Checkpoint) -> tuple[dict[str, str], MappedTable | None]:
    """The global row (its usable values) and its table; None when the batch has no global table."""
    if batch.global_csv is None:
        return {}, None
    name = table_name(batch, GLOBAL)
    try:
        table = open_table(batch, GLOBAL, catalog)
        _header_problems(table, store)
        rows = list(itertools.islice(table.rows(), 2))
    except CsvError as exc:
        store.add_problem(name, exc.row, '', '', exc.why)
        return {}, None
    if len(rows) != 1:
        store.add_problem(name, None, '', '', 'debe tener exactamente una fila de datos bajo la cabecera')
    values = rows[0][1] if rows else {}
    if rows:
        _record(table, 1, rows[0][2], store)
    formulas = set(_formulas(table, 1, values, store))
    return {column: value for column, value in values.items() if column not in formulas and value}, table


@dataclass(frozen=True)
class _Scope:
    """What validating the rows of one dataset needs."""

    dataset: str
    table: MappedTable
    keys: tuple[str, ...]
    actions: tuple[Action, ...]
    seqs: dict[str, int]
    global_row: dict[str, str]
    global_table: MappedTable | None

    @property
    def file(self) -> str:
        return self.table.name

    def where(self, problem: Problem) -> Problem:
        """A problem of our typing named as the operator's file says it: its table and source column."""
        if problem.file == GLOBAL_ORIGIN[0] and self.global_table is not None:
            table = self.global_table
        elif problem.file == self.file:
            table = self.table
        else:
            return problem
        return Problem(table.name, problem.row, table.source_of(problem.column), problem.value, problem.why)

    def misspelt(self, problem: Problem) -> str | None:
        """The unknown header whose "did you mean" names the required column ``problem`` says is missing (the
        header problem already says it: one cause, one problem), or None."""
        if problem.why != REQUIRED or problem.value:
            return None
        tables = [self.table] + ([self.global_table] if self.global_table is not None else [])
        return next((t.suggested[problem.column] for t in tables if problem.column in t.suggested), None)


def _formulas(table: MappedTable, number: int, row: dict[str, str], store: Checkpoint) -> list[str]:
    """The columns of ``row`` holding a formula (see ``csvfiles.looks_like_formula``), each recorded as a problem."""
    columns = [column for column, value in row.items() if looks_like_formula(value)]
    for column in columns:
        store.add_problem(table.name, number, table.source_of(column), row[column], FORMULA_WHY)
    return columns


def _validate_dataset(scope: _Scope, batch: Batch, store: Checkpoint) -> bool:
    """Validate every row of one dataset; whether it had any row."""
    table = scope.table
    found, empty = False, True
    try:
        _header_problems(table, store)
        for ordinal, (number, row, problems) in enumerate(table.rows()):
            empty = False
            if batch.row is None or number == batch.row:
                found = True
                _record(table, number, problems, store)
                mapping = f'columna {problems[0].column}: {problems[0].why}' if problems else None
                _validate_row(scope, number, ordinal // batch.chunk_size, row, store, mapping)
    except CsvError as exc:
        store.add_problem(scope.file, exc.row, '', '', exc.why)
        return True
    if not empty and batch.row is not None and not found:
        store.add_problem(scope.file, batch.row, '', '', f'no hay fila {batch.row} con datos')
    return not empty


def _validate_row(
    scope: _Scope, number: int, chunk: int, row: dict[str, str], store: Checkpoint, mapping: str | None = None
) -> None:
    entity = ' / '.join(row.get(column, '') for column in scope.keys)
    row_problem = mapping
    if entity.strip(' /'):
        first = store.claim_entity(scope.dataset, entity, number)
        if first != number:
            duplicated = f'clave repetida: {entity!r} ya está en la fila {first} de {scope.file}'
            row_problem = row_problem or duplicated
            store.add_problem(scope.file, number, scope.table.source_of(scope.keys[0]), entity, duplicated)
    formulas = _formulas(scope.table, number, row, store)
    if formulas and row_problem is None:
        row_problem = f'columna {scope.table.source_of(formulas[0])}: {FORMULA_WHY}'
    for action in scope.actions:
        status, message = 'pending', ''
        try:
            refuse_if_in_development(action)
            if not applies(action, row, scope.global_row):
                own = ', '.join(p.csv_column for p in action.request_params)
                status, message = 'skipped', f'no aplica: la fila no rellena ninguna columna de {action.name} ({own})'
            elif row_problem:
                status, message = 'rejected', row_problem
            else:
                typed_params(action, row, scope.global_row, scope.file, number)
        except InvalidParams as exc:
            kept = [problem for problem in exc.problems if scope.misspelt(problem) is None]
            said = [f'{scope.misspelt(p)} (¿{p.column}?)' for p in exc.problems if scope.misspelt(p) is not None]
            message = InvalidParams(kept).message if kept else f'{HEADER_CAUSE}: {", ".join(said)}'
            status = 'rejected'
            for problem in map(scope.where, kept):
                store.add_problem(problem.file, problem.row, problem.column, problem.value, problem.why)
        except Rejected as exc:
            status, message = 'rejected', exc.message
        store.add_task(
            scope.dataset,
            number,
            action.name,
            seq=scope.seqs[action.name],
            chunk=chunk,
            entity=entity,
            status=status,
            message=message,
        )


def validate(batch: Batch, catalog: Catalog, store: Checkpoint) -> int:
    """Stream every row of every dataset once, record one task per row x action and every problem; in one
    transaction, so a run killed meanwhile validates again when resumed. With problems and without
    ``batch.skip_invalid`` the run is rejected: every pending task is skipped and the meta ``state`` is ``rejected``.
    Returns the number of problems. CatalogError when the actions cannot be planned."""
    phases = plan(batch.actions, catalog)
    seqs = {action.name: i for i, action in enumerate(a for _, group in phases for a in group)}
    with store.transaction():
        store.reset_validation()
        global_row, global_table = _read_global(batch, catalog, store)
        empty: list[str] = []
        for dataset in batch.sources:
            actions = tuple(a for _, group in phases for a in group if a.domain == dataset)
            keys = key_columns(catalog, dataset)
            try:
                table = open_table(batch, dataset, catalog)
            except (CsvError, ProfileError) as exc:
                row = exc.row if isinstance(exc, CsvError) else None
                store.add_problem(table_name(batch, dataset), row, '', '', getattr(exc, 'why', str(exc)))
                continue
            scope = _Scope(dataset, table, keys, actions, seqs, global_row, global_table)
            if not _validate_dataset(scope, batch, store):
                empty.append(table.name)
        if empty and len(empty) == len(batch.sources):
            for name in empty:
                store.add_problem(name, None, '', '', NO_ROWS)
        from transformacion.batch.resources import check_batch  # resources types rows with this module

        check_batch(batch, catalog, store, global_row)
        problems = store.problem_count()
        if problems and not batch.skip_invalid:
            store.skip_pending(f'no se ejecuta: el lote tiene {problems} problema(s) de validación; {FIX_OR_SKIP}')
            store.set_meta('state', 'rejected')
        store.set_meta('global_row', global_row)
        store.set_meta('validated', True)
    return problems


@dataclass(frozen=True)
class Preflight:
    """What validating a batch found, without running it: every problem (as found, then one per rejected task whose
    row has none), the same as the launcher lists them, and per action the tasks by status (``pending`` = would run,
    ``skipped`` = does not apply, ``rejected``)."""

    problems: list[Problem]
    lines: list[str]
    tasks: dict[str, dict[str, int]]


def preflight(batch: Batch, catalog: Catalog) -> Preflight:
    """Validate ``batch`` in an in-memory checkpoint (no file, no network) and read back what was found."""
    store = Checkpoint(Path(':memory:'))
    try:
        validate(batch, catalog, store)
        problems = store.problems()
        lines = [describe_problem(problem) for problem in problems]
        covered = {(problem.file, problem.row) for problem in problems}
        for dataset in batch.sources:
            file = table_name(batch, dataset)
            for task in store.tasks(dataset, status='rejected'):
                if (file, task.row) not in covered and not task.message.startswith(HEADER_CAUSE):
                    problems.append(Problem(file, task.row, '', '', task.message))
                    lines.append(f'{file}, fila {task.row}: {task.message}')
        return Preflight(problems, lines, store.counts('action'))
    finally:
        store.close()
