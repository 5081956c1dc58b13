"""Merge the results of several launcher or bulk runner runs (``<log dir>/runs/<run_id>/results_manual.csv`` and
``summary.json``) into one CSV (the same columns plus run_id, protected against spreadsheet formulas) and a
self-contained HTML report: counts per action and status, the rows still failing with their messages and logs,
and the duration and API calls of each run. Reads local files only.
"""

from __future__ import annotations

import argparse
import html
import json
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from transformacion.batch.checkpoint import FAILED_STATUSES, TASK_STATUSES
from transformacion.batch.report import RESULT_COLUMNS, RESULTS_FILE, SUMMARY_FILE
from transformacion.core.cli import Reply, capture, command_parser, emit, invocation_from
from transformacion.core.csvfiles import CsvError, iter_rows, read_header, unprotect, write_csv
from transformacion.core.outcome import Rejected

SCRIPT = 'consolidar_reportes'
COLUMNS = ('run_id', *RESULT_COLUMNS)
#: Failing rows kept in the result object (the HTML and the CSV have all of them).
FAILING_IN_RESULT = 100

DESCRIPTION = f"""\
Junta varias ejecuciones del launcher o del bulk runner (cada carpeta <log dir>/runs/<run_id> con {RESULTS_FILE} y
{SUMMARY_FILE}) en:
  --output FILE  un CSV con las mismas columnas que {RESULTS_FILE} más run_id (';', UTF-8 con BOM, celdas protegidas
                 contra fórmulas como las del launcher);
  --html FILE    un informe HTML autocontenido (sin recursos externos) para abrir en el navegador: recuentos por
                 acción y estado, las filas que siguen fallando tras los reintentos con su mensaje y su log, y la
                 duración y las llamadas a la API de cada ejecución.
Una fila x acción "sigue fallando" cuando su resultado más reciente (la última ejecución real que la incluye; una
simulación no cuenta si hay una ejecución real) es rejected, error o timeout."""


@dataclass
class Run:
    """One run folder: its id, its rows (``{column: value}``) and its summary.json (empty when missing)."""

    run_id: str
    path: Path
    rows: list[dict[str, str]]
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def dry_run(self) -> bool:
        return bool(self.summary.get('dry_run'))


# --------------------------------------------------------------------------- reading


def run_dirs(paths: Iterable[str], runs_dir: str | None) -> list[Path]:
    """The run folders named, plus every folder of ``runs_dir`` holding a results_manual.csv."""
    found = [Path(p) for p in paths]
    if runs_dir:
        parent = Path(runs_dir)
        if not parent.is_dir():
            raise Rejected(f'--runs-dir: no existe la carpeta {parent}')
        found += [child for child in parent.iterdir() if (child / RESULTS_FILE).is_file()]
    unique = list(dict.fromkeys(path.resolve() for path in found))
    if not unique:
        raise Rejected('no hay ejecuciones que consolidar: indique carpetas RUN_DIR o --runs-dir')
    return unique


def load_run(path: Path) -> tuple[Run, list[str]]:
    """A run folder and the warnings found reading it; Rejected when its results_manual.csv is missing or unreadable."""
    results = path / RESULTS_FILE
    if not results.is_file():
        raise Rejected(f'{path}: no es una carpeta de ejecución (falta {RESULTS_FILE})')
    try:
        header = read_header(results)
        missing = [column for column in RESULT_COLUMNS if column not in header]
        if missing:
            raise Rejected(f'{results}: faltan las columnas {", ".join(missing)}')
        rows = [{column: unprotect(value) for column, value in row.items()} for _, row in iter_rows(results)]
    except CsvError as exc:
        raise Rejected(f'{results}: {exc}') from None
    warnings: list[str] = []
    summary: dict[str, Any] = {}
    summary_path = path / SUMMARY_FILE
    if summary_path.is_file():
        try:
            summary = json.loads(summary_path.read_text(encoding='utf-8'))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            warnings.append(f'{summary_path}: ilegible ({exc}); sin duración ni llamadas')
    else:
        warnings.append(f'{path.name}: falta {SUMMARY_FILE}; sin duración ni llamadas')
    run = Run(summary.get('run_id') or path.name, path, rows, summary)
    expected = summary.get('total')
    if expected is not None and expected != len(rows):
        warnings.append(
            f'{run.run_id}: {SUMMARY_FILE} cuenta {expected} filas x acción y {RESULTS_FILE} tiene {len(rows)}'
        )
    return run, warnings


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


