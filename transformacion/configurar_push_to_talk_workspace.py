"""Set the Webex Calling Push-to-Talk of a workspace after its precheck: connection type, auto answer,
access type and member list (the list asked for replaces the current one); verified by reading it back.

Formerly configurar_intercom_workspace (that name still works, as an alias that says it was renamed): the legacy
scripts and the LLD call "intercom" a secondary number, which configurar_numero_intercom_* set.

Calls: the precheck's reads (GET /workspaces..., /locations/{id}, /licenses, numbers), GET /people?email= or
/workspaces/{id} per member, GET and PUT /telephony/config/workspaces/{id}/pushToTalk.
Scopes: spark-admin:workspaces_read, spark-admin:workspaces_write, spark-admin:people_read,
spark-admin:locations_read, spark-admin:telephony_config_read, spark-admin:licenses_read.
"""

from __future__ import annotations

from typing import Any

from transformacion.common import WORKSPACE, WORKSPACE_LOCATION, Action, Context, Outcome, action_main
from transformacion.domain import push_to_talk
from transformacion.domain.workspace import require_precheck_ok

ACTION = Action(
    name='configurar_push_to_talk_workspace',
    domain='workspaces',
    summary='Push-to-Talk de un workspace (antes configurar_intercom_workspace): conexión, respuesta, acceso y lista.',
    params=(
        WORKSPACE,
        WORKSPACE_LOCATION,
        *push_to_talk.PARAMS,
    ),
    rules=(push_to_talk.ASKS,),
)


def configurar_push_to_talk_workspace(api: Any, params: dict[str, Any], ctx: Context) -> Outcome:
    who = f'el workspace {params["workspace"]!r}'
    report = require_precheck_ok(api, ctx, params['workspace'], 'intercom', location=params.get('location'))
    workspace_id = report['workspace_id']
    outcome = push_to_talk.configure(
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
