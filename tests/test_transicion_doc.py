"""docs/transicion.md, section 4, is the legacy_v21 profile in prose: its tables are kept equal to the JSON (the
conventions are in transformacion/core/profiles/README.md)."""

from __future__ import annotations

import re
from pathlib import Path

from transformacion.core.columns import Column, FileSpec, load_profile

DOC = Path(__file__).resolve().parents[1] / 'docs' / 'transicion.md'
HEADER = '| fichero v21 | columna v21 | dataset | columna | nota |'
NONE = '—'


def _note(column: Column) -> str:
    """The note column: what the doc says of one v21 column, built from its profile entry."""
    if column.to is None:
        lead = 'se rechaza si viene rellena' if column.if_filled == 'refuse' else 'se ignora (aviso)'
        parts = [f'{lead}: {column.why}']
        if column.accept_only:
            parts.append(f'valores admitidos (se ignoran): {", ".join(column.accept_only)}; otro se rechaza.')
        if column.value:
            parts.append(f'Valor: regla {column.value}.')
        if column.pending:
            parts.append(f'Pendiente: acción nueva prevista ({column.pending}).')
        return ' '.join(parts)
    parts = [column.note] if column.note else []
    for to, when in column.also:
        parts.append(f'También a {to} si {when} es verdadero.')
    if column.join:
        parts.append(f"Se une con las demás columnas que van a {column.to} (separadas por ';').")
    if column.set:
        parts.append(f'Fija además {", ".join(f"{k}={v}" for k, v in column.set)}.')
    if column.value:
        parts.append(f'Valor: regla {column.value}.')
    if column.pending:
        parts.append(f'Ver pendiente {column.pending}.')
    return ' '.join(parts)


def _expected_rows(spec: FileSpec) -> list[list[str]]:
    dataset = spec.dataset or NONE
    if not spec.columns:
        return [[spec.name, '(todas)', dataset, NONE, spec.why]]
    return [[spec.name, c.header, dataset, c.to or NONE, _note(c)] for c in spec.columns]


def _doc_tables() -> dict[str, list[list[str]]]:
    """{file: rows} of every table of section 4, cells unescaped and trimmed."""
    text = DOC.read_text(encoding='utf-8')
    tables: dict[str, list[list[str]]] = {}
    for match in re.finditer(r'<!-- tabla: (?P<file>[^>]+?) -->\n(?P<table>(?:\|.*\n)+)', text):
        lines = match['table'].splitlines()
        assert lines[0] == HEADER, f'{match["file"]}: cabecera distinta de {HEADER}'
        rows = []
        for line in lines[2:]:
            cells = re.split(r'(?<!\\)\|', line.strip())[1:-1]
            rows.append([cell.strip().replace('\\|', '|') for cell in cells])
        tables[match['file']] = rows
    return tables


def test_every_v21_file_of_the_profile_has_its_table_in_the_doc_and_no_other():
    profile = load_profile('legacy_v21')
    assert list(_doc_tables()) == [spec.name for spec in profile.files]


def test_each_table_is_the_profile_row_by_row():
    tables = _doc_tables()
    for spec in load_profile('legacy_v21').files:
        assert tables[spec.name] == _expected_rows(spec), (
            f'docs/transicion.md, tabla {spec.name}: no coincide con legacy_v21.json'
        )


def test_the_pending_capabilities_table_is_the_profile_pending_list():
    text = DOC.read_text(encoding='utf-8')
    section = text[text.index('## 8.') : text.index('## 9.')]
    rows = re.findall(r'^\| `(\w+)` \| (.*) \|$', section, flags=re.MULTILINE)
    assert dict(rows) == dict(load_profile('legacy_v21').pending)
