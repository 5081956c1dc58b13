"""How a batch reads its inputs: each dataset's table (a CSV file or a workbook sheet) through its column profile
(``core.columns``), the same way for the validation, the run and the preflight.

``Batch.reading`` keeps, in the checkpoint, what reading needs beyond the paths: per table its sheet, profile and
profile file (``tables``), the operator's mapping file (``column_map``), ``ignore_unknown_columns``, the target
organisation the inputs' own org columns must name (``org_id``) and whether the results are also written as a
workbook (``results_xlsx``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from transformacion.core.catalog import Catalog, dataset_columns, key_columns
from transformacion.core.columns import GLOBAL, License, MappedTable, Table, load_profile
from transformacion.core.params import DATASETS

if TYPE_CHECKING:
    from transformacion.batch.options import Batch


def table_of(batch: Batch, dataset: str) -> Table | None:
    """Where ``dataset`` (or ``global``) is read from, or None when the batch has no such table."""
    path = batch.global_csv if dataset == GLOBAL else batch.sources.get(dataset)
    if path is None:
        return None
    spec = (batch.reading.get('tables') or {}).get(dataset) or {}
    return Table(path, spec.get('sheet'))


def table_name(batch: Batch, dataset: str) -> str:
    """The table of ``dataset`` as messages name it (``usuarios.csv``, ``libro.xlsx, hoja usuarios``)."""
    table = table_of(batch, dataset)
    return table.name if table else ''


def all_keys(catalog: Catalog) -> set[str]:
    """Every key column of every dataset (they never go in global.csv)."""
    return {column for dataset in DATASETS for column in key_columns(catalog, dataset)}


def open_table(batch: Batch, dataset: str, catalog: Catalog) -> MappedTable:
    """The table of ``dataset`` read as our columns (``core.columns.MappedTable``). CsvError when its header cannot
    be read; ProfileError when its mapping file no longer can."""
    table = table_of(batch, dataset)
    assert table is not None, dataset
    spec_ref = (batch.reading.get('tables') or {}).get(dataset) or {}
    profile = spec = None
    if spec_ref.get('profile'):
        profile = load_profile(spec_ref['profile'])
        spec = next(s for s in profile.files if s.name == spec_ref['file'])
    return MappedTable(
        table,
        dataset,
        dataset_columns(catalog),
        profile=profile,
        spec=spec,
        ignore_unknown=bool(batch.reading.get('ignore_unknown_columns')),
        org_id=batch.reading.get('org_id'),
        keys=all_keys(catalog),
    )


def license_reader(api: Any, org_id: str | None, policy: Any = None, *, log: Any) -> Callable[[], Sequence[License]]:
    """The organisation's licenses, read when first asked (``GET /licenses``, retried like any read), with the
    exchange written to ``log``."""
    from transformacion.core.columns import org_licenses
    from transformacion.core.evidence import logging_to
    from transformacion.core.retry import _invoke_with_retry_after

    def read() -> Sequence[License]:
        with logging_to(log):
            return _invoke_with_retry_after(org_licenses, api, org_id, policy=policy, log=log)

    return read


def dataset_rows(
    batch: Batch, dataset: str, catalog: Catalog, *, licenses: Callable[[], Sequence[License]] | None = None
) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number, {our column: text}) of every row of ``dataset`` that the run executes, as validated (service
    columns resolved with ``licenses`` when given). CsvError when the table cannot be read."""
    for number, values, _ in open_table(batch, dataset, catalog).rows(licenses):
        yield number, values


def results_workbook(results_csv: Path) -> Path:
    """``results_manual.xlsx`` beside ``results_manual.csv``, with the same cells: one sheet ``resultados``, text
    cells, header frozen and with filters (see ``core.workbook.write_workbook``)."""
    from transformacion.core.csvfiles import iter_rows, read_header, unprotect
    from transformacion.core.workbook import Sheet, write_workbook

    columns = read_header(results_csv)
    rows = ([unprotect(row.get(column, '')) for column in columns] for _, row in iter_rows(results_csv))
    path = results_csv.with_suffix('.xlsx')
    write_workbook(path, [Sheet('resultados', columns, rows)])
    return path
