"""Start-up time of every action's ``--help`` against ``python -c pass``, measured side by side in one run.

Target: every action under 0.3 s (the SDK is imported only when a call is about to be made).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

from transformacion.core.catalog import ACTION_NAMES

TARGET_S = 0.3


def timed(command: list[str], repeat: int) -> float:
    """Median wall time of ``command`` over ``repeat`` runs."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--repeat', type=int, default=5, help='runs per command; the median counts (default 5)')
    args = parser.parse_args(argv)
    baseline = timed([sys.executable, '-c', 'pass'], args.repeat)
    print(f'{"command":45} {"median s":>9} {"x baseline":>10}')
    print(f'{"python -c pass":45} {baseline:9.3f} {1.0:10.1f}')
    worst_name, worst = '', 0.0
    for name in ACTION_NAMES:
        seconds = timed([sys.executable, '-m', f'transformacion.{name}', '--help'], args.repeat)
        print(f'{name + " --help":45} {seconds:9.3f} {seconds / baseline:10.1f}')
        if seconds > worst:
            worst_name, worst = name, seconds
    verdict = 'PASS' if worst < TARGET_S else 'FAIL'
    print(
        f'{verdict} slowest={worst_name} {worst:.3f}s target<{TARGET_S}s baseline={baseline:.3f}s '
        f'ratio={worst / baseline:.1f}x'
    )
    return 0 if verdict == 'PASS' else 1


if __name__ == '__main__':
    raise SystemExit(main())
