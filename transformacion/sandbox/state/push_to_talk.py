"""Push-to-Talk (intercom) of people and workspaces: Webex defaults, validation, and members shown as people or
workspaces (``id``, names, ``type``, ``email``, ``numbers``) though they are written as a list of ids."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypedDict

from ..errors import BadRequest
from . import features
from .checks import flag, one_of, text

if TYPE_CHECKING:
    from .org import Org

CONNECTION_TYPES = ['ONE_WAY', 'TWO_WAY']
ACCESS_TYPES = ['ALLOW_MEMBERS', 'BLOCK_MEMBERS']


class PushToTalk(TypedDict, total=False):
    allow_auto_answer: bool
    connection_type: str
    access_type: str
    members: list[str]


def defaults() -> PushToTalk:
    """What Webex reports for an entity whose Push-to-Talk was never changed."""
    return {'allow_auto_answer': True, 'connection_type': 'ONE_WAY', 'access_type': 'ALLOW_MEMBERS', 'members': []}


def read(org: Org, kind: str, entity_id: str) -> dict[str, Any]:
    """The Push-to-Talk settings of a person or workspace, members expanded (members deleted since are left out);
    404 for an unknown or non-calling entity."""
    features.calling_entity(org, kind, entity_id)
    record = org.push_to_talk.get(entity_id) or defaults()
    members = [view for view in (_member_view(org, member_id) for member_id in record['members']) if view]
    return {**record, 'members': members}


def update(org: Org, kind: str, entity_id: str, data: dict[str, Any]) -> None:
    """Set the fields given; ``members`` (a list of person or workspace ids) replaces the list. Unknown fields are
    ignored. 400 on an unknown connection or access type or a member that is not a Webex Calling person/workspace."""
    features.calling_entity(org, kind, entity_id)
    record: PushToTalk = {**(org.push_to_talk.get(entity_id) or defaults())}
    auto_answer = flag(data, 'allow_auto_answer')
    if auto_answer is not None:
        record['allow_auto_answer'] = auto_answer
    for key, accepted, name in (
        ('connection_type', CONNECTION_TYPES, 'connectionType'),
        ('access_type', ACCESS_TYPES, 'accessType'),
    ):
        value = text(data, key)
        if value is not None:
            one_of(value, accepted, name)
            record[key] = value  # type: ignore[literal-required]
    if data.get('members') is not None:
        record['members'] = _members(org, data['members'])
    org.push_to_talk[entity_id] = record


def _members(org: Org, members: Any) -> list[str]:
    if not isinstance(members, list) or not all(isinstance(member, str) for member in members):
        raise BadRequest('Invalid value for members: expected a list of person or workspace ids.')
    unknown = [member for member in members if _member_view(org, member) is None]
    if unknown:
        raise BadRequest(
            f'Invalid value for members: {", ".join(unknown)} is not a Webex Calling person or workspace of this '
            'organization.',
            descriptions=[f'Member {member} not found.' for member in unknown],
        )
    return list(dict.fromkeys(members))


def _member_view(org: Org, member_id: str) -> dict[str, Any] | None:
    """A member as Webex lists it, or None when ``member_id`` is no Webex Calling person or workspace."""
    person = org.people.get(member_id)
    if person is not None and person.get('location_id'):
        work = next((n['value'] for n in person.get('phone_numbers', []) if n.get('type') == 'work'), None)
        return {
            'id': member_id,
            'first_name': person.get('first_name'),
            'last_name': person.get('last_name'),
            'display_name': person.get('display_name'),
            'type': 'PEOPLE',
            'email': next(iter(person.get('emails', [])), None),
            'numbers': [{'external': work, 'extension': person.get('extension'), 'primary': True}],
        }
    workspace = org.workspaces.get(member_id)
    if workspace is not None and workspace['calling']['type'] == 'webexCalling':
        return {
            'id': member_id,
            'display_name': workspace['display_name'],
            'type': 'PLACE',
            'numbers': [
                {'external': workspace.get('phone_number'), 'extension': workspace.get('extension'), 'primary': True}
            ],
        }
    return None
