"""What a run leaves and says, all read from its checkpoint: ``results_manual.csv`` (one line per row x action, with
its reason category), ``summary.json`` (the target, operator and versions; counts by status and by category, the
failures grouped by reason, timings, API usage, files), ``result.json`` (the result object), the end-of-run table and
the failures by reason on the terminal, the operator's next step, and the result object of the launcher and the bulk
runner.

``results_manual.csv`` stays one plain table (a header line, then one line per pair) so that Excel and
``consolidar_reportes`` read it as it is; its last columns name the target of every line (organisation name and id,
the token's owner), so a file forwarded alone still says where it applied; everything the run was bound to (base URL,
operator, versions, input folder) is in ``summary.json`` and ``result.json`` beside it.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from transformacion.batch.checkpoint import FAILED_STATUSES, SKIP_CATEGORIES, Checkpoint, Task
from transformacion.batch.inputs import results_workbook
from transformacion.batch.options import EXIT_CODES
from transformacion.batch.target import LOCAL_SANDBOX, WEBEX_BASE_URL, is_local, normal_base_url
from transformacion.batch.validation import FIX_OR_SKIP, describe_problem
from transformacion.core.catalog import Catalog, plan
from transformacion.core.cli import Reply
from transformacion.core.csvfiles import write_csv
from transformacion.core.outcome import EXIT_CODES as STATUS_EXIT_CODES
from transformacion.core.outcome import result_object

RESULTS_FILE = 'results_manual.csv'
SUMMARY_FILE = 'summary.json'
RESULT_FILE = 'result.json'
RESULT_COLUMNS = tuple(
    'dataset row key action status category message attempts duration_s tracking_id log_file org_name org_id '
    'webex_user'.split()
)
#: Problems listed in the result object (the terminal and results_manual.csv have all of them).
PROBLEMS_IN_RESULT = 100
#: What to do about each kind of failure (``{run}``: the run id), as the terminal and the summary say it.
FAILURE_STEPS = {
    'auth': 'el token no vale o caducó: renuévelo y repita con --retry-failed {run}',
    'permission': 'el token no tiene permiso para esa operación (rol de administrador, ámbitos, organización): '
    'corríjalo y repita con --retry-failed {run}',
    'not_found': 'algo que la fila nombra no existe en Webex: revise el CSV (nombres, ubicaciones, licencias) y '
    'relance',
    'conflict': 'choca con el estado actual de Webex (número, extensión o nombre en uso): revíselo y relance',
    'invalid_input': 'datos que la validación o Webex rechazan: corrija el CSV y relance (lo ya aplicado quedará '
    'sin_cambios)',
    'sin_confirmar': 'cambio de alto impacto sin confirmar: revise el estado actual y el deseado y aplíquelo con '
    '--retry-failed {run} --yes',
    'drift': 'el estado en Webex cambió desde que se planificó (valor esperado y encontrado en el mensaje): nada '
    'escrito en esos pares; revíselo, planifique de nuevo (--dry-run --plan-out) y aplique el nuevo plan',
    'en_desarrollo': 'la acción está en desarrollo y todavía no se puede ejecutar: quítela de --actions',
    'rate_limited': 'Webex limitó el ritmo (429): repita con --retry-failed {run} (con --rate-limit si se repite)',
    'transient': 'fallo pasajero de red o de Webex (5xx): repita con --retry-failed {run}',
    'timeout': 'sin terminar a tiempo: repita con --retry-failed {run} (o suba --chunk-timeout)',
    'unexpected': 'fallo inesperado: vea la traza en el log de la acción; repita con --retry-failed {run}',
}
#: What to do about each kind of refusal, in the one-line next step.
REJECTED_STEPS = {
    'invalid_input': 'corrija el CSV y relance',
    'sin_confirmar': 'aplíquelos con --retry-failed {run} --yes',
    'drift': 'el estado cambió desde el plan: planifique de nuevo',
    'en_desarrollo': 'quite la acción',
}
#: A revert's drift is about the run it undoes, not about a plan (a run of pairs whose origin ``kind`` is ``revert``).
REVERT_FAILURE_STEPS = {
    **FAILURE_STEPS,
    'drift': 'alguien cambió esos valores después de la ejecución que se deshace (esperado y encontrado en el '
    'mensaje): no se sobrescriben; revíselos y, si deben volver atrás, cámbielos en Control Hub',
}
REVERT_REJECTED_STEPS = {**REJECTED_STEPS, 'drift': 'el estado cambió desde la ejecución: revíselo'}
#: How each way of stopping is named to the operator.
_STOPPED_BY = {
    'SIGINT': 'Ctrl-C',
    'SIGTERM': 'SIGTERM',
    'job_timeout': '--job-timeout',
    'stop': 'parada pedida',
    'retry_after': 'Webex pidió esperar más que TRANSFORMACION_MAX_WAIT',
    'credentials': 'Webex rechazó las credenciales',
}
#: The columns of the end-of-run table: statuses, with skipped split into its categories.
_TABLE_COLUMNS = ('executed', 'dry_run', 'requiere_yes', *SKIP_CATEGORIES, *FAILED_STATUSES, 'no_ejecutado')


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
    actions in plan order) with its status and reason category (``checkpoint.CATEGORIES``), cells protected against
    formulas. The log file is named once the task was attempted; the target columns repeat the run's target (empty
    before it was read, e.g. a batch refused by its validation)."""
    datasets = list(dict.fromkeys(domain for domain, _ in plan(actions, catalog)))
    target = store.meta('target') or {}
    where = (target.get('org_name') or '', target.get('org_id') or '', target.get('owner_email') or '')

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
                    task.category,
                    task.message,
                    task.attempts,
                    task.duration_s,
                    task.tracking_id,
                    log_file,
                    *where,
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


