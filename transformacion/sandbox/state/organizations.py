"""Organizations: the sandbox serves exactly one, the one its fixture describes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import Forbidden, NotFound

if TYPE_CHECKING:
    from .org import Org


def details(org: Org) -> dict[str, Any]:
    """The organization record: id, display_name, created."""
    return {'id': org.id, 'display_name': org.display_name, 'created': org.created}


def get(org: Org, org_id: str) -> dict[str, Any]:
    """The organization with ``org_id``; 404 for any other id."""
    if org_id != org.id:
        raise NotFound('Organization not found.')
    return details(org)


def check_access(org: Org, org_id: str) -> None:
    """403 when a request names (``orgId``) an organization the token's admin does not manage."""
    if org_id != org.id:
        raise Forbidden(f'Not authorized to access organization {org_id}.')
