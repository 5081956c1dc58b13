"""The launcher's menu on a terminal, as the v21 launcher V2 offered it (``v2_launcher_csv_dependencias``: actions by
letter, single or bulk mode, a summary of files and actions, a confirmation): only when stdin is a terminal and no
``--actions`` were given; on a pipe nothing is asked and the launcher does what its options say.

Prompts and the summary go to stderr (stdout carries the result object). Answers: letters separated by commas or
blanks (``a,c`` or ``a c``), Enter or ``todas`` for every action listed; ``1``/``single`` or ``2``/``bulk`` (Enter:
bulk); in single mode the row (Enter: 1); ``s``/``si`` confirms, anything else cancels (NotStarted: nothing runs).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from transformacion.batch.options import NotStarted
from transformacion.core.catalog import DATASETS, Catalog, dataset_columns, plan
from transformacion.core.columns import GLOBAL, InputError, ProfileError, discover, load_profile

YES = ('s', 'si', 'sí', 'y', 'yes')
ALL = ('', 'todas', 'todo', '*')
#: Wrong answers to one question before the menu gives up.
ATTEMPTS = 3


@dataclass(frozen=True)
class Choice:
    """What the operator chose: the actions (comma separated, as ``--actions``) and the row of single mode."""

    actions: str
    row: int | None


def wanted(args: Any) -> bool:
    """Whether the launcher shows the menu: stdin is a terminal, no ``--actions``, a new run (not a resume) of one
    input (several inputs are several customer orgs: their actions are chosen with ``--actions``)."""
    continuing = getattr(args, 'resume', None) or getattr(args, 'retry_failed', None)
    one_input = len(args.input_dir or ()) == 1
    return not args.actions and not continuing and one_input and sys.stdin.isatty()


def _tables(folder: str, catalog: Catalog, reading: dict[str, Any]) -> dict[str, Any]:
    column_map = None
    if reading.get('column_map'):
        try:
            column_map = load_profile(reading['column_map'])
        except ProfileError:
            column_map = None
    try:
        found, _ = discover(folder, dataset_columns(catalog), column_map=column_map)
    except InputError:
        return {}
    return found


def _rows(table: Any) -> int | str:
    try:
        return sum(1 for _ in table.rows())
    except Exception:  # noqa: BLE001 - a summary line: the batch reports the real problem
        return '?'


def choose(
    folder: str,
    catalog: Catalog,
    *,
    reading: dict[str, Any] | None = None,
    dry_run: bool = False,
    ask: Callable[[str], str] | None = None,
    out: TextIO | None = None,
) -> Choice:
    """Ask for the actions (by letter), the mode and the row, show the summary and ask for confirmation.

    ``ask(prompt)`` returns the answer (default: the prompt on ``out``, a line of stdin; end of input cancels).
    NotStarted when the operator cancels or answers wrongly ``ATTEMPTS`` times; an input without datasets is left
    to the launcher, which names what is missing."""
    out = out or sys.stderr

    def default_ask(prompt: str) -> str:
        print(prompt, end='', file=out, flush=True)
        line = sys.stdin.readline()
        if not line:
            raise NotStarted('menú cancelado (fin de la entrada): no se ejecuta nada')
        return line.strip()

    ask = ask or default_ask
    found = _tables(folder, catalog, dict(reading or {}))
    present = {dataset for dataset in found if dataset != GLOBAL}
    offered = [name for name, (action, _) in catalog.items() if action.ready and action.domain in present]
    if not offered:
        return Choice('', None)
    letters = {chr(ord('a') + index): name for index, name in enumerate(offered)}
    print(f'=== transformacion: acciones para {folder} ===', file=out)
    for letter, name in letters.items():
        action = catalog[name][0]
        print(f'{letter}) {name}  [{DATASETS[action.domain]}] {action.summary}', file=out)

    def question(prompt: str, parse: Callable[[str], Any]) -> Any:
        for _ in range(ATTEMPTS):
            answer = ask(prompt)
            try:
                return parse(answer.strip().lower())
            except ValueError as exc:
                print(f'  {exc}', file=out)
        raise NotStarted('menú: demasiadas respuestas no válidas; no se ejecuta nada')

    def parse_letters(answer: str) -> list[str]:
        if answer in ALL:
            return offered
        picked = [part for part in answer.replace(',', ' ').split() if part]
        unknown = [part for part in picked if part not in letters]
        if unknown:
            raise ValueError(f'letra no válida: {", ".join(unknown)}; elija entre {", ".join(letters)}')
        return [letters[part] for part in dict.fromkeys(picked)]

    def parse_mode(answer: str) -> str:
        mode = {'': 'bulk', '1': 'single', 'single': 'single', '2': 'bulk', 'bulk': 'bulk'}.get(answer)
        if mode is None:
            raise ValueError('responda 1 (single) o 2 (bulk)')
        return mode

    def parse_row(answer: str) -> int:
        if answer == '':
            return 1
        if not answer.isdigit() or int(answer) < 1:
            raise ValueError('la fila es un número desde 1 (la primera tras la cabecera)')
        return int(answer)

    last = chr(ord('a') + len(offered) - 1)
    chosen = question(f'Acciones [a..{last}, separadas por comas; Enter: todas]: ', parse_letters)
    mode = question('Modo: 1) single (una fila de cada fichero)  2) bulk (todas las filas) [2]: ', parse_mode)
    row = question('Fila [1]: ', parse_row) if mode == 'single' else None
    ordered = [action.name for _, actions in plan(chosen, catalog) for action in actions]
    print('Resumen:', file=out)
    for dataset, item in sorted(found.items(), key=lambda pair: pair[0] != GLOBAL):
        used = dataset == GLOBAL or any(catalog[name][0].domain == dataset for name in ordered)
        mark = '' if used else ' (no la usa ninguna acción elegida)'
        print(f'  {Path(item.table.path).name}: {_rows(item.table)} fila(s){mark}', file=out)
    print(f'  acciones, en este orden: {", ".join(ordered)}', file=out)
    print(f'  modo: {"single, fila " + str(row) if row else "bulk (todas las filas)"}', file=out)
    if dry_run:
        print('  --dry-run: solo lee Webex y enseña las llamadas', file=out)
    if ask('¿Confirmar ejecución? [s/N]: ').strip().lower() not in YES:
        raise NotStarted('cancelado por el operador: no se ejecuta nada')
    return Choice(','.join(ordered), row)
