"""Fixtures of the correctness proofs (the reference run and the batch are in the root conftest)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.proof import VISIBILITY_DELAY_MS
from tests.support.runs import TOKEN
from transformacion.sandbox import Sandbox, running_sandbox


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    """A fresh sandbox (default org, seed 0) that accepts ``TOKEN``, listing new people and workspaces only after
    ``VISIBILITY_DELAY_MS`` (0 unless SANDBOX_VISIBILITY_DELAY_MS is set)."""
    with running_sandbox(token=TOKEN, visibility_delay_ms=VISIBILITY_DELAY_MS) as sb:
        yield sb
