"""The suite's fixtures: a sandbox per test, the product's commands run in-process against it, the clients and
contexts of the domain specifications, the launcher's runs, and the correctness proofs' reference run.

Helpers (plain functions and classes) are in tests/support/; fixtures used by one folder only are in its conftest.
"""

from __future__ import annotations

import importlib
import json
import socket
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from wxc_sdk import WebexSimpleApi

from tests.support.batches import Runner
from tests.support.locations import LISBOA, VALENCIA, Site, create_site, set_pstn
from tests.support.proof import FAST_RETRIES, Reference, copy_samples, reference_of
from tests.support.runs import TOKEN, Run, connection_args, isolate, launch_in_process, run_main
from transformacion import launcher_csv_dependencias
from transformacion.batch.checkpoint import Checkpoint
from transformacion.common import Context, action_logger, create_api, logging_to
from transformacion.core.evidence import STRICT_ENV
from transformacion.sandbox import Sandbox, running_sandbox


@pytest.fixture(autouse=True)
def strict_evidence(monkeypatch):
    """An HTTP exchange through the product's transport with no action log bound raises instead of going unrecorded."""
    monkeypatch.setenv(STRICT_ENV, '1')


@pytest.fixture(autouse=True)
def short_visibility_wait(monkeypatch):
    """An action looks for a person or workspace for TRANSFORMACION_VISIBILITY_WAIT seconds (default 10) before it
    takes it as absent, because Webex lists new entities with a lag; the sandbox lists them at once unless a test
    delays them, so the suite keeps that wait short (tests that need another value set their own)."""
    monkeypatch.setenv('TRANSFORMACION_VISIBILITY_WAIT', '0.25')


# --------------------------------------------------------------------------- the sandbox and clients of it


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    """A fresh sandbox (the packaged default org, seed 0) that accepts ``TOKEN``."""
    with running_sandbox(token=TOKEN) as sb:
        yield sb


@pytest.fixture
def org(sandbox):
    """The sandbox's state, to arrange and inspect directly."""
    return sandbox.org


@pytest.fixture
def api(sandbox) -> Iterator[WebexSimpleApi]:
    """The real wxc_sdk client pointed at the sandbox, without the SDK's endless 429 retries."""
    client = WebexSimpleApi(tokens=sandbox.token, retry_429=False)
    client.session.BASE = sandbox.base_url
    yield client
    client.session.close()


@pytest.fixture
def observed_api(sandbox) -> Iterator[WebexSimpleApi]:
    """A client from ``create_api`` (the transport that records every exchange) pointed at the sandbox."""
    client = create_api(TOKEN, sandbox.base_url)
    yield client
    client.session.close()


@pytest.fixture
def bound_ctx(observed_api, tmp_path) -> Iterator[tuple[WebexSimpleApi, Context]]:
    """(client, Context) with the Context's log bound, retries without waiting: a domain function called directly."""
    ctx = Context(log=action_logger('demo', log_dir=tmp_path), sleep=lambda seconds: None)
    with logging_to(ctx.log):
        yield observed_api, ctx


# --------------------------------------------------------------------------- the product's commands, in-process


@pytest.fixture
def log_dir(tmp_path) -> Path:
    return tmp_path / 'logs'


