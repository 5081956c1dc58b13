"""Merge the results of several launcher or bulk runner runs (``<log dir>/runs/<run_id>/results_manual.csv`` and
``summary.json``) into one CSV (the same columns plus run_id, protected against spreadsheet formulas) and a
self-contained HTML report about the change: per org, who changed what, when and from which input, the entities
created / updated / unchanged / failed (per kind and per site), the failures grouped by reason with the next step,
and per site every entity with a link to the evidence of each pair; dry runs and batches refused by their validation
apart. Runs are selected by folder, id, date and org. Reads local files only (the model is ``batch.change``, the page
``batch.change_page``).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from transformacion.batch.change import (
    ENTITY_STATES,
    Change,
    FailureGroup,
    Run,
    build_change,
    group_by_target,
    load_run,
)
from transformacion.batch.change_page import render
from transformacion.batch.checkpoint import FAILED_STATUSES, TASK_STATUSES
from transformacion.batch.report import RESULT_COLUMNS, RESULTS_FILE, SUMMARY_FILE
from transformacion.core.cli import Reply, capture, command_parser, emit, invocation_from
from transformacion.core.csvfiles import write_csv
from transformacion.core.outcome import Rejected

__all__ = ['Run', 'load_run', 'main', 'consolidate']

SCRIPT = 'consolidar_reportes'
COLUMNS = ('run_id', *RESULT_COLUMNS)
#: Failing rows kept in the result object (the HTML and the CSV have all of them).
FAILING_IN_RESULT = 100

DESCRIPTION = f"""\
Junta varias ejecuciones del launcher o del bulk runner (cada carpeta <log dir>/runs/<run_id> con {RESULTS_FILE} y
{SUMMARY_FILE}) en:
  --output FILE  un CSV con las mismas columnas que {RESULTS_FILE} más run_id (';', UTF-8 con BOM, celdas protegidas
                 contra fórmulas como las del launcher);
  --html FILE    un informe HTML autocontenido del cambio para abrir en el navegador: por organización, entorno,
                 operador, fechas y entrada; personas, ubicaciones y workspaces creados, actualizados, sin cambios,
                 con fallos o pendientes (en total y por ubicación); los fallos agrupados por motivo con el siguiente
                 paso; y por ubicación cada elemento con enlaces a la evidencia de cada acción (relativos al
                 informe: guárdelo junto a la carpeta de logs para comprimirlos juntos). Las simulaciones (--dry-run)
                 y los lotes rechazados por la validación van aparte: no cuentan como cambio.
