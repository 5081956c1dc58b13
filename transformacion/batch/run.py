"""The life of a run: start one in a new folder ``<log dir>/runs/<run_id>/``, or continue one (``--resume``,
``--retry-failed``: by id, folder or ``last``); validate, bind it to its target, execute, report. And
``run_command``, what the launcher and the bulk runner do once their options are parsed, with the operator's stop
(``Stop``: the first Ctrl-C or SIGTERM stops cleanly, a second one at once).
"""

from __future__ import annotations

import argparse
import fcntl
import os
import re
import shutil
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any, TextIO

from transformacion.batch import report
from transformacion.batch.checkpoint import Checkpoint
from transformacion.batch.execution import RunContext, execute_run, in_flight
from transformacion.batch.options import (
    EXIT_CODES,
    Batch,
    NotStarted,
    Settings,
    connection_from_args,
    settings_from_args,
)
from transformacion.batch.pairs import Pair, execute_pairs, record_pairs
from transformacion.batch.plan import (
    PLAN_CSV,
    PLAN_FILE,
    load_plan,
    plan_inputs,
    plan_pairs,
    read_header,
    render_table,
    save_copy,
    sha256_file,
    write_plan,
)
from transformacion.batch.rate_memory import keep_learnt, start_from_memory
from transformacion.batch.resources import OrgCheck, OrgFindings, check_org, read_org_findings, record_org_findings
from transformacion.batch.target import (
    Target,
    TargetError,
    describe,
    differences,
    local_sandbox_note,
    normal_base_url,
    operator,
    read_target,
    versions,
)
from transformacion.batch.validation import validate
from transformacion.core.catalog import Catalog, CatalogError, load_catalog, plan
from transformacion.core.cli import Reply, capture, freeze_heap, invocation_from
from transformacion.core.client import create_api, load_runtime_env
from transformacion.core.columns import GLOBAL
from transformacion.core.context import RunCache
from transformacion.core.evidence import ActionLog, log_dir_from, logging_to, new_run_id, submit_bound
from transformacion.core.progress import Progress
from transformacion.core.secrets import mask_text
from transformacion.core.transport import RateController

CHECKPOINT_FILE = 'checkpoint.sqlite'
#: The evidence of the reads that bind a run to its target (``GET /people/me``, ``GET /organizations/{id}``).
TARGET_LOG = 'target.jsonl'
#: How a run id looks (``core.evidence.new_run_id``): its UTC start, so that ids sort by start.
RUN_ID = re.compile(r'^\d{8}T\d{6}Z-[0-9a-f]{6}$')
#: Seconds a second Ctrl-C waits for a change being written to the checkpoint before ending the process.
FREEZE_S = 5.0


