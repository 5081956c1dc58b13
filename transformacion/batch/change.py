"""What a selection of runs changed, told per target org and per entity (a site, a person, a workspace) instead of
per row x action: the model behind ``consolidar_reportes``' report. Reads run folders only (``results_manual.csv``,
``summary.json`` and the actions' JSONL evidence); no network.

Every field it reads from ``summary.json`` beyond the counts is optional, so runs written before they existed still
load (the report then says ``desconocido``):

- ``target``: ``{base_url, org_id, org_name}`` (the org the run was bound to, read at its start);
- ``target.owner_email`` / ``owner_name`` (the token's owner, ``GET /people/me``), or ``operator``:
  ``{email | webex_user, display_name, user, host}``, or a plain string;
- ``versions``: ``{transformacion, wxc_sdk}``;
- ``input``: ``{folder}`` (or a plain string); without it, the folder holding the run's ``inputs``.

``results_manual.csv`` may carry a ``category`` column (``aplicado``, ``simulado``, ``sin_cambios``, ``no_aplica``,
``bloqueado``, ``lote_rechazado``, ``no_ejecutado`` or a failure category, see ``FAILURE_REASONS``); without it the
category is derived from the status, the message and the evidence.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from transformacion.batch.checkpoint import FAILED_STATUSES
from transformacion.batch.report import RESULTS_FILE, SUMMARY_FILE
from transformacion.core.csvfiles import CsvError, iter_rows, read_header, unprotect
from transformacion.core.evidence import evidence_parts, has_evidence, open_part
from transformacion.core.outcome import Rejected

UNKNOWN = 'desconocido'
#: The columns a results file must have to be read (the others, e.g. ``category``, are optional).
REQUIRED_COLUMNS = ('dataset', 'row', 'key', 'action', 'status', 'message')
#: The action of a dataset that creates its entity: ``alta_<...>``; the others change an existing one.
CREATE_PREFIX = 'alta_'
#: The dataset whose entities are the sites, and the parameter that names the site of the others' entities.
SITES = 'ubicaciones'
SITE_PARAM = 'location'
NO_SITE = '(sin ubicación)'
#: Entity kinds in plan order: dataset -> (one, many).
ENTITY_NAMES = {
    'ubicaciones': ('ubicación', 'ubicaciones'),
    'usuarios': ('persona', 'personas'),
    'workspaces': ('workspace', 'workspaces'),
}
#: Why a pair that changed nothing did not (the ``category`` column, or derived from the message).
SKIP_REASONS = ('sin_cambios', 'no_aplica', 'bloqueado', 'lote_rechazado', 'no_ejecutado')
#: What a pair did: created its entity, changed it, one of ``SKIP_REASONS``, or failed.
CREATED, CHANGED, FAILED = 'creado', 'cambiado', 'fallido'
#: What happened to an entity over the runs, in the order the report shows them (``Entity.state`` says which wins).
ENTITY_STATES = ('creada', 'actualizada', 'sin_cambios', 'fallida', 'pendiente')
STATE_LABELS = {
    'real': {
        'creada': 'creadas',
        'actualizada': 'actualizadas',
        'sin_cambios': 'sin cambios',
        'fallida': 'con fallos',
        'pendiente': 'pendientes',
    },
    'dry_run': {
        'creada': 'se crearían',
        'actualizada': 'se actualizarían',
        'sin_cambios': 'sin cambios',
        'fallida': 'fallarían',
        'pendiente': 'pendientes',
    },
}
#: Failure reasons: key -> (what happened, the next step). ``{runs}`` is replaced by the run ids concerned. The keys
#: are the failure categories of ``results_manual.csv`` (``core.retry.classify_error``'s reasons plus
#: ``sin_confirmar`` and ``en_desarrollo``), and ``rechazada`` for a refusal no category names.
FAILURE_REASONS = {
    'invalid_input': (
        'Datos no válidos (rechazados por la validación o por Webex)',
        'Corrija el fichero de entrada (fila, columna y valor en el mensaje) y relance el lote; lo ya aplicado '
        'quedará sin cambios.',
    ),
    'sin_confirmar': (
        'Cambio de alto impacto sin confirmar',
        'Revise el estado actual y el deseado y aplíquelo con --retry-failed <run id> --yes.',
    ),
    'rechazada': (
        'Rechazada: los datos no casan con el estado de la organización',
        'Lea el motivo; corrija el fichero de entrada o la organización y relance el lote.',
    ),
    'conflict': (
        'Conflicto con algo que ya existe en Webex (nombre, extensión o número en uso)',
        'Compruebe en Control Hub el elemento en conflicto, corrija el dato o libérelo y relance el lote.',
    ),
    'not_found': (
        'Webex no encuentra lo que la fila nombra (ubicación, licencia, número, persona)',
        'Compruebe que existe en la organización o corrija el dato y relance el lote.',
    ),
    'auth': (
        'Token caducado o no válido',
        'Renueve el token (WEBEX_ACCESS_TOKEN) y relance con --retry-failed {runs}.',
    ),
    'permission': (
        'El operador no tiene permiso para este cambio',
        'Use una cuenta de administrador completo de la organización y relance con --retry-failed {runs}.',
    ),
    'rate_limited': (
        'Webex limitó el ritmo (429) más allá de los reintentos',
        'Relance con --retry-failed {runs} (con --rate-limit si se repite).',
    ),
    'transient': (
        'Fallo pasajero de Webex o de la red (5xx, conexión)',
        'Relance con --retry-failed {runs}.',
    ),
    'timeout': (
        'Tiempo agotado antes de terminar',
        'Relance con --retry-failed {runs}.',
    ),
    'en_desarrollo': (
        'Acción en desarrollo: todavía no se puede ejecutar',
        'Quite la acción de --actions.',
    ),
    'unexpected': (
        'Error inesperado',
        'Abra la evidencia del par y, si no se explica, avise a soporte con el tracking id; relance con '
        '--retry-failed {runs}.',
    ),
}
#: ``core.retry.classify_error``'s reasons, as the ``error`` events of the evidence carry them.
_ERROR_REASONS = ('auth', 'permission', 'not_found', 'conflict', 'invalid_input', 'rate_limited', 'transient')


# --------------------------------------------------------------------------- runs


@dataclass(frozen=True)
class Target:
    """The org a run changed and the API it used (empty strings when the run did not record them)."""

    base_url: str = ''
    org_id: str = ''
    org_name: str = ''

    @property
    def known(self) -> bool:
        return bool(self.org_id or self.org_name)

    @property
    def label(self) -> str:
        """``org name (org id)``, or what is known of it, or ``desconocido``."""
        if self.org_name and self.org_id:
            return f'{self.org_name} ({self.org_id})'
        return self.org_name or self.org_id or UNKNOWN

    def matches(self, wanted: str) -> bool:
        """Whether ``wanted`` names this org: its id, or its name (case-blind)."""
        wanted = wanted.strip().casefold()
        return bool(wanted) and wanted in (self.org_id.casefold(), self.org_name.casefold())

    def as_dict(self) -> dict[str, str]:
        return {'base_url': self.base_url, 'org_id': self.org_id, 'org_name': self.org_name}


def _text(value: Any) -> str:
    return '' if value is None else str(value).strip()


def _first(mapping: dict[str, Any], *names: str) -> str:
    for name in names:
        value = mapping.get(name)
        if isinstance(value, list):
            value = value[0] if value else None
        if _text(value):
            return _text(value)
    return ''


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def target_of(summary: dict[str, Any]) -> Target:
    """The ``target`` of a summary.json (``{base_url, org_id, org_name}``; ``org: {id, name}`` is read too)."""
    target = _mapping(summary.get('target'))
    org = _mapping(target.get('org'))
    return Target(
        base_url=_first(target, 'base_url') or _first(summary, 'base_url'),
        org_id=_first(target, 'org_id') or _first(org, 'id', 'org_id'),
        org_name=_first(target, 'org_name') or _first(org, 'name', 'display_name', 'org_name'),
    )


def operator_of(summary: dict[str, Any]) -> str:
    """Who ran it: the token's owner (``target.owner_name`` / ``owner_email``, or ``operator.display_name`` /
    ``email`` / ``webex_user``) as ``Name <email>``, then the local account (``operator.user`` at ``host``) when
    recorded; ``desconocido`` when nothing is."""
    target = _mapping(summary.get('target'))
    given = summary.get('operator')
    operator = _mapping(given)
    email = _first(target, 'owner_email') or _first(operator, 'email', 'emails', 'webex_user')
    name = _first(target, 'owner_name') or _first(operator, 'display_name', 'name', 'displayName')
    who = f'{name} <{email}>' if name and email else email or name or _first(operator, 'id')
    if isinstance(given, str):
        who = who or _text(given)
    local = '@'.join(part for part in (_first(operator, 'user'), _first(operator, 'host')) if part)
    if local:
        who = f'{who} (cuenta local {local})' if who else f'cuenta local {local}'
    return who or UNKNOWN


def versions_of(summary: dict[str, Any]) -> str:
    """``transformacion 0.1.0 · wxc_sdk 1.27.1`` from ``versions``, or ``desconocido``."""
    versions = _mapping(summary.get('versions'))
    return ' · '.join(f'{name} {_text(value)}' for name, value in versions.items() if _text(value)) or UNKNOWN


def input_of(summary: dict[str, Any]) -> str:
    """The input folder (or workbook) of a run: ``input``, else its ``inputs``' one file (a workbook) or the folder
    common to them."""
    given = summary.get('input')
    if isinstance(given, dict):
        given = _first(given, 'folder', 'path', 'dir', 'input_dir')
    if _text(given):
        return _text(given)
    if _text(summary.get('input_dir')):
        return _text(summary.get('input_dir'))
    files = list(dict.fromkeys(_text(path) for path in _mapping(summary.get('inputs')).values() if _text(path)))
    if len(files) <= 1:
        return files[0] if files else UNKNOWN
    folders = [str(Path(path).parent) for path in files]
    try:
        return os.path.commonpath(folders)
    except ValueError:
        return folders[0]


@dataclass
class Run:
    """One run folder: its id, its rows (``{column: value}``, one per row x action) and its summary.json (empty
    when missing)."""

    run_id: str
    path: Path
    rows: list[dict[str, str]]
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def dry_run(self) -> bool:
        return bool(self.summary.get('dry_run'))

    @property
    def state(self) -> str:
        return _text(self.summary.get('state'))

    @property
    def rejected(self) -> bool:
        """Refused as a whole by its validation: it applied nothing."""
        return self.state == 'rejected'

    @property
    def started_at(self) -> str:
        return _text(_mapping(self.summary.get('timings')).get('started_at'))

    @property
    def finished_at(self) -> str:
        return _text(_mapping(self.summary.get('timings')).get('finished_at'))

    @property
    def target(self) -> Target:
        return target_of(self.summary)

    @property
    def operator(self) -> str:
        return operator_of(self.summary)

    @property
    def input(self) -> str:
        return input_of(self.summary)

    @property
    def versions(self) -> str:
        return versions_of(self.summary)


def load_run(path: Path) -> tuple[Run, list[str]]:
    """A run folder and the warnings found reading it; Rejected when its results_manual.csv is missing, unreadable
    or lacks one of ``REQUIRED_COLUMNS``."""
    results = path / RESULTS_FILE
    if not results.is_file():
        raise Rejected(f'{path}: no es una carpeta de ejecución (falta {RESULTS_FILE})')
    try:
        header = read_header(results)
        missing = [column for column in REQUIRED_COLUMNS if column not in header]
        if missing:
            raise Rejected(f'{results}: faltan las columnas {", ".join(missing)}')
        rows = [{column: unprotect(value) for column, value in row.items()} for _, row in iter_rows(results)]
    except CsvError as exc:
        raise Rejected(f'{results}: {exc}') from None
    warnings: list[str] = []
    summary: dict[str, Any] = {}
    summary_path = path / SUMMARY_FILE
    if summary_path.is_file():
        try:
            summary = json.loads(summary_path.read_text(encoding='utf-8'))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            warnings.append(f'{summary_path}: ilegible ({exc}); sin duración ni llamadas')
    else:
        warnings.append(f'{path.name}: falta {SUMMARY_FILE}; sin duración ni llamadas')
    run = Run(summary.get('run_id') or path.name, path, rows, summary if isinstance(summary, dict) else {})
    expected = run.summary.get('total')
    if expected is not None and expected != len(rows):
        warnings.append(
            f'{run.run_id}: {SUMMARY_FILE} cuenta {expected} filas x acción y {RESULTS_FILE} tiene {len(rows)}'
        )
    return run, warnings


# --------------------------------------------------------------------------- evidence


@dataclass
class Evidence:
    """What a run's JSONL evidence says of its pairs, by action id (``<action>:<dataset>:<row>``): the site named in
    the action's parameters and the classified reason of its last error (``core.retry.classify_error``)."""

    sites: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    #: the file (the ``.jsonl`` or one of its rotated ``.jsonl.gz`` segments) where each pair's evidence starts
    parts: dict[str, Path] = field(default_factory=dict)


