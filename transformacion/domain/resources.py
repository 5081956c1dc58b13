"""The organisation's side of a batch's resources (issue 14): the claims of a batch (``core.resources``) checked
against the org before the first write, so that a refusal the real run would meet is found by its validation and
its dry run.

- License units, per license and subscription: every claim that would consume a unit (a person or workspace that
  does not hold the license yet) takes one, in batch order, from the units the org has free (``GET /licenses``),
  the way ``domain.licenses.take_unit`` chooses the subscription; a license name the org does not have is refused.
- Extensions, once per location and in batches: Webex's own check, ``POST /telephony/config/locations/{locationId}/
  actions/validateExtensions/invoke`` (``POST /telephony/config/actions/validateExtensions/invoke`` for a location
  the batch creates), so that the org's length limits and its org-level entities count; an extension answered
  ``DUPLICATE`` is refused unless the row's own person or workspace holds it (``GET /telephony/config/numbers``).
- Numbers added to a location, in batches: ``POST /telephony/config/actions/validateNumbers/invoke`` (read raw: the
  spec's answer is ``{status, numbers: [{number, state, tollFreeNumber, detail}]}``, which wxc_sdk's
  ``ValidatePhoneNumbersResponse`` does not read); a ``Duplicate`` already in that same location is a re-run.
- Numbers given to a person, a workspace or as a location's main number: in the location's inventory (or added to
  it by the same batch) and, for people and workspaces, held by nobody else (``domain.numbers.number_problem``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from transformacion.core.context import Context
from transformacion.core.outcome import Rejected
from transformacion.core.resources import ADD_NUMBER, EXTENSION, LICENSE, MAIN_NUMBER, NUMBER, Claim, Finding
from transformacion.core.retry import absent_on_404
from transformacion.domain import resolve
from transformacion.domain.licenses import count_units_from
from transformacion.domain.numbers import holder, number_problem

#: Values per validate request. Webex documents no cap for either endpoint; a batch of this size keeps each
#: request small.
VALIDATE_BATCH = 100
#: Validate requests of a batch made at the same time, at most (one thread each, only as many as there are requests):
#: the run's rate controller paces them and caps what is in flight (twice the latency's worth at the org's rate:
#: about 400 at 200 requests/s and 1 s), so a large batch's checks cost the rate's time, not one round trip per
#: ``READS_AT_ONCE`` requests (290 checks of a 28,571-row batch: 18 round trips at 16 at once, 2 at this width).
CHECKS_AT_ONCE = 256


def _chunks(values: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(values), VALIDATE_BATCH):
        yield values[start : start + VALIDATE_BATCH]


class _Org:
    """What the checks read of the org, each thing once: locations by the text a row names them with, people by
    e-mail, workspaces by name and location."""

    def __init__(self, api: Any, ctx: Context, created: set[str]) -> None:
        self.api, self.ctx, self.created = api, ctx, created
        self._locations: dict[str, str | None] = {}
        self._holders: dict[tuple[str, ...], Any] = {}

    def location_id(self, location: str) -> str | None:
        """The id of an existing location, None when the org has none of that name or id."""
        key = location.casefold()
        if key not in self._locations:
            try:
                self._locations[key] = resolve.location_id(self.api, self.ctx, location)
            except Rejected:
                self._locations[key] = None
        return self._locations[key]

    def entity(self, who: tuple[str, ...]) -> Any:
        """The existing person or workspace a claim's holder names, or None."""
        if who[0] == 'person' and '@' in who[1]:
            index = resolve.people_by_email(self.api, self.ctx)
            if index is not None:  # the batch's list of the org: nothing more to keep per holder
                return index.get(who[1])
        if who not in self._holders:
            self._holders[who] = self._find(who)
        return self._holders[who]

    def _find(self, who: tuple[str, ...]) -> Any:
        api, ctx = self.api, self.ctx
        if who[0] == 'person' and '@' in who[1]:
            return resolve.person_by_email(api, ctx, who[1])
        if who[0] == 'person':
            return absent_on_404(ctx.call, api.people.details, who[1], calling_data=True)
        if who[0] == 'workspace':
            location_id = self.location_id(who[2]) if who[2] else None
            if who[2] and location_id is None:
                return None
            found = ctx.call(
                lambda: list(api.workspaces.list(display_name=who[1], location_id=location_id, org_id=ctx.org_id))
            )
            return next((ws for ws in found if (ws.display_name or '').casefold() == who[1]), None)
        return None

    def entity_id(self, who: tuple[str, ...]) -> str | None:
        found = self.entity(who)
        return getattr(found, 'person_id', None) or getattr(found, 'workspace_id', None)

    def post(self, url: str, body: dict[str, Any]) -> dict[str, Any]:
        params = {'orgId': self.ctx.org_id} if self.ctx.org_id else None
        return self.ctx.call(self.api.session.rest_post, url, json=body, params=params) or {}