class Stop:
    """The operator's stop request. ``handle`` is the SIGINT / SIGTERM handler: the first signal sets ``event`` (the
    run stops starting work, lets the pairs in flight finish within ``Settings.stop_grace``, writes its results and
    says how to continue); a second one waits until no change is being written to the checkpoint (``freeze``), says
    how to continue and ends the process at once with exit code 130."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.event = threading.Event()
        self.signal_name: str | None = None
        self.stream = stream
        self._store: Checkpoint | None = None
        self._resume = ''

    def attach(self, store: Checkpoint, resume: str) -> None:
        """The run being driven: its checkpoint and the command that continues it."""
        self._store, self._resume = store, resume

    def handle(self, signum: int, frame: Any) -> None:
        name = signal.Signals(signum).name
        stream = self.stream or sys.stderr
        if not self.event.is_set():
            self.signal_name = name
            self.event.set()
            print(
                f'\n{name}: deteniendo: no empieza ninguna fila más y las que están en curso terminan; '
                'después se escriben los resultados (otro Ctrl-C sale ya)',
                file=stream,
                flush=True,
            )
            return
        if self._store is not None:
            self._store.freeze(FREEZE_S)
        hint = f'; continúe con: {self._resume}' if self._resume else ''
        print(f'\n{name} otra vez: salida inmediata; el punto de control queda coherente{hint}', file=stream)
        stream.flush()
        os._exit(EXIT_CODES['interrupted'])

    @contextmanager
    def handling(self) -> Iterator[Stop]:
        """SIGINT and SIGTERM go to ``handle`` while the block runs (only from the main thread; elsewhere the
        signals keep their handlers)."""
        if threading.current_thread() is not threading.main_thread():
            yield self
            return
        previous = {number: signal.signal(number, self.handle) for number in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield self
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)


def _inputs(batch: Batch) -> list[str]:
    return [*([batch.global_csv] if batch.global_csv else []), *batch.sources.values()]


def _plan(actions: tuple[str, ...], catalog: Catalog) -> None:
    try:
        plan(actions, catalog)
    except CatalogError as exc:
        raise NotStarted(str(exc)) from None


def resolve_run(reference: str, log_dir: str | Path | None = None) -> Path:
    """The folder of the run that ``--resume`` / ``--retry-failed`` name: ``last`` (the run started last in
    ``<log dir>/runs``), a run folder (from any directory) or a run id in ``<log dir>/runs``. NotStarted when there
    is none."""
    runs = log_dir_from(log_dir) / 'runs'
    if reference == 'last':
        found = sorted(
            path
            for path in (runs.iterdir() if runs.is_dir() else ())
            if RUN_ID.match(path.name) and (path / CHECKPOINT_FILE).is_file()
        )
        if not found:
            raise NotStarted(f'no hay ninguna ejecución en {runs.resolve()} para --resume last')
        return found[-1].resolve()
    for candidate in (Path(reference).expanduser(), runs / reference):
        if (candidate / CHECKPOINT_FILE).is_file():
            return candidate.resolve()
    raise NotStarted(f'no existe la ejecución {reference} en {runs.resolve()} (indique su id, su carpeta o last)')


@contextmanager
def _open_run(run_dir: Path) -> Iterator[Checkpoint]:
    """The run's checkpoint, with an exclusive lock so two processes never drive the same run."""
    run_dir.mkdir(parents=True, exist_ok=True)
    with (run_dir / '.lock').open('w') as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise NotStarted(f'otro proceso está usando la ejecución {run_dir.name}') from None
        store = Checkpoint(run_dir / CHECKPOINT_FILE)
        try:
            yield store
        finally:
            store.close()


def _bind(
    store: Checkpoint,
    run_dir: Path,
    api: Any,
    base_url: str | None,
    settings: Settings,
    stream: TextIO,
    after_owner: Callable[[str], None] | None = None,
) -> tuple[Target, Settings]:
    """Read the target (``target.read_target``, with ``after_owner``) before the first write, print it, and record
    it (a new run) or check it is the one recorded (a continued run: NotStarted with both values otherwise). A
    continued run without ``--org-id`` acts on the organisation it was started with. Returns the target and the
    settings with its org."""
    recorded = store.meta('target')
    org_id = settings.org_id or (recorded['org_id'] if recorded and recorded.get('org_explicit') else None)
    log = ActionLog(run_dir / TARGET_LOG, f'target:{run_dir.name}')
    try:
        with logging_to(log):
            target = read_target(api, base_url, org_id, policy=settings.policy, after_owner=after_owner)
    except TargetError as exc:
        raise NotStarted(exc.message) from None
    finally:
        store.set_meta('target_api_calls', (store.meta('target_api_calls') or 0) + log.api_calls)
    print(describe(target), file=stream)
    if recorded:
        found = differences(recorded, target)
        if found:
            bound = (store.meta('pairs') or {}).get('bound_to') or f'la ejecución {run_dir.name} está ligada a'
            note = local_sandbox_note(recorded, target)
            raise NotStarted(f'{bound} otro destino y no se continúa (nada escrito): ' + '; '.join(found) + note)
    else:
        store.set_meta('target', target.as_dict())
    return target, replace(settings, org_id=target.org_id if target.org_explicit else None)


