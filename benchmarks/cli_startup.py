"""Start-up time of every entry point's ``--help`` against ``python -c pass``, measured side by side in one run (runs
interleaved, so a loaded machine slows all alike): the catalogue (``python -m transformacion``), every action of
``core.catalog.ACTION_NAMES`` and every tool of ``core.catalog.TOOL_NAMES`` (the launcher, the bulk runner, the
auxiliary tools, ``revertir``), read from the catalogue rather than listed here, and the old action names kept as
aliases (``core.renamed.RENAMED_ACTIONS``: the quick help says on stderr that the action was renamed and prints the
current one's stored text).

Two columns per script: ``--help`` as an operator runs it (the package's quick help answers from the stored text),
and the script's ``main(['--help'])`` called in-process (it builds its parser, with the engine's light imports only:
what ``--help`` would cost without the stored texts). Target: the first within 1.5 x ``python -c pass`` for every
entry point.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

from transformacion.core.catalog import ACTION_NAMES, TOOL_NAMES
from transformacion.core.renamed import RENAMED_ACTIONS

TARGET_RATIO = 1.5
ENV = {k: v for k, v in os.environ.items() if k != 'COLUMNS'}


def once(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--repeat', type=int, default=9, help='runs per command; the median counts (default 9)')
    args = parser.parse_args(argv)
    scripts = {'transformacion': 'transformacion'} | {
        name: f'transformacion.{name}' for name in (*ACTION_NAMES, *TOOL_NAMES, *RENAMED_ACTIONS)
    }
    baseline_samples: list[float] = []
    quick: dict[str, list[float]] = {name: [] for name in scripts}
    full: dict[str, list[float]] = {name: [] for name in scripts}
    for _ in range(args.repeat):
        for name, module in scripts.items():
            entry = 'transformacion.__main__' if module == 'transformacion' else module
            in_process = f'import contextlib, {entry} as m\nwith contextlib.suppress(SystemExit): m.main(["--help"])'
            baseline_samples.append(once([sys.executable, '-c', 'pass'], ENV))
            quick[name].append(once([sys.executable, '-m', module, '--help'], ENV))
            full[name].append(once([sys.executable, '-c', in_process], ENV))
    baseline = statistics.median(baseline_samples)
    print(f'{"command":68} {"quick s":>8} {"x pass":>7} {"parser s":>9} {"x pass":>7}')
    print(f'{"python -c pass":68} {baseline:8.3f} {1.0:7.2f}')
    worst_name, worst = '', 0.0
    for name, module in scripts.items():
        seconds, parsed = statistics.median(quick[name]), statistics.median(full[name])
        print(
            f'{"python -m " + module + " --help":68} {seconds:8.3f} {seconds / baseline:7.2f} {parsed:9.3f} '
            f'{parsed / baseline:7.2f}' + ('  (alias)' if name in RENAMED_ACTIONS else '')
        )
        if seconds > worst:
            worst_name, worst = name, seconds
    ratio = worst / baseline
    verdict = 'PASS' if ratio <= TARGET_RATIO else 'FAIL'
    print(
        f'{verdict} slowest={worst_name} {worst:.3f}s baseline={baseline:.3f}s ratio={ratio:.2f} '
        f'(target<={TARGET_RATIO}; {len(ACTION_NAMES)} actions, {len(TOOL_NAMES)} tools, '
        f'{len(RENAMED_ACTIONS)} aliases and the catalogue)'
    )
    return 0 if verdict == 'PASS' else 1


if __name__ == '__main__':
    raise SystemExit(main())
