"""Add and/or remove licenses of a person, by license name or id, in one PATCH /licenses/users; a Webex Calling
license comes with its location and extension/number (from the parameters, or the person's current ones).

Calls: GET /people?email= (or /people/{id}), GET /licenses, GET /licenses/{id} (free units),
GET /people/{id}?callingData=true, GET /telephony/config/numbers?phoneNumber=, GET /locations?name=,
PATCH /licenses/users.
Scopes: spark-admin:people_read/write, spark-admin:licenses_read, spark-admin:locations_read,
spark-admin:telephony_config_read.
"""

from __future__ import annotations

import re
from typing import Any

from transformacion.common import Context, Outcome, PlannedCall, Rejected, action_main
from transformacion.core.params import E164, EXTENSION, PERSON, Action, Param, ParamType
from transformacion.domain import resolve
from transformacion.domain.licenses import assign_licenses, take_unit, user_calling_licenses
from transformacion.domain.numbers import check_number, work_number


def _license_list(value: str) -> list[str]:
    names = [item.strip() for item in re.split(r'[;|]', value) if item.strip()]
    if not names:
        raise ValueError('se esperaba al menos una licencia (nombre, nombre@suscripción o id)')
    return list(dict.fromkeys(names))


LICENSE_LIST = ParamType(
    'license_list', _license_list, "licencias (nombre, nombre@suscripción o id) separadas por ';' o '|'"
)

ACTION = Action(
    name='asignar_licencias_usuario',
    domain='usuarios',
    summary='Añade o quita licencias de una persona.',
    params=(
        PERSON,
        Param(
            'add_licenses',
            LICENSE_LIST,
            help='licencias que añadir: nombre (se toma la primera suscripción con unidades libres; no se añade si ya '
            'tiene una de ese nombre), nombre@suscripción (p. ej. Webex Calling - Professional@Sub-12345) o id',
        ),
        Param(
            'remove_licenses',
            LICENSE_LIST,
            help='licencias que quitar (nombre: la de esa licencia que tenga, de cualquier suscripción; '
            'nombre@suscripción o id); quitar la de Webex Calling borra la numeración y los ajustes '
            'de llamada de la persona y pide --yes',
        ),
        Param(
            'location',
            help='ubicación para una licencia de Webex Calling que se añade (nombre o id; por defecto, la actual)',
            depends_on='alta_ubicacion',
        ),
        Param('extension', EXTENSION, help='extensión para una licencia de Webex Calling que se añade'),
        Param(
            'phone_number',
            E164,
            help='número directo E.164 para una licencia de Webex Calling que se añade',
            depends_on='anadir_numeraciones_ubicacion',
        ),
    ),
)


def _calling_properties(api: Any, ctx: Context, params: dict[str, Any], person: Any, lic: Any) -> dict[str, str | None]:
    """Location, extension and number for a Webex Calling license being added: the parameters, else the person's
    current calling data (a license swap keeps them); Rejected when incomplete or the number is not free."""
    current_location = person.location_id
    location_id = resolve.location_id(api, ctx, params['location']) if params.get('location') else current_location
    if not location_id:
        raise Rejected(
            f'location: la licencia {lic.name!r} necesita una ubicación; indique --location (columna location)'
        )
    same_place = location_id == current_location
    extension = params.get('extension') or (person.extension if same_place else None)
    number = params.get('phone_number') or (work_number(person) if same_place else None)
    if not extension and not number:
        raise Rejected(
            f'extension/phone_number: la licencia {lic.name!r} necesita --extension, --phone-number o ambos '
            '(columnas extension, phone_number)'
        )
    if number and number != work_number(person):
        check_number(api, ctx, number, location_id, params.get('location') or location_id, person.person_id)
    return {'location_id': location_id, 'extension': extension, 'phone_number': number}


def _names(license_ids: set[str], names: dict[str, str]) -> list[str]:
    return sorted(names.get(lid, lid) for lid in license_ids)


