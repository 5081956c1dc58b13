"""Shared arrangements: a sandbox per test, and running an action's CLI in-process against it."""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass
from typing import Any

import pytest
from wxc_sdk import WebexSimpleApi

from transformacion.core.evidence import STRICT_ENV
from transformacion.sandbox import running_sandbox

TOKEN = 'sandbox-test-token-7f3a9c'


@dataclass
class CliRun:
    code: int
    result: dict[str, Any]
    stderr: str

    @property
    def status(self) -> str:
        return self.result['status']


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


@pytest.fixture
def sandbox():
    with running_sandbox(token=TOKEN) as sb:
        yield sb


@pytest.fixture
def api(sandbox):
    """The real wxc_sdk client pointed at the sandbox, without the SDK's endless 429 retries."""
    client = WebexSimpleApi(tokens=sandbox.token, retry_429=False)
    client.session.BASE = sandbox.base_url
    yield client
    client.session.close()


@pytest.fixture
def log_dir(tmp_path):
    return tmp_path / 'logs'


@pytest.fixture
def cli(sandbox, log_dir, tmp_path, monkeypatch, capsys):
    """Run ``python -m transformacion.<action> ARGS`` in-process against the sandbox; returns a CliRun."""
    monkeypatch.setenv('WEBEX_BASE_URL', sandbox.base_url)
    monkeypatch.setenv('WEBEX_ACCESS_TOKEN', TOKEN)
    monkeypatch.setenv('TRANSFORMACION_LOG_DIR', str(log_dir))
    monkeypatch.delenv('WEBEX_ORG_ID', raising=False)
    monkeypatch.chdir(tmp_path)

    def run(action_name: str, *args: str) -> CliRun:
        module = importlib.import_module(f'transformacion.{action_name}')
        capsys.readouterr()
        code = module.main(list(args))
        captured = capsys.readouterr()
        return CliRun(code, json.loads(captured.out), captured.err)

    return run
