"""Look-up indexes over the org's records, so that a request costs the same with 1,000 or 100,000 people.

What is indexed: people by e-mail (lowercase), the holder of an extension per location (people and workspaces),
the holders of each license (people and workspaces), the number each person or workspace owns, workspaces by
location and lowercase name, and the text of workspace names and of the inventory's numbers (for the "contains"
filters of ``GET /workspaces?displayName=`` and ``GET /telephony/config/numbers?phoneNumber=``).

Maintenance: every state function that changes an indexed field (e-mails, location, extension, licenses, a
workspace's name or calling, a number's owner) calls :func:`refresh_person`, :func:`refresh_workspace` or
:func:`refresh_number` for the record it changed, after changing it; a new route that changes records through
those functions keeps the index true. Records added or removed by other code (a test seeding ``org.people``
directly, a fixture, ``Org.restore``) are caught by the sizes check of :func:`of`, which rebuilds the index; an
answer the record no longer confirms (an e-mail, an extension or a number changed in place) makes the look-up
rebuild it and ask again.
The index is derived data: never dumped, rebuilt from the records whenever in doubt.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .org import Org

#: Separates the entries of a SubstringIndex's text; no name or number contains it.
_SEPARATOR = '\x00'


class SubstringIndex:
    """Which keys contain a text, in insertion order: the keys' texts joined in one string searched with
    ``str.find`` (C speed), rebuilt only when an entry is removed or changed (additions are appended)."""

    def __init__(self) -> None:
        self._texts: dict[str, str] = {}
        self._text = ''
        self._starts: list[int] = []
        self._keys: list[str] = []
        self._pending: list[str] = []
        self._stale = False

    def set(self, key: str, value: str | None) -> None:
        """``key``'s text becomes ``value`` (None: the key leaves the index)."""
        old = self._texts.get(key)
        if old == value:
            return
        if value is None:
            del self._texts[key]
            self._stale = True
            return
        self._texts[key] = value
        if old is not None:
            self._stale = True
        elif not self._stale:
            self._pending.append(key)

    def containing(self, part: str) -> list[str]:
        """Keys whose text contains ``part``, in the order they were first indexed."""
        if _SEPARATOR in part:
            return []
        self._settle()
        found: list[str] = []
        position = self._text.find(part)
        while position >= 0:
            entry = bisect_right(self._starts, position) - 1
            found.append(self._keys[entry])
            following = self._starts[entry + 1] if entry + 1 < len(self._starts) else len(self._text)
            position = self._text.find(part, following)
        return found

    def _settle(self) -> None:
        if self._stale:
            self._text, self._starts, self._keys, self._pending, self._stale = '', [], [], list(self._texts), False
        if not self._pending:
            return
        chunk, start = [], len(self._text)
        for key in self._pending:
            self._starts.append(start)
            self._keys.append(key)
            entry = self._texts[key] + _SEPARATOR
            chunk.append(entry)
            start += len(entry)
        self._text += ''.join(chunk)
        self._pending = []


SET_KINDS = ('license_people', 'license_workspaces', 'workspace_names', 'extension_holders')
PEOPLE, WORKSPACES, NUMBERS = 0, 1, 2


@dataclass
class Index:
    """The indexes of one org (see the module docstring); get it with :func:`of`."""

    #: lowercase e-mail -> person id
    emails: dict[str, str] = field(default_factory=dict)
    #: (location id, extension) -> ``{id, type}`` of its holder (type PEOPLE or PLACE)
    extensions: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    #: extension -> ids of the people and workspaces holding it (in any location)
    extension_holders: dict[str, set[str]] = field(default_factory=dict)
    #: license id -> ids of the people / workspaces holding it
    license_people: dict[str, set[str]] = field(default_factory=dict)
    license_workspaces: dict[str, set[str]] = field(default_factory=dict)
    #: owner id -> the inventory number it owns
    owned_numbers: dict[str, str] = field(default_factory=dict)
    #: (location id, lowercase display name) -> workspace ids
    workspace_names: dict[tuple[str | None, str], set[str]] = field(default_factory=dict)
    workspace_text: SubstringIndex = field(default_factory=SubstringIndex)
    number_text: SubstringIndex = field(default_factory=SubstringIndex)
    #: the inventory's numbers in order (a number query starting with ``+`` is a prefix search)
    sorted_numbers: list[str] = field(default_factory=list)
    #: indexed record (person id, workspace id, ``#number``) -> the (index, key) pairs it holds
    held: dict[str, list[tuple[str, Hashable]]] = field(default_factory=dict)
    #: how many people, workspaces and numbers are indexed (compared with the org's by :func:`of`)
    counts: list[int] = field(default_factory=lambda: [0, 0, 0])

    def put(self, owner: str, kind: str, key: Hashable, value: Any = None) -> None:
        table = getattr(self, kind)
        if kind in SET_KINDS:
            table.setdefault(key, set()).add(value)
        else:
            table[key] = value
        self.held[owner].append((kind, key))

    def drop(self, owner: str) -> bool:
        """Remove what ``owner`` holds; whether it was indexed."""
        pairs = self.held.pop(owner, None)
        for kind, key in pairs or []:
            table = getattr(self, kind)
            value = table.get(key)
            if kind in SET_KINDS:
                value.discard(owner.removeprefix('#'))
                if not value:
                    del table[key]
            elif value is not None and _id_of(value) == owner.removeprefix('#'):
                del table[key]
        return pairs is not None


