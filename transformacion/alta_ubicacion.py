"""Create a Webex location if none of that name exists, enable it for Webex Calling, verify by reading back.

Calls: GET /locations?name=, POST /locations, PUT /locations/{id} (address, time zone or language drift),
GET and POST /telephony/config/locations.
Scopes: spark-admin:locations_read/write, spark-admin:telephony_config_read/write.
"""

from __future__ import annotations

from typing import Any

from transformacion.common import (
    ANNOUNCEMENT_LANGUAGE,
    COUNTRY,
    PREFERRED_LANGUAGE,
    TIME_ZONE,
    Action,
    Context,
    Outcome,
    Param,
    ParamType,
    PlannedCall,
    action_main,
    converge,
)
from transformacion.domain import locations
from transformacion.domain.locations import ADDRESS_FIELDS, location_state

CALLING_NAME_MAX = 80


def _location_name(value: str) -> str:
    if len(value) > CALLING_NAME_MAX:
        raise ValueError(f'tiene {len(value)} caracteres; una ubicación de Webex Calling admite {CALLING_NAME_MAX}')
    return value


LOCATION_NAME = ParamType(
    'location_name', _location_name, f'texto de hasta {CALLING_NAME_MAX} caracteres', literal=True
)

ACTION = Action(
    name='alta_ubicacion',
    domain='ubicaciones',
    summary='Crea una ubicación (si no existe una con ese nombre) y la habilita para Webex Calling.',
    params=(
        Param(
            'name',
            LOCATION_NAME,
            required=True,
            key=True,
            help='nombre de la ubicación (máx. 80 caracteres para Calling)',
        ),
        Param('time_zone', TIME_ZONE, required=True, help='zona horaria de la ubicación'),
        Param(
            'preferred_language',
            PREFERRED_LANGUAGE,
            required=True,
            help='idioma de correo de la ubicación',
        ),
        Param(
            'announcement_language',
            ANNOUNCEMENT_LANGUAGE,
            required=True,
            help='idioma de las locuciones de Webex Calling de la ubicación',
        ),
        Param('address1', required=True, help='dirección, línea 1'),
        Param('address2', help='dirección, línea 2'),
        Param('city', required=True, help='ciudad'),
        Param('state', required=True, help='provincia o estado'),
        Param('postal_code', required=True, help='código postal'),
        Param('country', COUNTRY, required=True, help='país de la dirección'),
    ),
)

#: the state field saying whether the location is enabled for Webex Calling
CALLING = 'calling_enabled'
_WIRE = {'postal_code': 'postalCode', 'time_zone': 'timeZone', 'preferred_language': 'preferredLanguage'}


def find_location(api: Any, ctx: Context, name: str) -> Any:
    """The location whose name is ``name`` (case-insensitive), or None."""
    wanted = name.casefold()
    found = ctx.call(lambda: list(api.locations.list(name=name, org_id=ctx.org_id)))
    return next((location for location in found if (location.name or '').casefold() == wanted), None)


def _desired_state(params: dict[str, Any]) -> dict[str, Any]:
    fields = ('time_zone', 'preferred_language', *ADDRESS_FIELDS)
    return {field: params[field] for field in fields if params.get(field) is not None} | {CALLING: True}


def _wire_body(params: dict[str, Any]) -> dict[str, Any]:
    address = {_WIRE.get(f, f): params[f] for f in ADDRESS_FIELDS if params.get(f) is not None}
    return {
        'name': params['name'],
        'timeZone': params['time_zone'],
        'preferredLanguage': params['preferred_language'],
        'announcementLanguage': params['announcement_language'],
        'address': address,
    }


def alta_ubicacion(api: Any, params: dict[str, Any], ctx: Context) -> Outcome:
    from wxc_sdk.locations import Location, LocationAddress

    name = params['name']
    address = {f: params[f] for f in ADDRESS_FIELDS if params.get(f) is not None}
    found: dict[str, Any] = {'location': None, 'location_id': None}
    steps: list[str] = []

    def read() -> dict[str, Any] | None:
        if found['location_id'] is None:
            found['location'] = find_location(api, ctx, name)
            found['location_id'] = getattr(found['location'], 'location_id', None)
        else:
            found['location'] = ctx.call(api.locations.details, found['location_id'], org_id=ctx.org_id)
        if found['location'] is None:
            return None
        enabled = locations.calling_details(api, ctx, found['location_id']) is not None
        return {**location_state(found['location']), CALLING: enabled}

    def enable_calling(location_id: str) -> None:
        steps.append('habilitar Webex Calling')
        to_enable = Location(
            location_id=location_id,
            name=found['location'].name if found['location'] else name,
            time_zone=params['time_zone'],
            preferred_language=params['preferred_language'],
            announcement_language=params['announcement_language'],
            address=LocationAddress(**address),
        )
        locations.enable_calling(api, ctx, to_enable)

    def create() -> str:
        steps.append('crear')
        found['location_id'] = ctx.write(
            PlannedCall('POST', '/locations', _wire_body(params)),
            api.locations.create,
            name=name,
            time_zone=params['time_zone'],
            preferred_language=params['preferred_language'],
            announcement_language=params['announcement_language'],
            address1=params['address1'],
            address2=params.get('address2'),
            city=params['city'],
            state=params['state'],
            postal_code=params['postal_code'],
            country=params['country'],
            org_id=ctx.org_id,
            recover=lambda: getattr(find_location(api, ctx, name), 'location_id', None),
        )
        enable_calling(found['location_id'])
        return '; '.join(steps)

    def write(changes: dict[str, Any]) -> str:
        location_id = found['location_id']
        drift = [field for field in changes if field != CALLING]
        if drift:
            steps.append('actualizar ' + ', '.join(drift))
            update = Location(
                time_zone=params['time_zone'],
                preferred_language=params['preferred_language'],
                address=LocationAddress(**address),
            )
            ctx.write(
                PlannedCall('PUT', f'/locations/{location_id}', update.update()),
                api.locations.update,
                location_id,
                update,
                org_id=ctx.org_id,
            )
        if CALLING in changes:
            enable_calling(location_id)
        return '; '.join(steps)

    outcome = converge(
        ctx,
        entity=f'ubicación {name!r}',
        read=read,
        desired=_desired_state(params),
        write=write,
        create=create,
        unchanged='ya existe con Webex Calling y los datos pedidos',
    )
    after = outcome.details.get('after')
    extra = {'calling_enabled': bool(after and after[CALLING])} if after is not None else {}
    outcome.details = {'location_id': found['location_id'], **outcome.details, 'steps': steps, **extra}
    return outcome


main = action_main(__name__)

if __name__ == '__main__':
    raise SystemExit(main())
