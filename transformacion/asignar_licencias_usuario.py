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

from transformacion.common import (
    E164,
    EXTENSION,
    PERSON,
    Action,
    Context,
    Outcome,
    Param,
    ParamType,
    PlannedCall,
    Rejected,
    action_main,
    asks_one_of,
    converge,
)
from transformacion.domain import resolve
from transformacion.domain.licenses import assign_licenses, license_labels, take_unit, user_calling_licenses
from transformacion.domain.numbers import check_number, work_number


def _license_list(value: str) -> list[str]:
    names = [item.strip() for item in re.split(r'[;|]', value) if item.strip()]
    if not names:
        raise ValueError('se esperaba al menos una licencia (nombre, nombre@suscripción o id)')
    return list(dict.fromkeys(names))


LICENSE_LIST = ParamType(
    'license_list', _license_list, "licencias (nombre, nombre@suscripción o id) separadas por ';' o '|'"
)


def _removal_on_new_person(api: Any, ctx: Context, params: dict[str, Any]) -> str | None:
    """A person the batch creates first: only removing a Webex Calling license (by name, name@subscription or id)
    can take away their calling (the ``confirm_if`` below), so such a row will ask; one that adds, or removes other
    licenses, will not."""
    calling = user_calling_licenses(api, ctx)
    names = {name.casefold() for name in calling.values()}
    removed = [
        value
        for value in params.get('remove_licenses') or []
        if value in calling or value.split('@', 1)[0].strip().casefold() in names
    ]
    if not removed:
        return None
    who = params.get('person') or 'la persona'
    return f'{who}: quitar {", ".join(removed)} borra su numeración y sus ajustes de llamada'


ACTION = Action(
    name='asignar_licencias_usuario',
    domain='usuarios',
    summary='Añade o quita licencias de una persona.',
    high_impact=True,
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
    rules=(asks_one_of('add_licenses', 'remove_licenses'),),
    confirm_when_new=_removal_on_new_person,
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


def _state(person: Any, names: dict[str, str]) -> dict[str, Any]:
    """What this action manages of a person: its licenses (by name) and the calling data a license brings."""
    return {
        'licenses': _names(set(person.licenses or []), names),
        'location_id': person.location_id,
        'extension': person.extension,
        'phone_number': work_number(person),
    }


def asignar_licencias_usuario(api: Any, params: dict[str, Any], ctx: Context) -> Outcome:
    from wxc_sdk.licenses import LicenseProperties, LicenseRequest

    who = params['person']
    person_id = resolve.person_id(api, ctx, who)
    # each value designates one license per subscription it exists in (see resolve.license_candidates)
    add = [resolve.license_candidates(api, ctx, name) for name in params.get('add_licenses') or []]
    remove = [resolve.license_candidates(api, ctx, name) for name in params.get('remove_licenses') or []]
    names = license_labels(resolve.licenses(api, ctx))
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
    held_after = (held - {lic.license_id for lic in to_remove}) | {group[0].license_id for group in to_add}
    calling = user_calling_licenses(api, ctx) if to_add or to_remove else {}
    desired: dict[str, Any] = {'licenses': _names(held_after, names)}
    requests = [LicenseRequest(id=lic.license_id, operation='remove') for lic in to_remove]

    def check(before: dict[str, Any] | None, changes: dict[str, Any]) -> None:
        """Rejected when Webex would refuse; it also completes the requests and the desired state with the location
        and numbering a calling license brings, checked (units, number free) as it goes."""
        if len(held_after & calling.keys()) > 1:
            raise Rejected(
                'add_licenses: una persona solo puede tener una licencia de Webex Calling; tendría '
                + ', '.join(_names(held_after & calling.keys(), names))
                + '; quite la actual con --remove-licenses',
                {'person_id': person_id, 'before': before, 'diff': changes},
            )
        chosen = set()
        for group in to_add:
            lic = take_unit(api, ctx, group, 'add_licenses')
            chosen.add(lic.license_id)
            properties = None
            if lic.license_id in calling:
                wanted = _calling_properties(api, ctx, params, person, lic)
                desired.update({key: value for key, value in wanted.items() if value})
                properties = LicenseProperties(**wanted)
            requests.append(LicenseRequest(id=lic.license_id, operation='add', properties=properties))
        kept = held - {lic.license_id for lic in to_remove}
        desired['licenses'] = _names(kept | chosen, names)

    def confirm_if(before: dict[str, Any] | None, changes: dict[str, Any]) -> str | None:
        removed_calling = [lic.name for lic in to_remove if lic.license_id in calling]
        if removed_calling and not (held_after & calling.keys()):
            return f'{who}: quitar {", ".join(removed_calling)} borra su numeración y sus ajustes de llamada'
        return None

    def write(changes: dict[str, Any]) -> str:
        body = {
            'personId': person_id,
            'licenses': [request.model_dump(mode='json', by_alias=True, exclude_none=True) for request in requests],
        }
        assign_licenses(api, ctx, PlannedCall('PATCH', '/licenses/users', body), person_id, requests, who)
        parts = (
            'añadir ' + ', '.join(group[0].name for group in to_add) if to_add else '',
            'quitar ' + ', '.join(lic.name for lic in to_remove) if to_remove else '',
        )
        return '; '.join(part for part in parts if part)

    def read() -> dict[str, Any]:
        return _state(ctx.call(api.people.details, person_id, calling_data=True), names)

    outcome = converge(
        ctx,
        entity=who,
        read=read,
        current=_state(person, names),
        desired=desired,
        write=write,
        check=check,
        confirm_if=confirm_if,
        unchanged='ya tiene las licencias pedidas y no tiene las que se quitan',
    )
    outcome.details = {
        'person_id': person_id,
        **outcome.details,
        'licenses_added': [group[0].name for group in to_add],
        'licenses_removed': [lic.name for lic in to_remove],
    }
    return outcome


main = action_main(__name__)

if __name__ == '__main__':
    raise SystemExit(main())
