"""Configura el desvío de llamadas de un workspace (siempre, si está ocupado, si no contesta, continuidad de
negocio) tras el precheck del workspace: solo cambia lo que indican las columnas forward_*, y verifica leyendo de nuevo.

Calls: las lecturas del precheck (GET /workspaces..., /locations/{id}, /licenses, números), GET y
PUT /workspaces/{id}/features/callForwarding.
Scopes: spark-admin:workspaces_read, spark-admin:workspaces_write, spark-admin:locations_read,
spark-admin:telephony_config_read, spark-admin:licenses_read.
"""

from __future__ import annotations

from typing import Any

from transformacion.common import Context, Outcome, action_main
from transformacion.core.params import WORKSPACE, WORKSPACE_LOCATION, Action
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
)


def configurar_desvio_workspace(api: Any, params: dict[str, Any], ctx: Context) -> Outcome:
    who = f'el workspace {params["workspace"]!r}'
    desired = forwarding.desired_state(params)
    if not desired:
        return forwarding.nothing_asked(who)
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
