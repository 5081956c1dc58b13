"""Move a Webex Calling user to another location with Webex's Move Users job: validated first (the dry-run shows
the validation's impacts and refuses what Webex would refuse), then started, followed to its end and verified by
reading the person back (location, extension, number).

Without ``target_extension`` the user keeps its extension; without ``target_phone_number`` its number moves with it
(Webex refuses to move an on-premises number: give then a number of the target location). Moving a user loses its
stored voice messages and resets location-level settings (Webex lists the impacts): the action is high-impact and
asks for ``--yes``.

Calls: GET /people?email= (or /people/{id}), GET /people/{id}?callingData=true, GET /locations?name= (or
/locations/{id}), GET /telephony/config/numbers?locationId= (with target_phone_number),
POST /telephony/config/jobs/person/moveLocation (``validate: true``, then ``validate: false``),
GET /telephony/config/jobs/person/moveLocation/{jobId} (until it ends) and .../{jobId}/errors (when it fails).
Scopes: spark-admin:telephony_config_write, spark-admin:telephony_config_read, spark-admin:people_write,
spark-admin:people_read, identity:groups_rw (Webex requires the last three for the move).
"""

from __future__ import annotations

from typing import Any

from transformacion.common import (
    E164,
    EXTENSION,
    PERSON,
    Action,
    Context,
    Outcome,
    Param,
    Rejected,
    action_main,
    converge,
)
from transformacion.domain import move_users, resolve
from transformacion.domain.numbers import check_number, work_number

ACTION = Action(
    name='mover_usuarios_ubicacion',
    domain='usuarios',
    summary='Mueve un usuario de Webex Calling a otra ubicación (trabajo de Webex, validado antes).',
    params=(
        PERSON,
        Param(
            'target_location',
            required=True,
            help='ubicación de Webex Calling a la que se mueve la persona (nombre o id)',
            depends_on='alta_ubicacion',
        ),
        Param(
            'target_extension',
            EXTENSION,
            help='extensión en la ubicación nueva (vacío: conserva la suya, si está libre allí)',
        ),
        Param(
            'target_phone_number',
            E164,
            help='número directo E.164 del inventario de la ubicación nueva (vacío: su número se mueve con ella)',
            depends_on='anadir_numeraciones_ubicacion',
        ),
    ),
    high_impact=True,
)


def _state(person: Any) -> dict[str, Any]:
    return {'location_id': person.location_id, 'extension': person.extension, 'phone_number': work_number(person)}


def mover_usuarios_ubicacion(api: Any, params: dict[str, Any], ctx: Context) -> Outcome:
    who = f'la persona {params["person"]!r}'
    person_id = resolve.person_id(api, ctx, params['person'])
    target = params['target_location']
    target_id = resolve.location_id(api, ctx, target)
    extension, number = params.get('target_extension'), params.get('target_phone_number')
    desired = {'location_id': target_id}
    desired.update({key: value for key, value in (('extension', extension), ('phone_number', number)) if value})
    validation: dict[str, Any] = {}

    def read() -> dict[str, Any]:
        return _state(ctx.call(api.people.details, person_id, calling_data=True))

    def check(before: dict[str, Any] | None, changes: dict[str, Any]) -> None:
        if not (before or {}).get('location_id'):
            raise Rejected(
                f'{who} no es usuario de Webex Calling: asígnele ubicación y licencia con alta_usuario o '
                'asignar_licencias_usuario',
                {'before': before},
            )
        if 'location_id' not in changes:
            raise Rejected(
                f'{who} ya está en la ubicación {target!r}; su extensión o número se cambian con alta_usuario, '
                'no moviéndola',
                {'before': before},
            )
        if number:
            check_number(api, ctx, number, target_id, target, person_id, field='target_phone_number')
        # what is not given moves with the person: the read-back verifies that it did
        for field in ('extension', 'phone_number'):
            if before.get(field):
                desired.setdefault(field, before[field])
        body = move_users.move_body(target_id, person_id, validate=True, extension=extension, number=number)
        validation['impacts'] = move_users.validate(api, ctx, body, who)

    def confirm_if(before: dict[str, Any] | None, changes: dict[str, Any]) -> str:
        impacts = '; '.join(impact['message'] or str(impact['code']) for impact in validation['impacts'])
        return f'mover {who} a la ubicación {target!r}' + (f' (impactos según Webex: {impacts})' if impacts else '')

    def write(changes: dict[str, Any]) -> str:
        body = move_users.move_body(target_id, person_id, validate=False, extension=extension, number=number)
        job_id = move_users.start(api, ctx, body)
        if job_id is not None:
            validation['job'] = move_users.follow(api, ctx, job_id)
        return f'mover a {target!r} con un trabajo de Webex'

    outcome = converge(
        ctx,
        entity=f'ubicación de {who}',
        read=read,
        desired=desired,
        write=write,
        check=check,
        confirm_if=confirm_if,
    )
    outcome.details = {'person_id': person_id, 'target_location_id': target_id, **outcome.details, **validation}
    job = validation.get('job')
    if outcome.status == 'error' and job is not None:
        reasons = '; '.join(job['errors']) or 'sin errores publicados'
        outcome.message += f' (trabajo {job["id"]}: {job["status"]}, {reasons})'
    return outcome


main = action_main(__name__)

if __name__ == '__main__':
    raise SystemExit(main())
