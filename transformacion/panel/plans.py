"""Plan: the ``plan.json`` a dry-run writes in its run folder (``batch.plan``, format in ``docs/plan.md``) shown per
entity (site, person, workspace), and applied as ``--apply`` does (``batch.plan.load_plan`` / ``plan_pairs``,
``batch.run.run_pairs``: exactly its creates and updates, each under its drift guard, bound to the plan's target)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from transformacion.batch.options import NotStarted, Settings
from transformacion.batch.plan import PLAN_FILE, checked_entries, load_plan, plan_inputs, plan_pairs, read_header
from transformacion.batch.report import Report
from transformacion.batch.run import Stop, run_pairs
from transformacion.core.catalog import Catalog
from transformacion.core.planfile import APPLIED_KINDS, TABLE

#: The datasets as the plan groups them, in the operator's words.
GROUPS = {'ubicaciones': 'Ubicación', 'usuarios': 'Persona', 'workspaces': 'Workspace'}


#: Entries of the plan a page of the panel's plan view shows, and the most entries needing confirmation it lists.
PAGE = 200
#: The most entries a page may ask for (``limit``): a page is held in memory, a plan may have 100,000 entries.
MAX_PAGE = 1000
CONFIRM_SHOWN = 200


def _path(folder: Path) -> Path:
    path = folder / PLAN_FILE
    if not path.is_file():
        raise NotStarted(f'la ejecución {folder.name} no tiene plan (solo una simulación terminada lo escribe)')
    return path


def _fields(entry: dict[str, Any]) -> list[dict[str, Any]]:
    if entry.get('diff'):
        return [
            {'field': name, 'before': change.get('before'), 'after': change.get('after')}
            for name, change in entry['diff'].items()
        ]
    if entry['kind'] in APPLIED_KINDS:  # planned after a prerequisite the batch applies first: what it asks for
        return [
            {'field': name, 'before': None, 'after': value}
            for name, value in (entry.get('params') or {}).items()
            if value not in (None, '', [])
        ]
    return []


def view(folder: Path, offset: int = 0, limit: int = PAGE) -> dict[str, Any]:
    """One page of the plan, grouped by entity, read from the file entry by entry (a 100,000-row plan is about
    230 MB: never loaded whole): ``{run_id, complete, target, actions, counts, total, offset, limit, next_offset,
    groups: [{dataset, label, entity, rows, pairs}], confirm: [entries needing confirmation], confirm_total,
    changes}``. ``groups`` hold the entries ``offset`` to ``offset + limit`` (``next_offset``: where the next page
    starts, None after the last); each pair is a plan entry with its ``fields`` (field, before, after), ``confirm``
    and ``before_note`` (why there are no values before: the entity does not exist yet, or the pair was planned after
    a prerequisite the same run applies first; None when read). ``counts`` (the plan's table), ``total``,
    ``changes`` and ``confirm_total`` summarise the whole plan (from its header's counts); ``confirm`` lists the
    first ``CONFIRM_SHOWN`` entries needing confirmation of the whole plan."""
    path = _path(folder)
    document = read_header(path)
    counts = document.get('counts') or {}
    total = sum(line.get(kind, 0) for line in counts.values() for kind, _ in TABLE if kind != 'needs_yes')
    confirm_total = sum(line.get('needs_yes', 0) for line in counts.values())
    offset, limit = max(0, offset), max(1, limit)
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    confirm: list[dict[str, Any]] = []
    wanted = min(confirm_total, CONFIRM_SHOWN)
    for index, entry in enumerate(checked_entries(path)):
        shown = offset <= index < offset + limit
        if shown:
            _group(groups, entry)
        if _confirm(entry) and len(confirm) < CONFIRM_SHOWN:
            confirm.append(_pair_view(entry))
        if index + 1 >= offset + limit and len(confirm) >= wanted:
            break
    return {
        'run_id': document['run_id'],
        'complete': bool(document.get('complete')),
        'target': {k: (document.get('target') or {}).get(k) for k in ('org_name', 'org_id', 'base_url')},
        'actions': document.get('actions', []),
        'counts': counts,
        'total': total,
        'offset': offset,
        'limit': limit,
        'next_offset': offset + limit if offset + limit < total else None,
        'groups': list(groups.values()),
        'confirm': confirm,
        'confirm_total': max(confirm_total, len(confirm)),
        'changes': sum(line.get(kind, 0) for line in counts.values() for kind in APPLIED_KINDS),
    }


def confirmations(folder: Path, shown: int = CONFIRM_SHOWN) -> tuple[int, list[dict[str, Any]]]:
    """(how many entries of the plan in ``folder`` need the operator's confirmation, the first ``shown`` of them as
    the plan view gives them), read from the file entry by entry."""
    found: list[dict[str, Any]] = []
    count = 0
    for entry in checked_entries(_path(folder)):
        if _confirm(entry):
            count += 1
            if len(found) < shown:
                found.append(_pair_view(entry))
    return count, found


def _group(groups: dict[tuple[str, str], dict[str, Any]], entry: dict[str, Any]) -> None:
    key = (entry['dataset'], entry.get('entity') or '')
    group = groups.setdefault(
        key,
        {
            'dataset': entry['dataset'],
            'label': GROUPS.get(entry['dataset'], entry['dataset']),
            'entity': entry.get('entity') or '',
            'rows': [],
            'pairs': [],
        },
    )
    if entry['row'] not in group['rows']:
        group['rows'].append(entry['row'])
    group['pairs'].append(_pair_view(entry))


def _pair_view(entry: dict[str, Any]) -> dict[str, Any]:
    return {
        **entry,
        'changes': entry['kind'] in APPLIED_KINDS,
        'confirm': _confirm(entry),
        'fields': _fields(entry),
        'before_note': _before_note(entry),
        'calls': [_call(call) for call in entry.get('calls') or []],
    }


def _before_note(entry: dict[str, Any]) -> str | None:
    if entry.get('simulated_prerequisite'):
        return 'tras el requisito'
    return 'no existe' if entry['kind'] == 'create' else None


def _confirm(entry: dict[str, Any]) -> bool:
    """Whether applying the entry needs the operator's confirmation: what the dry-run marked (``needs_confirmation``,
    also for a pair planned after a prerequisite: ``core.params.confirmation_when_new``), the rule the launcher's
    real run and ``--apply`` follow too."""
    return bool(entry.get('needs_confirmation'))


def _call(call: Any) -> str:
    if isinstance(call, dict):
        body = call.get('body')
        shown = f' {json.dumps(body, ensure_ascii=False)}' if body not in (None, {}, []) else ''
        return f'{call.get("method", "")} {call.get("path") or call.get("url") or ""}{shown}'
    return str(call)


def apply(
    folder: Path,
    settings: Settings,
    connection: tuple[str, str | None],
    *,
    catalog: Catalog,
    log_dir: Path,
    stream: Any,
    stop: Stop,
) -> Report:
    """Apply the plan of the dry-run in ``folder`` as ``--apply <folder>/plan.json`` does: the plan checked
    (``load_plan``: format, complete, inputs unchanged; NotStarted otherwise), then its creates and updates run in a
    new run folder (``run_pairs``) bound to the plan's target."""
    path = folder / PLAN_FILE
    document = load_plan(path)
    origin = {
        'kind': 'apply',
        'plan': str(path),
        'plan_run': document['run_id'],
        'bound_to': f'el plan {path} es de',
    }
    return run_pairs(
        plan_pairs(document),
        settings,
        connection,
        catalog=catalog,
        target=document['target'],
        inputs=plan_inputs(document),
        origin=origin,
        log_dir=log_dir,
        stream=stream,
        stop=stop,
    )
