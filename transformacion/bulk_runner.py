"""Bulk runner: ``python -m transformacion.bulk_runner --action A --csv FILE [--global FILE]`` runs one action over
every row of a CSV as a resumable batch (see ``transformacion.batch``): everything is validated before any write, then
run in concurrent chunks with row retries, timeouts and a SQLite checkpoint (``--resume``, ``--retry-failed``).
Exit codes: ``transformacion.batch.options.EXIT_CODES``.
"""

from __future__ import annotations

import sys
from typing import Any

from transformacion.batch.options import (
    EXIT_HELP,
    Batch,
    NotStarted,
    OptionsParser,
    add_input_options,
    add_org_options,
    add_run_options,
    batch_from_csv,
    input_options,
)
from transformacion.core.catalog import Catalog
from transformacion.core.cli import command_parser, end_process, invocation_from

SCRIPT = 'bulk_runner'


def _parser() -> OptionsParser:
    parser = command_parser(
        SCRIPT,
        'Ejecuta una acción sobre todas las filas de un CSV: valida todo antes de escribir, bloques concurrentes,\n'
        'reintentos, timeouts y un punto de control SQLite reanudable.',
        EXIT_HELP,
        parser_class=OptionsParser,
    )
    parser.add_argument('--action', help='acción a ejecutar (python -m transformacion las lista)')
    parser.add_argument(
        '--csv',
        action='append',
        help='CSV del dataset de la acción (una fila por entidad), o un libro .xlsx (la hoja del dataset); repetido, '
        'uno por organización cliente (una ejecución por organización y un resumen combinado)',
    )
    parser.add_argument(
        '--global',
        dest='global_csv',
        action='append',
        help='global.csv opcional: una fila de valores comunes (con varios --csv: uno para todos o uno por --csv)',
    )
    add_input_options(parser)
    add_run_options(parser)
    add_org_options(parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    if argv is None:  # the command line (console script, python -m): the process ends with the run
        return end_process(main(sys.argv[1:]))
    argv = list(argv)
    args = _parser().parse_args(argv)

    def csv_batch(
        csv_file: str | None,
        global_csv: str | None,
        catalog: Catalog,
        reading: dict[str, Any],
        notices: list[str] | None = None,
    ) -> Batch:
        return batch_from_csv(
            args.action,
            csv_file,
            global_csv,
            catalog=catalog,
            dry_run=args.dry_run,
            skip_invalid=args.skip_invalid,
            chunk_size=args.chunk_size,
            reading=reading,
            notices=notices,
        )

    # the engine (HTTP client, SQLite) is imported only to run, never for --help
    from transformacion.batch.orgs import OrgInput, org_inputs, run_orgs, wants_orgs
    from transformacion.batch.report import emit_run, not_started
    from transformacion.batch.run import run_command
    from transformacion.domain.resources import org_findings

    try:
        inputs = org_inputs(args.csv or [], args.env_file, args.global_csv, sandbox=args.sandbox)
    except NotStarted as exc:
        return emit_run(
            SCRIPT, invocation_from(argv), not_started(str(exc)), json_out=args.json or not sys.stdout.isatty()
        )

    def org_batch(item: OrgInput, catalog: Catalog, reading: dict[str, Any], notices: list[str] | None) -> Batch:
        return csv_batch(item.path, item.global_csv, catalog, reading, notices)

    if wants_orgs(args, inputs, org_batch):
        return run_orgs(SCRIPT, args, argv, inputs, org_batch, org_check=org_findings)
    first = inputs[0] if inputs else OrgInput('', (args.global_csv or [None])[0])
    return run_command(
        SCRIPT,
        args,
        argv,
        lambda catalog: csv_batch(first.path or None, first.global_csv, catalog, input_options(args)),
        org_check=org_findings,
    )


if __name__ == '__main__':
    raise SystemExit(main())
