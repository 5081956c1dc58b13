"""Retries: the policy, Retry-After parsing, backoff, the one retry loop every SDK call goes through, and the
classification of failures (auth, permission, not_found, conflict, invalid_input, rate_limited, transient)."""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

from transformacion.core.outcome import Rejected
from transformacion.core.secrets import mask_text

T = TypeVar('T')


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries: attempts per call, the longest wait the operator accepts (``max_wait``, seconds: a longer
    Retry-After raises :class:`RetryAfterTooLong`), backoff for absent or bad Retry-After, and ``visibility_wait``
    (seconds): how long a create that may have happened is looked for before it is taken as not made (list results
    lag behind creates)."""

    max_attempts: int = 6
    max_wait: float = 120.0
    base_delay: float = 1.0
    max_backoff: float = 30.0
    timeout: float = 60.0
    visibility_wait: float = 10.0

    @classmethod
    def from_env(cls) -> RetryPolicy:
        def number(name: str, default: float) -> float:
            raw = os.environ.get(name, '').strip()
            return float(raw) if raw else default

        return cls(
            max_attempts=int(number('TRANSFORMACION_MAX_ATTEMPTS', cls.max_attempts)),
            max_wait=number('TRANSFORMACION_MAX_WAIT', cls.max_wait),
            timeout=number('TRANSFORMACION_HTTP_TIMEOUT', cls.timeout),
            visibility_wait=number('TRANSFORMACION_VISIBILITY_WAIT', cls.visibility_wait),
        )


class RetryAfterTooLong(Exception):
    """Webex asked (Retry-After) for a longer wait than the operator accepts (``TRANSFORMACION_MAX_WAIT``), and no
    request may reach the org before that time: the call is not retried.

    ``wait_s``: the seconds Webex asked for; ``resume_after``: the UTC time after which requests may be sent again;
    ``cap_s``: the operator's cap. A single action reports it as ``error`` with that time; a batch stops as
    resumable, to be resumed after ``resume_after``.
    """

    def __init__(self, wait_s: float, resume_after: datetime, cap_s: float) -> None:
        self.wait_s = wait_s
        self.resume_after = resume_after
        self.cap_s = cap_s
        super().__init__(
            f'Webex pidió esperar {wait_s:g} s (Retry-After), más de lo permitido ({cap_s:g} s, '
            f'TRANSFORMACION_MAX_WAIT); no se envía nada antes de {self.resume_after_text}: repita entonces'
        )

    @property
    def resume_after_text(self) -> str:
        """``resume_after`` as ``2026-05-04T10:15:27Z``."""
        return self.resume_after.astimezone(UTC).isoformat(timespec='seconds').replace('+00:00', 'Z')

    @classmethod
    def after(cls, wait_s: float, cap_s: float) -> RetryAfterTooLong:
        """The exception for a wait of ``wait_s`` seconds from now."""
        return cls(wait_s, datetime.now(UTC) + timedelta(seconds=wait_s), cap_s)


def visibility_delays(policy: RetryPolicy) -> list[float]:
    """The pauses between the reads that look for a create that may have happened: 0.25 s, doubling, adding up to
    ``policy.visibility_wait`` (none when it is 0)."""
    delays: list[float] = []
    step, left = 0.25, policy.visibility_wait
    while left > 1e-9:
        delays.append(min(step, left))
        left -= delays[-1]
        step *= 2
    return delays


def read_back(
    recover: Callable[[], Any],
    policy: RetryPolicy,
    sleep: Callable[[float], None] = time.sleep,
    *,
    first_now: bool = True,
) -> Any:
    """``recover()`` until it finds something (its non-None answer), or None once ``policy.visibility_wait`` has
    been spent: list and search results may show a new entity seconds after its create."""
    if first_now:
        found = recover()
        if found is not None:
            return found
    for delay in visibility_delays(policy):
        sleep(delay)
        found = recover()
        if found is not None:
            return found
    return None


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delta-seconds or HTTP-date, RFC 9110), None if unusable."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return float(int(text))
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def backoff_delay(attempt: int, policy: RetryPolicy, rng: random.Random | None = None) -> float:
    """Capped exponential backoff with full jitter for attempt 1, 2, ..."""
    ceiling = min(policy.max_backoff, policy.base_delay * 2 ** (attempt - 1))
    return (rng or random).uniform(ceiling / 2, ceiling)


def http_status(exc: BaseException) -> int | None:
    """The HTTP status carried by a failed call's exception (wxc_sdk ``RestError``, requests ``HTTPError``), or None
    when there was no answer (lost connection, timeout) or the exception is not an HTTP one."""
    response = getattr(exc, 'response', None)
    return getattr(response, 'status_code', None)


#: the name the retry loop and the classification use
_http_status = http_status


def absent_on_404(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
    """``fn(*args, **kwargs)``, or None when it fails with HTTP 404: Webex's answer for an entity, or a setting of
    an entity, that does not exist. Any other failure is raised.

    Typically ``absent_on_404(ctx.call, api.telephony.location.details, location_id, org_id=ctx.org_id)``: the read
    keeps its retries and a 404 reads as "absent".
    """
    try:
        return fn(*args, **kwargs)
    except Exception as exc:
        if http_status(exc) == 404:
            return None
        raise


def rejected_on_404(missing: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``fn(*args, **kwargs)``; a 404 raises Rejected(``missing``), the operator's reason in Spanish (the entity, or
    the setting, that the input names does not exist)."""
    found = absent_on_404(fn, *args, **kwargs)
    if found is None:
        raise Rejected(missing)
    return found


