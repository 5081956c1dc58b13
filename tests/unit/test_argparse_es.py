"""argparse's own error messages (an option unknown, a required one missing, a value of the wrong type) reach the
operator in Spanish from every entry point: the actions, the tools, the catalogue and the panel."""

from __future__ import annotations

import importlib

import pytest

from transformacion.core.catalog import ACTION_NAMES, TOOL_NAMES

ENGLISH = ('unrecognized arguments', 'the following arguments are required', 'invalid int value', 'invalid choice')
UNKNOWN = '--opcion-que-no-existe'


def _refusal(capsys, module: str, argv: list[str]) -> str:
    main = importlib.import_module(module).main
    try:
        main(argv)
    except SystemExit:
        pass
    captured = capsys.readouterr()
    return captured.out + captured.err


@pytest.mark.parametrize('name', [*ACTION_NAMES, *TOOL_NAMES])
def test_an_unknown_option_is_refused_in_spanish_by_every_action_and_tool(capsys, name):
    said = _refusal(capsys, f'transformacion.{name}', [UNKNOWN])

    assert f'argumentos no reconocidos: {UNKNOWN}' in said or 'faltan argumentos obligatorios: ' in said, said
    assert not any(english in said for english in ENGLISH), said


def test_a_value_of_the_wrong_type_and_a_missing_value_are_refused_in_spanish(capsys):
    said = _refusal(capsys, 'transformacion.launcher_csv_dependencias', ['--concurrency', 'muchas'])
    assert "argumento --concurrency: valor no válido: 'muchas'" in said
    said = _refusal(capsys, 'transformacion.launcher_csv_dependencias', ['--concurrency'])
    assert 'argumento --concurrency: falta su valor' in said


def test_the_catalogue_and_the_panel_refuse_in_spanish(capsys):
    said = _refusal(capsys, 'transformacion.__main__', ['--format', 'xml'])
    assert "argumento --format: valor no válido: 'xml' (elija entre 'table', 'json', 'markdown')" in said
    said = _refusal(capsys, 'transformacion.panel.__main__', ['--port', 'ochenta'])
    assert "argumento --port: valor no válido: 'ochenta'" in said
