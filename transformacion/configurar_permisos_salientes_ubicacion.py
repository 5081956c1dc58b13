"""Set the outgoing calling permissions per call type of a location (only the listed call types change).

High impact (it can stop calls in production): shows the current and the desired state and writes only with
--yes or a confirmation typed on a terminal. Format of ``outgoing_permissions``: see
transformacion.domain.outgoing_permissions.
Calls: GET /locations?name= (or /locations/{id}), GET and PUT /telephony/config/locations/{id}/outgoingPermission.
Scopes: spark-admin:locations_read, spark-admin:telephony_config_read/write.
"""

from __future__ import annotations

from typing import Any

from transformacion.common import LOCATION, Action, Context, Outcome, action_main
from transformacion.domain import resolve
from transformacion.domain.outgoing_permissions import (
    LOCATION_RULES,
    PROFILE_PARAM,
    configure_permissions,
    permissions_param,
)

ACTION = Action(
    name='configurar_permisos_salientes_ubicacion',
    domain='ubicaciones',
    summary='Permisos de llamadas salientes por tipo de llamada de una ubicación.',
    high_impact=True,
    params=(
        LOCATION,
        permissions_param(required=False),
        PROFILE_PARAM,
    ),
    rules=LOCATION_RULES,
)


def configurar_permisos_salientes_ubicacion(api: Any, params: dict[str, Any], ctx: Context) -> Outcome:
    location = params['location']
    location_id = resolve.location_id(api, ctx, location)
    return configure_permissions(
        api,
        ctx,
        entity=f'permisos salientes de la ubicación {location!r}',
        endpoint=api.telephony.location.permissions_out,
        entity_id=location_id,
        params=params,
        not_found=f'la ubicación {location!r} no está habilitada para Webex Calling',
    )


main = action_main(__name__)

if __name__ == '__main__':
    raise SystemExit(main())
