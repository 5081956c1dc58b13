"""The inverse of a run: from a finished or interrupted run's checkpoint (each pair's params and outcome details) and,
for a pair killed before it recorded an outcome, its evidence (the ``change`` line ``converge`` writes before its
first write), the pairs that undo what the run wrote, in reverse order, each with its drift guard, and the list of
what the API cannot undo, with the manual step in Control Hub. ``revertir`` runs those pairs (``batch.run.run_pairs``
with ``domain.removal.inverse_catalog``).

Per pair the run changed (``wrote``), by the action it ran (an action of the catalogue, or a ``deshacer_*`` one when
the run was itself a revert):

- ``alta_usuario`` / ``alta_workspace`` that created the entity: ``deshacer_<accion>`` deletes it (guard: the fields
  the run left), and carries the pairs it undoes with it (``replay``: the create and every later pair of that entity,
  whose changes go with the entity), so that reverting the revert creates and configures it again. An entity that
  existed is never deleted: the numbering it got is restored (``deshacer_ajustes_alta_usuario``) or, for a license
  or a workspace, listed as manual.
- ``anadir_numeraciones_ubicacion``: ``deshacer_...`` removes the numbers it added (guard: each in the state it was
  added with); a number the run made a created location's main number is listed instead.
- ``asignar_licencias_usuario``: runs again with the licenses it added and removed swapped (guard: the licenses it
  left); ``configurar_pstn_ubicacion``: runs again with the connection it replaced; the other settings actions run
  again under ``Context.restore`` = the values they replaced (guard: the values they wrote). A value that was empty
  before cannot be emptied through the API: listed.
- ``alta_ubicacion``: a location enabled for Webex Calling cannot be deleted through the API, nor calling disabled:
  listed, with the settings the run gave it (its numbers are still removed).
- ``deshacer_alta_*``: the replay; ``deshacer_anadir_numeraciones_ubicacion``: the numbers are added again; every
  other ``deshacer_*``: the same rules as the action it restores.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TextIO

from transformacion.batch.checkpoint import Checkpoint, Task
from transformacion.batch.options import Settings
from transformacion.batch.pairs import Pair
from transformacion.batch.report import Report
from transformacion.batch.run import Stop, run_pairs
from transformacion.core.catalog import Catalog
from transformacion.core.context import ANY_STATE
from transformacion.core.evidence import read_lines

#: The prefix of an inverse action (``domain.removal.PREFIX``; batch may not import domain).
PREFIX = 'deshacer_'
#: The restore of the numbering of a person that existed (``domain.removal.inverse_catalog``).
PERSON_NUMBERING = f'{PREFIX}ajustes_alta_usuario'
#: The fields a deletion's drift guard compares (``domain.removal``).
DELETE_FIELDS = {
    'alta_usuario': ('location_id', 'extension', 'phone_number'),
    'alta_workspace': ('extension', 'phone_number'),
}
#: Actions that write nothing.
READ_ONLY = ('precheck_workspace',)
#: Control Hub, as the manual steps name it.
CONTROL_HUB = 'Control Hub (https://admin.webex.com)'


@dataclass(frozen=True)
class Manual:
    """Something the run did that the API cannot undo: where (dataset, row, action, entity), what, and the manual step
    in Control Hub (Spanish)."""

    dataset: str
    row: int
    action: str
    entity: str
    what: str
    step: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Inverse:
    """The inverse of a run: the pairs to run (in order) and what is left to do by hand."""

    pairs: list[Pair]
    manual: list[Manual]


class NothingToRevert(ValueError):
    """The run cannot be reverted (a dry run, no batch recorded): the message says why, in Spanish."""


@dataclass(frozen=True)
class _Done:
    """One pair of the reverted run that wrote: its task, params, and the change it made."""

    task: Task
    params: dict[str, Any]
    before: Any
    diff: dict[str, dict[str, Any]]
    after: Any
    details: dict[str, Any]
    phase: int

    @property
    def action(self) -> str:
        return self.task.action

    @property
    def where(self) -> tuple[str, int]:
        return (self.task.dataset, self.task.row)

    @property
    def created(self) -> bool:
        return self.before is None and bool(self.diff)


def _last_change(run_dir: Path, task: Task) -> dict[str, Any] | None:
    """The last ``change`` line of a pair's evidence (what converge was about to write), or None."""
    action_id = f'{task.action}:{task.dataset}:{task.row}'
    found = None
    for line in read_lines(run_dir / f'{task.action}.jsonl'):  # rotated .jsonl.gz segments first
        if '"change"' not in line:
            continue
        entry = json.loads(line)
        if entry.get('event') == 'change' and entry.get('action_id') == action_id:
            found = entry['payload']
    return found