def resume_command(store: Checkpoint, run_dir: Path) -> str:
    """The exact command that continues the run from any directory: its command, ``--resume`` with its folder, the
    customer org's variables file of a multi-org run (``--env-file``, ``batch.orgs``) and its base URL when it is not
    Webex's (the token must be the same org's: WEBEX_ACCESS_TOKEN or --token)."""
    script = store.meta('script') or 'launcher_csv_dependencias'
    target = store.meta('target') or {}
    base_url = target.get('base_url')
    env_file = ((store.meta('batch') or {}).get('reading') or {}).get('env_file')
    extra = f' --env-file {env_file}' if env_file else ''
    extra += f' --base-url {base_url}' if base_url and normal_base_url(base_url) != WEBEX_BASE_URL else ''
    return f'python -m transformacion.{script} --resume {run_dir}{extra}'


def _input_dir(batch: dict[str, Any]) -> str:
    paths = [path for path in [batch['global_csv'], *batch['sources'].values()] if path]
    return os.path.commonpath([str(Path(path).parent) for path in paths]) if paths else ''


def _example(task: Task, files: dict[str, str]) -> dict[str, Any]:
    return {
        'file': Path(files.get(task.dataset, task.dataset)).name,
        'row': task.row,
        'key': task.entity,
        'action': task.action,
        'status': task.status,
        'message': task.message,
    }


def _kind(store: Checkpoint) -> str | None:
    """What the run is: None for a run of input rows, else its pairs' origin (``apply``, ``revert``...)."""
    return (store.meta('pairs') or {}).get('kind')


def _failures(store: Checkpoint, run_id: str, files: dict[str, str]) -> list[dict[str, Any]]:
    steps = REVERT_FAILURE_STEPS if _kind(store) == 'revert' else FAILURE_STEPS
    return [
        {
            'category': category,
            'count': count,
            'next_step': steps.get(category, steps['unexpected']).format(run=run_id),
            'example': _example(example, files),
        }
        for category, count, example in store.failures()
    ]


