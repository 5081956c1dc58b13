"""The first run's learning episode, simulated: the launcher's rate controller against the sandbox's rate limiter on
a simulated clock, so that ramp policies compare in seconds across allowed rates and latencies.

What runs is the product's own code: ``core.transport.RateController`` (each request takes its turn through the
controller's ``_turn``, exactly as ``acquire`` does, and tells ``release`` and ``pause`` its answer as the transport
does) and ``sandbox.ratelimit.RateLimiter`` (a token bucket of one second's worth; a 429 closes the token's window for
its Retry-After, so every request in flight when it comes is refused too, and each refusal closes it again:
``sandbox.engine``'s ``_throttle``, copied in ``_throttle`` below). What is modelled: ``--workers`` rows each sending
one request after another (a 429 is retried after the pause; the rows' own CPU is not modelled), every request reaching
the limiter after the latency plus up to ``--jitter`` x the latency at random (seeded: the same seed gives the same
figures), its answer coming back at once, as the sandbox answers (``--limiter-at``: the share of the latency after which
the limiter counts a request, the rest before an admitted request's answer; 0 is a gateway in front of a slow service,
whose 429 comes back at once). ``--second-run``: each case again, as a run that starts from the rate the first one
learnt (``start_from``, fresh: what ``batch.rate_memory`` gives a run within a day). Not modelled: the batch's prelude,
start-up and reports (what a real run adds: see benchmarks/README.md), the rows' CPU, the operating system.

Printed per allowed rate (``--rates``, requests/s), latency (``--latencies``, ms) and policy (``--policy``,
repeatable):

- ``429s``: all of them until the longest batch is done, and ``episodes`` (429s more than 3 s apart start another);
- ``to 0.9``: seconds until one second admitted 0.9 x the rate;
- ``peak x``: the send rate (requests per second) at the first 429, over the rate: the probe's overshoot;
- ``learnt``: the rate the controller learnt (``learnt()``, what a next run remembers), over the allowed rate;
- ``1% needs``: the batch (seconds' worth of calls at the rate) in which those 429s are 1% of the calls, and that
  over the latency (``x lat``);
- per batch of ``--batches`` seconds' worth of calls at the rate (``rate x S`` admitted calls): utilisation
  (S / seconds to get them admitted; the requests alone, no start-up) and the 429s' share of its calls.

Policies: ``controller`` is ``RateController`` as it is; the others are the same with one class attribute changed
(``name=ATTRIBUTE:value,...``, e.g. ``slow=GROWTH:0.35``), or an idea evaluated here: ``PROBE_OVER`` set
(``capped=PROBE_OVER:2``): the ramp capped at that many times the rate the bucket's arithmetic proves
(:class:`ProvenCap`); ``SEND_TIMES_ONLY:1``: the rate read on send times alone, as before 30 November 2026
(:class:`SendTimesOnly`; with ``HEADROOM:0.95``, the controller of then). The last line is the verdict of the first
policy: ``PASS`` when its 429s are <= 1% of the calls of a batch of ``--judge-seconds`` or ``--judge-multiple`` x the
latency, whichever is longer (benchmarks/no_tuning.py sizes its batches so), in every case, else ``FAIL`` with the cases
that miss."""

from __future__ import annotations

import argparse
import heapq
import math
import random
import sys
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from transformacion.core.transport import RateController, bucket_rate  # noqa: E402
from transformacion.sandbox.ratelimit import RateLimiter  # noqa: E402

TOKEN = 'sim'
#: 429s more than this many seconds after the previous one start another episode
EPISODE_GAP_S = 3.0
#: issue 19, target 1: at most this share of a batch's calls answered 429
TARGET_429_SHARE = 0.01


