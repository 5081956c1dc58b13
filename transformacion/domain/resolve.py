"""Name-or-id resolution shared by the actions, cached once per run through ``Context.cached``.

Only found entities are cached: a name that does not exist yet may be created later in the same batch.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from transformacion.core.context import Context
from transformacion.core.evidence import submit_bound
from transformacion.core.outcome import Rejected
from transformacion.core.params import decode_webex_id
from transformacion.core.retry import rejected_on_404

#: namespaces of the run-wide cache (``Context.cached``) this module fills: ``(namespace, id)``
LOCATION_IDS = 'location_id'
PERSON_IDS = 'person_id'
WORKSPACE_IDS = 'workspace_id'
ORG = 'org'
#: ``RunCache`` namespace of what a batch's first row read ahead (:func:`read_ahead`)
READ_AHEAD = 'read_ahead'
#: Independent reads made at the same time, at most (the run's rate controller still paces them).
READS_AT_ONCE = 16


def at_once(calls: Sequence[Callable[[], Any]], width: int = READS_AT_ONCE) -> list[Any]:
    """Every call's result, in order, the calls made at the same time, at most ``width`` at once (one thread each;
    the run's rate controller still paces them), their exchanges to the caller's log; the first exception in the
    calls' order is raised. Independent reads one after another cost one latency each."""
    if len(calls) <= 1:
        return [call() for call in calls]
    with ThreadPoolExecutor(max_workers=max(1, min(width, len(calls))), thread_name_prefix='lectura') as pool:
        futures = [submit_bound(pool, call) for call in calls]
    failed = next((future.exception() for future in futures if future.exception() is not None), None)
    if failed is not None:
        raise failed  # its traceback shows where it failed, without the pool's own frames
    return [future.result() for future in futures]


def read_ahead(ctx: Context, name: str, reads: Sequence[Callable[[], Any]]) -> None:
    """In a batch (``RunCache.bulk_rows``), the first row to get here makes ``reads`` at the same time (cached
    resolutions every row makes first, one after another: each costs a latency) while the other rows wait for them;
    ``name`` tells whose they are. Outside a batch nothing: each read comes when it is needed. A read that fails
    raises to the row, as it would have, and the next row tries again."""
    if not ctx.cache.bulk_rows:
        return

    def load() -> bool:
        at_once(reads)
        return True

    ctx.cached((READ_AHEAD, name), load)


def location_id(api: Any, ctx: Context, name_or_id: str) -> str:
    """The id of a location given by id or by (case-insensitive) name; Rejected when there is none."""

    def load() -> str:
        if decode_webex_id(name_or_id):
            missing = f'la ubicación con id {name_or_id} no existe'
            return rejected_on_404(missing, ctx.call, api.locations.details, name_or_id, org_id=ctx.org_id).location_id
        wanted = name_or_id.casefold()
        found = ctx.call(lambda: list(api.locations.list(name=name_or_id, org_id=ctx.org_id)))
        match = next((loc for loc in found if (loc.name or '').casefold() == wanted), None)
        if match is None:
            raise Rejected(f'la ubicación {name_or_id!r} no existe en la organización')
        return match.location_id

    return ctx.cached((LOCATION_IDS, name_or_id.casefold()), load)


def person_id(api: Any, ctx: Context, email_or_id: str) -> str:
    """The id of a person given by id or by e-mail; Rejected when there is none."""

    def load() -> str:
        if decode_webex_id(email_or_id):
            missing = f'la persona con id {email_or_id} no existe'
            return rejected_on_404(missing, ctx.call, api.people.details, email_or_id).person_id
        # list results may show a person created moments ago only later: look for policy.visibility_wait
        found = ctx.read_back(
            lambda: ctx.call(lambda: list(api.people.list(email=email_or_id, org_id=ctx.org_id))) or None
        )
        if not found:
            raise Rejected(f'la persona {email_or_id!r} no existe en la organización')
        return found[0].person_id

    return ctx.cached((PERSON_IDS, email_or_id.casefold()), load)


def licenses(api: Any, ctx: Context) -> list[Any]:
    """Every license of the org, read once per run (units are re-read by the actions that consume them)."""
    return ctx.cached((ORG, 'licenses'), lambda: ctx.call(lambda: list(api.licenses.list(org_id=ctx.org_id))))


#: Separates a license name from the subscription that pins it: ``Webex Calling - Professional@Sub-12345``.
SUBSCRIPTION_PIN = '@'


