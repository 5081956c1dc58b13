"""The layer rules of ARCHITECTURE.md, checked on every module of the package by its import statements."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from transformacion.core.catalog import ACTION_NAMES
from transformacion.core.renamed import RENAMED_ACTIONS

PACKAGE = Path(__file__).resolve().parents[1] / 'transformacion'
TOOLS = {
    'launcher_csv_dependencias',
    'bulk_runner',
    'generar_csv_candidatos',
    'inspeccionar_parametros',
    'consolidar_reportes',
    'generar_plantilla',
    'revertir',
    '__main__',
}


def layer(module: str) -> str:
    """The layer of a dotted module name inside the package."""
    parts = module.split('.')
    if parts[0] != 'transformacion':
        return 'external'
    if len(parts) == 1 or parts[1] == '__init__':
        return 'package'
    head = parts[1]
    if head in ('core', 'domain', 'batch', 'sandbox', 'common', 'panel'):
        return head
    if head in ACTION_NAMES or head in RENAMED_ACTIONS:
        return 'action'
    if head in TOOLS:
        return 'tool'
    return 'unknown'


#: layer -> the layers of the package it may import
ALLOWED = {
    'core': {'core'},
    'domain': {'core', 'domain'},
    'batch': {'core', 'batch', 'sandbox'},
    'common': {'core'},
    'action': {'common', 'domain'},
    'tool': {'core', 'domain', 'batch', 'common', 'sandbox'},
    'sandbox': {'sandbox'},
    'panel': {'core', 'batch', 'panel', 'sandbox', 'domain'},
    'package': set(),
}


def module_name(path: Path) -> str:
    relative = path.relative_to(PACKAGE.parent).with_suffix('')
    return '.'.join(relative.parts).removesuffix('.__init__')


def imported(path: Path) -> list[tuple[int, str]]:
    """(line, dotted name) of every module imported by ``path``, function-level imports included."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding='utf-8'))):
        if isinstance(node, ast.Import):
            names += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append((node.lineno, node.module))
            if node.module == 'transformacion':
                names += [(node.lineno, f'transformacion.{alias.name}') for alias in node.names]
    return [(line, name) for line, name in names if name.startswith('transformacion')]


MODULES = sorted(p for p in PACKAGE.rglob('*.py') if '__pycache__' not in p.parts)


@pytest.mark.parametrize('path', MODULES, ids=lambda p: module_name(p))
def test_each_module_imports_only_the_layers_below_it(path):
    source = layer(module_name(path))
    assert source != 'unknown', f'{module_name(path)} no pertenece a ninguna capa de ARCHITECTURE.md'
    wrong = [
        f'línea {line}: {name} ({layer(name)})'
        for line, name in imported(path)
        if layer(name) != 'package' and layer(name) not in ALLOWED[source]
    ]
    assert not wrong, f'{module_name(path)} ({source}) importa: ' + '; '.join(wrong)


def test_the_package_root_shows_what_an_operator_runs():
    files = {p.stem for p in PACKAGE.glob('*.py')}
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != '__pycache__'}
    assert files == set(ACTION_NAMES) | set(RENAMED_ACTIONS) | TOOLS | {'common', '__init__'}
    assert folders == {'core', 'domain', 'batch', 'sandbox', 'panel'}


def test_the_rule_checker_sees_a_forbidden_import(tmp_path):
    offending = tmp_path / 'mod.py'
    offending.write_text('def f():\n    from transformacion.alta_usuario import ACTION\n', encoding='utf-8')
    assert imported(offending) == [(2, 'transformacion.alta_usuario')]
    assert layer('transformacion.alta_usuario') not in ALLOWED['domain']
