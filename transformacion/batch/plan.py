"""The plan of a dry-run: what a finished ``--dry-run`` found for every row x action, as a file a change board reviews
and ``--apply`` runs (format documented in ``docs/plan.md``; keep it stable: the web panel and the revert read it).

- ``write_plan``: from the dry-run's checkpoint (its tasks, each pair's spec and outcome details as the single-action
  dry-run gives them: ``before``, ``diff``, ``calls``, ``needs_confirmation``), the plan document: a header (format,
  creation time, run id, target org and operator, inputs with their sha256) and one entry per row x action (kind of
  change, typed params, ``input_hash``, ``before`` as the fingerprint of the remote state read, ``desired``, ``diff``
  with values, the exact ``calls``, reasons, what it requires), written as ``plan.json`` and ``plan.csv`` (one line
  per changed field) in the run folder, one entry in memory at a time; ``read_header`` reads back all but the
  entries.
- ``render_table``: the compact table the dry-run prints (per action: create / update / no change / refused /
  blocked / needs ``--yes``).
- ``load_plan`` and ``plan_pairs``: a saved plan read back and checked (format, completeness, unchanged inputs), and
  the pairs ``--apply`` runs (``batch.pairs.Pair``, each guarded by its ``before``), read from the file entry by
  entry (``read_entries``, ``core.jsonstream``) at each pass, never held as a list.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import shutil
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from transformacion.batch.checkpoint import Checkpoint, Task, now
from transformacion.batch.execution import prerequisite_rows
from transformacion.batch.options import NotStarted
from transformacion.batch.pairs import Pair
from transformacion.core import jsonstream, planfile
from transformacion.core.catalog import Catalog, plan
from transformacion.core.columns import GLOBAL
from transformacion.core.context import ANY_STATE
from transformacion.core.csvfiles import write_csv
from transformacion.core.secrets import MASK

PLAN_FILE = 'plan.json'
T = TypeVar('T')
PLAN_CSV = 'plan.csv'


def sha256_file(path: str | Path) -> str:
    """The sha256 (hex) of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, 'rb') as handle:
        for block in iter(lambda: handle.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def _creates(action_name: str, catalog: Catalog) -> bool:
    """Whether an action creates its dataset's entity: none of its prerequisites is of its own dataset."""
    action = catalog[action_name][0]
    return not any(catalog[name][0].domain == action.domain for name in action.depends_on if name in catalog)


def _requires(store: Checkpoint, catalog: Catalog, task: Task, params: dict[str, Any]) -> list[tuple[str, int, str]]:
    """The pairs of the run this pair needs (as the run checks them: ``execution.prerequisite_rows``)."""
    action = catalog[task.action][0]
    found: list[tuple[str, int, str]] = []
    for name in action.depends_on:
        if name not in catalog:
            continue
        for dataset, row in sorted(
            prerequisite_rows(catalog, store, task.dataset, task.row, action, catalog[name][0], params)
        ):
            if store.task(dataset, row, name) is not None:
                found.append((dataset, row, name))
    return found


def _entry(store: Checkpoint, catalog: Catalog, task: Task, phases: dict[str, int]) -> dict[str, Any]:
    spec, details = store.pair_data(task.dataset, task.row, task.action)
    spec, details = spec or {}, details or {}
    blocked = bool(task.blocked_by) or task.category == 'lote_rechazado'
    params = spec.get('params')
    return planfile.entry(
        action=catalog[task.action][0],
        dataset=task.dataset,
        row=task.row,
        entity=task.entity,
        status=task.status,
        category=task.category,
        message=task.message,
        kind=planfile.kind_of(task.status, blocked, details, _creates(task.action, catalog)),
        details=details,
        params=params,
        row_hash=spec.get('input_hash') or '',
        requires=_requires(store, catalog, task, params or {}),
        phase=phases.get(task.action, 0),
    )


def _entries(store: Checkpoint, catalog: Catalog, actions: tuple[str, ...]) -> Iterator[dict[str, Any]]:
    """The plan's entries in run order (phase, dataset, row, the batch's order of actions), read from the checkpoint
    one row at a time."""
    phases = {action.name: index for index, (_, group) in enumerate(plan(actions, catalog)) for action in group}
    datasets = sorted(store.datasets())
    for phase in sorted({phases.get(name, 0) for name in actions} | {0}):
        for dataset in datasets:
            row: list[Task] = []
            for task in itertools.chain(store.tasks(dataset), [None]):
                if row and (task is None or task.row != row[0].row):
                    row.sort(key=lambda pending: actions.index(pending.action))
                    yield from (_entry(store, catalog, pending, phases) for pending in row)
                    row = []
                if task is not None and phases.get(task.action, 0) == phase:
                    row.append(task)


def _header(store: Checkpoint, run_dir: Path, actions: tuple[str, ...]) -> dict[str, Any]:
    """The plan document without its pairs; ``complete`` and ``counts`` are filled once the pairs are read."""
    batch = store.meta('batch') or {}
    sessions = store.sessions()
    operator = next((s.operator for s in reversed(sessions) if s.operator), None) or {}
    fingerprints = store.meta('fingerprints') or {}
    files = {**({GLOBAL: batch['global_csv']} if batch.get('global_csv') else {}), **(batch.get('sources') or {})}
    inputs = [
        {'dataset': dataset, 'path': path, 'sha256': fingerprints.get(path) or sha256_file(path)}
        for dataset, path in files.items()
    ]
    return {
        'format': planfile.FORMAT,
        'created': now(),
        'run_id': run_dir.name,
        'run_dir': str(run_dir),
        'script': store.meta('script') or 'launcher_csv_dependencias',
        'complete': None,
        'validation_rejected': store.meta('state') == 'rejected',
        'target': store.meta('target'),
        'operator': {key: value for key, value in operator.items() if key != 'versions'},
        'versions': operator.get('versions', {}),
        'input_dir': _common_dir([item['path'] for item in inputs]),
        'inputs': inputs,
        'actions': list(actions),
        'counts': {},
    }


def _common_dir(paths: list[str]) -> str:
    return os.path.commonpath([str(Path(path).parent) for path in paths]) if paths else ''


def write_plan(store: Checkpoint, run_dir: Path, catalog: Catalog) -> dict[str, Any]:
    """Write the plan of the dry-run whose checkpoint is ``store`` (see ``docs/plan.md``) as ``plan.json`` and
    ``plan.csv`` (one line per changed field of each create / update: dataset, row, entity, action, field, before,
    after, kind; Excel's ``;`` + BOM through ``core.csvfiles.write_csv``) in ``run_dir``; returns the plan's header
    (the document without ``pairs``).

    The entries are streamed, one in memory at a time (a 100,000-row dry run's plan is about 230 MB of JSON): each is
    written to ``plan.json.pairs.tmp`` and ``plan.csv`` as it is read, then ``plan.json`` is the header followed by
    those entries, the text ``json.dumps(document, indent=2)`` would give, replaced whole."""
    batch = store.meta('batch') or {}
    actions = tuple(batch.get('actions') or ())
    header = _header(store, run_dir, actions)
    found: dict[str, dict[str, int]] = {}
    unfinished = 0
    pairs_path = run_dir / (PLAN_FILE + '.pairs.tmp')
    with pairs_path.open('w', encoding='utf-8') as pairs:

        def written() -> Iterator[dict[str, Any]]:
            nonlocal unfinished
            for index, entry in enumerate(_entries(store, catalog, actions)):
                planfile.count(found, entry)
                unfinished += entry['status'] in ('pending', 'running')
                text = json.dumps(entry, ensure_ascii=False, indent=2, default=str)
                pairs.write((',\n' if index else '\n') + textwrap.indent(text, '    '))
                yield entry

        keys = planfile.key_names({name: action for name, (action, _) in catalog.items()})
        write_csv(run_dir / PLAN_CSV, planfile.CSV_COLUMNS, planfile.csv_lines(written(), keys))
    header['complete'] = store.meta('state') != 'rejected' and not unfinished
    header['counts'] = found
    text = json.dumps(header, ensure_ascii=False, indent=2, default=str)
    partial = run_dir / (PLAN_FILE + '.tmp')
    with partial.open('w', encoding='utf-8') as handle, pairs_path.open(encoding='utf-8') as entries:
        handle.write(text.removesuffix('\n}') + ',\n  "pairs": [')
        shutil.copyfileobj(entries, handle, 1 << 20)
        handle.write(('\n  ]' if pairs_path.stat().st_size else ']') + '\n}\n')
    partial.replace(run_dir / PLAN_FILE)
    pairs_path.unlink()
    return header


def read_header(path: str | Path) -> dict[str, Any]:
    """A saved plan's header (every field but ``pairs``, written last), read without its pairs."""
    header: dict[str, Any] = {}
    with open(path, encoding='utf-8') as handle:
        for key, value in jsonstream.walk_object(handle, 'pairs'):
            if key == 'pairs':
                break
            header[key] = value
    return header


def read_entries(path: str | Path) -> Iterator[dict[str, Any]]:
    """A saved plan's entries (``pairs``) in file order, read one at a time from the file (never the whole list).
    ValueError when the file is not a JSON object."""
    with open(path, encoding='utf-8') as handle:
        for key, value in jsonstream.walk_object(handle, 'pairs'):
            if key == 'pairs':
                yield value


@dataclass(frozen=True)
class Reread(Generic[T]):
    """A collection read again from its source at each iteration, never held: ``make()`` gives a fresh iterator
    (e.g. a saved plan's entries read from the file); ``len`` counts them by iterating unless ``size`` is known."""

    make: Callable[[], Iterator[T]]
    size: int | None = None

    def __iter__(self) -> Iterator[T]:
        return self.make()

    def __len__(self) -> int:
        return self.size if self.size is not None else sum(1 for _ in self.make())


def save_copy(run_dir: Path, destination: str | Path) -> Path:
    """Copy the run's ``plan.json`` to ``destination`` (``--plan-out``), and its ``plan.csv`` beside it (same name,
    ``.csv``); returns the path written."""
    target = Path(destination).expanduser().resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(run_dir / PLAN_FILE, target)
    if target.suffix.lower() != '.csv':
        shutil.copyfile(run_dir / PLAN_CSV, target.with_suffix('.csv'))
    return target


def render_table(document: dict[str, Any]) -> str:
    """The plan table: one line per action with how many pairs create, modify, change nothing, are refused, are
    blocked and need ``--yes``, then the totals."""
    header = ['plan', *(label for _, label in planfile.TABLE)]
    rows = [header]
    total = {kind: 0 for kind, _ in planfile.TABLE}
    for action, line in document['counts'].items():
        rows.append([action, *(str(line[kind]) for kind, _ in planfile.TABLE)])
        for kind, _ in planfile.TABLE:
            total[kind] += line[kind]
    rows.append(['TOTAL', *(str(total[kind]) for kind, _ in planfile.TABLE)])
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [
        '  '.join(cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row))
        for row in rows
    ]
    return '\n'.join([*lines, f'plan: {Path(document["run_dir"]) / PLAN_FILE} (y {PLAN_CSV})'])


