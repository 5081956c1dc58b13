"""What a run does and how: the ``Batch`` (inputs, actions, mode, chunking: fixed when the run starts and kept in its
checkpoint) and the ``Settings`` (concurrency, pacing, timeouts: this invocation's), built from the options that the
launcher and the bulk runner share, and the connection they run against (Webex or the embedded sandbox).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn, TextIO

from transformacion.core.catalog import DATASETS, GLOBAL_CSV, Catalog
from transformacion.core.cli import add_connection_options, connection_from, org_id_from
from transformacion.core.outcome import Rejected
from transformacion.core.retry import RetryPolicy

EXIT_CODES = {
    'ok': 0,
    'crashed': 1,
    'rejected': 2,
    'partial': 3,
    'not_started': 4,
    'stopped': 5,
    'interrupted': 130,
}
#: The exit codes in the operator's words (the epilog of the launcher and the bulk runner).
EXIT_HELP = (
    '0 todas las filas x acción ok u omitidas; 1 fallo inesperado del propio lanzador (traza '
    'enmascarada en el objeto JSON; lo hecho queda en el punto de control: continúe con --resume); '
    '2 lote rechazado por la validación (nada escrito); '
    '3 fallos parciales (error, rechazo o timeout en alguna fila, o problemas saltados con --skip-invalid); '
    '4 no pudo empezar (opciones, carpeta, token, organización inalcanzable, ejecución a reanudar desconocida, '
    'en uso, con otras entradas o ligada a otro destino); '
    '5 detenido limpio por --job-timeout, Ctrl-C o SIGTERM (resultados escritos; continúe con --resume); '
    '130 segundo Ctrl-C: salida inmediata, el punto de control queda coherente (continúe con --resume).'
)
DEFAULT_CHUNK_SIZE = 500
DEFAULT_CONCURRENCY = 8
PACED_CONCURRENCY = 32
DEFAULT_CHUNK_TIMEOUT = 1800.0
ROW_ATTEMPTS = 3
#: Seconds the pairs in flight get to finish once the run is asked to stop (first Ctrl-C, SIGTERM, --job-timeout).
STOP_GRACE = 30.0


class NotStarted(Exception):
    """The run could not start (bad options, missing input, unknown run): nothing was validated or written."""


@dataclass(frozen=True)
class Batch:
    """What a run does, fixed when it starts and kept in its checkpoint: inputs, actions, mode and chunking.

    ``sources`` maps each dataset to its CSV (absolute path); ``row`` selects one row of each (single mode).
    """

    sources: dict[str, str]
    global_csv: str | None
    actions: tuple[str, ...]
    dry_run: bool = False
    skip_invalid: bool = False
    row: int | None = None
    chunk_size: int = DEFAULT_CHUNK_SIZE


@dataclass(frozen=True)
class Settings:
    """How this invocation runs it (a resumed run may use other values). Timeouts in seconds, rate in requests/s;
    ``stop_grace``: how long the pairs in flight may take to finish once the run is asked to stop."""

    concurrency: int = DEFAULT_CONCURRENCY
    rate_limit: float | None = None
    chunk_timeout: float | None = DEFAULT_CHUNK_TIMEOUT
    job_timeout: float | None = None
    row_attempts: int = ROW_ATTEMPTS
    assume_yes: bool = False
    org_id: str | None = None
    policy: RetryPolicy = field(default_factory=RetryPolicy.from_env)
    stop_grace: float = STOP_GRACE


# --------------------------------------------------------------------------- inputs


def batch_from_csv(
    action: str | None,
    csv_file: str | None,
    global_csv: str | None,
    *,
    catalog: Catalog,
    dry_run: bool = False,
    skip_invalid: bool = False,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> Batch:
    """The bulk runner's batch: one action over one CSV, with an optional global CSV. NotStarted when incomplete."""
    if not action or not csv_file:
        raise NotStarted('indique --action y --csv (o --resume / --retry-failed RUN_ID)')
    if action not in catalog:
        raise NotStarted(f'acción desconocida: {action}; acciones: {", ".join(catalog)}')
    for path in filter(None, (csv_file, global_csv)):
        if not Path(path).is_file():
            raise NotStarted(f'no existe el fichero {path}')
    return Batch(
        sources={catalog[action][0].domain: str(Path(csv_file).resolve())},
        global_csv=str(Path(global_csv).resolve()) if global_csv else None,
        actions=(action,),
        dry_run=dry_run,
        skip_invalid=skip_invalid,
        chunk_size=chunk_size,
    )


def _selection(actions: str | None, present: set[str], catalog: Catalog) -> tuple[str, ...]:
    if not actions:
        chosen = tuple(name for name, (action, _) in catalog.items() if action.ready and action.domain in present)
        if not chosen:
            raise NotStarted('no hay acciones ready para los datasets de la carpeta; elija con --actions')
        return chosen
    names = tuple(dict.fromkeys(name.strip() for name in actions.split(',') if name.strip()))
    unknown = [name for name in names if name not in catalog]
    if unknown:
        raise NotStarted(f'acciones desconocidas: {", ".join(unknown)}; acciones: {", ".join(catalog)}')
    if not names:
        raise NotStarted('--actions no nombra ninguna acción')
    for name in names:
        action = catalog[name][0]
        if action.domain not in present:
            raise NotStarted(f'{name} necesita {action.dataset}, que no está en la carpeta')
    return names


