"""Configura el desvío de llamadas de un workspace (siempre, si está ocupado, si no contesta, continuidad de
negocio) tras el precheck del workspace: solo cambia lo que indican las columnas forward_*, y verifica leyendo de nuevo.

Calls: las lecturas del precheck (GET /workspaces..., /locations/{id}, /licenses, números), GET y
PUT /workspaces/{id}/features/callForwarding.
Scopes: spark-admin:workspaces_read, spark-admin:workspaces_write, spark-admin:locations_read,
spark-admin:telephony_config_read, spark-admin:licenses_read.
"""

from __future__ import annotations

from typing import Any

from transformacion import desvio
from transformacion.common import Context, Outcome, action_main
from transformacion.params import WORKSPACE, WORKSPACE_LOCATION, Action
from transformacion.precheck_workspace import require_precheck_ok

ACTION = Action(
    name='configurar_desvio_workspace',
    domain='workspaces',
    summary='Desvío de llamadas de un workspace: siempre, ocupado, sin respuesta y continuidad de negocio.',
    params=(
        WORKSPACE,
        WORKSPACE_LOCATION,
        *desvio.PARAMS,
    ),
)


def configurar_desvio_workspace(api: Any, params: dict[str, Any], ctx: Context) -> Outcome:
    who = f'el workspace {params["workspace"]!r}'
    desired = desvio.desired_state(params)
    if not desired:
        return desvio.nothing_asked(who)
    report = require_precheck_ok(api, ctx, params['workspace'], 'desvio', location=params.get('location'))
    workspace_id = report['workspace_id']
    outcome = desvio.configure(
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
