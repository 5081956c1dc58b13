"""Set the intercom (Webex Calling Push-to-Talk) of a workspace after its precheck: connection type, auto answer,
access type and member list (the list asked for replaces the current one); verified by reading it back.

Calls: the precheck's reads (GET /workspaces..., /locations/{id}, /licenses, numbers), GET /people?email= or
/workspaces/{id} per member, GET and PUT /telephony/config/workspaces/{id}/pushToTalk.
Scopes: spark-admin:workspaces_read, spark-admin:workspaces_write, spark-admin:people_read,
spark-admin:locations_read, spark-admin:telephony_config_read, spark-admin:licenses_read.
"""

from __future__ import annotations

from typing import Any

from transformacion.common import WORKSPACE, WORKSPACE_LOCATION, Action, Context, Outcome, action_main
from transformacion.domain import intercom
from transformacion.domain.workspace import require_precheck_ok

ACTION = Action(
    name='configurar_intercom_workspace',
    domain='workspaces',
    summary='Intercom (Push-to-Talk) de un workspace: conexión, respuesta automática, acceso y miembros.',
    params=(
        WORKSPACE,
        WORKSPACE_LOCATION,
        *intercom.PARAMS,
    ),
    rules=(intercom.ASKS,),
)


def configurar_intercom_workspace(api: Any, params: dict[str, Any], ctx: Context) -> Outcome:
    who = f'el workspace {params["workspace"]!r}'
    report = require_precheck_ok(api, ctx, params['workspace'], 'intercom', location=params.get('location'))
    workspace_id = report['workspace_id']
    outcome = intercom.configure(
        api,
        ctx,
        params,
        settings_api=api.workspace_settings.push_to_talk,
        entity_id=workspace_id,
        path=f'/telephony/config/workspaces/{workspace_id}/pushToTalk',
        who=who,
    )
    outcome.details = {'workspace_id': workspace_id, **outcome.details, 'precheck': report}
    return outcome


main = action_main(__name__)

if __name__ == '__main__':
    raise SystemExit(main())
