"""Webex Calling licenses of people: which licenses are calling licenses, which one a person holds, free units
(counted per run and per subscription: an org holds one license per subscription, several with the same name), which
subscription a new holder consumes, how CSV cells name licenses, and the license assignment
(``PATCH /licenses/users``)."""

from __future__ import annotations

from typing import Any

from transformacion.core.context import Context, PlannedCall
from transformacion.core.outcome import Rejected
from transformacion.core.retry import http_status
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


def license_labels(licenses: list[Any]) -> dict[str, str]:
    """Id -> how a CSV cell names the license: its name, or ``name@subscriptionId`` (the pin syntax of
    ``resolve.license_candidates``) when several subscriptions hold a license of that name; the id when the license
    has no name, or shares it without a subscription id that tells it apart."""
    counts: dict[str, int] = {}
    for lic in licenses:
        if lic.name:
            counts[lic.name.casefold()] = counts.get(lic.name.casefold(), 0) + 1
    labels = {}
    for lic in licenses:
        if lic.name and counts[lic.name.casefold()] == 1:
            labels[lic.license_id] = lic.name
        elif lic.name and lic.subscription_id:
            labels[lic.license_id] = f'{lic.name}{resolve.SUBSCRIPTION_PIN}{lic.subscription_id}'
        else:
            labels[lic.license_id] = lic.license_id
    return labels


def refusal(exc: Exception) -> dict[str, Any] | None:
    """``{status, reason}`` of a request Webex refused as invalid (a 4xx other than 429), else None."""
    status = http_status(exc)
    if status is None or not 400 <= status < 500 or status == 429:
        return None
    detail = getattr(exc, 'detail', None)
    parts = [getattr(detail, 'message', None) or str(exc)]
    parts += [e.description for e in getattr(detail, 'errors', None) or [] if e.description not in parts]
    return {'status': status, 'reason': ': '.join(parts)}


UNITS_RECOUNT_BELOW = 50
#: namespace of the run-wide cache holding the free units counted down per license id
FREE_UNITS = 'free_units'


def _reserve(api: Any, ctx: Context, lic: Any) -> tuple[bool, dict[str, Any]]:
    """Take one unit of ``lic`` from the run's count: (taken, {subscription_id, free, consumed_units?, total_units?}).

    Units are read fresh (``GET /licenses/{id}``; in a batch, from the org check's ``GET /licenses`` just before the
    run's first write: :func:`count_units_from`), then counted down for the rest of the run while plenty are left,
    so a batch does not re-read the license on every row; with ``UNITS_RECOUNT_BELOW`` or fewer left they are read
    again on every row.
    """
    key = (FREE_UNITS, lic.license_id)
    usage: dict[str, Any] = {'subscription_id': getattr(lic, 'subscription_id', None)}
    with ctx.cache.lock(key):
        free = ctx.cache.get(key)
        if free is None or free <= UNITS_RECOUNT_BELOW:
            fresh = ctx.call(api.licenses.details, lic.license_id)
            free = fresh.total_units - fresh.consumed_units
            usage.update(consumed_units=fresh.consumed_units, total_units=fresh.total_units)
        usage['free'] = max(free, 0)
        if free <= 0:
            ctx.cache.set(key, 0)
            return False, usage
        ctx.cache.set(key, free - 1)
        return True, usage


def count_units_from(ctx: Context, listed: list[Any]) -> None:
    """Start the run's count of free units (``FREE_UNITS``) from ``listed``, the org's licenses as
    ``GET /licenses`` answered them (``totalUnits``, ``consumedUnits``) before the run's first write, for every
    license with more than ``UNITS_RECOUNT_BELOW`` free and no count yet: the first unit taken then needs no
    ``GET /licenses/{id}`` of its own. Near exhaustion nothing changes: units are read again on every row."""
    for lic in listed:
        total, consumed = getattr(lic, 'total_units', None), getattr(lic, 'consumed_units', None)
        if total is None or consumed is None or total - consumed <= UNITS_RECOUNT_BELOW:
            continue
        key = (FREE_UNITS, lic.license_id)
        with ctx.cache.lock(key):
            if ctx.cache.get(key) is None:
                ctx.cache.set(key, total - consumed)


def take_unit(api: Any, ctx: Context, candidates: list[Any], field: str) -> Any:
    """The license a new holder consumes, one of ``candidates`` (same-named licenses, one per subscription, in the
    order ``GET /licenses`` lists them), and one of its units taken from the run's count.

    The first with a free unit wins, so the choice is deterministic; Webex exposes no subscription date, and its own
    rule for workspaces ("the oldest suitable one from the active subscriptions") is followed as closely as the API
    allows by keeping its listing order. Units are counted per subscription. A subscription found exhausted in this
    run is only read again when no other has units. The choice (license id, subscription) is logged as evidence.
    Rejected, with consumed/total per subscription, when none has a free unit.
    """
    tried: dict[str, dict[str, Any]] = {}
    for recheck in (False, True):
        for lic in candidates:
            if lic.license_id in tried or (ctx.cache.get((FREE_UNITS, lic.license_id)) == 0) != recheck:
                continue
            taken, usage = _reserve(api, ctx, lic)
            tried[lic.license_id] = usage
            if taken:
                ctx.log.event(
                    'response',
                    {
                        'kind': 'license_choice',
                        'field': field,
                        'license': lic.name,
                        'license_id': lic.license_id,
                        'subscription_id': usage['subscription_id'],
                        'candidates': [getattr(c, 'subscription_id', None) for c in candidates],
                    },
                )
                return lic
    counts = '; '.join(
        f'{usage["subscription_id"] or lid}: {usage.get("consumed_units", "?")} consumidas de '
        f'{usage.get("total_units", "?")}'
        for lid, usage in tried.items()
    )
    name = candidates[0].name
    where = ' en ninguna de sus suscripciones' if len(candidates) > 1 else ''
    raise Rejected(
        f'{field}: la licencia {name!r} no tiene unidades libres{where} ({counts})',
        {'license': name, 'subscriptions': list(tried.values())},
    )


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
