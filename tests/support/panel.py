"""Helpers of the panel's specifications: following a job's server-sent events, planting a problem in an input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SAMPLES = Path(__file__).resolve().parents[2] / 'samples'
PORT = 8780
BASE = f'http://127.0.0.1:{PORT}'


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