#: The claims of a batch: a sequence, or a function that reads them again, in the same order, at every call (the
#: checks then hold one pass's state, never every claim).
Claims = Sequence[Claim] | Callable[[], Iterable[Claim]]


def _of_kind(claims: Callable[[], Iterable[Claim]], *kinds: str) -> Callable[[], Iterator[Claim]]:
    return lambda: (claim for claim in claims() if claim.kind in kinds)


def org_findings(api: Any, ctx: Context, claims: Claims, created: set[str]) -> list[Finding]:
    """Every claim the org cannot meet, with why (Spanish, starting with the parameter): license units and names,
    extensions, numbers added and numbers held (see the module docstring). ``claims``: a sequence or a function
    that streams them again at each call (each check reads them once or twice, none keeps them all); ``created``:
    the locations (case-folded names) the batch creates. Reads only; the validate endpoints are POSTs that change
    nothing."""
    org = _Org(api, ctx, created)
    each: Callable[[], Iterable[Claim]] = claims if callable(claims) else (lambda: claims)
    kinds = _read_ahead(org, each())
    # a check without claims of its kind finds nothing: it is skipped, not a pass over a large batch's claims for
    # nothing (each pass reads a batch's inputs again: about 1.5 s for 28,571 rows)
    return [
        *(_license_findings(org, _of_kind(each, LICENSE)) if LICENSE in kinds else ()),
        *(_added_number_findings(org, _of_kind(each, ADD_NUMBER)()) if ADD_NUMBER in kinds else ()),
        *(_extension_findings(org, _of_kind(each, EXTENSION)) if EXTENSION in kinds else ()),
        *(
            _held_number_findings(org, _of_kind(each, ADD_NUMBER, NUMBER, MAIN_NUMBER))
            if kinds & {NUMBER, MAIN_NUMBER}
            else ()
        ),
    ]


def _read_ahead(org: _Org, claims: Iterable[Claim]) -> set[str]:
    """Read at the same time what the checks below read first and one after another: the org's licenses (any license
    claim), its people (a license claim of a person given by e-mail: ``resolve.people_by_email``, the batch's list)
    and the id of every location a claim names. The checks then find them in the run's cache. One pass over
    ``claims``; returns the kinds of claim there are."""
    licenses = people = False
    names: dict[str, None] = {}
    kinds: set[str] = set()
    for claim in claims:
        kinds.add(claim.kind)
        if claim.kind == LICENSE:
            licenses = True
            people = people or (claim.holder[0] == 'person' and '@' in claim.holder[1])
        if claim.location:
            names[claim.location] = None
    reads: list[Callable[[], Any]] = []
    if licenses:
        reads.append(lambda: resolve.licenses(org.api, org.ctx))
        if people:
            reads.append(lambda: resolve.people_by_email(org.api, org.ctx))
    reads += [lambda name=name: org.location_id(name) for name in names]
    resolve.at_once(reads)
    return kinds


# --------------------------------------------------------------------------- licenses


