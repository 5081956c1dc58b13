"""The HTTP layer under wxc_sdk: request timeout, a shared rate controller, and capture of every exchange.

Mounted on the SDK's ``requests`` session, so every request the SDK makes (pagination included) is
paced by one controller and written as ``request``/``response`` JSONL events to the bound action log.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from requests.adapters import HTTPAdapter

from transformacion.core.evidence import exchange_log
from transformacion.core.retry import RetryAfterTooLong, parse_retry_after

_SAFE_HEADERS = {'content-type', 'retry-after', 'trackingid', 'link', 'content-length', 'location'}


class RateController:
    """One pacing authority for every worker of a run: how many requests may be in flight, how fast they leave, and
    a shared pause after a 429.

    A 429 holds every worker for its whole ``Retry-After`` (Webex's rate limit is per organisation: nothing may
    reach it before then). A pause longer than ``max_pause`` (the operator's ``TRANSFORMACION_MAX_WAIT``) is not
    waited: every request asked for meanwhile raises :class:`~transformacion.core.retry.RetryAfterTooLong`, which
    stops the run as resumable.

    With a ``rate`` (the operator's ``--rate-limit``, requests/s) requests leave at that rate; once per throttling
    episode a 429 lowers it by 10% and after ``RECOVERY_S`` without a 429 it climbs back 2% at a time, up to the
    rate given.

    Without one the controller learns the org's rate from what Webex answers (:meth:`release` tells it each
    answer and its latency):

    1. *Probing*: a window of ``START_WINDOW`` requests in flight, paced by Little's law (one request every
       ``latency / window`` seconds), grows by half a request per answer (x1.5 per round trip, at most about x1.65
       per second) while the window is used, no 429 came and the latency stays within ``LATENCY_SLACK`` x its
       minimum (a longer one means a queue: more in flight would not go faster).
    2. *A 429* tells where the limit is. Webex's limiter, like the sandbox's (``sandbox/FIDELITY.md``), is a token
       bucket holding ``BUCKET_S`` seconds worth of requests: when it runs dry, the requests admitted since it was
       last full number ``rate x (BUCKET_S + seconds since then)``. The largest
       ``admitted since t / (BUCKET_S + now - t)`` over the recent past (:func:`bucket_rate`) is therefore the
       org's rate, and at any time a rate the org is known to allow (``best``), read on the requests' send times
       and on their answer times, the lower taken (:meth:`_proven`: the limiter counts a request somewhere on its
       round trip, and the latency's jitter spreads the other times). The run goes on at ``HEADROOM`` x that
       rate, never above ``CUT`` x the rate that was throttled nor below ``FLOOR`` x ``best``, with at most twice
       the latency's worth of requests in flight. ``best`` is only taken from admitted requests that span
       ``LEARN_SPAN_S`` (over a shorter span the bucket's credit makes the bound loose). One cut per episode: 429s
       to requests sent before the last cut, or within ``BUCKET_S`` of it, do not cut again (a storm of 429s does
       not bring the run to a crawl). While probing, a 429 after fewer than ``LEARN_MIN`` admitted requests, or
       one whose arithmetic gives less than ``SAFE_MEASURE`` x ``SAFE_RATE`` (what a storm of another origin looks
       like; an org allowing exactly ``SAFE_RATE`` gives a little less), fixes no rate: the window halves and
       probing goes on.
    3. *Cruising*: after ``PROBE_S`` seconds without a 429 the rate grows by ``RETURN`` up to ``HEADROOM`` x
       ``best`` and holds there; only after ``HOLD_S`` seconds without a 429 does it probe above, by ``PROBE`` every
       ``PROBE_S`` (the org's allowance may have grown). The first measured episode replaces ``best`` by what its
       bucket arithmetic gives (the org allows less than was believed, e.g. a rate remembered from an earlier run);
       later ones can only raise it.

    Each 429 costs the requests already in flight (they reach a closed window), so the controller avoids them:
    one episode per run when the org's rate is steady, none when it starts from a rate learnt by an earlier run
    (:meth:`start_from`).

    What the one episode costs (benchmarks/ramp_sim.py runs this class against the sandbox's limiter on a simulated
    clock; its figures match the real benchmark's within a few 429s): the bucket runs dry only once more than the
    org's rate is sent, and its second of credit hides the limit meanwhile, so when it does the probe sends about
    1.8 x the org's rate and about 2.6 x rate x latency requests meet the closed window (with the latency's jitter);
    no ramp can cost less than rate x latency. Capping the probe at k x the rate the bucket's arithmetic already
    proves (k = 2: 1.7-2 x rate x latency) takes twice as long to reach the rate, because what is proven lags
    what is sent by the bucket's second and a round trip: it costs more utilisation than it saves 429s. So the
    episode stays a one-time cost: 429s are at most 1% of a first run's calls once its batch lasts about 260-280 x
    the latency (benchmarks/no_tuning.py gives a first run 300 x); a second run pays none.
    """

    CUT = 0.9
    RECOVERY = 1.02
    RECOVERY_S = 5.0
    START_WINDOW = 4.0
    #: requests/s the probing window allows from the start once the latency is known (``SAFE_RATE`` x the lowest
    #: latency seen): the lowest org rate the launcher is built for (issue 19: 10 to 200 requests/s), so the
    #: ramp skips the steps below it at long latencies without risking a 429 at short ones
    SAFE_RATE = 10.0
    #: a 429 whose bucket arithmetic gives less than this share of ``SAFE_RATE`` fixes no rate: the arithmetic of an
    #: org allowing exactly ``SAFE_RATE`` gives 0.94-1.0 of it (benchmarks/ramp_sim.py), and a rate never fixed
    #: meant an episode every few seconds (26% of the calls answered 429 at 50 ms)
    SAFE_MEASURE = 0.9
    GROWTH = 0.5
    LATENCY_SLACK = 2.0
    BUCKET_S = 1.0
    #: share of the rate learnt (``best``) the run goes at. What is learnt is at most the org's rate, 0.96-1.00 x it
    #: (benchmarks/ramp_sim.py, 10-200 requests/s, 50-1,000 ms + 25%; the sandbox at 200/s and 1 s: 0.998 x), so
    #: the run sends at most 0.98 x what the org allows and its bucket never runs dry on average; a burst after a
    #: stall is bounded by ``LATE_S``. (Was 0.95 of a rate read on send times alone, up to 1.04 x the org's at 1 s:
    #: from 0.91 to 0.99 x the org's; benchmarks/README.md, "A margin at 200/s and 1 s".)
    HEADROOM = 0.98
    PROBE = 1.01
    PROBE_S = 10.0
    HISTORY_S = 120.0
    #: admitted requests needed before a 429 says something about the rate (fewer: the current rate is cut)
    LEARN_MIN = 20
    #: seconds of admitted requests needed before the bucket's arithmetic is used (one second of credit over three:
    #: the bound is at least 3/4 of the org's rate when the run sent at that rate)
    LEARN_SPAN_S = 3.0
    MIN_RATE = 0.5
    FLOOR = 0.5
    #: answers ``fastest_recent_latency`` looks at
    RECENT = 50
    #: seconds between two updates of ``best`` from what was admitted
    BEST_EVERY_S = 0.5
    #: growth per ``PROBE_S`` calm seconds while the rate is below ``HEADROOM`` x the best rate learnt
    RETURN = 1.1
    #: seconds without a 429 before the rate probes above ``HEADROOM`` x the best rate learnt: a probe that finds the
    #: limit costs an episode (the requests in flight), so it is rare
    HOLD_S = 600.0
    #: share of a remembered rate too old to trust (:meth:`start_from`) that the probing window starts from
    HINT_SHARE = 0.5
    #: seconds a request that waited for its turn may leave after it; later (the process stalled: CPU starved, a
    #: long garbage collection) it takes a new turn instead. Requests wait up to a round trip for their turns, so
    #: after a stall of a second every one whose turn passed meanwhile would leave at once: at 190 requests/s 230 in
    #: 0.4 s were sent after one, which emptied the org's bucket (a second's worth) and cost a 429 episode and 10% of
    #: the rate for the rest of a run that had started from the rate it remembered. A quarter of the bucket's time
    #: bounds such a burst to what the bucket holds over the rate
    LATE_S = 0.25
    #: seconds a request waiting for room in the window waits before it looks again without being woken (only a
    #: guard: :meth:`release` wakes as many as there is room for)
    WAKE_GUARD_S = 1.0

    def __init__(
        self,
        rate: float | None = None,
        *,
        max_pause: float = 120.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rate = rate
        self.ceiling = rate
        #: whether the rate is learnt from the answers (no ``--rate-limit``)
        self.adaptive = rate is None
        self.max_pause = max_pause
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Condition(threading.Lock())
        self._next_slot = 0.0
        self._paused_until = 0.0
        self._calm_since = clock()
        self.window = self.START_WINDOW
        #: the highest rate the bucket's arithmetic gave (requests/s): what the org was seen to allow at least
        self.best = 0.0
        self._best_at = float('-inf')
        self._last_cut = float('-inf')
        self._quiet_since = clock()
        #: a rate to start the probing window from, once the latency is known (``start_from``, not fresh)
        self._hint: float | None = None
        #: whether a 429 of this run gave an estimate of the org's rate (then ``learnt`` has something to tell), and
        #: whether one came after admitted requests spanning ``LEARN_SPAN_S`` (measured: the rate then holds there)
        self._estimated = False
        self._measured = False
        #: whether ``best`` is the org's rate as measured by a 429 or remembered fresh (then the rate holds there)
        self._known = False
        self.in_flight = 0
        #: seconds, smoothed latency of the answers that were not 429, and the lowest seen (None before any)
        self.latency: float | None = None
        self.min_latency: float | None = None
        #: send times (``clock``) of the requests Webex admitted (answered other than 429), in the order answered
        self._admitted: deque[float] = deque()
        #: answer times (``clock``) of the same requests, oldest first
        self._answered: deque[float] = deque()
        self.requests = 0
        self.throttled = 0
        #: latencies (seconds) of the last ``RECENT`` answers that were not 429 (``fastest_recent_latency``)
        self._recent: deque[float] = deque(maxlen=self.RECENT)
        #: told ``announce(seconds)`` when a 429 starts or extends the pause (a progress display says why and until
        #: when); set by whoever shows the run
        self.announce: Callable[[float], None] | None = None

    def acquire(self, on_pause: Callable[[float], None] | None = None) -> float:
        """Block until this request may be sent and count it in flight; returns its send time (``clock``), which
        :meth:`release` gets back with the answer. ``on_pause(seconds)`` is told first when the wait is a 429's
        pause (also one that a 429 starts while this request waits for its turn). Raises ``RetryAfterTooLong`` when
        that pause lasts longer than ``max_pause``. A request that wakes more than ``LATE_S`` after its turn takes a
        new one (once): after a stall the requests whose turns passed do not all leave at once."""
        late = False
        while True:
            with self._lock:
                while self._window_full():
                    self._lock.wait(timeout=self.WAKE_GUARD_S)  # woken by release()
                now = self._clock()
                paused, start = self._turn(now)
            if paused > 0:
                if on_pause is not None:
                    on_pause(paused)
                self._sleep(paused)
                continue
            if start > now:
                self._sleep(start - now)
                with self._lock:
                    woke = self._clock()
                    if self._paused_until > woke:  # a 429 came back meanwhile: wait for its pause too
                        self._give_back()
                        continue
                    if self.rate and woke - start > self.LATE_S and not late:  # a stall: take another turn (once)
                        late = True
                        self._give_back()
                        continue
            return start

    def _window_full(self) -> bool:
        """Whether as many requests are in flight as the window allows (the caller holds the lock)."""
        return self.adaptive and self.in_flight >= max(1, int(self._window_now()))

    def _turn(self, now: float) -> tuple[float, float]:
        """A request asks to be sent at ``now`` with room in the window (the caller holds the lock): ``(seconds of a
        429's pause left, now)``, or ``(0.0, its send time)`` with the request counted in flight. Raises
        ``RetryAfterTooLong`` when the pause lasts longer than ``max_pause``. :meth:`acquire` and
        benchmarks/ramp_sim.py (the controller on a simulated clock) both take their turns here."""
        paused = self._paused_until - now
        if paused > self.max_pause:
            raise RetryAfterTooLong.after(paused, self.max_pause)
        if paused > 0:
            return paused, now
        self._recover(now)
        start = max(now, self._next_slot)
        interval = self._interval()
        if interval:
            self._next_slot = start + interval
        self.requests += 1
        self.in_flight += 1
        return 0.0, start

    def _give_back(self) -> None:
        """A request that held its turn waits for a 429's pause instead (the caller holds the lock)."""
        self.in_flight -= 1
        self.requests -= 1

    def release(self, sent_at: float, status: int | None, latency: float) -> None:
        """The answer to a request sent at ``sent_at`` (``acquire``'s value): its HTTP status (None: no answer) and
        its latency in seconds. A 429 must also be told to :meth:`pause`."""
        with self._lock:
            self.in_flight = max(0, self.in_flight - 1)
            now = self._clock()
            if status == 429 and self.adaptive and sent_at >= self._last_cut and now - self._last_cut >= self.BUCKET_S:
                # one cut per episode: the requests in flight at the last cut, and any answered within the bucket's
                # time after it, say nothing new
                self._slow_down(now)
            elif status is not None and status != 429:
                self._admitted.append(sent_at)
                self._answered.append(now)
                while self._admitted and self._admitted[0] < sent_at - self.HISTORY_S:
                    self._admitted.popleft()
                while self._answered and self._answered[0] < now - self.HISTORY_S:
                    self._answered.popleft()
                if self.adaptive and sent_at - self._best_at >= self.BEST_EVERY_S and self._learnt_enough():
                    # what was admitted proves the org allows at least this rate (see _proven)
                    self.best = max(self.best, self._proven(sent_at, now, above=self.best))
                    self._best_at = sent_at
                self.latency = latency if self.latency is None else 0.8 * self.latency + 0.2 * latency
                self.min_latency = latency if self.min_latency is None else min(self.min_latency, latency)
                self._recent.append(latency)
                if self.adaptive and self.rate is None:
                    start = self.SAFE_RATE * self.min_latency
                    if self._hint is not None:
                        start = max(start, self.HINT_SHARE * self._hint * latency)
                        self._hint = None
                    self.window = max(self.window, start)
                if self.adaptive and self.rate is None and self._steady() and self.in_flight + 1 >= int(self.window):
                    # x1.5 per round trip, but no faster than x1.65 per second: the bucket's credit hides the limit
                    # for about BUCKET_S, and whatever is in flight when it shows comes back 429
                    self.window += self.GROWTH * min(1.0, latency / self.BUCKET_S)
            # as many waiting requests as there is room for now: a window that grew past a whole request wakes the
            # ones it makes room for, or they would wait for the guard's timeout while the window is not used (and
            # an unused window does not grow)
            self._lock.notify(max(1, int(self._window_now()) - self.in_flight) if self.adaptive else 1)

    def pause(self, seconds: float) -> None:
        """A 429 told us to wait ``seconds``: hold every worker that long; the first 429 of an episode also slows
        the run down (see the class docstring)."""
        with self._lock:
            self.throttled += 1
            now = self._clock()
            if not self.adaptive and now >= self._paused_until and self.rate:
                self.rate = max(0.5, self.rate * self.CUT)
            self._calm_since = self._quiet_since = now
            extends = now + seconds > self._paused_until
            self._paused_until = max(self._paused_until, now + seconds)
        if extends and self.announce is not None:
            self.announce(seconds)

    def paused_for(self) -> float:
        """Seconds every worker still waits because of a 429 (0 when none); for progress displays."""
        with self._lock:
            return max(0.0, self._paused_until - self._clock())

    def fastest_recent_latency(self) -> float | None:
        """The lowest latency (seconds) of the last ``RECENT`` answers that were not 429 (None before any): how
        long the org takes to answer now, without the waits a busy client adds."""
        with self._lock:
            return min(self._recent, default=None)

    def in_flight_allowed(self) -> float | None:
        """Requests this controller lets be in flight now (the rows a batch needs in flight follow it), or None
        when it does not limit them (``--rate-limit``: paced only)."""
        return self._window_now() if self.adaptive else None

    def start_from(self, rate: float, *, fresh: bool) -> None:
        """Start from a rate (requests/s) an earlier run learnt for the same org (adaptive controllers only). Fresh:
        the run goes at ``HEADROOM`` x that rate from its first request and takes it as ``best`` (a 429 still cuts
        it, and replaces it by what this run measures). Not fresh: only a hint, the probing window starts from
        ``HINT_SHARE`` x the rate's worth of requests in flight once the latency is known, and grows as usual."""
        if not self.adaptive or rate <= 0:
            return
        with self._lock:
            if fresh:
                self.rate = max(self.MIN_RATE, self.HEADROOM * rate)
                self.best = rate
                self._known = True
            else:
                self._hint = rate
            self._lock.notify_all()

    def learnt(self) -> float | None:
        """The org's rate (requests/s) as this run's 429s told it (``best``, or the rate the run went on at after
        them over ``HEADROOM``, whichever is higher), or None when no 429 of this run told it (nothing to remember:
        what a run sends without a 429 is only a lower bound)."""
        with self._lock:
            if not self._estimated:
                return None
            return max(self.best, (self.rate or 0.0) / self.HEADROOM) or None

    def _proven(self, sent: float, answered: float, *, above: float = 0.0) -> float:
        """The rate (requests/s) the admitted requests prove the org allows, had its bucket run dry when a request
        sent at ``sent`` was answered at ``answered`` (:func:`bucket_rate`): the lower of the arithmetic on their
        send times and on their answer times. A limiter counts a request somewhere on its round trip: the sandbox's
        after the latency (``sandbox/engine.py``; the answer times are when it counted, the send times spread by
        the latency's jitter, which read a rate up to 1.04 x the org's at 1 s + 25%), a gateway's before it (the
        send times, the answers spread by the latency after it). The reading on the right times is at most the
        org's rate, whichever they are, so the lower one is too (benchmarks/ramp_sim.py: 0.96-1.00 x the org's).
        A send-time reading of at most ``above`` is returned without the other (the lower cannot exceed it): one pass
        over the admitted requests, not two, while the run cruises below what it learnt."""
        on_sent = bucket_rate(self._admitted, sent, self.BUCKET_S)
        if on_sent <= above:
            return on_sent
        return min(on_sent, bucket_rate(self._answered, answered, self.BUCKET_S))

    def _learnt_enough(self) -> bool:
        """Whether the admitted requests span enough time for the bucket's arithmetic to bound the rate closely
        (over a short span the bucket's one second of credit dominates: the bound would be far too low)."""
        admitted = self._admitted
        return len(admitted) >= self.LEARN_MIN and admitted[-1] - admitted[0] >= self.LEARN_SPAN_S

    def _steady(self) -> bool:
        """Whether the latency is close to its minimum (no queue building up)."""
        return self.latency is not None and self.latency <= self.LATENCY_SLACK * (self.min_latency or 0) + 0.005

    def _window_now(self) -> float:
        """Requests allowed in flight: the probing window, or twice the latency's worth at the learnt rate."""
        if self.rate is None:
            return self.window
        return max(self.START_WINDOW, 2 * self.rate * (self.latency or 0))

    def _interval(self) -> float:
        """Seconds between two sends: 1/rate, or, while probing, Little's law: latency / window."""
        if self.rate:
            return 1.0 / self.rate
        return (self.latency or 0.0) / self.window

    def _recover(self, now: float) -> None:
        if not self.rate or now - self._calm_since < (self.PROBE_S if self.adaptive else self.RECOVERY_S):
            return
        if self.adaptive:
            # back quickly to the rate the org was seen to allow and hold there; probe above it only after a long calm
            hold = self.HEADROOM * self.best
            if self.rate < hold:
                self.rate = min(hold, self.rate * self.RETURN)
            elif not self._known:  # nothing measured or remembered to hold at
                self.rate *= self.RETURN
            elif now - self._quiet_since >= self.HOLD_S:
                self.rate *= self.PROBE
        elif self.ceiling and self.rate < self.ceiling:
            self.rate = min(self.ceiling, self.rate * self.RECOVERY)
        self._calm_since = now

    def _slow_down(self, now: float) -> None:
        """A new throttling episode (adaptive): the rate from the bucket's arithmetic, never above ``CUT`` x the
        current one nor below ``FLOOR`` x the best the arithmetic gave (429s that the rate did not cause, e.g. a
        storm of another origin, do not bring the run to a crawl). The first measured episode replaces what was
        believed (a remembered rate the org no longer allows); later ones can only raise ``best``.

        While probing, a 429 fixes no rate when fewer than ``LEARN_MIN`` requests were admitted or the arithmetic
        gives less than ``SAFE_RATE``, the lowest org rate the launcher is built for (a storm of another origin at
        the start of a run looks like that): the window halves (not below ``START_WINDOW``) and probing goes on,
        where a rate fixed from so little would be held for the whole run. A rate fixed before the admitted
        requests span ``LEARN_SPAN_S`` (not measured) is not held: it keeps growing by ``RETURN`` while calm."""
        measured = self._learnt_enough()
        enough = len(self._admitted) >= self.LEARN_MIN
        learnt = self._proven(now - (self.latency or 0.0), now) if enough else 0.0
        self._last_cut = now
        self._calm_since = now
        if self.rate is None and (not enough or learnt < self.SAFE_MEASURE * self.SAFE_RATE):
            self.window = max(self.START_WINDOW, self.window / 2)
            return
        current = self.rate or self.window / max(self.latency or 0.0, 1e-3)
        rate = self.CUT * current
        floor = self.FLOOR * self.best
        if enough:
            rate = min(rate, self.HEADROOM * learnt)
            if measured:
                self.best = max(self.best, learnt) if self._measured else learnt
        self.rate = max(self.MIN_RATE, floor, rate)
        if not (self._measured or measured):
            # nothing measured: what is believed of the org never exceeds what the rate after this cut stands for
            # (a measured episode's arithmetic stands, below a remembered rate the org no longer allows: the rate
            # returns to HEADROOM x it instead of staying at the cut for the whole run)
            self.best = min(self.best, self.rate / self.HEADROOM) if self.best else 0.0
        self._estimated = self._estimated or enough
        self._measured = self._measured or measured
        self._known = self._known or measured
        self._hint = None


def bucket_rate(sent: Sequence[float], now: float, bucket_s: float) -> float:
    """The rate (requests/s) of a token bucket holding ``bucket_s`` seconds worth that ran dry at ``now`` after
    admitting the requests sent at ``sent`` (ascending): the largest ``count(sent >= t) / (bucket_s + now - t)``;
    0.0 when nothing was admitted."""
    best = 0.0
    for count, t in enumerate(reversed(sent), start=1):
        best = max(best, count / (bucket_s + max(0.0, now - t)))
    return best


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


def _share_parsed(response: Any, body: Any) -> None:
    """Let the first ``response.json()`` (the SDK's) return ``body``, the document the evidence just parsed from
    the same bytes, instead of parsing them again; only for a JSON object or array read as UTF-8, as ``requests``
    would read it. Later calls, and calls with arguments, parse as before (each caller gets its own copy)."""
    if not isinstance(body, dict | list) or (response.encoding or 'utf-8').lower().replace('-', '') != 'utf8':
        return
    parse = response.json
    unread = [body]

    def json(**kwargs: Any) -> Any:
        return unread.pop() if unread and not kwargs else parse(**kwargs)

    response.json = json


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
        controller = self.controller
        sent_at = controller.acquire(on_pause=_pause_logger(log, request)) if controller is not None else 0.0
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
            if controller is not None:
                controller.release(sent_at, None, time.perf_counter() - start)
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
        elapsed = time.perf_counter() - start
        duration_ms = round(elapsed * 1000, 1)
        if controller is not None:
            if response.status_code == 429:
                wait = parse_retry_after(response.headers.get('Retry-After'))
                # an absent or malformed Retry-After promises nothing: a short pause, within the operator's cap
                controller.pause(wait if wait is not None else min(1.0, controller.max_pause))
            controller.release(sent_at, response.status_code, elapsed)
        log.count_call(status=response.status_code, tracking_id=response.headers.get('Trackingid'))
        body = _decode_body(response.content)
        log.event(
            'response',
            {
                'method': request.method,
                'url': request.url,
                'status': response.status_code,
                'headers': _headers(response.headers),
                'body': body,
                'duration_ms': duration_ms,
                'tracking_id': response.headers.get('Trackingid') or tracking_id,
            },
        )
        _share_parsed(response, body)
        return response
