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
from typing import Any, NoReturn, TextIO

from transformacion.core.catalog import DATASETS, Catalog, dataset_columns
from transformacion.core.cli import CommandParser, add_connection_options, connection_from, invocation_from, org_id_from
from transformacion.core.columns import (
    GLOBAL,
    Found,
    InputError,
    Profile,
    ProfileError,
    Table,
    detect,
    discover,
    load_profile,
    profile_problems,
)
from transformacion.core.csvfiles import CsvError
from transformacion.core.outcome import CONFIRM_CLI, Rejected
from transformacion.core.renamed import current_names
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
#: rows in flight at most: the run's RateController decides how many requests are in flight (it learns the org's
#: rate, or paces at --rate-limit), so this only needs to exceed what the org's rate allows at Webex's latencies. At
#: cruise the controller allows 2 x rate x latency calls and a row of 2 calls lives about 3 latencies (its calls, its
#: turns at the pacer, its checkpoint): 200 req/s at 1 s needs ~300 rows and the controller lets ~430 run; 256 capped
#: such a run at ~0.8 of its rate (benchmarks/no_tuning.py). Threads start only for the rows the limit lets run.
DEFAULT_CONCURRENCY = 1024
DEFAULT_CHUNK_TIMEOUT = 1800.0
ROW_ATTEMPTS = 3
#: Seconds the pairs in flight get to finish once the run is asked to stop (first Ctrl-C, SIGTERM, --job-timeout).
STOP_GRACE = 30.0


class NotStarted(Exception):
    """The run could not start (bad options, missing input, unknown run): nothing was validated or written."""


@dataclass(frozen=True)
class Batch:
    """What a run does, fixed when it starts and kept in its checkpoint: inputs, actions, mode and chunking.

    ``sources`` maps each dataset to its CSV or workbook (absolute path); ``row`` selects one row of each (single
    mode); ``reading`` says how the inputs are read beyond that (sheets, column profiles; see ``batch.inputs``).
    """

    sources: dict[str, str]
    global_csv: str | None
    actions: tuple[str, ...]
    dry_run: bool = False
    skip_invalid: bool = False
    row: int | None = None
    chunk_size: int = DEFAULT_CHUNK_SIZE
    reading: dict[str, Any] = field(default_factory=dict)


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
    #: how the operator confirms high-impact changes on the surface that started the run, for its refusals' wording
    #: (``core.outcome.CONFIRM_CLI``: ``--yes``; the panel's ``CONFIRM_PANEL``: its box)
    confirm_with: str = CONFIRM_CLI


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
    reading: dict[str, Any] | None = None,
    notices: list[str] | None = None,
) -> Batch:
    """The bulk runner's batch: one action over one CSV (or a workbook: its sheet named like the dataset, or its only
    sheet), with an optional global CSV, each read through the column profile it matches. NotStarted when
    incomplete or unreadable. ``reading`` and ``notices``: see ``batch_from_folder``."""
    if not action or not csv_file:
        raise NotStarted('indique --action y --csv (o --resume / --retry-failed RUN_ID)')
    [action] = current_names([action])
    if action not in catalog:
        raise NotStarted(f'acción desconocida: {action}; acciones: {", ".join(catalog)}')
    for path in filter(None, (csv_file, global_csv)):
        if not Path(path).is_file():
            raise NotStarted(f'no existe el fichero {path}')
    options = dict(reading or {})
    column_map = _column_map(options.get('column_map'), catalog)
    domain = catalog[action][0].domain
    found = {domain: _single(csv_file, domain, catalog, column_map)}
    if global_csv:
        found[GLOBAL] = _single(global_csv, GLOBAL, catalog, column_map)
    batch = Batch(
        sources={domain: found[domain].table.path},
        global_csv=found[GLOBAL].table.path if global_csv else None,
        actions=(action,),
        dry_run=dry_run,
        skip_invalid=skip_invalid,
        chunk_size=chunk_size,
        reading=_reading(options, found, workbook=csv_file.lower().endswith(('.xlsx', '.xlsm'))),
    )
    _announce(batch, catalog, [], notices)
    return batch


def _column_map(path: str | None, catalog: Catalog) -> Profile | None:
    """The operator's mapping file (``--column-map``), checked against the catalogue; NotStarted when unusable."""
    if not path:
        return None
    try:
        profile = load_profile(path)
    except ProfileError as exc:
        raise NotStarted(f'--column-map: {exc}') from None
    problems = profile_problems(profile, dataset_columns(catalog))
    if problems:
        raise NotStarted(f'--column-map {path}: ' + '; '.join(problems))
    return profile


