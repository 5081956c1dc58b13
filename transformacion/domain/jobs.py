"""Webex Calling admin batch jobs (``/telephony/config/jobs/...``): following one until it ends and reading its
errors, shared by the routing-prefix change of a location and the Move Users job.

A job is read (``GET .../{jobId}``) with growing waits between reads (``JOB_WAITS``) and at most ``JOB_TIMEOUT_S``
in total; its end is the exit code (spec ``BatchResponse.latestExecutionExitCode``; UNKNOWN while it runs) or, for
jobs that report it only there, the last execution status.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from transformacion.core.context import Context

#: Waits between two reads of a running job, or two attempts while another job runs: they grow from the first to
#: the last value and stay there (seconds). Webex's documented example routing-prefix job ran about 14 s.
JOB_WAITS = (0.5, 1.0, 2.0, 4.0, 8.0, 10.0)
#: Longest total wait for one job, and for a free slot while other jobs run (seconds).
JOB_TIMEOUT_S = 300.0
#: Exit codes that end a job (spec ``BatchResponse.latestExecutionExitCode``; UNKNOWN while it runs).
JOB_ENDED = ('COMPLETED', 'FAILED', 'STOPPED', 'COMPLETED_WITH_ERRORS')


def waits() -> Iterator[float]:
    """``JOB_WAITS``, then its last value for ever (seconds)."""
    yield from JOB_WAITS
    while True:
        yield JOB_WAITS[-1]


def wire_value(value: Any) -> str | None:
    """An enum member or a plain string as it travels on the wire."""
    return getattr(value, 'value', value)


def job_errors(api: Any, ctx: Context, jobs_api: Any, job_id: str) -> list[str]:
    """Descriptions of a job's errors (``GET .../{jobId}/errors``, first page). Read raw: the documented items
    (``BatchJobError``) have no ``errorType``, which wxc_sdk's ``JobErrorItem`` requires."""
    params = {'orgId': ctx.org_id} if ctx.org_id else None
    body = ctx.call(api.session.rest_get, jobs_api.ep(f'{job_id}/errors'), params=params) or {}
    return [
        message.get('description', '')
        for item in body.get('items', [])
        for message in (item.get('error') or {}).get('message') or []
    ]


def follow(
    api: Any,
    ctx: Context,
    jobs_api: Any,
    job_id: str,
    *,
    kind: str,
    ended_codes: tuple[str, ...] = JOB_ENDED,
    ended_statuses: tuple[str, ...] = ('COMPLETED', 'FAILED', 'STOPPED'),
) -> dict[str, Any]:
    """Read the job ``job_id`` of ``jobs_api`` (a wxc_sdk jobs API with ``status`` and ``ep``) until it ends.

    ``kind`` names the job in the evidence (``routing_prefix_job``, ``move_users_job``); ``ended_codes`` are the
    exit codes and ``ended_statuses`` the execution statuses that end it. Returns ``{id, status, ended, waited_s,
    counts, errors}``: ``status`` is the exit code, or the last execution status when the job ended without one it
    knows or had not ended; ``errors`` the job's error descriptions when it did not complete. The start and the
    end are logged as evidence.
    """
    ctx.log.event('response', {'kind': kind, 'job_id': job_id, 'state': 'started'})
    waited = 0.0
    pauses = waits()
    while True:
        job = ctx.call(jobs_api.status, job_id, org_id=ctx.org_id)
        exit_code = wire_value(job.latest_execution_exit_code)
        status = wire_value(job.latest_execution_status)
        ended = exit_code in ended_codes or status in ended_statuses
        if ended or waited >= JOB_TIMEOUT_S:
            break
        pause = next(pauses)
        ctx.sleep(pause)
        waited += pause
    outcome = exit_code if exit_code in ended_codes else status
    counts = job.counts.model_dump(mode='json', exclude_none=True) if job.counts is not None else {}
    report = {
        'id': job_id,
        'status': outcome,
        'ended': ended,
        'waited_s': waited,
        'counts': counts,
        'errors': job_errors(api, ctx, jobs_api, job_id) if ended and outcome != 'COMPLETED' else [],
    }
    ctx.log.event('response', {'kind': kind, 'job_id': job_id, 'state': 'ended' if ended else 'waiting', **report})
    return report