def still_failing(runs: list[Run]) -> list[dict[str, str]]:
    """The rows whose latest outcome failed, with their run_id; a dry run never hides a real run's outcome."""
    latest: dict[tuple[str, ...], tuple[bool, dict[str, str]]] = {}
    for run in runs:
        for row in run.rows:
            identity = (
                (row['dataset'], row['key'].casefold(), row['action'])
                if row['key']
                else (run.run_id, row['dataset'], row['row'], row['action'])
            )
            previous = latest.get(identity)
            if run.dry_run and previous is not None and not previous[0]:
                continue
            latest[identity] = (run.dry_run, {'run_id': run.run_id, **row})
    return [row for _, row in latest.values() if row['status'] in FAILED_STATUSES]


def _seconds(start: str | None, end: str | None) -> float | None:
    if not start or not end:
        return None
    try:
        begin = datetime.fromisoformat(start.replace('Z', '+00:00'))
        finish = datetime.fromisoformat(end.replace('Z', '+00:00'))
    except ValueError:
        return None
    return round((finish - begin).total_seconds(), 3)


def run_overview(run: Run) -> dict[str, Any]:
    """What the report shows of one run: state, mode, rows, timings and API usage."""
    summary = run.summary
    timings = summary.get('timings') or {}
    by_status: dict[str, int] = {}
    for row in run.rows:
        by_status[row['status']] = by_status.get(row['status'], 0) + 1
    return {
        'run_id': run.run_id,
        'run_dir': str(run.path),
        'state': summary.get('state', ''),
        'dry_run': run.dry_run,
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


# --------------------------------------------------------------------------- outputs


def write_consolidated(path: Path, runs: list[Run]) -> int:
    """The consolidated CSV (run_id + the results columns, cells protected against formulas); rows written."""
    lines = ([run.run_id if c == 'run_id' else row.get(c, '') for c in COLUMNS] for run in runs for row in run.rows)
    return write_csv(path, COLUMNS, lines)


_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:2rem;color:#1f2933;background:#fafbfc}
h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.15rem;margin:2rem 0 .5rem}
.meta{color:#616e7c;margin:0 0 1rem}
.cards{display:flex;gap:1rem;flex-wrap:wrap}
.card{background:#fff;border:1px solid #d9e2ec;border-radius:6px;padding:.75rem 1rem;min-width:8rem}
.card b{display:block;font-size:1.4rem}
table{border-collapse:collapse;background:#fff;font-size:.9rem}
th,td{border:1px solid #d9e2ec;padding:.3rem .55rem;text-align:left;vertical-align:top}
th{background:#f0f4f8}td.n{text-align:right;font-variant-numeric:tabular-nums}
.executed{color:#1e7b34}.skipped,.dry_run{color:#616e7c}.rejected,.error,.timeout{color:#b42318;font-weight:600}
code{font-size:.8rem;word-break:break-all}.ok{color:#1e7b34}
"""


def _e(value: Any) -> str:
    return html.escape('' if value is None else str(value), quote=True)


def _table(header: list[str], rows: list[list[str]], numeric: set[int] | None = None) -> str:
    numeric = numeric or set()
    head = ''.join(f'<th>{_e(cell)}</th>' for cell in header)
    body = ''.join(
        '<tr>'
        + ''.join(f'<td class="n">{cell}</td>' if i in numeric else f'<td>{cell}</td>' for i, cell in enumerate(row))
        + '</tr>'
        for row in rows
    )
    return f'<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def render_html(
    runs: list[Run],
    overviews: list[dict[str, Any]],
    by_action: dict[str, dict[str, int]],
    failing: list[dict[str, str]],
) -> str:
    """The self-contained report: inline CSS, no script, every value HTML-escaped."""
    statuses = [s for s in TASK_STATUSES if any(s in c for c in by_action.values())] or list(FAILED_STATUSES)
    all_totals = totals(by_action)
    generated = datetime.now(UTC).strftime('%Y-%m-%d %H:%M:%S UTC')
    cards = ''.join(
        f'<div class="card"><b>{_e(value)}</b>{_e(label)}</div>'
        for label, value in (
            ('ejecuciones', len(runs)),
            ('filas x acción', sum(all_totals.values())),
            *((status, all_totals.get(status, 0)) for status in statuses),
            ('siguen fallando', len(failing)),
        )
    )
    run_rows = [
        [
            f'<code>{_e(o["run_id"])}</code>',
            _e(o['state']) + (' (simulación)' if o['dry_run'] else ''),
            _e(o['started_at']),
            _e(o['duration_s']),
            _e(o['work_s']),
            _e(o['rows']),
            _e(o['failed']),
            _e(o['api_calls']),
            _e(o['http_429']),
            _e(o['retries']),
        ]
        for o in overviews
    ]
    runs_table = _table(
        [
            'ejecución',
            'estado',
            'inicio',
            'duración (s)',
            'trabajo (s)',
            'filas',
            'fallidas',
            'llamadas API',
            '429',
            'reintentos',
        ],
        run_rows,
        numeric=set(range(3, 10)),
    )
    action_rows = [
        [f'<code>{_e(action)}</code>', *(_e(by_status.get(s, 0)) for s in statuses), _e(sum(by_status.values()))]
        for action, by_status in by_action.items()
    ]
    action_rows.append(
        [
            '<b>TOTAL</b>',
            *(f'<b>{_e(all_totals.get(s, 0))}</b>' for s in statuses),
            f'<b>{_e(sum(all_totals.values()))}</b>',
        ]
    )
    actions_table = _table(['acción', *statuses, 'total'], action_rows, numeric=set(range(1, len(statuses) + 2)))
    if failing:
        failing_table = _table(
            ['ejecución', 'dataset', 'fila', 'clave', 'acción', 'estado', 'mensaje', 'intentos', 'tracking id', 'log'],
            [
                [
                    f'<code>{_e(r["run_id"])}</code>',
                    _e(r['dataset']),
                    _e(r['row']),
                    _e(r['key']),
                    f'<code>{_e(r["action"])}</code>',
                    f'<span class="{_e(r["status"])}">{_e(r["status"])}</span>',
                    _e(r['message']),
                    _e(r['attempts']),
                    f'<code>{_e(r["tracking_id"])}</code>',
                    f'<code>{_e(r["log_file"])}</code>',
                ]
                for r in failing
            ],
            numeric={2, 7},
        )
    else:
        failing_table = '<p class="ok">Ninguna fila sigue fallando.</p>'
    return f"""<!DOCTYPE html>
<html lang="es">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Informe consolidado de ejecuciones</title>
<style>{_CSS}</style>
</head>
<body>
<h1>Informe consolidado de ejecuciones</h1>
<p class="meta">Generado el {_e(generated)} a partir de {_e(len(runs))} ejecución(es).</p>
<div class="cards">{cards}</div>
<h2>Filas que siguen fallando</h2>
<p class="meta">El resultado más reciente de cada fila x acción es rejected, error o timeout (tras los reintentos).</p>
{failing_table}
<h2>Recuento por acción y estado</h2>
{actions_table}
<h2>Ejecuciones</h2>
{runs_table}
</body>
</html>
"""


# --------------------------------------------------------------------------- command line


def _parser() -> argparse.ArgumentParser:
    parser = command_parser(
        SCRIPT, DESCRIPTION, '0 consolidado, 2 rechazado (carpetas que no son ejecuciones), 1 error.'
    )
    parser.add_argument(
        'run_dirs', nargs='*', metavar='RUN_DIR', help='carpetas de ejecución (<log dir>/runs/<run_id>)'
    )
    parser.add_argument(
        '--runs-dir', '--runs_dir', dest='runs_dir', help='todas las ejecuciones de esta carpeta (p. ej. logs/runs)'
    )
    parser.add_argument('--output', default='consolidado.csv', help='CSV consolidado (por defecto consolidado.csv)')
    parser.add_argument('--html', default='consolidado.html', help='informe HTML (por defecto consolidado.html)')
    return parser


def consolidate(paths: list[str], runs_dir: str | None, output: Path, report: Path) -> Reply:
    """Merge the runs named (and those of ``runs_dir``) into the CSV ``output`` and the HTML ``report``.
    Rejected for folders that are not runs."""
    runs: list[Run] = []
    warnings: list[str] = []
    for path in run_dirs(paths, runs_dir):
        run, found = load_run(path)
        runs.append(run)
        warnings.extend(found)
    for warning in warnings:
        print(f'aviso: {warning}', file=sys.stderr)
    runs.sort(key=lambda run: ((run.summary.get('timings') or {}).get('started_at') or '', run.run_id))
    by_action = counts(runs)
    failing = still_failing(runs)
    overviews = [run_overview(run) for run in runs]
    written = write_consolidated(output, runs)
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(render_html(runs, overviews, by_action, failing), encoding='utf-8')
    result = {
        'output': str(output.resolve()),
        'html': str(report.resolve()),
        'runs': overviews,
        'by_action': by_action,
        'by_status': totals(by_action),
        'rows': written,
        'still_failing': len(failing),
        'failing_rows': failing[:FAILING_IN_RESULT],
        'warnings': warnings,
    }
    message = f'{len(runs)} ejecución(es), {written} fila(s) x acción, {len(failing)} siguen fallando'
    return Reply('executed', message, result, where=f'CSV: {result["output"]}; HTML: {result["html"]}')


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(argv)
    started = time.monotonic()
    invocation = invocation_from(
        argv, run_dirs=args.run_dirs, runs_dir=args.runs_dir, output=args.output, html=args.html
    )
    reply = capture(SCRIPT, lambda: consolidate(args.run_dirs, args.runs_dir, Path(args.output), Path(args.html)))
    return emit(SCRIPT, invocation, reply, started=started)


if __name__ == '__main__':
    raise SystemExit(main())