def asignar_licencias_usuario(api: Any, params: dict[str, Any], ctx: Context) -> Outcome:
    from wxc_sdk.licenses import LicenseProperties, LicenseRequest

    who = params['person']
    if not params.get('add_licenses') and not params.get('remove_licenses'):
        return Outcome(
            'skipped',
            f'{who}: no se pidió ningún cambio de licencias (columnas add_licenses y remove_licenses vacías)',
            {'diff': {}},
        )
    person_id = resolve.person_id(api, ctx, who)
    # each value designates one license per subscription it exists in (see resolve.license_candidates)
    add = [resolve.license_candidates(api, ctx, name) for name in params.get('add_licenses') or []]
    remove = [resolve.license_candidates(api, ctx, name) for name in params.get('remove_licenses') or []]
    names = {lic.license_id: lic.name for lic in resolve.licenses(api, ctx)}
    both = {lic.license_id for group in add for lic in group} & {lic.license_id for group in remove for lic in group}
    if both:
        raise Rejected(f'add_licenses/remove_licenses: {", ".join(_names(both, names))} está en las dos listas')
    for group in add:
        if group[0].webex_calling_workspaces:
            raise Rejected(f'add_licenses: {group[0].name!r} es una licencia de workspaces, no de personas')

    person = ctx.call(api.people.details, person_id, calling_data=True)
    held = set(person.licenses or [])
    to_add = [group for group in add if not any(lic.license_id in held for lic in group)]
    to_remove = [lic for group in remove for lic in group if lic.license_id in held]
    before = {'licenses': _names(held, names)}
    changes = {'add': [group[0].name for group in to_add], 'remove': [lic.name for lic in to_remove]}
    details: dict[str, Any] = {'person_id': person_id, 'before': before, 'diff': changes}
    if not to_add and not to_remove:
        return Outcome('skipped', f'{who}: ya tiene las licencias pedidas y no tiene las que se quitan', details)

    calling = user_calling_licenses(api, ctx)
    held_after = (held - {lic.license_id for lic in to_remove}) | {group[0].license_id for group in to_add}
    if len(held_after & calling.keys()) > 1:
        raise Rejected(
            'add_licenses: una persona solo puede tener una licencia de Webex Calling; tendría '
            + ', '.join(_names(held_after & calling.keys(), names))
            + '; quite la actual con --remove-licenses',
            details,
        )
    requests = [LicenseRequest(id=lic.license_id, operation='remove') for lic in to_remove]
    desired: dict[str, Any] = {'licenses': _names(held_after, names)}
    for group in to_add:
        lic = take_unit(api, ctx, group, 'add_licenses')
        properties = None
        if lic.license_id in calling:
            wanted = _calling_properties(api, ctx, params, person, lic)
            desired.update({key: value for key, value in wanted.items() if value})
            properties = LicenseProperties(**wanted)
        requests.append(LicenseRequest(id=lic.license_id, operation='add', properties=properties))
    removed_calling = [lic.name for lic in to_remove if lic.license_id in calling]
    if removed_calling and not (held_after & calling.keys()):
        ctx.confirm(
            f'{who}: quitar {", ".join(removed_calling)} borra su numeración y sus ajustes de llamada',
            before,
            desired,
        )

    body = {
        'personId': person_id,
        'licenses': [request.model_dump(mode='json', by_alias=True, exclude_none=True) for request in requests],
    }
    assign_licenses(api, ctx, PlannedCall('PATCH', '/licenses/users', body), person_id, requests, who)
    step = '; '.join(
        part
        for part in (
            'añadir ' + ', '.join(changes['add']) if to_add else '',
            'quitar ' + ', '.join(changes['remove']) if to_remove else '',
        )
        if part
    )
    details['calls'] = [call.as_dict() for call in ctx.planned]
    if ctx.dry_run:
        return Outcome('dry_run', f'{who}: {step}', details)

    fresh = ctx.call(api.people.details, person_id, calling_data=True)
    after = {
        'licenses': _names(set(fresh.licenses or []), names),
        'location_id': fresh.location_id,
        'extension': fresh.extension,
        'phone_number': work_number(fresh),
    }
    remaining = [key for key, value in desired.items() if after.get(key) != value]
    details.update({'after': after, 'verified': not remaining})
    if remaining:
        return Outcome('error', f'{who}: la verificación falla en {", ".join(remaining)}', details)
    return Outcome('executed', f'{who}: {step} (verificado)', details)


main = action_main(__name__)

if __name__ == '__main__':
    raise SystemExit(main())
