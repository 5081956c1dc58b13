"""Fixtures of the sandbox tests: a running sandbox per test with its own token (the client: tests/conftest.py)."""

from collections.abc import Iterator

import pytest

from transformacion.sandbox import Sandbox, running_sandbox

TOKEN = 'sandbox-test-token'


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with running_sandbox(token=TOKEN) as sb:
        yield sb