def build_summary(store: Checkpoint, run_dir: Path) -> dict[str, Any]:
    """summary.json: what the run is bound to (``target``: base URL, org id and name, the token's owner and its
    org), who drove its last session (``operator``) with which ``versions``, its input folder and the variables file
    it acts with (``env_file``: absolute path, or None; ``batch.orgs``); counts by status and
    by reason category per action, dataset and chunk; the failures grouped by reason with an example and the next
    step; timings (UTC, seconds); API calls (the target reads included), retries and 429s; the pace (``rate``: the
    operator's ``--rate-limit``, requests/s, or the rate remembered for the org that the last session started from,
    ``{rate, age_s, fresh}``, and the rate its 429s taught, remembered for the next run; None each when there is
    none); the run's files and the command that continues it."""
    totals = store.totals()
    sessions = [session.__dict__ for session in store.sessions()]
    batch = store.meta('batch')
    durations = {
        action: {'total_s': round(total, 3), 'mean_s': round(mean, 3)}
        for action, (total, mean) in store.durations().items()
    }
    logs = {a: str(run_dir / f'{a}.jsonl') for a in batch['actions'] if (run_dir / f'{a}.jsonl').is_file()}
    by_action_category = store.counts_by_category()
    by_category: dict[str, int] = {}
    for counts in by_action_category.values():
        for category, number in counts.items():
            by_category[category] = by_category.get(category, 0) + number
    last = next((s['operator'] for s in reversed(sessions) if s['operator']), None) or {}
    checked = store.meta('resources_calls') or {}  # the batch's resources checked against the org
    return {
        'run_id': run_dir.name,
        'run_dir': str(run_dir),
        'state': run_state(store),
        'stopped_by': store.meta('stopped_by'),
        'halted': store.meta('halted'),
        'dry_run': batch['dry_run'],
        'mode': 'single' if batch['row'] is not None else 'bulk',
        'script': store.meta('script') or 'launcher_csv_dependencias',
        'kind': _kind(store),
        'target': store.meta('target'),
        'operator': {key: value for key, value in last.items() if key != 'versions'},
        'versions': last.get('versions', {}),
        'input_dir': _input_dir(batch),
        'env_file': (batch.get('reading') or {}).get('env_file'),
        'actions': batch['actions'],
        'inputs': {'global': batch['global_csv'], **batch['sources']},
        'total': totals.tasks,
        'by_status': store.counts_by_status(),
        'by_category': by_category,
        'by_action': store.counts('action'),
        'by_action_category': by_action_category,
        'by_dataset': store.counts('dataset'),
        'by_chunk': store.counts('chunk'),
        'failures': _failures(store, run_dir.name, batch['sources']),
        'problems': store.problem_count(),
        'api_calls': totals.api_calls + (store.meta('target_api_calls') or 0) + checked.get('api_calls', 0),
        'http_429': totals.http_429 + checked.get('http_429', 0),
        'retries': totals.retries + checked.get('retries', 0),
        'attempts': totals.attempts,
        'rate': {
            'rate_limit': store.meta('rate_limit'),
            'remembered': store.meta('remembered_rate'),
            'learnt': store.meta('learnt_rate'),
        },
        'timings': {
            'started_at': sessions[0]['started_at'] if sessions else None,
            'finished_at': sessions[-1]['finished_at'] if sessions else None,
            'work_s': round(totals.work_s, 3),
            'by_action': durations,
            'sessions': sessions,
        },
        'files': {
            'results': str(run_dir / RESULTS_FILE),
            'summary': str(run_dir / SUMMARY_FILE),
            'result': str(run_dir / RESULT_FILE),
            'checkpoint': str(store.path),
            'logs': logs,
        },
        'resume_command': resume_command(store, run_dir),
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


def _row_counts(statuses: dict[str, int], categories: dict[str, int]) -> dict[str, int]:
    """One table line's counts: the statuses, skipped split by category, pending and running as no_ejecutado."""
    counts = {column: statuses.get(column, 0) for column in ('executed', 'dry_run', *FAILED_STATUSES)}
    counts.update({category: categories.get(category, 0) for category in (*SKIP_CATEGORIES, 'requiere_yes')})
    counts['no_ejecutado'] = statuses.get('pending', 0) + statuses.get('running', 0)
    return counts


def _headline(summary: dict[str, Any]) -> str:
    state = summary['state']
    line = f'Ejecución {summary["run_id"]}: {state}' + (' (simulación)' if summary['dry_run'] else '')
    if state == 'rejected':
        return line + ' · LOTE RECHAZADO por la validación: no se ejecutó nada'
    if state == 'stopped':
        stopped_by = _STOPPED_BY.get(summary.get('stopped_by') or '', 'interrumpida')
        return line + f' · DETENIDA ({stopped_by}): quedan pares sin ejecutar'
    return line


def render_table(summary: dict[str, Any]) -> str:
    """The end-of-run table: one line per action with its counts by status, skipped split by reason (sin_cambios,
    no_aplica, bloqueado, lote_rechazado) and the pairs not executed, then totals and where to look. Columns that are
    zero on every line are left out, except ``executed``."""
    lines = {
        action: _row_counts(counts, summary['by_action_category'].get(action, {}))
        for action, counts in summary['by_action'].items()
    }
    total = _row_counts(summary['by_status'], summary['by_category'])
    columns = [c for c in _TABLE_COLUMNS if c == 'executed' or total[c]]
    rows = [['acción', *columns, 'total']]
    for action, counts in lines.items():
        rows.append([action, *(str(counts[c]) for c in columns), str(sum(summary['by_action'][action].values()))])
    rows.append(['TOTAL', *(str(total[c]) for c in columns), str(summary['total'])])
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    table = [
        '  '.join(cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row))
        for row in rows
    ]
    target = summary.get('target') or {}
    where = (
        [f'destino: {target.get("org_name")} · org {target.get("org_id")} · {target.get("base_url")}'] if target else []
    )
    return '\n'.join(
        [
            _headline(summary),
            *where,
            *table,
            f'llamadas a la API: {summary["api_calls"]} · 429 recibidos: {summary["http_429"]} · '
            f'reintentos: {summary["retries"]} · problemas de validación: {summary["problems"]}',
            *_pace_line(summary),
            f'resultados: {summary["files"]["results"]}',
            f'resumen:    {Path(summary["run_dir"]) / SUMMARY_FILE}',
        ]
    )


