"""Launcher: ``python -m transformacion.launcher_csv_dependencias --input_dir DIR`` runs the ready actions over
global.csv + ubicaciones.csv/usuarios.csv/workspaces.csv in dependency order, as a resumable batch
(see ``transformacion.batch``).
Exit codes: 0 all ok/skipped, 1 unexpected failure of the launcher itself, 2 batch rejected by validation,
3 partial failure, 4 could not start (bad options, unreachable org, another target on resume included), 5 stopped
cleanly (job timeout, Ctrl-C, SIGTERM), 130 a second Ctrl-C.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from transformacion.batch import menu
from transformacion.batch.options import (
    EXIT_HELP,
    Batch,
    NotStarted,
    OptionsParser,
    add_input_options,
    add_org_options,
    add_run_options,
    batch_from_folder,
    input_options,
)
from transformacion.core.catalog import DATASETS, GLOBAL_CSV, Catalog, load_catalog
from transformacion.core.cli import command_parser, end_process, invocation_from

SCRIPT = 'launcher_csv_dependencias'

DESCRIPTION = f"""\
Ejecuta las acciones sobre una carpeta de CSV: {', '.join(DATASETS.values())} (cada uno opcional, al
menos uno; cada fichero solo con las columnas de su dominio) y, si hay valores comunes a todas las filas, {GLOBAL_CSV}
(una fila). Los nombres de fichero se reconocen sin distinguir mayúsculas. También lee un libro de Excel (.xlsx)
con una hoja por dataset (global, ubicaciones, usuarios, workspaces), la carpeta de entrada de los scripts v21
(Global.csv, Ubicaciones.csv, ...) y la exportación de usuarios de Control Hub: dice qué formato reconoce y cómo lee
cada columna (--column-map para el mapeo propio).

Orden: el de las dependencias declaradas (una ubicación se crea y configura antes que los usuarios y workspaces que
viven en ella; una persona existe antes que sus ajustes). Cada fila se combina con {GLOBAL_CSV} (gana la fila).
Una acción aplica a una fila cuando la fila (con {GLOBAL_CSV}) rellena al menos una de las columnas propias no clave
de la acción (una acción cuyos parámetros son solo claves aplica a todas las filas); si aplica, faltar una columna
obligatoria es un problema de validación; si no aplica, queda skipped con el motivo "no aplica".
Antes de escribir nada se validan todas las filas y se informan todos los problemas; con problemas no se escribe
nada salvo con --skip-invalid. Si el requisito de una fila falla (error, rejected, timeout), sus dependientes quedan
skipped con ese motivo. Una acción en desarrollo se rechaza (rejected) en todas sus filas.

En un terminal y sin --actions (ni --resume), ofrece el menú del launcher v21: las acciones de los datasets de la
carpeta por letra (a, b, ...; varias separadas por comas, Enter: todas), modo single (una fila, la que se pida) o
bulk, y un resumen de ficheros y acciones que confirmar (s/N). Sin terminal (una tubería, cron, CI) no pregunta nada.

Antes de la primera escritura se leen y se muestran el destino (organización, URL base) y el dueño del token; una
ejecución solo se reanuda contra el mismo destino. Ctrl-C (o SIGTERM) detiene limpio: termina lo que está en curso,
escribe los resultados y dice cómo continuar; un segundo Ctrl-C sale ya.

Varias organizaciones cliente (partners): --input_dir repetido, una entrada por organización; cada una es una
ejecución propia (carpeta, punto de control, evidencias, ritmo e informe propios), una tras otra, y al final un
resumen combinado (<log dir>/orgs/<id>.json). La organización y la credencial de cada entrada: su fichero de
variables (--env-file, o el .env de su carpeta / <nombre>.env junto al libro: WEBEX_ORG_ID, credencial) o la
columna org_id de su global. El fallo de una no detiene las demás; el código de salida es el peor. Ese fichero de
variables se usa siempre que existe, también con una sola entrada, y la ejecución dice cuál (stderr y summary.json).

Salida en <log dir>/runs/<run_id>/: results_manual.csv (estado y categoría de cada fila x acción), summary.json,
result.json (el objeto JSON; en stdout si stdout no es un terminal o con --json), checkpoint.sqlite, target.jsonl y
<acción>.jsonl; con --dry-run, además el plan: plan.json y plan.csv (un cambio por línea), que --plan-out guarda donde
se indique y --apply aplica tal cual (docs/plan.md)."""


def _parser() -> argparse.ArgumentParser:
    parser = command_parser(SCRIPT, DESCRIPTION, EXIT_HELP, parser_class=OptionsParser)
    parser.add_argument(
        '--input_dir',
        '--input-dir',
        dest='input_dir',
        action='append',
        help='carpeta con los datasets y global.csv (opcional), o un libro de Excel .xlsx con una hoja por dataset; '
        'repetida, una por organización cliente: una ejecución por organización y un resumen combinado',
    )
    parser.add_argument(
        '--actions', help='acciones separadas por comas (por defecto: todas las ready cuyo dataset está presente)'
    )
    parser.add_argument(
        '--mode',
        choices=('single', 'bulk'),
        default='bulk',
        help='single: solo la fila --row de cada dataset, como el script; bulk: todo el lote (por defecto)',
    )
    parser.add_argument('--row', type=int, help='fila en modo single (1 = primera tras la cabecera; por defecto 1)')
    add_input_options(parser)
    add_run_options(parser)
    add_org_options(parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    if argv is None:  # the command line (console script, python -m): the process ends with the run
        return end_process(main(sys.argv[1:]))
    argv = list(argv)
    args = _parser().parse_args(argv)
    single = args.mode == 'single'
    actions, row = args.actions, (args.row or 1) if single else None

    def folder_batch(
        folder: str | None, catalog: Catalog, reading: dict[str, Any], notices: list[str] | None = None
    ) -> Batch:
        if not folder:
            raise NotStarted('indique --input_dir (o --resume / --retry-failed RUN_ID)')
        if args.row is not None and not single:
            raise NotStarted('--row solo se usa con --mode single')
        return batch_from_folder(
            folder,
            actions,
            catalog=catalog,
            row=row,
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

    concurrency = 1 if single else None
    try:
        inputs = org_inputs(args.input_dir or [], args.env_file, sandbox=args.sandbox)
        if menu.wanted(args):  # asked before the batch is read (it may be read twice: its global's org_id first)
            choice = menu.choose(args.input_dir[0], load_catalog(), reading=input_options(args), dry_run=args.dry_run)
            actions, row = choice.actions or None, choice.row
    except NotStarted as exc:
        return emit_run(
            SCRIPT, invocation_from(argv), not_started(str(exc)), json_out=args.json or not sys.stdout.isatty()
        )

    def org_batch(item: OrgInput, catalog: Catalog, reading: dict[str, Any], notices: list[str] | None) -> Batch:
        return folder_batch(item.path, catalog, reading, notices)

    if wants_orgs(args, inputs, org_batch):
        return run_orgs(SCRIPT, args, argv, inputs, org_batch, concurrency=concurrency, org_check=org_findings)
    folder = args.input_dir[0] if args.input_dir else None
    return run_command(
        SCRIPT,
        args,
        argv,
        lambda catalog: folder_batch(folder, catalog, input_options(args)),
        concurrency=concurrency,
        org_check=org_findings,
    )


if __name__ == '__main__':
    raise SystemExit(main())
