"""A batch command's process ends with its run (core.cli.end_process): output flushed and evidence closed, then the
process exits with the run's code at once; while a thread a normal exit would wait for runs, the exit is normal."""

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import sys, threading
    from pathlib import Path
    from transformacion.core.cli import end_process
    from transformacion.core.evidence import ActionLog

    ActionLog(Path(sys.argv[1]), 'prueba').event('summary', {'status': 'executed'})
    print('resultado', end='')  # buffered: a pipe is not a terminal
    print('en stderr', end='', file=sys.stderr)
    go = threading.Event()
    if sys.argv[2] == 'thread':
        threading.Thread(target=go.wait, args=(30,)).start()
        threading.Timer(0.2, go.set).start()
    code = end_process(3)
    print(f' devuelto {code}', end='')
    sys.exit(code)
    """
)


def _run(tmp_path, mode):
    log = tmp_path / 'prueba.jsonl'
    done = subprocess.run(
        [sys.executable, '-c', SCRIPT, str(log), mode], capture_output=True, text=True, timeout=60, check=False
    )
    return done, log


def test_with_nothing_left_to_wait_for_the_process_ends_at_once_with_its_output_and_evidence(tmp_path):
    done, log = _run(tmp_path, 'alone')
    assert done.returncode == 3
    assert done.stdout == 'resultado'
    assert done.stderr == 'en stderr'
    assert '"event": "summary"' in log.read_text(encoding='utf-8')


def test_a_thread_still_running_gets_a_normal_exit(tmp_path):
    done, _ = _run(tmp_path, 'thread')
    assert done.returncode == 3
    assert done.stdout == 'resultado devuelto 3'
