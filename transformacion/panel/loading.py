"""Load: an input folder under the input root, uploaded files or the form of one action, read and validated by the
launcher's own code (``batch.options.batch_from_folder``, ``batch.validation.preflight``): the same batch and the
same list of problems the CLI gives."""

from __future__ import annotations

import csv
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from transformacion.batch.inputs import dataset_rows
from transformacion.batch.options import Batch, NotStarted, batch_from_folder
from transformacion.batch.validation import preflight
from transformacion.core.catalog import DATASETS, GLOBAL_CSV, Catalog
from transformacion.core.csvfiles import CsvError
from transformacion.panel.security import confined

#: What an upload may be named: a dataset CSV, global.csv or a workbook, nothing with a path.
UPLOAD_NAME = re.compile(r'^[\w .()-]{1,120}\.(csv|xlsx|xlsm)$', re.IGNORECASE)
#: Rows of each dataset shown (and offered to single mode) after loading.
PREVIEW_ROWS = 200


@dataclass(frozen=True)
class Loaded:
    """An input as loaded: the folder the batch reads (under the input root or the uploads folder) and how the
    operator names it."""

    id: str
    folder: Path
    label: str


def folders(root: Path) -> list[str]:
    """The folders under ``root`` (``root`` itself as ``.``) holding at least one dataset or a workbook, relative,
    sorted; at most three levels deep."""
    names = {name.lower() for name in DATASETS.values()}
    found = []
    for path in sorted([root, *root.glob('*'), *root.glob('*/*'), *root.glob('*/*/*')]):
        if path.is_dir() and any(
            child.name.lower() in names or child.suffix.lower() in ('.xlsx', '.xlsm') for child in path.iterdir()
        ):
            found.append(str(path.relative_to(root)) if path != root else '.')
    return found


def save_uploads(files: list[tuple[str, bytes]], uploads: Path) -> Path:
    """Write uploaded files (name, content) to a new folder under ``uploads``; ValueError for a name that is not a
    plain dataset, global.csv or workbook name."""
    folder = uploads / uuid.uuid4().hex[:12]
    folder.mkdir(parents=True)
    for name, content in files:
        if not UPLOAD_NAME.match(name) or Path(name).name != name:
            raise ValueError(f'nombre de fichero no admitido: {name!r} (solo .csv, .xlsx o .xlsm, sin carpetas)')
        (confined(folder, name)).write_bytes(content)
    return folder


def save_form(action: Any, values: dict[str, str], uploads: Path, global_row: dict[str, str] | None = None) -> Path:
    """The form of one action filled by hand, written as a one-row dataset CSV (the action's CSV columns) in a new
    folder under ``uploads``, so that it is read and typed exactly as a file would be."""
    folder = uploads / uuid.uuid4().hex[:12]
    folder.mkdir(parents=True)
    columns = [param.csv_column for param in action.params]
    with (folder / DATASETS[action.domain]).open('w', encoding='utf-8', newline='') as handle:
        writer = csv.writer(handle, delimiter=';')
        writer.writerow(columns)
        writer.writerow([values.get(column, '') for column in columns])
    if global_row:
        with (folder / GLOBAL_CSV).open('w', encoding='utf-8', newline='') as handle:
            writer = csv.writer(handle, delimiter=';')
            writer.writerow(list(global_row))
            writer.writerow(list(global_row.values()))
    return folder


def make_batch(
    folder: Path,
    catalog: Catalog,
    actions: list[str] | None = None,
    *,
    row: int | None = None,
    dry_run: bool = False,
    chunk_size: int | None = None,
    reading: dict[str, Any] | None = None,
) -> tuple[Batch, list[str]]:
    """The launcher's batch over ``folder`` (``batch_from_folder``, ``reading`` its input options) and its notices;
    NotStarted as the launcher."""
    notices: list[str] = []
    extra = {'chunk_size': chunk_size} if chunk_size else {}
    batch = batch_from_folder(
        folder,
        ','.join(actions) if actions else None,
        catalog=catalog,
        row=row,
        dry_run=dry_run,
        reading=reading,
        notices=notices,
        **extra,
    )
    return batch, notices


def validate(folder: Path, catalog: Catalog, actions: list[str] | None = None) -> dict[str, Any]:
    """What loading ``folder`` shows: the datasets with their rows (the first ``PREVIEW_ROWS``), the notices, every
    validation problem as {file, row, column, value, why} and the tasks per action, or ``error`` when the folder
    cannot make a batch at all."""
    try:
        batch, notices = make_batch(folder, catalog, actions)
    except NotStarted as exc:
        return {'error': str(exc), 'problems': [], 'datasets': {}, 'notices': [], 'actions': []}
    found = preflight(batch, catalog)
    datasets = {}
    for dataset, path in batch.sources.items():
        rows: list[dict[str, Any]] = []
        try:
            for number, values in dataset_rows(batch, dataset, catalog):
                if len(rows) < PREVIEW_ROWS:
                    rows.append({'row': number, 'values': values})
        except CsvError:
            pass  # the problems list says why
        datasets[dataset] = {'file': Path(path).name, 'rows': rows}
    return {
        'error': None,
        'actions': list(batch.actions),
        'notices': notices,
        'datasets': datasets,
        'problems': [
            {'file': p.file, 'row': p.row, 'column': p.column, 'value': p.value, 'why': p.why} for p in found.problems
        ],
        'lines': found.lines,
        'tasks': found.tasks,
    }
