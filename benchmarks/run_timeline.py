"""Where a launcher run's wall time goes (issue 19, target 1): one run of the launcher with its defaults against a
rate-limited sandbox with latency, its timeline read from the sandbox's journal.

By default the run is a *second run*: the rate the org allows is remembered (``<log dir>/rate_limits.json``, as a
first run that met a 429 leaves it), so the run pays no learning episode and what is left over the bound is its fixed
costs and its cruise. ``--first`` runs without it (a first run).

Printed: the process's wall, the bound (admitted calls at exactly the allowed rate) and the utilisation as
benchmarks/no_tuning.py reports them; then the timeline, in seconds from the process's start: the first request, the
org check's extension validations (first and last answer, how many), the first write, the last answer, the end of the
process; the admitted calls per second from the first write on (min, median, max per 10-second slice); and where the
wall goes over the bound: before the first write, the cruise below the rate, after the last answer. The journal's
times are when the sandbox answered: a request was sent one latency (plus its jitter) before.

``--keep DIR`` keeps the journal (``journal.json``), the launcher's stdout and stderr and its log folder there.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from harness import TOKEN, child_env, run_measured, sandbox_process, seeded_fixture, users_folder
from no_tuning import LATENCY_MULTIPLE, LOCATIONS, TARGET_CALLS_PER_ROW

from transformacion.batch.rate_memory import remember
from transformacion.batch.target import normal_base_url

CHECKS = 'validateExtensions'
WRITE_METHODS = ('POST', 'PUT', 'PATCH', 'DELETE')


def _at(entry: dict[str, Any]) -> float:
    return datetime.fromisoformat(entry['ts'].replace('Z', '+00:00')).timestamp()


def _is_write(entry: dict[str, Any]) -> bool:
    return entry['method'] in WRITE_METHODS and '/actions/validate' not in entry['path']


def timeline(journal: list[dict[str, Any]], start: float, wall: float, rate: float, latency_s: float) -> list[str]:
    """The printed lines of the timeline (see the module docstring); ``start``: the process's start (epoch s)."""
    admitted = [entry for entry in journal if entry['status'] != 429]
    at = [_at(entry) - start for entry in journal]
    checks = [t for entry, t in zip(journal, at, strict=True) if CHECKS in entry['path']]
    writes = [t for entry, t in zip(journal, at, strict=True) if _is_write(entry)]
    first_write = writes[0] if writes else wall
    bound = len(admitted) / rate
    lines = [
        f'calls {len(journal)}, admitted {len(admitted)}, 429s {len(journal) - len(admitted)}; wall {wall:.1f} s, '
        f'bound {bound:.1f} s, utilisation {len(admitted) / (rate * wall):.3f}',
        f'first answer          {at[0]:7.1f} s (sent about {at[0] - latency_s:.1f} s)',
    ]
    if checks:
        lines.append(f'extension checks      {checks[0]:7.1f} .. {checks[-1]:.1f} s ({len(checks)} calls)')
    lines += [
        f'first write answered  {first_write:7.1f} s (sent about {first_write - latency_s:.1f} s)',
        f'last answer           {at[-1]:7.1f} s',
        f'process end           {wall:7.1f} s',
    ]
    before = [t for entry, t in zip(journal, at, strict=True) if t < first_write and entry['status'] != 429]
    after = [t for entry, t in zip(journal, at, strict=True) if t >= first_write and entry['status'] != 429]
    per_second: dict[int, int] = {}
    for t in after:
        per_second[int(t)] = per_second.get(int(t), 0) + 1
    seconds = range(int(first_write) + 1, int(at[-1]))  # whole seconds only
    counts = [per_second.get(second, 0) for second in seconds]
    if counts:
        lines.append('admitted per second from the first write on (10-second slices: min / median / max):')
        for slice_start in range(0, len(counts), 10):
            part = counts[slice_start : slice_start + 10]
            first, last = seconds[slice_start], seconds[slice_start] + len(part) - 1
            lines.append(f'  {first:5d}-{last:<5d} {min(part):4d} {statistics.median(part):6.1f} {max(part):4d}')
    cruise = at[-1] - first_write
    cruise_bound = len(after) / rate
    lines += [
        'over the bound:',
        f'  before the first write answered {first_write:6.1f} s, {len(before)} calls in it (their bound '
        f'{len(before) / rate:.1f} s): {first_write - len(before) / rate:+.1f} s',
        f'  from it to the last answer      {cruise:6.1f} s for {len(after)} calls (bound {cruise_bound:.1f} s, '
        f'{len(after) / cruise if cruise else 0:.1f}/s): {cruise - cruise_bound:+.1f} s',
        f'  after the last answer           {wall - at[-1]:6.1f} s',
        f'  total                           {wall - bound:+.1f} s',
    ]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--rate', type=float, default=200.0, help='allowed rate, requests/s (200)')
    parser.add_argument('--latency', type=int, default=1000, help='ms (1000)')
    parser.add_argument('--jitter', type=float, default=0.25, help='extra random latency, up to this share (0.25)')
    parser.add_argument('--rows', type=int, default=0, help=f'rows (default: {LATENCY_MULTIPLE:g} x the latency)')
    parser.add_argument('--first', action='store_true', help='a first run: no rate remembered')
    parser.add_argument('--remembered', type=float, default=0.0, help='the rate remembered (default: --rate)')
    parser.add_argument('--keep', type=Path, help='keep the journal, outputs and logs in this folder')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--launcher-args', default='', help='more launcher options (split on spaces)')
    args = parser.parse_args(argv)
    latency_s = args.latency / 1000
    rows = args.rows or int(args.rate * LATENCY_MULTIPLE * latency_s / TARGET_CALLS_PER_ROW)
    with tempfile.TemporaryDirectory(prefix='bench-timeline-') as tmp:
        work = Path(tmp)
        fixture = seeded_fixture(work / 'org.json', LOCATIONS, license_units=2 * rows + 100)
        org_id = json.loads(fixture.read_text(encoding='utf-8'))['id']
        folder = users_folder(work / 'input', rows, LOCATIONS)
        jitter = int(args.latency * args.jitter)
        options = {'rate_limit': args.rate, 'latency_ms': args.latency, 'jitter_ms': jitter, 'seed': args.seed}
        logs = work / 'logs'
        with sandbox_process(fixture, **options) as sandbox:
            if not args.first:
                remember(logs, normal_base_url(sandbox.base_url), org_id, args.remembered or args.rate)
            command = [sys.executable, '-m', 'transformacion.launcher_csv_dependencias', '--input_dir', str(folder)]
            command += ['--base-url', sandbox.base_url, '--token', TOKEN, '--actions', 'alta_usuario']
            command += ['--log-dir', str(logs), *args.launcher_args.split()]
            start = time.time()
            measured = run_measured(command, env=child_env(), cwd=work)
            journal = sandbox.journal()
        kind = 'first run' if args.first else 'rate remembered'
        print(f'{rows} rows, rate {args.rate:g}/s, latency {args.latency} ms (+ up to {jitter} ms), {kind}; '
              f'exit {measured.code}, CPU {measured.cpu_s:.1f} s')  # fmt: skip
        for line in timeline(journal, start, measured.wall_s, args.rate, latency_s + jitter / 2000):
            print(line)
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            (args.keep / 'journal.json').write_text(json.dumps(journal), encoding='utf-8')
            (args.keep / 'stdout.txt').write_text(measured.stdout, encoding='utf-8')
            (args.keep / 'stderr.txt').write_text(measured.stderr, encoding='utf-8')
            (args.keep / 'start.txt').write_text(f'{start}\n', encoding='utf-8')
            shutil.copytree(logs, args.keep / 'logs', dirs_exist_ok=True)
    return 0 if measured.code == 0 else 1


if __name__ == '__main__':
    raise SystemExit(main())
