"""Create a person with a Webex Calling license in a location, with an extension and/or a direct number, in the one
request Webex requires; a person with that e-mail already there is converged (license, extension, number) instead of
duplicated, and a create that Webex left half done (person created, number not assigned) is completed on a re-run.

Calls: GET /licenses, GET /licenses/{id}, GET /locations?name=, GET /people?email=&callingData=true (in a batch,
the org's people listed once instead, GET /people?callingData=true page by page; the launcher's org check reads
these before the first write and the rows find them in the run's cache, with the units while plenty are left),
GET /telephony/config/numbers?phoneNumber=, POST /people?callingData=true (new person), PATCH /licenses/users
(existing person without the calling license), PUT /people/{id}?callingData=true (extension or number drift),
GET /people/{id}?callingData=true (verify).
Scopes: spark-admin:people_read/write, spark-admin:licenses_read, spark-admin:locations_read,
spark-admin:telephony_config_read.
"""

from __future__ import annotations

from typing import Any

from transformacion.common import (
    E164,
    EMAIL,
    EXTENSION,
    Action,
    Context,
    Outcome,
    Param,
    PlannedCall,
    Rejected,
    action_main,
    converge,
    diff,
    one_of,
)
from transformacion.domain import resolve
from transformacion.domain.licenses import (
    assign_licenses,
    calling_license_of,
    refusal,
    take_unit,
    user_calling_licenses,
)
from transformacion.domain.numbers import check_number, work_number
from transformacion.domain.resolve import find_person, person_by_email, remember_person

DEFAULT_LICENSE = 'Webex Calling - Professional'

ACTION = Action(
    name='alta_usuario',
    domain='usuarios',
    summary='Crea una persona con licencia de Webex Calling en una ubicación, con extensión y/o número.',
    params=(
        Param('email', EMAIL, required=True, key=True, help='correo de la persona (la identifica)'),
        Param('first_name', required=True, help='nombre (solo al crear; una persona existente conserva el suyo)'),
        Param('last_name', required=True, help='apellidos (solo al crear)'),
        Param('display_name', help='nombre visible (por defecto, nombre y apellidos; solo al crear)'),
        Param(
            'location',
            required=True,
            help='ubicación de Webex Calling de la persona (nombre o id)',
            depends_on='alta_ubicacion',
        ),
        Param('extension', EXTENSION, help='extensión en la ubicación (indique extensión, número o ambos)'),
        Param(
            'phone_number',
            E164,
            help='número directo E.164, del inventario de la ubicación (indique extensión, número o ambos)',
            depends_on='anadir_numeraciones_ubicacion',
        ),
        Param(
            'calling_license',
            default=DEFAULT_LICENSE,
            help='licencia de Webex Calling para personas: nombre (se toma la primera suscripción con unidades '
            'libres), nombre@suscripción (p. ej. Webex Calling - Basic@Sub-12345) o id',
        ),
    ),
    rules=(one_of('extension', 'phone_number', why='una licencia de Webex Calling exige numeración'),),
)


def _state(person: Any, user_licenses: dict[str, str]) -> dict[str, Any]:
    return {
        'calling_license': calling_license_of(person, user_licenses),
        'location_id': person.location_id,
        'extension': person.extension,
        'phone_number': work_number(person),
    }


def _desired(params: dict[str, Any], license_name: str, location_id: str) -> dict[str, Any]:
    desired = {'calling_license': license_name, 'location_id': location_id}
    desired.update({key: params[key] for key in ('extension', 'phone_number') if params.get(key)})
    return desired


def _with_number(phone_numbers: list[Any], number: str) -> list[Any]:
    from wxc_sdk.people import PhoneNumber, PhoneNumberType

    others = [n for n in phone_numbers if n.number_type != PhoneNumberType.work]
    return [PhoneNumber(number_type=PhoneNumberType.work, value=number, primary=True), *others]