def _diff(before: dict[str, Any] | None, desired: dict[str, Any]) -> dict[str, dict[str, Any]]:
    current = before or {}
    return {
        key: {'before': current.get(key), 'after': value} for key, value in desired.items() if current.get(key) != value
    }


def _done(store: Checkpoint, run_dir: Path, task: Task, phase: int) -> _Done | None:
    """What a pair that sent a write changed: its recorded outcome, else (killed before the outcome) its last
    ``change`` evidence line; None when neither says anything changed."""
    spec, details = store.pair_data(task.dataset, task.row, task.action)
    params = (spec or {}).get('params') or {}
    details = details or {}
    if 'diff' in details and task.status not in ('pending', 'running'):
        diff = details.get('diff') or {}
        if not diff:
            return None
        return _Done(task, params, details.get('before'), diff, details.get('after'), details, phase)
    change = _last_change(run_dir, task)
    if change is None:
        return None
    diff = _diff(change['before'], change['desired'])
    return _Done(task, params, change['before'], diff, None, details, phase) if diff else None


def _phase_of(store: Checkpoint, task: Task) -> int:
    """The order a pair ran in: its phase in a run of pairs, its action's place in the plan otherwise."""
    return task.chunk if store.meta('pairs') else task.seq


def read_run(run_dir: Path) -> tuple[list[_Done], dict[str, Any]]:
    """The pairs of the run in ``run_dir`` that changed something, in the order they ran, and the run's target."""
    store = Checkpoint(run_dir / 'checkpoint.sqlite')
    try:
        batch = store.meta('batch')
        if batch is None:
            raise NothingToRevert(f'la ejecución {run_dir.name} no llegó a registrar su lote: no cambió nada')
        if batch.get('dry_run'):
            raise NothingToRevert(f'la ejecución {run_dir.name} fue un dry-run: no cambió nada que deshacer')
        done = []
        for dataset in store.datasets():
            for task in store.tasks(dataset):
                if task.action in READ_ONLY or not (task.wrote or task.status == 'executed'):
                    continue
                found = _done(store, run_dir, task, _phase_of(store, task))
                if found is not None:
                    done.append(found)
        target = store.meta('target') or {}
    finally:
        store.close()
    done.sort(key=lambda item: (item.phase, item.task.seq, item.task.dataset, item.task.row))
    return done, target


# --------------------------------------------------------------------------- the inverse of each kind of pair


def _base(action: str) -> str:
    """The catalogue action a pair ran: ``deshacer_configurar_x`` restores with ``configurar_x``."""
    if action == PERSON_NUMBERING:
        return 'alta_usuario'
    return action.removeprefix(PREFIX)


def _action_params(item: _Done) -> dict[str, Any]:
    """The catalogue action's params: a restore pair carries them under ``params``."""
    if item.action.startswith(PREFIX) and 'params' in item.params:
        return item.params['params']
    return item.params


def _expect(item: _Done, keys: Any) -> dict[str, Any]:
    return {key: item.diff[key]['after'] for key in keys}


def _entity_name(action: str, params: dict[str, Any]) -> str:
    if action in ('alta_usuario', 'asignar_licencias_usuario') or action.endswith('_usuario'):
        return str(params.get('email') or params.get('person') or '')
    if action == 'alta_ubicacion':
        return str(params.get('name') or '')
    if action.endswith('_workspace') and 'name' in params:
        return str(params['name'])
    return str(params.get('location') or params.get('workspace') or params.get('person') or '')


