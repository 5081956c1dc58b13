"""The token never leaks: after a full sample batch (token from .env, from the environment, from --token; or an OAuth
integration or Service App whose access tokens are renewed during the run) and after error paths that print a
traceback or refuse the credentials, no file under the logs and run folders and no stdout/stderr holds the token,
the client secret, a refresh token, an access token the run obtained, or any sizeable piece of them.
"""

from __future__ import annotations

import stat
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.support.proof import copy_samples
from tests.support.runs import TOKEN, child_env, isolate, launcher_command
from transformacion import launcher_csv_dependencias
from transformacion.sandbox import running_sandbox
from transformacion.sandbox.state.tokens import DEFAULT_CLIENT_ID, DEFAULT_SERVICE_APP_ID

_PIECE = 16
CLIENT_SECRET = 'secreto-cliente-0a2c4e6b8d1f3a5c7e9b0d2f4a6c8e1b'
REFRESH_TOKEN = 'refresco-inicial-9f7d5b3a1c0e8f6d4b2a0c9e7f5d3b1a'


def _pieces(token: str) -> list[str]:
    """The token and a few distinctive slices of it (a truncated or partly masked token is a leak too)."""
    middle = (len(token) - _PIECE) // 2
    return [token, token[:_PIECE], token[middle : middle + _PIECE], token[-_PIECE:]]


def _leaks(token: str, folder: Path, **outputs: str) -> list[str]:
    """Where any piece of ``token`` appears: files under ``folder`` (read as bytes; .env excepted) and ``outputs``."""
    found = []
    for piece in _pieces(token):
        needle = piece.encode()
        found += [
            str(path)
            for path in folder.rglob('*')
            if path.is_file() and path.name != '.env' and needle in path.read_bytes()
        ]
        found += [name for name, text in outputs.items() if piece in text]
    return found


@pytest.mark.parametrize('source', ['.env', 'entorno', '--token'])
def test_a_full_sample_run_writes_the_token_nowhere(source, tmp_path, reference):
    work = tmp_path / 'work'
    batch = copy_samples(work / 'batch')
    with running_sandbox(token=TOKEN) as sb:
        env = child_env(WEBEX_BASE_URL=sb.base_url, TRANSFORMACION_LOG_DIR=str(work / 'logs'))
        args = ['--input_dir', str(batch), '--yes']
        if source == '.env':
            (work / '.env').write_text(f'WEBEX_ACCESS_TOKEN={TOKEN}\n', encoding='utf-8')
        elif source == 'entorno':
            env['WEBEX_ACCESS_TOKEN'] = TOKEN
        else:
            args += ['--token', TOKEN]
        done = subprocess.run(launcher_command(*args), cwd=work, env=env, capture_output=True, text=True, timeout=120)
        statuses = {entry['status'] for entry in sb.journal()}

    assert done.returncode == reference.exit_code, done.stderr[-3000:]
    assert 401 not in statuses and len(statuses) > 0, 'the batch never used the token'
    written = {path.name for path in (work / 'logs' / 'runs').glob('*/*')}
    assert {'results_manual.csv', 'summary.json', 'checkpoint.sqlite', 'alta_usuario.jsonl'} <= written
    assert _leaks(TOKEN, work, stdout=done.stdout, stderr=done.stderr) == []


@pytest.mark.parametrize('mode', ['integration in .env', 'service app in the environment'])
def test_a_run_with_refreshing_credentials_writes_no_secret_anywhere(mode, tmp_path, reference):
    work = tmp_path / 'work'
    batch = copy_samples(work / 'batch')
    cache = tmp_path / 'cache'
    with running_sandbox(
        token=TOKEN, token_lifetime=1, latency_ms=20, client_secret=CLIENT_SECRET, refresh_token=REFRESH_TOKEN
    ) as sb:
        env = child_env(
            WEBEX_BASE_URL=sb.base_url, TRANSFORMACION_LOG_DIR=str(work / 'logs'), TRANSFORMACION_TOKEN_CACHE=str(cache)
        )
        client = {'WEBEX_CLIENT_ID': DEFAULT_CLIENT_ID, 'WEBEX_CLIENT_SECRET': CLIENT_SECRET}
        if mode == 'integration in .env':
            lines = {**client, 'WEBEX_REFRESH_TOKEN': REFRESH_TOKEN}.items()
            (work / '.env').write_text(''.join(f'{name}={value}\n' for name, value in lines), encoding='utf-8')
        else:
            env.update(client, WEBEX_SERVICE_APP_ID=DEFAULT_SERVICE_APP_ID, WEBEX_ORG_ID=sb.org.id)
            env['WEBEX_ACCESS_TOKEN'] = TOKEN
        args = ['--input_dir', str(batch), '--yes']
        done = subprocess.run(launcher_command(*args), cwd=work, env=env, capture_output=True, text=True, timeout=120)
        secrets = [TOKEN, CLIENT_SECRET, REFRESH_TOKEN, *sb.tokens.issued_tokens()]
        issued = sb.tokens.summary()['issued']

    assert done.returncode == reference.exit_code, done.stderr[-3000:]
    assert issued >= 2, 'the batch never renewed its token'
    assert [secret for secret in secrets if _leaks(secret, work, stdout=done.stdout, stderr=done.stderr)] == []
    assert {stat.S_IMODE(path.stat().st_mode) for path in cache.iterdir()} == {0o600}


