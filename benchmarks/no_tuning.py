"""Fast without tuning (issue 19): the launcher with its default options against sandboxes whose rate limit it is not
told, side by side in one run with the loops an engineer writes by hand, and its CPU per row at zero latency.

Part 1, per allowed rate (``--rates``, requests/s) and latency (``--latencies``, ms, plus up to ``--jitter`` x the
latency at random): on a fresh sandbox process each, the same users created by

- the launcher, default options (``--actions alta_usuario``);
- ``launcher 2nd run``: the launcher again, same options and log folder, on a fresh sandbox from the same fixture at
  the same base URL: it starts from the rate the first run learnt (``batch.rate_memory``); the first run's figures are
  the targets' headline;
- ``threads 10`` and ``threads 32``: benchmarks/naive_alta_usuarios.py ``--threads N`` (wxc_sdk with its own 429
  handling, one look-up of the location, the create, the read-back per row, N rows at a time);
- the naive loop: the same, one row after another.

Calls and 429s are counted from each sandbox's journal. Printed per run: rows, calls per row, 429s (share of its
calls), wall time of the process, utilisation = admitted calls / (allowed rate x wall) and the bound = the wall time
those admitted calls need at exactly the allowed rate (``wall/bound`` = 1 / utilisation). The hand-written loops run
on fewer rows when they would take long (``--baseline-seconds``); their wall time is then scaled to the launcher's
rows (marked ``~``). Then ``first run learnt``: the rate the first run remembered (what the second starts from), and
that over the allowed rate. Targets for the launcher: utilisation >= 0.90 with 429s <= 1% at every rate and latency,
calls per row <= 2.1.

Part 2, at zero latency and no rate limit, ``--cpu-rows`` users: wall and CPU seconds (user + system, of that process
alone) of the launcher, threads 10 and the naive loop, medians of ``--cpu-rounds`` interleaved rounds (single runs on a
shared machine scatter by a third). Targets: launcher wall <= threads 10 wall; launcher CPU per row <= 1.3 x the naive
loop's.

The launcher's batch lasts at least ``--latency-multiple`` (300) x the latency at the rate, longer than
``--seconds`` at 1,000 ms (300 s) and in ``--quick`` at 300 ms (90 s): a first run learns the org's rate from one
429 episode, which costs the requests in flight when the bucket runs dry, about 2.6 x rate x latency (up to 2.8 x;
benchmarks/ramp_sim.py, the real runs agree), so its 429s are 1% of the calls only once the batch lasts about
260-280 x the latency (300: a margin). No ramp can cost less than rate x latency (the bucket runs dry only once
more than the rate is sent): 1% then needs 110 x the latency. A second run against the same org starts from the
rate learnt and pays none.

``--quick``: rates 20 and 50, latencies 50, 300 and 1,000 ms, 600 rows at most per run where the latency allows
(25 s at the rate); about 40 minutes with the loops, most of it the 300-s batches at 1,000 ms.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from bulk_throughput import from_journal
from harness import TOKEN, child_env, last_json, run_measured, sandbox_process, seeded_fixture, users_folder

HERE = Path(__file__).resolve().parent
TARGET_UTILISATION = 0.90
TARGET_429_SHARE = 0.01
TARGET_CALLS_PER_ROW = 2.1
TARGET_CPU_RATIO = 1.3
LOCATIONS = 5
#: the launcher's batch lasts at least this many times the latency (at the rate): one learning episode costs about
#: 2.6 x rate x latency 429s, up to 2.8 x (benchmarks/ramp_sim.py, seeds 0-9, rates 10-200), under 1% of such a batch
LATENCY_MULTIPLE = 300.0


@dataclass(frozen=True)
class Outcome:
    """One contender's run: the rows it ran, calls, 429s, wall and CPU seconds, and the rows its wall is scaled to."""

    name: str
    rows: int
    ok: int
    calls: int
    http_429: int
    wall_s: float
    cpu_s: float
    scaled_to: int

    @property
    def admitted(self) -> int:
        return self.calls - self.http_429

    @property
    def wall_scaled(self) -> float:
        return self.wall_s * self.scaled_to / self.rows

    def utilisation(self, rate: float) -> float:
        return self.admitted / (rate * self.wall_s) if rate and self.wall_s else 0.0

    @property
    def share_429(self) -> float:
        return self.http_429 / self.calls if self.calls else 0.0