def action_id(row: dict[str, str]) -> str:
    """The ``action_id`` under which the evidence of a pair is logged."""
    return f'{row["action"]}:{row["dataset"]}:{row["row"]}'


def evidence_file(run: Run, row: dict[str, str]) -> Path | None:
    """The JSONL evidence of a pair in the run folder (the ``log_file`` of the row, looked up in the folder as it is
    now, so a moved or unzipped logs folder still works); None when the pair was never attempted."""
    if not row.get('log_file'):
        return None
    found = run.path / Path(row['log_file'].replace('\\', '/')).name
    return found if has_evidence(found) else None


def read_evidence(run: Run) -> Evidence:
    """Scan the run's JSONL evidence, rotated ``.jsonl.gz`` segments included (only the lines that start an action or
    report an error are parsed)."""
    evidence = Evidence()
    files = dict.fromkeys(path for row in run.rows if (path := evidence_file(run, row)) is not None)
    for part in (part for path in files for part in evidence_parts(path)):
        with open_part(part) as handle:
            for line in handle:
                if '"kind": "action"' not in line and '"event": "error"' not in line:
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError:
                    continue
                payload = _mapping(record.get('payload'))
                ident = _text(record.get('action_id'))
                if record.get('event') == 'error' and payload.get('reason'):
                    evidence.errors[ident] = _text(payload['reason'])
                elif payload.get('kind') == 'action':
                    evidence.parts.setdefault(ident, part)
                    site = _text(_mapping(payload.get('params')).get(SITE_PARAM))
                    if site:
                        evidence.sites[ident] = site
    return evidence