class SimClock:
    """The simulated time, seconds."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Run:
    """What one simulated run saw: answer times (client side) of admitted requests and of 429s, send times."""

    rate: float
    latency_s: float
    limiter_at: float = 1.0
    admitted: list[float] = field(default_factory=list)
    throttled: list[float] = field(default_factory=list)
    sent: list[float] = field(default_factory=list)
    learnt: float | None = None

    def batch(self, seconds: float) -> tuple[float, int, int] | None:
        """(wall seconds, admitted, 429s) of a batch of ``rate x seconds`` admitted calls; None if not reached."""
        calls = max(1, round(self.rate * seconds))
        if len(self.admitted) < calls:
            return None
        wall = self.admitted[calls - 1]
        throttled = sum(1 for at in self.throttled if at <= wall)
        return wall, calls, throttled

    def episodes(self) -> list[int]:
        """429s per episode, in order."""
        sizes: list[int] = []
        last = -math.inf
        for at in self.throttled:
            if at - last > EPISODE_GAP_S:
                sizes.append(0)
            sizes[-1] += 1
            last = at
        return sizes

    def time_to(self, share: float) -> float | None:
        """Seconds until one second (by answer time) admitted ``share`` x the rate."""
        window: deque[float] = deque()
        for at in self.admitted:
            window.append(at)
            while window[0] <= at - 1.0:
                window.popleft()
            if len(window) >= share * self.rate:
                return at
        return None

    def peak(self) -> float | None:
        """Requests sent in the second before the first 429 was answered, over the rate (None: no 429)."""
        if not self.throttled:
            return None
        first = self.throttled[0] - self.limiter_at * self.latency_s
        return sum(1 for at in self.sent if first - 1.0 < at <= first) / self.rate


def _throttle(limiter: RateLimiter, now: float) -> float:
    """The sandbox's answer to a request reaching it at ``now``: 0 (admitted) or the Retry-After of its 429, after
    closing the token's window for it (sandbox.engine.Engine._throttle with seconds-format Retry-After)."""
    wait = limiter.acquire(TOKEN)
    if not wait:
        return 0.0
    seconds = float(max(1, math.ceil(wait)))
    limiter.close(TOKEN, seconds)
    return seconds


def simulate(
    make_controller: Callable[[SimClock], RateController],
    rate: float,
    latency_s: float,
    *,
    jitter: float = 0.25,
    limiter_at: float = 1.0,
    workers: int = 256,
    calls: int,
    seed: int = 0,
    trace: Callable[[float, RateController, Run], None] | None = None,
) -> Run:
    """Run ``workers`` rows against an org allowing ``rate`` requests/s at ``latency_s`` (+ up to ``jitter`` x it)
    until ``calls`` requests are admitted; deterministic for a seed. The limiter counts each request once
    ``limiter_at`` x its latency has passed (1: after all of it, as the sandbox does; 0: as it leaves, as a gateway
    in front of a slow service would); a 429 comes back at once, an admitted request's answer after the rest of its
    latency. ``trace(now, controller, run)`` is called once per simulated second."""
    clock = SimClock()
    controller = make_controller(clock)
    limiter = RateLimiter(rate, clock=clock)
    rng = random.Random(seed)
    run = Run(rate, latency_s, limiter_at)
    events: list[tuple[float, int, Callable[..., None], tuple]] = []
    waiting: deque[int] = deque()
    order = 0

    def at(when: float, action: Callable[..., None], *args: object) -> None:
        nonlocal order
        order += 1
        heapq.heappush(events, (when, order, action, args))

    def ask(worker: int) -> None:
        if controller._window_full():
            waiting.append(worker)  # acquire() waits for a release
            return
        paused, start = controller._turn(clock.now)
        if paused > 0:
            at(clock.now + paused, ask, worker)
        else:
            at(start, send, worker, start)

    def send(worker: int, start: float) -> None:
        if controller._paused_until > clock.now:  # a 429 came back while this one waited for its turn
            controller._give_back()
            at(clock.now, ask, worker)
            return
        run.sent.append(start)
        latency = latency_s * (1 + rng.uniform(0, jitter))
        at(clock.now + limiter_at * latency, count, worker, start, latency)

    def count(worker: int, start: float, latency: float) -> None:
        retry_after = _throttle(limiter, clock.now)
        if retry_after or limiter_at >= 1:
            arrive(worker, start, limiter_at * latency, retry_after)
        else:
            at(clock.now + (1 - limiter_at) * latency, arrive, worker, start, latency, 0.0)

    def arrive(worker: int, start: float, latency: float, retry_after: float) -> None:
        if retry_after:
            run.throttled.append(clock.now)
            controller.pause(retry_after)
            controller.release(start, 429, latency)
        else:
            run.admitted.append(clock.now)
            controller.release(start, 200, latency)
        if waiting:  # release() notifies one waiting worker
            at(clock.now, ask, waiting.popleft())
        at(clock.now, ask, worker)

    for worker in range(workers):
        at(0.0, ask, worker)
    if trace is not None:

        def tick() -> None:
            trace(clock.now, controller, run)
            at(clock.now + 1.0, tick)

        at(1.0, tick)
    while events and len(run.admitted) < calls:
        when, _, action, args = heapq.heappop(events)
        clock.now = when
        action(*args)
    run.learnt = controller.learnt()
    return run