def _state_restore(item: _Done, name: str, manual: list[Manual]) -> Pair | None:
    """The restore of a settings pair: the values it replaced (those that were empty are listed: the API does not
    empty them), guarded by the values it wrote."""
    restore = {key: change['before'] for key, change in item.diff.items() if change['before'] is not None}
    empty = [key for key, change in item.diff.items() if change['before'] is None]
    params = _action_params(item)
    entity = item.task.entity or _entity_name(_base(item.action), params)
    if empty:
        shown = ', '.join(f'{key} (queda {item.diff[key]["after"]!r})' for key in empty)
        manual.append(
            Manual(
                *item.where,
                item.action,
                entity,
                f'estaba vacío antes de la ejecución y la API no lo vacía: {shown}',
                f'si hace falta, vacíelo en {CONTROL_HUB} en los ajustes de {entity}',
            )
        )
    if not restore:
        return None
    return Pair(
        item.task.dataset,
        item.task.row,
        name,
        {'params': params, 'restore': restore},
        entity=item.task.entity,
        expect=_expect(item, item.diff),
    )


def _licenses(item: _Done) -> Pair:
    params = _action_params(item)
    swapped = {
        'person': params['person'],
        'add_licenses': list(item.details.get('licenses_removed') or []),
        'remove_licenses': list(item.details.get('licenses_added') or []),
    }
    return Pair(
        item.task.dataset,
        item.task.row,
        f'{PREFIX}asignar_licencias_usuario',
        {'params': swapped},
        entity=item.task.entity,
        expect={'licenses': item.diff['licenses']['after']} if 'licenses' in item.diff else ANY_STATE,
    )


def _pstn(item: _Done, manual: list[Manual]) -> Pair | None:
    params = _action_params(item)
    before = item.before or {}
    previous = before.get('routeId') or before.get('id')
    if not previous:
        manual.append(
            Manual(
                *item.where,
                item.action,
                params['location'],
                'la ubicación no tenía conexión PSTN y la API no permite quitarla',
                f'cambie o quite la conexión PSTN en {CONTROL_HUB}: Servicios > Calling > Ubicaciones > '
                f'{params["location"]} > PSTN',
            )
        )
        return None
    return Pair(
        item.task.dataset,
        item.task.row,
        f'{PREFIX}configurar_pstn_ubicacion',
        {'params': {**params, 'pstn': previous}},
        entity=item.task.entity,
        expect=_expect(item, item.diff),
    )


def _added_numbers(item: _Done, main_numbers: set[str], location: str, manual: list[Manual]) -> Pair | None:
    params = _action_params(item)
    added = [number for number, change in item.diff.items() if change['before'] is None]
    kept = [number for number in added if number in main_numbers]
    for number in kept:
        manual.append(
            Manual(
                *item.where,
                item.action,
                number,
                f'es el número principal de la ubicación {location} que creó la ejecución: la API no quita el '
                'número principal de una ubicación',
                f'quítelo al eliminar la ubicación en {CONTROL_HUB}',
            )
        )
    removable = [number for number in added if number not in main_numbers]
    if not removable:
        return None
    return Pair(
        item.task.dataset,
        item.task.row,
        f'{PREFIX}anadir_numeraciones_ubicacion',
        {'location': params['location'], 'phone_numbers': removable, 'number_state': params.get('number_state')},
        entity=item.task.entity,
        expect={number: item.diff[number]['after'] for number in removable},
    )


def _numbers_again(item: _Done) -> list[Pair]:
    """The inverse of a removal: the numbers removed, added again in the state they had (one pair per state)."""
    states: dict[str, list[str]] = {}
    for number, change in item.diff.items():
        states.setdefault(change['before'] or 'ACTIVE', []).append(number)
    return [
        Pair(
            item.task.dataset,
            item.task.row,
            'anadir_numeraciones_ubicacion',
            {'location': item.params['location'], 'phone_numbers': numbers, 'number_state': state},
            entity=item.task.entity,
            expect=dict.fromkeys(numbers),
        )
        for state, numbers in states.items()
    ]


