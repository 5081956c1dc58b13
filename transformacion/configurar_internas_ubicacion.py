"""Internal dialing of a Webex Calling location: routing prefix, outside dial digit, and where calls to unknown
extensions go (a premises trunk or route group, given by name or id).

A routing-prefix change is an admin batch job on Webex: the PUT answers ``{batchJobId}`` and the prefix lands when
the job ends (seconds later). The action records the job id, follows the job to its end and only then verifies;
while another prefix job of the org runs, Webex answers 409 and the PUT is sent again later (bounded waits).
Calls: GET /locations?name=, GET /telephony/config/locations (routing prefix in use elsewhere),
GET/PUT /telephony/config/locations/{id}, GET /telephony/config/jobs/updateRoutingPrefix/{jobId} (and /errors when
the job fails), GET /telephony/config/premisePstn/trunks and /routeGroups,
GET/PUT /telephony/config/locations/{id}/internalDialing.
Scopes: spark-admin:locations_read, spark-admin:telephony_config_read/write.
"""

from __future__ import annotations

import json
import re
from typing import Any

from transformacion.common import (
    BOOL,
    LOCATION,
    Action,
    Context,
    Outcome,
    Param,
    ParamType,
    PlannedCall,
    Rejected,
    action_main,
    asks_one_of,
    converge,
    forbidden_if,
    required_if,
)
from transformacion.domain import resolve
from transformacion.domain.locations import follow_routing_prefix_job, update_calling_location

ROUTING_PREFIX_MAX = 7


def _routing_prefix(value: str) -> str:
    if not re.fullmatch(rf'\d{{1,{ROUTING_PREFIX_MAX}}}', value):
        raise ValueError(f'se esperaba un prefijo de 1 a {ROUTING_PREFIX_MAX} dígitos')
    return value


def _dial_digit(value: str) -> str:
    if not re.fullmatch(r'\d', value):
        raise ValueError('se esperaba un único dígito (0-9)')
    return value


ROUTING_PREFIX = ParamType('routing_prefix', _routing_prefix, f'de 1 a {ROUTING_PREFIX_MAX} dígitos')
DIAL_DIGIT = ParamType('digit', _dial_digit, 'un dígito (0-9)')

ACTION = Action(
    name='configurar_internas_ubicacion',
    domain='ubicaciones',
    summary='Marcación interna: prefijo de enrutamiento, dígito de salida y extensiones desconocidas.',
    params=(
        LOCATION,
        Param('routing_prefix', type=ROUTING_PREFIX, help='prefijo para llamar a extensiones de esta ubicación'),
        Param('outside_dial_digit', type=DIAL_DIGIT, help='dígito para obtener línea exterior'),
        Param(
            'unknown_extension_route',
            help='trunk o route group (nombre o id) al que enviar las llamadas a extensiones desconocidas; '
            'activa esa política',
        ),
        Param(
            'unknown_extension_policy',
            type=BOOL,
            help='activa (true, con --unknown-extension-route) o desactiva (false) el envío de extensiones '
            'desconocidas a la centralita',
        ),
    ),
    rules=(
        asks_one_of('routing_prefix', 'outside_dial_digit', 'unknown_extension_route', 'unknown_extension_policy'),
        required_if('unknown_extension_policy', True, 'unknown_extension_route'),
        forbidden_if('unknown_extension_policy', False, 'unknown_extension_route', why='false desactiva la política'),
    ),
)

PREFIX = 'routingPrefix'
DIAL = 'outsideDialDigit'
ENABLE = 'enableUnknownExtensionRoutePolicy'
ROUTE = 'unknownExtensionRouteIdentity'


def _check_prefix_free(api: Any, ctx: Context, prefix: str, location_id: str) -> None:
    others = ctx.call(lambda: list(api.telephony.location.list(org_id=ctx.org_id)))
    taken = next((loc for loc in others if loc.routing_prefix == prefix and loc.location_id != location_id), None)
    if taken is not None:
        raise Rejected(f'--routing-prefix: el prefijo {prefix} ya lo usa la ubicación {taken.name!r}')