def _launcher(
    work: Path,
    fixture: Path,
    rows: int,
    sandbox_options: dict,
    *,
    port: int = 0,
    logs: Path | None = None,
    name: str = 'launcher defaults',
) -> tuple[Outcome, int]:
    """The launcher with its defaults on a fresh sandbox (on ``port``, 0: any free one) and the port it had: a second
    run on the same port with the same ``logs`` folder is the same base URL and org, so it starts from the rate the
    first one learnt (``batch.rate_memory``)."""
    folder = users_folder(work / 'input', rows, LOCATIONS)
    with sandbox_process(fixture, port=port, **sandbox_options) as sandbox:
        command = [sys.executable, '-m', 'transformacion.launcher_csv_dependencias', '--input_dir', str(folder)]
        command += ['--base-url', sandbox.base_url, '--token', TOKEN, '--actions', 'alta_usuario']
        command += ['--log-dir', str(logs or work / 'logs')]
        measured = run_measured(command, env=child_env(), cwd=work)
        journal = sandbox.journal()
        port = int(sandbox.base_url.rsplit(':', 1)[1].split('/', 1)[0])
    if measured.code != 0:
        print(f'launcher exit {measured.code}: {measured.stderr[-1500:]}', file=sys.stderr)
    executed = last_json(measured.stdout).get('summary', {}).get('by_status', {}).get('executed', 0)
    figures = from_journal('launcher', rows, executed, measured.wall_s, journal)
    outcome = Outcome(name, rows, executed, figures.calls, figures.http_429, measured.wall_s, measured.cpu_s, rows)
    return outcome, port


def _loop(
    work: Path, fixture: Path, rows: int, threads: int, sandbox_options: dict, scaled_to: int, timeout: float = 600
) -> Outcome:
    """A hand-written loop (naive_alta_usuarios.py); killed after ``timeout`` seconds: N threads retrying 429s each
    on its own can keep the org's window closed for good (each early request closes it again)."""
    folder = users_folder(work / 'input', rows, LOCATIONS)
    with sandbox_process(fixture, **sandbox_options) as sandbox:
        command = [sys.executable, str(HERE / 'naive_alta_usuarios.py'), '--csv', str(folder / 'usuarios.csv')]
        command += ['--base-url', sandbox.base_url, '--token', TOKEN, '--threads', str(threads)]
        measured = run_measured(command, env=child_env(), cwd=work, timeout=timeout)
        journal = sandbox.journal()
    lines = measured.stdout.strip().splitlines()
    created = json.loads(lines[-1]).get('created', 0) if lines and lines[-1].startswith('{') else 0
    name = f'threads {threads}' if threads > 1 else 'naive loop'
    if measured.code == -9:
        name += ' (killed)'
    figures = from_journal(name, rows, created, measured.wall_s, journal)
    return Outcome(name, rows, created, figures.calls, figures.http_429, measured.wall_s, measured.cpu_s, scaled_to)


def _baseline_rows(rows: int, threads: int, rate: float, latency_s: float, seconds: float) -> int:
    """Rows a hand-written loop runs in about ``seconds``: N rows of 3 calls per round of 3 latencies, at most the
    allowed rate."""
    per_second = min(threads / (3 * max(latency_s, 0.005)), rate / 3 if rate else float('inf'))
    return max(10, min(rows, int(per_second * seconds)))


def _launcher_rows(args: argparse.Namespace, rate: float, latency_s: float) -> int:
    """Rows of the launcher's batch: ``--seconds`` worth at the rate (between ``--min-rows`` and ``--max-rows``), and
    at least ``--latency-multiple`` x the latency's worth, which ``--max-rows`` does not cap: a first run's learning
    episode costs about 2.6 x rate x latency 429s, at most 1% of the calls of such a batch."""
    rows = min(args.max_rows, max(args.min_rows, int(rate * args.seconds / TARGET_CALLS_PER_ROW)))
    return max(rows, int(rate * args.latency_multiple * latency_s / TARGET_CALLS_PER_ROW))