def _org_key(target: Target) -> tuple[str, str]:
    """What a rate learnt for an org is remembered by (``batch.rate_memory``): the API base URL and the org id."""
    return target.base_url, target.org_id


def _who(target: Target | None) -> dict[str, Any]:
    """What a session records about who drives it (``target.operator``) and with which versions."""
    return {**operator(target), 'versions': versions()}


def _drive(
    store: Checkpoint,
    run_dir: Path,
    kind: str,
    session: int,
    settings: Settings,
    connection: tuple[str, str | None],
    catalog: Catalog,
    sleep: Callable[[float], None],
    stream: TextIO | None,
    stop: Stop | None,
    org_check: OrgCheck | None = None,
) -> tuple[report.Report, bool]:
    """One session (``session``, already opened) over the run: validate (unless done), bind it to its target,
    requeue what a continuation runs again, execute what is pending, write the reports. Returns the report and
    whether calls are still in flight (abandoned by a stop)."""
    out = stream or sys.stderr
    stored = store.meta('batch')
    batch = Batch(**{**stored, 'actions': tuple(stored['actions'])})
    if not store.meta('validated') and validate(batch, catalog, store) and batch.skip_invalid:
        print(
            'aviso: la validación encontró problemas; con --skip-invalid se ejecutan solo las filas válidas '
            '(lista completa al final y en results_manual.csv)',
            file=out,
        )
    in_development = [name for name in batch.actions if name in catalog and not catalog[name][0].ready]
    if in_development:
        store.set_category(in_development, 'rejected', 'en_desarrollo')
    target = None
    api = None
    controller = RateController(settings.rate_limit, max_pause=settings.policy.max_wait)
    cache = RunCache()  # the org check's reads serve the rows too
    if report.run_state(store) != 'rejected':
        token, base_url = connection
        api = create_api(
            token,
            base_url,
            concurrency=2 * settings.concurrency,  # room for workers a chunk timeout left on a slow call
            timeout=settings.policy.timeout,
            controller=controller,
        )
        checking = org_check is not None and not store.meta('resources_checked')
        early: list[Future[OrgFindings]] = []

        remembered: list[dict[str, Any] | None] = []

        def check_early(org_id: str) -> None:  # the token's own org: the check's reads go with the org's (read_target)
            # at the rate remembered for that org, as every later call
            remembered.append(start_from_memory(controller, run_dir.parents[1], normal_base_url(base_url), org_id))
            pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix='recursos')
            args = (batch, catalog, store, run_dir, api, settings, org_check, cache)
            early.append(submit_bound(pool, read_org_findings, *args))
            pool.shutdown(wait=False)

        try:
            target, settings = _bind(store, run_dir, api, base_url, settings, out, check_early if checking else None)
        except BaseException as exc:
            for future in early:  # its reads end before the run does; what it found is not recorded
                future.exception()
            if isinstance(exc, NotStarted):
                store.close_session(session, 'refused')
            raise
        store.set_session_operator(session, _who(target))
        if not remembered:
            remembered.append(start_from_memory(controller, run_dir.parents[1], *_org_key(target)))
        store.set_meta('remembered_rate', remembered[0])
        store.set_meta('rate_limit', settings.rate_limit)
        if checking:
            _check_resources(batch, catalog, store, run_dir, api, settings, org_check, out, cache, *early)
    # a confirmation (--yes) given to any session of the run holds for the whole run: the resume command it prints
    # continues what the operator confirmed, and --retry-failed --yes applies the changes refused for lack of it
    if settings.assume_yes:
        store.set_meta('assume_yes', True)
    elif store.meta('assume_yes'):
        settings = replace(settings, assume_yes=True)
    with store.transaction():
        if kind != 'run':
            store.requeue_running()
        if kind == 'retry-failed':
            store.requeue_failed(unconfirmed=settings.assume_yes)
    event = stop.event if stop is not None else threading.Event()
    if stop is not None:
        stop.attach(store, report.resume_command(store, run_dir))
    flying = False
    if api is not None and report.run_state(store) != 'rejected':
        run = RunContext(
            batch=batch,
            settings=settings,
            catalog=catalog,
            store=store,
            run_dir=run_dir,
            api=api,
            global_row=store.meta('global_row'),
            progress=Progress(store.count(['pending']), stream=stream),
            sleep=sleep,
            deadline=time.monotonic() + settings.job_timeout if settings.job_timeout else None,
            locks={name: threading.Lock() for name in batch.actions},
            stop=event,
            controller=controller,
            cache=cache,
        )
        controller.announce = run.progress.note_pause
        if not event.is_set():
            (execute_pairs if store.meta('pairs') else execute_run)(run)
        run.progress.close()
        flying = in_flight(run)
        if run.halted is not None:
            store.set_meta('stopped_by', run.halted['reason'])
            store.set_meta('halted', run.halted)
        elif event.is_set():
            store.set_meta('stopped_by', (stop.signal_name if stop is not None else None) or 'stop')
        elif run.deadline is not None and time.monotonic() >= run.deadline:
            store.set_meta('stopped_by', 'job_timeout')
    learnt = keep_learnt(controller, run_dir.parents[1], *_org_key(target)) if target is not None else None
    if learnt is not None:
        store.set_meta('learnt_rate', round(learnt, 1))
    state = report.run_state(store)
    if state != 'stopped':
        store.set_meta('stopped_by', None)
        store.set_meta('halted', None)
    store.close_session(session, state)
    done = report.write_report(store, run_dir, batch.actions, catalog)
    if batch.dry_run:
        write_plan(store, run_dir, catalog)
    return done, flying


