"""Arrangements of the unit specifications that go through the product's own HTTP stack (``create_api``)."""

from __future__ import annotations

import pytest

from tests.conftest import TOKEN
from transformacion.common import Context, action_logger, create_api, logging_to


@pytest.fixture
def observed_api(sandbox):
    """A client from ``create_api`` (the transport that records every exchange) pointed at the sandbox."""
    client = create_api(TOKEN, sandbox.base_url)
    yield client
    client.session.close()


@pytest.fixture
def bound_ctx(observed_api, tmp_path):
    """(client, Context) with the Context's log bound, retries without waiting."""
    ctx = Context(log=action_logger('demo', log_dir=tmp_path), sleep=lambda seconds: None)
    with logging_to(ctx.log):
        yield observed_api, ctx
