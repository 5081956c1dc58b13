"""Bulk runner: ``python -m transformacion.bulk_runner --action A --csv FILE [--global FILE]`` runs one action over
every row of a CSV as a resumable batch (see ``transformacion.batch``): everything is validated before any write, then
run in concurrent chunks with row retries, timeouts and a SQLite checkpoint (``--resume``, ``--retry-failed``).
Exit codes: ``transformacion.batch.options.EXIT_CODES``.
"""

from __future__ import annotations

import sys

from transformacion.batch.options import (
    EXIT_HELP,
    Batch,
    OptionsParser,
    add_input_options,
    add_run_options,
    batch_from_csv,
    input_options,
)
from transformacion.batch.run import run_command
from transformacion.core.catalog import Catalog
from transformacion.core.cli import command_parser
from transformacion.domain.resources import org_findings

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
        '--csv', help='CSV del dataset de la acción (una fila por entidad), o un libro .xlsx (la hoja del dataset)'
    )
    parser.add_argument('--global', dest='global_csv', help='global.csv opcional: una fila de valores comunes')
    add_input_options(parser)
    add_run_options(parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(argv)

    def make_batch(catalog: Catalog) -> Batch:
        return batch_from_csv(
            args.action,
            args.csv,
            args.global_csv,
            catalog=catalog,
            dry_run=args.dry_run,
            skip_invalid=args.skip_invalid,
            chunk_size=args.chunk_size,
            reading=input_options(args),
        )

    return run_command(SCRIPT, args, argv, make_batch, org_check=org_findings)


if __name__ == '__main__':
    raise SystemExit(main())