def batch_from_folder(
    folder: str | Path,
    actions: str | None,
    *,
    catalog: Catalog,
    row: int | None = None,
    dry_run: bool = False,
    skip_invalid: bool = False,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> Batch:
    """The launcher's batch: a folder's datasets, its global.csv and the selected actions (``actions``, comma
    separated; by default every ready action whose dataset is present). NotStarted naming what is missing."""
    folder = Path(folder)
    if not folder.is_dir():
        raise NotStarted(f'no existe la carpeta {folder}')
    if not (folder / GLOBAL_CSV).is_file():
        raise NotStarted(f'falta {GLOBAL_CSV} en {folder} (una fila con los valores comunes a todas las filas)')
    sources = {
        dataset: str((folder / file).resolve()) for dataset, file in DATASETS.items() if (folder / file).is_file()
    }
    if not sources:
        raise NotStarted(f'{folder} no tiene ningún dataset ({", ".join(DATASETS.values())})')
    names = _selection(actions, set(sources), catalog)
    used = {catalog[name][0].domain for name in names}
    return Batch(
        sources={dataset: path for dataset, path in sources.items() if dataset in used},
        global_csv=str((folder / GLOBAL_CSV).resolve()),
        actions=names,
        dry_run=dry_run,
        skip_invalid=skip_invalid,
        row=row,
        chunk_size=chunk_size,
    )


# --------------------------------------------------------------------------- command line (launcher and bulk runner)


class OptionsParser(argparse.ArgumentParser):
    """argparse whose usage errors exit 4 ("could not start"), keeping 2 for batches rejected by validation."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_CODES['not_started'], f'{self.prog}: error: {message}\n')


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError('debe ser un entero positivo')
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError('debe ser un número positivo')
    return value


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """The options every batch command shares: mode of the run, pacing, timeouts, continuation and the connection
    (``core.cli.add_connection_options`` plus ``--sandbox``)."""
    run = parser.add_argument_group('ejecución')
    run.add_argument('--dry-run', dest='dry_run', action='store_true', help='planifica todo el lote, sin escribir')
    run.add_argument(
        '--skip-invalid',
        dest='skip_invalid',
        action='store_true',
        help='si la validación encuentra problemas, ejecuta igualmente las filas válidas (las demás: rejected)',
    )
    run.add_argument(
        '--yes',
        action='store_true',
        help='confirma los cambios de alto impacto; sin él, cada fila que los necesite queda rejected '
        '(con --sandbox no hace falta: la organización de demostración es desechable)',
    )
    run.add_argument(
        '--chunk-size',
        dest='chunk_size',
        type=_positive_int,
        default=DEFAULT_CHUNK_SIZE,
        help=f'filas por bloque (por defecto {DEFAULT_CHUNK_SIZE})',
    )
    run.add_argument(
        '--concurrency',
        type=_positive_int,
        help=f'filas simultáneas dentro de un bloque (por defecto {DEFAULT_CONCURRENCY}; '
        f'{PACED_CONCURRENCY} con --rate-limit, que marca el ritmo)',
    )
    run.add_argument('--rate-limit', dest='rate_limit', type=_positive_float, help='peticiones por segundo, máximo')
    run.add_argument(
        '--chunk-timeout',
        dest='chunk_timeout',
        type=_positive_float,
        default=DEFAULT_CHUNK_TIMEOUT,
        help='segundos por bloque; las filas sin terminar quedan timeout y el trabajo sigue (por defecto 1800)',
    )
    run.add_argument(
        '--job-timeout',
        dest='job_timeout',
        type=_positive_float,
        help='segundos del trabajo completo; al vencer se detiene limpio y se reanuda con --resume',
    )
    again = run.add_mutually_exclusive_group()
    again.add_argument(
        '--resume',
        metavar='RUN',
        help='continúa una ejecución interrumpida, incluso con kill -9 o Ctrl-C (entradas, acciones, --dry-run y '
        'organización: los suyos); RUN es su id (en --log-dir), su carpeta (desde cualquier directorio) o last '
        '(la última empezada); se niega (código 4) si el destino o las entradas no son los de la ejecución',
    )
    again.add_argument(
        '--retry-failed',
        dest='retry_failed',
        metavar='RUN',
        help='repite solo las filas en error o timeout (y las que bloquearon); RUN como en --resume',
    )
    run.add_argument(
        '--json',
        action='store_true',
        help='el objeto JSON de resultado en stdout también en un terminal (sin terminal, siempre); en un terminal, '
        'sin --json, se muestra la tabla y los fallos por motivo y el objeto queda en <carpeta>/result.json',
    )
    connection = parser.add_argument_group('conexión y registro')
    add_connection_options(connection)
    connection.add_argument(
        '--sandbox', action='store_true', help='arranca el sandbox local (org de demostración) y ejecuta contra él'
    )


def settings_from_args(args: argparse.Namespace, *, concurrency: int | None = None) -> Settings:
    """This invocation's settings from the run options (``concurrency`` overrides ``--concurrency``)."""
    return Settings(
        concurrency=concurrency or args.concurrency or (PACED_CONCURRENCY if args.rate_limit else DEFAULT_CONCURRENCY),
        rate_limit=args.rate_limit,
        chunk_timeout=args.chunk_timeout,
        job_timeout=args.job_timeout,
        assume_yes=args.yes or args.sandbox,
        org_id=org_id_from(args),
    )


@contextmanager
def connection_from_args(args: argparse.Namespace, stream: TextIO) -> Iterator[tuple[str, str | None]]:
    """(token, base URL): the embedded sandbox with ``--sandbox`` (running while the context lasts), else
    ``core.cli.connection_from``. NotStarted when there is no token."""
    if args.sandbox:
        from transformacion.sandbox import running_sandbox

        with running_sandbox() as sandbox:
            print(f'sandbox local en {sandbox.base_url}', file=stream)
            yield sandbox.token, sandbox.base_url
        return
    try:
        connection = connection_from(args)
    except Rejected as exc:
        raise NotStarted(exc.message) from None
    yield connection
