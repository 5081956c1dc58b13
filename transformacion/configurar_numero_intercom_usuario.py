"""Add (or remove) the intercom number of a person as the LLD and the v21 scripts mean it: a secondary, non-primary
number from the inventory of the person's location (v21 ``usuarios_anadir_intercom_legacy``); verified by reading
the person's numbers back. Push-to-Talk, which this product called "intercom" before, is
configurar_push_to_talk_usuario.

Calls: GET /people?email= (or /people/{id}), GET /people/{id}?callingData=true (the location),
GET /telephony/config/numbers?locationId= (the inventory, to add), GET /people/{id}/features/numbers,
PUT /telephony/config/people/{id}/numbers (``phoneNumbers: [{primary: false, action: ADD|DELETE, directNumber}]``).
Scopes: spark-admin:people_read, spark-admin:telephony_config_read, spark-admin:telephony_config_write.
"""

from __future__ import annotations

from typing import Any

from transformacion.common import PERSON, Action, Context, Outcome, Rejected, action_main
from transformacion.domain import intercom_number, resolve

ACTION = Action(
    name='configurar_numero_intercom_usuario',
    domain='usuarios',
    summary='Número de intercom de una persona: número secundario (no principal) de su ubicación.',
    params=(PERSON, *intercom_number.PARAMS),
)


def configurar_numero_intercom_usuario(api: Any, params: dict[str, Any], ctx: Context) -> Outcome:
    who = f'la persona {params["person"]!r}'
    person_id = resolve.person_id(api, ctx, params['person'])
    person = ctx.call(api.people.details, person_id, calling_data=True)
    if not person.location_id:
        raise Rejected(f'{who} no es usuario de Webex Calling: no puede tener número de intercom')
    outcome = intercom_number.configure(
        api,
        ctx,
        params,
        read_numbers=lambda holder_id: api.person_settings.numbers.read(holder_id, org_id=ctx.org_id),
        holder_id=person_id,
        location_id=person.location_id,
        path=f'/telephony/config/people/{person_id}/numbers',
        who=who,
    )
    outcome.details = {'person_id': person_id, **outcome.details}
    return outcome


main = action_main(__name__)

if __name__ == '__main__':
    raise SystemExit(main())
