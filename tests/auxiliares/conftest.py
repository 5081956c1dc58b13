"""Arrangements of the auxiliary scripts: run any script's ``main`` in-process against the sandbox, read CSVs."""

from __future__ import annotations

import csv
import importlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TOKEN


@dataclass
class Script:
    code: int
    result: dict[str, Any]
    stderr: str

    @property
    def status(self) -> str:
        return self.result['status']


@pytest.fixture
def script(sandbox, tmp_path, monkeypatch, capsys):
    """``python -m transformacion.<name> ARGS`` in-process, pointed at the sandbox; returns a Script."""
    monkeypatch.setenv('WEBEX_BASE_URL', sandbox.base_url)
    monkeypatch.setenv('WEBEX_ACCESS_TOKEN', TOKEN)
    monkeypatch.setenv('TRANSFORMACION_LOG_DIR', str(tmp_path / 'logs'))
    monkeypatch.setenv('TRANSFORMACION_MAX_ATTEMPTS', '2')
    monkeypatch.delenv('WEBEX_ORG_ID', raising=False)
    monkeypatch.chdir(tmp_path)

    def run(name: str, *args: str) -> Script:
        module = importlib.import_module(f'transformacion.{name}')
        capsys.readouterr()
        code = module.main(list(args))
        captured = capsys.readouterr()
        return Script(code, json.loads(captured.out), captured.err)

    return run


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
