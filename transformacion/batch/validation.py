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
from transformacion.batch.options import Batch
from transformacion.core.arguments import _params_for_script, merge_arguments
from transformacion.core.catalog import DATASETS, Catalog, applies, dataset_columns, key_columns, plan
from transformacion.core.cli import refuse_if_in_development
from transformacion.core.csvfiles import FORMULA_WHY, CsvError, iter_rows, looks_like_formula, read_header
from transformacion.core.outcome import InvalidParams, Problem, Rejected
from transformacion.core.params import Action

FIX_OR_SKIP = 'corríjalos o use --skip-invalid para ejecutar las filas válidas'


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


def _read_global(path: str | None, catalog: Catalog, store: Checkpoint) -> dict[str, str]:
    if path is None:
        return {}
    name = Path(path).name
    columns = set().union(*dataset_columns(catalog).values())
    keys: dict[str, list[str]] = {}
    for dataset, file in DATASETS.items():
        for column in key_columns(catalog, dataset):
            keys.setdefault(column, []).append(file)
    try:
        header = read_header(Path(path))
        rows = [values for _, values in itertools.islice(iter_rows(Path(path)), 2)]
    except CsvError as exc:
        store.add_problem(name, exc.row, '', '', exc.why)
        return {}
    for column in header:
        if column in keys:
            store.add_problem(name, None, column, '', f'es la clave de cada fila: va en {" / ".join(keys[column])}')
        elif column not in columns:
            store.add_problem(
                name,
                None,
                column,
                '',
                'no es un parámetro declarado de ninguna acción (vea python -m transformacion --format markdown)',
            )
    if len(rows) != 1:
        store.add_problem(name, None, '', '', 'debe tener exactamente una fila de datos bajo la cabecera')
    usable = columns - set(keys) - set(_formulas(name, 1, rows[0] if rows else {}, store))
    return {column: value for column, value in (rows[0] if rows else {}).items() if column in usable and value}


@dataclass(frozen=True)
class _Scope:
    """What validating the rows of one dataset needs."""

    dataset: str
    file: str
    keys: tuple[str, ...]
    actions: tuple[Action, ...]
    seqs: dict[str, int]
    global_row: dict[str, str]


def _formulas(file: str, number: int, row: dict[str, str], store: Checkpoint) -> list[str]:
    """The columns of ``row`` holding a formula (see ``csvfiles.looks_like_formula``), each recorded as a problem."""
    columns = [column for column, value in row.items() if looks_like_formula(value)]
    for column in columns:
        store.add_problem(file, number, column, row[column], FORMULA_WHY)
    return columns


def _column_problems(scope: _Scope, header: list[str], columns: dict[str, set[str]], store: Checkpoint) -> None:
    own = columns[scope.dataset]
    for column in header:
        if column not in own:
            owners = [DATASETS[other] for other, owned in columns.items() if column in owned]
            why = (
                f'la columna pertenece a {" / ".join(owners)}, no a {scope.file}'
                if owners
                else f'columna desconocida; columnas de {scope.file}: {", ".join(sorted(own))}'
            )
            store.add_problem(scope.file, None, column, '', why)


def _validate_dataset(scope: _Scope, path: Path, batch: Batch, catalog: Catalog, store: Checkpoint) -> None:
    try:
        _column_problems(scope, read_header(path), dataset_columns(catalog), store)
        found, empty = False, True
        for ordinal, (number, row) in enumerate(iter_rows(path)):
            empty = False
            if batch.row is None or number == batch.row:
                found = True
                _validate_row(scope, number, ordinal // batch.chunk_size, row, store)
    except CsvError as exc:
        store.add_problem(scope.file, exc.row, '', '', exc.why)
        return
    if empty:
        why = 'no tiene ninguna fila de datos bajo la cabecera (¿exportación incompleta?): el lote no haría nada'
        store.add_problem(scope.file, None, '', '', why)
    elif batch.row is not None and not found:
        store.add_problem(scope.file, batch.row, '', '', f'no hay fila {batch.row} con datos')


def _validate_row(scope: _Scope, number: int, chunk: int, row: dict[str, str], store: Checkpoint) -> None:
    entity = ' / '.join(row.get(column, '') for column in scope.keys)
    row_problem = None
    if entity.strip(' /'):
        first = store.claim_entity(scope.dataset, entity, number)
        if first != number:
            row_problem = f'clave repetida: {entity!r} ya está en la fila {first} de {scope.file}'
            store.add_problem(scope.file, number, scope.keys[0], entity, row_problem)
    formulas = _formulas(scope.file, number, row, store)
    if formulas and row_problem is None:
        row_problem = f'columna {formulas[0]}: {FORMULA_WHY}'
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
            status, message = 'rejected', exc.message
            for problem in exc.problems:
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
        global_row = _read_global(batch.global_csv, catalog, store)
        for dataset, path in batch.sources.items():
            actions = tuple(a for _, group in phases for a in group if a.domain == dataset)
            keys = key_columns(catalog, dataset)
            scope = _Scope(dataset, Path(path).name, keys, actions, seqs, global_row)
            _validate_dataset(scope, Path(path), batch, catalog, store)
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
        for dataset, path in batch.sources.items():
            file = Path(path).name
            for task in store.tasks(dataset, status='rejected'):
                if (file, task.row) not in covered:
                    problems.append(Problem(file, task.row, '', '', task.message))
                    lines.append(f'{file}, fila {task.row}: {task.message}')
        return Preflight(problems, lines, store.counts('action'))
    finally:
        store.close()
