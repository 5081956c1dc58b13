"""Locations: the general settings of a location as a flat state, its PSTN connection
(``GET /telephony/pstn/locations/{id}/connection``) normalised, and the calling-details update whose routing-prefix
change Webex runs as an admin batch job (``/telephony/config/jobs/updateRoutingPrefix``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from transformacion.core.context import Context
from transformacion.core.retry import absent_on_404, http_status

ADDRESS_FIELDS = ('address1', 'address2', 'city', 'state', 'postal_code', 'country')


def location_state(location: Any) -> dict[str, Any]:
    address = location.address
    state = {
        'time_zone': location.time_zone,
        'preferred_language': location.preferred_language,
    }
    state.update({field: getattr(address, field, None) if address else None for field in ADDRESS_FIELDS})
    return state


LOCAL_GATEWAY = 'LOCAL_GATEWAY'


#: Connection types Webex does not let the API set (documented for PUT .../connection): Control Hub only.
NOT_SETTABLE = ('INTEGRATED_CCP', 'CISCO_PSTN')

#: Connection types whose locations may get numbers through ``POST /telephony/config/locations/{id}/numbers``
#: ("only supported for ... non-integrated PSTN connection types such as Local Gateway (LGW) and Non-integrated
#: CPP", developer.webex.com, Add Phone Numbers to a location).
NUMBERS_BY_API = (LOCAL_GATEWAY, 'NON_INTEGRATED_CCP')


NO_CONNECTION = {'pstnConnectionType': None, 'id': None, 'routeType': None, 'routeId': None}


def wire_value(value: Any) -> str | None:
    """An SDK enum field as on the wire (the SDK keeps either the enum or its value)."""
    return getattr(value, 'value', value)


def connection_path(location_id: str) -> str:
    return f'/telephony/pstn/locations/{location_id}/connection'


def read_connection(api: Any, ctx: Context, location_id: str) -> dict[str, Any]:
    """The current PSTN connection, normalised; all None when the location has none yet (404)."""
    current = absent_on_404(ctx.call, api.telephony.pstn.read, location_id, org_id=ctx.org_id)
    if current is None:
        return {**NO_CONNECTION, 'displayName': None}
    kind = wire_value(current.pstn_connection_type)
    state = {**NO_CONNECTION, 'pstnConnectionType': kind, 'displayName': current.display_name}
    if kind == LOCAL_GATEWAY:
        state.update(routeType=wire_value(current.route_type), routeId=current.route_id)
    elif kind is not None:
        state['id'] = current.id
    return state


# --------------------------------------------------------------------------- routing prefix: an admin batch job

#: Waits between two reads of a running routing-prefix job, or two attempts while another job runs: they grow
#: from the first to the last value and stay there (seconds). Webex's documented example job ran about 14 s.
JOB_WAITS = (0.5, 1.0, 2.0, 4.0, 8.0, 10.0)
#: Longest total wait for one job, and for a free slot while other jobs run (seconds).
JOB_TIMEOUT_S = 300.0
#: Exit codes that end a job (spec ``BatchResponse.latestExecutionExitCode``; UNKNOWN while it runs).
JOB_ENDED = ('COMPLETED', 'FAILED', 'STOPPED', 'COMPLETED_WITH_ERRORS')


def _waits() -> Iterator[float]:
    yield from JOB_WAITS
    while True:
        yield JOB_WAITS[-1]


def job_in_progress(exc: Exception) -> bool:
    """A 409 ``{failureReason: "UpdateRoutingPrefixJob failed as another one is already in progress."}``."""
    response = getattr(exc, 'response', None)
    return http_status(exc) == 409 and 'in progress' in (getattr(response, 'text', '') or '').lower()


def update_calling_location(api: Any, ctx: Context, location_id: str, settings: Any) -> str | None:
    """``PUT /telephony/config/locations/{id}``: the batch job id Webex answers when the routing prefix changes
    (``200 {batchJobId}``), else None (204, or 206 when the job was not triggered).

    While another routing-prefix job runs, Webex answers ``409 {failureReason: ...already in progress}``: the PUT is
    sent again after growing waits (``JOB_WAITS``), each logged, for at most ``JOB_TIMEOUT_S`` in total; then the
    409 is raised. Any other error is raised at once. wxc_sdk returns the job id from 1.27.1 on
    (``TelephonyLocationApi.update``).
    """
    waited = 0.0
    waits = _waits()
    while True:
        try:
            return api.telephony.location.update(location_id, settings, org_id=ctx.org_id)
        except Exception as exc:
            if not job_in_progress(exc) or waited >= JOB_TIMEOUT_S:
                raise
            wait = next(waits)
            ctx.log.count_retry()
            ctx.log.event(
                'error',
                {'kind': 'retry', 'reason': 'routing_prefix_job_in_progress', 'status': 409, 'wait_s': wait},
            )
            ctx.sleep(wait)
            waited += wait


def _job_errors(api: Any, ctx: Context, job_id: str) -> list[str]:
    """Descriptions of a job's errors (``GET .../updateRoutingPrefix/{id}/errors``, first page). Read raw: the
    documented items (``BatchJobError``) have no ``errorType``, which wxc_sdk's ``JobErrorItem`` requires."""
    url = api.telephony.jobs.update_routing_prefix.ep(f'{job_id}/errors')
    params = {'orgId': ctx.org_id} if ctx.org_id else None
    body = ctx.call(api.session.rest_get, url, params=params) or {}
    return [
        message.get('description', '')
        for item in body.get('items', [])
        for message in (item.get('error') or {}).get('message') or []
    ]


def follow_routing_prefix_job(api: Any, ctx: Context, job_id: str) -> dict[str, Any]:
    """Read an update-routing-prefix job until it ends (``GET /telephony/config/jobs/updateRoutingPrefix/{id}``
    through wxc_sdk's ``telephony.jobs.update_routing_prefix.status``), waiting ``JOB_WAITS`` between reads and at
    most ``JOB_TIMEOUT_S`` in total.

    Returns ``{id, status, ended, waited_s, counts, errors}``: ``status`` is the exit code (COMPLETED, FAILED,
    STOPPED, COMPLETED_WITH_ERRORS) or the last execution status when the job had not ended; ``errors`` are the
    job's error descriptions when it did not complete. The start and the end are logged as evidence.
    """
    ctx.log.event('response', {'kind': 'routing_prefix_job', 'job_id': job_id, 'state': 'started'})
    jobs_api = api.telephony.jobs.update_routing_prefix
    waited = 0.0
    waits = _waits()
    while True:
        job = ctx.call(jobs_api.status, job_id, org_id=ctx.org_id)
        exit_code = wire_value(job.latest_execution_exit_code)
        status = wire_value(job.latest_execution_status)
        ended = exit_code in JOB_ENDED or status in ('COMPLETED', 'FAILED', 'STOPPED')
        if ended or waited >= JOB_TIMEOUT_S:
            break
        wait = next(waits)
        ctx.sleep(wait)
        waited += wait
    outcome = exit_code if exit_code in JOB_ENDED else status
    counts = job.counts.model_dump(mode='json', exclude_none=True) if job.counts is not None else {}
    report = {
        'id': job_id,
        'status': outcome,
        'ended': ended,
        'waited_s': waited,
        'counts': counts,
        'errors': _job_errors(api, ctx, job_id) if ended and outcome != 'COMPLETED' else [],
    }
    ctx.log.event(
        'response', {'kind': 'routing_prefix_job', 'job_id': job_id, 'state': 'ended' if ended else 'waiting', **report}
    )
    return report
