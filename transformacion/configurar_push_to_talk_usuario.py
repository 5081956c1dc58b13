"""Set the Webex Calling Push-to-Talk of a person: connection type, auto answer, access type and member
list (the list asked for replaces the current one); verified by reading it back.

Formerly configurar_intercom_usuario (that name still works, as an alias that says it was renamed): the legacy
scripts and the LLD call "intercom" a secondary number, which configurar_numero_intercom_* set.

Calls: GET /people?email= (or GET /people/{id}) for the person and each member (GET /workspaces/{id} for workspace
members), GET and PUT /people/{id}/features/pushToTalk.
Scopes: spark-admin:people_read, spark-admin:people_write (spark-admin:workspaces_read with workspace members).
"""

from __future__ import annotations

from typing import Any

from transformacion.common import PERSON, Action, Context, Outcome, action_main
from transformacion.domain import push_to_talk, resolve

ACTION = Action(
    name='configurar_push_to_talk_usuario',
    domain='usuarios',
    summary='Push-to-Talk de una persona (antes configurar_intercom_usuario): conexión, respuesta, acceso y lista.',
    params=(
        PERSON,
        *push_to_talk.PARAMS,
    ),
    rules=(push_to_talk.ASKS,),
)


def configurar_push_to_talk_usuario(api: Any, params: dict[str, Any], ctx: Context) -> Outcome:
    who = f'la persona {params["person"]!r}'
    person_id = resolve.person_id(api, ctx, params['person'])
    outcome = push_to_talk.configure(
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