def input_sites(run: Run, dataset: str) -> dict[str, str]:
    """``{row: site}`` from the run's input file of ``dataset`` when it is still a readable CSV (the fallback for
    rows never attempted); empty otherwise."""
    path = _text(_mapping(run.summary.get('inputs')).get(dataset))
    if not path or not Path(path).is_file() or Path(path).suffix.casefold() != '.csv':
        return {}
    try:
        return {str(number): row[SITE_PARAM] for number, row in iter_rows(Path(path)) if row.get(SITE_PARAM)}
    except (CsvError, OSError):
        return {}


# --------------------------------------------------------------------------- pairs and entities


def pair_reason(run: Run, row: dict[str, str]) -> str:
    """What a pair did: ``creado``, ``cambiado``, ``fallido`` or one of ``SKIP_REASONS``; from its ``category`` in
    results_manual.csv when the run wrote one, else from its status and message (a dry run's ``dry_run`` counts as
    what it would do)."""
    status = row['status']
    if status in FAILED_STATUSES:
        return FAILED
    given = _text(row.get('category'))
    if given in SKIP_REASONS:
        return given
    if status in ('executed', 'dry_run'):
        return CREATED if row['action'].startswith(CREATE_PREFIX) else CHANGED
    if status in ('pending', 'running'):
        return 'no_ejecutado'
    message = row.get('message', '')
    if run.rejected or message.startswith('no se ejecuta'):
        return 'lote_rechazado'
    if message.startswith('no aplica'):
        return 'no_aplica'
    if message.startswith('requisito no cumplido'):
        return 'bloqueado'
    return 'sin_cambios'


