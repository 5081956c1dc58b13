"""Add (or remove) the intercom number of a workspace as the LLD and the v21 scripts mean it: a secondary,
non-primary number from the inventory of the workspace's location (v21 ``workspaces_anadir_intercom_legacy``), after
the workspace precheck (area ``numeros``); verified by reading the workspace's numbers back. Push-to-Talk is
configurar_push_to_talk_workspace.

Calls: the precheck's reads (GET /workspaces..., /locations/{id}, /licenses, numbers),
GET /telephony/config/numbers?locationId= (the inventory, to add), GET /workspaces/{id}/features/numbers,
PUT /telephony/config/workspaces/{id}/numbers (``phoneNumbers: [{primary: false, action: ADD|DELETE, directNumber}]``;
Webex: only for workspaces with the Professional license).
Scopes: spark-admin:workspaces_read, spark-admin:workspaces_write, spark-admin:locations_read,
spark-admin:telephony_config_read, spark-admin:licenses_read.
"""

from __future__ import annotations

from typing import Any

from transformacion.common import WORKSPACE, WORKSPACE_LOCATION, Action, Context, Outcome, action_main
from transformacion.domain import intercom_number
from transformacion.domain.workspace import require_precheck_ok

ACTION = Action(
    name='configurar_numero_intercom_workspace',
    domain='workspaces',
    summary='Número de intercom de un workspace: número secundario (no principal) de su ubicación.',
    params=(WORKSPACE, WORKSPACE_LOCATION, *intercom_number.PARAMS),
)


def configurar_numero_intercom_workspace(api: Any, params: dict[str, Any], ctx: Context) -> Outcome:
    who = f'el workspace {params["workspace"]!r}'
    report = require_precheck_ok(api, ctx, params['workspace'], 'numeros', location=params.get('location'))
    workspace_id = report['workspace_id']
    outcome = intercom_number.configure(
        api,
        ctx,
        params,
        read_numbers=lambda holder_id: api.workspace_settings.numbers.read(holder_id, org_id=ctx.org_id),
        holder_id=workspace_id,
        location_id=report['location']['id'],
        path=f'/telephony/config/workspaces/{workspace_id}/numbers',
        who=who,
    )
    outcome.details = {'workspace_id': workspace_id, 'precheck': report, **outcome.details}
    return outcome


main = action_main(__name__)

if __name__ == '__main__':
    raise SystemExit(main())
