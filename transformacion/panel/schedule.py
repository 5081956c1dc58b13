"""Scheduled runs of the panel: an input folder (or a saved plan) to run at a given time, a change window.

The timers are APScheduler 3's (``BackgroundScheduler``) in its persistent job store (``SQLAlchemyJobStore``) in
``<log dir>/panel/schedule.sqlite``; the same file keeps the table ``panel_schedule`` with every entry the operator
made and its state, since the job store keeps only the pending timers. Both survive a restart of the panel. A timer
starts its entry through the same path as a manual run (validation, target binding, confirmation of the high-impact
changes): the ``launch`` function given to ``Schedule``.

States of an entry: ``programada`` -> ``lanzada`` (with the id of the job it started) | ``cancelada`` | ``fallida``
(with the reason, in Spanish, for the operator).

The window is kept safe:

- a run whose time passed while the panel was stopped starts when the panel comes back only within the grace
  (``--schedule-grace-minutes``, APScheduler's ``misfire_grace_time``: the running panel's, given to every stored
  timer at start-up), and then says how late it started; past the grace the entry becomes ``fallida`` ("la hora
  programada ... pasó con el panel parado ...") and nothing runs;
- a run due while another run of the panel is in progress (``retry_on``, the panel's ``Busy``) stays ``programada``
  with a note and is tried again every ``retry`` seconds while the grace lasts; past it, ``fallida``.

Times are kept in UTC and shown in the panel's zone (an IANA name, the operator's machine's by default); a time
typed without an offset is a time of that zone.

One panel per logs folder: two panels started on the same folder would both fire its timers, so the second one
refuses to start (``transformacion.panel.lock``).
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.events import EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import JSON, Column, Integer, MetaData, String, Table, create_engine, insert, select, update

SCHEDULED, STARTED, CANCELLED, FAILED = 'programada', 'lanzada', 'cancelada', 'fallida'
STORE = 'schedule.sqlite'
#: the JSON file of the panel's first schedule, read once into the store and renamed ``schedule.json.migrado``
LEGACY = 'schedule.json'
#: a typed time this far in the past is still "now" (the form has minutes; the operator pressed a few seconds late)
NOW_SLACK = timedelta(minutes=1)
#: a start this late or later gets a note on its entry (in seconds under a minute, in minutes from one)
LATE_NOTE = timedelta(seconds=10)

log = logging.getLogger(__name__)

_metadata = MetaData()
_entries = Table(
    'panel_schedule',
    _metadata,
    Column('seq', Integer, primary_key=True, autoincrement=True),
    Column('id', String, nullable=False, unique=True),
    Column('at', String, nullable=False),
    Column('request', JSON, nullable=False),
    Column('state', String, nullable=False),
    Column('created_at', String, nullable=False),
    Column('job', String),
    Column('error', String),
    Column('note', String),
    Column('timer', String),
)
_FIELDS = ('id', 'at', 'request', 'state', 'created_at', 'job', 'error', 'note')

#: the running schedules of this process by their store: a persisted timer names ``fire`` and the store (a job store
#: keeps a textual reference to an importable function, not the panel's objects)
_LIVE: dict[str, Schedule] = {}


def fire(store: str, entry_id: str) -> None:
    """What every persisted timer calls: start the entry of the schedule running on ``store``."""
    schedule = _LIVE.get(store)
    if schedule is None:
        log.warning('no schedule runs on %s for entry %s', store, entry_id)
        return
    schedule.due(entry_id)


def local_zone() -> str:
    """The IANA name of this machine's time zone (UTC when it has none)."""
    from tzlocal import get_localzone_name

    return get_localzone_name() or 'UTC'


def parse_when(text: str, zone: ZoneInfo) -> datetime:
    """An ISO 8601 date and time; with an offset (``+01:00``, ``Z``) it is that instant, without one a time of
    ``zone``. ValueError when unreadable, or when the clock change makes it ambiguous or nonexistent in ``zone``."""
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f'fecha y hora no válidas: {text!r} (ISO 8601, p. ej. 2026-12-01T22:00)') from None
    if when.tzinfo is not None:
        return when
    first, second = when.replace(tzinfo=zone), when.replace(tzinfo=zone, fold=1)
    if first.utcoffset() != second.utcoffset():
        raise ValueError(
            f'{text} es ambigua o no existe en {zone.key} por el cambio de hora: indique el desfase '
            f'(p. ej. {when.isoformat(timespec="minutes")}{_offset(first)})'
        )
    return first


