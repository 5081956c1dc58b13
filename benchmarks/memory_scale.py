"""Peak memory of the launcher validating and dry-running usuarios.csv with 1,000 and with 100,000 generated rows.

What runs, per size, as its own process (its peak RSS is read with wait4, so nothing else is counted):
``python -m transformacion.launcher_csv_dependencias --input_dir D --actions alta_usuario --dry-run``: streaming
validation of every row into the SQLite checkpoint, then every row's dry run (alta_usuario's reads: the org's people,
listed once per batch, and the license's free units; its planned POST /people), results_manual.csv and summary.json,
against a sandbox in a separate process with no latency and no rate limit (seeded with the users' locations and
enough license units for every row).
With ``--apply`` the rows are created for real (POST /people, the verify read) instead of dry-run.
With ``--plan real`` (or ``--plan dry-run``) the dry run's ``plan.json`` is then applied, as its own measured process
on a fresh sandbox: ``--apply PLAN --yes`` (``dry-run``: ``--apply PLAN --dry-run``, which reads the plan the same way
and writes nothing); the peak RSS of the apply at the largest size is compared with the smallest (same target).
Per size it prints the API calls, wall time and wall time per row, peak RSS and the evidence on disk per row (every
``.jsonl`` and rotated ``.jsonl.gz`` of the run, after its compression). ``--quick`` compares 1,000 and 10,000 rows
(about 30 s) for everyday use.
Targets: peak RSS at the largest size <= 1.5 x peak RSS at the smallest; wall time per row reported as a ratio
(largest / smallest: flat is 1.0).
"""

from __future__ import annotations

import argparse
import shlex
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from harness import TOKEN, Measured, child_env, last_json, run_measured, sandbox_process, seeded_fixture, users_folder

