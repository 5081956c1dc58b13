"""The org state container: one dict per entity kind (records in snake_case), a lock, fixture load and dump."""

from __future__ import annotations

import copy
import json
import random
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import ids

if TYPE_CHECKING:
    from .call_forwarding import CallForwarding
    from .index import Index
    from .jobs import RoutingPrefixJob
    from .licenses import License
    from .locations import Location
    from .move_users import MoveUsersJob
    from .numbers import Number
    from .people import Person
    from .permissions import OutgoingPermission
    from .push_to_talk import PushToTalk
    from .telephony_locations import CallingLocation
    from .workspaces import Workspace

DEFAULT_FIXTURE = 'default_org.json'

FixtureSource = str | Path | Mapping[str, Any] | None


@dataclass
class Org:
    """Everything the sandbox knows about its one organisation.

    Records are plain dicts keyed by their Webex id, with snake_case keys; the HTTP layer turns them into
    camelCase. Whoever reads or writes several records that must stay consistent holds ``lock`` (the server
    holds it around every API handler).
    """

    id: str
    display_name: str
    created: str
    admin_id: str
    time_zones: list[str] = field(default_factory=list)
    preferred_languages: list[str] = field(default_factory=list)
    announcement_languages: list[str] = field(default_factory=list)
    people: dict[str, Person] = field(default_factory=dict)
    licenses: dict[str, License] = field(default_factory=dict)
    locations: dict[str, Location] = field(default_factory=dict)
    calling_locations: dict[str, CallingLocation] = field(default_factory=dict)
    numbers: dict[str, Number] = field(default_factory=dict)
    trunks: dict[str, dict[str, Any]] = field(default_factory=dict)
    route_groups: dict[str, dict[str, Any]] = field(default_factory=dict)
    pstn_connection_options: list[dict[str, Any]] = field(default_factory=list)
    #: location id -> ``{id}`` of its cloud PSTN option (a local gateway lives in ``calling_locations[..].connection``)
    pstn_connections: dict[str, dict[str, str]] = field(default_factory=dict)
    #: location id -> ``{enable_unknown_extension_route_policy, unknown_extension_route_identity: {id, type}|None}``
    internal_dialing: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: job id -> update-routing-prefix job (see state/jobs.py)
    routing_prefix_jobs: dict[str, RoutingPrefixJob] = field(default_factory=dict)
    #: person or workspace id -> its alternate numbers ``[{direct_number, ring_pattern?}]`` (state/alternate_numbers.py)
    alternate_numbers: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    #: job id -> move-users job (see state/move_users.py)
    move_users_jobs: dict[str, MoveUsersJob] = field(default_factory=dict)
    workspaces: dict[str, Workspace] = field(default_factory=dict)
    outgoing_permissions: dict[str, OutgoingPermission] = field(default_factory=dict)
    call_forwarding: dict[str, CallForwarding] = field(default_factory=dict)
    push_to_talk: dict[str, PushToTalk] = field(default_factory=dict)
    #: the org's extension length limits (Control Hub > Calling > Service Settings > Internal Dialing: "You can
    #: enter 2-10 digits"), checked by every create and by the validate-extensions endpoints
    extension_length: dict[str, int] = field(default_factory=lambda: {'min': 2, 'max': 10})
    #: E.164 numbers another organisation holds: ``validateNumbers`` answers them Unavailable
    unavailable_numbers: list[str] = field(default_factory=list)
    #: the keys of the ``validateNumbers`` answer: ``spec`` (``numbers: [{number, ...}]``, Cisco's OpenAPI spec) or
    #: ``wxc_sdk`` (``phoneNumbers: [{phoneNumber, ...}]``, wxc_sdk's ValidatePhoneNumbersResponse): the sources differ
    validate_numbers_keys: str = 'spec'
    #: statuses of the next partial creates: POST /people with a number creates the person without it and answers
    #: the first status, which is used up (see state/people.py)
    number_assignment_failures: list[int] = field(default_factory=list)
    seed: int = field(default=0, metadata={'dump': False})
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False, metadata={'dump': False})
    rng: random.Random = field(default_factory=random.Random, repr=False, compare=False, metadata={'dump': False})
    #: look-up indexes derived from the records (state/index.py); None until the first look-up builds them
    index: Index | None = field(default=None, repr=False, compare=False, metadata={'dump': False})

    def __post_init__(self) -> None:
        self.rng.seed(self.seed)

    @classmethod
    def from_fixture(cls, source: FixtureSource = None, seed: int = 0) -> Org:
        """A fresh org from a fixture: a path to a JSON file, an already loaded mapping, or None (the default)."""
        data = load_fixture(source)
        allowed = {f.name for f in fields(cls) if f.metadata.get('dump', True)}
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise ValueError(f'unknown fixture keys {unknown}; allowed: {sorted(allowed)}')
        return cls(**data, seed=seed)

    def dump(self) -> dict[str, Any]:
        """A deep copy of the state, in the fixture format (so a dump can seed another sandbox)."""
        with self.lock:
            return {f.name: copy.deepcopy(getattr(self, f.name)) for f in fields(self) if f.metadata.get('dump', True)}

    def restore(self, other: Org) -> None:
        """Replace this org's state by ``other``'s in place, so references to this object stay valid."""
        with self.lock:
            for f in fields(self):
                if f.name != 'lock':
                    setattr(self, f.name, getattr(other, f.name))

    def new_id(self, kind: str) -> str:
        """A new Webex id of ``kind``; deterministic for a given seed and sequence of creations."""
        return ids.encode(kind, str(uuid.UUID(int=self.rng.getrandbits(128), version=4)))


def load_fixture(source: FixtureSource = None) -> dict[str, Any]:
    """The fixture data as a new dict (a deep copy when given a mapping)."""
    if source is None:
        text = resources.files('transformacion.sandbox').joinpath('fixtures', DEFAULT_FIXTURE).read_text('utf-8')
        return json.loads(text)
    if isinstance(source, Mapping):
        return copy.deepcopy(dict(source))
    return json.loads(Path(source).read_text('utf-8'))


def timestamp() -> str:
    """Now, as Webex writes timestamps: ``2024-03-04T09:15:27.123Z``."""
    return datetime.now(UTC).isoformat(timespec='milliseconds').replace('+00:00', 'Z')
