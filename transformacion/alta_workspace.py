"""Create a Webex Calling workspace in a location, or converge the one of that name already there (calling,
extension, number, license); verify by reading it back.

Calls: GET /locations?name=, GET /licenses, GET /workspaces?displayName=&locationId=, GET /telephony/config/numbers,
POST /workspaces (new) or PUT /workspaces/{id} (existing, with its current fields echoed), GET /workspaces/{id},
GET /workspaces/{id}/features/numbers/.
Scopes: spark-admin:workspaces_read/write, spark-admin:locations_read, spark-admin:licenses_read,
spark-admin:telephony_config_read.
"""

from __future__ import annotations

from typing import Any

from transformacion.common import (
    E164,
    ENUM,
    EXTENSION,
    Action,
    Context,
    Outcome,
    Param,
    PlannedCall,
    Rejected,
    action_main,
    converge,
    one_of,
)
from transformacion.domain import resolve
from transformacion.domain.licenses import take_unit
from transformacion.domain.workspace import calling_type, number_problems, primary_numbers

DEFAULT_LICENSE = 'Webex Calling - Workspaces'

ACTION = Action(
    name='alta_workspace',
    domain='workspaces',
    summary='Crea un workspace con Webex Calling en una ubicación (o ajusta el existente de ese nombre).',
    params=(
        Param('name', required=True, key=True, help='nombre visible del workspace'),
        Param(
            'location',
            required=True,
            key=True,
            help='ubicación del workspace (nombre o id), habilitada para Webex Calling',
            depends_on='alta_ubicacion',
        ),
        Param('extension', EXTENSION, help='extensión del workspace (indique extensión, número o ambos)'),
        Param(
            'phone_number',
            E164,
            help='número E.164 del workspace, del inventario de la ubicación (indique extensión, número o ambos)',
            depends_on='anadir_numeraciones_ubicacion',
        ),
        Param(
            'license',
            help='licencia de Webex Calling: nombre (se toma la primera suscripción con unidades libres), '
            'nombre@suscripción (p. ej. Webex Calling - Workspaces@Sub-12345) o id; en un workspace existente se '
            'cambia si es otra',
            default=DEFAULT_LICENSE,
        ),
        Param(
            'supported_devices',
            ENUM,
            help='dispositivos del workspace; no se puede cambiar una vez creado',
            choices=('phones', 'collaborationDevices'),
            default='phones',
        ),
    ),
    rules=(one_of('extension', 'phone_number', why='un workspace de Webex Calling necesita numeración'),),
)


def find_workspace(api: Any, ctx: Context, name: str, location_id: str) -> Any:
    """The workspace named ``name`` (case-insensitive) in the location, or None."""
    wanted = name.casefold()
    found = ctx.call(lambda: list(api.workspaces.list(display_name=name, location_id=location_id, org_id=ctx.org_id)))
    return next((ws for ws in found if (ws.display_name or '').casefold() == wanted), None)


def _state(api: Any, ctx: Context, workspace: Any, license_names: dict[str, str]) -> dict[str, Any]:
    """What this action manages of a workspace: calling type, extension, number, license (by name), devices."""
    calling = calling_type(workspace)
    state: dict[str, Any] = {
        'calling': calling,
        'extension': None,
        'phone_number': None,
        'license': None,
        'supported_devices': str(getattr(workspace.supported_devices, 'value', workspace.supported_devices)),
    }
    if calling == 'webexCalling':
        assigned = workspace.calling.webex_calling.licenses if workspace.calling.webex_calling else None
        state['license'] = license_names.get(assigned[0], assigned[0]) if assigned else None
        numbers = ctx.call(api.workspace_settings.numbers.read, workspace.workspace_id, org_id=ctx.org_id)
        state.update(primary_numbers(numbers))
    return state


def _desired(params: dict[str, Any], license_name: str) -> dict[str, Any]:
    desired = {'calling': 'webexCalling', 'license': license_name, 'supported_devices': params['supported_devices']}
    desired.update({key: params[key] for key in ('extension', 'phone_number') if params.get(key)})
    return desired


def _check(params: dict[str, Any], before: dict[str, Any] | None) -> None:
    """Rejected (nothing written) when Webex will not make the change: devices or a calling type it does not let the
    API change (license units are taken by ``take_unit``)."""
    if before is not None:
        if before['supported_devices'] != params['supported_devices']:
            raise Rejected(
                f'supported_devices: el workspace {params["name"]!r} es {before["supported_devices"]} y Webex no '
                f'permite cambiarlo a {params["supported_devices"]}',
                {'before': before},
            )
        if before['calling'] not in ('webexCalling', 'freeCalling', 'none', 'thirdPartySipCalling'):
            raise Rejected(
                f'el workspace {params["name"]!r} tiene calling {before["calling"]}, que Webex no permite cambiar por '
                'API; cámbielo en Control Hub',
                {'before': before},
            )


