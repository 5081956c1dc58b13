"""The parameters of the actions, straight from their declarations (table, JSON or Markdown), and an offline
preflight of a launcher input folder: every problem of every CSV at once, with the launcher's own validation.

No API call and no token: the preflight only reads the CSVs.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from transformacion.batch import validation
from transformacion.batch.options import NotStarted, add_input_options, batch_from_folder, input_options
from transformacion.core.catalog import ACTION_NAMES, actions, load_catalog
from transformacion.core.cli import Reply, capture, command_parser, emit, invocation_from
from transformacion.core.params import Action, Param, describe_rules
from transformacion.core.renamed import current_names

SCRIPT = 'inspeccionar_parametros'
FORMATS = ('table', 'json', 'markdown')
MANDATORY_START = '<!-- mandatory:start -->'
MANDATORY_END = '<!-- mandatory:end -->'
_TASK_WORDS = {'pending': 'se ejecutarían', 'skipped': 'no aplican', 'rejected': 'rechazadas'}

DESCRIPTION = """\
Muestra los parámetros de una acción (--action) o de todas: nombre, tipo, si es obligatorio, columna CSV, valor por
defecto, valores permitidos, de qué acción depende y si la acción es de alto impacto; como tabla, JSON o Markdown
(--format). --mandatory deja solo los obligatorios (la tabla del runbook).

