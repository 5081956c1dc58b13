"""The plan file's format (``docs/plan.md``), as pure functions shared by the batch plan (``batch/plan``) and a single
action's ``--dry-run --plan-out`` (``core/cli``): one entry per row x action built from a dry-run outcome's details
(``before``, ``diff``, ``calls``, ``needs_confirmation``), the hash of an input row, the counts of the plan table and
the two files (``plan.json``, ``plan.csv``)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from transformacion.core.csvfiles import write_csv
from transformacion.core.params import Action
from transformacion.core.secrets import sanitise

#: The format a plan declares in ``format``; ``--apply`` refuses any other.
FORMAT = 'transformacion.plan/1'
CSV_COLUMNS = ('dataset', 'row', 'entity', 'action', 'field', 'before', 'after', 'kind')
#: The kinds ``--apply`` runs.
APPLIED_KINDS = ('create', 'update')
#: The counts of the plan table: (key, column as printed).
TABLE = (
    ('create', 'crear'),
    ('update', 'modificar'),
    ('none', 'sin_cambios'),
    ('refused', 'rechazado'),
    ('blocked', 'bloqueado'),
    ('needs_yes', 'requiere_yes'),
)
#: The detail a pair's recorded outcome carries when it was refused only because a prerequisite ran as a dry run
#: (its entity did not exist yet): what it read is no fingerprint of the state it will find.
SIMULATED_PREREQUISITE = 'simulated_prerequisite'


def input_hash(values: Mapping[str, str]) -> str:
    """sha256 (hex) of an input row ``{column: text}`` as merged (empty cells left out), as canonical JSON: keys
    sorted, separators ``,`` ``:``, UTF-8 with non-ASCII kept."""
    filled = {column: value for column, value in values.items() if value}
    text = json.dumps(filled, sort_keys=True, ensure_ascii=False, separators=(',', ':'))
    return hashlib.sha256(text.encode('utf-8')).hexdigest()


def kind_of(status: str, blocked: bool, details: Mapping[str, Any], creates: bool) -> str:
    """The kind of change of a pair: ``create`` / ``update`` (a dry-run that would write; ``creates``: the action
    creates its entity, for a pair planned after a prerequisite), ``none``, ``refused``, ``blocked``."""
    if status in ('rejected', 'error', 'timeout'):
        return 'refused'
    if status == 'skipped':
        return 'blocked' if blocked else 'none'
    if status == 'dry_run':
        if details.get(SIMULATED_PREREQUISITE):
            return 'create' if creates else 'update'
        return 'create' if 'before' in details and details['before'] is None else 'update'
    return 'none' if status == 'executed' else 'unknown'


def entry(
    *,
    action: Action,
    dataset: str,
    row: int,
    entity: str,
    status: str,
    category: str,
    message: str,
    kind: str,
    details: Mapping[str, Any],
    params: Mapping[str, Any] | None,
    row_hash: str,
    requires: list[tuple[str, int, str]],
    phase: int,
) -> dict[str, Any]:
    """One entry of ``pairs`` (docs/plan.md) from a pair's outcome ``details`` and typed ``params``."""
    diff = details.get('diff') if isinstance(details.get('diff'), dict) else {}
    simulated = bool(details.get(SIMULATED_PREREQUISITE))
    drift = details.get('drift')
    confirmation = details.get('needs_confirmation')
    return {
        'id': f'{action.name}:{dataset}:{row}',
        'dataset': dataset,
        'row': row,
        'action': action.name,
        'entity': entity,
        'status': status,
        'category': category,
        'kind': kind,
        'high_impact': action.high_impact,
        'needs_confirmation': bool(confirmation),
        'confirmation': confirmation or None,
        'params': sanitise(dict(params)) if params is not None else None,
        'input_hash': row_hash,
        'guard': kind in APPLIED_KINDS and 'before' in details and not simulated,
        'before': details.get('before'),
        'desired': {field: change.get('after') for field, change in diff.items()} if diff else None,
        'diff': diff,
        'calls': details.get('calls') or [],
        'simulated_prerequisite': simulated,
        'reasons': ([message] if message else [])
        + ([f'drift: {json.dumps(drift, ensure_ascii=False)}'] if drift else []),
        'requires': [list(key) for key in requires],
        'phase': phase,
    }


