"""Fixtures of the sandbox tests: a running sandbox per test and the real wxc_sdk client pointed at it."""

from collections.abc import Iterator

import pytest
from wxc_sdk import WebexSimpleApi

from transformacion.sandbox import Sandbox, running_sandbox

TOKEN = 'sandbox-test-token'


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with running_sandbox(token=TOKEN) as sb:
        yield sb


@pytest.fixture
def api(sandbox: Sandbox) -> Iterator[WebexSimpleApi]:
    """A wxc_sdk client of the sandbox, without the SDK's endless 429 retries."""
    client = WebexSimpleApi(tokens=sandbox.token, retry_429=False)
    client.session.BASE = sandbox.base_url
    yield client
    client.session.close()
