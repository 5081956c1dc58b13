"""The life of a run: start one in a new folder ``<log dir>/runs/<run_id>/``, or continue one (``--resume``,
``--retry-failed``); validate, execute, report. And ``run_command``, what the launcher and the bulk runner do once
their options are parsed.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any, TextIO

from transformacion.batch import report
from transformacion.batch.checkpoint import Checkpoint
from transformacion.batch.execution import RunContext, execute_run
from transformacion.batch.options import (
    EXIT_CODES,
    Batch,
    NotStarted,
    Settings,
    connection_from_args,
    settings_from_args,
)
from transformacion.batch.validation import validate
from transformacion.core.catalog import Catalog, CatalogError, load_catalog, plan
from transformacion.core.cli import Reply, capture, emit, invocation_from
from transformacion.core.client import create_api, load_runtime_env
from transformacion.core.evidence import log_dir_from, new_run_id
from transformacion.core.progress import Progress
from transformacion.core.transport import RateController

CHECKPOINT_FILE = 'checkpoint.sqlite'


def _fingerprint(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, 'rb') as handle:
        for block in iter(lambda: handle.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def _inputs(batch: Batch) -> list[str]:
    return [*([batch.global_csv] if batch.global_csv else []), *batch.sources.values()]


def _plan(actions: tuple[str, ...], catalog: Catalog) -> None:
    try:
        plan(actions, catalog)
    except CatalogError as exc:
        raise NotStarted(str(exc)) from None


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


def _drive(
    store: Checkpoint,
    run_dir: Path,
    kind: str,
    settings: Settings,
    connection: tuple[str, str | None],
    catalog: Catalog,
    sleep: Callable[[float], None],
    stream: TextIO | None,
) -> report.Report:
    """One session over the run: validate (unless done), execute what is pending, write the reports."""
    stored = store.meta('batch')
    batch = Batch(**{**stored, 'actions': tuple(stored['actions'])})
    session = store.open_session(kind)
    if not store.meta('validated') and validate(batch, catalog, store) and batch.skip_invalid:
        print(
            'aviso: la validación encontró problemas; con --skip-invalid se ejecutan solo las filas válidas '
            '(lista completa al final y en results_manual.csv)',
            file=stream or sys.stderr,
        )
    if report.run_state(store) != 'rejected':
        token, base_url = connection
        api = create_api(
            token,
            base_url,
            concurrency=2 * settings.concurrency,  # room for workers a chunk timeout left on a slow call
            timeout=settings.policy.timeout,
            controller=RateController(settings.rate_limit, max_pause=settings.policy.max_wait),
        )
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
        )
        execute_run(run)
        run.progress.close()
    store.close_session(session, report.run_state(store))
    return report.write_report(store, run_dir, batch.actions, catalog)


def start_run(
    batch: Batch,
    settings: Settings,
    connection: tuple[str, str | None],
    *,
    log_dir: str | Path | None = None,
    catalog: Catalog | None = None,
    sleep: Callable[[float], None] = time.sleep,
    stream: TextIO | None = None,
) -> report.Report:
    """Validate ``batch`` and, when valid (or with ``skip_invalid``), run it in a new run folder.

    ``connection`` is (token, base URL or None for Webex); ``sleep`` waits between row retries; progress goes to
    ``stream`` (stderr by default). NotStarted when the actions cannot be planned or the folder is in use.
    """
    catalog = catalog or load_catalog()
    _plan(batch.actions, catalog)
    run_dir = (log_dir_from(log_dir) / 'runs' / new_run_id()).resolve()
    fingerprints = {path: _fingerprint(path) for path in _inputs(batch)}
    with _open_run(run_dir) as store:
        with store.transaction():
            store.set_meta('batch', asdict(batch))
            store.set_meta('fingerprints', fingerprints)
        return _drive(store, run_dir, 'run', settings, connection, catalog, sleep, stream)


def continue_run(
    run_id: str,
    settings: Settings,
    connection: tuple[str, str | None],
    *,
    retry_failed: bool = False,
    log_dir: str | Path | None = None,
    catalog: Catalog | None = None,
    sleep: Callable[[float], None] = time.sleep,
    stream: TextIO | None = None,
) -> report.Report:
    """``--resume``: run what is pending or was in flight. ``--retry-failed``: also re-run the row x action pairs
    that ended in error or timeout, and the dependants they had blocked. NotStarted for an unknown run, a run
    another process drives, one that never recorded its batch, or one whose inputs changed."""
    catalog = catalog or load_catalog()
    run_dir = (log_dir_from(log_dir) / 'runs' / run_id).resolve()
    if not (run_dir / CHECKPOINT_FILE).is_file():
        raise NotStarted(f'no existe la ejecución {run_id} en {run_dir.parent}')
    with _open_run(run_dir) as store:
        if store.meta('batch') is None:
            raise NotStarted(f'la ejecución {run_id} no llegó a registrar su lote; lance una nueva')
        for path, digest in store.meta('fingerprints').items():
            if not Path(path).is_file() or _fingerprint(path) != digest:
                raise NotStarted(f'{path} ha cambiado desde que empezó la ejecución {run_id}; lance una nueva')
        with store.transaction():
            store.requeue_running()
            if retry_failed:
                store.requeue_failed()
        kind = 'retry-failed' if retry_failed else 'resume'
        return _drive(store, run_dir, kind, settings, connection, catalog, sleep, stream)


def run_command(
    script_name: str,
    args: argparse.Namespace,
    argv: list[str],
    make_batch: Callable[[Catalog], Batch],
    *,
    concurrency: int | None = None,
) -> int:
    """What both batch commands do once their options are parsed: start (``make_batch``) or continue a run, report
    it, and print its result object on stdout (progress, problems and the table on stderr); returns the exit code
    (``options.EXIT_CODES``)."""
    stream = sys.stderr
    load_runtime_env()
    invocation: dict[str, Any] = invocation_from(argv)

    def work() -> Reply:
        catalog = load_catalog()
        settings = settings_from_args(args, concurrency=concurrency)
        continued = args.resume or args.retry_failed
        try:
            batch = None if continued else make_batch(catalog)
            with connection_from_args(args, stream) as connection:
                if batch is None:
                    return report.reply(
                        continue_run(
                            continued,
                            settings,
                            connection,
                            retry_failed=bool(args.retry_failed),
                            log_dir=args.log_dir,
                            catalog=catalog,
                            stream=stream,
                        )
                    )
                for name in batch.actions:
                    if not catalog[name][0].ready:
                        print(f'aviso: {name} está en desarrollo: sus filas quedarán rejected', file=stream)
                return report.reply(
                    start_run(batch, settings, connection, log_dir=args.log_dir, catalog=catalog, stream=stream)
                )
        except NotStarted as exc:
            return report.not_started(str(exc))

    reply = capture(script_name, work)
    if reply.exit_code is None:  # the command itself failed: what was done is in the checkpoint
        reply.exit_code = reply.summary['exit_code'] = EXIT_CODES['crashed']
    return emit(script_name, invocation, reply)
