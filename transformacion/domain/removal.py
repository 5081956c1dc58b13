"""The inverse operations of a revert (``revertir``): delete a person or a workspace that a run created, remove from a
location the numbers a run added, and restore a setting a run changed. Each goes through ``converge`` under the drift
guard ``Context.expect`` (what the run wrote): a value changed since is refused (``drift``), never overwritten.

A deletion is a converge of the field ``exists`` from True to False, next to the fields the drift guard compares
(``{exists, location_id, extension, phone_number}`` of a person; ``{exists, extension, phone_number}`` of a
workspace; per number, its state in the location). Webex calls:

- ``DELETE /people/{personId}`` (204; the person's number goes back to stock and its licenses free their units),
  after ``GET /people?email=&callingData=true`` or ``GET /people/{personId}?callingData=true``;
- ``DELETE /workspaces/{workspaceId}`` (204; number and license released), after ``GET /workspaces?displayName=``
  or ``GET /workspaces/{id}`` and ``GET /workspaces/{id}/features/numbers``;
- ``DELETE /telephony/config/locations/{locationId}/numbers`` ``{"phoneNumbers": [...]}`` (204, at most 5 numbers a
  request; never a location's main number, never an assigned number), after ``GET /telephony/config/numbers``.

Scopes: spark-admin:people_write, spark-admin:workspaces_write, spark-admin:telephony_config_write (and their reads).

``inverse_catalog`` registers them, and a restore of every action that changes settings, as the ``deshacer_<accion>``
actions of a revert run (not part of the public catalogue).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from transformacion.core.catalog import Catalog
from transformacion.core.context import Context, PlannedCall, converge
from transformacion.core.outcome import Outcome, Rejected
from transformacion.core.params import Action, Param
from transformacion.core.retry import absent_on_404, http_status
from transformacion.domain import resolve
from transformacion.domain.numbers import read_inventory, work_number
from transformacion.domain.outgoing_permissions import USE_CUSTOM_ENABLED
from transformacion.domain.workspace import calling_type, primary_numbers

#: The prefix of an inverse action's name: ``deshacer_alta_usuario`` undoes ``alta_usuario``.
PREFIX = 'deshacer_'
#: Remove Phone Numbers from a Location takes at most this many numbers a request (cloud-calling spec).
REMOVE_PER_REQUEST = 5
#: The fields of a person and a workspace that a deletion's drift guard compares (besides ``exists``).
PERSON_FIELDS = ('location_id', 'extension', 'phone_number')
WORKSPACE_FIELDS = ('extension', 'phone_number')

ABSENT = {'exists': False}


def _deleted_already(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """A DELETE whose 404 means the entity is gone already (an earlier attempt's delete whose answer was lost)."""
    try:
        fn(*args, **kwargs)
    except Exception as exc:
        if http_status(exc) != 404:
            raise


def delete_person(api: Any, params: dict[str, Any], ctx: Context) -> Outcome:
    """Delete the person ``params['email']`` (a person the run created), found by e-mail; ``skipped`` when it is
    gone already. Drift guard: ``{exists, location_id, extension, phone_number}`` as the run left them."""
    email = params['email']
    found: dict[str, Any] = {'id': None}

    def read() -> dict[str, Any]:
        if found['id'] is None:
            person = resolve.find_person(api, ctx, email)
        else:
            person = absent_on_404(ctx.call, api.people.details, found['id'], calling_data=True)
        if person is None:
            return dict(ABSENT)
        found['id'] = person.person_id
        state = {'location_id': person.location_id, 'extension': person.extension, 'phone_number': work_number(person)}
        return {'exists': True, **state}

    def write(changes: dict[str, Any]) -> str:
        person_id = found['id']
        ctx.write(PlannedCall('DELETE', f'/people/{person_id}'), _deleted_already, api.people.delete_person, person_id)
        return 'eliminaría la persona' if ctx.dry_run else 'eliminada'

    outcome = converge(
        ctx, entity=f'persona {email}', read=read, desired=dict(ABSENT), write=write, unchanged='ya no existe'
    )
    outcome.details = {'email': email, **({'person_id': found['id']} if found['id'] else {}), **outcome.details}
    return outcome


def delete_workspace(api: Any, params: dict[str, Any], ctx: Context) -> Outcome:
    """Delete the workspace ``params['name']`` of ``params['location']`` (a workspace the run created); ``skipped``
    when it is gone already. Drift guard: ``{exists, extension, phone_number}`` as the run left them."""
    name, location = params['name'], params['location']
    location_id = resolve.location_id(api, ctx, location)
    found: dict[str, Any] = {'id': None}

    def read() -> dict[str, Any]:
        if found['id'] is None:
            listed = ctx.call(
                lambda: list(api.workspaces.list(display_name=name, location_id=location_id, org_id=ctx.org_id))
            )
            workspace = next((ws for ws in listed if (ws.display_name or '').casefold() == name.casefold()), None)
        else:
            workspace = absent_on_404(ctx.call, api.workspaces.details, found['id'])
        if workspace is None:
            return dict(ABSENT)
        found['id'] = workspace.workspace_id
        state: dict[str, Any] = dict.fromkeys(WORKSPACE_FIELDS)
        if calling_type(workspace) == 'webexCalling':
            numbers = ctx.call(api.workspace_settings.numbers.read, workspace.workspace_id, org_id=ctx.org_id)
            state.update(primary_numbers(numbers))
        return {'exists': True, **state}

    def write(changes: dict[str, Any]) -> str:
        workspace_id = found['id']
        ctx.write(
            PlannedCall('DELETE', f'/workspaces/{workspace_id}'),
            _deleted_already,
            api.workspaces.delete_workspace,
            workspace_id,
        )
        return 'eliminaría el workspace' if ctx.dry_run else 'eliminado'

    outcome = converge(
        ctx,
        entity=f'workspace {name!r} de {location!r}',
        read=read,
        desired=dict(ABSENT),
        write=write,
        unchanged='ya no existe',
    )
    ids = {'workspace_id': found['id']} if found['id'] else {}
    outcome.details = {'location_id': location_id, **ids, **outcome.details}
    return outcome


def remove_numbers(api: Any, params: dict[str, Any], ctx: Context) -> Outcome:
    """Remove ``params['phone_numbers']`` (numbers the run added) from the location ``params['location']``, at most
    ``REMOVE_PER_REQUEST`` a request; those gone already are ``skipped``. The state is, per number, its state in the
    location (``ACTIVE`` / ``INACTIVE``) or None when it is not there. Rejected, nothing removed, when a number is
    the location's main number or still assigned to someone (Webex refuses the first; the second is removed only
    once its holder is deleted). Drift guard: each number in the state the run added it with."""
    location = params['location']
    wanted: list[str] = list(params['phone_numbers'])
    location_id = resolve.location_id(api, ctx, location)
    path = f'/telephony/config/locations/{location_id}/numbers'
    present: dict[str, Any] = {}

    def read() -> dict[str, Any]:
        present.clear()
        present.update(read_inventory(api, ctx, location_id))
        return {number: _number_state(present[number]) if number in present else None for number in wanted}

    def check(before: dict[str, Any] | None, changes: dict[str, Any]) -> None:
        main = [n for n in changes if present[n].main_number]
        held = [n for n in changes if present[n].owner is not None]
        if main or held:
            reasons = [f'{n} es el número principal de la ubicación' for n in main]
            reasons += [f'{n} sigue asignado a {_owner(present[n].owner)}' for n in held]
            raise Rejected(
                f'números de {location!r}: no se quitan: {"; ".join(reasons)}',
                {'main_numbers': main, 'assigned': held},
            )

    def write(changes: dict[str, Any]) -> str:
        numbers = list(changes)
        for start in range(0, len(numbers), REMOVE_PER_REQUEST):
            batch = numbers[start : start + REMOVE_PER_REQUEST]
            ctx.write(
                PlannedCall('DELETE', path, {'phoneNumbers': batch}),
                _remove_missing_ok,
                api,
                ctx,
                location_id,
                batch,
            )
        return f'{"quitaría" if ctx.dry_run else "quitados"} {len(numbers)} número(s)'

    outcome = converge(
        ctx,
        entity=f'números de la ubicación {location!r}',
        read=read,
        desired=dict.fromkeys(wanted),
        write=write,
        check=check,
        unchanged='ya no están en la ubicación',
    )
    outcome.details = {'location_id': location_id, **outcome.details}
    return outcome


def _number_state(item: Any) -> str:
    state = getattr(item, 'state', None)
    return str(getattr(state, 'value', state) or 'ACTIVE').upper()


def _owner(owner: Any) -> str:
    kind = str(getattr(owner.owner_type, 'value', owner.owner_type))
    name = ' '.join(part for part in (owner.first_name, owner.last_name) if part)
    return f'{kind} {name or owner.owner_id}'.strip()


def _remove_missing_ok(api: Any, ctx: Context, location_id: str, batch: list[str]) -> None:
    """Remove ``batch``; a 404 after a lost answer (the numbers are gone already) is checked by the read-back."""
    try:
        api.telephony.location.number.remove(location_id, batch, org_id=ctx.org_id)
    except Exception as exc:
        if http_status(exc) != 404:
            raise


def restore(domain: Callable[..., Outcome]) -> Callable[..., Outcome]:
    """The inverse of a settings action: the action itself, run with its original parameters
    (``params['params']``) under ``Context.restore`` = ``params['restore']`` (the values the run replaced), so that
    ``converge`` brings them back with the action's own read, write and verification."""

    def undo(api: Any, params: dict[str, Any], ctx: Context) -> Outcome:
        ctx.restore = params.get('restore')
        original = dict(params['params'])
        if (ctx.restore or {}).get(USE_CUSTOM_ENABLED) is False:
            # an entity that followed its location's outgoing permissions follows them again (its own call types,
            # kept by Webex meanwhile, are restored with it)
            original['use_location_permissions'] = True
        return domain(api, original, ctx)

    return undo


#: inverse action name -> (what its declaration says, its domain function)
_REMOVALS: dict[str, tuple[str, str, Callable[..., Outcome], tuple[str, ...]]] = {
    'alta_usuario': ('usuarios', 'Elimina una persona que la ejecución creó.', delete_person, ('email',)),
    'alta_workspace': (
        'workspaces',
        'Elimina un workspace que la ejecución creó.',
        delete_workspace,
        ('name', 'location'),
    ),
    'anadir_numeraciones_ubicacion': (
        'ubicaciones',
        'Quita de la ubicación los números que la ejecución añadió.',
        remove_numbers,
        ('location', 'phone_numbers'),
    ),
}


def inverse_catalog(catalog: Catalog) -> Catalog:
    """The actions of a revert run: ``deshacer_<accion>`` for every action of ``catalog`` (a deletion or removal for
    the three that create, a restore for the others; ``deshacer_ajustes_alta_usuario`` restores the numbering of a
    person that existed), plus the actions themselves (the revert of a revert runs them
    again). Not part of the public catalogue: ``revertir`` passes it to the run machinery."""
    inverse: Catalog = dict(catalog)
    for name, (action, domain) in catalog.items():
        if name in _REMOVALS:
            dataset, summary, fn, params = _REMOVALS[name]
            declared = tuple(Param(param, required=True, key=index == 0) for index, param in enumerate(params))
            inverse[PREFIX + name] = (Action(PREFIX + name, dataset, summary, params=declared), fn)
        if domain is not None and (name not in _REMOVALS or name == 'alta_usuario'):
            summary = f'Devuelve los ajustes que cambió {name} al valor que tenían antes de la ejecución.'
            restore_name = PREFIX + name if name not in _REMOVALS else f'{PREFIX}ajustes_{name}'
            inverse[restore_name] = (
                Action(restore_name, action.domain, summary, params=action.params, high_impact=action.high_impact),
                restore(domain),
            )
    return inverse
