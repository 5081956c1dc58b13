"""Plan: the ``plan.json`` a dry-run writes in its run folder (``batch.plan``, format in ``docs/plan.md``) shown per
entity (site, person, workspace), and applied as ``--apply`` does (``batch.plan.load_plan`` / ``plan_pairs``,
``batch.run.run_pairs``: exactly its creates and updates, each under its drift guard, bound to the plan's target)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from transformacion.batch.options import NotStarted, Settings
from transformacion.batch.plan import PLAN_FILE, load_plan, plan_inputs, plan_pairs
from transformacion.batch.report import Report
from transformacion.batch.run import Stop, run_pairs
from transformacion.core.catalog import Catalog
from transformacion.core.planfile import APPLIED_KINDS

#: The datasets as the plan groups them, in the operator's words.
GROUPS = {'ubicaciones': 'Ubicación', 'usuarios': 'Persona', 'workspaces': 'Workspace'}


def read(folder: Path) -> dict[str, Any]:
    """The plan document of a dry-run run folder; NotStarted when the run wrote none (not a dry-run, or unfinished)."""
    path = folder / PLAN_FILE
    if not path.is_file():
        raise NotStarted(f'la ejecución {folder.name} no tiene plan (solo una simulación terminada lo escribe)')
    return json.loads(path.read_text(encoding='utf-8'))


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


def view(folder: Path) -> dict[str, Any]:
    """The plan grouped by entity: ``{run_id, complete, target, groups: [{dataset, label, entity, rows, pairs}],
    confirm: [entries needing confirmation], changes, counts}``; each pair is a plan entry with its ``fields``
    (field, before, after), ``confirm`` and ``before_note`` (why there are no values before: the entity does not
    exist yet, or the pair was planned after a prerequisite the same run applies first; None when read)."""
    document = read(folder)
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for entry in document['pairs']:
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
        group['pairs'].append(
            {
                **entry,
                'changes': entry['kind'] in APPLIED_KINDS,
                'confirm': _confirm(entry),
                'fields': _fields(entry),
                'before_note': _before_note(entry),
                'calls': [_call(call) for call in entry.get('calls') or []],
            }
        )
    pairs = [pair for group in groups.values() for pair in group['pairs']]
    return {
        'run_id': document['run_id'],
        'complete': bool(document.get('complete')),
        'target': {k: (document.get('target') or {}).get(k) for k in ('org_name', 'org_id', 'base_url')},
        'actions': document.get('actions', []),
        'groups': list(groups.values()),
        'confirm': [pair for pair in pairs if pair['confirm']],
        'changes': sum(1 for pair in pairs if pair['changes']),
        'counts': document.get('counts', {}),
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
