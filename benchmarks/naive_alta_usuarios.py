"""The baseline of bulk_throughput.py: the loop a competent person writes with wxc_sdk to create calling users from a
CSV, one row after another, with wxc_sdk's defaults (its own 429 handling: wait Retry-After and retry).

Per row: find the location by name, create the person with calling data (license, location, extension), read it
back to check the extension. ``--threads N`` runs the same function on a ``ThreadPoolExecutor(N)`` (what a competent
engineer writes in 20 lines). Prints one JSON line: rows, created, failed, wall_s.
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from concurrent.futures import ThreadPoolExecutor


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--csv', required=True, help='usuarios.csv: email, first_name, last_name, location, extension')
    parser.add_argument('--base-url', required=True)
    parser.add_argument('--token', required=True)
    parser.add_argument('--license', default='Webex Calling - Professional')
    parser.add_argument('--threads', type=int, default=1, help='rows at a time (default 1: one after another)')
    args = parser.parse_args(argv)

    from wxc_sdk import WebexSimpleApi
    from wxc_sdk.people import Person

    start = time.perf_counter()
    api = WebexSimpleApi(tokens=args.token, concurrent_requests=max(10, args.threads))
    api.session.BASE = args.base_url
    license_id = next(lic.license_id for lic in api.licenses.list() if lic.name == args.license)

    def create(row: dict[str, str]) -> bool:
        try:
            location = next(api.locations.list(name=row['location']))
            person = api.people.create(
                Person(
                    emails=[row['email']],
                    first_name=row['first_name'],
                    last_name=row['last_name'],
                    display_name=f'{row["first_name"]} {row["last_name"]}',
                    licenses=[license_id],
                    location_id=location.location_id,
                    extension=row['extension'],
                ),
                calling_data=True,
            )
            return api.people.details(person.person_id, calling_data=True).extension == row['extension']
        except Exception as exc:  # a person scripting this logs the row and goes on
            print(f'{row["email"]}: {exc}', flush=True)
            return False

    with open(args.csv, encoding='utf-8', newline='') as handle:
        rows = list(csv.DictReader(handle))
    if args.threads > 1:
        with ThreadPoolExecutor(args.threads) as pool:
            outcomes = list(pool.map(create, rows))
    else:
        outcomes = [create(row) for row in rows]
    created = sum(outcomes)
    failed = len(rows) - created
    rows = len(rows)
    wall = time.perf_counter() - start
    print(json.dumps({'rows': rows, 'created': created, 'failed': failed, 'wall_s': round(wall, 3)}))
    return 0 if not failed else 1


if __name__ == '__main__':
    raise SystemExit(main())
