"""Configura el intercom (Push-to-Talk de Webex Calling) de una persona: tipo de conexión, respuesta automática,
tipo de acceso y lista de miembros (la lista pedida sustituye a la actual); verifica leyendo de nuevo.

Calls: GET /people?email= (o GET /people/{id}) de la persona y de cada miembro (GET /workspaces/{id} para
miembros workspace), GET y PUT /people/{id}/features/pushToTalk.
Scopes: spark-admin:people_read, spark-admin:people_write (spark-admin:workspaces_read si hay miembros workspace).
"""

from __future__ import annotations

from typing import Any

from transformacion.common import Context, Outcome, action_main
from transformacion.core.params import PERSON, Action
from transformacion.domain import intercom, resolve

ACTION = Action(
    name='configurar_intercom_usuario',
    domain='usuarios',
    summary='Intercom (Push-to-Talk) de una persona: conexión, respuesta automática, acceso y miembros.',
    params=(
        PERSON,
        *intercom.PARAMS,
    ),
)


def configurar_intercom_usuario(api: Any, params: dict[str, Any], ctx: Context) -> Outcome:
    who = f'la persona {params["person"]!r}'
    if not intercom.asked(params):
        return intercom.nothing_asked(who)
    person_id = resolve.person_id(api, ctx, params['person'])
    outcome = intercom.configure(
        api,
        ctx,
        params,
        settings_api=api.person_settings.push_to_talk,
        entity_id=person_id,
        path=f'/people/{person_id}/features/pushToTalk',
        who=who,
    )
    outcome.details = {'person_id': person_id, **outcome.details}
    return outcome


main = action_main(__name__)

if __name__ == '__main__':
    raise SystemExit(main())
