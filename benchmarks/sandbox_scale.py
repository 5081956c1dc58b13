"""Sandbox CPU per request with 1,000 and with 100,000 people in the org, measured side by side in one run.

What runs, per size, in this process (no socket, no client: ``Engine.handle`` is what the HTTP listener calls):
an org seeded with ``size`` Webex Calling people (extension, work number, license) and ``size / 10`` workspaces
spread over the seeded locations, then ``--rows`` times the requests a batch makes for one new user and one new
workspace (alta_usuario's and alta_workspace's reads, create and verify read: e-mail look-up, location by name,
licenses with usage, number look-up, extension look-up in a location, POST /people with an extension, the
person's details, workspace by name, POST /workspaces). The CPU time of those requests (``time.process_time``)
divided by their number is the figure.
Target: CPU per request at the largest size <= 1.5 x CPU per request at the smallest.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from transformacion.sandbox import ids
from transformacion.sandbox.config import Config
from transformacion.sandbox.engine import Engine
from transformacion.sandbox.state import load_fixture

TOKEN = 'bench-token'
TARGET_RATIO = 1.5
LOCATIONS = 20
HEADERS = {'authorization': f'Bearer {TOKEN}', 'content-type': 'application/json'}


def seeded_org(people: int) -> dict[str, Any]:
    """The packaged demo org plus LOCATIONS calling locations holding ``people`` calling users (each with an
    extension and a work number of its location) and ``people // 10`` workspaces, as fixture data."""
    data = load_fixture(None)
    professional = next(lic for lic in data['licenses'].values() if lic['name'] == 'Webex Calling - Professional')
    professional['total_units'] = people * 2 + 10_000
    template = next(iter(data['locations'].values()))
    calling_template = next(iter(data['calling_locations'].values()))
    location_ids = []
    for index in range(LOCATIONS):
        location_id = ids.encode(ids.LOCATION, f'00000000-0000-4000-9000-{index:012d}')
        name = f'Sede Escala {index:02d}'
        data['locations'][location_id] = {**template, 'id': location_id, 'name': name}
        data['calling_locations'][location_id] = {
            **calling_template,
            'id': location_id,
            'calling_line_id': {'name': name},
            'routing_prefix': None,
        }
        location_ids.append(location_id)
    for index in range(people):
        person_id = ids.encode(ids.PEOPLE, f'00000000-0000-4000-8000-{index:012d}')
        location_id = location_ids[index % LOCATIONS]
        number = f'+3492{index:07d}'
        data['numbers'][number] = {
            'phone_number': number,
            'location_id': location_id,
            'state': 'ACTIVE',
            'toll_free_number': False,
            'owner': {'id': person_id, 'type': 'PEOPLE'},
        }
        data['people'][person_id] = {
            'id': person_id,
            'emails': [f'escala.{index:06d}@transformacion-demo.example.com'],
            'display_name': f'Escala {index:06d}',
            'first_name': 'Escala',
            'last_name': f'{index:06d}',
            'org_id': data['id'],
            'phone_numbers': [{'type': 'work', 'value': number, 'primary': True}],
            'extension': str(200000 + index),
            'location_id': location_id,
            'licenses': [professional['id']],
            'roles': [],
            'type': 'person',
            'status': 'active',
        }
    template = next(iter(data['workspaces'].values()))
    for index in range(people // 10):
        workspace_id = ids.encode(ids.PLACE, f'00000000-0000-4000-7000-{index:012d}')
        data['workspaces'][workspace_id] = {
            **template,
            'id': workspace_id,
            'location_id': location_ids[index % LOCATIONS],
            'display_name': f'Sala Escala {index:06d}',
            'calling': {'type': 'freeCalling'},
        }
    return data


def row_requests(engine: Engine, index: int, professional: str, location_id: str) -> list[tuple[str, str, bytes]]:
    """The requests of one user row and one workspace row (method, target, body)."""
    email = f'nuevo.{index:06d}@transformacion-demo.example.com'
    person = {
        'emails': [email],
        'firstName': 'Nuevo',
        'lastName': f'{index:06d}',
        'licenses': [professional],
        'locationId': location_id,
        'extension': str(700000 + index),
    }
    name = engine.org.locations[location_id]['name'].replace(' ', '%20')
    return [
        ('GET', '/v1/licenses', b''),
        ('GET', f'/v1/licenses/{professional}', b''),
        ('GET', f'/v1/locations?name={name}', b''),
        ('GET', f'/v1/people?email={email}&callingData=true', b''),
        ('GET', f'/v1/people?email=escala.{index:06d}@transformacion-demo.example.com&callingData=true', b''),
        ('GET', f'/v1/telephony/config/numbers?phoneNumber=%2B3492{index:07d}', b''),
        ('GET', f'/v1/telephony/config/numbers?extension={200000 + index}&locationId={location_id}', b''),
        ('POST', '/v1/people?callingData=true', json.dumps(person).encode()),
        ('GET', f'/v1/workspaces?displayName=Sala%20Nueva%20{index:06d}', b''),
        ('POST', '/v1/workspaces', json.dumps({'displayName': f'Sala Nueva {index:06d}'}).encode()),
    ]


def measure(people: int, rows: int) -> tuple[float, float, int]:
    """(seconds to load the org, CPU seconds per request, requests) for an org of ``people``."""
    start = time.perf_counter()
    engine = Engine(token=TOKEN, fixture=seeded_org(people), seed=0, config=Config())
    engine.handle('GET', '/v1/licenses', HEADERS, b'', '127.0.0.1')  # builds the sandbox's indexes
    load_s = time.perf_counter() - start
    professional = next(lic['id'] for lic in engine.org.licenses.values() if lic['name'].endswith('Professional'))
    locations = [lid for lid in engine.org.calling_locations if engine.org.locations[lid]['name'].startswith('Sede E')]
    count = 0
    cpu = 0.0
    for index in range(rows):
        requests = row_requests(engine, index, professional, locations[index % len(locations)])
        before = time.process_time()
        for method, target, body in requests:
            reply = engine.handle(method, target, HEADERS, body, '127.0.0.1')
            if reply.status >= 400:
                raise RuntimeError(f'{method} {target}: {reply.status} {reply.body[:300]!r}')
        cpu += time.process_time() - before
        count += len(requests)
        # a person's details read back (the verify read), as the batch does after a create
        created = engine.journal.entries()[-3]['created_id']
        before = time.process_time()
        engine.handle('GET', f'/v1/people/{created}?callingData=true', HEADERS, b'', '127.0.0.1')
        cpu += time.process_time() - before
        count += 1
    return load_s, cpu / count, count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--people', default='1000,100000', help='org sizes, comma-separated; first and last compared')
    parser.add_argument('--rows', type=int, default=300, help='rows (user + workspace) per size (default 300)')
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.people.split(',')]
    print(f'{"people":>8} {"load s":>7} {"requests":>8} {"CPU ms/request":>14}')
    per_request: dict[int, float] = {}
    for size in sizes:
        load_s, cpu, count = measure(size, args.rows)
        per_request[size] = cpu
        print(f'{size:8d} {load_s:7.1f} {count:8d} {cpu * 1000:14.3f}')
    small, large = sizes[0], sizes[-1]
    ratio = per_request[large] / per_request[small]
    verdict = 'PASS' if ratio <= TARGET_RATIO else 'FAIL'
    print(
        f'{verdict} sandbox CPU per request {large} people={per_request[large] * 1000:.3f} ms / '
        f'{small} people={per_request[small] * 1000:.3f} ms ratio={ratio:.2f} (target<={TARGET_RATIO})'
    )
    return 0 if verdict == 'PASS' else 1


if __name__ == '__main__':
    sys.exit(main())