def _held_by_a_workspace(api: Any, ctx: Context, params: dict[str, Any], location_id: str) -> bool:
    """True when the extension or number asked for belongs to a workspace (owner type PLACE) of the location."""
    wanted = {key: params[key] for key in ('extension', 'phone_number') if params.get(key)}
    conflicts = number_problems(api, ctx, location_id, params['location'], wanted, None)['conflicts']
    return any(str(conflict['owner_type']).endswith('PLACE') for conflict in conflicts)


def _create(api: Any, ctx: Context, settings: Any, name: str, location_id: str) -> Any:
    """POST /workspaces, never replayed blindly; a 409 means the workspace is there already (an earlier attempt's
    create that list results did not show yet): it is looked for, for ``policy.visibility_wait``, before the
    conflict is reported."""
    from wxc_sdk.rest import RestError

    def recover() -> Any:
        return find_workspace(api, ctx, name, location_id)

    try:
        return ctx.write(
            PlannedCall('POST', '/workspaces', settings.update_or_create()),
            api.workspaces.create,
            settings,
            recover=recover,
        )
    except RestError as exc:
        if exc.response.status_code != 409:
            raise
        found = ctx.read_back(recover)
        if found is None:
            raise
        ctx.log.event('response', {'kind': 'read_back_after_conflicting_create', 'found': True})
        return found


def alta_workspace(api: Any, params: dict[str, Any], ctx: Context) -> Outcome:
    from wxc_sdk.workspaces import CallingType, Workspace, WorkspaceCalling, WorkspaceWebexCalling

    name = params['name']
    location_id = resolve.location_id(api, ctx, params['location'])
    wanted_license = params.get('license') or DEFAULT_LICENSE
    lic = resolve.license_by_name_or_id(api, ctx, wanted_license)
    license_names = {item.license_id: item.name for item in resolve.licenses(api, ctx)}
    # license_ids: None keeps the subscription a workspace holds; a license of another name takes a unit of one of
    # its subscriptions (take_unit)
    found: dict[str, Any] = {'workspace': None, 'license_ids': None}

    def read() -> dict[str, Any] | None:
        if found['workspace'] is None:
            found['workspace'] = find_workspace(api, ctx, name, location_id)
            if found['workspace'] is None and _held_by_a_workspace(api, ctx, params, location_id):
                # a workspace holds the numbering asked for: it may be this one, created moments ago, not listed yet
                found['workspace'] = ctx.read_back(lambda: find_workspace(api, ctx, name, location_id))
        else:
            found['workspace'] = ctx.call(api.workspaces.details, found['workspace'].workspace_id)
        return _state(api, ctx, found['workspace'], license_names) if found['workspace'] else None

    def check(before: dict[str, Any] | None, changes: dict[str, Any]) -> None:
        _check(params, before)
        if before is None or before['license'] != lic.name:
            candidates = resolve.license_candidates(api, ctx, wanted_license)
            found['license_ids'] = [take_unit(api, ctx, candidates, 'license').license_id]
        wanted = {key: params[key] for key in ('extension', 'phone_number') if params.get(key)}
        if before is not None:
            wanted = {key: value for key, value in wanted.items() if before[key] != value}
        owner_id = found['workspace'].workspace_id if found['workspace'] else None
        problems = number_problems(api, ctx, location_id, params['location'], wanted, owner_id)
        if problems['reasons']:
            raise Rejected('; '.join(problems['reasons']), problems)

    def calling(before: dict[str, Any] | None) -> Any:
        return WorkspaceCalling(
            type=CallingType.webex,
            webex_calling=WorkspaceWebexCalling(
                location_id=location_id,
                extension=params.get('extension') or (before or {}).get('extension'),
                phone_number=params.get('phone_number') or (before or {}).get('phone_number'),
                licenses=found['license_ids'],
            ),
        )

    def create() -> str:
        settings = Workspace(
            display_name=name,
            location_id=location_id,
            supported_devices=params['supported_devices'],
            calling=calling(None),
        )
        if ctx.org_id:
            settings.org_id = ctx.org_id
        found['workspace'] = _create(api, ctx, settings, name, location_id)
        return 'crear con Webex Calling'

    def write(changes: dict[str, Any]) -> str:
        current = found['workspace']
        current.calling = calling(before)
        ctx.write(
            PlannedCall('PUT', f'/workspaces/{current.workspace_id}', current.update_or_create(for_update=True)),
            api.workspaces.update,
            current.workspace_id,
            current,
        )
        return 'actualizar ' + ', '.join(changes)

    before = read()
    outcome = converge(
        ctx,
        entity=f'workspace {name!r}',
        read=read,
        current=before,
        desired=_desired(params, lic.name),
        write=write,
        create=create,
        check=check,
        unchanged='ya existe con Webex Calling y los datos pedidos',
    )
    workspace = found['workspace']
    ids = {'workspace_id': workspace.workspace_id} if workspace is not None else {}
    outcome.details = {'location_id': location_id, **outcome.details, **ids}
    return outcome


main = action_main(__name__)

if __name__ == '__main__':
    raise SystemExit(main())
