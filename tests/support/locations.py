"""Arrangements of the location tests: a fresh calling location, its numbers, and reading the evidence."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from transformacion.sandbox.state import numbers, pstn

SAMPLES = Path(__file__).resolve().parents[2] / 'samples' / 'ubicaciones.csv'
SEDE_CENTRAL = 'Sede Central'
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


@dataclass
class Site:
    name: str
    id: str


def create_site(cli: Any, args: list[str]) -> Site:
    run = cli('alta_ubicacion', *args)
    assert run.status == 'executed', run.result
    return Site(args[args.index('--name') + 1], run.result['result']['location_id'])


@pytest.fixture
def site(cli: Any) -> Site:
    """A new location enabled for Webex Calling, with no PSTN, numbers, routing prefix or internal dialing."""
    return create_site(cli, VALENCIA)


@pytest.fixture
def lisboa(cli: Any) -> Site:
    """A new calling location in Portugal (Telefonica Cloud Connect serves Spain only)."""
    args = [*VALENCIA]
    for flag, value in (
        ('--name', 'Lisboa Baixa'),
        ('--city', 'Lisboa'),
        ('--state', 'Lisboa'),
        ('--postal-code', '1100-148'),
        ('--country', 'PT'),
        ('--time-zone', 'Europe/Lisbon'),
    ):
        args[args.index(flag) + 1] = value
    return create_site(cli, args)


@pytest.fixture
def lgw_site(site: Site, sandbox: Any) -> Site:
    """The new location with a local gateway PSTN (trunk TRK-MAD-01), the kind Webex lets the API add numbers to."""
    set_pstn(sandbox, site.id, 'TRK-MAD-01')
    return site


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


def sede_central_id(sandbox: Any) -> str:
    return next(loc['id'] for loc in sandbox.org.locations.values() if loc['name'] == SEDE_CENTRAL)


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


def log_events(run: Any) -> list[dict[str, Any]]:
    with open(run.result['summary']['log_file'], encoding='utf-8') as handle:
        return [json.loads(line) for line in handle]


def logged_writes(run: Any) -> list[tuple[str, str]]:
    """(method, path) of the writes the JSONL evidence of a run records."""
    return [
        (e['payload']['method'], e['payload']['url'].split('?')[0].split('/v1', 1)[1])
        for e in log_events(run)
        if e['event'] == 'request' and e['payload'].get('method') in ('POST', 'PUT', 'PATCH', 'DELETE')
    ]
