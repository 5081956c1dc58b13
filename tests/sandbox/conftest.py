"""Fixtures of the sandbox specifications: a calling person or workspace, and a module's recorded wxc_sdk scenario.

The sandbox itself and the wxc_sdk client pointed at it are the suite's ``sandbox`` and ``api`` (tests/conftest.py).
"""

from __future__ import annotations

import pytest

from tests.support.openapi import Recording, record
from tests.support.org import LUCIA_ID, RECEPCION_ID
from tests.support.webex import CallingEntity


@pytest.fixture(params=['person', 'workspace'])
def calling_entity(request, api) -> CallingEntity:
    """Lucía (a calling user) and Recepción Sede Central (a calling workspace), one per test run."""
    if request.param == 'person':
        return CallingEntity('person', LUCIA_ID, api.person_settings)
    return CallingEntity('workspace', RECEPCION_ID, api.workspace_settings)


@pytest.fixture(scope='module')
def recorded(request) -> Recording:
    """What the test module's ``scenario(api)`` exchanged with a fresh sandbox, bodies included."""
    return record(request.module.scenario)
