"""Set the outgoing calling permissions of a workspace: custom per call type, or follow the location's.

High impact (it can stop calls in production): runs the workspace precheck (area permisos_salientes) first, shows
the current and the desired state and writes only with --yes or a confirmation typed on a terminal. Format of
``outgoing_permissions``: see transformacion.domain.outgoing_permissions.
Calls: the precheck's reads (GET /workspaces, /locations/{id}, numbers, licenses, outgoingPermission), GET and
PUT /workspaces/{id}/features/outgoingPermission, and when the workspace follows the location today
GET /telephony/config/locations/{id}/outgoingPermission.
Scopes: spark-admin:workspaces_read/write, spark-admin:locations_read, spark-admin:licenses_read,
spark-admin:telephony_config_read/write.
"""

from __future__ import annotations

from typing import Any

from transformacion.common import WORKSPACE, WORKSPACE_LOCATION, Action, Context, Outcome, Rejected, action_main
from transformacion.domain.outgoing_permissions import (
    AREA,
    ENTITY_RULES,
    PROFILE_PARAM,
    USE_LOCATION_PARAM,
    configure_permissions,
    permissions_param,
    read_settings,
)
from transformacion.domain.workspace import require_precheck_ok

ACTION = Action(
    name='configurar_permisos_salientes_workspace',
    domain='workspaces',
    summary='Permisos de llamadas salientes de un workspace.',
    high_impact=True,
    params=(
        WORKSPACE,
        WORKSPACE_LOCATION,
        permissions_param(required=False),
        PROFILE_PARAM,
        USE_LOCATION_PARAM,
    ),
    rules=ENTITY_RULES,
)


def configurar_permisos_salientes_workspace(api: Any, params: dict[str, Any], ctx: Context) -> Outcome:
    workspace = params['workspace']
    precheck = require_precheck_ok(api, ctx, workspace, AREA, location=params.get('location'))

    def location_settings() -> Any:
        if not precheck['location']:
            raise Rejected(f'el workspace {workspace!r} no tiene ubicación')
        return read_settings(
            ctx,
            api.telephony.location.permissions_out,
            precheck['location']['id'],
            f'la ubicación del workspace {workspace!r} no está habilitada para Webex Calling',
        )

    return configure_permissions(
        api,
        ctx,
        entity=f'permisos salientes del workspace {workspace!r}',
        endpoint=api.workspace_settings.permissions_out,
        entity_id=precheck['workspace_id'],
        params=params,
        not_found=f'el workspace {workspace!r} no tiene Webex Calling',
        location_settings=location_settings,
        extra={'precheck': precheck},
    )


main = action_main(__name__)

if __name__ == '__main__':
    raise SystemExit(main())
