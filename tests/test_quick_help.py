"""``--help`` of every entry point (the catalogue, each action, each tool) starts without the engine's heavy
imports: the stored text (quick help, at the stored width) is exactly what the script's parser prints, and neither
the quick path nor the parser's own path (any other width) imports requests, wxc_sdk, pydantic or openpyxl."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.support.quick_help import HELP_DIR, SCRIPT_NAMES, module_of, rendered_help

HEAVY = ('requests', 'wxc_sdk', 'pydantic', 'openpyxl')


def imported_modules(script: str, columns: int) -> tuple[str, set[str]]:
    """(stdout, every module imported) of ``python -m <script> --help`` at a terminal width of ``columns``."""
    env = {k: v for k, v in os.environ.items() if k != 'COLUMNS'} | {'COLUMNS': str(columns)}
    answer = subprocess.run(
        [sys.executable, '-X', 'importtime', '-m', module_of(script).removesuffix('.__main__'), '--help'],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    names = {line.rpartition('|')[2].strip() for line in answer.stderr.splitlines() if line.startswith('import time:')}
    return answer.stdout, names


@pytest.mark.parametrize('script', SCRIPT_NAMES)
def test_the_stored_help_is_what_the_parser_prints(script):
    stored = (HELP_DIR / f'{script}.txt').read_text(encoding='utf-8')
    assert stored == rendered_help(script), 'run: python -m tests.support.quick_help'


@pytest.mark.parametrize('script', SCRIPT_NAMES)
def test_help_imports_neither_the_http_client_nor_the_sdk(script):
    quick, quick_imports = imported_modules(script, 80)
    assert quick == (HELP_DIR / f'{script}.txt').read_text(encoding='utf-8')
    assert not quick_imports & {'transformacion.core', 'argparse', *HEAVY}
    full, full_imports = imported_modules(script, 123)
    assert full.startswith('usage: python -m transformacion') and 'argparse' in full_imports
    assert not full_imports & set(HEAVY)
