"""Fixtures of the panel's specifications: an input root holding a copy of the samples, the panel's application
against the test's sandbox, and an HTTP client that carries the session and CSRF tokens."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tests.support.panel import BASE, PORT, SAMPLES
from transformacion.panel.app import Panel, create_app
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
        schedule_interval=3600,
    )


@pytest.fixture
def anonymous(panel) -> Iterator[TestClient]:
    """A client without any token (a page of another site, a neighbour on the machine)."""
    with TestClient(create_app(panel), base_url=BASE) as client:
        yield client


@pytest.fixture
def client(panel) -> Iterator[TestClient]:
    """The operator's client: the session token and the page's CSRF token on every request."""
    with TestClient(create_app(panel), base_url=BASE) as client:
        client.headers.update({'Authorization': f'Bearer {panel.token}', 'X-CSRF-Token': panel.csrf})
        yield client