Con --input_dir DIR valida la carpeta del launcher sin red ni token (preflight): global.csv (opcional) y cada
dataset contra las declaraciones, con la misma validación que el launcher, y lista todos los problemas a la vez
(fichero, fila, columna, valor, motivo). DIR también puede ser un libro de Excel (una hoja por dataset), una carpeta
v21 o una exportación de usuarios de Control Hub (se reconocen y se dice cómo se leen sus columnas)."""


# --------------------------------------------------------------------------- the declarations as data


def describe_param(param: Param) -> dict[str, Any]:
    return {
        'name': param.name,
        'flag': param.flag,
        'type': param.type.name,
        'required': param.required,
        'csv_column': param.csv_column,
        'default': param.default,
        'choices': list(param.choices),
        'depends_on': param.depends_on,
        'key': param.key,
        'help': param.help,
    }


def describe(action: Action, *, mandatory: bool = False) -> dict[str, Any]:
    params = [p for p in action.params if p.required or not mandatory]
    return {
        'action': action.name,
        'dataset': action.dataset,
        'status': action.status,
        'high_impact': action.high_impact,
        'depends_on': list(action.depends_on),
        'rules': describe_rules(action),
        'summary': action.summary,
        'params': [describe_param(p) for p in params],
    }


def _yes(value: bool) -> str:
    return 'sí' if value else 'no'


def _flat_rows(items: list[dict[str, Any]]) -> list[list[str]]:
    rows = []
    for item in items:
        for p in item['params']:
            rows.append(
                [
                    item['action'],
                    p['name'] + (' (clave)' if p['key'] else ''),
                    p['type'],
                    _yes(p['required']),
                    p['csv_column'],
                    '' if p['default'] is None else str(p['default']),
                    ', '.join(p['choices']),
                    p['depends_on'] or '',
                    _yes(item['high_impact']),
                ]
            )
    return rows


HEADER = [
    'acción',
    'parámetro',
    'tipo',
    'obligatorio',
    'columna CSV',
    'defecto',
    'valores',
    'depende de',
    'alto impacto',
]


def render_table(items: list[dict[str, Any]]) -> str:
    rows = [HEADER, *_flat_rows(items)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER))]
    return '\n'.join('  '.join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows)


def _md(text: str) -> str:
    return text.replace('|', '\\|')


def render_markdown(items: list[dict[str, Any]]) -> str:
    lines = ['| ' + ' | '.join(HEADER) + ' |', '|' + ' --- |' * len(HEADER)]
    for row in _flat_rows(items):
        cells = [f'`{row[0]}`', f'`{row[1]}`', *row[2:4], f'`{row[4]}`', *row[5:]]
        lines.append('| ' + ' | '.join(_md(cell) if cell else '-' for cell in cells) + ' |')
    return '\n'.join(lines)


def render_mandatory(items: list[Action]) -> str:
    """The runbook's table: per action its dataset, status, high impact, required CSV columns (type) and the actions
    that must have run before. Kept in docs/runbook.md between the mandatory markers (a test checks it)."""
    lines = [
        '| acción | dataset | estado | alto impacto | columnas obligatorias (tipo) | requiere antes |',
        '| --- | --- | --- | --- | --- | --- |',
    ]
    for action in items:
        required = ', '.join(f'`{p.csv_column}` ({p.type.name})' for p in action.required) or '-'
        before = ', '.join(f'`{name}`' for name in action.depends_on) or '-'
        lines.append(
            f'| `{action.name}` | {action.dataset} | {action.status} | {_yes(action.high_impact)} | {required} | '
            f'{before} |'
        )
    return '\n'.join(lines)


def render(items: list[dict[str, Any]], fmt: str) -> str:
    if fmt == 'json':
        return json.dumps(items, ensure_ascii=False, indent=2, default=str)
    return render_markdown(items) if fmt == 'markdown' else render_table(items)


# --------------------------------------------------------------------------- preflight


def preflight(folder: str | Path, selection: str | None, reading: dict[str, Any] | None = None) -> dict[str, Any]:
    """Validate a launcher folder (or workbook) offline with the launcher's own validation:
    ``{actions, problems, lines, tasks, notices}``.

    ``problems`` are ``{file, row, column, value, why}`` (row None for a file-level problem); ``lines`` the same
    problems as the launcher prints them; ``tasks`` counts per action what a run would do with each row
    (pending = would run, skipped = does not apply, rejected); ``notices`` how the inputs are read (format
    recognised, mapped and ignored columns, normalised values). ``reading``: the input options
    (``batch.options.input_options``). Validated as with --skip-invalid, so that the valid rows still count as
    runnable.
    """
    catalog = load_catalog()
    notices: list[str] = []
    try:
        batch = batch_from_folder(
            folder, selection, catalog=catalog, skip_invalid=True, reading=reading, notices=notices
        )
    except NotStarted as exc:
        problem = {'file': str(folder), 'row': None, 'column': '', 'value': '', 'why': str(exc)}
        return {'actions': [], 'problems': [problem], 'lines': [f'{folder}: {exc}'], 'tasks': {}, 'notices': notices}
    found = validation.preflight(batch, catalog)
    return {
        'actions': list(batch.actions),
        'problems': [asdict(problem) for problem in found.problems],
        'lines': found.lines,
        'tasks': found.tasks,
        'notices': notices,
    }


# --------------------------------------------------------------------------- command line


def _parser() -> argparse.ArgumentParser:
    parser = command_parser(
        SCRIPT,
        DESCRIPTION,
        '0 sin problemas, 2 problemas en la carpeta o acción desconocida. La tabla (o los problemas) va a stderr.',
    )
    parser.add_argument(
        '--action',
        action='append',
        default=[],
        metavar='NOMBRE',
        help='solo esta acción (repetible); en el preflight, las acciones a validar (por defecto las del launcher)',
    )
    parser.add_argument('--format', choices=FORMATS, default='table', help='formato de la lista de parámetros')
    parser.add_argument('--mandatory', action='store_true', help='solo los parámetros obligatorios')
    parser.add_argument('--output', help='escribe también la lista (o los problemas) en este fichero')
    parser.add_argument(
        '--input_dir',
        '--input-dir',
        dest='input_dir',
        help='carpeta (o libro .xlsx) del launcher que validar sin red (preflight)',
    )
    add_input_options(parser, results=False)
    parser.add_argument('--org-id', dest='org_id', help='organización destino, para las columnas org_id de v21')
    return parser


def inspect(
    names: list[str],
    fmt: str,
    *,
    mandatory: bool = False,
    input_dir: str | None = None,
    output: str | None = None,
    reading: dict[str, Any] | None = None,
) -> Reply:
    """The declarations of ``names`` (every action when empty) rendered in ``fmt``, or the preflight of
    ``input_dir`` (read with the input options ``reading``); the text goes to stderr (and to ``output`` when given).
    Rejected for an unknown action."""
    names = current_names(names)
    unknown = [name for name in names if name not in ACTION_NAMES]
    if unknown:
        status = 'rejected'
        message = f'acción desconocida: {", ".join(unknown)}; acciones: {", ".join(ACTION_NAMES)}'
        result: dict[str, Any] = {'unknown': unknown}
        text = message
    elif input_dir:
        result = preflight(input_dir, ','.join(names) or None, reading)
        count = len(result['problems'])
        status = 'rejected' if count else 'executed'
        message = (
            f'preflight de {input_dir}: {count} problema(s); corríjalos antes de lanzar'
            if count
            else f'preflight de {input_dir}: sin problemas ({len(result["actions"])} acciones)'
        )
        counts = [
            f'  {name}: ' + ', '.join(f'{_TASK_WORDS.get(s, s)} {n}' for s, n in tasks.items())
            for name, tasks in result['tasks'].items()
        ]
        text = '\n'.join([*result['notices'], *(f'  - {line}' for line in result.pop('lines')), *counts, message])
    else:
        chosen = [a for a in actions() if not names or a.name in names]
        if mandatory and fmt == 'markdown':
            text = render_mandatory(chosen)
        else:
            text = render([describe(a, mandatory=mandatory) for a in chosen], fmt)
        result = {'actions': [describe(a, mandatory=mandatory) for a in chosen]}
        status = 'executed'
        message = f'{len(chosen)} acción(es), {sum(len(a["params"]) for a in result["actions"])} parámetro(s)'
    if output:
        Path(output).write_text(text + '\n', encoding='utf-8')
        result['output'] = output
    return Reply(status, message, result, text=text, status_line=False)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(argv)
    started = time.monotonic()
    invocation = invocation_from(argv, actions=args.action, format=args.format, input_dir=args.input_dir)
    reply = capture(
        SCRIPT,
        lambda: inspect(
            args.action,
            args.format,
            mandatory=args.mandatory,
            input_dir=args.input_dir,
            output=args.output,
            reading=input_options(args),
        ),
    )
    return emit(SCRIPT, invocation, reply, started=started)


if __name__ == '__main__':
    raise SystemExit(main())
