"""Update-routing-prefix jobs (``/v1/telephony/config/jobs/updateRoutingPrefix``): a routing prefix change is an
admin batch job on Webex, not an immediate update.

``PUT /telephony/config/locations/{id}`` with a new ``routingPrefix`` starts a job and answers ``200
{batchJobId}``; the prefix lands when the job ends, ``delay_s`` later (the documented example job ran about 14 s).
While a job runs, another prefix change in the org is refused with ``409 {failureReason}``. The job ends as the
sandbox is configured: COMPLETED (the prefix is applied), FAILED (it is not; the job lists one error) or, with
NOT_TRIGGERED, no job starts at all and the PUT answers ``206 {failureReason}``.

Jobs end lazily: :func:`settle` applies every job whose end time has passed and runs before every API request, so
no timer thread changes the org behind a handler's back.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypedDict

from ..errors import Conflict, NotFound

if TYPE_CHECKING:
    from .org import Org

JOB_KIND = 'JOB_ID'
JOB_NAME = 'updateroutingprefix'
STEP_NAME = 'updateroutingprefixUpdateRoutingPrefix'
#: How a started job ends (``Config.routing_prefix_job_result``); NOT_TRIGGERED starts none (PUT answers 206).
IN_PROGRESS = 'UpdateRoutingPrefixJob failed as another one is already in progress.'


class RoutingPrefixJob(TypedDict, total=False):
    id: str
    location_id: str
    old_prefix: str | None
    new_prefix: str | None
    result: str
    #: STARTED until ``ends_at`` (epoch seconds) has passed, then COMPLETED or FAILED
    status: str
    created: float
    ends_at: float
    ended: float | None
    tracking_id: str
    updated_count: int
    errors: list[dict[str, Any]]


class JobInProgress(Conflict):
    """409 with the body Webex documents for this case: ``{failureReason}`` only."""

    def __init__(self) -> None:
        super().__init__(IN_PROGRESS)


def running(org: Org) -> RoutingPrefixJob | None:
    """The job of the org still running, if any."""
    return next((job for job in org.routing_prefix_jobs.values() if job['status'] == 'STARTED'), None)


def start(
    org: Org, location_id: str, old_prefix: str | None, new_prefix: str | None, *, delay_s: float, result: str
) -> str:
    """Start a job changing (or, with None, removing) a location's routing prefix; its id. JobInProgress while
    another one runs."""
    if running(org) is not None:
        raise JobInProgress()
    now = time.time()
    job_id = org.new_id(JOB_KIND)
    org.routing_prefix_jobs[job_id] = {
        'id': job_id,
        'location_id': location_id,
        'old_prefix': old_prefix,
        'new_prefix': new_prefix,
        'result': result,
        'status': 'STARTED',
        'created': now,
        'ends_at': now + delay_s,
        'ended': None,
        'tracking_id': f'SANDBOX_{uuid.UUID(int=org.rng.getrandbits(128), version=4)}',
        'updated_count': 0,
        'errors': [],
    }
    return job_id


def settle(org: Org, now: float | None = None) -> None:
    """End every running job whose time has come: apply its prefix (COMPLETED) or record its error (FAILED)."""
    now = time.time() if now is None else now
    for job in org.routing_prefix_jobs.values():
        if job['status'] != 'STARTED' or job['ends_at'] > now:
            continue
        calling = org.calling_locations.get(job['location_id'])
        new_prefix = job['new_prefix']
        taken = new_prefix is not None and any(
            other_id != job['location_id'] and other.get('routing_prefix') == new_prefix
            for other_id, other in org.calling_locations.items()
        )
        if job['result'] == 'COMPLETED' and calling is not None and not taken:
            if new_prefix is None:
                calling.pop('routing_prefix', None)
            else:
                calling['routing_prefix'] = new_prefix
            job.update(status='COMPLETED', updated_count=_members(org, job['location_id']))
        else:
            job.update(status='FAILED', errors=[_error(job, 'the routing prefix could not be updated')])
        job['ended'] = job['ends_at']


def _members(org: Org, location_id: str) -> int:
    """People and workspaces of the location with an extension: the records a prefix change renumbers."""
    holders = [*org.people.values(), *org.workspaces.values()]
    return sum(1 for r in holders if r.get('location_id') == location_id and r.get('extension'))


def _error(job: RoutingPrefixJob, description: str) -> dict[str, Any]:
    return {
        'item_number': 0,
        'error': {'key': '500', 'message': [{'description': f'{description} (location={job["location_id"]})'}]},
        'tracking_id': f'{job["tracking_id"]}_0',
    }


def get(org: Org, job_id: str) -> RoutingPrefixJob:
    """A job by id; 404 when unknown."""
    job = org.routing_prefix_jobs.get(job_id)
    if job is None:
        raise NotFound('Job not found.')
    return job


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec='milliseconds').replace('+00:00', 'Z')


def _elapsed(seconds: float) -> str:
    return f'PT{max(seconds, 0):.3f}S'


def job_view(
    org: Org,
    job: Any,
    *,
    name: str,
    step_name: str,
    status: str,
    exit_code: str,
    counts: dict[str, int],
    now: float,
) -> dict[str, Any]:
    """An admin batch job as the jobs APIs answer it (snake_case): one execution with one step, both with ``status``
    and ``exit_code`` and the job's times, then the job's ``counts``. Shared by every kind of job the sandbox runs."""
    end = job['ended']
    last = end if end is not None else now
    common = {
        'start_time': _iso(job['created']),
        'end_time': _iso(end) if end is not None else None,
        'last_updated': _iso(last),
        'status_message': status,
        'exit_code': exit_code,
        'time_elapsed': _elapsed(last - job['created']),
    }
    execution = {
        'id': 1,
        **common,
        'created_time': _iso(job['created']),
        'step_execution_statuses': [{'id': 1, **common, 'name': step_name}],
    }
    return {
        'name': name,
        'id': job['id'],
        'tracking_id': job['tracking_id'],
        'source_user_id': org.admin_id,
        'source_customer_id': org.id,
        'target_customer_id': org.id,
        'instance_id': 1,
        'job_execution_status': [execution],
        'latest_execution_status': status,
        'latest_execution_exit_code': exit_code,
        'counts': counts,
    }


def view(org: Org, job: RoutingPrefixJob, now: float | None = None) -> dict[str, Any]:
    """A job as ``BatchResponse`` (snake_case): one execution with one step, counts of renumbered records."""
    status = job['status']
    return job_view(
        org,
        job,
        name=JOB_NAME,
        step_name=STEP_NAME,
        status=status,
        exit_code='UNKNOWN' if status == 'STARTED' else status,
        counts={'routing_prefix_updated': job['updated_count'], 'routing_prefix_failed': len(job['errors'])},
        now=time.time() if now is None else now,
    )


def listing(org: Org) -> list[dict[str, Any]]:
    """Every job of the org, newest first."""
    jobs = sorted(org.routing_prefix_jobs.values(), key=lambda job: job['created'], reverse=True)
    return [view(org, job) for job in jobs]


def errors(org: Org, job_id: str) -> list[dict[str, Any]]:
    """The errors of a job (``BatchJobError`` items); 404 for an unknown job."""
    return list(get(org, job_id)['errors'])


def not_triggered(location_id: str, old_prefix: str | None, new_prefix: str | None) -> str:
    """The ``failureReason`` of a 206: Webex's documented wording."""
    return (
        f'UpdateRoutingPrefix batch job not triggered for Location: {location_id}. '
        f'OldRoutingPrefix : {old_prefix or ""}. NewRoutingPrefix: {new_prefix or ""}.'
    )
