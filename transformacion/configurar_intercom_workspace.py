"""Configura el intercom (Push-to-Talk de Webex Calling) de un workspace tras su precheck: tipo de conexión,
respuesta automática, tipo de acceso y lista de miembros (la lista pedida sustituye a la actual); verifica leyendo
de nuevo.

Calls: las lecturas del precheck (GET /workspaces..., /locations/{id}, /licenses, números), GET /people?email= o
/workspaces/{id} por miembro, GET y PUT /telephony/config/workspaces/{id}/pushToTalk.
Scopes: spark-admin:workspaces_read, spark-admin:workspaces_write, spark-admin:people_read,
spark-admin:locations_read, spark-admin:telephony_config_read, spark-admin:licenses_read.
"""

from __future__ import annotations

from typing import Any

from transformacion.common import Context, Outcome, action_main
from transformacion.core.params import WORKSPACE, WORKSPACE_LOCATION, Action
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
)


def configurar_intercom_workspace(api: Any, params: dict[str, Any], ctx: Context) -> Outcome:
    who = f'el workspace {params["workspace"]!r}'
    if not intercom.asked(params):
        return intercom.nothing_asked(who)
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
