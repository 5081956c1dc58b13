"""The sandbox process's CPU per HTTP request, this tree against a baseline tree, side by side in one run.

What runs, per round and per tree (interleaved: baseline, then this tree, ``--rounds`` times): ``python -m
transformacion.sandbox`` as its own process (``harness.SandboxProcess``; the baseline's package is extracted with
``git archive`` and the process started in it, so its ``transformacion`` is the one imported), seeded with 5 calling
locations; one keep-alive ``requests`` session sends wxc_sdk's headers (Bearer token, JSON content type, a
``TrackingID``) and, per user, ``POST /v1/people?callingData=true`` (e-mail, names, license, location, extension)
then ``GET /v1/people/{id}?callingData=true`` (the verify read): the two calls a batch makes per created user. The
sandbox's CPU time (user + system of every thread, from /proc/<pid>/stat) over those requests, after ``--warmup``
users that are not counted, divided by their number is the figure; the median of the rounds is compared.
Target: CPU per request of this tree <= 0.7 x the baseline's.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import requests
from harness import LICENSE, TOKEN, SandboxProcess, seeded_fixture

ROOT = Path(__file__).resolve().parents[1]
#: The tree before the sandbox's own header parsing and its cached key conversions.
BEFORE = '297b7e142c90d5575aad2b799a0e26d7fbe2a365'
TARGET_RATIO = 0.7
LOCATIONS = 5


def extract(ref: str, folder: Path) -> Path:
    """The ``transformacion`` package of commit ``ref`` written under ``folder`` (``git archive``)."""
    archive = subprocess.run(
        ['git', '-C', str(ROOT), 'archive', ref, 'transformacion'], check=True, capture_output=True
    ).stdout
    subprocess.run(['tar', '-x', '-C', str(folder)], input=archive, check=True)
    imported = subprocess.run(
        [sys.executable, '-c', 'import transformacion.sandbox as s; print(s.__file__)'],
        cwd=folder,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    if not imported.startswith(str(folder)):
        raise RuntimeError(f'the baseline does not shadow the installed package: {imported}')
    return folder


def create_and_read(session: requests.Session, base_url: str, index: int, license_id: str, location_id: str) -> None:
    """One user's two calls, as wxc_sdk sends them; anything but 200 stops the benchmark."""
    person = {
        'emails': [f'http.bench{index:06d}@transformacion-demo.example.com'],
        'firstName': 'Lucía',
        'lastName': f'Fernández {index:06d}',
        'licenses': [license_id],
        'locationId': location_id,
        'extension': str(100000 + index),
    }
    created = session.post(
        f'{base_url}/people',
        params={'callingData': 'true'},
        json=person,
        headers={'TrackingID': f'SIMPLE_{uuid.uuid4()}'},
    )
    if created.status_code != 200:
        raise RuntimeError(f'POST /people: {created.status_code} {created.text[:300]}')
    read = session.get(
        f'{base_url}/people/{created.json()["id"]}',
        params={'callingData': 'true'},
        headers={'TrackingID': f'SIMPLE_{uuid.uuid4()}'},
    )
    if read.status_code != 200:
        raise RuntimeError(f'GET /people/{{id}}: {read.status_code} {read.text[:300]}')


def measure(tree: Path | None, fixture: Path, users: int, warmup: int) -> float:
    """Sandbox CPU seconds per request over ``users`` creates and reads, the sandbox started in ``tree``."""
    sandbox = SandboxProcess(fixture, cwd=tree)
    try:
        session = requests.Session()
        session.headers.update({'Authorization': f'Bearer {TOKEN}', 'Content-Type': 'application/json;charset=utf-8'})
        license_id = next(
            item['id']
            for item in session.get(f'{sandbox.base_url}/licenses').json()['items']
            if item['name'] == LICENSE
        )
        locations = [
            item['id']
            for item in session.get(f'{sandbox.base_url}/locations').json()['items']
            if item['name'].startswith('Sede Bench')
        ]
        for index in range(warmup):
            create_and_read(session, sandbox.base_url, index, license_id, locations[index % len(locations)])
        before = sandbox.cpu_s()
        for index in range(warmup, warmup + users):
            create_and_read(session, sandbox.base_url, index, license_id, locations[index % len(locations)])
        used = sandbox.cpu_s() - before
        session.close()
    finally:
        sandbox.stop()
    return used / (2 * users)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--users', type=int, default=2000, help='users created and read per run (default 2000)')
    parser.add_argument('--warmup', type=int, default=50, help='users before the measure starts (default 50)')
    parser.add_argument('--rounds', type=int, default=3, help='baseline + this tree pairs; medians (default 3)')
    parser.add_argument('--baseline', default=BEFORE, help=f'git commit to compare with (default {BEFORE[:7]})')
    args = parser.parse_args(argv)

    cpu: dict[str, list[float]] = {'baseline': [], 'this tree': []}
    print(f'{"round":>5} {"tree":10} {"requests":>8} {"CPU ms/request":>14}')
    with tempfile.TemporaryDirectory(prefix='sandbox-http-') as work:
        fixture = seeded_fixture(Path(work) / 'org.json', LOCATIONS, 2 * (args.users + args.warmup) + 100)
        baseline = extract(args.baseline, Path(work))
        for number in range(1, args.rounds + 1):
            for name, tree in (('baseline', baseline), ('this tree', None)):
                per_request = measure(tree, fixture, args.users, args.warmup)
                cpu[name].append(per_request)
                print(f'{number:5d} {name:10} {2 * args.users:8d} {per_request * 1000:14.3f}')
    before, after = statistics.median(cpu['baseline']), statistics.median(cpu['this tree'])
    ratio = after / before
    verdict = 'PASS' if ratio <= TARGET_RATIO else 'FAIL'
    print(
        f'{verdict} sandbox CPU per request this tree={after * 1000:.3f} ms baseline {args.baseline[:7]}='
        f'{before * 1000:.3f} ms ratio={ratio:.2f} (target<={TARGET_RATIO}; medians of {args.rounds} rounds, '
        f'{2 * args.users} requests each)'
    )
    return 0 if verdict == 'PASS' else 1


if __name__ == '__main__':
    sys.exit(main())
