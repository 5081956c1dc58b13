"""transformacion: Webex Calling provisioning, one script per action, a CSV launcher and a bulk runner.

Quick ``--help``: ``python -m transformacion.<script> --help`` (or ``-h``, or the console script ``<script> --help``)
prints the script's help from ``core/help/<script>.txt`` before the script's own imports run, so that it starts about as
fast as ``python -c pass`` instead of importing the engine to build the parser. The texts are argparse's own output
at an 80-column width (what argparse uses when stdout is not a terminal and COLUMNS is unset), served at any terminal
width so that every operator gets the fast path. ``tests/test_quick_help.py`` checks that every text is what the
parser prints (``python -m tests.support.quick_help`` rewrites them).
"""

import os as _os
import sys as _sys

#: argparse's width for the stored texts (``shutil.get_terminal_size`` falls back to 80 columns)
HELP_COLUMNS = 80


def _script_name() -> str | None:
    """The entry point this process was started as (``alta_usuario``, ``transformacion`` for the catalogue), when it
    was asked only for its help; else None."""
    if _sys.argv[1:] not in (['--help'], ['-h']):
        return None
    argv = getattr(_sys, 'orig_argv', [])
    if _sys.argv[0] == '-m' and '-m' in argv[:-1]:
        module = argv[argv.index('-m') + 1]
        if module == 'transformacion':
            return 'transformacion'
        return module.removeprefix('transformacion.') if module.startswith('transformacion.') else None
    return _os.path.basename(_sys.argv[0]) or None


#: old action name -> current name, as ``core.renamed.RENAMED_ACTIONS`` (which tests/test_quick_help.py compares):
#: the old name's help is the current action's, after the notice that it was renamed
RENAMED = {
    'configurar_intercom_usuario': 'configurar_push_to_talk_usuario',
    'configurar_intercom_workspace': 'configurar_push_to_talk_workspace',
}


def _quick_help() -> None:
    name = _script_name()
    if name is None or '.' in name or _os.sep in name:
        return
    current = RENAMED.get(name, name)
    try:
        with open(_os.path.join(_os.path.dirname(__file__), 'core', 'help', f'{current}.txt'), encoding='utf-8') as f:
            text = f.read()
    except OSError:
        return
    if current != name:  # core.renamed.renamed_notice
        print(f'aviso: la acción {name} se llama ahora {current} (Push-to-Talk); use el nombre nuevo', file=_sys.stderr)
    _sys.stdout.write(text)
    _sys.stdout.flush()
    raise SystemExit(0)


_quick_help()
