"""Actions and columns that were renamed, and the aliases that keep their old names working.

Issue 20: the LLD and the v21 scripts call "intercom" a secondary number of a person or workspace, while our first
intercom actions set Webex Calling Push-to-Talk. Those became ``configurar_push_to_talk_*`` with ``push_to_talk_*``
columns; operators, runbooks and scripts that still say ``configurar_intercom_*`` (command, console script,
``--actions``, ``--action``) or ``intercom_*`` (columns, options) keep working, and every use says it was renamed.
Old columns in a CSV are read through the built-in column profile ``renombradas`` (``core/profiles``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable

#: old action name -> current name
RENAMED_ACTIONS = {
    'configurar_intercom_usuario': 'configurar_push_to_talk_usuario',
    'configurar_intercom_workspace': 'configurar_push_to_talk_workspace',
}
#: old column (and option, with '-') -> current column
RENAMED_COLUMNS = {
    'intercom_connection_type': 'push_to_talk_connection_type',
    'intercom_auto_answer': 'push_to_talk_auto_answer',
    'intercom_access_type': 'push_to_talk_access_type',
    'intercom_members': 'push_to_talk_members',
}


def renamed_notice(old: str) -> str:
    """The operator's notice for an old action name."""
    return f'aviso: la acción {old} se llama ahora {RENAMED_ACTIONS[old]} (Push-to-Talk); use el nombre nuevo'


def current_names(names: Iterable[str], warn: Callable[[str], None] | None = None) -> list[str]:
    """``names`` with every old action name replaced by the current one; ``warn`` (stderr by default) gets one
    notice per old name."""
    warn = warn or (lambda text: print(text, file=sys.stderr))
    current = []
    for name in names:
        if name in RENAMED_ACTIONS:
            warn(renamed_notice(name))
            name = RENAMED_ACTIONS[name]
        current.append(name)
    return current


def current_argv(argv: list[str]) -> list[str]:
    """Command-line arguments with the old ``--intercom-*`` options spelt as the current ones (``--opt value`` and
    ``--opt=value``)."""
    options = {f'--{old.replace("_", "-")}': f'--{new.replace("_", "-")}' for old, new in RENAMED_COLUMNS.items()}
    current = []
    for arg in argv:
        option, sep, value = arg.partition('=')
        current.append(options.get(option, option) + sep + value if option in options else arg)
    return current


def renamed_main(old: str) -> Callable[[list[str] | None], int]:
    """``main`` of an old action name: the notice on stderr, then the current action with the arguments as given
    (old options translated)."""

    def main(argv: list[str] | None = None) -> int:
        from transformacion.core.catalog import action_module

        print(renamed_notice(old), file=sys.stderr)
        module = action_module(RENAMED_ACTIONS[old])
        return module.main(current_argv(sys.argv[1:] if argv is None else list(argv)))

    return main
