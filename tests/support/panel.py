"""Helpers of the panel's specifications: the operator's client of a panel, following a job's server-sent events,
waiting for a scheduled entry, planting a problem in an input."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from transformacion.panel.app import Panel, create_app
from transformacion.panel.schedule import SCHEDULED

SAMPLES = Path(__file__).resolve().parents[2] / 'samples'
PORT = 8780
BASE = f'http://127.0.0.1:{PORT}'


@contextmanager
def operator(panel: Panel) -> Iterator[TestClient]:
    """The panel started (its application with its lifespan: the scheduled runs are timed) and the operator's client
    on it: the session token and the page's CSRF token on every request. Leaving it stops the panel."""
    with TestClient(create_app(panel), base_url=BASE) as client:
        client.headers.update({'Authorization': f'Bearer {panel.token}', 'X-CSRF-Token': panel.csrf})
        yield client


def settled(
    client: Any,
    entry_id: str,
    until: Callable[[dict[str, Any]], bool] = lambda entry: entry['state'] != SCHEDULED,
    seconds: float = 60.0,
) -> dict[str, Any]:
    """The scheduled entry ``entry_id`` as the schedule screen lists it, once ``until`` holds for it (by default:
    no longer ``programada``), polled; after ``seconds`` as it is then (the caller's assertion fails)."""
    deadline = time.monotonic() + seconds
    while True:
        entry = next(e for e in client.get('/api/schedule').json()['entries'] if e['id'] == entry_id)
        if until(entry) or time.monotonic() > deadline:
            return entry
        time.sleep(0.05)


def finished(client: Any, job: dict[str, Any]) -> dict[str, Any]:
    """Follow a job's server-sent events to its ``end`` event; its data."""
    last = None
    with client.stream('GET', f'/api/jobs/{job["job"]}/events') as response:
        assert response.headers['content-type'].startswith('text/event-stream')
        event = None
        for line in response.iter_lines():
            if line.startswith('event: '):
                event = line.removeprefix('event: ')
            elif line.startswith('data: ') and event == 'end':
                last = json.loads(line.removeprefix('data: '))
    assert last is not None, 'el flujo de eventos terminó sin evento end'
    return last


def plant(root: Path, old: str, new: str, file: str = 'lote/ubicaciones.csv') -> None:
    """Replace ``old`` with ``new`` in an input file (what the operator does in Excel)."""
    path = root / file
    text = path.read_text(encoding='utf-8')
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding='utf-8')