def _check_resources(
    batch: Batch,
    catalog: Catalog,
    store: Checkpoint,
    run_dir: Path,
    api: Any,
    settings: Settings,
    org_check: OrgCheck,
    out: TextIO,
    cache: RunCache,
    early: Future[OrgFindings] | None = None,
) -> None:
    """The batch's resources against its organisation (``resources.check_org``), once per run, before its first
    write (``early``: its reads, started with the target's last read). A check that cannot read the org warns and
    lets each action check its own row, as before."""
    try:
        if early is not None:
            found = record_org_findings(batch, store, early.result())
        else:
            found = check_org(batch, catalog, store, run_dir, api, settings, org_check, cache)
    except Exception as exc:  # noqa: BLE001 - the actions still check each row; the warning names the cause
        why = mask_text(f'{type(exc).__name__}: {exc}')
        print(f'aviso: no se pudieron contar los recursos del lote contra la organización ({why})', file=out)
        return
    if found:
        print(f'el lote pide {found} recurso(s) que la organización no puede dar (ver problemas)', file=out)


def start_run(
    batch: Batch,
    settings: Settings,
    connection: tuple[str, str | None],
    *,
    log_dir: str | Path | None = None,
    catalog: Catalog | None = None,
    sleep: Callable[[float], None] = time.sleep,
    stream: TextIO | None = None,
    stop: Stop | None = None,
    script: str = 'launcher_csv_dependencias',
    org_check: OrgCheck | None = None,
) -> report.Report:
    """Validate ``batch`` and, when valid (or with ``skip_invalid``), bind it to its target and run it in a new run
    folder.

    ``connection`` is (token, base URL or None for Webex); ``sleep`` waits between row retries; progress and the
    target go to ``stream`` (stderr by default); ``stop`` lets the operator stop the run; ``script`` is the command
    that continues it; ``org_check`` counts the batch's resources against the org before the first write
    (``domain.resources.org_findings``, which the tools pass). NotStarted when the actions cannot be planned or the
    target cannot be read (the run folder is then removed: nothing was run).
    """
    return _start(batch, settings, connection, log_dir, catalog, sleep, stream, stop, script, org_check)[0]