def _create(
    api: Any, ctx: Context, params: dict[str, Any], lic: Any, location_id: str
) -> tuple[Any, dict[str, Any] | None]:
    """POST /people?callingData=true: the person and, when Webex answered an error but created the person anyway
    (a partial create, or an earlier attempt's create that list results do not show yet), that error. A refused
    create that left nothing behind, once list results had ``policy.visibility_wait`` to show it, is Rejected with
    Webex's reason."""
    from wxc_sdk.people import Person
    from wxc_sdk.rest import RestError

    email = params['email']
    settings = Person(
        emails=[email],
        display_name=params.get('display_name') or f'{params["first_name"]} {params["last_name"]}',
        first_name=params['first_name'],
        last_name=params['last_name'],
        licenses=[lic.license_id],
        location_id=location_id,
        extension=params.get('extension'),
        phone_numbers=_with_number([], params['phone_number']) if params.get('phone_number') else None,
    )
    try:
        created = ctx.write(
            PlannedCall('POST', '/people?callingData=true', settings.create_update()),
            api.people.create,
            settings,
            calling_data=True,
            recover=lambda: find_person(api, ctx, email),
        )
    except RestError as exc:
        refused = refusal(exc)
        if refused is None:
            raise
        partial = ctx.read_back(lambda: find_person(api, ctx, email))
        if partial is None:
            raise Rejected(f'Webex rechazó el alta de {email} y no creó nada: {refused["reason"]}', refused) from None
        if refused['status'] == 409:
            raise CreatedMeanwhile(partial, refused) from None
        return partial, refused
    return created, None


class CreatedMeanwhile(Exception):
    """The create was answered 409: the person exists although the state read said it did not (someone created it
    after the batch listed the org, or list results did not show it yet); ``person`` is the one found now."""

    def __init__(self, person: Any, refused: dict[str, Any]) -> None:
        super().__init__(person.emails[0])
        self.person = person
        self.refused = refused


def _number_held_by_a_person(api: Any, ctx: Context, number: str) -> bool:
    """True when ``number`` is assigned to a person (owner type PEOPLE)."""
    found = ctx.call(lambda: list(api.telephony.phone_numbers(phone_number=number, org_id=ctx.org_id)))
    owner = next((n.owner for n in found if n.phone_number == number), None)
    return owner is not None and str(owner.owner_type).endswith('PEOPLE')


def _check_existing(
    api: Any,
    ctx: Context,
    person: Any,
    before: dict[str, Any],
    desired: dict[str, Any],
    lic: Any,
    location: str,
    wanted: str,
) -> Any:
    """The license the person will hold (``lic``, or, when the person has no calling license yet, the subscription
    of ``wanted`` a unit is taken from); Rejected when Webex cannot bring the existing person to the desired calling
    data: another calling license, or a calling user of another location (moving is mover_usuarios_ubicacion's job)."""
    email = person.emails[0]
    if before['calling_license'] is None:
        return take_unit(api, ctx, resolve.license_candidates(api, ctx, wanted), 'calling_license')
    if before['calling_license'] != lic.name:
        raise Rejected(
            f'calling_license: {email} ya tiene la licencia {before["calling_license"]!r}, no {lic.name!r}; '
            'cámbiela con asignar_licencias_usuario',
            {'before': before},
        )
    if before['location_id'] != desired['location_id']:
        current = ctx.call(api.locations.details, before['location_id'], org_id=ctx.org_id).name
        raise Rejected(
            f'location: {email} ya es usuario de Webex Calling en la ubicación {current!r}; alta_usuario no lo mueve: '
            f'muévalo a {location!r} con mover_usuarios_ubicacion (columna target_location)',
            {'before': before},
        )
    return lic


def _update(api: Any, ctx: Context, person: Any, before: dict[str, Any], desired: dict[str, Any], lic: Any) -> str:
    """Bring an existing person to the desired calling data: the license with its numbering (PATCH) when it has none,
    else the extension and number (PUT); the step taken."""
    from wxc_sdk.licenses import LicenseProperties, LicenseRequest

    if before['calling_license'] is None:
        request = LicenseRequest(
            id=lic.license_id,
            operation='add',
            properties=LicenseProperties(
                location_id=desired['location_id'],
                extension=desired.get('extension'),
                phone_number=desired.get('phone_number'),
            ),
        )
        body = {
            'personId': person.person_id,
            'licenses': [request.model_dump(mode='json', by_alias=True, exclude_none=True)],
        }
        planned = PlannedCall('PATCH', '/licenses/users', body)
        assign_licenses(api, ctx, planned, person.person_id, [request], person.emails[0])
        return f'asignar la licencia {lic.name!r} con su ubicación y numeración'
    changed = [key for key in ('extension', 'phone_number') if key in desired and before[key] != desired[key]]
    # the read-back carries a derived work_extension entry (routing prefix + extension) that a PUT may not send:
    # Webex sets the extension from the extension field only
    person.phone_numbers = [n for n in person.phone_numbers or [] if n.number_type != 'work_extension'] or None
    if 'extension' in changed:
        person.extension = desired['extension']
    if 'phone_number' in changed:
        person.phone_numbers = _with_number(person.phone_numbers or [], desired['phone_number'])
    ctx.write(
        PlannedCall('PUT', f'/people/{person.person_id}?callingData=true', person.create_update()),
        api.people.update,
        person,
        calling_data=True,
    )
    return 'actualizar ' + ', '.join(changed)


