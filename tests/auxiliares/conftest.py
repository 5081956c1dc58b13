"""Arrangements of the auxiliary scripts: run any script's ``main`` in-process against the sandbox, read CSVs."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest


@pytest.fixture
def script(cli, monkeypatch):
    """``python -m transformacion.<name> ARGS`` in-process against the sandbox (see ``cli``), with short retries."""
    monkeypatch.setenv('TRANSFORMACION_MAX_ATTEMPTS', '2')
    return cli


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """(header, rows) of a ';' CSV in UTF-8 with BOM, as the launcher's files are written."""
    with path.open(encoding='utf-8-sig', newline='') as handle:
        reader = csv.DictReader(handle, delimiter=';')
        return list(reader.fieldnames or []), list(reader)


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    columns = list(dict.fromkeys(column for row in rows for column in row))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open('w', encoding='utf-8', newline='') as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, delimiter=';')
        writer.writeheader()
        writer.writerows(rows)
    return path
