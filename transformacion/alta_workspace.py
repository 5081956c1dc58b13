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

from transformacion.common import Context, Outcome, PlannedCall, Rejected, action_main, diff
from transformacion.core.params import E164, ENUM, EXTENSION, Action, Param
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


def _check_inputs(
    api: Any,
    ctx: Context,
    params: dict[str, Any],
    location_id: str,
    owner_id: str | None,
    before: dict[str, Any] | None,
) -> None:
    """Rejected (nothing written) when the change cannot be made: devices or calling Webex will not change, an
    extension or number held by someone else or outside the location. Licenses units are checked by take_unit."""
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
    wanted = {key: params[key] for key in ('extension', 'phone_number') if params.get(key)}
    if before is not None:
        wanted = {key: value for key, value in wanted.items() if before[key] != value}
    problems = number_problems(api, ctx, location_id, wanted, owner_id)
    if problems['reasons']:
        raise Rejected('; '.join(problems['reasons']), problems)


def alta_workspace(api: Any, params: dict[str, Any], ctx: Context) -> Outcome:
    from wxc_sdk.workspaces import CallingType, Workspace, WorkspaceCalling, WorkspaceWebexCalling

    name = params['name']
    if not params.get('extension') and not params.get('phone_number'):
        raise Rejected(
            f'workspace {name!r}: falta la numeración; indique --extension, --phone-number o ambos '
            '(columnas extension, phone_number)'
        )
    location_id = resolve.location_id(api, ctx, params['location'])
    wanted = params.get('license') or DEFAULT_LICENSE
    lic = resolve.license_by_name_or_id(api, ctx, wanted)
    license_names = {item.license_id: item.name for item in resolve.licenses(api, ctx)}
    current = find_workspace(api, ctx, name, location_id)
    before = _state(api, ctx, current, license_names) if current else None
    desired = _desired(params, lic.name)
    changes = diff(before or {}, desired)
    details: dict[str, Any] = {'location_id': location_id, 'before': before, 'diff': changes}
    if current is not None:
        details['workspace_id'] = current.workspace_id
    if not changes:
        return Outcome('skipped', f'workspace {name!r}: ya existe con Webex Calling y los datos pedidos', details)
    _check_inputs(api, ctx, params, location_id, current.workspace_id if current else None, before)
    # a license of another name takes a unit of one of its subscriptions; the same name keeps the one it holds
    license_ids = None
    if before is None or before['license'] != lic.name:
        license_ids = [take_unit(api, ctx, resolve.license_candidates(api, ctx, wanted), 'license').license_id]

    extension = params.get('extension') or (before or {}).get('extension')
    phone_number = params.get('phone_number') or (before or {}).get('phone_number')
    calling = WorkspaceCalling(
        type=CallingType.webex,
        webex_calling=WorkspaceWebexCalling(
            location_id=location_id, extension=extension, phone_number=phone_number, licenses=license_ids
        ),
    )
    if current is None:
        settings = Workspace(
            display_name=name, location_id=location_id, supported_devices=params['supported_devices'], calling=calling
        )
        if ctx.org_id:
            settings.org_id = ctx.org_id
        created = ctx.write(
            PlannedCall('POST', '/workspaces', settings.update_or_create()),
            api.workspaces.create,
            settings,
            recover=lambda: find_workspace(api, ctx, name, location_id),
        )
        workspace_id = created.workspace_id if created is not None else None
        step = 'crear con Webex Calling'
    else:
        workspace_id = current.workspace_id
        current.calling = calling
        ctx.write(
            PlannedCall('PUT', f'/workspaces/{workspace_id}', current.update_or_create(for_update=True)),
            api.workspaces.update,
            workspace_id,
            current,
        )
        step = 'actualizar ' + ', '.join(changes)
    details['calls'] = [call.as_dict() for call in ctx.planned]
    if ctx.dry_run:
        return Outcome('dry_run', f'workspace {name!r}: {step}', details)

    after = _state(api, ctx, ctx.call(api.workspaces.details, workspace_id), license_names)
    remaining = diff(after, desired)
    details.update({'workspace_id': workspace_id, 'after': after, 'verified': not remaining})
    if remaining:
        return Outcome('error', f'workspace {name!r}: la verificación falla en {", ".join(remaining)}', details)
    return Outcome('executed', f'workspace {name!r}: {step} (verificado)', details)


main = action_main(__name__)

if __name__ == '__main__':
    raise SystemExit(main())
