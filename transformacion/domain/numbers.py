"""Phone numbers and extensions of a location: the inventory, a person's direct number, who holds a number, and the one
check that a number belongs to a location and is free."""

from __future__ import annotations

from typing import Any

from transformacion.core.context import Context
from transformacion.core.outcome import Rejected

ADD_FIRST = 'añádalo antes con anadir_numeraciones_ubicacion'


def work_number(person: Any) -> str | None:
    """The person's direct number: its first E.164 ``work`` number."""
    return next(
        (n.value for n in person.phone_numbers or [] if n.number_type == 'work' and n.value.startswith('+')), None
    )


def holder(entry: Any, holder_id: str | None) -> dict[str, str] | None:
    """``{owner_id, owner_type, name}`` of whoever other than ``holder_id`` holds an inventory entry (a
    ``NumberListPhoneNumber``), or None when it is free or already ``holder_id``'s."""
    owner = entry.owner
    if owner is None or not owner.owner_id or owner.owner_id == holder_id:
        return None
    name = owner.display_name or ' '.join(filter(None, (owner.first_name, owner.last_name))) or owner.owner_id
    kind = getattr(owner.owner_type, 'value', owner.owner_type)
    return {'owner_id': owner.owner_id, 'owner_type': str(kind), 'name': name}


def number_problem(
    api: Any,
    ctx: Context,
    number: str,
    location_id: str,
    location: str,
    *,
    holder_id: str | None = None,
    field: str = 'phone_number',
    free: bool = True,
) -> dict[str, Any] | None:
    """Why ``number`` cannot go to ``holder_id`` (None: an entity still to be created) in the location, or None when
    it can: ``{kind: missing|elsewhere|taken, reason, details}``, ``reason`` in Spanish starting with ``field``.

    The number must be in the org's inventory, in this location and, with ``free``, held by nobody else.
    ``location`` names the location in the reason. Reads ``GET /telephony/config/numbers?phoneNumber=``.
    """
    found = ctx.call(lambda: list(api.telephony.phone_numbers(phone_number=number, org_id=ctx.org_id)))
    entry = next((n for n in found if n.phone_number == number), None)
    if entry is None:
        reason = f'{field}: {number} no está en el inventario de números de la organización; {ADD_FIRST}'
        return {'kind': 'missing', 'reason': reason, 'details': {}}
    if entry.location.id != location_id:
        reason = (
            f'{field}: {number} pertenece a la ubicación {entry.location.name!r}, no a {location!r}; use un número de '
            f'esta ubicación ({ADD_FIRST})'
        )
        return {'kind': 'elsewhere', 'reason': reason, 'details': {'location': entry.location.name}}
    taken = holder(entry, holder_id) if free else None
    return _taken(field, number, taken) if taken is not None else None


def extension_problem(
    api: Any, ctx: Context, extension: str, location_id: str, *, holder_id: str | None = None
) -> dict[str, Any] | None:
    """Why ``extension`` cannot go to ``holder_id`` in the location (someone else holds it), or None: the shape of
    :func:`number_problem`. Reads ``GET /telephony/config/numbers?extension=&locationId=``."""
    found = ctx.call(
        lambda: list(api.telephony.phone_numbers(extension=extension, location_id=location_id, org_id=ctx.org_id))
    )
    taken = next((h for h in (holder(n, holder_id) for n in found if n.extension == extension) if h), None)
    return _taken('extension', extension, taken) if taken is not None else None


def _taken(field: str, value: str, taken: dict[str, str]) -> dict[str, Any]:
    reason = f'{field}: {value} ya está asignado a {taken["name"]} ({taken["owner_type"]})'
    return {'kind': 'taken', 'reason': reason, 'details': {k: taken[k] for k in ('owner_id', 'owner_type')}}


def check_number(
    api: Any,
    ctx: Context,
    number: str,
    location_id: str,
    location: str,
    holder_id: str | None,
    *,
    field: str = 'phone_number',
    free: bool = True,
) -> None:
    """Rejected (with :func:`number_problem`'s reason and details) unless ``number`` can go to ``holder_id``."""
    problem = number_problem(api, ctx, number, location_id, location, holder_id=holder_id, field=field, free=free)
    if problem is not None:
        raise Rejected(problem['reason'], problem['details'])


def read_inventory(api: Any, ctx: Context, location_id: str | None = None) -> dict[str, Any]:
    """``{E.164: NumberListPhoneNumber}`` of the org, or of one location."""
    found = ctx.call(lambda: list(api.telephony.phone_numbers(location_id=location_id, org_id=ctx.org_id)))
    return {item.phone_number: item for item in found if item.phone_number}
