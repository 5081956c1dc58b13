"""The repository's files the tests read (samples, test data) and CSVs written and read the way the product does."""

from __future__ import annotations

import csv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / 'samples'
DATA = ROOT / 'tests' / 'data'


def write_csv(path: Path, rows: list[dict[str, str]], delimiter: str = ',') -> Path:
    """``rows`` as a UTF-8 CSV (columns in order of first appearance), parent folders created."""
    columns = list(dict.fromkeys(column for row in rows for column in row))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open('w', encoding='utf-8', newline='') as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, delimiter=delimiter)
        writer.writeheader()
        writer.writerows(rows)
    return path


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """(header, rows) of a ';' CSV in UTF-8 with BOM, as the product writes its files."""
    with path.open(encoding='utf-8-sig', newline='') as handle:
        reader = csv.DictReader(handle, delimiter=';')
        return list(reader.fieldnames or []), list(reader)
