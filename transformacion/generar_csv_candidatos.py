"""Export the current Webex Calling state of an organisation as a launcher input folder (global.csv,
ubicaciones.csv, usuarios.csv, workspaces.csv): ready to edit and re-apply, and re-applied as it is, every row is
``skipped``. ``--candidates`` lists instead the people and workspaces not yet enabled for Webex Calling, as rows to
fill in. Reads only; what is read and how: ``transformacion.domain.export``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from transformacion.core.catalog import DATASETS, GLOBAL_CSV
from transformacion.core.cli import (
    DEFAULT_BASE_URL,
    Reply,
    add_connection_options,
    capture,
    command_parser,
    connection_from,
    emit,
    invocation_from,
    org_id_from,
)
from transformacion.core.client import create_api, load_runtime_env
from transformacion.core.columns import GLOBAL, TABLE_FILES
from transformacion.core.context import Context
from transformacion.core.csvfiles import write_csv
from transformacion.core.evidence import ActionLog, action_logger, logging_to
from transformacion.core.outcome import Rejected
from transformacion.core.retry import RetryPolicy
from transformacion.core.workbook import Sheet, is_workbook, write_workbook
from transformacion.domain.export import Dataset, columns_not_exported, export, global_row

SCRIPT = 'generar_csv_candidatos'
DEFAULT_CONCURRENCY = 8
#: Notes kept in the result object (all of them go to the evidence log).
NOTES_IN_RESULT = 200

DESCRIPTION = f"""\
Lee una organización (el sandbox o una real) y escribe en --output_dir la carpeta de entrada del launcher:
{GLOBAL_CSV} y {', '.join(DATASETS.values())}, separados por ';' y en UTF-8 con BOM (Excel los abre tal cual);
con --xlsx (o una salida .xlsx), un libro de Excel con una hoja por dataset y columnas de texto. Un dataset sin
filas no se escribe, ni {GLOBAL_CSV} si ningún valor es común.
Columnas: las declaradas por las acciones ready de cada dataset. Cada valor reproduce el estado actual tal como
lo leen las acciones, así que lanzar el launcher sobre la exportación deja todo en skipped, sin escrituras. Una
columna que no se puede exportar fielmente queda vacía (vacío = no se aplica) y el resultado dice por qué.
Los valores iguales en todas las filas pasan a {GLOBAL_CSV}.

--candidates: en vez del estado, las personas y workspaces que aún no tienen Webex Calling, con sus columnas clave
rellenas y las de llamada vacías, para completarlas.