def license_candidates(api: Any, ctx: Context, wanted: str) -> list[Any]:
    """The licenses ``wanted`` designates, in the order ``GET /licenses`` lists them.

    An org holds one license per subscription, several with the same name (ids differ, items carry
    ``subscriptionId``). ``wanted`` is a license id (that license), ``name@subscriptionId`` (the license of that name
    in that subscription) or a name, case-insensitive (every license of that name, one per subscription).
    Rejected, listing what exists, when nothing matches.
    """
    available = licenses(api, ctx)
    exact = [lic for lic in available if lic.license_id == wanted]
    if exact:
        return exact

    def named(name: str) -> list[Any]:
        return [lic for lic in available if (lic.name or '').casefold() == name.strip().casefold()]

    name, pin, subscription = wanted.rpartition(SUBSCRIPTION_PIN)
    same_name = named(wanted)
    if same_name or not pin:
        if not same_name:
            names = ', '.join(sorted({lic.name for lic in available if lic.name}))
            raise Rejected(f'la licencia {wanted!r} no existe; licencias de la organización: {names}')
        return same_name
    same_name = named(name)
    pinned = [lic for lic in same_name if (lic.subscription_id or '').casefold() == subscription.strip().casefold()]
    if not pinned:
        subscriptions = ', '.join(lic.subscription_id or '?' for lic in same_name) or 'ninguna (no existe)'
        raise Rejected(
            f'la licencia {name.strip()!r} no está en la suscripción {subscription.strip()!r}; '
            f'suscripciones con esa licencia: {subscriptions}'
        )
    return pinned


def license_by_name_or_id(api: Any, ctx: Context, name_or_id: str) -> Any:
    """The first license ``name_or_id`` designates (see :func:`license_candidates`): what it is (name, kind); the
    license a unit is taken from is chosen by ``domain.licenses.take_unit``."""
    return license_candidates(api, ctx, name_or_id)[0]


def workspace_id(api: Any, ctx: Context, name_or_id: str, location: str | None = None) -> str:
    """The id of a workspace given by id or by (case-insensitive) display name, optionally within ``location``
    (location name or id); Rejected when there is none, or when the name exists in several locations and no
    location was given.
    """

    def load() -> str:
        if decode_webex_id(name_or_id):
            missing = f'el workspace con id {name_or_id} no existe'
            return rejected_on_404(missing, ctx.call, api.workspaces.details, name_or_id).workspace_id
        loc_id = location_id(api, ctx, location) if location else None
        wanted = name_or_id.casefold()

        def named() -> list[Any] | None:
            found = ctx.call(
                lambda: list(api.workspaces.list(display_name=name_or_id, location_id=loc_id, org_id=ctx.org_id))
            )
            return [ws for ws in found if (ws.display_name or '').casefold() == wanted] or None

        # list results may show a workspace created moments ago only later: look for policy.visibility_wait
        matches = ctx.read_back(named) or []
        where = f' en la ubicación {location!r}' if location else ' en la organización'
        if not matches:
            raise Rejected(f'el workspace {name_or_id!r} no existe{where}')
        if len(matches) > 1:
            raise Rejected(
                f'hay {len(matches)} workspaces llamados {name_or_id!r}{where}; indique la ubicación (--location)',
                {'workspace_ids': [ws.workspace_id for ws in matches]},
            )
        return matches[0].workspace_id

    scope = f'@{location.casefold()}' if location else ''
    return ctx.cached((WORKSPACE_IDS, f'{name_or_id.casefold()}{scope}'), load)


def calling_location(api: Any, ctx: Context, location_id: str, location: str) -> Any:
    """The Webex Calling details of a location (``TelephonyLocation``); Rejected when it is not enabled for calling."""
    missing = f'la ubicación {location!r} no está habilitada para Webex Calling; ejecute antes alta_ubicacion'
    return rejected_on_404(missing, ctx.call, api.telephony.location.details, location_id, org_id=ctx.org_id)


def premises_routes(api: Any, ctx: Context) -> list[dict[str, str]]:
    """The org's trunks and route groups, read once per run: ``[{type: TRUNK|ROUTE_GROUP, id, name}]``."""

    def load() -> list[dict[str, str]]:
        prem = api.telephony.prem_pstn
        trunks = ctx.call(lambda: list(prem.trunk.list(org_id=ctx.org_id)))
        groups = ctx.call(lambda: list(prem.route_group.list(org_id=ctx.org_id)))
        return [{'type': 'TRUNK', 'id': t.trunk_id, 'name': t.name} for t in trunks] + [
            {'type': 'ROUTE_GROUP', 'id': g.rg_id, 'name': g.name} for g in groups
        ]

    return ctx.cached((ORG, 'premises_routes'), load)


