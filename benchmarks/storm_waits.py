"""What a 429 storm adds to the sample batch, measured side by side with the undisturbed batch in one run.

Each round runs ``python -m transformacion.launcher_csv_dependencias --input_dir <copy of samples/> --yes`` twice, on
fresh sandboxes (in this process; the launcher is a child process): undisturbed, then under a storm of ``--throttles``
429s (probability 0.4) whose Retry-After is ``--retry-after`` seconds, both with TRANSFORMACION_MAX_WAIT=3. A usable
Retry-After is waited in full by every worker together and never longer (the suite checks each wait on the run's
evidence: tests/proof/test_fault_storms.py), so the storm adds at most throttles x Retry-After plus the retried
requests. Target: median wall time of the storm runs <= median wall time of the undisturbed runs + throttles x
Retry-After + 4 s (the allowance the proof used to assert before it moved here).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from harness import TOKEN, child_env, last_json, run_measured

from transformacion.sandbox import running_sandbox

SAMPLES = Path(__file__).resolve().parents[1] / 'samples'
MAX_WAIT = '3'
#: Seconds allowed on top of throttles x Retry-After for the retried requests themselves.
SLACK_S = 4.0


def one_run(folder: Path, faults: list[dict]) -> tuple[float, int, int]:
    """(wall seconds, exit code, 429s the run counted) of the launcher over ``folder`` on a fresh sandbox."""
    with running_sandbox(token=TOKEN) as sandbox:
        sandbox.set_faults(faults)
        command = [sys.executable, '-m', 'transformacion.launcher_csv_dependencias', '--input_dir', str(folder)]
        command += ['--yes', '--base-url', sandbox.base_url, '--token', TOKEN, '--log-dir', str(folder / 'logs')]
        env = child_env(TRANSFORMACION_MAX_WAIT=MAX_WAIT, TRANSFORMACION_MAX_ATTEMPTS='10')
        measured = run_measured(command, env=env, cwd=folder)
    summary = last_json(measured.stdout).get('summary', {})
    return measured.wall_s, measured.code, summary.get('http_429', -1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--rounds', type=int, default=3, help='undisturbed + storm pairs; medians count (default 3)')
    parser.add_argument('--throttles', type=int, default=8, help='429s in each storm (default 8)')
    parser.add_argument('--retry-after', default='1', help='Retry-After of each 429 in s (default 1; max 3)')
    args = parser.parse_args(argv)
    storm = [{'kind': 'throttle', 'retry_after': args.retry_after, 'probability': 0.4, 'max_count': args.throttles}]

    walls: dict[str, list[float]] = {'undisturbed': [], 'storm': []}
    failures: list[str] = []
    print(f'{"round":>5} {"run":12} {"exit":>4} {"429s":>5} {"wall s":>7}')
    with tempfile.TemporaryDirectory(prefix='storm-waits-') as work:
        for number in range(1, args.rounds + 1):
            for name, faults in (('undisturbed', []), ('storm', storm)):
                folder = shutil.copytree(SAMPLES, Path(work) / f'{name}-{number}')
                wall, code, throttled = one_run(folder, faults)
                walls[name].append(wall)
                print(f'{number:5d} {name:12} {code:4d} {throttled:5d} {wall:7.2f}')
                if code != 0:
                    failures.append(f'{name} run {number} exited {code}')
    undisturbed, stormed = statistics.median(walls['undisturbed']), statistics.median(walls['storm'])
    allowed = undisturbed + args.throttles * float(args.retry_after) + SLACK_S
    verdict = 'PASS' if stormed <= allowed and not failures else 'FAIL'
    print(
        f'{verdict} storm={stormed:.2f}s (target<={allowed:.2f}s) undisturbed={undisturbed:.2f}s '
        f'throttles={args.throttles} retry_after={args.retry_after!r} max_wait={MAX_WAIT}s'
        + (f' [{"; ".join(failures)}]' if failures else '')
    )
    return 0 if verdict == 'PASS' else 1


if __name__ == '__main__':
    raise SystemExit(main())
