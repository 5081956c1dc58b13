"""Arrangements of the location tests: a fresh calling location, the routes and numbers of the sandbox's org."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from transformacion.sandbox.state import locations, numbers, pstn

#: alta_ubicacion's options for a new location in Spain.
VALENCIA = [
    '--name', 'Valencia Ruzafa',
    '--time-zone', 'Europe/Madrid',
    '--preferred-language', 'es_ES',
    '--announcement-language', 'es_es',
    '--address1', 'Calle de Cádiz 50',
    '--city', 'Valencia',
    '--state', 'Valencia',
    '--postal-code', '46006',
    '--country', 'ES',
]  # fmt: skip
#: alta_ubicacion's options for a new location in Portugal (Telefonica Cloud Connect serves Spain only).
LISBOA = [
    '--name', 'Lisboa Baixa',
    '--time-zone', 'Europe/Lisbon',
    '--preferred-language', 'es_ES',
    '--announcement-language', 'es_es',
    '--address1', 'Calle de Cádiz 50',
    '--city', 'Lisboa',
    '--state', 'Lisboa',
    '--postal-code', '1100-148',
    '--country', 'PT',
]  # fmt: skip


@dataclass
class Site:
    name: str
    id: str


def create_site(cli: Any, args: list[str]) -> Site:
    """A new location enabled for Webex Calling, made with alta_ubicacion ``args``: no PSTN, numbers, routing prefix
    or internal dialing yet."""
    run = cli('alta_ubicacion', *args)
    assert run.status == 'executed', run.result
    return Site(args[args.index('--name') + 1], run.result['result']['location_id'])


def set_pstn(sandbox: Any, location_id: str, name: str) -> None:
    """Set a location's PSTN directly in the sandbox state: a trunk or route group by name (local gateway), or a
    connection option by display name, including those only Control Hub can set (Cisco PSTN)."""
    with sandbox.org.lock:
        routes = {**sandbox.org.trunks, **sandbox.org.route_groups}
        route = next((r for r in routes.values() if r['name'] == name), None)
        if route is not None:
            kind = 'TRUNK' if route['id'] in sandbox.org.trunks else 'ROUTE_GROUP'
            pstn.configure(sandbox.org, location_id, {'premise_route_type': kind, 'premise_route_id': route['id']})
        else:
            sandbox.org.calling_locations[location_id].pop('connection', None)
            sandbox.org.pstn_connections[location_id] = {'id': option_id(sandbox, name)}


def add_location_without_calling(sandbox: Any, name: str) -> str:
    """A location in Getafe that is not enabled for Webex Calling, made directly in the sandbox state; its id."""
    address = {'address1': 'Calle A 1', 'city': 'Getafe', 'state': 'Madrid', 'postal_code': '28901', 'country': 'ES'}
    body = {
        'name': name,
        'time_zone': 'Europe/Madrid',
        'preferred_language': 'es_ES',
        'announcement_language': 'es_es',
        'address': address,
    }
    with sandbox.org.lock:
        return locations.create(sandbox.org, body)['id']


def route_id(sandbox: Any, name: str) -> str:
    """Id of the trunk or route group called ``name`` in the sandbox fixture."""
    everything = {**sandbox.org.trunks, **sandbox.org.route_groups}
    return next(route_id for route_id, record in everything.items() if record['name'] == name)


def option_id(sandbox: Any, name: str) -> str:
    return next(o['id'] for o in sandbox.org.pstn_connection_options if o['display_name'] == name)


def seed_numbers(sandbox: Any, location_id: str, *phone_numbers: str, state: str = 'ACTIVE') -> None:
    """Put numbers in a location's inventory directly in the sandbox state (no API call, nothing journaled)."""
    with sandbox.org.lock:
        numbers.add(sandbox.org, location_id, {'phone_numbers': list(phone_numbers), 'state': state})


def mark(sandbox: Any) -> int:
    """A position in the journal: ``sandbox.writes(mark(sandbox))`` lists what was written after it."""
    return len(sandbox.journal())