Solo lecturas. Evidencia de cada llamada en <log dir>/{SCRIPT}/."""


def _write(path: Path, columns: list[str], rows: list[dict[str, str]]) -> None:
    """One launcher CSV, cells as exported (the launcher refuses formulas on the way back in)."""
    write_csv(path, columns, ([row.get(column, '') for column in columns] for row in rows), protect=False)


def _tables(datasets: list[Dataset], common: dict[str, str]) -> dict[str, tuple[list[str], list[dict[str, str]]]]:
    """What is written, by dataset (``global`` first): the datasets with rows, and the global row when there are
    shared values. A dataset without rows is not written: an empty file would make the launcher believe the export
    went wrong, and there is nothing to apply."""
    tables = {GLOBAL: (list(common), [common])} if common else {}
    by_file = {file: dataset for dataset, file in DATASETS.items()}
    tables.update({by_file[d.file]: (d.columns, d.rows) for d in datasets if d.rows})
    return tables


def generate(args: argparse.Namespace, invocation: dict[str, Any], log: ActionLog, ctx: Context) -> Reply:
    """Read the org, write the launcher folder (or workbook) ``args.output_dir`` and say what was exported and what
    was not. Rejected for a bad ``--concurrency``, files in the way (without ``--force``) or no token."""
    output = Path(args.output_dir)
    workbook = args.xlsx or is_workbook(output)
    if workbook and not is_workbook(output):
        output = output.with_suffix('.xlsx')
    if args.concurrency < 1:
        raise Rejected('--concurrency debe ser un entero positivo')
    launcher_files = [output] if workbook else [output / file for file in TABLE_FILES.values()]
    existing = [str(path) for path in launcher_files if path.exists()]
    if existing and not args.force:
        raise Rejected(f'ya existen {", ".join(existing)}; use --force para sobrescribirlos u otra carpeta')
    token, base_url = connection_from(args)
    invocation['base_url'] = base_url or DEFAULT_BASE_URL
    with logging_to(log):
        log.event('request', {'kind': 'export', **invocation})
        api = create_api(token, base_url, concurrency=args.concurrency, timeout=ctx.policy.timeout)
        datasets, reader = export(
            api, ctx, locations=args.location, candidates=args.candidates, concurrency=args.concurrency
        )
    common = global_row(datasets, share=not args.candidates)
    tables = _tables(datasets, common)
    if workbook and tables:
        write_workbook(
            output, [Sheet(name, columns, _cells(columns, rows)) for name, (columns, rows) in tables.items()]
        )
        written = [output]
    else:
        written = [output / TABLE_FILES[name] for name in tables]
        for name, (columns, rows) in tables.items():
            _write(output / TABLE_FILES[name], columns, rows)
    for stale in set(launcher_files) - set(written):
        stale.unlink(missing_ok=True)
    reader.notes.sort(key=lambda note: (note['file'], note['entity'], note['columns']))
    for note in reader.notes:
        log.event('response', {'kind': 'not_exported', **note})
    rows = {dataset.file: len(dataset.rows) for dataset in datasets}
    result = {
        'output_dir': str(output),
        'files': [str(path) for path in written],
        'rows': rows,
        'global_values': common,
        'columns_not_exported': columns_not_exported(datasets),
        'not_exported': reader.notes[:NOTES_IN_RESULT],
        'not_exported_total': len(reader.notes),
    }
    what = 'candidatos exportados' if args.candidates else 'estado actual exportado'
    message = f'{what} en {output}: ' + ', '.join(f'{f} {n} fila(s)' for f, n in rows.items())
    empty = [dataset.file for dataset in datasets if not dataset.rows]
    if empty:
        message += f'; sin filas, no se escribe{"n" if len(empty) > 1 else ""}: {", ".join(empty)}'
    if reader.notes:
        message += f'; {len(reader.notes)} valor(es) no exportables quedan vacíos (vea result.not_exported)'
    if args.candidates and args.location:
        message += '; las personas sin Webex Calling no tienen ubicación: se listan todas'
    preview = '\n'.join(f'  vacío: {line}' for line in reader_notes_preview(result))
    if not written:
        return Reply('skipped', f'nada que exportar: {message}', result, text=preview)
    return Reply('executed', message, result, text=preview)


def _cells(columns: list[str], rows: list[dict[str, str]]) -> list[list[str]]:
    return [[row.get(column, '') for column in columns] for row in rows]


def _parser() -> argparse.ArgumentParser:
    parser = command_parser(
        SCRIPT, DESCRIPTION, '0 exportado, 2 rechazado (opciones o ubicación desconocida), 1 error de la API.'
    )
    parser.add_argument(
        '--output_dir',
        '--output-dir',
        dest='output_dir',
        required=True,
        help='carpeta de salida, o un libro de Excel si termina en .xlsx',
    )
    parser.add_argument(
        '--xlsx',
        action='store_true',
        help='escribe un libro de Excel (una hoja por dataset, columnas de texto) en vez de CSV',
    )
    parser.add_argument(
        '--location',
        action='append',
        default=[],
        metavar='NOMBRE',
        help='solo esta ubicación (nombre o id), sus usuarios y workspaces; repetible',
    )
    parser.add_argument(
        '--candidates',
        action='store_true',
        help='personas y workspaces sin Webex Calling, como filas para completar (usuarios.csv, workspaces.csv)',
    )
    parser.add_argument(
        '--force',
        action='store_true',
        help='sobrescribe los CSV que ya existan en la carpeta (y borra el ubicaciones.csv anterior con --candidates)',
    )
    parser.add_argument(
        '--concurrency',
        type=int,
        default=DEFAULT_CONCURRENCY,
        help=f'entidades leídas a la vez (por defecto {DEFAULT_CONCURRENCY})',
    )
    add_connection_options(parser.add_argument_group('conexión y registro'))
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(argv)
    started = time.monotonic()
    load_runtime_env()
    invocation = invocation_from(
        argv, output_dir=str(Path(args.output_dir)), locations=args.location, candidates=args.candidates
    )
    log = action_logger(SCRIPT, log_dir=args.log_dir)
    ctx = Context(log=log, policy=RetryPolicy.from_env(), org_id=org_id_from(args))
    reply = capture(SCRIPT, lambda: generate(args, invocation, log, ctx), log=log)
    return emit(SCRIPT, invocation, reply, log=log, started=started)


def reader_notes_preview(result: dict[str, Any], limit: int = 20) -> list[str]:
    """The first notes of the result, one line each, for stderr."""
    notes = result.get('not_exported') or []
    lines = [f'{n["file"]} {n["entity"]} [{n["columns"]}]: {n["why"]}' for n in notes[:limit]]
    if len(notes) > limit:
        lines.append(f'… y {result.get("not_exported_total", len(notes)) - limit} más (vea result.not_exported)')
    return lines


if __name__ == '__main__':
    raise SystemExit(main())
