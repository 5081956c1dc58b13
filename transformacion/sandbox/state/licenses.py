"""Licenses: the org's subscriptions; consumption is derived from who holds each license (people and workspaces).

``PATCH /licenses/users`` adds and removes licenses of one person; each license request stands alone, so some may
apply while others fail (Webex answers 206 then, 400 when none applied).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypedDict

from ..errors import BadRequest, NotFound
from . import index, people, workspaces
from .checks import text

if TYPE_CHECKING:
    from .org import Org
    from .people import Person

#: Webex Calling licenses a person can hold (at most one of them); the workspace license is for workspaces only.
CALLING_USER_LICENSES = ('Webex Calling - Professional', 'Webex Calling - Basic')
WORKSPACE_ONLY_LICENSES = ('Webex Calling - Workspaces',)


class License(TypedDict, total=False):
    id: str
    name: str
    total_units: int
    subscription_id: str
    site_url: str
    site_type: str


def holders(org: Org, license_id: str) -> list[Person]:
    """People holding the license, in the order of ``org.people``."""
    held = index.of(org).license_people.get(license_id, set())
    return [person for person in org.people.values() if person['id'] in held]


def holder_count(org: Org, license_id: str) -> int:
    """How many people hold the license (an index look-up: state/index.py)."""
    return len(index.of(org).license_people.get(license_id, ()))


def with_usage(org: Org, record: License) -> dict[str, Any]:
    """A license record plus its consumption (consumed_units, consumed_by_users, consumed_by_workspaces)."""
    users = holder_count(org, record['id'])
    spaces = workspaces.license_holder_count(org, record['id'])
    return {**record, 'consumed_units': users + spaces, 'consumed_by_users': users, 'consumed_by_workspaces': spaces}


def all_licenses(org: Org) -> list[dict[str, Any]]:
    """Every license of the org, with usage."""
    return [with_usage(org, record) for record in org.licenses.values()]


def get(org: Org, license_id: str) -> dict[str, Any]:
    """One license with usage; 404 when unknown."""
    record = org.licenses.get(license_id)
    if record is None:
        raise NotFound('License not found.')
    return with_usage(org, record)


def is_calling_user_license(org: Org, license_id: str) -> bool:
    return org.licenses.get(license_id, {}).get('name') in CALLING_USER_LICENSES


def is_workspace_only(org: Org, license_id: str) -> bool:
    return org.licenses.get(license_id, {}).get('name') in WORKSPACE_ONLY_LICENSES


def units_left(org: Org, license_id: str) -> int:
    """Units of a license not consumed by anyone."""
    usage = get(org, license_id)
    return usage.get('total_units', 0) - usage['consumed_units']


def check_units(org: Org, license_id: str) -> None:
    """400 when the license has no free unit, naming how many are consumed of how many."""
    usage = get(org, license_id)
    if usage['consumed_units'] >= usage.get('total_units', 0):
        raise BadRequest(
            'License assignment failed',
            descriptions=[
                f'No available units of license {usage["name"]}: {usage["consumed_units"]} of '
                f'{usage.get("total_units", 0)} consumed. The following license(s) could not be applied as '
                f'requested: {license_id}'
            ],
        )


def assign_to_user(org: Org, data: dict[str, Any]) -> tuple[Person, bool]:
    """``PATCH /licenses/users`` from a snake_case body: the person (by ``person_id`` or ``email``) after the change,
    and whether every license request applied. 404 for an unknown person; 400 when no request applied."""
    person_id, email = text(data, 'person_id'), text(data, 'email')
    if person_id:
        record = people.get(org, person_id)
    elif email:
        found = people.find_by_email(org, email)
        if found is None:
            raise NotFound(f'User {email} not found.')
        record = found
    else:
        raise BadRequest('At least one of email or personId is required.')
    requests = data.get('licenses') or []
    if not isinstance(requests, list) or not all(isinstance(item, dict) for item in requests):
        raise BadRequest('Invalid value for licenses: expected a list of {id, operation, properties}.')
    failed = people.change_licenses(org, record, requests)
    if requests and len(failed) == len(requests):
        if len(failed) == 1:
            raise failed[0]
        raise BadRequest('License assignment failed', descriptions=[d for error in failed for d in error.descriptions])
    return record, not failed