# --------------------------------------------------------------------------- applying a saved plan


def load_plan(path: str | Path) -> dict[str, Any]:
    """A saved plan, checked before anything is run: a readable JSON document of ``planfile.FORMAT``, from a batch
    dry-run that finished (not rejected by its validation, no pair left unrun) and read its target, whose inputs still
    exist with the sha256 it recorded, and none of whose creates or updates has a masked parameter. NotStarted naming
    what is wrong.

    The file is walked once entry by entry (``core.jsonstream``: a 100,000-row plan is about 230 MB of JSON), and
    the document returned is its header with ``pairs`` read again from the file at each iteration (``Reread``):
    the list of entries is never held."""
    file = Path(path).expanduser()
    header: dict[str, Any] = {}
    total = 0
    masked = ''
    try:
        with file.open(encoding='utf-8') as handle:
            for key, value in jsonstream.walk_object(handle, 'pairs'):
                if key != 'pairs':
                    header[key] = value
                    continue
                total += 1
                if not masked and _masked(value):
                    masked = str(value.get('id'))
    except FileNotFoundError:
        raise NotStarted(f'no existe el plan {file}') from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise NotStarted(f'el plan {file} no se puede leer como JSON: {exc}') from None
    found = header.get('format')
    if found != planfile.FORMAT:
        raise NotStarted(
            f'{file}: formato de plan desconocido {found!r} (se espera {planfile.FORMAT}); planifique de nuevo'
        )
    if not header.get('complete'):
        raise NotStarted(
            f'{file}: el plan es de una simulación incompleta o rechazada por la validación; planifique de nuevo'
        )
    if not (header.get('target') or {}).get('owner_org_id'):
        raise NotStarted(
            f'{file}: el plan no registra el destino leído (p. ej. el de una acción suelta, {header.get("script")}); '
            'planifique con el lanzador o el bulk runner para aplicarlo con --apply'
        )
    for item in header.get('inputs') or []:
        where = Path(item['path'])
        if not where.is_file():
            raise NotStarted(f'{file}: la entrada {where} ya no existe; planifique de nuevo (nada escrito)')
        current = sha256_file(where)
        if current != item['sha256']:
            raise NotStarted(
                f'{file}: la entrada {where} cambió desde que se planificó (huella del plan {item["sha256"][:12]}, '
                f'actual {current[:12]}); planifique de nuevo (nada escrito)'
            )
    if masked:
        raise NotStarted(_masked_refusal(masked))
    return {**header, 'pairs': Reread(lambda: checked_entries(file), total)}


