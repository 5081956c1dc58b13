"""History: every run under ``<log dir>/runs`` (started from the CLI or the panel), read through the checkpoint's
typed API (``batch.checkpoint``), and each pair's JSONL evidence, masked again before it reaches the browser."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from transformacion.batch.checkpoint import Checkpoint, Task
from transformacion.batch.report import run_state
from transformacion.batch.run import CHECKPOINT_FILE, RUN_ID
from transformacion.core.evidence import has_evidence, read_lines
from transformacion.core.secrets import sanitise

#: The files of a run folder the panel serves for download (everything else stays on disk).
DOWNLOADS = ('results_manual.csv', 'results_manual.xlsx', 'summary.json', 'result.json', 'plan.json', 'plan.csv')


class UnknownRun(LookupError):
    """No run with that id in the logs folder."""


def run_dir(log_dir: Path, run_id: str) -> Path:
    """The folder of ``run_id`` (UnknownRun for a malformed id or a run without checkpoint)."""
    if not RUN_ID.match(run_id):
        raise UnknownRun(run_id)
    folder = log_dir / 'runs' / run_id
    if not (folder / CHECKPOINT_FILE).is_file():
        raise UnknownRun(run_id)
    return folder


@contextmanager
def opened(folder: Path) -> Iterator[Checkpoint]:
    store = Checkpoint(folder / CHECKPOINT_FILE)
    try:
        yield store
    finally:
        store.close()


def _task(task: Task) -> dict[str, Any]:
    return {
        'dataset': task.dataset,
        'row': task.row,
        'action': task.action,
        'entity': task.entity,
        'status': task.status,
        'category': task.category,
        'message': task.message,
        'attempts': task.attempts,
        'api_calls': task.api_calls,
        'retries': task.retries,
        'duration_s': task.duration_s,
        'tracking_id': task.tracking_id,
    }


def tasks(store: Checkpoint) -> list[dict[str, Any]]:
    """Every row x action pair of the run, dataset by dataset in the batch's order."""
    batch = store.meta('batch') or {}
    return [_task(task) for dataset in batch.get('sources', {}) for task in store.tasks(dataset)]


def summary(folder: Path) -> dict[str, Any]:
    """One line of the history: id, target org, operator, inputs, dry-run or not, state and counts by status."""
    with opened(folder) as store:
        batch = store.meta('batch') or {}
        target = store.meta('target') or {}
        sessions = store.sessions()
        operator = next((s.operator for s in sessions if s.operator), None) or {}
        return {
            'run_id': folder.name,
            'started_at': sessions[0].started_at if sessions else '',
            'finished_at': sessions[-1].finished_at if sessions else None,
            'org': target.get('org_name') or target.get('org_id') or '',
            'org_id': target.get('org_id') or '',
            'operator': operator.get('webex_user') or operator.get('user') or '',
            'inputs': sorted({str(Path(path).parent) for path in batch.get('sources', {}).values()}),
            'actions': batch.get('actions', []),
            'dry_run': bool(batch.get('dry_run')),
            'script': store.meta('script') or '',
            'state': run_state(store) if batch else 'sin_lote',
            'stopped_by': store.meta('stopped_by'),
            'counts': store.counts_by_status(),
            'sessions': len(sessions),
        }


def runs(log_dir: Path, *, org: str = '', status: str = '', since: str = '', until: str = '') -> list[dict[str, Any]]:
    """The runs of ``log_dir``, newest first (by their first session's start, in milliseconds), filtered by org (name
    or id, contains), state (or ``dry_run`` / ``real``), and start date (``YYYY-MM-DD``, inclusive)."""
    base = log_dir / 'runs'
    found = []
    for folder in sorted(base.iterdir() if base.is_dir() else (), reverse=True):
        if not (RUN_ID.match(folder.name) and (folder / CHECKPOINT_FILE).is_file()):
            continue
        day = f'{folder.name[:4]}-{folder.name[4:6]}-{folder.name[6:8]}'
        if (since and day < since) or (until and day > until):
            continue
        line = summary(folder)
        if org and org.lower() not in f'{line["org"]} {line["org_id"]}'.lower():
            continue
        if status and status not in (line['state'], 'dry_run' if line['dry_run'] else 'real'):
            continue
        found.append(line)
    return sorted(found, key=lambda line: (line['started_at'], line['run_id']), reverse=True)


def detail(folder: Path) -> dict[str, Any]:
    """A run in full: its history line, target, sessions (kind, times, state, operator), batch and every pair."""
    line = summary(folder)
    with opened(folder) as store:
        return {
            **line,
            'target': sanitise(store.meta('target') or {}),
            'batch': store.meta('batch') or {},
            'halted': store.meta('halted'),
            'session_list': [
                {'kind': s.kind, 'started_at': s.started_at, 'finished_at': s.finished_at, 'state': s.state}
                for s in store.sessions()
            ],
            'problems': [
                {'file': p.file, 'row': p.row, 'column': p.column, 'value': p.value, 'why': p.why}
                for p in store.problems()
            ],
            'tasks': tasks(store),
            'downloads': [name for name in DOWNLOADS if (folder / name).is_file()],
        }


def evidence(folder: Path, action: str, dataset: str, row: int) -> list[dict[str, Any]]:
    """The JSONL events of one pair (``<action>.jsonl`` lines whose ``action_id`` is ``action:dataset:row``, its
    rotated ``.jsonl.gz`` segments first: ``core.evidence.read_lines``), in order, masked again
    (``core.secrets.sanitise``) before they leave the process."""
    path = folder / f'{action}.jsonl'
    if action not in _actions(folder) or not has_evidence(path):
        return []
    wanted = f'{action}:{dataset}:{row}'
    events = []
    for line in read_lines(path):
        if wanted not in line:
            continue
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            continue
        if event.get('action_id') == wanted:
            events.append(sanitise(event))
    return events


def _actions(folder: Path) -> set[str]:
    with opened(folder) as store:
        return set((store.meta('batch') or {}).get('actions', []))