def _pace_line(summary: dict[str, Any]) -> list[str]:
    """The table's line on the pace (none when the run made no call): the operator's rate, or where the learning
    started and what it learnt."""
    pace = summary.get('rate') or {}
    if not summary['api_calls']:
        return []
    if pace.get('rate_limit'):
        return [f'ritmo: --rate-limit {pace["rate_limit"]:g} llamadas/s']
    parts = []
    remembered = pace.get('remembered')
    if remembered:
        how = 'recordado' if remembered['fresh'] else 'recordado antiguo, solo como punto de partida'
        parts.append(f'empezó en el {how} de la organización ({remembered["rate"]:.0f} llamadas/s)')
    if pace.get('learnt'):
        parts.append(f'aprendido de los 429: {pace["learnt"]:.0f} llamadas/s, recordado para la próxima ejecución')
    if not parts:
        parts.append('adaptativo, sin 429: nada nuevo que recordar')
    return ['ritmo: ' + ' · '.join(parts)]


def render_failures(summary: dict[str, Any]) -> str:
    """The failures grouped by reason: per reason how many, what to do and one example row ('' when none)."""
    if not summary['failures']:
        return ''
    count = sum(group['count'] for group in summary['failures'])
    text = [f'Fallos por motivo ({count}):']
    for group in summary['failures']:
        example = group['example']
        text.append(f'  {group["category"]} ({group["count"]}): {group["next_step"]}')
        text.append(
            f'    p. ej. {example["file"]}, fila {example["row"]} ({example["key"]}), {example["action"]}: '
            f'{example["status"]}: {example["message"]}'
        )
    blocked = summary['by_category'].get('bloqueado', 0)
    if blocked:
        text.append(f'  además {blocked} bloqueadas por un requisito que falló: se repiten con --retry-failed')
    return '\n'.join(text)