def _start(
    batch: Batch,
    settings: Settings,
    connection: tuple[str, str | None],
    log_dir: str | Path | None,
    catalog: Catalog | None,
    sleep: Callable[[float], None],
    stream: TextIO | None,
    stop: Stop | None,
    script: str,
    org_check: OrgCheck | None = None,
) -> tuple[report.Report, bool]:
    catalog = catalog or load_catalog()
    _plan(batch.actions, catalog)
    run_dir = (log_dir_from(log_dir) / 'runs' / new_run_id()).resolve()
    fingerprints = {path: sha256_file(path) for path in _inputs(batch)}
    who = _who(None)
    try:
        with _open_run(run_dir) as store:
            with store.transaction():  # a run that recorded its batch has its first session: a kill cannot part them
                store.set_meta('batch', asdict(batch))
                store.set_meta('fingerprints', fingerprints)
                store.set_meta('script', script)
                session = store.open_session('run', who)
            return _drive(store, run_dir, 'run', session, settings, connection, catalog, sleep, stream, stop, org_check)
    except NotStarted:
        shutil.rmtree(run_dir, ignore_errors=True)
        raise


def run_pairs(
    pairs: Iterable[Pair],
    settings: Settings,
    connection: tuple[str, str | None],
    *,
    catalog: Catalog,
    dry_run: bool = False,
    target: dict[str, Any] | None = None,
    inputs: dict[str, str] | None = None,
    origin: dict[str, Any] | None = None,
    log_dir: str | Path | None = None,
    sleep: Callable[[float], None] = time.sleep,
    stream: TextIO | None = None,
    stop: Stop | None = None,
    script: str = 'launcher_csv_dependencias',
) -> report.Report:
    """Run exactly ``pairs`` (``batch.pairs.Pair``: dataset, row, action, typed params, the drift guard ``expect``,
    ``requires``, ``phase``; iterated twice before the first write, e.g. a saved plan's read from its file at each
    pass: ``plan.plan_pairs``) in a new run folder, through the same machinery as a run of input files: checkpoint
    (``--resume`` / ``--retry-failed`` continue it with the same ``catalog``), bound target, evidence per action,
    results_manual.csv, summary.json, and plan.json / plan.csv when ``dry_run``.

    ``catalog`` is the action registry the pairs' actions are looked up in (the product's, or one extended with
    other operations, e.g. a revert's inverse ones). ``target`` (a ``Target.as_dict()``, e.g. a plan's) binds the
    run before any write: another base URL, organisation or token organisation is refused (NotStarted, nothing
    written). ``inputs`` (``{dataset or 'global': path}``) are the files the pairs come from: recorded with their
    sha256 and checked again by a continuation. ``origin`` (JSON) is kept as the run's meta ``pairs`` (what the pairs
    come from, e.g. ``{'kind': 'apply', 'plan': path}``; ``bound_to`` words the refusal of another target).
    ``connection``, ``sleep``, ``stream``, ``stop``, ``script``: as in ``start_run``. Returns the run's report;
    NotStarted for an action not in ``catalog`` or whose dataset is not its declaration's (no folder left).
    """
    return _start_pairs(
        pairs, settings, connection, catalog, dry_run, target, inputs, origin, log_dir, sleep, stream, stop, script
    )[0]


def _start_pairs(
    pairs: Iterable[Pair],
    settings: Settings,
    connection: tuple[str, str | None],
    catalog: Catalog,
    dry_run: bool,
    target: dict[str, Any] | None,
    inputs: dict[str, str] | None,
    origin: dict[str, Any] | None,
    log_dir: str | Path | None,
    sleep: Callable[[float], None],
    stream: TextIO | None,
    stop: Stop | None,
    script: str,
) -> tuple[report.Report, bool]:
    named: set[str] = set()
    for pair in pairs:
        if pair.action not in catalog:
            raise NotStarted(f'acción desconocida: {pair.action}; acciones: {", ".join(catalog)}')
        if catalog[pair.action][0].domain != pair.dataset:
            raise NotStarted(f'{pair.action} es de {catalog[pair.action][0].domain}, no de {pair.dataset}')
        named.add(pair.action)
    actions = tuple(name for name in catalog if name in named)
    files = dict(inputs or {})
    batch = Batch(
        sources={dataset: path for dataset, path in files.items() if dataset != GLOBAL},
        global_csv=files.get(GLOBAL),
        actions=actions,
        dry_run=dry_run,
    )
    run_dir = (log_dir_from(log_dir) / 'runs' / new_run_id()).resolve()
    fingerprints = {path: sha256_file(path) for path in files.values()}
    try:
        with _open_run(run_dir) as store:
            with store.transaction():
                store.set_meta('batch', asdict(batch))
                store.set_meta('fingerprints', fingerprints)
                store.set_meta('script', script)
                store.set_meta('pairs', origin or {'kind': 'pairs'})
                store.set_meta('global_row', {})
                if target is not None:
                    store.set_meta('target', target)
                record_pairs(store, pairs)
                store.set_meta('validated', True)
                session = store.open_session('run', _who(None))
            return _drive(store, run_dir, 'run', session, settings, connection, catalog, sleep, stream, stop)
    except NotStarted:
        shutil.rmtree(run_dir, ignore_errors=True)
        raise


