"""``--help`` of every entry point (the catalogue, each action, each tool) starts without the engine's heavy
imports: the stored text (quick help, served at any terminal width) is exactly what the script's parser prints, and
neither the quick path nor the parser's own path imports requests, wxc_sdk, pydantic or openpyxl."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import transformacion
from tests.support.quick_help import HELP_DIR, SCRIPT_NAMES, module_of, rendered_help
from transformacion.core.renamed import RENAMED_ACTIONS, renamed_notice

HEAVY = ('requests', 'wxc_sdk', 'pydantic', 'openpyxl')


def imported_modules(*command: str, columns: int) -> tuple[str, set[str]]:
    """(stdout, every module imported) of ``python <command>`` at a terminal width of ``columns``."""
    env = {k: v for k, v in os.environ.items() if k != 'COLUMNS'} | {'COLUMNS': str(columns)}
    answer = subprocess.run(
        [sys.executable, '-X', 'importtime', *command], capture_output=True, text=True, env=env, check=True
    )
    names = {line.rpartition('|')[2].strip() for line in answer.stderr.splitlines() if line.startswith('import time:')}
    return answer.stdout, names


def test_only_the_entry_points_have_a_stored_help():
    assert {path.stem for path in HELP_DIR.glob('*.txt')} == set(SCRIPT_NAMES)


@pytest.mark.parametrize('script', SCRIPT_NAMES)
def test_the_stored_help_is_what_the_parser_prints(script):
    stored = (HELP_DIR / f'{script}.txt').read_text(encoding='utf-8')
    assert stored == rendered_help(script), 'run: python -m tests.support.quick_help'


@pytest.mark.parametrize('script', SCRIPT_NAMES)
def test_help_imports_neither_the_http_client_nor_the_sdk(script):
    module = module_of(script)
    for columns in (80, 123):
        quick, quick_imports = imported_modules('-m', module.removesuffix('.__main__'), '--help', columns=columns)
        assert quick == (HELP_DIR / f'{script}.txt').read_text(encoding='utf-8')
        assert not quick_imports & {'transformacion.core', 'argparse', *HEAVY}
    parser = f'import contextlib, {module} as m\nwith contextlib.suppress(SystemExit): m.main(["--help"])'
    full, full_imports = imported_modules('-c', parser, columns=123)
    assert full.startswith('usage: python -m transformacion') and 'argparse' in full_imports
    assert not full_imports & set(HEAVY)


@pytest.mark.parametrize('old', sorted(RENAMED_ACTIONS))
def test_an_old_action_name_answers_its_help_from_the_current_actions_stored_text(old):
    env = {k: v for k, v in os.environ.items() if k != 'COLUMNS'}
    command = [sys.executable, '-X', 'importtime', '-m', f'transformacion.{old}', '--help']
    quick = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    imported = {
        line.rpartition('|')[2].strip() for line in quick.stderr.splitlines() if line.startswith('import time:')
    }
    notice = [line for line in quick.stderr.splitlines() if not line.startswith('import time:')]

    assert transformacion.RENAMED == RENAMED_ACTIONS
    assert quick.stdout == (HELP_DIR / f'{RENAMED_ACTIONS[old]}.txt').read_text(encoding='utf-8') == rendered_help(old)
    assert notice == [renamed_notice(old)]
    assert not imported & {'transformacion.core', 'argparse', *HEAVY}
