"""The baseline of bulk_throughput.py: the loop a competent person writes with wxc_sdk to create calling users from a
CSV, one row after another, with wxc_sdk's defaults (its own 429 handling: wait Retry-After and retry).

Per row: find the location by name, create the person with calling data (license, location, extension), read it
back to check the extension. Prints one JSON line: rows, created, failed, wall_s.
"""

from __future__ import annotations

import argparse
import csv
import json
import time


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--csv', required=True, help='usuarios.csv: email, first_name, last_name, location, extension')
    parser.add_argument('--base-url', required=True)
    parser.add_argument('--token', required=True)
    parser.add_argument('--license', default='Webex Calling - Professional')
    args = parser.parse_args(argv)

    from wxc_sdk import WebexSimpleApi
    from wxc_sdk.people import Person

    start = time.perf_counter()
    api = WebexSimpleApi(tokens=args.token)
    api.session.BASE = args.base_url
    license_id = next(lic.license_id for lic in api.licenses.list() if lic.name == args.license)
    rows = created = failed = 0
    with open(args.csv, encoding='utf-8', newline='') as handle:
        for row in csv.DictReader(handle):
            rows += 1
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
                check = api.people.details(person.person_id, calling_data=True)
                if check.extension == row['extension']:
                    created += 1
                else:
                    failed += 1
            except Exception as exc:  # a person scripting this logs the row and goes on
                print(f'{row["email"]}: {exc}', flush=True)
                failed += 1
    wall = time.perf_counter() - start
    print(json.dumps({'rows': rows, 'created': created, 'failed': failed, 'wall_s': round(wall, 3)}))
    return 0 if not failed else 1


if __name__ == '__main__':
    raise SystemExit(main())
