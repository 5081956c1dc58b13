"""Rows in flight: the launcher's defaults against every fixed ``--concurrency`` an operator could pick, at short
latencies, measured side by side in one run.

At Webex's latencies (tens of ms and more) rows in flight follow the calls the rate controller allows; at no latency
(a sandbox on the same machine) a row's own CPU is longer than its waits, rows side by side only share the
interpreter, and the launcher holds them to what the interpreter keeps busy (``batch.rowpool.Overlap``: one at a time
at no latency, two at 1 ms). This benchmark checks that choice: per latency (``--latencies``, ms, default 0 and 1), on
a fresh sandbox process each, the same ``--rows`` users created by the launcher with its defaults and with each
``--concurrency`` of ``--fixed`` (default 1, 2, 4, 8; a cap: ``Overlap`` may still hold fewer rows), and by
``naive_alta_usuarios.py`` with ``--threads 10`` and alone, ``--rounds`` interleaved rounds. Printed per latency and
run: medians of wall and CPU seconds (user + system, that process alone).

Target: at every latency the defaults take at most ``TARGET`` (1.1) x the wall time and x the CPU of the best fixed
``--concurrency`` at that latency (no setting an operator could pick does clearly better). The last line is the
verdict, ``PASS`` or ``FAIL`` with the figures; exit 0 for ``PASS``, 1 for ``FAIL``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from harness import TOKEN, Measured, child_env, run_measured, sandbox_process, seeded_fixture, users_folder

HERE = Path(__file__).resolve().parent
TARGET = 1.1
LOCATIONS = 5


def _run(work: Path, fixture: Path, rows: int, latency_ms: int, name: str, extra: list[str]) -> Measured:
    """One contender on a fresh sandbox process: the launcher (``extra``: its options) or, for ``threads N`` and
    ``naive loop``, the hand-written loop."""
    folder = users_folder(work / 'input', rows, LOCATIONS)
    with sandbox_process(fixture, latency_ms=latency_ms) as sandbox:
        if name.startswith(('threads', 'naive')):
            command = [sys.executable, str(HERE / 'naive_alta_usuarios.py'), '--csv', str(folder / 'usuarios.csv')]
        else:
            command = [sys.executable, '-m', 'transformacion.launcher_csv_dependencias', '--input_dir', str(folder)]
            command += ['--actions', 'alta_usuario', '--log-dir', str(work / 'logs')]
        command += ['--base-url', sandbox.base_url, '--token', TOKEN, *extra]
        measured = run_measured(command, env=child_env(), cwd=work)
    if measured.code != 0:
        print(f'{name}: exit {measured.code}: {measured.stderr[-800:]}', file=sys.stderr)
    return measured


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--rows', type=int, default=1000, help='users to create per run (1000)')
    parser.add_argument('--rounds', type=int, default=3, help='interleaved rounds, medians (3)')
    parser.add_argument('--latencies', default='0,1', help='ms, comma separated (0,1)')
    parser.add_argument('--fixed', default='1,2,4,8', help='--concurrency values to compare (1,2,4,8)')
    args = parser.parse_args(argv)
    contenders = {'launcher defaults': []} | {
        f'--concurrency {value}': ['--concurrency', value] for value in args.fixed.split(',') if value.strip()
    }
    contenders |= {'threads 10': ['--threads', '10'], 'naive loop': []}
    failures: list[str] = []
    figures: list[str] = []
    with tempfile.TemporaryDirectory(prefix='rows-in-flight-') as folder:
        work = Path(folder)
        fixture = seeded_fixture(work / 'org.json', LOCATIONS, license_units=2 * args.rows + 100)
        for latency in (int(value) for value in args.latencies.split(',') if value.strip()):
            runs: dict[str, list[Measured]] = {name: [] for name in contenders}
            for round_ in range(args.rounds):
                for number, (name, extra) in enumerate(contenders.items()):
                    where = work / f'{latency}-{round_}-{number}'
                    runs[name].append(_run(where, fixture, args.rows, latency, name, extra))
            medians = {
                name: (statistics.median(m.wall_s for m in done), statistics.median(m.cpu_s for m in done))
                for name, done in runs.items()
            }
            print(f'\n{args.rows} users, latency {latency} ms, medians of {args.rounds} interleaved rounds')
            print(f'{"run":20} {"wall s":>7} {"CPU s":>6}')
            for name, (wall, cpu) in medians.items():
                print(f'{name:20} {wall:7.2f} {cpu:6.2f}', flush=True)
            fixed = [medians[name] for name in contenders if name.startswith('--concurrency')]
            wall, cpu = medians['launcher defaults']
            best_wall, best_cpu = min(w for w, _ in fixed), min(c for _, c in fixed)
            figure = f'{latency} ms: wall {wall / best_wall:.2f} x, CPU {cpu / best_cpu:.2f} x the best cap'
            figures.append(figure)
            if wall > TARGET * best_wall or cpu > TARGET * best_cpu:
                failures.append(figure)
    verdict = 'FAIL ' + '; '.join(failures) if failures else 'PASS ' + '; '.join(figures)
    print(f'{verdict} (target <= {TARGET}; {args.rows} users, medians of {args.rounds} rounds)')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
