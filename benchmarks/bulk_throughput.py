"""Throughput of the launcher in bulk mode against a rate-limited sandbox, and the same rows created by a naive
sequential wxc_sdk loop (benchmarks/naive_alta_usuarios.py) on a fresh sandbox, side by side in one run.

Both runs start from the same seeded org (the demo org plus --locations calling locations and enough license units)
in a sandbox process of their own, with --rate-limit requests/s and --latency-ms (+ up to --jitter-ms) per request.
API calls (429s included) and 429s are counted from the sandbox journal. Targets: rate-limit utilisation of the
launcher, admitted calls (not 429) / (limit x wall time of the launcher process), >= 0.90 with 429s <= 1% of its
calls; speedup over the naive loop >= 10x; calls per row no more than the naive loop's.
"""

from __future__ import annotations

import argparse
import re
import shlex
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from harness import TOKEN, child_env, last_json, run_measured, sandbox_process, seeded_fixture, users_folder

HERE = Path(__file__).resolve().parent
TARGET_UTILISATION = 0.90
TARGET_429_SHARE = 0.01
TARGET_SPEEDUP = 10.0
_ID_SEGMENT = re.compile(r'^[A-Za-z0-9_-]{40,}$')


@dataclass(frozen=True)
class RunFigures:
    """One run as the sandbox saw it, plus its wall time measured around the process."""

    name: str
    rows: int
    ok_rows: int
    calls: int
    http_429: int
    wall_s: float
    api_window_s: float
    endpoints: Counter[str]

    @property
    def calls_per_row(self) -> float:
        return self.calls / self.rows if self.rows else 0.0


def endpoint(entry: dict[str, Any]) -> str:
    """``GET /people/{id}``: the journal entry's method and path with ids folded."""
    parts = ['{id}' if _ID_SEGMENT.match(part) else part for part in entry['path'].removeprefix('/v1').split('/')]
    return f'{entry["method"]} {"/".join(parts)}'


def from_journal(name: str, rows: int, ok_rows: int, wall_s: float, journal: list[dict[str, Any]]) -> RunFigures:
    stamps = [datetime.fromisoformat(entry['ts'].replace('Z', '+00:00')) for entry in journal]
    window = (max(stamps) - min(stamps)).total_seconds() if stamps else 0.0
    return RunFigures(
        name=name,
        rows=rows,
        ok_rows=ok_rows,
        calls=len(journal),
        http_429=sum(1 for entry in journal if entry['status'] == 429),
        wall_s=wall_s,
        api_window_s=window,
        endpoints=Counter(endpoint(entry) for entry in journal if entry['status'] != 429),
    )


def run_launcher(work: Path, fixture: Path, args: argparse.Namespace) -> RunFigures:
    folder = users_folder(work / 'input', args.rows, args.locations)
    sandbox_options = {'rate_limit': args.rate_limit, 'latency_ms': args.latency_ms, 'jitter_ms': args.jitter_ms}
    with sandbox_process(fixture, seed=args.seed, **sandbox_options) as sandbox:
        command = [sys.executable, '-m', 'transformacion.launcher_csv_dependencias', '--input_dir', str(folder)]
        command += ['--base-url', sandbox.base_url, '--token', TOKEN, '--actions', 'alta_usuario']
        command += ['--log-dir', str(work / 'logs'), *shlex.split(args.launcher_args)]
        measured = run_measured(command, env=child_env(), cwd=work)
        journal = sandbox.journal()
    result = last_json(measured.stdout)
    executed = result.get('summary', {}).get('by_status', {}).get('executed', 0)
    if measured.code != 0:
        print(f'launcher exit {measured.code}: {measured.stderr[-2000:]}', file=sys.stderr)
    return from_journal('launcher (bulk)', args.rows, executed, measured.wall_s, journal)