def _id_of(value: Any) -> str:
    return value['id'] if isinstance(value, dict) else value


def of(org: Org) -> Index:
    """The org's index, rebuilt first when records were added or removed without the state functions."""
    index = org.index
    if index is None or index.counts != [len(org.people), len(org.workspaces), len(org.numbers)]:
        index = rebuild(org)
    return index


def rebuild(org: Org) -> Index:
    """A new index of every record of the org (stored as ``org.index``)."""
    index = Index()
    org.index = index
    for person in org.people.values():
        _index_person(index, person)
    for workspace in org.workspaces.values():
        _index_workspace(index, workspace)
    for number, record in org.numbers.items():
        _index_number(index, number, record)
    index.sorted_numbers = sorted(org.numbers)
    return index


def numbers_containing(org: Org, part: str) -> list[str]:
    """The inventory's numbers that contain ``part``, sorted."""
    index = of(org)
    if part.startswith('+'):
        start = bisect_left(index.sorted_numbers, part)
        end = start
        while end < len(index.sorted_numbers) and index.sorted_numbers[end].startswith(part):
            end += 1
        return index.sorted_numbers[start:end]
    return sorted(index.number_text.containing(part))


def refresh_person(org: Org, person_id: str) -> None:
    """Re-index one person after a change, or drop it after its removal from ``org.people``."""
    index = org.index
    if index is not None:
        if index.drop(person_id):
            index.counts[PEOPLE] -= 1
        if person_id in org.people:
            _index_person(index, org.people[person_id])


def refresh_workspace(org: Org, workspace_id: str) -> None:
    """Re-index one workspace after a change, or drop it after its removal from ``org.workspaces``."""
    index = org.index
    if index is not None:
        if index.drop(workspace_id):
            index.counts[WORKSPACES] -= 1
        if workspace_id in org.workspaces:
            _index_workspace(index, org.workspaces[workspace_id])
        else:
            index.workspace_text.set(workspace_id, None)


def refresh_number(org: Org, number: str) -> None:
    """Re-index one number of the inventory after a change of owner, its addition or its removal."""
    index = org.index
    if index is not None:
        if index.drop(f'#{number}'):
            index.counts[NUMBERS] -= 1
        position = bisect_left(index.sorted_numbers, number)
        listed = position < len(index.sorted_numbers) and index.sorted_numbers[position] == number
        if number in org.numbers:
            _index_number(index, number, org.numbers[number])
            if not listed:
                insort(index.sorted_numbers, number)
        else:
            index.number_text.set(number, None)
            if listed:
                del index.sorted_numbers[position]


def _index_person(index: Index, person: dict[str, Any]) -> None:
    person_id = person['id']
    index.held[person_id] = []
    index.counts[PEOPLE] += 1
    for email in person.get('emails') or []:
        index.put(person_id, 'emails', email.lower(), person_id)
    if person.get('extension') and person.get('location_id'):
        key = (person['location_id'], person['extension'])
        index.put(person_id, 'extensions', key, {'id': person_id, 'type': 'PEOPLE'})
        index.put(person_id, 'extension_holders', person['extension'], person_id)
    for license_id in person.get('licenses') or []:
        index.put(person_id, 'license_people', license_id, person_id)


def _index_workspace(index: Index, workspace: dict[str, Any]) -> None:
    workspace_id = workspace['id']
    index.held[workspace_id] = []
    index.counts[WORKSPACES] += 1
    if workspace.get('extension') and workspace.get('location_id'):
        key = (workspace['location_id'], workspace['extension'])
        index.put(workspace_id, 'extensions', key, {'id': workspace_id, 'type': 'PLACE'})
        index.put(workspace_id, 'extension_holders', workspace['extension'], workspace_id)
    for license_id in ((workspace.get('calling') or {}).get('webex_calling') or {}).get('licenses') or []:
        index.put(workspace_id, 'license_workspaces', license_id, workspace_id)
    name = (workspace.get('display_name') or '').lower()
    index.put(workspace_id, 'workspace_names', (workspace.get('location_id'), name), workspace_id)
    index.workspace_text.set(workspace_id, name)


def _index_number(index: Index, number: str, record: dict[str, Any]) -> None:
    key = f'#{number}'
    index.held[key] = []
    index.counts[NUMBERS] += 1
    owner = (record.get('owner') or {}).get('id')
    if owner:
        index.put(key, 'owned_numbers', owner, number)
    index.number_text.set(number, number)