class ProvenCap(RateController):
    """An idea evaluated here, not in the product: while probing, the send rate stays within ``PROBE_OVER`` x the
    rate the bucket's arithmetic proves the org allows (``admitted since t / (BUCKET_S + now - t)`` at its largest,
    over any span; at least ``SAFE_RATE``), so that when the bucket runs dry the send rate is at most ``PROBE_OVER``
    x the org's and so are the requests in flight that meet the closed window."""

    PROBE_OVER = 2.0

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.proven = 0.0
        self._proven_at = -math.inf

    def release(self, sent_at: float, status: int | None, latency: float) -> None:
        super().release(sent_at, status, latency)
        if status not in (None, 429) and sent_at - self._proven_at >= self.BEST_EVERY_S:
            self.proven = max(self.proven, bucket_rate(self._admitted, sent_at, self.BUCKET_S))
            self._proven_at = sent_at

    def _interval(self) -> float:
        interval = super()._interval()
        if self.rate:
            return interval
        return max(interval, 1.0 / max(self.SAFE_RATE, self.PROBE_OVER * self.proven))


class SendTimesOnly(RateController):
    """The estimate before 30 November 2026, evaluated here: the bucket's arithmetic on the admitted requests' send
    times alone (``SEND_TIMES_ONLY:1``), which the latency's jitter spreads when the limiter counts requests after
    it (the sandbox's): up to 1.04 x the org's rate at 1 s + 25%."""

    SEND_TIMES_ONLY = 1.0

    def _proven(self, sent: float, answered: float) -> float:
        if not self.SEND_TIMES_ONLY:
            return super()._proven(sent, answered)
        return bucket_rate(self._admitted, sent, self.BUCKET_S)


#: the ideas evaluated here, each chosen by a class attribute that RateController does not have
IDEAS: tuple[type[RateController], ...] = (ProvenCap, SendTimesOnly)


def policy(spec: str) -> tuple[str, Callable[[SimClock], RateController]]:
    """``name`` (``controller``) or ``name=ATTRIBUTE:value[,ATTRIBUTE:value]``: RateController with those class
    attributes changed (``PROBE_OVER``: :class:`ProvenCap` with it; ``SEND_TIMES_ONLY``: :class:`SendTimesOnly`)."""
    name, _, changes = spec.partition('=')
    attributes: dict[str, float] = {}
    base: type[RateController] = RateController
    for change in filter(None, changes.split(',')):
        attribute, _, value = change.partition(':')
        idea = next((idea for idea in IDEAS if attribute in vars(idea)), None)
        if idea is not None:
            base = idea
        elif not hasattr(RateController, attribute):
            raise SystemExit(f'ramp_sim.py: RateController has no attribute {attribute!r}')
        attributes[attribute] = float(value)
    cls = type(f'{base.__name__}_{name}', (base,), attributes) if attributes else base

    def make(clock: SimClock) -> RateController:
        return cls(clock=clock, sleep=lambda seconds: None)

    return name, make


def _numbers(text: str) -> list[float]:
    return [float(part) for part in text.split(',') if part]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--rates', default='10,20,50,200', help='allowed rates, requests/s (10,20,50,200)')
    parser.add_argument('--latencies', default='50,300,1000', help='ms (50,300,1000)')
    parser.add_argument('--jitter', type=float, default=0.25, help='extra random latency, up to this share (0.25)')
    parser.add_argument(
        '--limiter-at',
        type=float,
        default=1.0,
        help="share of a request's latency after which the limiter counts it (1: the sandbox's; 0: a gateway's)",
    )
    parser.add_argument('--batches', default='25,150,300', help="batches, seconds' worth of calls at the rate")
    parser.add_argument('--workers', type=int, default=256, help='rows sending at the same time (256)')
    parser.add_argument(
        '--policy', action='append', dest='policies', help='repeatable; see above (default: controller)'
    )
    parser.add_argument('--seeds', type=int, default=3, help='runs per case with seeds 0..N-1, medians (3)')
    parser.add_argument('--judge-seconds', type=float, default=150.0, help='verdict: batches of at least this (150)')
    parser.add_argument(
        '--judge-multiple', type=float, default=300.0, help='verdict: batches of at least this x the latency (300)'
    )
    parser.add_argument(
        '--second-run',
        action='store_true',
        help="each case once more as a second run that starts from the rate the first learnt (line '<policy> 2nd')",
    )
    parser.add_argument('--trace', action='store_true', help="print the controller's state every simulated second")
    args = parser.parse_args(argv)
    rates, latencies, batches = _numbers(args.rates), _numbers(args.latencies), _numbers(args.batches)
    policies = [policy(spec) for spec in args.policies or ['controller']]
    header = f'{"policy":15} {"rate":>5} {"lat ms":>6} {"429s":>5} {"episodes":>8} {"to 0.9":>6} {"peak x":>6}'
    header += f' {"learnt":>6} {"1% needs":>8} {"x lat":>5}' + ''.join(
        f' {f"util {b:g}s":>10} {f"429 {b:g}s":>8}' for b in batches
    )
    print(header)
    misses: list[str] = []
    for index, (name, make) in enumerate(policies):
        for rate in rates:
            for latency_ms in latencies:
                case = {
                    'rate': rate,
                    'latency_s': latency_ms / 1000,
                    'jitter': args.jitter,
                    'limiter_at': args.limiter_at,
                    'workers': args.workers,
                    'calls': round(rate * max(batches)),
                    'trace': _trace if args.trace else None,
                }
                runs = [simulate(make, seed=seed, **case) for seed in range(args.seeds)]
                judged = [(name, runs)]
                if args.second_run:
                    seconds = [
                        simulate(_remembering(make, run.learnt), seed=args.seeds + seed, **case)
                        for seed, run in enumerate(runs)
                    ]
                    judged.append((f'{name} 2nd', seconds))
                for label, outcome in judged:
                    line, needs = _line(label, rate, latency_ms, outcome, batches)
                    if index == 0 and needs > max(args.judge_seconds, args.judge_multiple * latency_ms / 1000):
                        misses.append(f'{label} {rate:g}/s {latency_ms:g} ms: 1% of 429s needs a {needs:.0f}-s batch')
                    print(line, flush=True)
    if misses:
        print('FAIL ' + '; '.join(misses))
        return 1
    judged = f'{args.judge_seconds:g} s and {args.judge_multiple:g} x the latency'
    print(f'PASS {policies[0][0]}: 429s <= 1% of the calls of every batch of at least {judged}')
    return 0