def _is_transport_failure(exc: BaseException) -> bool:
    import requests

    return isinstance(exc, requests.ConnectionError | requests.Timeout | requests.exceptions.ChunkedEncodingError)


def _invoke_with_retry_after(
    fn: Callable[..., Any],
    *args: Any,
    policy: RetryPolicy | None = None,
    log: Any = None,
    idempotent: bool = True,
    recover: Callable[[], Any] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
    **kwargs: Any,
) -> Any:
    """Call ``fn`` and retry what is safe to retry.

    429: wait the whole ``Retry-After`` (seconds or HTTP-date) and never less; when it is longer than
    ``policy.max_wait``, raise :class:`RetryAfterTooLong` instead of retrying early. An absent or malformed
    Retry-After promises nothing: backoff, capped by ``policy.max_wait``. 5xx, timeouts and lost connections:
    retried when ``idempotent``; for a create (``idempotent=False``) ``recover()`` reads back by natural key first,
    for up to ``policy.visibility_wait`` seconds (list results lag behind creates), and its non-None answer is
    returned instead of sending the create again; if the create is sent again and meets a 409 (the first one landed
    after the read-back), ``recover()`` is asked again the same way. Every retry is logged; attempts are bounded.
    """
    policy = policy or RetryPolicy()
    attempt = 0
    create_uncertain = False
    while True:
        attempt += 1
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            status = _http_status(exc)
            transient = _is_transport_failure(exc) or (status is not None and status >= 500)
            if status == 409 and create_uncertain:
                found = read_back(recover, policy, sleep)  # type: ignore[arg-type]
                if log is not None:
                    log.event('response', {'kind': 'read_back_after_conflicting_resend', 'found': found is not None})
                if found is not None:
                    return found
                raise
            if status != 429 and not transient:
                raise
            if attempt >= policy.max_attempts:
                raise
            header = None
            if status == 429:
                header = exc.response.headers.get('Retry-After')  # type: ignore[attr-defined]
                parsed = parse_retry_after(header)
                if parsed is not None and parsed > policy.max_wait:
                    too_long = RetryAfterTooLong.after(parsed, policy.max_wait)
                    if log is not None:
                        log.event('error', {'kind': 'retry_after_too_long', **describe_error(too_long)})
                    raise too_long from exc
                wait = parsed if parsed is not None else min(backoff_delay(attempt, policy, rng), policy.max_wait)
            else:
                wait = min(backoff_delay(attempt, policy, rng), policy.max_wait)
            if log is not None:
                log.count_retry()
                log.event(
                    'error',
                    {
                        'kind': 'retry',
                        'call': getattr(fn, '__qualname__', str(fn)),
                        'attempt': attempt,
                        'status': status,
                        'reason': 'rate_limited' if status == 429 else 'transient',
                        'retry_after': header,
                        'wait_s': round(wait, 3),
                        'resume_at': _utc_after(wait),
                        'message': mask_text(str(exc))[:500],
                    },
                )
            if transient and not idempotent:
                if recover is None:
                    raise
                sleep(wait)
                found = read_back(recover, policy, sleep)
                if log is not None:
                    log.event('response', {'kind': 'read_back_after_failed_create', 'found': found is not None})
                if found is not None:
                    return found
                create_uncertain = True
                continue
            sleep(wait)


def _utc_after(seconds: float) -> str:
    when = datetime.now(UTC) + timedelta(seconds=seconds)
    return when.isoformat(timespec='milliseconds').replace('+00:00', 'Z')


def classify_error(exc: BaseException) -> str:
    """One of: auth, permission, not_found, conflict, invalid_input, rate_limited, transient, unexpected.

    An exception may name its own class in ``failure_reason`` (``core.credentials.CredentialError``: auth)."""
    if isinstance(exc, RetryAfterTooLong):
        return 'rate_limited'
    named = getattr(exc, 'failure_reason', None)
    if isinstance(named, str):
        return named
    status = _http_status(exc)
    if status is None:
        return 'transient' if _is_transport_failure(exc) else 'unexpected'
    if status >= 500:
        return 'transient'
    return {401: 'auth', 403: 'permission', 404: 'not_found', 409: 'conflict', 429: 'rate_limited'}.get(
        status, 'invalid_input'
    )


def describe_error(exc: BaseException) -> dict[str, Any]:
    """The Webex error of an exception (status, message, tracking id), masked."""
    response = getattr(exc, 'response', None)
    info: dict[str, Any] = {'type': type(exc).__name__, 'reason': classify_error(exc), 'message': mask_text(str(exc))}
    if isinstance(exc, RetryAfterTooLong):
        info.update({'wait_s': exc.wait_s, 'max_wait_s': exc.cap_s, 'resume_after': exc.resume_after_text})
    if response is not None:
        info['status'] = response.status_code
        info['tracking_id'] = response.headers.get('Trackingid', '')
        detail = getattr(exc, 'detail', None)
        if detail is not None and not isinstance(detail, str):
            info['message'] = mask_text(getattr(detail, 'message', '') or str(exc))
            info['errors'] = [mask_text(getattr(e, 'description', '')) for e in getattr(detail, 'errors', []) or []]
    return info