def test_refused_credentials_stop_the_run_and_print_no_secret(monkeypatch, tmp_path, capsys):
    secret, refresh = f'{CLIENT_SECRET}-{uuid.uuid4().hex}', f'{REFRESH_TOKEN}-{uuid.uuid4().hex}'
    isolate(monkeypatch, tmp_path)
    monkeypatch.setenv('TRANSFORMACION_TOKEN_CACHE', str(tmp_path / 'cache'))
    monkeypatch.setenv('WEBEX_CLIENT_ID', DEFAULT_CLIENT_ID)
    monkeypatch.setenv('WEBEX_CLIENT_SECRET', secret)
    monkeypatch.setenv('WEBEX_REFRESH_TOKEN', refresh)
    batch = copy_samples(tmp_path / 'batch')
    with running_sandbox(token=TOKEN, client_secret=CLIENT_SECRET, refresh_token=refresh) as sb:
        code = _run_like_the_interpreter(
            ['--input_dir', str(batch), '--yes', '--base-url', sb.base_url, '--log-dir', str(tmp_path / 'logs')]
        )
        writes = [entry['path'] for entry in sb.writes()]
    captured = capsys.readouterr()

    assert code == 4
    assert 'Webex rechazó emitir un token nuevo' in captured.out
    assert writes == ['/v1/access_token']
    assert [s for s in (secret, refresh) if _leaks(s, tmp_path, stdout=captured.out, stderr=captured.err)] == []


def _run_like_the_interpreter(argv: list[str]) -> int:
    """``python -m transformacion.launcher_csv_dependencias`` in-process: an exception that escapes ``main`` is printed
    by ``sys.excepthook`` on stderr, as the interpreter does, and the exit code is 1."""
    try:
        return launcher_csv_dependencias.main(argv)
    except Exception:
        sys.excepthook(*sys.exc_info())
        return 1


def test_a_traceback_from_inside_an_action_is_logged_without_the_token(fresh_token, tmp_path, mocker, capsys):
    from transformacion.domain import resolve

    def refused(*args, **kwargs):
        # a new exception per call, as a real failure is (one instance raised by reads made at the same time would
        # carry every raise's frames in its traceback, of which the evidence keeps the last 4,000 characters)
        raise RuntimeError(f'cabecera rechazada: Authorization={fresh_token!r}; token={fresh_token}')

    mocker.patch.object(resolve, 'location_id', side_effect=refused)
    batch = copy_samples(tmp_path / 'batch')
    with running_sandbox(token=fresh_token) as sb:
        code = _run_like_the_interpreter(
            ['--input_dir', str(batch), '--yes', '--base-url', sb.base_url, '--log-dir', str(tmp_path / 'logs')]
        )
    captured = capsys.readouterr()

    assert code == 3
    traced = [path for path in tmp_path.rglob('*.jsonl') if 'Traceback (most recent call last)' in path.read_text()]
    assert traced, 'no traceback in the logs: the error path did not run'
    assert _leaks(fresh_token, tmp_path, stdout=captured.out, stderr=captured.err) == []


def test_a_crash_outside_the_actions_prints_no_token(fresh_token, tmp_path, mocker, capsys):
    from transformacion.batch import run as batch_run

    mocker.patch.object(batch_run, 'create_api', side_effect=ValueError(f'token no válido: {fresh_token!r}'))
    batch = copy_samples(tmp_path / 'batch')
    with running_sandbox(token=fresh_token) as sb:
        code = _run_like_the_interpreter(
            ['--input_dir', str(batch), '--yes', '--base-url', sb.base_url, '--log-dir', str(tmp_path / 'logs')]
        )
    captured = capsys.readouterr()

    assert code != 0
    assert 'token no válido' in captured.err, 'the operator does not see the error'
    assert _leaks(fresh_token, tmp_path, stdout=captured.out, stderr=captured.err) == []