def _remembering(
    make: Callable[[SimClock], RateController], learnt: float | None
) -> Callable[[SimClock], RateController]:
    """The same policy in a second run that starts from the rate the first learnt (fresh), as a run does from
    ``batch.rate_memory``."""

    def second(clock: SimClock) -> RateController:
        controller = make(clock)
        if learnt:
            controller.start_from(learnt, fresh=True)
        return controller

    return second


def _line(name: str, rate: float, latency_ms: float, runs: list[Run], batches: list[float]) -> tuple[str, float]:
    """The printed line of one case's runs (medians), and the batch (seconds at the rate) its 429s need."""
    line = f'{name:15} {rate:5g} {latency_ms:6g}'
    line += f' {_median([len(run.throttled) for run in runs]):5.0f}'
    line += f' {_median([len(run.episodes()) for run in runs]):8.0f}'
    line += f' {_fmt(_median_or_none([run.time_to(0.9) for run in runs]), 6, 1)}'
    line += f' {_fmt(_median_or_none([run.peak() for run in runs]), 6, 2)}'
    learnt = [run.learnt / rate if run.learnt else None for run in runs]
    line += f' {_fmt(_median_or_none(learnt), 6, 2)}'
    needs = _median([_needs(run, max(batches)) for run in runs])
    line += f' {needs:7.0f}s {needs / (latency_ms / 1000):5.0f}'
    for seconds in batches:
        outcomes = [run.batch(seconds) for run in runs]
        if any(outcome is None for outcome in outcomes):
            line += f' {"-":>10} {"-":>8}'
            continue
        utilisation = _median([seconds / wall for wall, _, _ in outcomes])
        share = _median([throttled / (calls + throttled) for _, calls, throttled in outcomes])
        line += f' {utilisation:10.2f} {share:7.1%}'
    return line, needs


def _needs(run: Run, seconds: float) -> float:
    """Seconds' worth of calls at the rate a batch needs for the 429s of ``run`` (those of a batch of ``seconds``:
    the first run's episodes) to be at most 1% of its calls."""
    outcome = run.batch(seconds)
    throttled = outcome[2] if outcome else len(run.throttled)
    return throttled * (1 - TARGET_429_SHARE) / TARGET_429_SHARE / run.rate


def _trace(now: float, controller: RateController, run: Run) -> None:
    admitted = sum(1 for at in reversed(run.admitted[-1000:]) if at > now - 1.0)
    throttled = sum(1 for at in reversed(run.throttled[-1000:]) if at > now - 1.0)
    rate = f'{controller.rate:.1f}' if controller.rate else '-'
    print(
        f'  t={now:5.0f} window={controller.window:6.1f} rate={rate:>6} best={controller.best:6.1f}'
        f' in_flight={controller.in_flight:4d} admitted/s={admitted:4d} 429/s={throttled:4d}'
    )


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def _median_or_none(values: list[float | None]) -> float | None:
    known = [value for value in values if value is not None]
    return _median(known) if known else None


def _fmt(value: float | None, width: int, digits: int) -> str:
    return f'{value:{width}.{digits}f}' if value is not None else f'{"-":>{width}}'


if __name__ == '__main__':
    sys.exit(main())
