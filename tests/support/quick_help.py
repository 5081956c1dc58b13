"""The stored ``--help`` texts of every entry point (``transformacion/core/help/<script>.txt``, served by the package's
quick help): what each script's parser prints at the stored width. ``python -m tests.support.quick_help`` rewrites
them after a change to a parser, a description or an option's help."""

from __future__ import annotations

import contextlib
import importlib
import io
import os
from pathlib import Path

import transformacion
from transformacion.core.catalog import ACTION_NAMES, TOOL_NAMES

HELP_DIR = Path(transformacion.__file__).parent / 'core' / 'help'
#: every entry point: the catalogue (``python -m transformacion``), the actions and the tools
SCRIPT_NAMES = ('transformacion', *ACTION_NAMES, *TOOL_NAMES)


def module_of(script: str) -> str:
    return 'transformacion.__main__' if script == 'transformacion' else f'transformacion.{script}'


def rendered_help(script: str) -> str:
    """What ``<script> --help`` prints through its own parser at the stored width."""
    main = importlib.import_module(module_of(script)).main
    out = io.StringIO()
    previous = os.environ.get('COLUMNS')
    os.environ['COLUMNS'] = str(transformacion.HELP_COLUMNS)
    try:
        with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
            main(['--help'])
    finally:
        if previous is None:
            del os.environ['COLUMNS']
        else:
            os.environ['COLUMNS'] = previous
    return out.getvalue()


def write_all() -> None:
    """Rewrite every stored text and remove those of entry points that no longer have one (a renamed action's old
    name answers through its parser, with the notice that it was renamed)."""
    HELP_DIR.mkdir(exist_ok=True)
    for stale in set(HELP_DIR.glob('*.txt')) - {HELP_DIR / f'{script}.txt' for script in SCRIPT_NAMES}:
        stale.unlink()
    for script in SCRIPT_NAMES:
        (HELP_DIR / f'{script}.txt').write_text(rendered_help(script), encoding='utf-8')


if __name__ == '__main__':
    write_all()