@pytest.fixture
def sandbox_env(sandbox, log_dir, tmp_path, monkeypatch) -> None:
    """Commands run from ``tmp_path`` against the sandbox, with the token in the environment and logs in ``log_dir``."""
    monkeypatch.setenv('WEBEX_BASE_URL', sandbox.base_url)
    monkeypatch.setenv('WEBEX_ACCESS_TOKEN', TOKEN)
    monkeypatch.setenv('TRANSFORMACION_LOG_DIR', str(log_dir))
    monkeypatch.delenv('WEBEX_ORG_ID', raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def cli(sandbox_env, capsys) -> Callable[..., Run]:
    """Run ``python -m transformacion.<name> ARGS`` in-process against the sandbox: ``cli(name, *args) -> Run``."""

    def run(name: str, *args: str) -> Run:
        return run_main(importlib.import_module(f'transformacion.{name}').main, args, capsys)

    return run


@pytest.fixture
def launch(sandbox_env, monkeypatch, capsys) -> Callable[..., Run]:
    """``python -m transformacion.launcher_csv_dependencias ARGS`` in-process against the sandbox, two attempts per
    call: ``launch(*args, main=launcher_csv_dependencias.main) -> Run`` (``main=bulk_runner.main`` for the other)."""
    monkeypatch.setenv('TRANSFORMACION_MAX_ATTEMPTS', '2')

    def run(*args: str, main: Callable[[list[str]], int] = launcher_csv_dependencias.main) -> Run:
        return run_main(main, args, capsys)

    return run


@pytest.fixture
def runner(sandbox, tmp_path) -> Runner:
    """Batches run in-process with the test catalogue of tests/support/batches.py against the sandbox."""
    return Runner(sandbox, tmp_path, [])


@pytest.fixture
def store(tmp_path) -> Iterator[Checkpoint]:
    """An empty run checkpoint."""
    opened = Checkpoint(tmp_path / 'checkpoint.sqlite')
    yield opened
    opened.close()


@pytest.fixture
def offline(tmp_path, monkeypatch, capsys):
    """``inspeccionar_parametros ARGS`` in-process: (exit code, result object, stderr), with no token or org id, a
    base URL on a closed port and every socket connection refused."""
    monkeypatch.setenv('WEBEX_BASE_URL', 'http://127.0.0.1:9/v1')
    monkeypatch.delenv('WEBEX_ACCESS_TOKEN', raising=False)
    monkeypatch.delenv('WEBEX_ORG_ID', raising=False)
    monkeypatch.chdir(tmp_path)

    def refuse(*args, **kwargs):
        raise AssertionError(f'network connection during the preflight: {args}')

    monkeypatch.setattr(socket.socket, 'connect', refuse)
    monkeypatch.setattr(socket, 'create_connection', refuse)

    def run(*args: str) -> tuple[int, dict, str]:
        from transformacion.inspeccionar_parametros import main

        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return code, json.loads(captured.out), captured.err

    return run


# --------------------------------------------------------------------------- locations made through the CLI


@pytest.fixture
def site(cli) -> Site:
    """A new location in Spain enabled for Webex Calling, with no PSTN, numbers, routing prefix or internal dialing."""
    return create_site(cli, VALENCIA)


@pytest.fixture
def lisboa(cli) -> Site:
    """A new calling location in Portugal (Telefonica Cloud Connect serves Spain only)."""
    return create_site(cli, LISBOA)


@pytest.fixture
def lgw_site(site: Site, sandbox: Sandbox) -> Site:
    """The new location with a local gateway PSTN (trunk TRK-MAD-01), the kind Webex lets the API add numbers to."""
    set_pstn(sandbox, site.id, 'TRK-MAD-01')
    return site


# --------------------------------------------------------------------------- the correctness proofs


@pytest.fixture(scope='session')
def reference(tmp_path_factory) -> Reference:
    """The sample batch run once, undisturbed (with --yes), on a fresh sandbox: what every disturbed run must match."""
    folder = copy_samples(tmp_path_factory.mktemp('reference') / 'batch')
    with pytest.MonkeyPatch.context() as monkeypatch, running_sandbox(token=TOKEN) as sb:
        isolate(monkeypatch, folder.parent)
        run = launch_in_process('--input_dir', str(folder), '--yes', *connection_args(sb, folder.parent / 'logs'))
        return reference_of(run, sb, folder)


@pytest.fixture
def batch(tmp_path) -> Path:
    """A private copy of the sample batch."""
    return copy_samples(tmp_path / 'batch')


@pytest.fixture
def fast_retries(monkeypatch, tmp_path) -> None:
    """In-process runs from a folder without a .env, with small capped waits and nothing else from the environment."""
    isolate(monkeypatch, tmp_path)
    for name, value in FAST_RETRIES.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def fresh_token(monkeypatch, tmp_path) -> str:
    """A token this process has never seen (the masking registry is process-wide), in the environment."""
    token = f'{TOKEN}-{uuid.uuid4().hex}'
    isolate(monkeypatch, tmp_path)
    monkeypatch.setenv('WEBEX_ACCESS_TOKEN', token)
    return token