def shown(when: datetime, zone: ZoneInfo) -> str:
    """``when`` as the panel shows it: ``2026-12-01 22:00 (Europe/Madrid, UTC+01:00)``."""
    local = when.astimezone(zone)
    return f'{local:%Y-%m-%d %H:%M} ({zone.key}, UTC{_offset(local)})'


def _offset(when: datetime) -> str:
    """``+01:00``: the UTC offset of an aware datetime."""
    minutes = int(when.utcoffset().total_seconds() // 60)
    return f'{"-" if minutes < 0 else "+"}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}'


def _late(late: timedelta) -> str | None:
    """The note of a start ``late`` after its time: ``lanzada con 40 s de retraso ...``, in minutes from one;
    None under ``LATE_NOTE``."""
    if late < LATE_NOTE:
        return None
    seconds = int(late.total_seconds())
    delay = f'{seconds // 60} min' if seconds >= 60 else f'{seconds} s'
    return f'lanzada con {delay} de retraso sobre la hora programada'


class Schedule:
    """The scheduled runs of a logs folder's panel. ``launch(request)`` starts one as the execute screen would and
    returns its job id; it raises ``retry_on`` when another run is in progress (tried again every ``retry`` seconds
    while the grace lasts) and anything else to leave the entry ``fallida`` with that reason. ``grace``: seconds a
    run may start late (at least 1). ``start``/``stop`` run the timers (the application's lifespan)."""

    def __init__(
        self,
        folder: Path,
        launch: Callable[[dict[str, Any]], str],
        *,
        retry_on: type[Exception],
        zone: str,
        grace: int = 15 * 60,
        retry: float = 30.0,
    ) -> None:
        self.folder = folder
        self.launch = launch
        self.retry_on = retry_on
        self.zone = ZoneInfo(zone)
        self.grace = timedelta(seconds=grace)
        self.retry = timedelta(seconds=retry)
        folder.mkdir(parents=True, exist_ok=True)
        self.store = str((folder / STORE).resolve())
        self.engine = create_engine(f'sqlite:///{self.store}')
        _metadata.create_all(self.engine)
        self.scheduler = BackgroundScheduler(
            jobstores={'default': SQLAlchemyJobStore(engine=self.engine)},
            timezone=UTC,
            job_defaults={'coalesce': True, 'max_instances': 1, 'misfire_grace_time': grace},
        )
        self.scheduler.add_listener(self._missed, EVENT_JOB_MISSED)
        self._lock = threading.RLock()

    # ---------------------------------------------------------------- lifecycle

    def start(self) -> None:
        """Read a legacy ``schedule.json`` once, give every stored timer this panel's grace (a timer keeps the grace
        of the panel that armed it), arm every ``programada`` entry that has no timer, start the timers (the ones
        already due run now or, past the grace, leave their entry ``fallida``)."""
        _LIVE[self.store] = self
        # APScheduler's own warnings (English, on stderr: "Run time of job ... was missed by ...") repeat what the
        # entries say in Spanish; its errors stay visible
        logging.getLogger('apscheduler').setLevel(logging.ERROR)
        self.scheduler.start(paused=True)
        with self._lock:
            self._migrate(self.folder / LEGACY)
            for job in self.scheduler.get_jobs():
                self.scheduler.modify_job(job.id, misfire_grace_time=int(self.grace.total_seconds()))
            for entry in self._select(_entries.c.state == SCHEDULED):
                if entry['timer'] is None or self.scheduler.get_job(entry['timer']) is None:
                    self._arm(entry['id'], datetime.fromisoformat(entry['at']))
        self.scheduler.resume()

    def stop(self) -> None:
        self.scheduler.shutdown(wait=True)
        _LIVE.pop(self.store, None)
        self.engine.dispose()

    # ---------------------------------------------------------------- the operator's requests

    def entries(self) -> list[dict[str, Any]]:
        """Every entry, oldest first: ``id``, ``at`` (UTC, ISO), ``local`` (as shown), ``request``, ``state``,
        ``created_at``, ``job`` (once lanzada), ``error`` (once fallida), ``note`` (a retry, a late start)."""
        with self._lock:
            return [self._view(entry) for entry in self._select()]

    def add(self, when: datetime, request: dict[str, Any]) -> dict[str, Any]:
        """Schedule ``request`` (what the execute screen would send) at ``when`` (an aware datetime). ValueError
        when ``when`` has passed."""
        now = datetime.now(UTC)
        if when < now - NOW_SLACK:
            raise ValueError(f'esa hora ya pasó: {shown(when, self.zone)}')
        entry = {
            'id': uuid.uuid4().hex[:12],
            'at': when.astimezone(UTC).isoformat(timespec='seconds'),
            'request': request,
            'state': SCHEDULED,
            'created_at': now.isoformat(timespec='seconds'),
        }
        with self._lock:
            with self.engine.begin() as db:
                db.execute(insert(_entries).values(**entry))
            self._arm(entry['id'], when)
            return self._view(self._get(entry['id']))

    def cancel(self, entry_id: str) -> str | None:
        """Cancel a ``programada`` entry. The entry's state before (``programada``: cancelled now; ``cancelada``,
        ``lanzada``, ``fallida``: left as it was), None when there is none with that id."""
        with self._lock:
            entry = self._get(entry_id)
            if entry is None or entry['state'] != SCHEDULED:
                return None if entry is None else entry['state']
            self._set(entry_id, state=CANCELLED)
            self._disarm(entry['timer'])
            return SCHEDULED

    # ---------------------------------------------------------------- the timers

    def due(self, entry_id: str) -> None:
        """An entry's timer fired: start it, or try again shortly if another run is in progress."""
        with self._lock:
            entry = self._get(entry_id)
            if entry is None or entry['state'] != SCHEDULED:
                return
            now = datetime.now(UTC)
            late = now - datetime.fromisoformat(entry['at'])
            try:
                job = self.launch(entry['request'])
            except self.retry_on as exc:
                if late > self.grace:
                    reason = f'{exc}; pasó el margen de {self._minutes} sin poder lanzarla'
                    self._set(entry_id, state=FAILED, error=reason)
                    return
                again = now + self.retry
                self._set(entry_id, note=f'{exc}; se reintenta a las {again.astimezone(self.zone):%H:%M:%S}')
                self._arm(entry_id, again)
                return
            except Exception as exc:  # noqa: BLE001 - the reason is kept for the operator in the entry
                self._set(entry_id, state=FAILED, error=str(exc) or type(exc).__name__)
                return
            self._set(entry_id, state=STARTED, job=job, note=_late(late))

    def _missed(self, event: JobExecutionEvent) -> None:
        """APScheduler's misfire: the timer's time is more than the grace in the past (the panel was stopped)."""
        with self._lock:
            found = self._select(_entries.c.timer == event.job_id)
            for entry in found:
                if entry['state'] == SCHEDULED:
                    at = datetime.fromisoformat(entry['at'])
                    self._set(
                        entry['id'],
                        state=FAILED,
                        error=f'la hora programada ({shown(at, self.zone)}) pasó con el panel parado y se superó el '
                        f'margen de {self._minutes}: no se lanzó; prográmela de nuevo si la ventana sigue abierta',
                    )

    @property
    def _minutes(self) -> str:
        return f'{int(self.grace.total_seconds() // 60) or 1} min'

    def _arm(self, entry_id: str, when: datetime) -> None:
        timer = uuid.uuid4().hex
        self._set(entry_id, timer=timer)
        self.scheduler.add_job(fire, 'date', run_date=when, args=[self.store, entry_id], id=timer, name=entry_id)

    def _disarm(self, timer: str | None) -> None:
        if timer is None:
            return
        try:
            self.scheduler.remove_job(timer)
        except JobLookupError:
            pass

    # ---------------------------------------------------------------- the table

    def _select(self, *where: Any) -> list[dict[str, Any]]:
        with self.engine.connect() as db:
            rows = db.execute(select(_entries).where(*where).order_by(_entries.c.seq)).mappings().all()
        return [dict(row) for row in rows]

    def _get(self, entry_id: str) -> dict[str, Any] | None:
        found = self._select(_entries.c.id == entry_id)
        return found[0] if found else None

    def _set(self, entry_id: str, **values: Any) -> None:
        with self.engine.begin() as db:
            db.execute(update(_entries).where(_entries.c.id == entry_id).values(**values))

    def _view(self, entry: dict[str, Any]) -> dict[str, Any]:
        return {
            **{name: entry[name] for name in _FIELDS},
            'local': shown(datetime.fromisoformat(entry['at']), self.zone),
        }

    def _migrate(self, legacy: Path) -> None:
        """Every entry of the first schedule's JSON file, with its state, once (the file is then renamed)."""
        if not legacy.is_file():
            return
        known = {entry['id'] for entry in self._select()}
        with self.engine.begin() as db:
            for entry in json.loads(legacy.read_text(encoding='utf-8')):
                if entry['id'] not in known:
                    db.execute(insert(_entries).values(**{name: entry.get(name) for name in _FIELDS}))
        legacy.rename(legacy.with_name(LEGACY + '.migrado'))