def _desired(api: Any, ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    desired: dict[str, Any] = {}
    if params.get('routing_prefix') is not None:
        desired[PREFIX] = params['routing_prefix']
    if params.get('outside_dial_digit') is not None:
        desired[DIAL] = params['outside_dial_digit']
    name = params.get('unknown_extension_route')
    if name is not None:
        route = resolve.premises_route(api, ctx, name, '--unknown-extension-route')
        if route is None:
            raise Rejected(
                f'--unknown-extension-route: no hay ningún trunk ni route group {name!r}; '
                f'disponibles: {resolve.describe_premises_routes(api, ctx)}'
            )
        desired[ENABLE] = True
        desired[ROUTE] = {'id': route['id'], 'type': route['type']}
    elif params.get('unknown_extension_policy') is False:
        desired[ENABLE] = False
    return desired


def _route_state(identity: Any) -> dict[str, str] | None:
    """``{id, type}`` of an SDK ``RouteIdentity`` (the name is Webex's, not ours to compare), or None."""
    if identity is None:
        return None
    return {'id': identity.route_id, 'type': getattr(identity.route_type, 'value', identity.route_type)}


def configurar_internas_ubicacion(api: Any, params: dict[str, Any], ctx: Context) -> Outcome:
    from wxc_sdk.common import RouteIdentity, RouteType
    from wxc_sdk.telephony.location import TelephonyLocation
    from wxc_sdk.telephony.location.internal_dialing import InternalDialing

    location = params['location']
    location_id = resolve.location_id(api, ctx, location)
    resolve.calling_location(api, ctx, location_id, location)
    desired = _desired(api, ctx, params)
    if PREFIX in desired:
        _check_prefix_free(api, ctx, desired[PREFIX], location_id)
    dialing_api = api.telephony.location.internal_dialing
    location_path = f'/telephony/config/locations/{location_id}'
    job: dict[str, Any] = {}

    def read() -> dict[str, Any]:
        calling = resolve.calling_location(api, ctx, location_id, location)
        dialing = ctx.call(dialing_api.read, location_id, org_id=ctx.org_id)
        return {
            PREFIX: calling.routing_prefix,
            DIAL: calling.outside_dial_digit,
            ENABLE: dialing.enable_unknown_extension_route_policy,
            ROUTE: _route_state(dialing.unknown_extension_route_identity),
        }

    def write(changes: dict[str, Any]) -> None:
        calling_changes = {key: desired[key] for key in (PREFIX, DIAL) if key in changes}
        if calling_changes:
            settings = TelephonyLocation.model_validate(calling_changes)
            job_id = ctx.write(
                PlannedCall('PUT', location_path, settings.update()),
                update_calling_location,
                api,
                ctx,
                location_id,
                settings,
            )
            if job_id:
                job.update(follow_routing_prefix_job(api, ctx, job_id))
            elif PREFIX in calling_changes and not ctx.dry_run:
                job.update(id=None, status='NOT_TRIGGERED')
        if ENABLE in changes or ROUTE in changes:
            route = desired.get(ROUTE)
            identity = RouteIdentity(id=route['id'], type=RouteType(route['type'])) if route else None
            update = InternalDialing(
                enable_unknown_extension_route_policy=desired[ENABLE], unknown_extension_route_identity=identity
            )
            ctx.write(
                PlannedCall(
                    'PUT', f'{location_path}/internalDialing', json.loads(update.model_dump_json(exclude_none=False))
                ),
                dialing_api.update,
                location_id,
                update,
                org_id=ctx.org_id,
            )

    outcome = converge(
        ctx, entity=f'marcación interna de la ubicación {location!r}', read=read, desired=desired, write=write
    )
    outcome.details['location_id'] = location_id
    if job:
        outcome.details['routing_prefix_job'] = job
        if outcome.status == 'error' and PREFIX in outcome.details.get('after', {}) and job['status'] != 'COMPLETED':
            outcome.message += f'; {_job_explanation(job)}'
    return outcome


def _job_explanation(job: dict[str, Any]) -> str:
    """Why the prefix did not land, from the job Webex ran (or did not run)."""
    if job['id'] is None:
        return 'Webex no lanzó el trabajo de cambio de prefijo (la respuesta no trae batchJobId; ver la evidencia)'
    if not job['ended']:
        return (
            f'el trabajo de Webex {job["id"]} sigue en curso tras {job["waited_s"]:.0f} s: el prefijo puede llegar '
            'más tarde; repita la acción para comprobarlo'
        )
    errors = f': {"; ".join(job["errors"])}' if job['errors'] else ''
    return f'el trabajo de Webex {job["id"]} terminó en {job["status"]}{errors}'


main = action_main(__name__)

if __name__ == '__main__':
    raise SystemExit(main())