def part_rates(args: argparse.Namespace, work: Path) -> list[str]:
    failures = []
    print(f'{"rate":>5} {"lat ms":>6} {"run":18} {"rows":>5} {"ok":>5} {"calls/row":>9} {"429s":>10} '
          f'{"wall s":>8} {"util":>5} {"bound s":>7} {"wall/bound":>10}')  # fmt: skip
    for rate in args.rates:
        for latency in args.latencies:
            rows = _launcher_rows(args, rate, latency / 1000)
            fixture = seeded_fixture(work / f'org-{rate}-{latency}.json', LOCATIONS, license_units=2 * rows + 100)
            jitter = int(latency * args.jitter)
            options = {'rate_limit': rate, 'latency_ms': latency, 'jitter_ms': jitter, 'seed': args.seed}
            base = work / f'r{rate}-l{latency}'
            mean_latency = (latency + jitter / 2) / 1000
            first, port = _launcher(base / 'launcher', fixture, rows, options, logs=base / 'logs')
            learnt = _learnt(base / 'logs')  # before the second run may replace it
            # the same org again (same base URL, a fresh sandbox from the same fixture): the rate remembered
            second, _ = _launcher(base / 'launcher2', fixture, rows, options, port=port, logs=base / 'logs',
                                  name='launcher 2nd run')  # fmt: skip
            runs = [first, second]
            for threads in () if args.skip_loops else (10, 32, 1):
                few = _baseline_rows(rows, threads, rate, mean_latency, args.baseline_seconds)
                limit = 2 * args.baseline_seconds + 20
                runs.append(_loop(base / f'threads{threads}', fixture, few, threads, options, rows, limit))
            for run in runs:
                bound = run.admitted / rate
                scaled = '~' if run.scaled_to != run.rows else ' '
                print(
                    f'{rate:5g} {latency:6d} {run.name:18} {run.rows:5d} {run.ok:5d} {run.calls / run.rows:9.2f} '
                    f'{run.http_429:4d} {run.share_429:5.1%} {scaled}{run.wall_scaled:7.1f} '
                    f'{run.utilisation(rate):5.2f} {bound * run.scaled_to / run.rows:7.1f} '
                    f'{run.wall_s / bound if bound else 0:10.2f}',
                    flush=True,
                )
            if learnt:
                print(f'{rate:5g} {latency:6d} first run learnt {learnt:.1f}/s ({learnt / rate:.3f} x)', flush=True)
            ours = runs[0]
            where = f'rate {rate:g}/s, {latency} ms'
            if ours.ok != rows:
                failures.append(f'{where}: launcher executed {ours.ok}/{rows}')
            if ours.utilisation(rate) < TARGET_UTILISATION:
                failures.append(f'{where}: utilisation {ours.utilisation(rate):.2f}')
            if ours.share_429 > TARGET_429_SHARE:
                failures.append(f'{where}: 429s {ours.share_429:.1%}')
            if ours.calls / ours.rows > TARGET_CALLS_PER_ROW:
                failures.append(f'{where}: calls/row {ours.calls / ours.rows:.2f}')
    return failures


def _learnt(logs: Path) -> float | None:
    """The rate (requests/s) a run remembered in ``logs`` (``batch.rate_memory``: what its 429 episode measured);
    None when it remembered none."""
    try:
        rates = json.loads((logs / 'rate_limits.json').read_text(encoding='utf-8'))['rates']
    except (OSError, ValueError, KeyError):
        return None
    return max((entry['rate'] for entry in rates.values()), default=None)


