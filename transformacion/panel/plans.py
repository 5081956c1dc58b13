"""Plan: what a dry-run run (``batch.run.start_run`` of a batch with ``dry_run``) found, per entity (site, person,
workspace) and action: status, reason, the values it would set (before -> after when the run recorded the state it
read), the calls it would make and whether it needs a confirmation (a high-impact change: category
``requiere_yes``)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from transformacion.core.csvfiles import protect_cell
from transformacion.panel.history import evidence, opened, tasks

#: The datasets as the plan groups them, in the operator's words.
GROUPS = {'ubicaciones': 'Ubicación', 'usuarios': 'Persona', 'workspaces': 'Workspace'}
CHANGING = ('dry_run', 'executed')


def _pair_view(folder: Path, task: dict[str, Any]) -> dict[str, Any]:
    """One pair of the plan: from its evidence, the typed parameters it was asked (the desired values), the
    before / diff / calls of its outcome when recorded, the reads it made."""
    events = evidence(folder, task['action'], task['dataset'], task['row']) if task['attempts'] else []
    desired: dict[str, Any] = {}
    outcome: dict[str, Any] = {}
    reads = []
    for event in events:
        payload = event.get('payload') or {}
        if event.get('event') == 'request' and payload.get('kind') == 'action':
            desired = {k: v for k, v in (payload.get('params') or {}).items() if v not in (None, '', [])}
        elif event.get('event') == 'request' and payload.get('method'):
            reads.append(f'{payload["method"]} {payload.get("url", "")}')
        elif event.get('event') in ('outcome', 'result', 'plan'):
            outcome = payload
    before = outcome.get('before') or {}
    diff = outcome.get('diff') or {}
    fields = []
    for name in sorted(set(diff) or set(desired)):
        after = diff.get(name, desired.get(name))
        if isinstance(after, dict) and set(after) >= {'before', 'after'}:
            fields.append({'field': name, 'before': after['before'], 'after': after['after']})
        else:
            fields.append({'field': name, 'before': before.get(name), 'after': after})
    return {
        **task,
        'changes': task['status'] in CHANGING,
        'confirm': task['category'] == 'requiere_yes',
        'fields': fields,
        'known_before': bool(before or diff),
        'calls': [
            f'{call.get("method")} {call.get("path")}' if isinstance(call, dict) else str(call)
            for call in outcome.get('calls') or []
        ],
        'reads': reads,
    }


def plan_view(folder: Path) -> dict[str, Any]:
    """The plan of a dry-run run folder grouped by entity: ``{run_id, dry_run, groups: [{dataset, label, entity,
    pairs}], confirm: [pairs needing confirmation], counts}``."""
    with opened(folder) as store:
        batch = store.meta('batch') or {}
        pairs = tasks(store)
        counts = store.counts_by_status()
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for task in pairs:
        key = (task['dataset'], task['entity'])
        group = groups.setdefault(
            key,
            {
                'dataset': task['dataset'],
                'label': GROUPS.get(task['dataset'], task['dataset']),
                'entity': task['entity'],
                'rows': set(),
                'pairs': [],
            },
        )
        group['rows'].add(task['row'])
        group['pairs'].append(_pair_view(folder, task))
    ordered = []
    for group in groups.values():
        group['rows'] = sorted(group['rows'])
        ordered.append(group)
    return {
        'run_id': folder.name,
        'dry_run': bool(batch.get('dry_run')),
        'actions': batch.get('actions', []),
        'groups': ordered,
        'confirm': [pair for group in ordered for pair in group['pairs'] if pair['confirm']],
        'changes': sum(1 for group in ordered for pair in group['pairs'] if pair['changes']),
        'counts': counts,
    }


def plan_json(view: dict[str, Any]) -> str:
    """The plan view as a JSON document (what the panel offers as plan.json when the run folder has none)."""
    return json.dumps(view, ensure_ascii=False, indent=2, default=str)


def plan_csv(view: dict[str, Any]) -> str:
    """One line per pair and field: entity, action, status, category, field, before, after, confirm, message
    (``;`` separated, as our CSVs)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=';')
    writer.writerow(
        ['dataset', 'row', 'entity', 'action', 'status', 'category', 'field', 'before', 'after', 'confirm', 'message']
    )
    for group in view['groups']:
        for pair in group['pairs']:
            for item in pair['fields'] or [{'field': '', 'before': '', 'after': ''}]:
                writer.writerow(
                    [
                        pair['dataset'],
                        pair['row'],
                        pair['entity'],
                        pair['action'],
                        pair['status'],
                        pair['category'],
                        item['field'],
                        _cell(item['before']),
                        _cell(item['after']),
                        'sí' if pair['confirm'] else '',
                        _cell(pair['message']),
                    ]
                )
    return '\ufeff' + out.getvalue()


def _cell(value: Any) -> str:
    return protect_cell(value if value is None or isinstance(value, str) else json.dumps(value, ensure_ascii=False))