def next_step(report: Report) -> str:
    """What the operator should do now, in one line ('' when nothing)."""
    if report.state == 'rejected':
        return f'lote rechazado por la validación: {FIX_OR_SKIP}'
    counts = report.summary['by_status']
    if report.state == 'stopped':
        stopped_by = _STOPPED_BY.get(report.summary.get('stopped_by') or '', 'interrumpida')
        left = counts['pending'] + counts['running']
        halted = report.summary.get('halted') or {}
        when = ''
        if halted.get('resume_after'):
            when = f' no antes de {halted["resume_after"]}'
        elif halted.get('reason') == 'credentials':
            when = ' tras renovar las credenciales (WEBEX_REFRESH_TOKEN o --token)'
        resume = report.summary['resume_command']
        local = is_local((report.summary.get('target') or {}).get('base_url'))
        note = (
            f' (contra un sandbox local: solo mientras siga en marcha; {LOCAL_SANDBOX}; una ejecución hecha con '
            '--sandbox no se puede continuar: lance una nueva)'
            if local
            else ''
        )
        return f'detenida ({stopped_by}): quedan {left} sin ejecutar; continúe{when} con: {resume}{note}'
    steps = []
    if counts['error'] + counts['timeout']:
        steps.append(f'{counts["error"] + counts["timeout"]} en error o timeout: --retry-failed {report.run_id}')
    if counts['rejected']:
        rejected = REVERT_REJECTED_STEPS if report.summary.get('kind') == 'revert' else REJECTED_STEPS
        reasons = '; '.join(
            f'{group["category"]} {group["count"]}: {rejected[group["category"]].format(run=report.run_id)}'
            for group in report.summary['failures']
            if group['category'] in rejected
        )
        steps.append(f'{counts["rejected"]} rechazadas ({reasons}); lo ya aplicado quedará sin_cambios')
    if report.summary['problems']:
        steps.append('hay problemas de validación sin aplicar (--skip-invalid): corríjalos y relance')
    needs_yes = report.summary['by_category'].get('requiere_yes', 0)
    if needs_yes:
        steps.append(f'{needs_yes} cambio(s) de alto impacto (requiere_yes): la ejecución real necesita --yes')
    return '; '.join(steps)


def reply(report: Report) -> Reply:
    """The result object of a run (``emit_run`` prints it): status rejected / error / dry_run / executed / skipped
    (nothing to write), the run's files, its problems and its summary with exit code and next step; for the operator
    (stderr) the problems, the table, the failures by reason and the next step."""
    message = next_step(report)
    if report.state == 'rejected':
        status = 'rejected'
    elif report.exit_code:
        status = 'error'
    elif report.summary['dry_run']:
        status = 'dry_run'
    else:  # executed when the run wrote something, skipped when every pair was already in its state (or not asked)
        status = 'executed' if report.summary['by_status'].get('executed') else 'skipped'
    text = []
    if report.problems:
        text.append(f'Problemas de validación ({len(report.problems)}):')
        text += [f'  - {problem}' for problem in report.problems]
    text.append(render_table(report.summary))
    failures = render_failures(report.summary)
    if failures:
        text.append(failures)
    if message:
        text.append(message)
    result = {
        'run_id': report.run_id,
        'run_dir': str(report.run_dir),
        'results_file': report.summary['files']['results'],
        'summary_file': report.summary['files']['summary'],
        'result_file': report.summary['files']['result'],
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
    """The result object of a run that could not start (exit 4): nothing written."""
    return Reply(
        'rejected',
        message,
        {'error': message},
        {'exit_code': EXIT_CODES['not_started']},
        text=f'no se puede empezar: {message}',
        exit_code=EXIT_CODES['not_started'],
        status_line=False,
    )


def emit_run(script_name: str, invocation: dict[str, Any], reply: Reply, *, json_out: bool) -> int:
    """Print how a batch command ended and return its exit code. The result object (``core.outcome.result_object``,
    summary ``{message, **reply.summary}``) is written to the run folder as ``result.json`` when there is one, and
    printed on stdout when ``json_out`` (stdout is not a terminal, or ``--json``) or when there is no run folder;
    the operator's text goes to stderr, followed, on a terminal, by where the result object is."""
    summary = {'message': reply.message, **reply.summary}
    document = result_object(script_name, reply.status, invocation, reply.result, summary)
    text = json.dumps(document, ensure_ascii=False, indent=2, default=str)
    run_dir = reply.result.get('run_dir')
    saved = None
    if run_dir and Path(run_dir).is_dir():
        saved = Path(run_dir) / RESULT_FILE
        saved.write_text(text + '\n', encoding='utf-8')
    if json_out or saved is None:
        print(text)
    if reply.text:
        print(reply.text, file=sys.stderr)
    if reply.status_line:
        print(f'[{reply.status}] {reply.message}', file=sys.stderr)
    if saved is not None and not json_out:
        print(f'objeto de resultado: {saved}', file=sys.stderr)
    return STATUS_EXIT_CODES[reply.status] if reply.exit_code is None else reply.exit_code
