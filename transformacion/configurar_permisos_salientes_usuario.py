"""Set the outgoing calling permissions of a person: custom per call type, or follow the location's.

High impact (it can stop calls in production): shows the current and the desired state and writes only with
--yes or a confirmation typed on a terminal. Format of ``outgoing_permissions``: see
transformacion.domain.outgoing_permissions.
Calls: GET /people?email= (or /people/{id}), GET and PUT the person's outgoingPermission
(/telephony/config/people/{id}/outgoingPermission from wxc_sdk 1.38, /people/{id}/features/outgoingPermission
before), and when the person follows the location today GET /people/{id}?callingData=true and
GET /telephony/config/locations/{id}/outgoingPermission.
Scopes: spark-admin:people_read, spark-admin:telephony_config_read/write.
"""

from __future__ import annotations

from typing import Any

from transformacion.common import PERSON, Action, Context, Outcome, Rejected, action_main
from transformacion.domain import resolve
from transformacion.domain.outgoing_permissions import (
    ENTITY_RULES,
    PROFILE_PARAM,
    USE_LOCATION_PARAM,
    configure_permissions,
    permissions_param,
    read_settings,
)

ACTION = Action(
    name='configurar_permisos_salientes_usuario',
    domain='usuarios',
    summary='Permisos de llamadas salientes de una persona.',
    high_impact=True,
    params=(
        PERSON,
        permissions_param(required=False),
        PROFILE_PARAM,
        USE_LOCATION_PARAM,
    ),
    rules=ENTITY_RULES,
)


def configurar_permisos_salientes_usuario(api: Any, params: dict[str, Any], ctx: Context) -> Outcome:
    person = params['person']
    person_id = resolve.person_id(api, ctx, person)

    def location_settings() -> Any:
        location_id = ctx.call(api.people.details, person_id, calling_data=True).location_id
        if not location_id:
            raise Rejected(f'la persona {person!r} no tiene ubicación de Webex Calling')
        return read_settings(
            ctx,
            api.telephony.location.permissions_out,
            location_id,
            f'la ubicación de la persona {person!r} no está habilitada para Webex Calling',
        )

    return configure_permissions(
        api,
        ctx,
        entity=f'permisos salientes de la persona {person!r}',
        endpoint=api.person_settings.permissions_out,
        entity_id=person_id,
        params=params,
        not_found=f'la persona {person!r} no tiene Webex Calling',
        location_settings=location_settings,
    )


main = action_main(__name__)

if __name__ == '__main__':
    raise SystemExit(main())
