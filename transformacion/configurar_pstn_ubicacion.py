"""Choose the PSTN connection of a Webex Calling location: a premises trunk or route group (local gateway) or a
cloud-connected PSTN option offered to that location, each given by name or by id.

Calls: GET /locations?name=, GET /telephony/config/locations/{id}, GET /telephony/pstn/locations/{id}/connectionOptions,
GET /telephony/config/premisePstn/trunks and /routeGroups, GET and PUT /telephony/pstn/locations/{id}/connection.
Scopes: spark-admin:locations_read, spark-admin:telephony_config_read, spark-admin:telephony_pstn_read/write.
High impact when the location already has a PSTN connection (its calls change path): then it needs --yes.
"""

from __future__ import annotations

from typing import Any

from transformacion.common import LOCATION, Action, Context, Outcome, Param, PlannedCall, Rejected, action_main, diff
from transformacion.domain import resolve
from transformacion.domain.locations import (
    LOCAL_GATEWAY,
    NO_CONNECTION,
    NOT_SETTABLE,
    connection_path,
    read_connection,
    wire_value,
)

ACTION = Action(
    name='configurar_pstn_ubicacion',
    domain='ubicaciones',
    summary='Elige la conexión PSTN de una ubicación (trunk, route group o proveedor cloud).',
    high_impact=True,
    params=(
        LOCATION,
        Param(
            'pstn',
            required=True,
            help='conexión PSTN: nombre o id de un trunk, de un route group o de una opción PSTN cloud que la '
            'ubicación ofrezca (p. ej. "Telefonica Cloud Connect"); pide --yes si la ubicación ya tenía PSTN',
        ),
    ),
)


def _option_label(option: Any) -> str:
    return f'{option.display_name} ({wire_value(option.pstn_connection_type)})'


def _target(api: Any, ctx: Context, wanted: str, options: list[Any], location: str) -> tuple[dict, dict, str]:
    """(desired state, PUT body, label) for ``wanted``; Rejected when it is unknown or not offered to the location."""
    folded = wanted.casefold()
    option = next((o for o in options if o.id == wanted or (o.display_name or '').casefold() == folded), None)
    route = resolve.premises_route(api, ctx, wanted, '--pstn')
    offered = ', '.join(_option_label(o) for o in options) or 'ninguna'
    if option is not None and route is not None:
        raise Rejected(f'--pstn: {wanted!r} es a la vez una opción PSTN y un {route["type"]}; indique su id')
    if route is not None:
        if not any(wire_value(o.pstn_connection_type) == LOCAL_GATEWAY for o in options):
            raise Rejected(
                f'--pstn: la ubicación {location!r} no ofrece PSTN local ({LOCAL_GATEWAY}) para usar {wanted!r}; '
                f'opciones ofrecidas: {offered}',
                {'offered': [_option_label(o) for o in options]},
            )
        desired = {'pstnConnectionType': LOCAL_GATEWAY, 'routeType': route['type'], 'routeId': route['id']}
        body = {'premiseRouteType': route['type'], 'premiseRouteId': route['id']}
        return desired, body, f'{route["type"]} {route["name"]}'
    if option is None:
        raise Rejected(
            f'--pstn: {wanted!r} no es ningún trunk, route group ni opción PSTN ofrecida a la ubicación {location!r}; '
            f'opciones ofrecidas: {offered}; trunks y route groups: {resolve.describe_premises_routes(api, ctx)}',
            {'offered': [_option_label(o) for o in options]},
        )
    kind = wire_value(option.pstn_connection_type)
    if kind == LOCAL_GATEWAY:
        raise Rejected(
            f'--pstn: {wanted!r} es PSTN local; indique el trunk o route group que debe usar '
            f'({resolve.describe_premises_routes(api, ctx)})'
        )
    return {**NO_CONNECTION, 'pstnConnectionType': kind, 'id': option.id}, {'id': option.id}, _option_label(option)


def configurar_pstn_ubicacion(api: Any, params: dict[str, Any], ctx: Context) -> Outcome:
    location = params['location']
    location_id = resolve.location_id(api, ctx, location)
    resolve.calling_location(api, ctx, location_id, location)
    options = ctx.call(api.telephony.pstn.list, location_id, org_id=ctx.org_id)
    desired, body, label = _target(api, ctx, params['pstn'], options, location)
    entity = f'PSTN de la ubicación {location!r}'
    before = read_connection(api, ctx, location_id)
    changes = diff(before, desired)
    details: dict[str, Any] = {'location_id': location_id, 'target': label, 'before': before, 'diff': changes}
    if not changes:
        return Outcome('skipped', f'{entity}: ya usa {label}', details)
    if desired['pstnConnectionType'] in NOT_SETTABLE:
        raise Rejected(
            f'--pstn: Webex no permite configurar por API una conexión {desired["pstnConnectionType"]} '
            f'({label}); hágalo en Control Hub',
            details,
        )

    def write() -> None:
        ctx.write(
            PlannedCall('PUT', connection_path(location_id), body),
            api.telephony.pstn.configure,
            location_id,
            id=body.get('id'),
            premise_route_type=body.get('premiseRouteType'),
            premise_route_id=body.get('premiseRouteId'),
            org_id=ctx.org_id,
        )

    if ctx.dry_run:
        write()
        details['calls'] = [call.as_dict() for call in ctx.planned]
        return Outcome('dry_run', f'{entity}: pasaría de {before["displayName"] or "ninguna"} a {label}', details)
    if before['pstnConnectionType'] is not None:
        ctx.confirm(f'{entity} (cambiar una conexión PSTN en uso)', before, desired)
    write()
    after = read_connection(api, ctx, location_id)
    remaining = diff(after, desired)
    details.update(after=after, calls=[call.as_dict() for call in ctx.planned], verified=not remaining)
    if remaining:
        return Outcome('error', f'{entity}: la verificación falla en {", ".join(remaining)}', details)
    return Outcome('executed', f'{entity}: ahora usa {label} (verificado)', details)


main = action_main(__name__)

if __name__ == '__main__':
    raise SystemExit(main())