def counts(entries: Iterable[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """``{action: {create, update, none, refused, blocked, needs_yes}}`` in the order the entries name the actions."""
    found: dict[str, dict[str, int]] = {}
    for item in entries:
        count(found, item)
    return found


def count(found: dict[str, dict[str, int]], item: Mapping[str, Any]) -> None:
    """Add one entry to ``found``, counts as ``counts`` gives them."""
    line = found.setdefault(item['action'], {kind: 0 for kind, _ in TABLE})
    if item['kind'] in line:
        line[item['kind']] += 1
    if item['needs_confirmation']:
        line['needs_yes'] += 1


def _cell(value: Any) -> str:
    if value is None:
        return ''
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def csv_lines(entries: Iterable[dict[str, Any]], keys: Callable[[str], set[str]]) -> Iterator[tuple[Any, ...]]:
    """plan.csv's lines: one per changed field of each create / update; for a pair planned after a prerequisite,
    one per parameter it asks for except the key ones (``keys(action)``)."""
    for item in entries:
        if item['kind'] not in APPLIED_KINDS:
            continue
        where = (item['dataset'], item['row'], item['entity'], item['action'])
        if item['diff']:
            for field, change in item['diff'].items():
                yield (*where, field, _cell(change.get('before')), _cell(change.get('after')), item['kind'])
        else:
            skipped = keys(item['action'])
            for field, value in (item['params'] or {}).items():
                if value is not None and field not in skipped:
                    yield (*where, field, '', _cell(value), item['kind'])


def write_files(document: dict[str, Any], json_path: Path, csv_path: Path, keys: Callable[[str], set[str]]) -> None:
    """Write ``document`` as ``json_path`` (replaced whole) and its ``plan.csv`` as ``csv_path`` (``;`` + BOM, cells
    protected, through ``csvfiles.write_csv``)."""
    json_path.parent.mkdir(parents=True, exist_ok=True)
    partial = json_path.with_name(json_path.name + '.tmp')
    partial.write_text(json.dumps(document, ensure_ascii=False, indent=2, default=str) + '\n', encoding='utf-8')
    partial.replace(json_path)
    write_csv(csv_path, CSV_COLUMNS, csv_lines(document['pairs'], keys))


def key_names(declarations: Mapping[str, Action]) -> Callable[[str], set[str]]:
    """``keys(action name)``: the names of the action's key parameters (none for an unknown action)."""

    def keys(name: str) -> set[str]:
        action = declarations.get(name)
        return {param.name for param in action.key_params} if action is not None else set()

    return keys


def _now() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).isoformat(timespec='milliseconds').replace('+00:00', 'Z')


def _category(status: str, details: Mapping[str, Any]) -> str:
    if status == 'dry_run':
        return 'requiere_yes' if details.get('needs_confirmation') else 'simulado'
    if status == 'rejected':
        return 'drift' if details.get('reason') == 'drift' else 'invalid_input'
    if status == 'error':
        error = details.get('error')
        return (error.get('reason') or 'unexpected') if isinstance(error, dict) else 'unexpected'
    return 'sin_cambios' if status == 'skipped' else ''


def single_action_plan(
    action: Action,
    *,
    status: str,
    message: str,
    details: Mapping[str, Any],
    params: Mapping[str, Any] | None,
    values: Mapping[str, str],
    row: int,
    csv_path: str | None,
    base_url: str,
    org_id: str | None,
) -> dict[str, Any]:
    """The plan of a single action's ``--dry-run``: the header (no run, ``script`` = the action; ``target`` holds
    only the base URL and ``--org-id``, so it is for review and ``--apply`` refuses it) and one entry. ``values`` is
    the merged input ``{column: text}`` (command line > CSV row), ``row`` the CSV row (0 without a CSV)."""
    import getpass
    import socket

    entity = ' / '.join(str(params.get(p.name) or '') for p in action.key_params) if params else ''
    item = entry(
        action=action,
        dataset=action.domain,
        row=row,
        entity=entity,
        status=status,
        category=_category(status, details),
        message=message,
        kind=kind_of(status, False, details, creates=False),
        details=details,
        params=params,
        row_hash=input_hash(values),
        requires=[],
        phase=0,
    )
    inputs = []
    if csv_path:
        digest = hashlib.sha256(Path(csv_path).read_bytes()).hexdigest()
        inputs.append({'dataset': action.domain, 'path': str(Path(csv_path).resolve()), 'sha256': digest})
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = ''
    return {
        'format': FORMAT,
        'created': _now(),
        'run_id': None,
        'run_dir': None,
        'script': action.name,
        'complete': True,
        'validation_rejected': False,
        'target': {'base_url': base_url, 'org_id': org_id, 'org_explicit': bool(org_id)},
        'operator': {'user': user, 'host': socket.gethostname(), 'webex_user': None},
        'versions': {},
        'input_dir': str(Path(inputs[0]['path']).parent) if inputs else '',
        'inputs': inputs,
        'actions': [action.name],
        'counts': counts([item]),
        'pairs': [item],
    }
