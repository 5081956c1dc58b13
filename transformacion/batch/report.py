"""What a run leaves and says, all read from its checkpoint: ``results_manual.csv`` (one line per row x action),
``summary.json`` (counts, timings, API usage, files), the end-of-run table on the terminal, the operator's next step,
and the result object of the launcher and the bulk runner.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from transformacion.batch.checkpoint import FAILED_STATUSES, TASK_STATUSES, Checkpoint
from transformacion.batch.inputs import results_workbook
from transformacion.batch.options import EXIT_CODES
from transformacion.batch.validation import FIX_OR_SKIP, describe_problem
from transformacion.core.catalog import Catalog, plan
from transformacion.core.cli import Reply
from transformacion.core.csvfiles import write_csv

RESULTS_FILE = 'results_manual.csv'
SUMMARY_FILE = 'summary.json'
RESULT_COLUMNS = tuple('dataset row key action status message attempts duration_s tracking_id log_file'.split())
#: Problems listed in the result object (the terminal and results_manual.csv have all of them).
PROBLEMS_IN_RESULT = 100


@dataclass(frozen=True)
class Report:
    """How a run ended: its folder, state (completed, stopped, rejected), summary (summary.json), exit code and the
    validation problems as the launcher lists them."""

    run_id: str
    run_dir: Path
    state: str
    exit_code: int
    summary: dict[str, Any]
    problems: list[str]


def write_results(store: Checkpoint, run_dir: Path, actions: tuple[str, ...], catalog: Catalog) -> Path:
    """results_manual.csv from the checkpoint: one line per row x action (datasets in plan order, then rows, then
    actions in plan order), cells protected against formulas. The log file is named once the task was attempted."""
    datasets = list(dict.fromkeys(domain for domain, _ in plan(actions, catalog)))

    def lines():
        for dataset in datasets:
            for task in store.tasks(dataset):
                log_file = str(run_dir / f'{task.action}.jsonl') if task.attempts else ''
                yield (
                    task.dataset,
                    task.row,
                    task.entity,
                    task.action,
                    task.status,
                    task.message,
                    task.attempts,
                    task.duration_s,
                    task.tracking_id,
                    log_file,
                )

    path = run_dir / RESULTS_FILE
    with store.transaction():
        write_csv(path, RESULT_COLUMNS, lines())
    if ((store.meta('batch') or {}).get('reading') or {}).get('results_xlsx'):
        results_workbook(path)
    return path


def run_state(store: Checkpoint) -> str:
    """``rejected`` (by its validation), ``stopped`` (tasks left pending or running) or ``completed``."""
    if store.meta('state') == 'rejected':
        return 'rejected'
    return 'stopped' if store.count(['pending', 'running']) else 'completed'


def build_summary(store: Checkpoint, run_dir: Path) -> dict[str, Any]:
    """summary.json: counts by status per action, dataset and chunk; timings (UTC, seconds); API calls, retries
    and 429s; the run's files."""
    totals = store.totals()
    sessions = [session.__dict__ for session in store.sessions()]
    batch = store.meta('batch')
    durations = {
        action: {'total_s': round(total, 3), 'mean_s': round(mean, 3)}
        for action, (total, mean) in store.durations().items()
    }
    logs = {a: str(run_dir / f'{a}.jsonl') for a in batch['actions'] if (run_dir / f'{a}.jsonl').is_file()}
    return {
        'run_id': run_dir.name,
        'run_dir': str(run_dir),
        'state': run_state(store),
        'dry_run': batch['dry_run'],
        'mode': 'single' if batch['row'] is not None else 'bulk',
        'actions': batch['actions'],
        'inputs': {'global': batch['global_csv'], **batch['sources']},
        'total': totals.tasks,
        'by_status': store.counts_by_status(),
        'by_action': store.counts('action'),
        'by_dataset': store.counts('dataset'),
        'by_chunk': store.counts('chunk'),
        'problems': store.problem_count(),
        'api_calls': totals.api_calls,
        'http_429': totals.http_429,
        'retries': totals.retries,
        'attempts': totals.attempts,
        'timings': {
            'started_at': sessions[0]['started_at'] if sessions else None,
            'finished_at': sessions[-1]['finished_at'] if sessions else None,
            'work_s': round(totals.work_s, 3),
            'by_action': durations,
            'sessions': sessions,
        },
        'files': {
            'results': str(run_dir / RESULTS_FILE),
            'checkpoint': str(store.path),
            'logs': logs,
        },
    }


def exit_code(state: str, summary: dict[str, Any]) -> int:
    """The run's exit code (``options.EXIT_CODES``): rejected 2, stopped 5, any failure or problem 3, else 0."""
    if state == 'rejected':
        return EXIT_CODES['rejected']
    if state == 'stopped':
        return EXIT_CODES['stopped']
    failed = sum(summary['by_status'][status] for status in FAILED_STATUSES)
    return EXIT_CODES['partial'] if failed or summary['problems'] else EXIT_CODES['ok']


