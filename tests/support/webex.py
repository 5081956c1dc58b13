"""Driving the sandbox through wxc_sdk: the entities a setting belongs to, and what Webex answered to a refused call."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from wxc_sdk import WebexSimpleApi
from wxc_sdk.rest import RestError


def put(api: WebexSimpleApi, path: str, body: dict[str, Any]) -> None:
    """PUT ``body`` as it is (no SDK model in between) to ``path`` below /v1."""
    api.session.rest_put(api.session.ep(path), json=body)


def status_of(call: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[int, str]:
    """(HTTP status, Webex's message) of the RestError that ``call(*args, **kwargs)`` must raise."""
    with pytest.raises(RestError) as raised:
        call(*args, **kwargs)
    return raised.value.response.status_code, raised.value.response.json()['message']


@dataclass(frozen=True)
class CallingEntity:
    """A person or a workspace with Webex Calling: its kind (``person`` or ``workspace``), its id and its settings
    API in wxc_sdk (``api.person_settings`` or ``api.workspace_settings``)."""

    kind: str
    id: str
    settings: Any
