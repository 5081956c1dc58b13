"""Several customer organisations in one command (partners): the launcher over several folders or workbooks, the bulk
runner over several CSVs, one input per org, each run as a run of its own (``run.start_run``: its own run folder,
checkpoint, evidence, pacing and report) one after the other, then one combined summary.

Where each input acts and with which credential:

- its **variables file** (``--env-file``, one per input in order, else found beside the input: ``<folder>/.env``,
  ``<name>.env`` next to a workbook or CSV, or the ``.env`` of the CSV's folder; never the shared ``.env`` the command
  loaded). Its ``WEBEX_*`` variables win, one by one, over the environment and the shared ``.env``: a partner keeps
  the Service App's id, client id and secret and the admin token in the shared ``.env`` and only ``WEBEX_ORG_ID`` (and
  the app's ``WEBEX_REFRESH_TOKEN`` for that org) in each org's file; or each file holds a whole credential;
- else the ``org_id`` column of its global table (``core.columns.ORG_COLUMN``): a partner admin's token acting in that
  org with ``orgId``.

One rule for one input and several: an input's variables file is used whenever it exists, and its run says which
(one line on stderr, ``used_env_file``) and records it (``Batch.reading['env_file']``, ``summary.json``'s
``env_file``). With ``--sandbox`` (the demo org and its credential) a file found beside the input is not used and a
line says so; an explicit ``--env-file`` is refused. One input's ``--plan-out`` saves its plan as a plain run does;
``--apply PLAN`` (no inputs) uses ``--env-file`` or the variables file of the dry-run that made the plan.

An input that names no org and has no credential of its own is refused (it would act in the token's own org).
``--org-id`` and the shared ``WEBEX_ORG_ID`` are not used with several inputs. One org's failure (its credential
refused, its org out of reach, its batch rejected) does not stop the others; an operator's stop (Ctrl-C) ends the
org in progress cleanly and starts no other.

The one result object on stdout with several inputs: ``result.orgs`` lists each org's run (input, org, status, exit
code, state, message, run folder, files, counts, the command that continues it), ``summary`` the counts by status over
every run; it is also written to ``<log dir>/orgs/<id>.json`` (the combined summary). The exit code is the worst of the
orgs' (``WORST_FIRST``). ``--resume`` / ``--retry-failed`` with a combined summary's id or file continue every org
run it lists (each with its variables file, recorded in its checkpoint as ``Batch.reading['env_file']``; an applied
plan's or a revert's run, with that of the dry-run or the reverted run it comes from: ``run_env_file``) and start the
orgs a stop or a refused credential kept from starting (their ``batch`` is in the summary); with a run id, that org's
run alone. One input with a variables file (or whose global names its org) is a plain run: its own
result object (``report.emit_run``).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, TextIO

from transformacion.batch import report
from transformacion.batch.checkpoint import Checkpoint
from transformacion.batch.inputs import table_of
from transformacion.batch.options import EXIT_CODES, Batch, NotStarted, input_options, settings_from_args
from transformacion.batch.resources import OrgCheck
from transformacion.batch.run import (
    CHECKPOINT_FILE,
    Stop,
    _apply,
    _continue,
    _start,
    _with_plan,
    resolve_run,
)
from transformacion.core.catalog import Catalog, load_catalog
from transformacion.core.cli import Reply, capture, invocation_from, org_id_from
from transformacion.core.client import get_token, load_runtime_env
from transformacion.core.columns import GLOBAL, ORG_COLUMN, header_key
from transformacion.core.csvfiles import CsvError
from transformacion.core.evidence import log_dir_from, new_run_id
from transformacion.core.outcome import Rejected, result_object
from transformacion.core.secrets import register_secret

#: Folder of the combined summaries, in the log folder.
ORGS_DIR = 'orgs'
#: Exit codes from the worst: the command's own is the worst of its orgs'.
WORST_FIRST = (
    EXIT_CODES['crashed'],
    EXIT_CODES['not_started'],
    EXIT_CODES['stopped'],
    EXIT_CODES['rejected'],
    EXIT_CODES['partial'],
    EXIT_CODES['ok'],
)
#: The variables that make a credential of their own.
CREDENTIAL_VARS = ('WEBEX_ACCESS_TOKEN', 'WEBEX_CLIENT_ID', 'WEBEX_REFRESH_TOKEN', 'WEBEX_SERVICE_APP_ID')
_SECRET_VARS = ('WEBEX_ACCESS_TOKEN', 'WEBEX_CLIENT_SECRET', 'WEBEX_REFRESH_TOKEN')


@dataclass(frozen=True)
class OrgInput:
    """One org's input: ``path`` (the launcher's folder or workbook, the bulk runner's CSV), ``global_csv`` (the
    bulk runner's ``--global`` for it), ``env_file`` (its variables file, None when it has none); in a combined
    ``--resume``, its ``run`` (folder) or why it did not start."""

    path: str
    global_csv: str | None = None
    env_file: str | None = None
    #: in a combined ``--resume``: the org's run to continue, or the batch of an org that did not start (``Batch`` as
    #: a dict: it starts now), or why it cannot start
    run: str | None = None
    not_started: str | None = None
    batch: dict[str, Any] | None = None


#: Builds the batch of one input: (input, catalogue, input options as ``options.input_options``, the list the
#: operator's notices go to, or None for stderr) -> Batch.
MakeBatch = Callable[[OrgInput, Catalog, dict[str, Any], list[str] | None], Batch]


def org_inputs(
    paths: list[str],
    env_files: list[str] | None,
    globals_: list[str] | None = None,
    *,
    sandbox: bool = False,
    stream: TextIO | None = None,
) -> list[OrgInput]:
    """The inputs of a command, each with its global (``globals_``: none, one for every input, or one per input) and
    its variables file (``env_files`` paired in order, else the one found beside each input, whether one input or
    several: one rule). With ``sandbox`` (``--sandbox``: the demo org and its credential) a file found beside an input
    is not used, and ``stream`` (default stderr) says so. NotStarted when the counts do not pair."""
    env_files, globals_ = list(env_files or []), list(globals_ or [])
    if len(paths) > 1 and env_files and len(env_files) != len(paths):
        raise NotStarted(f'--env-file: indique uno por entrada ({len(paths)}), en el mismo orden; hay {len(env_files)}')
    if len(paths) <= 1 and len(env_files) > 1:
        raise NotStarted('--env-file: una sola entrada lleva un solo fichero de variables')
    if len(globals_) > 1 and len(globals_) != len(paths):
        raise NotStarted(f'--global: uno para todas las entradas o uno por entrada ({len(paths)}); hay {len(globals_)}')
    shared = load_runtime_env()
    found = []
    for index, path in enumerate(paths):
        if env_files:
            env_file: str | None = env_files[index]
        else:
            env_file = _beside(Path(path), shared)
            if env_file and sandbox:
                print(
                    f'--sandbox: no se usa {env_file} (actúa en la organización de demostración)',
                    file=stream or sys.stderr,
                )
                env_file = None
        global_csv = globals_[index] if len(globals_) > 1 else (globals_[0] if globals_ else None)
        found.append(OrgInput(path, global_csv, env_file))
    if not paths and env_files:  # --resume RUN --env-file F
        found.append(OrgInput('', None, env_files[0]))
    return found


def _beside(path: Path, shared: Path | None) -> str | None:
    """The variables file found beside an input (see the module docstring), never the shared one."""
    if path.is_dir():
        candidates = [path / '.env']
    else:
        candidates = [path.with_name(f'{path.stem}.env'), path.parent / '.env']
    for candidate in candidates:
        if candidate.is_file() and (shared is None or candidate.resolve() != shared.resolve()):
            return str(candidate)
    return None


def wants_orgs(args: argparse.Namespace, inputs: list[OrgInput], make_batch: MakeBatch) -> bool:
    """Whether the command goes through this module: several inputs, a variables file, a run to continue that was
    started with one (a multi-org run's own ``--resume``), or one input whose global names its org (``org_id``) while
    the command names none (``--org-id``, ``WEBEX_ORG_ID``): that org is the run's, never the token's own."""
    if len(inputs) > 1 or any(item.env_file for item in inputs):
        return True
    if args.apply:  # a plan made with a variables file is applied with it
        return bool(inputs) or plan_env_file(args.apply, args.log_dir) is not None
    continued = args.resume or args.retry_failed
    if continued:
        return combined_file(continued, args.log_dir) is not None or run_env_file(continued, args.log_dir) is not None
    if len(inputs) != 1 or args.sandbox or org_id_from(args):
        return False
    try:
        batch = make_batch(inputs[0], load_catalog(), input_options(args), [])
    except Exception:  # whatever keeps the batch from being read, the run reports it in its result object
        return False
    return global_org_id(batch) is not None


def plan_env_file(path: str, log_dir: str | Path | None) -> str | None:
    """The variables file of the dry-run that made the plan ``path`` (its run's ``Batch.reading['env_file']``, when
    that run is in the log folder), None when it had none or cannot be found. Only the plan's header is read
    (``plan.read_header``: a 100,000-row plan is about 230 MB)."""
    from transformacion.batch.plan import read_header

    try:
        run_id = read_header(Path(path).expanduser()).get('run_id')
    except (OSError, ValueError):
        return None
    return recorded(run_id, log_dir, 'env_file') if isinstance(run_id, str) and run_id else None


def recorded(reference: str, log_dir: str | Path | None, key: str) -> Any:
    """``Batch.reading[key]`` of the run ``reference`` names, None when there is none (or no such run)."""
    return ((_meta(reference, log_dir, 'batch') or {}).get('reading') or {}).get(key)


def run_env_file(reference: str, log_dir: str | Path | None) -> str | None:
    """The variables file the run ``reference`` names was made with, which its continuation uses again: its own
    (``Batch.reading['env_file']``), or for a run of pairs that of the run it comes from (an applied plan's: the
    dry-run that made the plan, ``plan_env_file``; a revert's: the reverted run's). None when it had none."""
    found = recorded(reference, log_dir, 'env_file')
    origin = _meta(reference, log_dir, 'pairs')
    if found or not isinstance(origin, dict):
        return found
    if origin.get('kind') == 'apply' and origin.get('plan'):
        return plan_env_file(origin['plan'], log_dir)
    if origin.get('kind') == 'revert' and origin.get('of'):
        return run_env_file(origin['of'], log_dir)
    return None


def _meta(reference: str, log_dir: str | Path | None, name: str) -> Any:
    """The checkpoint meta ``name`` of the run ``reference`` names, None when there is none (or no such run)."""
    try:
        run_dir = resolve_run(reference, log_dir)
    except NotStarted:
        return None
    store = Checkpoint(run_dir / CHECKPOINT_FILE)
    try:
        return store.meta(name)
    finally:
        store.close()


def combined_file(reference: str, log_dir: str | None) -> Path | None:
    """The combined summary ``reference`` names (its file, or its id in ``<log dir>/orgs``), None when none."""
    folder = log_dir_from(log_dir) / ORGS_DIR
    for candidate in (Path(reference).expanduser(), folder / f'{reference}.json'):
        if candidate.suffix == '.json' and candidate.is_file():
            return candidate.resolve()
    return None


def _combined_inputs(path: Path) -> list[OrgInput]:
    """The orgs of a combined summary, to continue: each org's run, or why it did not start and how to start it."""
    import json

    try:
        entries = json.loads(path.read_text(encoding='utf-8'))['result']['orgs']
    except (OSError, ValueError, KeyError, TypeError):
        raise NotStarted(f'{path} no es un resumen combinado de varias organizaciones') from None
    inputs = []
    for entry in entries:
        unstartable = None
        if not entry.get('run_dir') and not entry.get('batch'):
            unstartable = f'no llegó a empezar ({entry.get("message")}); corrija y lance de nuevo esa entrada'
        inputs.append(
            OrgInput(
                entry.get('input') or '',
                None,
                entry.get('env_file'),
                run=entry.get('run_dir'),
                not_started=unstartable,
                batch=None if entry.get('run_dir') else entry.get('batch'),
            )
        )
    return inputs


def read_env_file(path: str) -> dict[str, str]:
    """The non-empty variables of a ``.env`` file (its secrets registered). NotStarted when it cannot be read."""
    from dotenv import dotenv_values

    if not Path(path).is_file():
        raise NotStarted(f'no existe el fichero de variables {path}')
    values = {name: (value or '').strip() for name, value in dotenv_values(path).items()}
    for name in _SECRET_VARS:
        register_secret(values.get(name))
    return {name: value for name, value in values.items() if value}


def used_env_file(path: str, values: Mapping[str, str]) -> str:
    """The line that says which variables file a run uses and which of its ``WEBEX_*`` variables (names only)."""
    names = ', '.join(sorted(name for name in values if name.startswith('WEBEX_'))) or 'ninguna variable WEBEX_*'
    return f'fichero de variables: {Path(path).resolve()} ({names})'


def global_org_id(batch: Batch) -> str | None:
    """The ``org_id`` of the batch's global table (first data row), None when it has none or cannot be read (the
    validation then says why)."""
    table = table_of(batch, GLOBAL)
    if table is None:
        return None
    try:
        for _, row in table.rows():
            return next(
                (value for name, value in row.items() if header_key(name) == header_key(ORG_COLUMN.header) and value),
                None,
            )
    except CsvError:
        return None
    return None


# --------------------------------------------------------------------------- one org


@dataclass
class _Org:
    """One org's part of the command: its input, the org it asked for, how its run ended."""

    item: OrgInput
    reply: Reply
    org_id: str | None = None
    flying: bool = False
    #: the batch of an org that did not start, for a combined ``--resume`` to start
    batch: Batch | None = None


def _environ(values: Mapping[str, str]) -> dict[str, str]:
    """The org's variables over the environment; the shared WEBEX_ORG_ID never counts for an org."""
    shared = {name: value for name, value in os.environ.items() if name != 'WEBEX_ORG_ID'}
    return {**shared, **values}


def chosen_org(args: argparse.Namespace, values: Mapping[str, str], fallback: str | None = None) -> str | None:
    """The org a plan applied or a run continued acts in: ``--org-id``, else its variables file's ``WEBEX_ORG_ID``
    (``values``), else ``fallback`` (a continued run's recorded org; None: the plan's own target)."""
    return args.org_id or values.get('WEBEX_ORG_ID') or fallback


def org_connection(args: argparse.Namespace, values: Mapping[str, str], org_id: str | None) -> tuple[Any, str | None]:
    """(credential, base URL) of one org: the command line (``args.token``, ``args.base_url``) over its variables
    file's ``values`` (``read_env_file``) over the environment (whose ``WEBEX_ORG_ID`` never counts); ``org_id`` the
    org it acts in (``org_batch``, ``chosen_org``). NotStarted when there is no credential or it is refused."""
    return _connection(args, _environ(values), org_id)


def _connection(args: argparse.Namespace, environ: Mapping[str, str], org_id: str | None) -> tuple[Any, str | None]:
    """(credential, base URL) of one org: command line over the org's variables over the environment."""
    options = argparse.Namespace(token=args.token, base_url=args.base_url, org_id=org_id)
    try:
        token = get_token(options, environ)
    except Rejected as exc:
        raise NotStarted(exc.message) from None
    return token, args.base_url or environ.get('WEBEX_BASE_URL', '').strip() or None


def _run_org(
    script_name: str,
    args: argparse.Namespace,
    item: OrgInput,
    make_batch: MakeBatch,
    catalog: Catalog,
    *,
    several: bool,
    concurrency: int | None,
    stop: Stop,
    stream: TextIO,
    org_check: OrgCheck | None = None,
) -> _Org:
    """Start the run of one org (or continue it: its ``run``, or ``--resume`` / ``--retry-failed``) and say how it
    ended; any failure becomes that org's reply, never the command's."""
    org = _Org(item, report.not_started(''))
    plan_out = None if several else args.plan_out  # one input's plan, saved where --plan-out says, as a plain run

    def work() -> Reply:
        values = read_env_file(item.env_file) if item.env_file else {}
        if item.env_file:
            print(used_env_file(item.env_file, values), file=stream)
        settings = settings_from_args(args, concurrency=concurrency)
        if args.apply:  # the plan's own org (its target) unless the variables file or --org-id name one
            org.org_id = chosen_org(args, values)
            connection = org_connection(args, values, org.org_id)
            settings = replace(settings, org_id=org.org_id)
            done, org.flying = _apply(script_name, args.apply, settings, args, catalog, stream, stop, connection)
            return _with_plan(report.reply(done), done, plan_out)
        continued = item.run or (None if item.batch else args.resume or args.retry_failed)
        if continued:
            org.org_id = chosen_org(args, values, recorded(continued, args.log_dir, 'org_id'))
            connection = org_connection(args, values, org.org_id)
            settings = replace(settings, org_id=org.org_id)
            done, org.flying = _continue(
                continued,
                settings,
                connection,
                bool(args.retry_failed),
                args.log_dir,
                catalog,
                time.sleep,
                stream,
                stop,
                org_check,
            )
            return _with_plan(report.reply(done), done, plan_out)
        if item.batch:
            org.batch = Batch(**{**item.batch, 'actions': tuple(item.batch['actions'])})
            org.org_id = org.batch.reading.get('org_id')
        else:
            org.batch, org.org_id = org_batch(args, item, make_batch, catalog, values, several=several)
        connection = org_connection(args, values, org.org_id)
        settings = replace(settings, org_id=org.org_id)
        for name in org.batch.actions:
            if not catalog[name][0].ready:
                print(f'aviso: {name} está en desarrollo: sus filas quedarán rejected', file=stream)
        done, org.flying = _start(
            org.batch, settings, connection, args.log_dir, catalog, time.sleep, stream, stop, script_name, org_check
        )
        org.batch = None  # started: its run continues it
        return _with_plan(report.reply(done), done, plan_out)

    def guarded() -> Reply:
        try:
            return work()
        except NotStarted as exc:
            return report.not_started(str(exc))
        except Rejected as exc:
            return report.not_started(exc.message)

    org.reply = capture(script_name, guarded)
    if org.reply.exit_code is None:  # the run itself failed: what was done is in its checkpoint
        org.reply.exit_code = org.reply.summary['exit_code'] = EXIT_CODES['crashed']
    return org


def org_batch(
    args: argparse.Namespace,
    item: OrgInput,
    make_batch: MakeBatch,
    catalog: Catalog,
    values: Mapping[str, str],
    *,
    several: bool,
    notices: list[str] | None = None,
) -> tuple[Batch, str | None]:
    """The batch of one input and the org it acts in (command line, its variables file, the shared environment for
    a single input, its global), with both recorded in ``Batch.reading`` (``org_id``, ``env_file``). NotStarted when
    the input cannot be read, or names no org among several (see the module docstring)."""
    own = args.org_id or values.get('WEBEX_ORG_ID') or (None if several else os.environ.get('WEBEX_ORG_ID'))
    batch = make_batch(item, catalog, {**input_options(args), 'org_id': own}, notices)
    org_id = own or global_org_id(batch)
    if several and not org_id and not any(name in values for name in CREDENTIAL_VARS):
        raise NotStarted(
            f'{item.path} no dice en qué organización actuar: ponga WEBEX_ORG_ID (o una credencial propia) en su '
            f'fichero de variables ({_env_hint(item)}) o la columna org_id en su global'
        )
    env_file = str(Path(item.env_file).resolve()) if item.env_file else None
    return replace(batch, reading={**batch.reading, 'org_id': org_id, 'env_file': env_file}), org_id


def _env_hint(item: OrgInput) -> str:
    path = Path(item.path)
    return str(path / '.env') if path.is_dir() else f'{path.with_name(path.stem + ".env")} o --env-file'


def _write_result(script_name: str, invocation: dict[str, Any], reply: Reply) -> None:
    """The org's result object in its run folder (``result.json``), as a run of its own writes it."""
    import json

    run_dir = reply.result.get('run_dir')
    if not run_dir or not Path(run_dir).is_dir():
        return
    document = result_object(
        script_name, reply.status, invocation, reply.result, {'message': reply.message, **reply.summary}
    )
    text = json.dumps(document, ensure_ascii=False, indent=2, default=str)
    (Path(run_dir) / report.RESULT_FILE).write_text(text + '\n', encoding='utf-8')


# --------------------------------------------------------------------------- the combined summary


def worst(codes: list[int]) -> int:
    """The worst of some exit codes (``WORST_FIRST``); 0 for none."""
    return next((code for code in WORST_FIRST if code in codes), max(codes, default=EXIT_CODES['ok']))


def _entry(org: _Org) -> dict[str, Any]:
    """What the combined summary says of one org."""
    reply = org.reply
    summary = reply.summary
    target = summary.get('target') or {}
    run_dir = reply.result.get('run_dir') or org.item.run
    return {
        'input': str(Path(org.item.path).resolve()) if org.item.path else summary.get('input_dir'),
        'env_file': str(Path(org.item.env_file).resolve()) if org.item.env_file else None,
        'org_id': target.get('org_id') or org.org_id,
        'org_name': target.get('org_name'),
        'status': reply.status,
        'exit_code': reply.exit_code,
        'state': summary.get('state') or ('crashed' if reply.exit_code == EXIT_CODES['crashed'] else 'not_started'),
        'message': reply.message,
        'run_id': Path(run_dir).name if run_dir else None,
        'run_dir': run_dir,
        'results_file': reply.result.get('results_file'),
        'summary_file': reply.result.get('summary_file'),
        'result_file': reply.result.get('result_file'),
        'by_status': summary.get('by_status', {}),
        'resume_command': summary.get('resume_command'),
        'batch': asdict(org.batch) if org.batch is not None and not run_dir else None,
    }


def _status(entries: list[dict[str, Any]], code: int) -> str:
    """The command's status: the worst org's, or (all fine) executed / dry_run / skipped."""
    if code:
        return next(entry['status'] for entry in entries if entry['exit_code'] == code)
    statuses = {entry['status'] for entry in entries}
    if 'executed' in statuses:
        return 'executed'
    return 'dry_run' if statuses == {'dry_run'} else 'skipped'


def _totals(entries: list[dict[str, Any]]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for entry in entries:
        for status, count in entry['by_status'].items():
            totals[status] = totals.get(status, 0) + count
    return totals


def labels(entries: list[dict[str, Any]]) -> list[str]:
    """How the operator's messages name each org's input: its file or folder name, its whole path when two inputs
    share a name."""
    paths = [entry['input'] or entry['run_dir'] or '-' for entry in entries]
    names = [Path(path).name for path in paths]
    return [name if names.count(name) == 1 else path for name, path in zip(names, paths, strict=True)]


def render_orgs(entries: list[dict[str, Any]], combined_file: Path, resume: str | None = None) -> str:
    """The combined table: one line per org (input, org, status, exit code, run, counts), then what went wrong,
    where the combined summary is and the command that continues the stopped orgs and starts those that did not."""
    rows = [['entrada', 'organización', 'estado', 'código', 'ejecución', 'executed', 'fallos']]
    for label, entry in zip(labels(entries), entries, strict=True):
        counts = entry['by_status']
        failed = sum(counts.get(status, 0) for status in ('error', 'rejected', 'timeout'))
        org = entry['org_name'] or entry['org_id'] or '(la del token)'
        rows.append(
            [
                label,
                org,
                entry['status'],
                str(entry['exit_code']),
                entry['run_id'] or '-',
                str(counts.get('executed', 0)) if counts else '-',
                str(failed) if counts else '-',
            ]
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ['  '.join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
    bad = [entry for entry in entries if entry['exit_code']]
    head = f'Organizaciones: {len(entries)} · bien: {len(entries) - len(bad)} · con fallos o sin empezar: {len(bad)}'
    notes = [
        f'  {label}: {entry["message"]}'
        for label, entry in zip(labels(entries), entries, strict=True)
        if entry['exit_code']
    ]
    follow = [f'continúe las detenidas o sin empezar con: {resume}'] if resume else []
    return '\n'.join([head, *lines, *notes, f'resumen combinado: {combined_file}', *follow])


def run_orgs(
    script_name: str,
    args: argparse.Namespace,
    argv: list[str],
    inputs: list[OrgInput],
    make_batch: MakeBatch,
    *,
    concurrency: int | None = None,
    org_check: OrgCheck | None = None,
) -> int:
    """Run each of ``inputs`` as a run of its own (see the module docstring) and print one result object: the org's
    own (``report.emit_run``) for a single input with a variables file, the combined one for several. Returns the
    exit code (the worst of the orgs')."""
    stream = sys.stderr
    invocation: dict[str, Any] = invocation_from(argv)
    json_out = args.json or not sys.stdout.isatty()
    continued = args.resume or args.retry_failed
    combined = combined_file(continued, args.log_dir) if continued and not inputs else None
    several = len(inputs) > 1 or combined is not None
    refusal = _refusal(args, len(inputs) > 1, combined is not None, any(item.path for item in inputs))
    try:
        if refusal:
            raise NotStarted(refusal)
        if combined is not None:  # --resume / --retry-failed of every org of a combined summary
            inputs = _combined_inputs(combined)
        elif not inputs and args.apply:  # --apply PLAN of a dry-run made with a variables file
            inputs = [OrgInput('', None, plan_env_file(args.apply, args.log_dir))]
        elif not inputs:  # --resume RUN of a run started with a variables file
            inputs = [OrgInput('', None, run_env_file(continued, args.log_dir))]
    except NotStarted as exc:
        return report.emit_run(script_name, invocation, report.not_started(str(exc)), json_out=json_out)
    stop = Stop(stream)
    catalog = load_catalog()
    done: list[_Org] = []
    with stop.handling():
        for index, item in enumerate(inputs, start=1):
            if stop.event.is_set():
                done.append(_skipped(args, item, make_batch, catalog, several=several))
                continue
            if several:
                print(f'\n=== organización {index}/{len(inputs)}: {item.path} ===', file=stream, flush=True)
            if item.not_started:
                print(item.not_started, file=stream)
                done.append(_Org(item, report.not_started(item.not_started)))
                continue
            org = _run_org(
                script_name,
                args,
                item,
                make_batch,
                catalog,
                several=several,
                concurrency=concurrency,
                stop=stop,
                stream=stream,
                org_check=org_check,
            )
            done.append(org)
            if several:
                _write_result(script_name, invocation, org.reply)
                print(org.reply.text, file=stream, flush=True)
    flying = any(org.flying for org in done)
    if not several:
        code = report.emit_run(script_name, invocation, done[0].reply, json_out=json_out)
    else:
        code = _emit_combined(script_name, invocation, done, args.log_dir, json_out=json_out)
    if flying:  # calls a stop left in flight: their pairs stay running in their checkpoint, a resume redoes them
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


def _skipped(
    args: argparse.Namespace, item: OrgInput, make_batch: MakeBatch, catalog: Catalog, *, several: bool
) -> _Org:
    """An org a stop kept from starting (exit 5): its run or its batch is kept, so that the combined ``--resume``
    continues or starts it."""
    reply = report.not_started('no empezada: la orden se detuvo antes; continúe con --resume del resumen combinado')
    reply.exit_code = reply.summary['exit_code'] = EXIT_CODES['stopped']
    org = _Org(item, reply)
    if item.batch:
        org.batch = Batch(**{**item.batch, 'actions': tuple(item.batch['actions'])})
    elif not item.run:
        try:
            values = read_env_file(item.env_file) if item.env_file else {}
            org.batch, org.org_id = org_batch(args, item, make_batch, catalog, values, several=several, notices=[])
        except Exception:  # unreadable now: the resume names it as not started
            org.batch = None
    return org


def _refusal(args: argparse.Namespace, several: bool, combined: bool, inputs: bool = False) -> str:
    """Why a multi-org command cannot start at all ('' when it can)."""
    if args.sandbox:
        return '--sandbox es una sola organización de demostración: no se usa con varias entradas ni con --env-file'
    if (several or combined) and args.org_id:
        return (
            '--org-id no se usa con varias organizaciones: la de cada una va en su fichero de variables '
            '(WEBEX_ORG_ID) o en la columna org_id de su global'
        )
    if args.apply and inputs:
        return '--apply aplica el plan tal cual (sus entradas son las del plan): quite --input_dir / --csv'
    if args.plan_out and not args.dry_run and not (args.resume or args.retry_failed):
        return '--plan-out solo se usa con --dry-run: guarda el plan de la simulación'
    if several and args.plan_out:
        return '--plan-out guarda el plan de una entrada: con varias, el de cada una es el plan.json de su ejecución'
    if several and (args.resume or args.retry_failed):
        return (
            '--resume / --retry-failed continúan lo empezado, sin entradas: la ejecución de una organización (su id) '
            'o todas las de un resumen combinado (su fichero o su id)'
        )
    return ''


def _emit_combined(
    script_name: str, invocation: dict[str, Any], done: list[_Org], log_dir: str | None, *, json_out: bool
) -> int:
    """Write the combined summary, print the table on stderr and the result object on stdout; the exit code."""
    import json

    entries = [_entry(org) for org in done]
    code = worst([entry['exit_code'] for entry in entries])
    status = _status(entries, code)
    folder = log_dir_from(log_dir) / ORGS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    combined_id = new_run_id()
    combined_file = (folder / f'{combined_id}.json').resolve()
    bad = [label for label, entry in zip(labels(entries), entries, strict=True) if entry['exit_code']]
    message = (
        f'{len(entries)} organizaciones: todas bien'
        if not bad
        else f'{len(entries)} organizaciones; con fallos o sin empezar: {", ".join(bad)}'
    )
    result = {'orgs_id': combined_id, 'combined_file': str(combined_file), 'orgs': entries}
    by_org_status: dict[str, int] = {}
    for entry in entries:
        by_org_status[entry['status']] = by_org_status.get(entry['status'], 0) + 1
    resumable = [entry for entry in entries if entry['state'] == 'stopped' or entry['batch']]
    resume = f'python -m transformacion.{script_name} --resume {combined_file}' if resumable else None
    if resume:
        message += f'; continúe las detenidas o sin empezar con --resume {combined_id}'
    summary = {
        'message': message,
        'exit_code': code,
        'orgs': len(entries),
        'by_org_status': by_org_status,
        'by_status': _totals(entries),
        'resume_command': resume,
    }
    document = result_object(script_name, status, invocation, result, summary)
    text = json.dumps(document, ensure_ascii=False, indent=2, default=str)
    combined_file.write_text(text + '\n', encoding='utf-8')
    if json_out:
        print(text)
    print('\n' + render_orgs(entries, combined_file, resume), file=sys.stderr)
    if not json_out:
        print(f'objeto de resultado: {combined_file}', file=sys.stderr)
    return code