def _delete(item: _Done, replay: list[_Done]) -> Pair:
    """The deletion of an entity the run created, guarded by the fields it left, carrying the pairs it undoes."""
    params = item.params
    base = _base(item.action)
    fields = DELETE_FIELDS[base]
    last = {**(item.after or {key: change['after'] for key, change in item.diff.items()})}
    for later in replay[1:]:
        last.update({key: change['after'] for key, change in later.diff.items() if key in fields})
    key = (
        {'email': params['email']}
        if base == 'alta_usuario'
        else {'name': params['name'], 'location': params['location']}
    )
    return Pair(
        item.task.dataset,
        item.task.row,
        PREFIX + base,
        {
            **key,
            'replay': [
                {'action': done.action, 'params': done.params, 'expect': _replay_expect(done)} for done in replay
            ],
        },
        entity=item.task.entity,
        expect={'exists': True, **{name: last.get(name) for name in fields}},
    )


def _replay_expect(item: _Done) -> Any:
    """What a replayed pair expects: nothing (a create), else the values it found the first time."""
    if item.created:
        return None
    return {key: change['before'] for key, change in item.diff.items()}


def _replayed(item: _Done) -> list[Pair]:
    """The inverse of a deletion: the pairs it undid, again, in their order."""
    return [
        Pair(
            item.task.dataset,
            item.task.row,
            entry['action'],
            entry['params'],
            entity=item.task.entity,
            expect=entry['expect'],
        )
        for entry in item.params.get('replay') or []
    ]


def _location_manual(item: _Done, settings: list[_Done]) -> Manual:
    name = item.params.get('name') or _entity_name('alta_ubicacion', item.params)
    changed = sorted({done.action for done in settings})
    also = f'; con ella quedan los ajustes que le dio la ejecución ({", ".join(changed)})' if changed else ''
    return Manual(
        *item.where,
        item.action,
        name,
        f'la ubicación {name} se creó con Webex Calling y la API no permite eliminarla ni quitarle Webex Calling'
        + also,
        f'en {CONTROL_HUB}: Servicios > Calling > Ubicaciones > {name} > Más > Eliminar ubicación (antes, quite '
        'sus usuarios, workspaces y números)',
    )


def build_inverse(run_dir: Path) -> tuple[Inverse, dict[str, Any]]:
    """The inverse of the run in ``run_dir`` (see the module docstring) and the run's target (the revert is bound to
    it). NothingToRevert for a dry run or a run that never recorded its batch."""
    done, target = read_run(run_dir)
    manual: list[Manual] = []
    created = {
        item.where: item
        for item in done
        if item.created and _base(item.action) in ('alta_usuario', 'alta_workspace', 'alta_ubicacion')
    }
    main_numbers = {
        change['after']
        for item in done
        if item.where in created and _base(item.action) == 'configurar_cabecera_ubicacion'
        for key, change in item.diff.items()
        if key == 'callingLineId.phoneNumber'
    }
    by_entity: dict[tuple[str, int], list[_Done]] = {}
    for item in done:
        by_entity.setdefault(item.where, []).append(item)
    steps: list[tuple[int, list[Pair]]] = []
    for item in done:
        base = _base(item.action)
        maker = created.get(item.where)
        if item.action in (f'{PREFIX}alta_usuario', f'{PREFIX}alta_workspace'):
            steps.append((item.phase, _replayed(item)))
        elif item.action == f'{PREFIX}anadir_numeraciones_ubicacion':
            steps.append((item.phase, _numbers_again(item)))
        elif base == 'anadir_numeraciones_ubicacion':
            location = created[item.where].params.get('name', '') if item.where in created else ''
            pair = _added_numbers(item, main_numbers if location else set(), location, manual)
            steps.append((item.phase, [pair] if pair else []))
        elif maker is not None and maker is not item:
            continue  # a setting of an entity the run created: it goes with the entity (or with the manual step)
        elif base == 'alta_ubicacion':
            settings = [
                other
                for other in by_entity[item.where]
                if other is not item and other.action != 'anadir_numeraciones_ubicacion'
            ]
            manual.append(_location_manual(item, settings))
        elif base in ('alta_usuario', 'alta_workspace') and item.created:
            steps.append((item.phase, [_delete(item, by_entity[item.where])]))
        elif base == 'alta_usuario' and set(item.diff) <= {'extension', 'phone_number'}:
            pair = _state_restore(item, PERSON_NUMBERING, manual)
            steps.append((item.phase, [pair] if pair else []))
        elif base in ('alta_usuario', 'alta_workspace'):
            entity = _entity_name(base, item.params)
            manual.append(
                Manual(
                    *item.where,
                    item.action,
                    entity,
                    f'{entity} ya existía: no se elimina; la API no devuelve por sí sola su licencia o calling '
                    f'anteriores ({", ".join(item.diff)})',
                    f'revise su licencia y numeración en {CONTROL_HUB}: Usuarios o Workspaces > {entity} > Calling',
                )
            )
        elif base == 'asignar_licencias_usuario':
            steps.append((item.phase, [_licenses(item)]))
        elif base == 'configurar_pstn_ubicacion':
            pair = _pstn(item, manual)
            steps.append((item.phase, [pair] if pair else []))
        else:
            pair = _state_restore(item, PREFIX + base, manual)
            steps.append((item.phase, [pair] if pair else []))
    return Inverse(_ordered(steps), manual), target