def _single(path: str, dataset: str, catalog: Catalog, column_map: Profile | None) -> Found:
    """One file given as ``dataset`` and the profile that reads it."""
    from transformacion.core.workbook import find_sheet, is_workbook, sheet_names

    resolved = str(Path(path).resolve())
    sheet = None
    try:
        if is_workbook(path):
            names = sheet_names(path)
            sheet = find_sheet(names, dataset) or (names[0] if len(names) == 1 else None)
            if sheet is None:
                raise NotStarted(f'{Path(path).name}: ninguna hoja se llama {dataset} (hojas: {", ".join(names)})')
        table = Table(resolved, sheet)
        match = detect(table, dataset, dataset_columns(catalog), column_map=column_map)
    except (CsvError, InputError) as exc:
        if isinstance(exc, InputError) or sheet is not None:
            raise NotStarted(str(exc)) from None
        return Found(dataset, Table(resolved))  # unreadable: the validation says why, with the row
    if match is None:
        return Found(dataset, table)
    profile, spec = match
    return Found(dataset, table, profile.origin, spec.name)


def _reading(options: dict[str, Any], found: dict[str, Found], *, workbook: bool) -> dict[str, Any]:
    tables = {
        dataset: {'sheet': item.table.sheet, 'profile': item.profile, 'file': item.file}
        for dataset, item in found.items()
        if item.table.sheet or item.profile
    }
    column_map = options.get('column_map')
    return {
        'tables': tables,
        'column_map': str(Path(column_map).resolve()) if column_map else None,
        'ignore_unknown_columns': bool(options.get('ignore_unknown_columns')),
        'org_id': options.get('org_id'),
        'results_xlsx': bool(options.get('results_xlsx')) or workbook,
    }


def _announce(batch: Batch, catalog: Catalog, notices_so_far: list[str], notices: list[str] | None) -> None:
    """Tell the operator how the inputs are read: the discovery notices, then per table its profile, mapped and
    ignored columns and normalised values (a full read of each table a profile maps), and the empty datasets.
    Into ``notices`` when given, else on stderr."""
    from transformacion.batch.inputs import open_table

    lines = list(notices_so_far)
    for dataset in [GLOBAL, *batch.sources]:
        if dataset == GLOBAL and batch.global_csv is None:
            continue
        try:
            table = open_table(batch, dataset, catalog)
            lines += table.notices
            rows = table.rows() if table.mapped else None
            if rows is not None:
                count = sum(1 for _ in rows)
                lines += table.value_notices()
            else:
                count = sum(1 for _ in zip(range(1), table.table.rows(), strict=False))
        except (CsvError, ProfileError):
            continue  # the validation reports it with its row
        if not count and dataset != GLOBAL:
            lines.append(
                f'aviso: {table.name}: no tiene filas de datos: ninguna acción de {dataset} tiene nada que hacer'
            )
    if notices is not None:
        notices.extend(lines)
    else:
        for line in lines:
            print(line, file=sys.stderr)


def _selection(actions: str | None, present: set[str], catalog: Catalog) -> tuple[str, ...]:
    if not actions:
        chosen = tuple(name for name, (action, _) in catalog.items() if action.ready and action.domain in present)
        if not chosen:
            raise NotStarted('no hay acciones ready para los datasets de la carpeta; elija con --actions')
        return chosen
    names = tuple(dict.fromkeys(current_names(name.strip() for name in actions.split(',') if name.strip())))
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
    reading: dict[str, Any] | None = None,
    notices: list[str] | None = None,
) -> Batch:
    """The launcher's batch: a folder's (or a workbook's: one sheet per dataset) datasets, its optional global
    table and the selected actions (``actions``, comma separated; by default every ready action whose dataset is
    present). File and sheet names are matched ignoring case, and each table is read through the column profile it
    matches (``core.columns.discover``): a v21 folder, a Control Hub export, the ``column_map`` file.

    ``reading`` holds the input options (``column_map``, ``ignore_unknown_columns``, ``org_id``, ``results_xlsx``;
    see ``input_options``). The operator's notices (format recognised, mapped and ignored columns, normalised values,
    empty datasets) go to ``notices`` when given, else to stderr. NotStarted naming what is missing or ambiguous."""
    options = dict(reading or {})
    column_map = _column_map(options.get('column_map'), catalog)
    try:
        found, discovered = discover(folder, dataset_columns(catalog), column_map=column_map)
    except InputError as exc:
        raise NotStarted(str(exc)) from None
    sources = {dataset: item.table.path for dataset, item in found.items() if dataset != GLOBAL}
    if not sources:
        raise NotStarted(f'{folder} no tiene ningún dataset ({", ".join(DATASETS.values())})')
    names = _selection(actions, set(sources), catalog)
    used = {catalog[name][0].domain for name in names}
    kept = {dataset: item for dataset, item in found.items() if dataset in used or dataset == GLOBAL}
    batch = Batch(
        sources={dataset: path for dataset, path in sources.items() if dataset in used},
        global_csv=found[GLOBAL].table.path if GLOBAL in found else None,
        actions=names,
        dry_run=dry_run,
        skip_invalid=skip_invalid,
        row=row,
        chunk_size=chunk_size,
        reading=_reading(options, kept, workbook=str(folder).lower().endswith(('.xlsx', '.xlsm'))),
    )
    _announce(batch, catalog, discovered, notices)
    return batch


