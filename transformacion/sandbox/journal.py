"""The journal: every API request the sandbox received, in order, without credentials."""

from __future__ import annotations

import copy
import re
import threading
from typing import Any

from .state import timestamp

READ_METHODS = ('GET', 'HEAD', 'OPTIONS')
#: POSTs that only check their input and change nothing: Webex's Validate Extensions and Validate Phone Numbers
#: (``.../actions/validateExtensions/invoke``, ``.../actions/validateNumbers/invoke``; webex-cloud-calling spec)
CHECKS = re.compile(r'/actions/validate\w+/invoke$')


class Journal:
    """Append-only list of entries: seq, ts, method, path, query, status, tracking_id, and for writes
    request_body and created_id; fault when one fired; early when it came while a 429's Retry-After had not passed
    yet; response_body/response_headers when recording bodies."""

    def __init__(self) -> None:
        self._entries: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def record(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self._entries.append({'seq': len(self._entries) + 1, 'ts': timestamp(), **entry})

    def entries(self, since: int = 0) -> list[dict[str, Any]]:
        """Copies of the entries with ``seq`` greater than ``since``."""
        with self._lock:
            return copy.deepcopy(self._entries[since:])

    def writes(self, since: int = 0) -> list[dict[str, Any]]:
        """Entries of requests that may change state (anything but GET/HEAD/OPTIONS and the validate checks)."""
        return [
            entry
            for entry in self.entries(since)
            if entry['method'] not in READ_METHODS and not CHECKS.search(entry['path'])
        ]
