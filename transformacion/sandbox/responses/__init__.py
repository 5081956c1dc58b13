"""HTTP layer of the emulated API: one module per area, each exposing ``ROUTES``; this collects them."""

from . import (
    alternate_numbers,
    call_forwarding,
    internal_dialing,
    jobs,
    licenses,
    locations,
    move_users,
    numbers,
    organizations,
    people,
    permissions,
    premises_pstn,
    pstn,
    push_to_talk,
    telephony_locations,
    workspaces,
)

ROUTES = [
    *organizations.ROUTES,
    *people.ROUTES,
    *licenses.ROUTES,
    *locations.ROUTES,
    *telephony_locations.ROUTES,
    *permissions.ROUTES,
    *workspaces.ROUTES,
    *call_forwarding.ROUTES,
    *push_to_talk.ROUTES,
    *numbers.ROUTES,
    *pstn.ROUTES,
    *premises_pstn.ROUTES,
    *internal_dialing.ROUTES,
    *jobs.ROUTES,
    *move_users.ROUTES,
    *alternate_numbers.ROUTES,
]

__all__ = ['ROUTES']