def failure_reason(row: dict[str, str], error_reason: str | None) -> str:
    """The key in ``FAILURE_REASONS`` of a failed pair: its ``category`` when the run wrote one (``sin_confirmar``
    comes from the refusal's structured reason, ``core.outcome.UNCONFIRMED``, never from its wording), else from its
    status, attempts, message and the reason of its last ``error`` event in the evidence."""
    given = _text(row.get('category'))
    if given in FAILURE_REASONS:
        return given
    status, message = row['status'], row.get('message', '')
    if status == 'timeout':
        return 'timeout'
    if status == 'rejected':
        if 'en desarrollo' in message:
            return 'en_desarrollo'
        return 'invalid_input' if _text(row.get('attempts')) in ('', '0') else 'rechazada'
    return error_reason if error_reason in _ERROR_REASONS else 'unexpected'


@dataclass
class Pair:
    """One row x action as the latest run that holds it left it."""

    run: Run
    row: dict[str, str]
    reason: str
    evidence: Path | None
    failure: str = ''

    @property
    def action(self) -> str:
        return self.row['action']

    @property
    def action_id(self) -> str:
        return action_id(self.row)


@dataclass
class Entity:
    """A site, a person or a workspace of the change: its latest pair per action and what happened to it."""

    dataset: str
    key: str
    site: str
    pairs: dict[str, Pair] = field(default_factory=dict)
    created: bool = False
    changed: bool = False

    @property
    def state(self) -> str:
        """One of ``ENTITY_STATES``: ``fallida`` (a latest pair failed), ``pendiente`` (a pair is blocked by a failed
        prerequisite or not run yet), ``creada``, ``actualizada`` (by any run) or ``sin_cambios``."""
        reasons = {pair.reason for pair in self.pairs.values()}
        if FAILED in reasons:
            return 'fallida'
        if reasons & {'bloqueado', 'no_ejecutado', 'lote_rechazado'}:
            return 'pendiente'
        if self.created:
            return 'creada'
        return 'actualizada' if self.changed else 'sin_cambios'