def add_input_options(parser: argparse.ArgumentParser, *, results: bool = True) -> None:
    """The options about reading the inputs, shared by the launcher, the bulk runner and the preflight:
    ``--column-map``, ``--ignore-unknown-columns`` and, with ``results``, ``--xlsx``. Read back with
    ``input_options``."""
    inputs = parser.add_argument_group('entrada')
    inputs.add_argument(
        '--column-map',
        dest='column_map',
        metavar='FICHERO',
        help='fichero JSON que dice cómo leer las columnas de sus ficheros (formato: '
        'transformacion/core/profiles/README.md); los formatos v21 y Control Hub se reconocen solos',
    )
    inputs.add_argument(
        '--ignore-unknown-columns',
        dest='ignore_unknown_columns',
        action='store_true',
        help='ignora (con un aviso) las columnas que no son de ninguna acción, p. ej. un "Departamento" de RR. HH.',
    )
    if not results:
        return
    inputs.add_argument(
        '--xlsx',
        dest='results_xlsx',
        action='store_true',
        help='escribe también results_manual.xlsx (siempre, si la entrada es un libro de Excel)',
    )


def input_options(args: argparse.Namespace) -> dict[str, Any]:
    """The input options of ``add_input_options`` (and the target organisation), as ``batch_from_folder`` and
    ``batch_from_csv`` take them."""
    return {
        'column_map': getattr(args, 'column_map', None),
        'ignore_unknown_columns': getattr(args, 'ignore_unknown_columns', False),
        'results_xlsx': getattr(args, 'results_xlsx', False),
        'org_id': org_id_from(args) if hasattr(args, 'org_id') else None,
    }


# --------------------------------------------------------------------------- command line (launcher and bulk runner)


class OptionsParser(CommandParser):
    """argparse whose usage errors end as a run that could not start: the result object on stdout (``rejected``,
    the masked command line), one line on stderr naming the option and ``--help``, exit 4 (2 is kept for batches
    rejected by validation)."""

    def error(self, message: str) -> NoReturn:
        from transformacion.batch.report import emit_run, not_started

        script = self.prog.rsplit('.', 1)[-1]
        refused = not_started(f'opción no válida: {self.masked(message)} (vea {self.prog} --help)')
        raise SystemExit(emit_run(script, invocation_from(self.argv), refused, json_out=True))


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
        help=f'filas simultáneas, como máximo (por defecto {DEFAULT_CONCURRENCY}: el ritmo lo aprende el lanzador de '
        'las respuestas de Webex, o lo marca --rate-limit)',
    )
    run.add_argument(
        '--rate-limit',
        dest='rate_limit',
        type=_positive_float,
        help='peticiones por segundo, máximo (sin él, el lanzador aprende el ritmo que admite la organización)',
    )
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
        '--apply',
        metavar='PLAN',
        help='aplica exactamente el plan guardado por una simulación (--dry-run --plan-out PLAN, o el plan.json de su '
        'carpeta): sus altas y cambios, nada más; antes de escribir se niega (código 4) si el plan es de otra '
        'organización o sus entradas cambiaron; un par cuyo estado en Webex cambió desde la simulación queda rejected '
        '(drift) y sus dependientes bloqueados',
    )
    again.add_argument(
        '--retry-failed',
        dest='retry_failed',
        metavar='RUN',
        help='repite solo las filas en error o timeout (y las que bloquearon); RUN como en --resume',
    )
    run.add_argument(
        '--plan-out',
        dest='plan_out',
        metavar='FICHERO',
        help='con --dry-run, guarda también el plan (plan.json de la carpeta de la ejecución) en FICHERO, y su '
        'plan.csv al lado; se aplica con --apply FICHERO',
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
        concurrency=concurrency or args.concurrency or DEFAULT_CONCURRENCY,
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


def add_org_options(parser: argparse.ArgumentParser) -> None:
    """``--env-file``: the variables file of the customer org (once, or once per input in their order)."""
    parser.add_argument(
        '--env-file',
        dest='env_file',
        action='append',
        metavar='FICHERO',
        help='variables (WEBEX_ORG_ID, credencial) de la organización cliente; ganan al entorno y al .env común; '
        'con varias entradas, uno por entrada en su orden; sin él, con una entrada o con varias, se usa el .env de su '
        'carpeta o <nombre>.env junto a ella si existe (la ejecución dice cuál); con --resume, el de la ejecución',
    )