TARGET_RATIO = 1.5


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        '--rows', default='1000,100000', help='row counts, comma-separated; first and last are compared'
    )
    parser.add_argument('--locations', type=int, default=5, help='seeded locations the users spread over (default 5)')
    parser.add_argument('--launcher-args', default='', help='extra launcher options (default: none)')
    parser.add_argument('--quick', action='store_true', help='1,000 and 10,000 rows (overrides --rows)')
    parser.add_argument('--apply', action='store_true', help='create the users for real instead of --dry-run')
    parser.add_argument(
        '--plan',
        choices=('real', 'dry-run'),
        help="then apply the dry run's plan.json (--apply PLAN, real creates or --dry-run) and compare its peak RSS",
    )
    args = parser.parse_args(argv)
    sizes = [int(size) for size in ('1000,10000' if args.quick else args.rows).split(',')]
    mode = 'executed' if args.apply else 'dry_run'

    baseline = run_measured([sys.executable, '-c', 'pass'])
    imports = run_measured([sys.executable, '-c', 'import transformacion.bulk_runner, wxc_sdk'])
    header = f'{"command":44} {"rows":>7} {"calls":>7} {"wall s":>8} {"ms/row":>7} {"peak RSS MiB":>12}'
    print(header + f' {"evidence B/row":>14}')
    for name, measured in (('python -c pass', baseline), ('import bulk_runner + wxc_sdk', imports)):
        print(f'{name:44} {"":>7} {"":>7} {measured.wall_s:8.2f} {"":>7} {measured.peak_rss_mib:12.1f}')
    peaks: dict[int, float] = {}
    per_row: dict[int, float] = {}
    applied_peaks: dict[int, float] = {}
    applied_per_row: dict[int, float] = {}
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix='bench-memory-') as tmp:
        work = Path(tmp)
        units = max(sizes) + 100  # the dry run checks the batch's units against the licenses' free ones too
        fixture = seeded_fixture(work / 'org.json', args.locations, license_units=units)
        for size in sizes:
            folder = users_folder(work / f'input-{size}', size, args.locations)
            with sandbox_process(fixture) as sandbox:
                command = [sys.executable, '-m', 'transformacion.launcher_csv_dependencias', '--input_dir', str(folder)]
                command += ['--base-url', sandbox.base_url, '--token', TOKEN, '--actions', 'alta_usuario']
                command += [] if args.apply else ['--dry-run']
                command += ['--log-dir', str(work / f'logs-{size}'), *shlex.split(args.launcher_args)]
                measured = run_measured(command, env=child_env(), cwd=work)
                base_url = sandbox.base_url
            summary = _judged(measured, size, mode, '', failures)
            peaks[size] = measured.peak_rss_mib
            per_row[size] = measured.wall_s / size
            evidence = [p for p in (work / f'logs-{size}').rglob('*.jsonl*') if p.is_file()]
            evidence_bytes = sum(p.stat().st_size for p in evidence)
            name = f'launcher {"" if args.apply else "--dry-run "}alta_usuario'
            print(
                f'{name:44} {size:7d} {summary.get("api_calls", 0):7d} {measured.wall_s:8.1f} '
                f'{per_row[size] * 1000:7.2f} {measured.peak_rss_mib:12.1f} {evidence_bytes / size:14.0f}'
            )
            compressed = [p for p in evidence if p.name.endswith('.gz')]
            if compressed:
                plain = evidence_bytes - sum(p.stat().st_size for p in compressed)
                print(f'  evidence: {len(compressed)} rotated .jsonl.gz segments, {plain / (1 << 20):.1f} MiB plain')
            for path in sorted((work / f'logs-{size}').rglob('*')):
                if path.is_file() and path.stat().st_size > 1 << 20:
                    print(f'  {path.name}: {path.stat().st_size / (1 << 20):.0f} MiB on disk')
            plan_file = last_json(measured.stdout).get('result', {}).get('plan_file')
            if args.plan and not args.apply and plan_file:
                measured = _apply_plan(plan_file, fixture, base_url, work / f'apply-{size}', args.plan)
                want = 'executed' if args.plan == 'real' else 'dry_run'
                summary = _judged(measured, size, want, 'apply ', failures)
                applied_peaks[size] = measured.peak_rss_mib
                applied_per_row[size] = measured.wall_s / size
                name = f'--apply plan.json{" --dry-run" if args.plan == "dry-run" else ""}'
                print(
                    f'{name:44} {size:7d} {summary.get("api_calls", 0):7d} {measured.wall_s:8.1f} '
                    f'{applied_per_row[size] * 1000:7.2f} {measured.peak_rss_mib:12.1f}'
                )
    small, large = sizes[0], sizes[-1]
    ratio = peaks[large] / peaks[small]
    if ratio > TARGET_RATIO:
        failures.append(f'ratio>{TARGET_RATIO}')
    applied = ''
    if args.plan and large in applied_peaks and small in applied_peaks:
        applied_ratio = applied_peaks[large] / applied_peaks[small]
        if applied_ratio > TARGET_RATIO:
            failures.append(f'apply ratio>{TARGET_RATIO}')
        applied = (
            f'; --apply PLAN peak RSS {large} rows={applied_peaks[large]:.1f} MiB / {small} rows='
            f'{applied_peaks[small]:.1f} MiB ratio={applied_ratio:.2f}, wall per row ratio='
            f'{applied_per_row[large] / applied_per_row[small]:.2f}'
        )
    verdict = 'FAIL' if failures else 'PASS'
    print(
        f'{verdict} peak RSS {large} rows={peaks[large]:.1f} MiB / {small} rows={peaks[small]:.1f} MiB '
        f'ratio={ratio:.2f} (target<={TARGET_RATIO}); wall per row {large} rows={per_row[large] * 1000:.2f} ms / '
        f'{small} rows={per_row[small] * 1000:.2f} ms ratio={per_row[large] / per_row[small]:.2f}'
        + applied
        + (f' [{"; ".join(failures)}]' if failures else '')
    )
    return 0 if verdict == 'PASS' else 1


def _judged(measured: Measured, size: int, want: str, label: str, failures: list[str]) -> dict:
    """The run's summary (its last JSON line); a failure (``label`` first) appended, and its stderr's tail printed,
    unless it exited 0 with all ``size`` rows ``want``."""
    summary = last_json(measured.stdout).get('summary', {})
    done = summary.get('by_status', {}).get(want, 0)
    if measured.code != 0 or done != size:
        failures.append(f'{label}{size} rows: exit {measured.code}, {done} rows {want}')
        print(measured.stderr[-2000:], file=sys.stderr)
    return summary


def _apply_plan(plan_file: str, fixture: Path, base_url: str, log_dir: Path, mode: str) -> Measured:
    """``--apply plan_file`` (``--yes``, or ``--dry-run``) measured as its own process, on a fresh sandbox from
    ``fixture`` at the dry run's ``base_url`` (the plan is bound to it; the dry run wrote nothing, so the plan's
    creates are still to do)."""
    with sandbox_process(fixture, port=urlsplit(base_url).port) as sandbox:
        command = [sys.executable, '-m', 'transformacion.launcher_csv_dependencias', '--apply', plan_file]
        command += ['--base-url', sandbox.base_url, '--token', TOKEN, '--log-dir', str(log_dir)]
        command += ['--yes'] if mode == 'real' else ['--dry-run']
        return run_measured(command, env=child_env(), cwd=log_dir.parent)


if __name__ == '__main__':
    raise SystemExit(main())
