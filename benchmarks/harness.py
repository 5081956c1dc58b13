"""What the benchmarks share: a seeded sandbox fixture, the sandbox as a separate process, generated CSV folders,
and running a command while measuring its wall time and peak memory (RSS high-water of that process alone).
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

TOKEN = 'benchmark-token-5e1d'
LICENSE = 'Webex Calling - Professional'
GLOBAL_ROW = {
    'time_zone': 'Europe/Madrid',
    'preferred_language': 'es_ES',
    'announcement_language': 'es_es',
    'country': 'ES',
    'calling_license': LICENSE,
}
FIRST_NAMES = ('Lucía', 'Javier', 'María', 'Álvaro', 'Carmen', 'Jordi', 'Núria', 'Pau', 'Rocío', 'Inés')
LAST_NAMES = ('Fernández', 'García', 'López', 'Martínez', 'Sánchez', 'Puig', 'Vila', 'Ferrer', 'Soler', 'Muñoz')


def location_name(index: int) -> str:
    return f'Sede Bench {index + 1:02d}'


def seeded_fixture(path: Path, locations: int, license_units: int, seed: int = 0) -> Path:
    """The packaged demo org plus ``locations`` calling-enabled locations and ``license_units`` units of every
    Webex Calling license, built through the sandbox's own state functions (the rules a real create applies)."""
    from transformacion.sandbox.state import Org, telephony_locations
    from transformacion.sandbox.state import locations as location_state

    org = Org.from_fixture(None, seed)
    for index in range(locations):
        body = {
            'name': location_name(index),
            'time_zone': 'Europe/Madrid',
            'preferred_language': 'es_ES',
            'announcement_language': 'es_es',
            'address': {
                'address1': f'Calle Mayor {index + 1}',
                'city': 'Madrid',
                'state': 'Madrid',
                'postal_code': '28013',
                'country': 'ES',
            },
        }
        created = location_state.create(org, body)
        telephony_locations.enable(org, {**body, 'id': created['id']})
    for record in org.licenses.values():
        if record['name'].startswith('Webex Calling'):
            record['total_units'] = license_units
    path.write_text(json.dumps(org.dump(), ensure_ascii=False), encoding='utf-8')
    return path


def user_row(index: int, locations: int) -> dict[str, str]:
    """One usuarios.csv row for alta_usuario: a new person with an extension in one of the seeded locations."""
    first = FIRST_NAMES[index % len(FIRST_NAMES)]
    last = LAST_NAMES[(index // len(FIRST_NAMES)) % len(LAST_NAMES)]
    return {
        'email': f'bench.user{index + 1:06d}@transformacion-demo.example.com',
        'first_name': first,
        'last_name': last,
        'location': location_name(index % locations),
        'extension': str(100000 + index),
    }


def write_csv(path: Path, rows: Iterator[dict[str, str]] | list[dict[str, str]]) -> Path:
    """A comma-separated UTF-8 CSV, streamed (100,000 rows never sit in memory)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open('w', encoding='utf-8', newline='') as handle:
        writer = None
        for row in rows:
            if writer is None:
                writer = csv.DictWriter(handle, fieldnames=list(row))
                writer.writeheader()
            writer.writerow(row)
    return path


def users_folder(folder: Path, rows: int, locations: int) -> Path:
    """A launcher input folder: global.csv and usuarios.csv with ``rows`` users spread over ``locations``."""
    write_csv(folder / 'global.csv', [GLOBAL_ROW])
    write_csv(folder / 'usuarios.csv', (user_row(i, locations) for i in range(rows)))
    return folder


class SandboxProcess:
    """``python -m transformacion.sandbox --port 0 ...`` in its own process (its own GIL), and its admin API."""

    def __init__(
        self,
        fixture: Path,
        *,
        rate_limit: float | None = None,
        latency_ms: int = 0,
        jitter_ms: int = 0,
        seed: int = 0,
        port: int = 0,
        cwd: Path | None = None,
    ) -> None:
        """``cwd``: the directory to start it in; a tree holding a ``transformacion`` package there (e.g. another
        commit's, from ``git archive``) is the one that runs, ahead of the installed one."""
        command = [sys.executable, '-m', 'transformacion.sandbox', '--port', str(port), '--token', TOKEN]
        command += ['--fixture', str(fixture), '--seed', str(seed)]
        command += ['--latency-ms', str(latency_ms), '--jitter-ms', str(jitter_ms)]
        if rate_limit:
            command += ['--rate-limit', str(rate_limit)]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=cwd)
        first = self.process.stdout.readline().strip() if self.process.stdout else ''
        if not first.startswith('WEBEX_BASE_URL='):
            self.stop()
            raise RuntimeError(f'the sandbox did not start: {first!r}')
        self.base_url = first.removeprefix('WEBEX_BASE_URL=')
        self.admin_url = self.base_url.removesuffix('/v1') + '/_sandbox'

    def journal(self) -> list[dict[str, Any]]:
        with urllib.request.urlopen(f'{self.admin_url}/journal', timeout=60) as answer:
            return json.load(answer)['items']

    def cpu_s(self) -> float:
        """CPU seconds (user + system, every thread) the sandbox process has used so far, from /proc (Linux)."""
        fields = Path(f'/proc/{self.process.pid}/stat').read_text().rpartition(')')[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@contextmanager
def sandbox_process(fixture: Path, **options: Any) -> Iterator[SandboxProcess]:
    sandbox = SandboxProcess(fixture, **options)
    try:
        yield sandbox
    finally:
        sandbox.stop()


@dataclass(frozen=True)
class Measured:
    """How one command went: exit code, wall seconds, peak RSS of that process in MiB, its stdout and stderr, and the
    CPU seconds (user + system) of that process."""

    code: int
    wall_s: float
    peak_rss_mib: float
    stdout: str
    stderr: str
    cpu_s: float = 0.0


def run_measured(
    command: list[str], *, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float | None = None
) -> Measured:
    """Run ``command`` and report its own RSS high-water mark (``wait4`` rusage: this child only, in KiB on Linux);
    after ``timeout`` seconds the command is killed (its exit code is then -9)."""
    with _tempfile() as out, _tempfile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, env=env, cwd=cwd)
        killer = threading.Timer(timeout, process.kill) if timeout else None
        if killer is not None:
            killer.start()
        _, status, usage = os.wait4(process.pid, 0)
        if killer is not None:
            killer.cancel()
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        cpu = usage.ru_utime + usage.ru_stime
        return Measured(process.returncode, wall, usage.ru_maxrss / 1024, out.read(), err.read(), cpu)


def _tempfile() -> IO[str]:
    return tempfile.TemporaryFile('w+', encoding='utf-8')


def last_json(text: str) -> dict[str, Any]:
    """The JSON object a batch command prints on stdout (the result object)."""
    start = text.find('{')
    return json.loads(text[start:]) if start >= 0 else {}


def child_env(**extra: str) -> dict[str, str]:
    """The environment for a command under measure: no stray Webex settings from the caller's shell."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(('WEBEX_', 'TRANSFORMACION_'))}
    env.update(extra)
    return env
