"""The HTTP layer under wxc_sdk: request timeout, a shared rate controller, and capture of every exchange.

Mounted on the SDK's ``requests`` session, so every request the SDK makes (pagination included) is
paced by one controller and written as ``request``/``response`` JSONL events to the bound action log.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from requests.adapters import HTTPAdapter

from transformacion.core.evidence import exchange_log
from transformacion.core.retry import RetryAfterTooLong, parse_retry_after

_SAFE_HEADERS = {'content-type', 'retry-after', 'trackingid', 'link', 'content-length', 'location'}


class RateController:
    """One pacing authority for every worker of a run: a request rate and a shared pause after a 429.

    A 429 holds every worker for its whole ``Retry-After`` (Webex's rate limit is per organisation: nothing may
    reach it before then) and, once per throttling episode, lowers the rate by 10%; after ``RECOVERY_S`` without a
    429 the rate climbs back 2% at a time, up to the rate the run was given. A pause longer than ``max_pause``
    (the operator's ``TRANSFORMACION_MAX_WAIT``) is not waited: every request asked for meanwhile raises
    :class:`~transformacion.core.retry.RetryAfterTooLong`, which stops the run as resumable.
    """

    CUT = 0.9
    RECOVERY = 1.02
    RECOVERY_S = 5.0

    def __init__(
        self, rate: float | None = None, *, max_pause: float = 120.0, clock=time.monotonic, sleep=time.sleep
    ) -> None:
        self.rate = rate
        self.ceiling = rate
        self.max_pause = max_pause
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next_slot = 0.0
        self._paused_until = 0.0
        self._calm_since = clock()
        self.requests = 0
        self.throttled = 0
        #: told ``announce(seconds)`` when a 429 starts or extends the pause (a progress display says why and until
        #: when); set by whoever shows the run
        self.announce: Callable[[float], None] | None = None

    def acquire(self, on_pause: Callable[[float], None] | None = None) -> None:
        """Block until this request may be sent; ``on_pause(seconds)`` is told first when the wait is a 429's
        pause. Raises ``RetryAfterTooLong`` when that pause lasts longer than ``max_pause``."""
        with self._lock:
            now = self._clock()
            paused = self._paused_until - now
            if paused > self.max_pause:
                raise RetryAfterTooLong.after(paused, self.max_pause)
            if self.rate and self.ceiling and self.rate < self.ceiling and now - self._calm_since >= self.RECOVERY_S:
                self.rate = min(self.ceiling, self.rate * self.RECOVERY)
                self._calm_since = now
            start = max(now, self._next_slot, self._paused_until)
            if self.rate:
                self._next_slot = start + 1.0 / self.rate
            self.requests += 1
        delay = start - now
        if delay > 0:
            if paused > 0 and on_pause is not None:
                on_pause(delay)
            self._sleep(delay)

    def pause(self, seconds: float) -> None:
        """A 429 told us to wait ``seconds``: hold every worker that long; the first 429 of an episode also slows
        the run down."""
        with self._lock:
            self.throttled += 1
            now = self._clock()
            if self.rate and now >= self._paused_until:
                self.rate = max(0.5, self.rate * self.CUT)
            self._calm_since = now
            extends = now + seconds > self._paused_until
            self._paused_until = max(self._paused_until, now + seconds)
        if extends and self.announce is not None:
            self.announce(seconds)

    def paused_for(self) -> float:
        """Seconds every worker still waits because of a 429 (0 when none); for progress displays."""
        with self._lock:
            return max(0.0, self._paused_until - self._clock())


def _pause_logger(log: Any, request: Any) -> Callable[[float], None]:
    """What tells the evidence that a request waits for a 429's Retry-After, and until when."""

    def note(seconds: float) -> None:
        until = datetime.now(UTC) + timedelta(seconds=seconds)
        log.event(
            'error',
            {
                'kind': 'rate_pause',
                'reason': 'Webex respondió 429: ninguna petición sale antes de que venza su Retry-After',
                'method': request.method,
                'url': request.url,
                'wait_s': round(seconds, 3),
                'until': until.isoformat(timespec='milliseconds').replace('+00:00', 'Z'),
            },
        )

    return note


def _next_of_empty_page(request: Any, response: Any) -> Any:
    """The request for the next page when ``response`` is a list page with no items that still has a
    ``rel="next"`` link (Webex serves such pages; wxc_sdk stops at an empty page, which would hide the rest), else
    None."""
    next_url = response.links.get('next', {}).get('url') if response.status_code == 200 else None
    if request.method != 'GET' or not next_url:
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    lists = [value for value in body.values() if isinstance(value, list)] if isinstance(body, dict) else []
    if not lists or any(lists):
        return None
    following = request.copy()
    following.prepare_url(next_url, None)
    return following


def _decode_body(body: Any) -> Any:
    if body is None or body == b'' or body == '':
        return None
    if isinstance(body, bytes):
        try:
            body = body.decode('utf-8')
        except UnicodeDecodeError:
            return f'<{len(body)} bytes>'
    try:
        return json.loads(body)
    except (TypeError, ValueError):
        return body


def _headers(headers: Any) -> dict[str, str]:
    return {name: value for name, value in headers.items() if name.lower() in _SAFE_HEADERS}


class ObservedAdapter(HTTPAdapter):
    """An HTTPAdapter that paces, times out and records every request it sends."""

    def __init__(self, *, timeout: float, controller: RateController | None, pool_maxsize: int = 10) -> None:
        super().__init__(pool_connections=pool_maxsize, pool_maxsize=pool_maxsize)
        self.timeout = timeout
        self.controller = controller

    #: How many empty pages with a next link in a row are followed before the empty answer is given to the SDK.
    EMPTY_PAGES_FOLLOWED = 5

    def send(self, request, **kwargs):  # type: ignore[override]
        response = self._send_observed(request, **kwargs)
        for _ in range(self.EMPTY_PAGES_FOLLOWED):
            following = _next_of_empty_page(request, response)
            if following is None:
                break
            exchange_log(request.method, request.url).event(
                'response', {'kind': 'empty_page_followed', 'url': request.url, 'next': following.url}
            )
            request, response = following, self._send_observed(following, **kwargs)
        return response

    def _send_observed(self, request, **kwargs):  # type: ignore[no-untyped-def]
        if kwargs.get('timeout') is None:
            kwargs['timeout'] = self.timeout
        log = exchange_log(request.method, request.url)
        if self.controller is not None:
            self.controller.acquire(on_pause=_pause_logger(log, request))
        tracking_id = request.headers.get('TrackingID', '')
        log.event(
            'request',
            {
                'method': request.method,
                'url': request.url,
                'headers': {'TrackingID': tracking_id},
                'body': _decode_body(request.body),
            },
        )
        start = time.perf_counter()
        try:
            response = super().send(request, **kwargs)
        except Exception as exc:
            log.count_call(status=None)
            log.event(
                'error',
                {
                    'method': request.method,
                    'url': request.url,
                    'kind': type(exc).__name__,
                    'message': str(exc),
                    'duration_ms': round((time.perf_counter() - start) * 1000, 1),
                },
            )
            raise
        duration_ms = round((time.perf_counter() - start) * 1000, 1)
        if response.status_code == 429 and self.controller is not None:
            wait = parse_retry_after(response.headers.get('Retry-After'))
            # an absent or malformed Retry-After promises nothing: a short pause, within the operator's cap
            self.controller.pause(wait if wait is not None else min(1.0, self.controller.max_pause))
        log.count_call(status=response.status_code, tracking_id=response.headers.get('Trackingid'))
        log.event(
            'response',
            {
                'method': request.method,
                'url': request.url,
                'status': response.status_code,
                'headers': _headers(response.headers),
                'body': _decode_body(response.content),
                'duration_ms': duration_ms,
                'tracking_id': response.headers.get('Trackingid') or tracking_id,
            },
        )
        return response
