"""Fixtures of the panel's specifications: an input root holding a copy of the samples, the panel's application
against the test's sandbox, an HTTP client that carries the session and CSRF tokens, the panel served as a command
and the headless browser that walks it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.support.browser import headless_chromium
from tests.support.panel import BASE, PORT, SAMPLES, operator
from transformacion.panel.app import Panel
from transformacion.panel.security import new_token


@pytest.fixture
def input_root(tmp_path) -> Path:
    """``<tmp>/entradas`` with the samples as ``lote/``."""
    root = tmp_path / 'entradas'
    shutil.copytree(SAMPLES, root / 'lote')
    return root


@pytest.fixture
def panel(tmp_path, input_root, sandbox) -> Panel:
    return Panel(
        input_root=input_root,
        log_dir=tmp_path / 'logs',
        token=new_token(),
        connection=lambda: (sandbox.token, sandbox.base_url),
        port=PORT,
        sandbox=True,
    )


@pytest.fixture
def client(panel) -> Iterator[TestClient]:
    """The operator's client: the session token and the page's CSRF token on every request."""
    with operator(panel) as client:
        yield client


@pytest.fixture
def anonymous(client) -> TestClient:
    """A client without any token (a page of another site, a neighbour on the machine), on the operator's running
    panel (one panel per logs folder)."""
    return TestClient(client.app, base_url=BASE)


@pytest.fixture(scope='module')
def browser() -> Iterator[Any]:
    yield from headless_chromium('recorrer el panel')


@pytest.fixture
def served(tmp_path, input_root) -> Iterator[str]:
    """``python -m transformacion.panel --sandbox --port 0`` over ``input_root``: its PANEL_URL (stopped after)."""
    process = subprocess.Popen(
        [
            sys.executable,
            '-m',
            'transformacion.panel',
            '--sandbox',
            '--port',
            '0',
            '--input-root',
            str(input_root),
            '--log-dir',
            str(tmp_path / 'logs'),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = process.stdout.readline()
        assert first.startswith('PANEL_URL=http://127.0.0.1:'), first + process.stderr.read()
        yield first.strip().removeprefix('PANEL_URL=')
    finally:
        process.terminate()
        process.wait(timeout=30)