Un elemento "tiene fallos" cuando el resultado más reciente de alguna de sus acciones en una ejecución real es
rejected, error o timeout.
Selección (se combinan): carpetas RUN_DIR y/o --runs-dir, --run-id, --since/--until (inicio de la ejecución, UTC),
--org (id o nombre de la organización)."""


# --------------------------------------------------------------------------- reading and selection


def run_dirs(paths: Iterable[str], runs_dir: str | None) -> list[Path]:
    """The run folders named, plus every folder of ``runs_dir`` holding a results_manual.csv."""
    found = [Path(p) for p in paths]
    if runs_dir:
        parent = Path(runs_dir)
        if not parent.is_dir():
            raise Rejected(f'--runs-dir: no existe la carpeta {parent}')
        found += [child for child in sorted(parent.iterdir()) if (child / RESULTS_FILE).is_file()]
    unique = list(dict.fromkeys(path.resolve() for path in found))
    if not unique:
        raise Rejected('no hay ejecuciones que consolidar: indique carpetas RUN_DIR o --runs-dir')
    return unique


def parse_moment(value: str, option: str, *, end: bool = False) -> datetime:
    """``YYYY-MM-DD`` (the whole day: its start, or with ``end`` the start of the next day) or an ISO 8601 date and
    time (UTC when it has no offset); Rejected naming ``option`` otherwise."""
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
            return moment + timedelta(days=1) if end else moment
        moment = datetime.fromisoformat(text.replace('Z', '+00:00'))
    except ValueError:
        raise Rejected(f'{option}: fecha no válida {value!r} (AAAA-MM-DD o AAAA-MM-DDTHH:MM[:SS])') from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _started(run: Run) -> datetime | None:
    try:
        return datetime.fromisoformat(run.started_at.replace('Z', '+00:00')) if run.started_at else None
    except ValueError:
        return None


def select(
    runs: list[Run], run_ids: list[str], since: datetime | None, until: datetime | None, org: str | None
) -> tuple[list[Run], list[str]]:
    """The runs that match every filter given (id, start in [since, until), org id or name) and why others were
    left out."""
    wanted = {run_id.strip() for item in run_ids for run_id in item.split(',') if run_id.strip()}
    kept, notes = [], []
    for run in runs:
        started = _started(run)
        if wanted and run.run_id not in wanted and run.path.name not in wanted:
            continue
        if (since or until) and started is None:
            notes.append(f'{run.run_id}: sin fecha de inicio en {SUMMARY_FILE}; fuera de --since/--until')
            continue
        if since and started < since or until and started >= until:
            continue
        if org and not run.target.matches(org):
            if not run.target.known:
                notes.append(f'{run.run_id}: no registró su organización; fuera de --org')
            continue
        kept.append(run)
    missing = sorted(wanted - {run.run_id for run in runs} - {run.path.name for run in runs})
    if missing:
        raise Rejected(f'--run-id: no se encuentra(n) {", ".join(missing)} entre las ejecuciones indicadas')
    return kept, notes


# --------------------------------------------------------------------------- consolidation


def counts(runs: list[Run]) -> dict[str, dict[str, int]]:
    """``{action: {status: rows}}`` over every run, actions in order of appearance."""
    found: dict[str, dict[str, int]] = {}
    for run in runs:
        for row in run.rows:
            by_status = found.setdefault(row['action'], {})
            by_status[row['status']] = by_status.get(row['status'], 0) + 1
    return found


def totals(by_action: dict[str, dict[str, int]]) -> dict[str, int]:
    found: dict[str, int] = {}
    for by_status in by_action.values():
        for status, number in by_status.items():
            found[status] = found.get(status, 0) + number
    return found


def _seconds(start: str | None, end: str | None) -> float | None:
    if not start or not end:
        return None
    try:
        begin = datetime.fromisoformat(start.replace('Z', '+00:00'))
        finish = datetime.fromisoformat(end.replace('Z', '+00:00'))
    except ValueError:
        return None
    return round((finish - begin).total_seconds(), 3)


def kind_of(run: Run) -> str:
    """``rejected`` (refused by its validation), ``dry_run`` or ``real``."""
    return 'rejected' if run.rejected else 'dry_run' if run.dry_run else 'real'


def run_overview(run: Run) -> dict[str, Any]:
    """What the report shows of one run: kind, state, target, operator, input, rows, timings and API usage."""
    summary = run.summary
    timings = summary.get('timings') or {}
    by_status: dict[str, int] = {}
    for row in run.rows:
        by_status[row['status']] = by_status.get(row['status'], 0) + 1
    return {
        'run_id': run.run_id,
        'run_dir': str(run.path),
        'kind': kind_of(run),
        'state': summary.get('state', ''),
        'dry_run': run.dry_run,
        'target': run.target.as_dict(),
        'operator': run.operator,
        'input': run.input,
        'rows': len(run.rows),
        'by_status': by_status,
        'failed': sum(by_status.get(status, 0) for status in FAILED_STATUSES),
        'started_at': timings.get('started_at'),
        'finished_at': timings.get('finished_at'),
        'duration_s': _seconds(timings.get('started_at'), timings.get('finished_at')),
        'work_s': timings.get('work_s'),
        'api_calls': summary.get('api_calls'),
        'http_429': summary.get('http_429'),
        'retries': summary.get('retries'),
        'problems': summary.get('problems'),
    }


def _group(group: FailureGroup) -> dict[str, Any]:
    example = group.pairs[0]
    return {
        'category': group.category,
        'label': group.label,
        'next_step': group.next_step,
        'count': len(group.pairs),
        'example': {'run_id': example.run.run_id, **example.row},
    }


def change_overview(change: Change) -> dict[str, Any]:
    """A change in the result object: target, operators, inputs, runs, period, entities per kind and per site by
    state, and the failures grouped by reason."""
    return {
        'kind': change.kind,
        'target': change.target.as_dict(),
        'operators': change.operators,
        'inputs': change.inputs,
        'runs': [run.run_id for run in change.runs],
        'started_at': change.started_at,
        'finished_at': change.finished_at,
        'headline': change.headline(),
        'by_site': change.by_site(),
        'failures': [_group(group) for group in change.failures()],
    }


def headline(changes: list[Change]) -> dict[str, dict[str, int]]:
    """``{dataset: {state: entities}}`` summed over ``changes``."""
    found: dict[str, dict[str, int]] = {}
    for change in changes:
        for dataset, by_state in change.headline().items():
            into = found.setdefault(dataset, dict.fromkeys(ENTITY_STATES, 0))
            for state, number in by_state.items():
                into[state] += number
    return found


# --------------------------------------------------------------------------- outputs


def write_consolidated(path: Path, runs: list[Run]) -> int:
    """The consolidated CSV (run_id + the results columns, cells protected against formulas); rows written."""
    lines = ([run.run_id if c == 'run_id' else row.get(c, '') for c in COLUMNS] for run in runs for row in run.rows)
    return write_csv(path, COLUMNS, lines)


# --------------------------------------------------------------------------- command line


def _parser() -> argparse.ArgumentParser:
    parser = command_parser(
        SCRIPT,
        DESCRIPTION,
        '0 consolidado, 2 rechazado (carpetas que no son ejecuciones, fecha no válida, selección vacía), 1 error.',
    )
    parser.add_argument(
        'run_dirs', nargs='*', metavar='RUN_DIR', help='carpetas de ejecución (<log dir>/runs/<run_id>)'
    )
    parser.add_argument(
        '--runs-dir', '--runs_dir', dest='runs_dir', help='todas las ejecuciones de esta carpeta (p. ej. logs/runs)'
    )
    parser.add_argument(
        '--run-id',
        '--run_id',
        dest='run_ids',
        action='append',
        default=[],
        metavar='ID',
        help='solo estas ejecuciones (repetible o separadas por comas)',
    )
    parser.add_argument('--since', help='solo las que empezaron desde esta fecha (AAAA-MM-DD o fecha y hora, UTC)')
    parser.add_argument('--until', help='solo las que empezaron hasta esta fecha incluida (AAAA-MM-DD o fecha y hora)')
    parser.add_argument('--org', help='solo las de esta organización (id o nombre)')
    parser.add_argument('--output', default='consolidado.csv', help='CSV consolidado (por defecto consolidado.csv)')
    parser.add_argument('--html', default='consolidado.html', help='informe HTML (por defecto consolidado.html)')
    return parser


def _selection_text(run_ids: list[str], since: str | None, until: str | None, org: str | None) -> str:
    parts = [f'ejecuciones {", ".join(run_ids)}'] if run_ids else []
    parts += [f'desde {since}'] if since else []
    parts += [f'hasta {until}'] if until else []
    parts += [f'organización {org}'] if org else []
    return '; '.join(parts) or 'todas las ejecuciones indicadas'


def consolidate(
    paths: list[str],
    runs_dir: str | None,
    output: Path,
    report: Path,
    *,
    run_ids: list[str] | None = None,
    since: str | None = None,
    until: str | None = None,
    org: str | None = None,
) -> Reply:
    """Merge the runs named (and those of ``runs_dir``) that match the filters into the CSV ``output`` and the HTML
    ``report``. Rejected for folders that are not runs, a bad date, an unknown run id or an empty selection."""
    run_ids = run_ids or []
    start = parse_moment(since, '--since') if since else None
    end = parse_moment(until, '--until', end=True) if until else None
    found: list[Run] = []
    warnings: list[str] = []
    for path in run_dirs(paths, runs_dir):
        run, problems = load_run(path)
        found.append(run)
        warnings.extend(problems)
    runs, notes = select(found, run_ids, start, end, org)
    warnings.extend(notes)
    selection = _selection_text(run_ids, since, until, org)
    if not runs:
        why = ''.join(f'; {note}' for note in notes)
        raise Rejected(f'ninguna de las {len(found)} ejecución(es) cumple la selección ({selection}){why}')
    for warning in warnings:
        print(f'aviso: {warning}', file=sys.stderr)
    runs.sort(key=lambda run: (run.started_at, run.run_id))
    real = [run for run in runs if kind_of(run) == 'real']
    changes = [build_change('real', target, group) for target, group in group_by_target(real).items()]
    dry_runs = [build_change('dry_run', run.target, [run]) for run in runs if kind_of(run) == 'dry_run']
    rejected = [run for run in runs if kind_of(run) == 'rejected']
    failing = [{'run_id': pair.run.run_id, **pair.row} for change in changes for pair in change.failing()]
    by_action = counts(runs)
    overviews = [run_overview(run) for run in runs]
    written = write_consolidated(output, runs)
    statuses = [s for s in TASK_STATUSES if any(s in c for c in by_action.values())] or list(FAILED_STATUSES)
    generated = datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')
    page = render(report, changes, dry_runs, rejected, overviews, by_action, statuses, selection, generated)
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(page, encoding='utf-8')
    result = {
        'output': str(output.resolve()),
        'html': str(report.resolve()),
        'selection': {'run_ids': run_ids, 'since': since, 'until': until, 'org': org, 'found': len(found)},
        'runs': overviews,
        'headline': headline(changes),
        'changes': [change_overview(change) for change in changes],
        'dry_runs': [change_overview(change) for change in dry_runs],
        'rejected_runs': [run.run_id for run in rejected],
        'by_action': by_action,
        'by_status': totals(by_action),
        'rows': written,
        'still_failing': len(failing),
        'failing_rows': failing[:FAILING_IN_RESULT],
        'warnings': warnings,
    }
    message = (
        f'{len(runs)} ejecución(es) ({len(real)} reales, {len(dry_runs)} simulaciones, {len(rejected)} rechazadas), '
        f'{written} fila(s) x acción, {len(failing)} siguen fallando'
    )
    return Reply('executed', message, result, where=f'CSV: {result["output"]}; HTML: {result["html"]}')


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(argv)
    started = time.monotonic()
    invocation = invocation_from(
        argv,
        run_dirs=args.run_dirs,
        runs_dir=args.runs_dir,
        run_ids=args.run_ids,
        since=args.since,
        until=args.until,
        org=args.org,
        output=args.output,
        html=args.html,
    )
    reply = capture(
        SCRIPT,
        lambda: consolidate(
            args.run_dirs,
            args.runs_dir,
            Path(args.output),
            Path(args.html),
            run_ids=args.run_ids,
            since=args.since,
            until=args.until,
            org=args.org,
        ),
    )
    return emit(SCRIPT, invocation, reply, started=started)


if __name__ == '__main__':
    raise SystemExit(main())