#: holder -> the license names (case-folded) the batch gives it earlier: one name, or a set when several
Given = dict[tuple[str, ...], str | set[str]]


def _give(given: Given, holder: tuple[str, ...], name: str) -> None:
    earlier = given.get(holder)
    if earlier is None:
        given[holder] = name
    elif isinstance(earlier, str):
        if earlier != name:
            given[holder] = {earlier, name}
    else:
        earlier.add(name)


def _needs_unit(org: _Org, claim: Claim, candidates: list[Any], given: Given) -> bool:
    """Whether the claim's holder would take a unit: it holds no license of the candidates yet (nor one the batch
    gives it earlier), and, for ``alta_usuario``, no Webex Calling license at all (the action keeps it)."""
    name = (candidates[0].name or '').casefold()
    earlier = given.get(claim.holder)
    if earlier == name or (isinstance(earlier, set) and name in earlier):
        return False
    found = org.entity(claim.holder)
    if found is None:
        return True
    if claim.action == 'alta_workspace':
        return False  # an existing workspace keeps its subscription unless asked for another license
    held = set(found.licenses or [])
    if claim.action == 'alta_usuario':
        calling = {
            lic.license_id
            for lic in resolve.licenses(org.api, org.ctx)
            if lic.webex_calling and not lic.webex_calling_workspaces
        }
        return not held & calling
    return not held & {lic.license_id for lic in candidates}


def _demands(
    org: _Org, claims: Iterable[Claim], resolved: dict[str, list[Any] | Rejected]
) -> Iterator[tuple[Claim, list[Any] | Rejected]]:
    """(claim, its candidates) for every claim that takes a unit, in batch order, and (claim, Rejected) for a license
    the org does not have. The same answer at every pass: ``resolved`` and the org's reads are kept."""
    given: Given = {}
    names: dict[str, str] = {}  # one text per license name in ``given``
    for claim in claims:
        if claim.value not in resolved:
            try:
                resolved[claim.value] = resolve.license_candidates(org.api, org.ctx, claim.value)
            except Rejected as exc:
                resolved[claim.value] = exc
        candidates = resolved[claim.value]
        if isinstance(candidates, Rejected):
            yield claim, candidates
        elif _needs_unit(org, claim, candidates, given):
            name = (candidates[0].name or '').casefold()
            _give(given, claim.holder, names.setdefault(name, name))
            yield claim, candidates


def _license_findings(org: _Org, claims: Callable[[], Iterable[Claim]]) -> list[Finding]:
    """Two passes over the claims: the units the batch consumes per set of candidates, then who takes them."""
    resolved: dict[str, list[Any] | Rejected] = {}  # license as written -> its candidates, one list per license
    needed: dict[tuple[str, ...], int] = {}
    for _, candidates in _demands(org, claims(), resolved):
        if not isinstance(candidates, Rejected):
            ids = tuple(lic.license_id for lic in candidates)
            needed[ids] = needed.get(ids, 0) + 1
    if not resolved:
        return []
    available = resolve.licenses(org.api, org.ctx)
    count_units_from(org.ctx, available)  # the rows take their units from this reading (the run's cache)
    free = {lic.license_id: max((lic.total_units or 0) - (lic.consumed_units or 0), 0) for lic in available}
    initial = dict(free)
    unknown: list[Finding] = []  # a license the org does not have, before the units
    found: list[Finding] = []
    for claim, candidates in _demands(org, claims(), resolved):
        if isinstance(candidates, Rejected):
            unknown.append(Finding(claim, f'{claim.field}: {candidates.message}'))
            continue
        lic = next((c for c in candidates if free[c.license_id] > 0), None)
        if lic is not None:
            free[lic.license_id] -= 1
            continue
        ids = tuple(c.license_id for c in candidates)
        units = sum(initial[i] for i in ids)
        where = ' entre sus suscripciones' if len(candidates) > 1 else ''
        found.append(
            Finding(
                claim,
                f'{claim.field}: la licencia {candidates[0].name!r} no tendría unidad libre para esta fila: el lote '
                f'consume {needed[ids]} y la organización tiene {units} libre(s){where} (se asignan en el orden del '
                'lote)',
            )
        )
    return unknown + found


