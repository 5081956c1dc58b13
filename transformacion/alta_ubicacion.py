"""Create a Webex location if none of that name exists, enable it for Webex Calling, verify by reading back.

Calls: GET /locations?name=, POST /locations, PUT /locations/{id} (address, time zone or language drift),
GET and POST /telephony/config/locations.
Scopes: spark-admin:locations_read/write, spark-admin:telephony_config_read/write.
"""

from __future__ import annotations

from typing import Any

from transformacion.common import Context, Outcome, PlannedCall, action_main, diff
from transformacion.core.params import Action, Param, ParamType
from transformacion.domain.locations import ADDRESS_FIELDS, location_state

CALLING_NAME_MAX = 80


def _location_name(value: str) -> str:
    if len(value) > CALLING_NAME_MAX:
        raise ValueError(f'tiene {len(value)} caracteres; una ubicación de Webex Calling admite {CALLING_NAME_MAX}')
    return value


def _country(value: str) -> str:
    code = value.strip().upper()
    if len(code) != 2 or not code.isascii() or not code.isalpha():
        raise ValueError('se esperaba un código de país ISO-3166 de 2 letras (p. ej. ES)')
    return code


LOCATION_NAME = ParamType('location_name', _location_name, f'texto de hasta {CALLING_NAME_MAX} caracteres')
COUNTRY = ParamType('country', _country, 'código de país ISO-3166 de 2 letras')

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
        Param('time_zone', required=True, help='zona horaria IANA, p. ej. Europe/Madrid'),
        Param('preferred_language', required=True, help='idioma de correo, p. ej. es_ES'),
        Param('announcement_language', required=True, help='idioma de locuciones en minúsculas, p. ej. es_es'),
        Param('address1', required=True, help='dirección, línea 1'),
        Param('address2', help='dirección, línea 2'),
        Param('city', required=True, help='ciudad'),
        Param('state', required=True, help='provincia o estado'),
        Param('postal_code', required=True, help='código postal'),
        Param('country', COUNTRY, required=True, help='país, código ISO-3166 de 2 letras (ES)'),
    ),
)

_WIRE = {'postal_code': 'postalCode', 'time_zone': 'timeZone', 'preferred_language': 'preferredLanguage'}


def find_location(api: Any, ctx: Context, name: str) -> Any:
    """The location whose name is ``name`` (case-insensitive), or None."""
    wanted = name.casefold()
    found = ctx.call(lambda: list(api.locations.list(name=name, org_id=ctx.org_id)))
    return next((location for location in found if (location.name or '').casefold() == wanted), None)


def _desired_state(params: dict[str, Any]) -> dict[str, Any]:
    fields = ('time_zone', 'preferred_language', *ADDRESS_FIELDS)
    return {field: params[field] for field in fields if params.get(field) is not None}


def _wire_body(params: dict[str, Any]) -> dict[str, Any]:
    address = {_WIRE.get(f, f): params[f] for f in ADDRESS_FIELDS if params.get(f) is not None}
    return {
        'name': params['name'],
        'timeZone': params['time_zone'],
        'preferredLanguage': params['preferred_language'],
        'announcementLanguage': params['announcement_language'],
        'address': address,
    }


def _calling_details(api: Any, ctx: Context, location_id: str) -> Any:
    from wxc_sdk.rest import RestError

    try:
        return ctx.call(api.telephony.location.details, location_id, org_id=ctx.org_id)
    except RestError as exc:
        if exc.response.status_code == 404:
            return None
        raise


def alta_ubicacion(api: Any, params: dict[str, Any], ctx: Context) -> Outcome:
    from wxc_sdk.locations import Location, LocationAddress

    name = params['name']
    location = find_location(api, ctx, name)
    before = location_state(location) if location else None
    desired = _desired_state(params)
    steps: list[str] = []

    if location is None:
        body = _wire_body(params)
        steps.append('crear')
        location_id = ctx.write(
            PlannedCall('POST', '/locations', body),
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
        calling = None
    else:
        location_id = location.location_id
        drift = diff(before, desired)
        if drift:
            steps.append('actualizar ' + ', '.join(drift))
            update = Location(
                time_zone=params['time_zone'],
                preferred_language=params['preferred_language'],
                address=LocationAddress(**{f: params[f] for f in ADDRESS_FIELDS if params.get(f) is not None}),
            )
            ctx.write(
                PlannedCall('PUT', f'/locations/{location_id}', update.update()),
                api.locations.update,
                location_id,
                update,
                org_id=ctx.org_id,
            )
        calling = _calling_details(api, ctx, location_id)

    if calling is None:
        steps.append('habilitar Webex Calling')
        to_enable = Location(
            location_id=location_id,
            name=location.name if location else name,
            time_zone=params['time_zone'],
            preferred_language=params['preferred_language'],
            announcement_language=params['announcement_language'],
            address=LocationAddress(**{f: params[f] for f in ADDRESS_FIELDS if params.get(f) is not None}),
        )
        ctx.write(
            PlannedCall(
                'POST',
                '/telephony/config/locations',
                to_enable.model_dump(mode='json', by_alias=True, exclude_none=True),
            ),
            api.telephony.location.enable_for_calling,
            to_enable,
            org_id=ctx.org_id,
            recover=lambda: _calling_details(api, ctx, location_id),
        )

    details: dict[str, Any] = {'location_id': location_id, 'before': before, 'steps': steps}
    if not steps:
        return Outcome('skipped', f'ubicación {name!r}: ya existe con Webex Calling y los datos pedidos', details)
    details['calls'] = [call.as_dict() for call in ctx.planned]
    if ctx.dry_run:
        return Outcome('dry_run', f'ubicación {name!r}: ' + '; '.join(steps), details)

    after = location_state(ctx.call(api.locations.details, location_id, org_id=ctx.org_id))
    remaining = diff(after, desired)
    enabled = _calling_details(api, ctx, location_id) is not None
    details.update({'after': after, 'calling_enabled': enabled, 'verified': enabled and not remaining})
    if remaining or not enabled:
        problem = ', '.join(remaining) if remaining else 'Webex Calling no habilitado'
        return Outcome('error', f'ubicación {name!r}: la verificación falla ({problem})', details)
    return Outcome('executed', f'ubicación {name!r}: ' + '; '.join(steps) + ' (verificado)', details)


main = action_main(__name__)

if __name__ == '__main__':
    raise SystemExit(main())
