"""Retries: the policy, Retry-After parsing, backoff, the one retry loop every SDK call goes through, and the
classification of failures (auth, permission, not_found, conflict, invalid_input, rate_limited, transient)."""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from transformacion.core.secrets import mask_text


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries: attempts per call, the longest single wait, backoff for absent or bad Retry-After."""

    max_attempts: int = 6
    max_wait: float = 120.0
    base_delay: float = 1.0
    max_backoff: float = 30.0
    timeout: float = 60.0

    @classmethod
    def from_env(cls) -> RetryPolicy:
        def number(name: str, default: float) -> float:
            raw = os.environ.get(name, '').strip()
            return float(raw) if raw else default

        return cls(
            max_attempts=int(number('TRANSFORMACION_MAX_ATTEMPTS', cls.max_attempts)),
            max_wait=number('TRANSFORMACION_MAX_WAIT', cls.max_wait),
            timeout=number('TRANSFORMACION_HTTP_TIMEOUT', cls.timeout),
        )


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


def _http_status(exc: BaseException) -> int | None:
    response = getattr(exc, 'response', None)
    return getattr(response, 'status_code', None)


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

    429: wait ``Retry-After`` (seconds or HTTP-date), or backoff when absent/malformed, capped by
    ``policy.max_wait``. 5xx, timeouts and lost connections: retried when ``idempotent``; for a create
    (``idempotent=False``) ``recover()`` reads back by natural key first and its non-None answer is
    returned instead of sending the create again; if the create is sent again and meets a 409 (the first one landed
    after the read-back), ``recover()`` is asked once more. Every retry is logged; attempts are bounded.
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
                found = recover()  # type: ignore[misc]
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
                wait = parsed if parsed is not None else backoff_delay(attempt, policy, rng)
            else:
                wait = backoff_delay(attempt, policy, rng)
            wait = min(wait, policy.max_wait)
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
                        'message': mask_text(str(exc))[:500],
                    },
                )
            if transient and not idempotent:
                if recover is None:
                    raise
                sleep(wait)
                found = recover()
                if log is not None:
                    log.event('response', {'kind': 'read_back_after_failed_create', 'found': found is not None})
                if found is not None:
                    return found
                create_uncertain = True
                continue
            sleep(wait)


def classify_error(exc: BaseException) -> str:
    """One of: auth, permission, not_found, conflict, invalid_input, rate_limited, transient, unexpected.

    An exception may name its own class in ``failure_reason`` (``core.credentials.CredentialError``: auth)."""
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
    if response is not None:
        info['status'] = response.status_code
        info['tracking_id'] = response.headers.get('Trackingid', '')
        detail = getattr(exc, 'detail', None)
        if detail is not None and not isinstance(detail, str):
            info['message'] = mask_text(getattr(detail, 'message', '') or str(exc))
            info['errors'] = [mask_text(getattr(e, 'description', '')) for e in getattr(detail, 'errors', []) or []]
    return info
