"""The runs the panel drives, one at a time, each in a worker thread through the batch engine's own lifecycle
(``batch.run.start_run`` / ``continue_run``): the same validation, target binding, checkpoint, evidence and reports
as the launcher, the same clean stop as a first Ctrl-C (``batch.run.Stop``), and the progress read back from the
run's checkpoint."""

from __future__ import annotations

import io
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from transformacion.batch.checkpoint import Checkpoint
from transformacion.batch.options import Batch, NotStarted, Settings
from transformacion.batch.report import Report
from transformacion.batch.run import CHECKPOINT_FILE, RUN_ID, Stop, continue_run, start_run
from transformacion.core.catalog import Catalog
from transformacion.domain.resources import org_findings
from transformacion.panel import plans

RUNNING, DONE, FAILED = 'running', 'done', 'failed'
#: How a job gets its (credential, base URL): called in the job's thread (NotStarted: the job fails with its message).
Connect = Callable[[], tuple[Any, str | None]]
OK_STATUSES = ('executed', 'skipped', 'dry_run')
FAILED_STATUSES = ('error', 'rejected', 'timeout')


class Busy(RuntimeError):
    """Another run is being driven by this panel."""


class Lines(io.TextIOBase):
    """The run's operator stream (target, progress lines, 429 pauses), kept as lines for the page."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._partial = ''
        self._lock = threading.Lock()

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def write(self, text: str) -> int:
        with self._lock:
            parts = (self._partial + text.replace('\r', '\n')).split('\n')
            self._partial = parts.pop()
            self.lines += [part for part in parts if part.strip()]
        return len(text)


@dataclass
class Job:
    """One run driven by the panel: ``kind`` (plan, execute, resume, retry, revert), its state, the run folder once
    it exists, the report or the reason it could not start."""

    id: str
    kind: str
    stop: Stop
    stream: Lines
    state: str = RUNNING
    run_id: str | None = None
    report: dict[str, Any] | None = None
    error: str | None = None
    started: float = field(default_factory=time.monotonic)
    first_done: int | None = None
    #: what the job's own function adds to its report (e.g. a revert's ``no_revertible``)
    extra: dict[str, Any] = field(default_factory=dict)

    def pauses(self) -> list[str]:
        return [line for line in self.stream.lines if line.startswith('pausa:')]


def lot_state(counts: dict[str, int]) -> str:
    """A lot (chunk) as the board shows it: ``queued`` (nothing started), ``running``, ``error`` (ended with a
    failed pair) or ``done``."""
    if counts.get('running'):
        return 'running'
    if counts.get('pending'):
        return 'queued'
    return 'error' if any(counts.get(s) for s in FAILED_STATUSES) else 'done'


def progress(job: Job, runs: Path) -> dict[str, Any]:
    """What the execute screen shows, from the run's checkpoint: done / total pairs, ok / failed, the board of lots
    (chunks: ``lot_state`` and counts by status), pairs per second since the job started, ETA in seconds (None while
    unknown), the 429 pauses with their reason, the job state."""
    counts: dict[str, int] = {}
    lots: dict[str, dict[str, int]] = {}
    if job.run_id and (runs / job.run_id / CHECKPOINT_FILE).is_file():
        store = Checkpoint(runs / job.run_id / CHECKPOINT_FILE)
        try:
            counts = store.counts_by_status()
            lots = store.counts('chunk')
        finally:
            store.close()
    total = sum(counts.values())
    open_ = counts.get('pending', 0) + counts.get('running', 0)
    done = total - open_
    if job.first_done is None and total:
        job.first_done = done
    elapsed = time.monotonic() - job.started
    advanced = done - (job.first_done or 0)
    rate = advanced / elapsed if elapsed > 0 else 0.0
    return {
        'job': job.id,
        'kind': job.kind,
        'state': job.state,
        'run_id': job.run_id,
        'done': done,
        'total': total,
        'ok': sum(counts.get(s, 0) for s in OK_STATUSES),
        'failed': sum(counts.get(s, 0) for s in FAILED_STATUSES),
        'counts': counts,
        'lots': [{'lot': name, 'state': lot_state(line), **line} for name, line in lots.items()],
        'rate': round(rate, 2),
        'eta_s': round(open_ / rate) if rate > 0 and open_ else (0 if total and not open_ else None),
        'pauses': job.pauses(),
        'stopping': job.stop.event.is_set(),
        'report': {**job.report, **job.extra} if job.report else None,
        'error': job.error,
        'log': job.stream.lines[-20:],
    }


def _report(report: Report) -> dict[str, Any]:
    return {
        'run_id': report.run_id,
        'state': report.state,
        'exit_code': report.exit_code,
        'problems': report.problems,
        'headline': {k: report.summary.get(k) for k in ('status', 'counts', 'api_calls') if k in report.summary},
    }


class Jobs:
    """The panel's runs: at most one at a time (Busy otherwise); each keeps its progress while the panel lives. Each
    job is given its own connection (``Connect``): the org of its input or of the run it continues
    (``panel.orgs``)."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.runs = log_dir / 'runs'
        self.jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def get(self, job_id: str) -> Job | None:
        return self.jobs.get(job_id)

    def current(self) -> Job | None:
        return next((job for job in self.jobs.values() if job.state == RUNNING), None)

    def _launch(
        self,
        kind: str,
        work: Callable[[Job], Report],
        run_id: str | None = None,
        discover: Callable[[Checkpoint], bool] | None = None,
    ) -> Job:
        with self._lock:
            if self.current() is not None:
                raise Busy('ya hay una ejecución en curso en el panel; espere a que termine o deténgala')
            job = Job(uuid.uuid4().hex[:12], kind, Stop(), Lines(), run_id=run_id)
            job.stop.stream = job.stream
            self.jobs[job.id] = job
        before = set(self._names())

        def body() -> None:
            if discover is not None:
                threading.Thread(target=self._discover, args=(job, before, discover), daemon=True).start()
            try:
                job.report = _report(work(job))
                job.run_id = job.report['run_id']
                job.state = DONE
            except NotStarted as exc:
                job.error, job.state = str(exc), FAILED
            except Exception as exc:  # noqa: BLE001 - shown to the operator; the run's evidence has the rest
                job.error, job.state = f'{type(exc).__name__}: {exc}', FAILED

        threading.Thread(target=body, name=f'panel-{kind}-{job.id}', daemon=True).start()
        return job

    def start(self, kind: str, batch: Batch, settings: Settings, connection: Connect) -> Job:
        """Start a new run of ``batch`` (a plan when ``batch.dry_run``) with ``connection``."""
        recorded = asdict(batch)

        def ours(store: Checkpoint) -> bool:
            found = store.meta('batch') or {}
            return found.get('sources') == recorded['sources'] and found.get('actions') == list(batch.actions)

        def work(job: Job) -> Report:
            return start_run(
                batch,
                settings,
                connection(),
                log_dir=self.log_dir,
                stream=job.stream,
                stop=job.stop,
                org_check=org_findings,
            )

        return self._launch(kind, work, discover=ours)

    def apply(self, folder: Path, settings: Settings, catalog: Catalog, connection: Connect) -> Job:
        """Apply the plan of the dry-run in ``folder`` (``plans.apply``: what ``--apply`` does) with ``connection``."""

        def ours(store: Checkpoint) -> bool:
            return (store.meta('pairs') or {}).get('plan_run') == folder.name

        def work(job: Job) -> Report:
            return plans.apply(
                folder,
                settings,
                connection(),
                catalog=catalog,
                log_dir=self.log_dir,
                stream=job.stream,
                stop=job.stop,
            )

        return self._launch('execute', work, discover=ours)

    def resume(
        self, run_id: str, settings: Settings, catalog: Catalog, connection: Connect, *, retry_failed: bool
    ) -> Job:
        """Continue a run (``--resume``), or re-run its failed pairs (``--retry-failed``), its pairs looked up in
        ``catalog``, with ``connection``."""

        def work(job: Job) -> Report:
            return continue_run(
                str(self.runs / run_id),
                settings,
                connection(),
                retry_failed=retry_failed,
                log_dir=self.log_dir,
                catalog=catalog,
                stream=job.stream,
                stop=job.stop,
                org_check=org_findings,
            )

        return self._launch('retry' if retry_failed else 'resume', work, run_id)

    def call(
        self, kind: str, work: Callable[[Job], Report], discover: Callable[[Checkpoint], bool] | None = None
    ) -> Job:
        """Drive any other engine function that starts a run and returns its report (the rollback of a run);
        ``discover`` recognises the run's checkpoint among the new run folders."""
        return self._launch(kind, work, discover=discover)

    def stop(self, job_id: str) -> bool:
        """Ask the job's run to stop cleanly (the first Ctrl-C); whether there was such a running job."""
        job = self.jobs.get(job_id)
        if job is None or job.state != RUNNING:
            return False
        job.stop.event.set()
        return True

    def _names(self) -> list[str]:
        return [p.name for p in self.runs.iterdir()] if self.runs.is_dir() else []

    def _discover(self, job: Job, before: set[str], ours: Callable[[Checkpoint], bool]) -> None:
        """Name the run folder the job's run creates: the new one whose checkpoint ``ours`` recognises."""
        while job.state == RUNNING and job.run_id is None:
            for name in sorted(set(self._names()) - before):
                path = self.runs / name / CHECKPOINT_FILE
                if RUN_ID.match(name) and path.is_file():
                    store = Checkpoint(path)
                    try:
                        found = store.meta('batch') is not None and ours(store)
                    finally:
                        store.close()
                    if found:
                        job.run_id = name
                        return
            time.sleep(0.05)