def _median(outcomes: list[Outcome]) -> Outcome:
    """The run of median CPU, with the median wall time of the rounds (a shared machine disturbs single runs)."""
    by_cpu = sorted(outcomes, key=lambda run: run.cpu_s)
    walls = sorted(run.wall_s for run in outcomes)
    return replace(by_cpu[len(by_cpu) // 2], wall_s=walls[len(walls) // 2])


def part_cpu(args: argparse.Namespace, work: Path) -> list[str]:
    """Each contender on ``--cpu-rows`` rows and on a tenth of them, ``--cpu-rounds`` times interleaved (medians):
    CPU per row overall, and per extra row (the difference, without the fixed costs of start-up and reports)."""
    rows = args.cpu_rows
    small = max(20, rows // 10)
    rounds: dict[tuple[str, int], list[Outcome]] = {}
    for round_ in range(args.cpu_rounds):
        for size_rows in (small, rows):
            fixture = seeded_fixture(work / f'org-cpu-{size_rows}.json', LOCATIONS, license_units=2 * size_rows + 100)
            base = work / f'cpu-{size_rows}-{round_}'
            measured = [
                _launcher(base / 'launcher', fixture, size_rows, {'seed': args.seed})[0],
                _loop(base / 'threads10', fixture, size_rows, 10, {'seed': args.seed}, size_rows),
                _loop(base / 'naive', fixture, size_rows, 1, {'seed': args.seed}, size_rows),
            ]
            for run in measured:
                rounds.setdefault((run.name, size_rows), []).append(run)
    runs: dict[str, tuple[Outcome, Outcome]] = {}
    for (name, _), outcomes in rounds.items():
        run = _median(outcomes)
        runs[name] = (runs[name][0], run) if name in runs else (run, run)
    marginal = {name: (big.cpu_s - few.cpu_s) / (big.rows - few.rows) for name, (few, big) in runs.items()}
    naive_total, naive_marginal = runs['naive loop'][1].cpu_s / rows, marginal['naive loop']
    print(f'\nzero latency, no rate limit: {rows} rows (and {small} for the fixed costs), medians of {args.cpu_rounds}')
    print(
        f'{"run":18} {"ok":>5} {"calls/row":>9} {"wall s":>7} {"CPU s":>6} {"ms/row":>7} {"x naive":>7} '
        f'{"fixed s":>7} {"ms/extra row":>12} {"x naive":>7}'
    )
    for name, (few, big) in runs.items():
        fixed = few.cpu_s - marginal[name] * few.rows
        print(
            f'{name:18} {big.ok:5d} {big.calls / big.rows:9.2f} {big.wall_s:7.2f} {big.cpu_s:6.2f} '
            f'{1000 * big.cpu_s / rows:7.2f} {big.cpu_s / rows / naive_total:7.2f} {fixed:7.2f} '
            f'{1000 * marginal[name]:12.2f} {marginal[name] / naive_marginal:7.2f}',
            flush=True,
        )
    ours, threads, naive = runs['launcher defaults'][1], runs['threads 10'][1], runs['naive loop'][1]
    failures = []
    if ours.wall_s > threads.wall_s:
        failures.append(f'zero latency: wall {ours.wall_s:.1f}s > threads 10 {threads.wall_s:.1f}s')
    if ours.cpu_s > TARGET_CPU_RATIO * naive.cpu_s:
        failures.append(f'zero latency: CPU {ours.cpu_s / naive.cpu_s:.2f}x naive')
    return failures


def _numbers(text: str) -> list[int]:
    return [int(part) for part in text.split(',') if part.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--quick', action='store_true', help='rates 20,50; latencies 50,300,1000; 25 s (<= 600 rows)')
    parser.add_argument('--rates', type=_numbers, default=[10, 50, 200], help='allowed rates, req/s (10,50,200)')
    parser.add_argument('--latencies', type=_numbers, default=[50, 300, 1000], help='ms (default 50,300,1000)')
    parser.add_argument('--jitter', type=float, default=0.25, help='extra random latency, up to this share (0.25)')
    parser.add_argument('--seconds', type=float, default=150.0, help='rows: this many seconds at the rate (150)')
    parser.add_argument(
        '--latency-multiple',
        type=float,
        default=LATENCY_MULTIPLE,
        help=f"launcher rows: at least this x the latency's worth at the rate ({LATENCY_MULTIPLE:g}; 0: off)",
    )
    parser.add_argument('--min-rows', type=int, default=200)
    parser.add_argument('--max-rows', type=int, default=20000)
    parser.add_argument('--baseline-seconds', type=float, default=60.0, help='hand-written loops: about this long')
    parser.add_argument('--cpu-rows', type=int, default=1000, help='rows of the zero-latency CPU comparison (1000)')
    parser.add_argument('--cpu-rounds', type=int, default=3, help='rounds of the CPU comparison, medians (3)')
    parser.add_argument('--skip-rates', action='store_true', help='only the zero-latency CPU comparison')
    parser.add_argument('--skip-cpu', action='store_true', help='only the comparison at rates and latencies')
    parser.add_argument('--skip-loops', action='store_true', help='only the launcher at rates and latencies')
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args(argv)
    if args.quick:
        args.rates, args.seconds, args.max_rows, args.baseline_seconds = [20, 50], 25.0, 600, 15.0
        args.cpu_rows = min(args.cpu_rows, 500)

    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix='bench-no-tuning-') as tmp:
        work = Path(tmp)
        if not args.skip_rates:
            failures += part_rates(args, work)
        if not args.skip_cpu:
            failures += part_cpu(args, work)
    verdict = 'FAIL' if failures else 'PASS'
    print(f'{verdict} ' + ('; '.join(failures) if failures else 'every target met'))
    return 0 if verdict == 'PASS' else 1


if __name__ == '__main__':
    raise SystemExit(main())