@dataclass
class FailureGroup:
    """Failed pairs that share a failure category (a key of ``FAILURE_REASONS``): what happened, the next step and
    the pairs (the first one is the example)."""

    category: str
    label: str
    next_step: str
    pairs: list[Pair]


@dataclass
class Change:
    """What some runs of one target did (``kind`` ``real``), or what one dry run would do (``dry_run``)."""

    kind: str
    target: Target
    runs: list[Run]
    entities: list[Entity]

    @property
    def operators(self) -> list[str]:
        return list(dict.fromkeys(run.operator for run in self.runs))

    @property
    def inputs(self) -> list[str]:
        return list(dict.fromkeys(run.input for run in self.runs))

    @property
    def versions(self) -> list[str]:
        return list(dict.fromkeys(run.versions for run in self.runs))

    @property
    def base_urls(self) -> list[str]:
        return list(dict.fromkeys(run.target.base_url or UNKNOWN for run in self.runs))

    @property
    def started_at(self) -> str:
        return min((run.started_at for run in self.runs if run.started_at), default='')

    @property
    def finished_at(self) -> str:
        return max((run.finished_at for run in self.runs if run.finished_at), default='')

    def headline(self) -> dict[str, dict[str, int]]:
        """``{dataset: {state: entities}}`` over ``ENTITY_STATES`` (0 included), datasets in plan order."""
        found: dict[str, dict[str, int]] = {}
        for entity in self.entities:
            by_state = found.setdefault(entity.dataset, dict.fromkeys(ENTITY_STATES, 0))
            by_state[entity.state] += 1
        return found

    def by_site(self) -> dict[str, dict[str, dict[str, int]]]:
        """``{site: {dataset: {state: entities}}}``; a site's own entity counts under ``ubicaciones``."""
        found: dict[str, dict[str, dict[str, int]]] = {}
        for entity in self.entities:
            by_dataset = found.setdefault(entity.site, {})
            by_state = by_dataset.setdefault(entity.dataset, dict.fromkeys(ENTITY_STATES, 0))
            by_state[entity.state] += 1
        return found

    def failing(self) -> list[Pair]:
        return [pair for entity in self.entities for pair in entity.pairs.values() if pair.reason == FAILED]

    def failures(self) -> list[FailureGroup]:
        """The failed pairs grouped by reason, largest group first."""
        groups: dict[str, list[Pair]] = {}
        for pair in self.failing():
            groups.setdefault(pair.failure, []).append(pair)
        found = []
        for reason, pairs in sorted(groups.items(), key=lambda item: -len(item[1])):
            label, step = FAILURE_REASONS[reason]
            runs = ' '.join(dict.fromkeys(pair.run.run_id for pair in pairs))
            found.append(FailureGroup(reason, label, step.replace('{runs}', runs), pairs))
        return found


