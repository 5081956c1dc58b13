"""The resources a batch uses, counted across all its rows before the first write (issue 14): the extensions and
numbers its rows give to people, workspaces and locations, the numbers they add to locations and the license units
they consume. A :class:`Claim` is one such use by one row x action; :func:`batch_conflicts` finds, offline, the
claims that collide inside the batch. What collides with the organisation is found by ``domain.resources``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

#: What a claim uses: an extension or a number for its holder, a location's main number, a number added to a
#: location's inventory, one unit of a license.
EXTENSION, NUMBER, MAIN_NUMBER, ADD_NUMBER, LICENSE = 'extension', 'number', 'main_number', 'add_number', 'license'


@dataclass(frozen=True, slots=True)
class Claim:
    """One resource used by one row x action.

    ``value``: the extension, the E.164 number or the license as the row names it; ``location``: the location the
    extension or number is for, as written (name or id; '' when the row does not say); ``holder``: who gets it,
    ``('person', email)``, ``('workspace', name, location)`` or ``('location', name)``, case-folded; ``file``,
    ``row``, ``column``: where the operator wrote it (the source column); ``field``: the action's parameter;
    ``written``: the cell as the operator typed it (``+34 915 550 102``, a whole list or range), '' when the value is
    not in a cell (a declared default).
    """

    kind: str
    value: str
    location: str
    holder: tuple[str, ...]
    dataset: str
    row: int
    action: str
    file: str
    column: str
    field: str
    written: str = ''

    @property
    def shown(self) -> str:
        """The value as a problem names it: the cell as written, else the value."""
        return self.written or self.value


@dataclass(frozen=True)
class Finding:
    """Why a claim cannot be met (in Spanish, for the operator)."""

    claim: Claim
    why: str


#: What a conflict check keeps of the first claim of a resource: (holder, file, row), not the whole claim.
_First = tuple[tuple[str, ...], str, int]


def _first(claim: Claim) -> _First:
    return claim.holder, claim.file, claim.row


def _where(claim: Claim) -> str:
    return f'{claim.file} fila {claim.row}'


def _holder(holder: tuple[str, ...]) -> str:
    return holder[1]


def batch_conflicts(claims: Iterable[Claim]) -> list[Finding]:
    """The claims that collide with an earlier claim of the same batch, each against the first one (no org needed):
    an extension of one location for two holders, a number for two holders, a number added to two locations, a
    number added twice to its location. A holder using the same resource in several actions of its row (alta and
    license) is no collision."""
    extensions: dict[tuple[str, str], _First] = {}
    held: dict[str, _First] = {}
    added: dict[str, Claim] = {}
    folded: dict[str, str] = {}  # location -> its case-folded name, one text per location however many claims
    found = []
    for claim in claims:
        if claim.kind == EXTENSION and claim.location:
            where = folded.get(claim.location) or folded.setdefault(claim.location, claim.location.casefold())
            first = extensions.get((where, claim.value))
            if first is None:
                extensions[(where, claim.value)] = _first(claim)
            elif first[0] != claim.holder:
                found.append(
                    Finding(
                        claim,
                        f'extensión {claim.value} repetida en la ubicación {claim.location!r}: el lote ya se la da a '
                        f'{_holder(first[0])} ({first[1]} fila {first[2]}); las extensiones son únicas por ubicación',
                    )
                )
        elif claim.kind == NUMBER:
            first = held.get(claim.value)
            if first is None:
                held[claim.value] = _first(claim)
            elif first[0] != claim.holder:
                found.append(
                    Finding(
                        claim,
                        f'número {claim.value} repetido en el lote: ya se lo da a {_holder(first[0])} '
                        f'({first[1]} fila {first[2]}); un número solo puede tenerlo una persona o workspace',
                    )
                )
        elif claim.kind == ADD_NUMBER:
            origin = added.setdefault(claim.value, claim)
            if origin is claim or (origin.dataset, origin.row) == (claim.dataset, claim.row):
                continue
            if origin.location.casefold() != claim.location.casefold():
                why = (
                    f'número {claim.value} añadido a dos ubicaciones en el lote: ya se añade a {origin.location!r} '
                    f'({_where(origin)}); un número pertenece a una sola ubicación'
                )
            else:
                why = f'número {claim.value} repetido en el lote: ya se añade a {origin.location!r} ({_where(origin)})'
            found.append(Finding(claim, why))
    return found
