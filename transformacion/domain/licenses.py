"""Webex Calling licenses of people: which licenses are calling licenses, which one a person holds, free units
(counted per run), and the license assignment (``PATCH /licenses/users``)."""

from __future__ import annotations

from typing import Any

from transformacion.core.context import Context, PlannedCall
from transformacion.core.outcome import Rejected
from transformacion.domain import resolve


def calling_license_of(person: Any, user_licenses: dict[str, str]) -> str | None:
    """The name of the Webex Calling user license the person holds, or None."""
    return next((user_licenses[lid] for lid in person.licenses or [] if lid in user_licenses), None)


def user_calling_licenses(api: Any, ctx: Context) -> dict[str, str]:
    """Id -> name of the org's Webex Calling licenses for people (Professional, Basic)."""
    return {
        lic.license_id: lic.name
        for lic in resolve.licenses(api, ctx)
        if lic.webex_calling and not lic.webex_calling_workspaces
    }


def refusal(exc: Exception) -> dict[str, Any] | None:
    """``{status, reason}`` of a request Webex refused as invalid (a 4xx other than 429), else None."""
    status = getattr(getattr(exc, 'response', None), 'status_code', None)
    if status is None or not 400 <= status < 500 or status == 429:
        return None
    detail = getattr(exc, 'detail', None)
    parts = [getattr(detail, 'message', None) or str(exc)]
    parts += [e.description for e in getattr(detail, 'errors', None) or [] if e.description not in parts]
    return {'status': status, 'reason': ': '.join(parts)}


UNITS_RECOUNT_BELOW = 50
#: namespace of the run-wide cache holding the free units counted down per license id
FREE_UNITS = 'free_units'


def check_units(api: Any, ctx: Context, lic: Any, field: str) -> None:
    """Rejected when the license has no free unit.

    Units are read fresh, then counted down for the rest of the run while plenty are left, so a batch does not
    re-read the license on every row; with ``UNITS_RECOUNT_BELOW`` or fewer left they are read again on every row.
    """
    key = (FREE_UNITS, lic.license_id)
    with ctx.cache.lock(key):
        free = ctx.cache.get(key)
        if free is None or free <= UNITS_RECOUNT_BELOW:
            fresh = ctx.call(api.licenses.details, lic.license_id)
            free = fresh.total_units - fresh.consumed_units
            if free <= 0:
                raise Rejected(
                    f'{field}: la licencia {fresh.name!r} no tiene unidades libres '
                    f'({fresh.consumed_units} consumidas de {fresh.total_units})',
                    {'license': fresh.name, 'consumed_units': fresh.consumed_units, 'total_units': fresh.total_units},
                )
        ctx.cache.set(key, free - 1)


def assign_licenses(
    api: Any, ctx: Context, planned: PlannedCall, person_id: str, requests: list[Any], who: str
) -> None:
    """PATCH /licenses/users. Webex applies each license request on its own and answers 206 when only some applied,
    so an invalid-request answer means none applied: Rejected with Webex's reason."""
    from wxc_sdk.rest import RestError

    try:
        ctx.write(
            planned, api.licenses.assign_licenses_to_users, person_id=person_id, licenses=requests, org_id=ctx.org_id
        )
    except RestError as exc:
        refused = refusal(exc)
        if refused is None:
            raise
        raise Rejected(
            f'{who}: Webex rechazó el cambio de licencias y no aplicó nada: {refused["reason"]}', refused
        ) from None
