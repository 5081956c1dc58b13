"""Set the main number (calling line id) of a Webex Calling location and, optionally, its caller id name.

The number must already be in the location's inventory (anadir_numeraciones_ubicacion adds it).
Calls: GET /locations?name=, GET /telephony/config/locations/{id}, GET /telephony/config/numbers?phoneNumber=,
PUT /telephony/config/locations/{id} with callingLineId.
Scopes: spark-admin:locations_read, spark-admin:telephony_config_read/write.
"""

from __future__ import annotations

from typing import Any

from transformacion.common import E164, LOCATION, Action, Context, Outcome, Param, PlannedCall, action_main, converge
from transformacion.domain import resolve
from transformacion.domain.numbers import check_number

ACTION = Action(
    name='configurar_cabecera_ubicacion',
    domain='ubicaciones',
    summary='Fija el número de cabecera (calling line id) de una ubicación.',
    params=(
        LOCATION,
        Param(
            'main_number',
            type=E164,
            required=True,
            help='número de cabecera; debe estar ya en el inventario de la ubicación',
            depends_on='anadir_numeraciones_ubicacion',
        ),
        Param('caller_id_name', help='nombre que se muestra con el número de cabecera (calling line id name)'),
    ),
)

NUMBER = 'callingLineId.phoneNumber'
NAME = 'callingLineId.name'


def configurar_cabecera_ubicacion(api: Any, params: dict[str, Any], ctx: Context) -> Outcome:
    from wxc_sdk.telephony.location import CallingLineId, TelephonyLocation

    location = params['location']
    number = params['main_number']
    location_id = resolve.location_id(api, ctx, location)
    resolve.calling_location(api, ctx, location_id, location)
    check_number(api, ctx, number, location_id, location, None, field='--main-number', free=False)
    desired = {NUMBER: number}
    if params.get('caller_id_name') is not None:
        desired[NAME] = params['caller_id_name']

    def read() -> dict[str, Any]:
        clid = resolve.calling_location(api, ctx, location_id, location).calling_line_id
        return {NUMBER: clid.phone_number if clid else None, NAME: clid.name if clid else None}

    def write(changes: dict[str, Any]) -> None:
        clid = CallingLineId(phone_number=desired[NUMBER], **({'name': desired[NAME]} if NAME in desired else {}))
        settings = TelephonyLocation(calling_line_id=clid)
        ctx.write(
            PlannedCall('PUT', f'/telephony/config/locations/{location_id}', settings.update()),
            api.telephony.location.update,
            location_id,
            settings,
            org_id=ctx.org_id,
        )

    outcome = converge(ctx, entity=f'cabecera de la ubicación {location!r}', read=read, desired=desired, write=write)
    outcome.details['location_id'] = location_id
    return outcome


main = action_main(__name__)

if __name__ == '__main__':
    raise SystemExit(main())