def continue_run(
    run: str,
    settings: Settings,
    connection: tuple[str, str | None],
    *,
    retry_failed: bool = False,
    log_dir: str | Path | None = None,
    catalog: Catalog | None = None,
    sleep: Callable[[float], None] = time.sleep,
    stream: TextIO | None = None,
    stop: Stop | None = None,
    org_check: OrgCheck | None = None,
) -> report.Report:
    """``--resume``: run what is pending or was in flight. ``--retry-failed``: also re-run the row x action pairs
    that ended in error or timeout, and the dependants they had blocked. ``run`` is a run id, a run folder or
    ``last`` (``resolve_run``). NotStarted, before any write, for an unknown run, a run another process drives, one
    that never recorded its batch, one whose inputs changed, and one whose target (base URL, organisation, the
    token's organisation) is not the one it was started with. ``org_check`` as in :func:`start_run`."""
    return _continue(run, settings, connection, retry_failed, log_dir, catalog, sleep, stream, stop, org_check)[0]


def _continue(
    reference: str,
    settings: Settings,
    connection: tuple[str, str | None],
    retry_failed: bool,
    log_dir: str | Path | None,
    catalog: Catalog | None,
    sleep: Callable[[float], None],
    stream: TextIO | None,
    stop: Stop | None,
    org_check: OrgCheck | None = None,
) -> tuple[report.Report, bool]:
    catalog = catalog or load_catalog()
    run_dir = resolve_run(reference, log_dir)
    with _open_run(run_dir) as store:
        if store.meta('batch') is None:
            raise NotStarted(f'la ejecución {run_dir.name} no llegó a registrar su lote; lance una nueva')
        for path, digest in store.meta('fingerprints').items():
            if not Path(path).is_file():
                raise NotStarted(f'{path} ya no existe; la ejecución {run_dir.name} no puede continuar; lance otra')
            now = sha256_file(path)
            if now != digest:
                raise NotStarted(
                    f'{path} ha cambiado desde que empezó la ejecución {run_dir.name} (huella registrada '
                    f'{digest[:12]}, actual {now[:12]}); lance una nueva'
                )
        kind = 'retry-failed' if retry_failed else 'resume'
        session = store.open_session(kind, _who(None))
        return _drive(store, run_dir, kind, session, settings, connection, catalog, sleep, stream, stop, org_check)


def _with_plan(reply: Reply, done: report.Report, plan_out: str | None) -> Reply:
    """A dry-run's reply with its plan: the plan table on the operator's text, the plan files in the result and, with
    ``--plan-out``, a copy there."""
    path = done.run_dir / PLAN_FILE
    if not done.summary.get('dry_run') or not path.is_file():
        return reply
    document = read_header(path)
    reply.result['plan_file'] = str(path)
    reply.result['plan_csv'] = str(done.run_dir / PLAN_CSV)
    reply.text = '\n'.join(filter(None, [reply.text, render_table(document)]))
    if plan_out:
        reply.result['plan_out'] = str(save_copy(done.run_dir, plan_out))
        reply.text += f'\nplan guardado en {reply.result["plan_out"]}'
    return reply


