"""Phone numbers and extensions of a location: the inventory, a person's direct number, and the one check that a
number belongs to a location and is free."""

from __future__ import annotations

from typing import Any

from transformacion.core.context import Context
from transformacion.core.outcome import Rejected


def work_number(person: Any) -> str | None:
    """The person's direct number: its first E.164 ``work`` number."""
    return next(
        (n.value for n in person.phone_numbers or [] if n.number_type == 'work' and n.value.startswith('+')), None
    )


def check_number(api: Any, ctx: Context, number: str, location_id: str, location: str, person_id: str | None) -> None:
    """Rejected unless ``number`` is in the location's inventory and free (or already this person's)."""
    found = ctx.call(lambda: list(api.telephony.phone_numbers(phone_number=number, org_id=ctx.org_id)))
    entry = next((n for n in found if n.phone_number == number), None)
    if entry is None:
        raise Rejected(
            f'phone_number: {number} no está en el inventario de números de la organización; '
            'añádalo antes con anadir_numeraciones_ubicacion'
        )
    if entry.location.id != location_id:
        raise Rejected(f'phone_number: {number} es de la ubicación {entry.location.name!r}, no de {location!r}')
    owner = entry.owner
    if owner is not None and owner.owner_id and owner.owner_id != person_id:
        who = owner.display_name or ' '.join(filter(None, (owner.first_name, owner.last_name))) or owner.owner_id
        raise Rejected(
            f'phone_number: {number} ya está asignado a {who} ({owner.owner_type})',
            {'owner_id': owner.owner_id, 'owner_type': str(owner.owner_type)},
        )


def read_inventory(api: Any, ctx: Context, location_id: str | None = None) -> dict[str, Any]:
    """``{E.164: NumberListPhoneNumber}`` of the org, or of one location."""
    found = ctx.call(lambda: list(api.telephony.phone_numbers(location_id=location_id, org_id=ctx.org_id)))
    return {item.phone_number: item for item in found if item.phone_number}
