"""Enable Webex Calling on a location that already exists, named by name or id alone: its name, time zone,
language and address are read from Webex (the address is already there), only the announcement language, which
the locations API does not show, comes from the row. Verified by reading the calling details back.

Creating a location (with its address) and enabling it in one go is alta_ubicacion; this action is for locations
created elsewhere (Control Hub, another tool), as the v21 ``ubicacion_configurar_pstn`` did in passing.

Calls: GET /locations?name= (or /locations/{id}), GET /telephony/config/locations/{id} (404: not enabled),
POST /telephony/config/locations.
Scopes: spark-admin:locations_read, spark-admin:telephony_config_read, spark-admin:telephony_config_write.
"""

from __future__ import annotations

from typing import Any

from transformacion.common import (
    ANNOUNCEMENT_LANGUAGE,
    BOOL,
    LOCATION,
    Action,
    Context,
    Outcome,
    Param,
    Rejected,
    action_main,
    asks_one_of,
    converge,
)
from transformacion.domain import locations, resolve

#: Longest name of a Webex Calling location (the locations API accepts longer ones).
CALLING_NAME_MAX = 80

ACTION = Action(
    name='habilitar_calling_ubicacion',
    domain='ubicaciones',
    summary='Habilita Webex Calling en una ubicación que ya existe (por nombre o id; su dirección ya está en Webex).',
    params=(
        LOCATION,
        Param(
            'enable_calling',
            BOOL,
            required=True,
            help='si: habilita Webex Calling en la ubicación existente (no se deshabilita desde aquí)',
        ),
        Param(
            'announcement_language',
            ANNOUNCEMENT_LANGUAGE,
            required=True,
            help='idioma de las locuciones de Webex Calling (la API de ubicaciones no lo devuelve)',
        ),
    ),
    rules=(asks_one_of('enable_calling'),),
)


def habilitar_calling_ubicacion(api: Any, params: dict[str, Any], ctx: Context) -> Outcome:
    from wxc_sdk.locations import Location

    name = params['location']
    location_id = resolve.location_id(api, ctx, name)
    location = ctx.call(api.locations.details, location_id, org_id=ctx.org_id)

    def read() -> dict[str, Any]:
        return {'calling_enabled': locations.calling_details(api, ctx, location_id) is not None}

    def check(before: dict[str, Any] | None, changes: dict[str, Any]) -> None:
        if not params['enable_calling']:
            raise Rejected(f'la ubicación {name!r} tiene Webex Calling y esta acción no lo deshabilita')
        if len(location.name or '') > CALLING_NAME_MAX:
            raise Rejected(
                f'la ubicación {location.name!r} tiene {len(location.name)} caracteres y una ubicación de Webex '
                f'Calling admite {CALLING_NAME_MAX}: acorte el nombre antes de habilitarla'
            )
        if location.address is None or not location.time_zone or not location.preferred_language:
            raise Rejected(
                f'la ubicación {name!r} no tiene en Webex la dirección, la zona horaria o el idioma que Webex Calling '
                'exige: complételos con alta_ubicacion'
            )

    def write(changes: dict[str, Any]) -> str:
        to_enable = Location(
            location_id=location_id,
            name=location.name,
            time_zone=location.time_zone,
            preferred_language=location.preferred_language,
            announcement_language=params['announcement_language'],
            address=location.address,
        )
        locations.enable_calling(api, ctx, to_enable)
        return 'habilitar Webex Calling'

    outcome = converge(
        ctx,
        entity=f'ubicación {name!r}',
        read=read,
        desired={'calling_enabled': bool(params['enable_calling'])},
        write=write,
        check=check,
        unchanged='ya tiene Webex Calling' if params['enable_calling'] else 'no tiene Webex Calling',
    )
    outcome.details = {'location_id': location_id, **outcome.details}
    return outcome


main = action_main(__name__)

if __name__ == '__main__':
    raise SystemExit(main())