def _entity_identity(run: Run, row: dict[str, str]) -> tuple[str, ...]:
    if row['key']:
        return (row['dataset'], row['key'].casefold())
    return (run.run_id, row['dataset'], row['row'])


def build_change(kind: str, target: Target, runs: list[Run]) -> Change:
    """The entities touched by ``runs`` (in start order; later runs supersede earlier ones pair by pair), with their
    site and the reason of each latest pair. Sites come from the key of ``ubicaciones`` rows, else from the
    evidence's parameters, else from the input file."""
    entities: dict[tuple[str, ...], Entity] = {}
    order = {dataset: i for i, dataset in enumerate(ENTITY_NAMES)}
    for run in runs:
        evidence = read_evidence(run)
        from_input: dict[str, dict[str, str]] = {}
        for row in run.rows:
            identity = _entity_identity(run, row)
            entity = entities.get(identity)
            site = row['key'] if row['dataset'] == SITES else evidence.sites.get(action_id(row), '')
            if not site and row['dataset'] != SITES:
                if row['dataset'] not in from_input:
                    from_input[row['dataset']] = input_sites(run, row['dataset'])
                site = from_input[row['dataset']].get(row['row'], '')
            if entity is None:
                entity = entities[identity] = Entity(row['dataset'], row['key'], site or NO_SITE)
            elif site and entity.site == NO_SITE:
                entity.site = site
            reason = pair_reason(run, row)
            failure = failure_reason(row, evidence.errors.get(action_id(row))) if reason == FAILED else ''
            found = evidence.parts.get(action_id(row)) or evidence_file(run, row)
            entity.pairs[row['action']] = Pair(run, row, reason, found, failure)
            entity.key = row['key'] or entity.key
            entity.created = entity.created or reason == CREATED
            entity.changed = entity.changed or reason == CHANGED
    ordered = sorted(entities.values(), key=lambda e: (order.get(e.dataset, len(order)), e.dataset))
    return Change(kind, target, runs, ordered)


def group_by_target(runs: Iterable[Run]) -> dict[Target, list[Run]]:
    """Runs by the org they changed (base URL + org id; runs without a recorded target share one group)."""
    found: dict[tuple[str, str], tuple[Target, list[Run]]] = {}
    for run in runs:
        target = run.target
        identity = (target.base_url, target.org_id or target.org_name)
        if identity not in found:
            found[identity] = (target, [])
        found[identity][1].append(run)
    return dict(found.values())
