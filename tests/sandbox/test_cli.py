"""The command line: first stdout line is WEBEX_BASE_URL=..., serves until SIGTERM, exits 0."""

import signal
import subprocess
import sys
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]


def test_cli_prints_the_base_url_first_and_stops_on_sigterm() -> None:
    process = subprocess.Popen(
        [sys.executable, '-m', 'transformacion.sandbox', '--port', '0', '--token', 'cli-token'],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first_line = process.stdout.readline().strip()
        base_url = first_line.removeprefix('WEBEX_BASE_URL=')
        me = requests.get(f'{base_url}/people/me', headers={'Authorization': 'Bearer cli-token'}, timeout=5)
        process.send_signal(signal.SIGTERM)
        returncode = process.wait(timeout=10)
    finally:
        process.kill()
        process.communicate()

    assert first_line.startswith('WEBEX_BASE_URL=http://127.0.0.1:')
    assert base_url.endswith('/v1')
    assert me.status_code == 200
    assert returncode == 0