# --------------------------------------------------------------------------- numbers added to locations


def _validate_numbers(org: _Org, numbers: list[str]) -> dict[str, dict[str, Any]]:
    """Number -> its entry in Webex's answer (``state``, ``detail``) for every number not answered Available."""
    url = org.api.telephony.ep('actions/validateNumbers/invoke')
    answered: dict[str, dict[str, Any]] = {}
    for chunk in _chunks(numbers):
        body = org.post(url, {'phoneNumbers': chunk})
        for entry in body.get('numbers') or body.get('phoneNumbers') or []:
            number = entry.get('number') or entry.get('phoneNumber')
            if number and entry.get('state') != 'Available':
                answered[number] = entry
    return answered


def _added_number_findings(org: _Org, claims: Iterable[Claim]) -> list[Finding]:
    first: dict[str, Claim] = {}
    for claim in claims:
        first.setdefault(claim.value, claim)
    if not first:
        return []
    found = []
    for number, entry in _validate_numbers(org, list(first)).items():
        claim = first.get(number)
        if claim is None:
            continue
        state = entry.get('state')
        detail = '; '.join(entry.get('detail') or [])
        if state == 'Duplicate':
            location_id = org.location_id(claim.location)
            problem = number_problem(org.api, org.ctx, number, location_id or '', claim.location, field=claim.field)
            if problem is None or problem['kind'] == 'taken':
                continue  # already in this location: a re-run
            where = problem['details'].get('location')
            why = f'{claim.field}: {number} ya está en la organización' + (
                f', en la ubicación {where!r}; un número pertenece a una sola ubicación' if where else ''
            )
        else:
            why = f'{claim.field}: Webex no acepta {number} ({state}{": " + detail if detail else ""})'
        found.append(Finding(claim, why))
    return found


# --------------------------------------------------------------------------- extensions


def _validate_extensions(org: _Org, location_id: str | None, extensions: list[str]) -> dict[str, dict[str, Any]]:
    """Extension -> Webex's answer for every extension not answered VALID: the location's check, or the org's for
    a location that does not exist yet or has no Webex Calling (404)."""
    telephony = org.api.telephony
    answered: dict[str, dict[str, Any]] = {}
    for chunk in _chunks(extensions):
        body = None
        if location_id is not None:
            url = telephony.location.ep(f'{location_id}/actions/validateExtensions/invoke')
            body = absent_on_404(org.post, url, {'extensions': chunk})
        if body is None:
            body = org.post(telephony.ep('actions/validateExtensions/invoke'), {'extensions': chunk})
        for entry in body.get('extensionStatus') or []:
            if entry.get('state') != 'VALID' and entry.get('extension'):
                answered[entry['extension']] = entry
    return answered


def _held_by_holder(org: _Org, extension: str, location_id: str, claim: Claim) -> tuple[bool, str | None]:
    """(whether the claim's own entity holds the extension, the name of whoever else does)."""
    holder_id = org.entity_id(claim.holder)
    api, ctx = org.api, org.ctx
    entries = ctx.call(
        lambda: list(api.telephony.phone_numbers(extension=extension, location_id=location_id, org_id=ctx.org_id))
    )
    entries = [entry for entry in entries if entry.extension == extension]
    if holder_id and any(entry.owner and entry.owner.owner_id == holder_id for entry in entries):
        return True, None
    others = [taken for taken in (holder(entry, holder_id) for entry in entries) if taken]
    return False, (f'{others[0]["name"]} ({others[0]["owner_type"]})' if others else None)


def _extension_place(org: _Org, claim: Claim) -> tuple[bool, str | None]:
    """(whether the org checks the claim's extension, the id of its location: None for one the batch creates)."""
    location_id = org.location_id(claim.location) if claim.location else None
    return location_id is not None or claim.location.casefold() in org.created, location_id


