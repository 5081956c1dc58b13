"""Set the call forwarding of a workspace (always, busy, no answer, business continuity) after the workspace
precheck: only what the forward_* columns ask for changes, then it is verified by reading it back.

Calls: the precheck's reads (GET /workspaces..., /locations/{id}, /licenses, numbers), GET and
PUT /workspaces/{id}/features/callForwarding.
Scopes: spark-admin:workspaces_read, spark-admin:workspaces_write, spark-admin:locations_read,
spark-admin:telephony_config_read, spark-admin:licenses_read.
"""

from __future__ import annotations

from typing import Any

from transformacion.common import WORKSPACE, WORKSPACE_LOCATION, Action, Context, Outcome, action_main
from transformacion.domain import forwarding
from transformacion.domain.workspace import require_precheck_ok

ACTION = Action(
    name='configurar_desvio_workspace',
    domain='workspaces',
    summary='Desvío de llamadas de un workspace: siempre, ocupado, sin respuesta y continuidad de negocio.',
    params=(
        WORKSPACE,
        WORKSPACE_LOCATION,
        *forwarding.PARAMS,
    ),
    rules=(forwarding.ASKS,),
)


def configurar_desvio_workspace(api: Any, params: dict[str, Any], ctx: Context) -> Outcome:
    who = f'el workspace {params["workspace"]!r}'
    desired = forwarding.desired_state(params)
    report = require_precheck_ok(api, ctx, params['workspace'], 'desvio', location=params.get('location'))
    workspace_id = report['workspace_id']
    outcome = forwarding.configure(
        ctx,
        settings_api=api.workspace_settings.forwarding,
        entity_id=workspace_id,
        path=f'/workspaces/{workspace_id}/features/callForwarding',
        who=who,
        desired=desired,
    )
    outcome.details = {'workspace_id': workspace_id, **outcome.details, 'precheck': report}
    return outcome


main = action_main(__name__)

if __name__ == '__main__':
    raise SystemExit(main())