#: Pairs that create, delete or free what other pairs of the revert need (an entity, a number, a main number): each
#: of them requires those of earlier phases, so that a dry run simulates them in order and a failure blocks the rest.
STRUCTURAL = frozenset(
    {
        'alta_usuario',
        'alta_workspace',
        'anadir_numeraciones_ubicacion',
        f'{PREFIX}alta_usuario',
        f'{PREFIX}alta_workspace',
        f'{PREFIX}anadir_numeraciones_ubicacion',
        f'{PREFIX}configurar_cabecera_ubicacion',
    }
)


def _ordered(steps: list[tuple[int, list[Pair]]]) -> list[Pair]:
    """The inverse pairs, last done first: the run's phases reversed, one phase of the revert each; the pairs of one
    entity (a replay) run in their order within it (``batch.pairs``); a structural pair requires the structural pairs
    of earlier phases."""
    rank = {phase: index for index, phase in enumerate(sorted({phase for phase, _ in steps}, reverse=True))}
    ordered: list[Pair] = []
    for phase, pairs in sorted(steps, key=lambda step: rank[step[0]]):
        for pair in pairs:
            requires = ()
            if pair.action in STRUCTURAL:
                requires = tuple(
                    other.key for other in ordered if other.action in STRUCTURAL and other.phase < rank[phase]
                )
            ordered.append(
                Pair(pair.dataset, pair.row, pair.action, pair.params, pair.entity, pair.expect, requires, rank[phase])
            )
    return ordered


#: What the API cannot undo, beside a revert's results (``<revert run folder>/no_revertible.json``).
MANUAL_FILE = 'no_revertible.json'


def run_inverse(
    inverse: Inverse,
    target: dict[str, Any],
    reverted: Path,
    settings: Settings,
    connection: tuple[str, str | None],
    *,
    catalog: Catalog,
    dry_run: bool,
    log_dir: str | Path | None,
    stream: TextIO | None,
    stop: Stop | None,
    sleep: Callable[[float], None] = time.sleep,
) -> Report:
    """Run ``inverse`` (``build_inverse`` of the run in ``reverted``) as a run of its own through ``run_pairs``, bound
    to the reverted run's ``target``, with ``catalog`` holding the inverse operations (``domain.removal
    .inverse_catalog``), and write its ``no_revertible.json`` (what is left to do by hand in Control Hub)."""
    done = run_pairs(
        inverse.pairs,
        settings,
        connection,
        catalog=catalog,
        dry_run=dry_run,
        target=target or None,
        origin={
            'kind': 'revert',
            'of': str(reverted),
            'bound_to': f'la ejecución {reverted.name} que se deshace se hizo contra',
        },
        log_dir=log_dir,
        sleep=sleep,
        stream=stream,
        stop=stop,
        script='revertir',
    )
    manual = [item.as_dict() for item in inverse.manual]
    (Path(done.run_dir) / MANUAL_FILE).write_text(json.dumps(manual, ensure_ascii=False, indent=2) + '\n', 'utf-8')
    return done