def write_report(store: Checkpoint, run_dir: Path, actions: tuple[str, ...], catalog: Catalog) -> Report:
    """Write results_manual.csv and summary.json of the run as it stands, and say how it ended."""
    state = run_state(store)
    write_results(store, run_dir, actions, catalog)
    summary = build_summary(store, run_dir)
    (run_dir / SUMMARY_FILE).write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding='utf-8')
    problems = [describe_problem(problem) for problem in store.problems()]
    return Report(run_dir.name, run_dir, state, exit_code(state, summary), summary, problems)


# --------------------------------------------------------------------------- terminal and result object


def render_table(summary: dict[str, Any]) -> str:
    """The end-of-run table: one line per action with its counts by status, then totals and where to look."""
    statuses = [s for s in TASK_STATUSES if s not in ('pending', 'running')] + ['pending']
    header = ['acción', *statuses, 'total']
    lines = []
    for action, counts in summary['by_action'].items():
        pending = counts.get('pending', 0) + counts.get('running', 0)
        values = [counts.get(status, 0) for status in statuses[:-1]] + [pending]
        lines.append([action, *map(str, values), str(sum(counts.values()))])
    totals = summary['by_status']
    lines.append(
        ['TOTAL']
        + [str(totals[s]) for s in statuses[:-1]]
        + [str(totals['pending'] + totals['running']), str(summary['total'])]
    )
    widths = [max(len(str(line[i])) for line in [header, *lines]) for i in range(len(header))]
    table = [
        '  '.join(cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(line))
        for line in [header, *lines]
    ]
    return '\n'.join(
        [
            f'Ejecución {summary["run_id"]}: {summary["state"]}' + (' (simulación)' if summary['dry_run'] else ''),
            *table,
            f'llamadas a la API: {summary["api_calls"]} · 429 recibidos: {summary["http_429"]} · '
            f'reintentos: {summary["retries"]} · problemas de validación: {summary["problems"]}',
            f'resultados: {summary["files"]["results"]}',
            f'resumen:    {Path(summary["run_dir"]) / SUMMARY_FILE}',
        ]
    )


def next_step(report: Report) -> str:
    """What the operator should do now, in one line ('' when nothing)."""
    if report.state == 'rejected':
        return f'lote rechazado por la validación: {FIX_OR_SKIP}'
    if report.state == 'stopped':
        return f'quedan filas pendientes (--job-timeout); continúe con --resume {report.run_id}'
    counts = report.summary['by_status']
    steps = []
    if counts['error'] + counts['timeout']:
        steps.append(f'{counts["error"] + counts["timeout"]} en error o timeout: --retry-failed {report.run_id}')
    if counts['rejected']:
        steps.append(
            f'{counts["rejected"]} rechazadas: vea el motivo en results_manual.csv (alto impacto: relance con --yes; '
            'datos: corrija el CSV y relance; lo ya aplicado quedará skipped)'
        )
    if report.summary['problems']:
        steps.append('hay problemas de validación sin aplicar (--skip-invalid): corríjalos y relance')
    return '; '.join(steps)


def reply(report: Report) -> Reply:
    """The result object of a run (``core.cli.emit`` prints it): status rejected / error / dry_run / executed, the
    run's files, its problems and its summary with exit code and next step; on stderr the problems, the table and
    the next step."""
    message = next_step(report)
    if report.state == 'rejected':
        status = 'rejected'
    elif report.exit_code:
        status = 'error'
    else:
        status = 'dry_run' if report.summary['dry_run'] else 'executed'
    text = []
    if report.problems:
        text.append(f'Problemas de validación ({len(report.problems)}):')
        text += [f'  - {problem}' for problem in report.problems]
    text.append(render_table(report.summary))
    if message:
        text.append(message)
    result = {
        'run_id': report.run_id,
        'run_dir': str(report.run_dir),
        'results_file': report.summary['files']['results'],
        'summary_file': str(report.run_dir / SUMMARY_FILE),
        'problems': report.problems[:PROBLEMS_IN_RESULT],
    }
    summary = {**report.summary, 'exit_code': report.exit_code}
    return Reply(
        status,
        message or 'completado',
        result,
        summary,
        text='\n'.join(text),
        exit_code=report.exit_code,
        status_line=False,
    )


def not_started(message: str) -> Reply:
    """The result object of a run that could not start (exit 4): nothing validated or written."""
    return Reply(
        'rejected',
        message,
        {'error': message},
        {'exit_code': EXIT_CODES['not_started']},
        text=f'no se puede empezar: {message}',
        exit_code=EXIT_CODES['not_started'],
        status_line=False,
    )