def premises_route(api: Any, ctx: Context, name_or_id: str, field: str) -> dict[str, str] | None:
    """The trunk or route group with id or (case-insensitive) name ``name_or_id``, or None when there is none.

    Rejected (naming ``field``) when the name is both a trunk and a route group.
    """
    wanted = name_or_id.casefold()
    matches = [r for r in premises_routes(api, ctx) if r['id'] == name_or_id or r['name'].casefold() == wanted]
    if len(matches) > 1:
        raise Rejected(
            f'{field}: {name_or_id!r} es a la vez un trunk y un route group; indique su id',
            {'candidates': matches},
        )
    return matches[0] if matches else None


def describe_premises_routes(api: Any, ctx: Context) -> str:
    """``TRUNK TRK-MAD-01, ROUTE_GROUP RG-ESPANA``: what an operator may choose from, for messages."""
    return ', '.join(f'{r["type"]} {r["name"]}' for r in premises_routes(api, ctx)) or 'ninguno'


def find_person(api: Any, ctx: Context, email: str) -> Any:
    """The person with this e-mail, with its Webex Calling data, or None."""
    found = ctx.call(lambda: list(api.people.list(email=email, calling_data=True, org_id=ctx.org_id)))
    wanted = email.casefold()
    return next((p for p in found if wanted in (e.casefold() for e in p.emails or [])), None)


#: ``RunCache`` key of the org's people by e-mail (casefolded), listed once per batch
PEOPLE_BY_EMAIL = (ORG, 'people_by_email')
#: People listed per row of the batch, at most, before listing the org is given up for one look-up per row: 50 is
#: half a page of ``GET /people?callingData=true`` (Webex pages it by 100), so the list costs at most half a call
#: per row more than it saves.
LISTED_PER_ROW = 50
#: the org is too large for the batch: look people up one by one
_TOO_LARGE = 'too large'


def people_by_email(api: Any, ctx: Context) -> dict[str, Any] | None:
    """The org's people with their Webex Calling data by e-mail (casefolded), listed page by page once per batch
    (``GET /people?callingData=true``) and kept current by :func:`remember_person`; None outside a batch
    (``RunCache.bulk_rows`` 0) and when the org has more than ``LISTED_PER_ROW`` people per row of the batch."""
    budget = ctx.cache.bulk_rows * LISTED_PER_ROW
    if not budget:
        return None

    def load() -> dict[str, Any] | str:
        def listed() -> dict[str, Any] | str:
            index: dict[str, Any] = {}
            for count, person in enumerate(api.people.list(calling_data=True, org_id=ctx.org_id), start=1):
                if count > budget:
                    return _TOO_LARGE
                for email in person.emails or []:
                    index.setdefault(email.casefold(), person)
            return index

        return ctx.call(listed)

    index = ctx.cached(PEOPLE_BY_EMAIL, load)
    return index if isinstance(index, dict) else None


@dataclass(frozen=True, slots=True)
class KnownPerson:
    """What the batch's list of the org keeps of a person this run created or read back (:func:`remember_person`):
    its id, e-mails and license ids (the resource check's questions), about 0.3 KB rather than the 2.4 KB of
    wxc_sdk's ``Person``. :func:`person_by_email` reads the whole person again (``GET /people/{id}``) when asked
    for it."""

    person_id: str
    emails: tuple[str, ...]
    licenses: tuple[str, ...]


def person_by_email(api: Any, ctx: Context, email: str) -> Any:
    """The person with this e-mail, with its Webex Calling data, or None: from the batch's list of the org
    (:func:`people_by_email`) when there is one, else :func:`find_person`. The list shows the org as it was when it
    was read plus this run's writes: whoever creates a person meanwhile is found by the create's 409. A person this
    run wrote is read again by id (``GET /people/{personId}?callingData=true``)."""
    index = people_by_email(api, ctx)
    if index is None:
        return find_person(api, ctx, email)
    found = index.get(email.casefold())
    if isinstance(found, KnownPerson):
        return ctx.call(api.people.details, found.person_id, calling_data=True)
    return found


def remember_person(ctx: Context, person: Any) -> None:
    """Keep the batch's list of the org current with ``person`` as this run created or read it back, as a
    :class:`KnownPerson` (a run that creates 100,000 people keeps 100,000 of them)."""
    index = ctx.cache.get(PEOPLE_BY_EMAIL)
    if isinstance(index, dict) and person is not None:
        known = KnownPerson(
            person.person_id,
            tuple(person.emails or ()),
            tuple(sys.intern(str(lic)) for lic in person.licenses or ()),  # a few ids shared by every person
        )
        for email in known.emails:
            index[email.casefold()] = known
