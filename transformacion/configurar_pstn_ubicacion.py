"""Choose the PSTN connection of a Webex Calling location: a premises trunk or route group (local gateway) or a
cloud-connected PSTN option offered to that location, each given by name or by id.

Webex documents the connection options with ``id``, ``displayName`` and ``pstnServices`` only: the connection type
is known once a connection is set (``GET .../connection``). So a trunk or route group named means a local gateway
(``{premiseRouteType, premiseRouteId}``), any other name or id must be one of the options offered (``{id}``), and the
type is read back after the write. Webex refuses by API the integrated types (Cisco PSTN, integrated CCP): that
refusal is reported as rejected, with the pointer to Control Hub; a dry run cannot foresee it.
Calls: GET /locations?name=, GET /telephony/config/locations/{id}, GET /telephony/pstn/locations/{id}/connectionOptions,
GET /telephony/config/premisePstn/trunks and /routeGroups, GET and PUT /telephony/pstn/locations/{id}/connection.
Scopes: spark-admin:locations_read, spark-admin:telephony_config_read, spark-admin:telephony_pstn_read/write.
High impact when the location already has a PSTN connection (its calls change path): then it needs --yes.
"""

from __future__ import annotations

from typing import Any

from transformacion.common import (
    LOCATION,
    Action,
    Context,
    Outcome,
    Param,
    PlannedCall,
    Rejected,
    action_main,
    converge,
    describe_error,
)
from transformacion.domain import resolve
from transformacion.domain.locations import (
    LOCAL_GATEWAY,
    NOT_SETTABLE,
    connection_path,
    read_connection,
)


def _first_connection(api: Any, ctx: Context, params: dict[str, Any]) -> None:
    """A location the batch creates (or enables for calling) first has no PSTN connection yet: its first one asks
    nothing (the ``confirm_if`` below)."""
    return None


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
    confirm_when_new=_first_connection,
)

#: What an operator must do for a connection Webex does not let the API set.
CONTROL_HUB = (
    'las conexiones integradas ({types}) solo se configuran en Control Hub; para PSTN local indique el trunk o '
    'route group'
).format(types=', '.join(NOT_SETTABLE))


def _target(api: Any, ctx: Context, wanted: str, options: list[Any], location: str) -> tuple[dict, dict, str]:
    """(desired state, PUT body, label) for ``wanted``; Rejected when it is unknown or not offered to the location."""
    folded = wanted.casefold()
    option = next((o for o in options if o.id == wanted or (o.display_name or '').casefold() == folded), None)
    route = resolve.premises_route(api, ctx, wanted, '--pstn')
    if option is not None and route is not None:
        raise Rejected(f'--pstn: {wanted!r} es a la vez una opción PSTN y un {route["type"]}; indique su id')
    if route is not None:
        desired = {'pstnConnectionType': LOCAL_GATEWAY, 'routeType': route['type'], 'routeId': route['id']}
        body = {'premiseRouteType': route['type'], 'premiseRouteId': route['id']}
        return desired, body, f'{route["type"]} {route["name"]}'
    if option is None:
        offered = [o.display_name or o.id for o in options]
        raise Rejected(
            f'--pstn: {wanted!r} no es ningún trunk, route group ni opción PSTN ofrecida a la ubicación {location!r}; '
            f'opciones ofrecidas: {", ".join(offered) or "ninguna"}; trunks y route groups: '
            f'{resolve.describe_premises_routes(api, ctx)}',
            {'offered': offered},
        )
    desired = {'id': option.id, 'routeType': None, 'routeId': None}
    return desired, {'id': option.id}, option.display_name or option.id


def configurar_pstn_ubicacion(api: Any, params: dict[str, Any], ctx: Context) -> Outcome:
    from wxc_sdk.rest import RestError

    location = params['location']
    location_id = resolve.location_id(api, ctx, location)
    resolve.calling_location(api, ctx, location_id, location)
    options = ctx.call(api.telephony.pstn.list, location_id, org_id=ctx.org_id)
    desired, body, label = _target(api, ctx, params['pstn'], options, location)
    entity = f'PSTN de la ubicación {location!r}'
    before = read_connection(api, ctx, location_id)
    known = {'location_id': location_id, 'target': label}

    def write(changes: dict[str, Any]) -> str:
        try:
            ctx.write(
                PlannedCall('PUT', connection_path(location_id), body),
                api.telephony.pstn.configure,
                location_id,
                id=body.get('id'),
                premise_route_type=body.get('premiseRouteType'),
                premise_route_id=body.get('premiseRouteId'),
                org_id=ctx.org_id,
            )
        except RestError as exc:
            error = describe_error(exc)
            if error['reason'] != 'invalid_input':
                raise
            reason = ': '.join(dict.fromkeys([error['message'], *error.get('errors', [])]))
            hint = f'; {CONTROL_HUB}' if 'id' in body else ''
            raise Rejected(
                f'--pstn: Webex rechazó la conexión {label!r} para la ubicación {location!r} y no cambió nada: '
                f'{reason}{hint}',
                {**known, 'before': before, 'diff': changes, 'refused': error},
            ) from None
        if ctx.dry_run:
            caveat = '' if 'premiseRouteId' in body else f' (si Webex la admite por API: {CONTROL_HUB})'
            return f'pasaría de {before["displayName"] or "ninguna"} a {label}{caveat}'
        return f'ahora usa {label}'

    outcome = converge(
        ctx,
        entity=entity,
        read=lambda: read_connection(api, ctx, location_id),
        current=before,
        desired=desired,
        write=write,
        confirm_if=lambda before, changes: (
            f'{entity} (cambiar una conexión PSTN en uso)' if before['pstnConnectionType'] else None
        ),
        unchanged=f'ya usa {label}',
    )
    if outcome.status == 'executed':
        # the connection type of a cloud option is known only once set: the message names what Webex reports
        outcome.message = f'{entity}: ahora usa {label} ({outcome.details["after"]["pstnConnectionType"]}) (verificado)'
    outcome.details = {**known, **outcome.details}
    return outcome


main = action_main(__name__)

if __name__ == '__main__':
    raise SystemExit(main())