def _apply(
    script_name: str,
    path: str,
    settings: Settings,
    args: argparse.Namespace,
    catalog: Catalog,
    stream: TextIO,
    stop: Stop,
    connection: tuple[Any, str | None] | None = None,
) -> tuple[report.Report, bool]:
    """``--apply PLAN``: the plan checked (``plan.load_plan``: format, complete, inputs unchanged), then exactly its
    creates and updates run with their drift guards (``run_pairs``), bound to the plan's target before any write.
    ``connection``: (credential, base URL) of a customer org's variables file (``batch.orgs``), else the command's."""
    document = load_plan(path)
    pairs = plan_pairs(document)
    shown = str(Path(path).expanduser().resolve())
    print(
        f'aplicando el plan {shown}: {len(pairs)} par(es) fila x acción de la simulación {document["run_id"]}',
        file=stream,
    )
    origin = {'kind': 'apply', 'plan': shown, 'plan_run': document['run_id'], 'bound_to': f'el plan {shown} es de'}
    with nullcontext(connection) if connection else connection_from_args(args, stream) as connected:
        return _start_pairs(
            pairs,
            settings,
            connected,
            catalog,
            bool(args.dry_run),
            document['target'],
            plan_inputs(document),
            origin,
            args.log_dir,
            time.sleep,
            stream,
            stop,
            script_name,
        )


def run_command(
    script_name: str,
    args: argparse.Namespace,
    argv: list[str],
    make_batch: Callable[[Catalog], Batch],
    *,
    concurrency: int | None = None,
    org_check: OrgCheck | None = None,
) -> int:
    """What both batch commands do once their options are parsed: start (``make_batch``) or continue a run, with
    the operator's stop (``Stop``) handling SIGINT and SIGTERM, report it, and print its result object
    (``report.emit_run``: on stdout unless stdout is a terminal without ``--json``; always in the run folder);
    returns the exit code (``options.EXIT_CODES``). ``org_check`` (``domain.resources.org_findings``) counts the
    batch's resources against the organisation before the first write (``resources.check_org``)."""
    stream = sys.stderr
    load_runtime_env()
    invocation: dict[str, Any] = invocation_from(argv)
    stop = Stop(stream)
    flying = False

    def work() -> Reply:
        nonlocal flying
        freeze_heap()  # wxc_sdk built and what the process holds set aside: no full collection walks it again
        catalog = load_catalog()
        settings = settings_from_args(args, concurrency=concurrency)
        continued = args.resume or args.retry_failed
        try:
            if args.apply:
                done, flying = _apply(script_name, args.apply, settings, args, catalog, stream, stop)
                return _with_plan(report.reply(done), done, args.plan_out)
            if args.plan_out and not args.dry_run and not continued:
                raise NotStarted('--plan-out solo se usa con --dry-run: guarda el plan de la simulación')
            batch = None if continued else make_batch(catalog)
            with connection_from_args(args, stream) as connection:
                if batch is None:
                    done, flying = _continue(
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
                    return _with_plan(report.reply(done), done, args.plan_out)
                for name in batch.actions:
                    if not catalog[name][0].ready:
                        print(f'aviso: {name} está en desarrollo: sus filas quedarán rejected', file=stream)
                done, flying = _start(
                    batch, settings, connection, args.log_dir, catalog, time.sleep, stream, stop, script_name, org_check
                )
                return _with_plan(report.reply(done), done, args.plan_out)
        except NotStarted as exc:
            return report.not_started(str(exc))

    with stop.handling():
        reply = capture(script_name, work)
    if reply.exit_code is None:  # the command itself failed: what was done is in the checkpoint
        reply.exit_code = reply.summary['exit_code'] = EXIT_CODES['crashed']
    code = report.emit_run(script_name, invocation, reply, json_out=args.json or not sys.stdout.isatty())
    if flying:  # calls a stop left in flight: their pairs stay running in the checkpoint, a resume redoes them
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code