def run_naive(work: Path, fixture: Path, args: argparse.Namespace) -> RunFigures:
    rows = args.naive_rows or args.rows
    folder = users_folder(work / 'naive', rows, args.locations)
    sandbox_options = {'rate_limit': args.rate_limit, 'latency_ms': args.latency_ms, 'jitter_ms': args.jitter_ms}
    with sandbox_process(fixture, seed=args.seed, **sandbox_options) as sandbox:
        command = [sys.executable, str(HERE / 'naive_alta_usuarios.py'), '--csv', str(folder / 'usuarios.csv')]
        command += ['--base-url', sandbox.base_url, '--token', TOKEN]
        measured = run_measured(command, env=child_env(), cwd=work)
        journal = sandbox.journal()
    result = last_json(measured.stdout.strip().splitlines()[-1] if measured.stdout.strip() else '')
    if measured.code != 0:
        print(f'naive loop exit {measured.code}: {measured.stdout[-1000:]} {measured.stderr[-1000:]}', file=sys.stderr)
    return from_journal('naive wxc_sdk loop', rows, result.get('created', 0), measured.wall_s, journal)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--rows', type=int, default=500, help='users to create (default 500)')
    parser.add_argument('--rate-limit', type=float, default=50.0, help='sandbox requests/s per token (default 50)')
    parser.add_argument('--latency-ms', type=int, default=100, help='sandbox latency per request (default 100)')
    parser.add_argument('--jitter-ms', type=int, default=50, help='extra random latency, up to (default 50)')
    parser.add_argument('--locations', type=int, default=5, help='seeded locations the users spread over (default 5)')
    parser.add_argument(
        '--naive-rows',
        type=int,
        help='rows for the naive loop (default: --rows); fewer rows are timed and scaled linearly to --rows',
    )
    parser.add_argument(
        '--launcher-args', default='', help="extra launcher options, e.g. '--concurrency 16' (default: none)"
    )
    parser.add_argument('--seed', type=int, default=0, help='sandbox seed (ids, jitter)')
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix='bench-bulk-') as tmp:
        work = Path(tmp)
        fixture = seeded_fixture(work / 'org.json', args.locations, license_units=args.rows + 100, seed=args.seed)
        ours = run_launcher(work / 'launcher', fixture, args)
        naive = run_naive(work / 'naive', fixture, args)

    scale = args.rows / naive.rows
    naive_wall = naive.wall_s * scale
    admitted = ours.calls - ours.http_429
    utilisation = admitted / (args.rate_limit * ours.wall_s)
    api_utilisation = admitted / (args.rate_limit * ours.api_window_s) if ours.api_window_s else 0.0
    share_429 = ours.http_429 / ours.calls if ours.calls else 1.0
    speedup = naive_wall / ours.wall_s
    ceiling = naive_wall / (ours.calls / args.rate_limit)

    print(
        f'sandbox: rate limit {args.rate_limit:g}/s, latency {args.latency_ms} ms + up to {args.jitter_ms} ms, '
        f'{args.locations} locations; launcher options: {args.launcher_args or "(defaults)"}'
    )
    print(f'{"run":22} {"rows":>6} {"ok":>6} {"calls":>6} {"calls/row":>9} {"429s":>5} {"wall s":>8} {"api s":>8}')
    for run in (ours, naive):
        print(
            f'{run.name:22} {run.rows:6d} {run.ok_rows:6d} {run.calls:6d} {run.calls_per_row:9.2f} '
            f'{run.http_429:5d} {run.wall_s:8.1f} {run.api_window_s:8.1f}'
        )
    if scale != 1:
        print(f'naive loop scaled to {args.rows} rows: {naive_wall:.1f} s')
    for run in (ours, naive):
        calls = ', '.join(f'{name} {count / run.rows:.2f}' for name, count in run.endpoints.most_common())
        print(f'calls per row, {run.name}: {calls}')
    print(
        f'utilisation (admitted calls) {utilisation:.3f} (wall) / {api_utilisation:.3f} (first to last API call); '
        f'429s {share_429:.2%} of calls; speedup {speedup:.1f}x'
    )
    print(
        f'speedup ceiling with these calls (launcher at exactly the rate limit, no start-up): {ceiling:.1f}x; '
        f'naive loop: {naive_wall / (naive.calls * scale):.3f} s per call'
    )

    failures = []
    if ours.ok_rows != args.rows:
        failures.append(f'launcher executed {ours.ok_rows}/{args.rows} rows')
    if naive.ok_rows != naive.rows:
        failures.append(f'naive loop created {naive.ok_rows}/{naive.rows} rows')
    if utilisation < TARGET_UTILISATION:
        failures.append(f'utilisation<{TARGET_UTILISATION}')
    if share_429 > TARGET_429_SHARE:
        failures.append(f'429s>{TARGET_429_SHARE:.0%}')
    if speedup < TARGET_SPEEDUP:
        failures.append(f'speedup<{TARGET_SPEEDUP:g}x')
    if ours.calls_per_row > naive.calls_per_row:
        failures.append('calls/row above naive')
    verdict = 'FAIL' if failures else 'PASS'
    print(
        f'{verdict} rows={args.rows} utilisation={utilisation:.3f} (target>={TARGET_UTILISATION}) '
        f'429s={ours.http_429}/{ours.calls}={share_429:.2%} (target<={TARGET_429_SHARE:.0%}) '
        f'speedup={speedup:.1f}x (target>={TARGET_SPEEDUP:g}x) calls/row={ours.calls_per_row:.2f} '
        f'vs naive {naive.calls_per_row:.2f} wall={ours.wall_s:.1f}s vs naive {naive_wall:.1f}s'
        + (f' [{"; ".join(failures)}]' if failures else '')
        + (f' (naive loop timed on {naive.rows} rows and scaled: indicative)' if scale != 1 else '')
    )
    return 0 if verdict == 'PASS' else 1


if __name__ == '__main__':
    raise SystemExit(main())