def _extension_findings(org: _Org, claims: Callable[[], Iterable[Claim]]) -> list[Finding]:
    # a location nobody creates is skipped: the action refuses it by name
    by_location: dict[str | None, dict[str, None]] = {}  # location id -> its extensions, in the batch's order
    for claim in claims():
        checked, location_id = _extension_place(org, claim)
        if checked:
            by_location.setdefault(location_id, {})[claim.value] = None
    # every location's check, each batch of VALIDATE_BATCH, at the same time (as the run's rate controller allows)
    batches = [(location_id, chunk) for location_id, wanted in by_location.items() for chunk in _chunks(list(wanted))]
    del by_location
    checks = [lambda where=where, chunk=chunk: _validate_extensions(org, where, chunk) for where, chunk in batches]
    answers: dict[str | None, dict[str, dict[str, Any]]] = {}
    for (location_id, _), answer in zip(batches, resolve.at_once(checks, CHECKS_AT_ONCE), strict=True):
        answers.setdefault(location_id, {}).update(answer)
    claimed: dict[tuple[str | None, str], list[Claim]] = {
        (location_id, extension): [] for location_id, answer in answers.items() for extension in answer
    }
    if claimed:  # the claims of the extensions Webex refused, the only ones kept
        for claim in claims():
            checked, location_id = _extension_place(org, claim)
            if checked and (location_id, claim.value) in claimed:
                claimed[(location_id, claim.value)].append(claim)
    found = []
    for location_id, answer in answers.items():
        for extension, entry in answer.items():
            message = entry.get('message') or f'errorCode {entry.get("errorCode")}'
            holders: set[tuple[str, ...]] = set()
            for claim in claimed[(location_id, extension)]:
                if claim.holder in holders:
                    continue
                holders.add(claim.holder)
                if entry.get('state') == 'DUPLICATE' and location_id is not None:
                    own, other = _held_by_holder(org, extension, location_id, claim)
                    if own:
                        continue
                    who = f'ya está asignada a {other}' if other else 'no está disponible'
                    why = f'{claim.field}: {extension} {who} en la ubicación {claim.location!r} (Webex: {message})'
                else:
                    why = f'{claim.field}: Webex no acepta la extensión {extension} ({entry.get("state")}: {message})'
                found.append(Finding(claim, why))
    return found


# --------------------------------------------------------------------------- numbers held


def _held_number_findings(org: _Org, claims: Callable[[], Iterable[Claim]]) -> list[Finding]:
    added = {(c.location.casefold(), c.value) for c in claims() if c.kind == ADD_NUMBER}
    found = []
    seen: set[tuple[str, str, tuple[str, ...]]] = set()
    for claim in claims():
        if claim.kind not in (NUMBER, MAIN_NUMBER) or not claim.location:
            continue
        key = (claim.location.casefold(), claim.value, claim.holder)
        if key in seen:
            continue
        seen.add(key)
        batch_adds = (claim.location.casefold(), claim.value) in added
        location_id = org.location_id(claim.location)
        if location_id is None:
            if claim.location.casefold() in org.created and not batch_adds:
                found.append(
                    Finding(
                        claim,
                        f'{claim.field}: {claim.value} no está en el inventario de la ubicación {claim.location!r}, '
                        'que crea este lote, y el lote no se lo añade (columna phone_numbers de ubicaciones)',
                    )
                )
            continue
        holder_id = org.entity_id(claim.holder) if claim.kind == NUMBER else None
        problem = number_problem(
            org.api,
            org.ctx,
            claim.value,
            location_id,
            claim.location,
            holder_id=holder_id,
            field=claim.field,
            free=claim.kind == NUMBER,
        )
        if problem is None or (problem['kind'] == 'missing' and batch_adds):
            continue
        found.append(Finding(claim, problem['reason']))
    return found
