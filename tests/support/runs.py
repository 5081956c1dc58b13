"""Running the product's commands and reading what a run left: the result object, the JSONL evidence, a launcher
process watched from outside through its checkpoint."""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from transformacion import launcher_csv_dependencias
from transformacion.core import evidence

#: The token every test sandbox accepts. Long and distinctive, so that finding any piece of it in an output is a
#: leak, never a coincidence.
TOKEN = 'prueba-4f1c9e27b8d35a60c2e9f7148ab3d6e5-9c0b7a2f61e84d3b5a7c8e9f0d1b2a3c'
LAUNCHER = 'transformacion.launcher_csv_dependencias'


@dataclass
class Run:
    """One run of a command: its exit code, the result object it printed on stdout, its stderr."""

    code: int
    result: dict[str, Any]
    stderr: str

    @property
    def status(self) -> str:
        return self.result['status']

    @property
    def summary(self) -> dict[str, Any]:
        return self.result['summary']

    @property
    def run_dir(self) -> Path:
        """The run folder of a launcher or bulk runner run."""
        return Path(self.result['result']['run_dir'])


def run_main(main: Callable[[list[str]], int], argv: Sequence[str], capsys: pytest.CaptureFixture[str]) -> Run:
    """``main(argv)`` in this process, its output read through pytest's ``capsys``."""
    capsys.readouterr()
    code = main(list(argv))
    captured = capsys.readouterr()
    return Run(code, json.loads(captured.out), captured.err)


def launch_in_process(*argv: str) -> Run:
    """``python -m transformacion.launcher_csv_dependencias ARGV`` in this process, stdout and stderr captured (usable
    where ``capsys`` is not, e.g. in a session fixture)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = launcher_csv_dependencias.main(list(argv))
    return Run(code, json.loads(out.getvalue()), err.getvalue())


def read_events(path: str | Path) -> list[dict[str, Any]]:
    """The events of a JSONL evidence file, one dict per line (its rotated ``.jsonl.gz`` segments first)."""
    return evidence.read_events(path)


def log_events(run: Run) -> list[dict[str, Any]]:
    """The JSONL evidence of an action's run."""
    return read_events(run.summary['log_file'])


def logged_writes(run: Run) -> list[tuple[str, str]]:
    """(method, path below /v1) of the writes the JSONL evidence of a run records."""
    return [
        (e['payload']['method'], e['payload']['url'].split('?')[0].split('/v1', 1)[1])
        for e in log_events(run)
        if e['event'] == 'request' and e['payload'].get('method') in ('POST', 'PUT', 'PATCH', 'DELETE')
    ]


# --------------------------------------------------------------------------- a launcher process, watched from outside


def child_env(**variables: str) -> dict[str, str]:
    """The environment of a launcher subprocess: ours without any WEBEX_/TRANSFORMACION_ setting, plus ``variables``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(('WEBEX_', 'TRANSFORMACION_'))}
    return {**env, **variables}


def launcher_command(*args: str) -> list[str]:
    return [sys.executable, '-m', LAUNCHER, *args]


def connection_args(sandbox: Any, log_dir: Path) -> list[str]:
    """The launcher options that point a run at ``sandbox`` and write its logs under ``log_dir``."""
    return ['--base-url', sandbox.base_url, '--token', sandbox.token, '--log-dir', str(log_dir)]


def isolate(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """Run from ``folder`` (no .env above it) with no Webex or transformacion setting from the caller's environment."""
    for name in list(os.environ):
        if name.startswith(('WEBEX_', 'TRANSFORMACION_')):
            monkeypatch.delenv(name)
    monkeypatch.chdir(folder)


def wait_for(condition: Callable[[], Any], timeout: float = 30.0, what: str = 'the condition') -> Any:
    """Poll ``condition`` until it returns something truthy, and return that; AssertionError after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.005)
    raise AssertionError(f'{what} did not happen within {timeout:g} s')


def find_checkpoint(log_dir: Path) -> Path | None:
    """The checkpoint of the one run under ``log_dir``, once its run folder exists."""
    runs = log_dir / 'runs'
    return next(runs.glob('*/checkpoint.sqlite'), None) if runs.is_dir() else None
