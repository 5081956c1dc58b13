"""Create a person with a Webex Calling license in a location, with an extension and/or a direct number, in the one
request Webex requires; a person with that e-mail already there is converged (license, extension, number) instead of
duplicated, and a create that Webex left half done (person created, number not assigned) is completed on a re-run.

Calls: GET /licenses, GET /licenses/{id}, GET /locations?name=, GET /people?email=&callingData=true,
GET /telephony/config/numbers?phoneNumber=, POST /people?callingData=true (new person), PATCH /licenses/users
(existing person without the calling license), PUT /people/{id}?callingData=true (extension or number drift),
GET /people/{id}?callingData=true (verify).
Scopes: spark-admin:people_read/write, spark-admin:licenses_read, spark-admin:locations_read,
spark-admin:telephony_config_read.
"""

from __future__ import annotations

from typing import Any

from transformacion.common import Context, Outcome, PlannedCall, Rejected, action_main, diff
from transformacion.core.params import E164, EMAIL, EXTENSION, Action, Param
from transformacion.domain import resolve
from transformacion.domain.licenses import (
    assign_licenses,
    calling_license_of,
    refusal,
    take_unit,
    user_calling_licenses,
)
from transformacion.domain.numbers import check_number, work_number
from transformacion.domain.resolve import find_person

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
    (a partial create), that error. A refused create that left nothing behind is Rejected with Webex's reason."""
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
        partial = find_person(api, ctx, email)
        if partial is None:
            raise Rejected(f'Webex rechazó el alta de {email} y no creó nada: {refused["reason"]}', refused) from None
        return partial, refused
    return created, None


def _converge(
    api: Any,
    ctx: Context,
    person: Any,
    before: dict[str, Any],
    desired: dict[str, Any],
    lic: Any,
    location: str,
    wanted: str,
) -> str:
    """Bring an existing person to the desired calling data; the step taken, or Rejected when Webex cannot.
    ``lic`` is the license ``wanted`` designates; a unit is taken from one of its subscriptions when assigned."""
    from wxc_sdk.licenses import LicenseProperties, LicenseRequest

    email = person.emails[0]
    if before['calling_license'] is None:
        lic = take_unit(api, ctx, resolve.license_candidates(api, ctx, wanted), 'calling_license')
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
        assign_licenses(api, ctx, PlannedCall('PATCH', '/licenses/users', body), person.person_id, [request], email)
        return f'asignar la licencia {lic.name!r} con su ubicación y numeración'
    if before['calling_license'] != lic.name:
        raise Rejected(
            f'calling_license: {email} ya tiene la licencia {before["calling_license"]!r}, no {lic.name!r}; '
            'cámbiela con asignar_licencias_usuario',
            {'before': before},
        )
    if before['location_id'] != desired['location_id']:
        current = ctx.call(api.locations.details, before['location_id'], org_id=ctx.org_id).name
        raise Rejected(
            f'location: {email} ya es usuario de Webex Calling en la ubicación {current!r} y Webex no permite moverlo '
            f'a {location!r} por API; muévalo en Control Hub',
            {'before': before},
        )
    changed = [key for key in ('extension', 'phone_number') if key in desired and before[key] != desired[key]]
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
    email = params['email']
    if not params.get('extension') and not params.get('phone_number'):
        raise Rejected(
            f'{email}: falta la numeración; una licencia de Webex Calling exige --extension, --phone-number o ambos '
            '(columnas extension, phone_number)'
        )
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
    person = find_person(api, ctx, email)
    before = _state(person, user_licenses) if person else None
    changes = diff(before or {}, desired)
    details: dict[str, Any] = {'location_id': location_id, 'before': before, 'diff': changes}
    if person is not None:
        details['person_id'] = person.person_id
    if not changes:
        return Outcome('skipped', f'{email}: ya existe con {lic.name} y la numeración pedida', details)
    if params.get('phone_number') and 'phone_number' in changes:
        check_number(
            api, ctx, params['phone_number'], location_id, params['location'], person.person_id if person else None
        )

    if person is None:
        lic = take_unit(api, ctx, resolve.license_candidates(api, ctx, wanted), 'calling_license')
        created, refused = _create(api, ctx, params, lic, location_id)
        person_id = created.person_id if created is not None else None
        if refused is not None:
            details['create_error'] = refused
        step = f'crear con {lic.name}'
    else:
        person_id = person.person_id
        step = _converge(api, ctx, person, before, desired, lic, params['location'], wanted)
    details['calls'] = [call.as_dict() for call in ctx.planned]
    if ctx.dry_run:
        return Outcome('dry_run', f'{email}: {step}', details)

    after = _state(ctx.call(api.people.details, person_id, calling_data=True), user_licenses)
    remaining = diff(after, desired)
    details.update({'person_id': person_id, 'after': after, 'verified': not remaining})
    if remaining:
        refused = details.get('create_error')
        partly = f'Webex creó la persona pero respondió {refused["status"]} ({refused["reason"]}); ' if refused else ''
        return Outcome(
            'error',
            f'{email}: {partly}la verificación falla en {", ".join(remaining)}; repita la acción para completarla',
            details,
        )
    return Outcome('executed', f'{email}: {step} (verificado)', details)


main = action_main(__name__)

if __name__ == '__main__':
    raise SystemExit(main())