def checked_entries(file: Path) -> Iterator[dict[str, Any]]:
    """``read_entries`` for a plan that was read once already (``load_plan``, the panel's plan view): a file that
    cannot be read as JSON any more is NotStarted (a saved plan's pairs are read before the run's first write)."""
    try:
        yield from read_entries(file)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise NotStarted(f'el plan {file} no se puede leer como JSON: {exc}') from None


def _masked(entry: dict[str, Any]) -> bool:
    return entry.get('kind') in planfile.APPLIED_KINDS and MASK in json.dumps(entry.get('params'), ensure_ascii=False)


def _masked_refusal(entry_id: str) -> str:
    return f'{entry_id}: el plan tiene parámetros enmascarados ({MASK}); no se puede aplicar'


def plan_pairs(document: dict[str, Any]) -> Reread[Pair]:
    """The pairs ``--apply`` runs: the plan's creates and updates (nothing else), each with its params, its
    ``before`` as the drift guard (none for a pair planned after a prerequisite the same batch applies first), what it
    requires and its phase; made from ``document['pairs']`` at each iteration (a saved plan's are read from its file,
    one entry at a time). NotStarted, when iterated, at a parameter that was masked (``***``): the plan cannot say
    what to write (``load_plan`` refuses such a plan before)."""

    def pairs() -> Iterator[Pair]:
        for entry in document['pairs']:
            if entry['kind'] not in planfile.APPLIED_KINDS:
                continue
            if _masked(entry):
                raise NotStarted(_masked_refusal(entry['id']))
            yield _pair(entry)

    return Reread(pairs)


def _pair(entry: dict[str, Any]) -> Pair:
    return Pair(
        dataset=entry['dataset'],
        row=int(entry['row']),
        action=entry['action'],
        params=entry['params'] or {},
        entity=entry.get('entity') or '',
        expect=entry['before'] if entry.get('guard') else ANY_STATE,
        requires=tuple((dataset, int(row), action) for dataset, row, action in entry.get('requires') or []),
        phase=int(entry.get('phase') or 0),
        input_hash=entry.get('input_hash') or '',
        confirm=(entry.get('confirmation') or 'cambio de alto impacto') if entry.get('needs_confirmation') else '',
    )


def plan_inputs(document: dict[str, Any]) -> dict[str, str]:
    """``{dataset or 'global': path}`` of the plan's inputs."""
    return {item['dataset']: item['path'] for item in document.get('inputs') or []}
