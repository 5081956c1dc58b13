"""Run-time behaviour of the sandbox: the settings a test or the CLI may change while it runs."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

RETRY_AFTER_FORMATS = ('seconds', 'http-date')
#: how an update-routing-prefix job may end (``state.jobs``)
ROUTING_PREFIX_JOB_RESULTS = ('COMPLETED', 'FAILED', 'NOT_TRIGGERED')
#: what Remove Phone Numbers from a Location does with an assigned number (``state.numbers.remove``)
ASSIGNED_NUMBER_REMOVAL = ('refuse', 'release')
#: how POST /telephony/config/jobs/person/moveLocation wraps its answer (``state.move_users``): as the Cisco spec
#: documents it, or as wxc_sdk's model and live test read it
MOVE_USERS_ANSWERS = ('spec', 'wxc_sdk')


@dataclass(frozen=True)
class Config:
    """Run-time behaviour, changeable with ``Sandbox.configure`` or ``POST /_sandbox/config`` (same keys).

    - ``rate_limit``: requests per second per token (None: unlimited); ``retry_after``: ``seconds`` or
      ``http-date`` for the Retry-After of a rate-limit 429.
    - ``enforce_retry_after`` (default True): a 429 closes the token's window until its Retry-After has passed, so a
      request sent earlier gets another 429 (with the time still left); False serves early retries.
    - ``latency_ms`` + up to ``jitter_ms`` (seeded) added to every API request.
    - ``visibility_delay_ms`` (default 0): a person or workspace created through the API shows up in list and search
      results (``GET /people?email=``, ``GET /workspaces?displayName=``) only this long after its create; reads by id
      see it at once.
    - ``record_bodies``: also journal response bodies and headers.
    - ``routing_prefix_job_ms`` (default 500): how long an update-routing-prefix job runs before the new prefix lands
      (Webex's documented example took about 14 s; small by default so that tests stay fast);
      ``routing_prefix_job_result``: how such a job ends, COMPLETED, FAILED (the prefix is not applied) or
      NOT_TRIGGERED (no job, the PUT answers 206).
    - ``assigned_number_removal`` (default ``refuse``): what Remove Phone Numbers from a Location does with a number
      still assigned to a person or workspace: ``refuse`` (400, nothing removed) or ``release`` (removed, its holder
      loses it). Webex's documentation is silent on it.
    - ``move_users_job_ms`` (default 500): how long a move-users job runs before the users change location;
      ``move_users_answer``: ``spec`` (default: ``{response: [...]}`` for a validation, ``{response: <job>}`` for a
      started job) or ``wxc_sdk`` (``{response: {usersList: [...]}}`` / ``{response: {jobDetails: <job>}}``).
    """

    rate_limit: float | None = None
    latency_ms: int = 0
    jitter_ms: int = 0
    retry_after: str = 'seconds'
    record_bodies: bool = False
    enforce_retry_after: bool = True
    visibility_delay_ms: int = 0
    routing_prefix_job_ms: int = 500
    routing_prefix_job_result: str = 'COMPLETED'
    assigned_number_removal: str = 'refuse'
    move_users_job_ms: int = 500
    move_users_answer: str = 'spec'

    def __post_init__(self) -> None:
        problems = []
        if self.rate_limit is not None and (not isinstance(self.rate_limit, int | float) or self.rate_limit <= 0):
            problems.append('rate_limit must be a positive number or null')
        for name in ('latency_ms', 'jitter_ms', 'visibility_delay_ms', 'routing_prefix_job_ms', 'move_users_job_ms'):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                problems.append(f'{name} must be a non-negative integer')
        if self.retry_after not in RETRY_AFTER_FORMATS:
            problems.append(f'retry_after must be one of {RETRY_AFTER_FORMATS}')
        for name in ('record_bodies', 'enforce_retry_after'):
            if not isinstance(getattr(self, name), bool):
                problems.append(f'{name} must be true or false')
        if self.routing_prefix_job_result not in ROUTING_PREFIX_JOB_RESULTS:
            problems.append(f'routing_prefix_job_result must be one of {ROUTING_PREFIX_JOB_RESULTS}')
        if self.assigned_number_removal not in ASSIGNED_NUMBER_REMOVAL:
            problems.append(f'assigned_number_removal must be one of {ASSIGNED_NUMBER_REMOVAL}')
        if self.move_users_answer not in MOVE_USERS_ANSWERS:
            problems.append(f'move_users_answer must be one of {MOVE_USERS_ANSWERS}')
        if problems:
            raise ValueError('; '.join(problems))

    def changed(self, changes: Mapping[str, Any]) -> Config:
        """A copy with ``changes`` applied; unknown keys are an error."""
        unknown = sorted(set(changes) - {f.name for f in dataclasses.fields(self)})
        if unknown:
            raise ValueError(f'unknown config keys {unknown}; accepted: {[f.name for f in dataclasses.fields(self)]}')
        return dataclasses.replace(self, **changes)
