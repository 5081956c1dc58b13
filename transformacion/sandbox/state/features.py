"""The entities that carry Webex Calling features (people and workspaces), as the feature areas look them up."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import NotFound
from . import people, workspaces

if TYPE_CHECKING:
    from .org import Org

PERSON = 'person'
WORKSPACE = 'workspace'
KINDS = (PERSON, WORKSPACE)


def calling_person(org: Org, person_id: str) -> dict[str, Any]:
    """The person with ``person_id``; 404 when there is none or when the person has no Webex Calling."""
    person = people.get(org, person_id)
    if not person.get('location_id'):
        raise NotFound('Person is not a Webex Calling user.')
    return person


def calling_workspace(org: Org, workspace_id: str) -> dict[str, Any]:
    """The workspace with ``workspace_id``; 404 when there is none or when its calling is not Webex Calling."""
    workspace = workspaces.get(org, workspace_id)
    if workspace['calling']['type'] != 'webexCalling':
        raise NotFound('Workspace is not a Webex Calling workspace.')
    return dict(workspace)


def calling_entity(org: Org, kind: str, entity_id: str) -> dict[str, Any]:
    """The person or workspace whose features are asked for; 404 when it does not exist or has no Webex Calling."""
    if kind == PERSON:
        return calling_person(org, entity_id)
    if kind == WORKSPACE:
        return calling_workspace(org, entity_id)
    raise ValueError(f'unknown entity kind {kind!r}; expected one of {KINDS}')
