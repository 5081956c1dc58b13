"""Read-only report before a change to a workspace: it exists, it has Webex Calling, its location, the current
settings of the area about to change, number/extension conflicts and licenses; verdict ``ok`` or ``blocked``.

Other workspace actions call :func:`require_precheck_ok` before any write.
Calls (all GET): /workspaces?displayName=&locationId= or /workspaces/{id}, /locations/{id},
/workspaces/{id}/features/numbers/, /telephony/config/numbers?phoneNumber=|extension=&locationId=, /licenses, and per
area /telephony/config/workspaces/{id}/pushToTalk (intercom), /workspaces/{id}/features/callForwarding (desvio),
/workspaces/{id}/features/outgoingPermission (permisos_salientes).
Scopes: spark-admin:workspaces_read, spark-admin:locations_read, spark-admin:telephony_config_read,
spark-admin:licenses_read.
"""

from __future__ import annotations

from typing import Any

from transformacion.common import (
    E164,
    ENUM,
    EXTENSION,
    WORKSPACE,
    WORKSPACE_LOCATION,
    Action,
    Context,
    Outcome,
    Param,
    action_main,
)
from transformacion.domain.workspace import AREAS, run_precheck, verdict_line

ACTION = Action(
    name='precheck_workspace',
    domain='workspaces',
    summary='Informe de solo lectura antes de un cambio en un workspace: ok o blocked con motivos.',
    params=(
        WORKSPACE,
        WORKSPACE_LOCATION,
        Param('area', ENUM, help='área que se va a cambiar', choices=AREAS, default='general'),
        Param('extension', EXTENSION, help='extensión que se quiere dar al workspace (se comprueba que esté libre)'),
        Param('phone_number', E164, help='número que se quiere dar al workspace (se comprueba que esté libre)'),
    ),
)


def precheck_workspace(api: Any, params: dict[str, Any], ctx: Context) -> Outcome:
    """The precheck as an action: status ``executed`` (``dry_run`` under --dry-run) with the verdict in the message
    and in ``details['verdict']``, whatever the verdict; nothing is written either way."""
    report = run_precheck(
        api,
        ctx,
        params['workspace'],
        params.get('area') or 'general',
        location=params.get('location'),
        extension=params.get('extension'),
        phone_number=params.get('phone_number'),
    )
    ctx.log.event('response', {'kind': 'precheck', **report})
    return Outcome('dry_run' if ctx.dry_run else 'executed', verdict_line(report), report)


main = action_main(__name__)

if __name__ == '__main__':
    raise SystemExit(main())