def alta_usuario(api: Any, params: dict[str, Any], ctx: Context) -> Outcome:
    """Read -> write -> verify: the person as the batch's list of the org shows it (``resolve.person_by_email``; one
    look-up outside a batch), created or brought to the desired calling data, read back. A create answered 409
    (someone created the person after the state was read) converges the person found then: never a second create."""
    # a batch's first row reads the org's people, its location and the org's licenses at the same time
    resolve.read_ahead(
        ctx,
        'alta_usuario',
        [
            lambda: resolve.people_by_email(api, ctx),
            lambda: resolve.location_id(api, ctx, params['location']),
            lambda: resolve.licenses(api, ctx),
        ],
    )
    try:
        return _converge_person(api, params, ctx, _current_person(api, ctx, params['email']))
    except CreatedMeanwhile as exc:
        outcome = _converge_person(api, params, ctx, exc.person)
        outcome.details['create_error'] = exc.refused
        return outcome


def _current_person(api: Any, ctx: Context, email: str) -> Any:
    """The person as the batch's list of the org shows it (``resolve.person_by_email``), except under a drift guard
    that expects an existing person (``Context.expect`` a dict: a saved plan's update, a revert's): that one is
    looked up now (``resolve.find_person``), so that a change made after the list was read is refused as drift
    rather than written over. A guard expecting no person needs no look-up: a person created after the list is
    found by the create's 409."""
    if isinstance(ctx.expect, dict):
        return find_person(api, ctx, email)
    return person_by_email(api, ctx, email)


def _converge_person(api: Any, params: dict[str, Any], ctx: Context, person: Any) -> Outcome:
    email = params['email']
    location_id = resolve.location_id(api, ctx, params['location'])
    wanted = params.get('calling_license') or DEFAULT_LICENSE
    lic = resolve.license_by_name_or_id(api, ctx, wanted)
    user_licenses = user_calling_licenses(api, ctx)
    if lic.license_id not in user_licenses:
        raise Rejected(
            f'calling_license: {lic.name!r} no es una licencia de Webex Calling para personas; use una de: '
            + ', '.join(sorted(user_licenses.values()))
        )
    desired = _desired(params, lic.name, location_id)
    found: dict[str, Any] = {'person': person, 'create_error': None, 'license': lic}
    if found['person'] is None and params.get('phone_number'):
        if _number_held_by_a_person(api, ctx, params['phone_number']):
            # the number may belong to this person, created moments ago and not listed yet
            found['person'] = ctx.read_back(lambda: find_person(api, ctx, email))
    before = _state(found['person'], user_licenses) if found['person'] else None

    def read() -> dict[str, Any]:
        """The read-back after the create or the update (the first state is ``before``)."""
        found['person'] = ctx.call(api.people.details, found['person'].person_id, calling_data=True)
        remember_person(ctx, found['person'])
        return _state(found['person'], user_licenses)

    def check(before: dict[str, Any] | None, changes: dict[str, Any]) -> None:
        person = found['person']
        if params.get('phone_number') and 'phone_number' in changes:
            holder_id = person.person_id if person else None
            check_number(api, ctx, params['phone_number'], location_id, params['location'], holder_id)
        if before is None:
            found['license'] = take_unit(api, ctx, resolve.license_candidates(api, ctx, wanted), 'calling_license')
        else:
            found['license'] = _check_existing(api, ctx, person, before, desired, lic, params['location'], wanted)

    def create() -> str:
        found['person'], found['create_error'] = _create(api, ctx, params, found['license'], location_id)
        return f'crear con {lic.name}'

    outcome = converge(
        ctx,
        entity=email,
        read=read,
        current=before,
        desired=desired,
        write=lambda changes: _update(api, ctx, found['person'], before, desired, found['license']),
        create=create,
        check=check,
        unchanged=f'ya existe con {lic.name} y la numeración pedida',
    )
    person, refused = found['person'], found['create_error']
    outcome.details = {
        'location_id': location_id,
        **outcome.details,
        **({'person_id': person.person_id} if person is not None else {}),
        **({'create_error': refused} if refused else {}),
    }
    if outcome.status == 'error':
        partly = f'Webex creó la persona pero respondió {refused["status"]} ({refused["reason"]}); ' if refused else ''
        remaining = ', '.join(diff(outcome.details['after'] or {}, desired))
        outcome.message = f'{email}: {partly}la verificación falla en {remaining}; repita la acción para completarla'
    return outcome


main = action_main(__name__)

if __name__ == '__main__':
    raise SystemExit(main())
