"""Set the call forwarding of a person (always, busy, no answer, business continuity): only what the forward_*
columns ask for changes, then it is verified by reading it back.

Calls: GET /people?email= (or GET /people/{id}), GET and PUT /people/{id}/features/callForwarding.
Scopes: spark-admin:people_read, spark-admin:people_write.
"""

from __future__ import annotations

from typing import Any

from transformacion.common import PERSON, Action, Context, Outcome, action_main
from transformacion.domain import forwarding, resolve

ACTION = Action(
    name='configurar_desvio_usuario',
    domain='usuarios',
    summary='Desvío de llamadas de una persona: siempre, ocupado, sin respuesta y continuidad de negocio.',
    params=(
        PERSON,
        *forwarding.PARAMS,
    ),
    rules=(forwarding.ASKS,),
)


def configurar_desvio_usuario(api: Any, params: dict[str, Any], ctx: Context) -> Outcome:
    who = f'la persona {params["person"]!r}'
    desired = forwarding.desired_state(params)
    person_id = resolve.person_id(api, ctx, params['person'])
    outcome = forwarding.configure(
        ctx,
        settings_api=api.person_settings.forwarding,
        entity_id=person_id,
        path=f'/people/{person_id}/features/callForwarding',
        who=who,
        desired=desired,
    )
    outcome.details = {'person_id': person_id, **outcome.details}
    return outcome


main = action_main(__name__)

if __name__ == '__main__':
    raise SystemExit(main())
