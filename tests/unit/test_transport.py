"""The shared rate controller: pacing, a shared pause after a 429, one slow-down per episode, gradual recovery."""

import random
import threading
import time

import pytest

from transformacion.core.retry import RetryAfterTooLong
from transformacion.core.transport import RateController, bucket_rate
from transformacion.sandbox.ratelimit import RateLimiter


class FakeClock:
    def __init__(self):
        self.now = 100.0
        self.slept = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


def test_requests_are_spaced_by_the_rate():
    clock = FakeClock()
    controller = RateController(10, clock=clock, sleep=clock.sleep)
    for _ in range(3):
        controller.acquire()
    assert [round(s, 3) for s in clock.slept] == [0.1, 0.1]


def test_a_429_pauses_every_request_for_the_whole_retry_after_and_slows_down_once_per_episode():
    clock = FakeClock()
    controller = RateController(10, max_pause=5, clock=clock, sleep=clock.sleep)
    told = []
    controller.pause(3)
    controller.pause(3)
    assert controller.rate == 9
    controller.acquire(on_pause=told.append)
    assert clock.slept == told == [3]
    controller.pause(1)
    assert controller.rate == 8.1
    assert controller.throttled == 3


def test_a_pause_longer_than_the_cap_is_not_shortened_every_request_meanwhile_raises():
    clock = FakeClock()
    controller = RateController(10, max_pause=2, clock=clock, sleep=clock.sleep)
    controller.pause(30)

    for _ in range(2):
        with pytest.raises(RetryAfterTooLong) as raised:
            controller.acquire()
        assert raised.value.wait_s == 30 and raised.value.cap_s == 2
    clock.now += 28.5
    controller.acquire()

    assert clock.slept == [1.5]


def test_the_rate_recovers_gradually_up_to_the_given_rate():
    clock = FakeClock()
    controller = RateController(10, clock=clock, sleep=clock.sleep)
    controller.pause(0)
    clock.now += 4
    controller.acquire()
    assert controller.rate == 9
    for _ in range(20):
        clock.now += 5
        controller.acquire()
    assert controller.rate == 10


# --------------------------------------------------------------------------- without --rate-limit: the rate is learnt


def test_a_bucket_that_ran_dry_tells_its_rate():
    # 50 requests/s with one second of credit, sent 60/s from t=0: dry at t=5 after admitting 300
    sent = [i / 60 for i in range(300)]

    assert bucket_rate(sent, 5.0, 1.0) == pytest.approx(50, rel=0.01)
    assert bucket_rate([], 5.0, 1.0) == 0.0


def answered(controller, clock, count, latency, status=200):
    """``count`` requests, each answered after ``latency`` seconds before the next is sent."""
    for _ in range(count):
        sent = controller.acquire()
        clock.now += latency
        controller.release(sent, status, latency)


def test_while_probing_the_window_grows_with_a_steady_latency_and_paces_by_littles_law():
    clock = FakeClock()
    controller = RateController(clock=clock, sleep=clock.sleep)
    start = controller.window
    for _ in range(4):
        controller.in_flight = int(controller.window) - 1  # the other requests on their way: the window is used
        answered(controller, clock, 1, 0.2)

    assert controller.window == pytest.approx(start + 4 * controller.GROWTH * 0.2)  # x1.5 per second at most
    assert controller.rate is None
    assert controller._interval() == pytest.approx(0.2 / controller.window)


def test_at_a_long_latency_the_window_starts_at_the_lowest_rate_an_org_is_expected_to_allow():
    clock = FakeClock()
    controller = RateController(clock=clock, sleep=clock.sleep)

    answered(controller, clock, 1, 1.5)

    assert controller.window == controller.SAFE_RATE * 1.5
    assert controller._interval() == pytest.approx(1 / controller.SAFE_RATE)


def test_a_window_that_grows_lets_every_waiting_request_it_has_room_for_leave_at_once():
    """Requests that found the window full wait to be woken; an answer that makes room for several (here the first
    answer of a long latency: the window jumps to the safe rate's worth) wakes that many, not one (the others would
    wait for the guard's timeout, and the window, not used meanwhile, would stop growing)."""
    clock = FakeClock()
    controller = RateController(clock=clock, sleep=lambda seconds: None)
    controller.WAKE_GUARD_S = 60.0  # only a wake-up lets a waiting request go
    sent = [controller.acquire() for _ in range(int(controller.START_WINDOW))]
    left = []
    waiting = [threading.Thread(target=lambda: left.append(controller.acquire()), daemon=True) for _ in range(12)]
    for thread in waiting:
        thread.start()
    while sum(thread.is_alive() for thread in waiting) < 12:
        time.sleep(0.01)

    clock.now += 1.0
    controller.release(sent[0], 200, 1.0)
    room = int(controller.SAFE_RATE * 1.0) - (len(sent) - 1)
    deadline = time.monotonic() + 10
    while len(left) < room and time.monotonic() < deadline:
        time.sleep(0.01)

    assert len(left) == room == controller.in_flight - (len(sent) - 1)
    for _ in range(12 - room):  # let the rest go
        controller.release(sent[1], 200, 1.0)


def test_a_growing_latency_stops_the_window_growing():
    clock = FakeClock()
    controller = RateController(clock=clock, sleep=clock.sleep)
    controller.in_flight = int(controller.window) - 1
    answered(controller, clock, 1, 0.4)
    grown = controller.window
    assert grown > controller.START_WINDOW

    controller.in_flight = int(controller.window) - 1
    answered(controller, clock, 5, 4.0)  # a queue builds up somewhere: more in flight would not go faster

    assert controller.window == grown


def test_the_first_429_sets_the_rate_from_the_bucket_and_a_storm_cuts_at_most_once_a_second():
    clock = FakeClock()
    controller = learnt_at_50_per_second(clock)

    assert controller.rate == pytest.approx(controller.HEADROOM * 50, rel=0.02)
    learnt = controller.rate
    for _ in range(5):  # a storm: requests sent after the cut come back 429 within the second, one cut only
        clock.now += 0.1
        controller.pause(0)
        controller.release(controller.acquire(), 429, 0.0)
    assert controller.rate == learnt
    clock.now += 1
    controller.release(controller.acquire(), 429, 0.0)
    assert controller.rate < learnt


def test_a_429_that_comes_back_while_a_request_waits_for_its_turn_holds_it_for_the_whole_pause():
    clock = FakeClock()
    controller = RateController(10, clock=clock, sleep=clock.sleep)
    controller.acquire()
    told = []

    def sleep(seconds):
        clock.sleep(seconds)
        if len(clock.slept) == 1:
            controller.pause(2)  # another worker's request got a 429 meanwhile

    controller._sleep = sleep
    controller.acquire(on_pause=told.append)

    assert clock.now >= 100 + 0.1 + 2
    assert told == [pytest.approx(2)]


def test_after_a_stall_the_requests_whose_turns_passed_take_new_turns_instead_of_leaving_at_once():
    """Requests wait for their turns (one every 1/rate s); the process stalls for a second while three of them wait:
    each wakes late and takes a new turn, so that they leave a turn apart, not together (a burst empties the org's
    bucket: a 429 for every request in flight)."""
    clock = FakeClock()
    controller = RateController(10, clock=clock, sleep=clock.sleep)
    sent = [controller.acquire()]
    stalled = []

    def sleep(seconds):
        clock.sleep(seconds)
        if not stalled:  # the first request to wait for its turn wakes a second late
            stalled.append(seconds)
            clock.now += 1.0

    controller._sleep = sleep
    sent += [controller.acquire() for _ in range(3)]

    assert [round(at - sent[1], 2) for at in sent[1:]] == [0.0, 0.1, 0.2]
    assert sent[1] >= 100 + 0.1 + 1.0  # not the turn it was given before the stall
    assert controller.in_flight == controller.requests == 4


def test_a_request_late_for_its_turn_twice_leaves_all_the_same():
    clock = FakeClock()
    controller = RateController(10, clock=clock, sleep=clock.sleep)
    controller.acquire()

    def sleep(seconds):
        clock.sleep(seconds)
        clock.now += 1.0  # every wait overruns, and other workers took the turns until half a second later
        controller._next_slot = clock.now + 0.5

    controller._sleep = sleep
    sent = controller.acquire()

    assert sent == pytest.approx(100 + 0.1 + 1.0 + 0.5)  # its second turn, given after the first overran
    assert controller.in_flight == controller.requests == 2


def _json_response(content: bytes, encoding: str | None):
    from requests.models import Response

    response = Response()
    response.status_code = 200
    response._content = content
    response.encoding = encoding
    return response


def test_the_sdk_reads_once_the_document_the_evidence_parsed_and_later_readers_parse_their_own():
    from transformacion.core.transport import _decode_body, _share_parsed

    response = _json_response(b'{"items": [{"id": "a"}]}', 'UTF-8')
    body = _decode_body(response.content)
    _share_parsed(response, body)

    assert response.json() is body
    again = response.json()
    assert again == body and again is not body


def test_a_body_in_another_encoding_or_not_a_document_is_parsed_by_requests_as_before():
    from transformacion.core.transport import _decode_body, _share_parsed

    latin = _json_response('{"name": "Mu\u00f1oz"}'.encode('latin-1'), 'ISO-8859-1')
    _share_parsed(latin, {'name': 'wrong'})
    assert latin.json() == {'name': 'Mu\u00f1oz'}

    text = _json_response(b'"just text"', 'utf-8')
    _share_parsed(text, _decode_body(text.content))
    assert text.json() == 'just text'


def learnt_at_50_per_second(clock):
    """An adaptive controller that probed up to 60 requests/s against an org allowing 50 and got its first 429."""
    controller = RateController(clock=clock, sleep=clock.sleep)
    controller.rate = 60.0
    for index in range(300):
        clock.now = 100 + index / 60
        controller.release(controller.acquire(), 200, 0.0)
    clock.now = 105.0
    sent = controller.acquire()
    controller.pause(0)
    controller.release(sent, 429, 0.0)
    return controller


def calm(controller, clock, seconds, step=5.0):
    """``seconds`` without a 429, a request every ``step`` seconds."""
    for _ in range(int(seconds / step)):
        clock.now += step
        controller.release(controller.acquire(), 200, 0.0)


def probed_at_60_per_second(counted_when_answered, seed):
    """An adaptive controller sending 60 requests/s at 1 s + up to 25% of latency to an org allowing 50 (the
    sandbox's limiter) until the first 429 comes back. The limiter
    counts each request after its latency, as it is answered (``counted_when_answered``: the sandbox's), or as it is
    sent (a gateway in front of the latency, whose 429 comes back at once)."""
    clock = FakeClock()
    controller = RateController(clock=clock, sleep=clock.sleep)
    controller.rate = 60.0
    limiter = RateLimiter(50, clock=clock)
    jitter = random.Random(seed)
    requests = [(100 + index / 60, 1 + jitter.uniform(0, 0.25)) for index in range(600)]
    answers = []  # (answer time, send time, latency, status)
    for sent, latency in sorted(requests, key=lambda request: sum(request) if counted_when_answered else request[0]):
        clock.now = sent + latency if counted_when_answered else sent
        if limiter.acquire('token'):
            answers.append((clock.now + (0 if counted_when_answered else 0.01), sent, latency, 429))
            break
        answers.append((sent + latency, sent, latency, 200))
    for answer, sent, latency, status in sorted(answers):
        clock.now = answer
        if status == 429:
            controller.pause(1.0)
            controller.release(sent, 429, latency)
            return controller
        controller.release(sent, 200, latency)
    raise AssertionError('no 429')


@pytest.mark.parametrize('seed', range(4))
def test_a_jittered_latency_does_not_make_the_rate_learnt_exceed_the_orgs(seed):
    # the arithmetic on send times alone read 50.2-51.1 here: the jitter spreads the times the sandbox counted at
    controller = probed_at_60_per_second(counted_when_answered=True, seed=seed)

    assert 0.98 * 50 <= controller.learnt() <= 50


@pytest.mark.parametrize('seed', range(4))
def test_a_limiter_counting_requests_as_they_are_sent_is_not_overestimated_either(seed):
    controller = probed_at_60_per_second(counted_when_answered=False, seed=seed)

    assert 0.9 * 50 <= controller.learnt() <= 50


def test_after_an_episode_the_rate_holds_below_what_was_learnt_and_probes_above_only_after_a_long_calm():
    clock = FakeClock()
    controller = learnt_at_50_per_second(clock)
    held = controller.rate
    assert controller.learnt() == pytest.approx(50, rel=0.02)

    calm(controller, clock, controller.HOLD_S - 20)
    assert controller.rate == held  # no probe that would cost another episode

    calm(controller, clock, 60)
    assert controller.rate > held


def test_a_rate_cut_below_what_was_learnt_returns_to_it_and_not_beyond():
    clock = FakeClock()
    controller = learnt_at_50_per_second(clock)
    hold = controller.HEADROOM * controller.best
    controller.rate = 0.93 * controller.best  # e.g. after a cut by a storm of another origin

    calm(controller, clock, 100)

    assert controller.rate == pytest.approx(hold)


def test_a_fresh_remembered_rate_is_used_from_the_first_request():
    clock = FakeClock()
    controller = RateController(clock=clock, sleep=clock.sleep)

    controller.start_from(50, fresh=True)
    for _ in range(3):
        controller.acquire()

    assert controller.rate == pytest.approx(controller.HEADROOM * 50)
    assert [round(s, 4) for s in clock.slept] == [round(1 / controller.rate, 4)] * 2
    assert controller.learnt() is None  # nothing measured by this run: nothing new to remember


def test_a_429_cuts_a_remembered_rate_that_the_org_no_longer_allows():
    clock = FakeClock()
    controller = RateController(clock=clock, sleep=clock.sleep)
    controller.start_from(80, fresh=True)  # remembered, but the org allows 50 now
    for index in range(300):
        clock.now = 100 + index / 76
        controller.release(controller.acquire(), 200, 0.0)
    clock.now = 100 + 300 / 76

    sent = controller.acquire()
    controller.pause(0)
    controller.release(sent, 429, 0.0)

    assert controller.learnt() < 76
    assert controller.rate < controller.HEADROOM * 80


def test_after_a_429_a_remembered_rate_a_little_over_the_orgs_returns_to_what_the_episode_measured():
    # remembered 52/s, the org allows 50 (the sandbox's limiter; answers at once): the run goes a little over it
    # until the bucket runs dry, then on at what that episode measured, not at the cut below it for the whole run
    clock = FakeClock()
    controller = RateController(clock=clock, sleep=clock.sleep)
    limiter = RateLimiter(50, clock=clock)
    controller.start_from(52, fresh=True)
    while True:
        sent = controller.acquire()
        if limiter.acquire('token'):
            limiter.close('token', 1.0)
            controller.pause(1.0)
            controller.release(sent, 429, 0.0)
            break
        controller.release(sent, 200, 0.0)
    assert controller.rate < 0.95 * 50  # the cut

    calm(controller, clock, 3 * controller.PROBE_S)

    assert 0.98 * 50 <= controller.learnt() <= 50
    assert controller.rate == pytest.approx(controller.HEADROOM * controller.learnt())


def test_an_old_remembered_rate_only_starts_the_probing_window():
    clock = FakeClock()
    controller = RateController(clock=clock, sleep=clock.sleep)

    controller.start_from(100, fresh=False)
    assert controller.rate is None and controller.window == controller.START_WINDOW
    answered(controller, clock, 1, 0.5)  # the latency is known: half the rate's worth of requests in flight

    assert controller.rate is None
    assert controller.window == pytest.approx(controller.HINT_SHARE * 100 * 0.5)


def test_a_given_rate_limit_ignores_a_remembered_rate():
    controller = RateController(10)

    controller.start_from(50, fresh=True)

    assert controller.rate == 10


def test_a_429_too_early_to_measure_the_bucket_halves_the_window_and_probing_goes_on():
    clock = FakeClock()
    controller = RateController(clock=clock, sleep=clock.sleep)
    controller.window = 12.0
    answered(controller, clock, 5, 0.05)

    sent = controller.acquire()
    controller.pause(1)
    controller.release(sent, 429, 0.05)

    assert (controller.rate, controller.window) == (None, 6.0)  # no rate fixed from five answers
    assert controller.learnt() is None  # nothing measured: nothing to remember


def test_a_storm_of_429s_at_the_start_of_a_run_does_not_leave_it_crawling():
    # a 429 a second for eight seconds, of another origin (the org's limit is far away), then calm
    clock = FakeClock()
    controller = RateController(clock=clock, sleep=clock.sleep)
    for _ in range(8):
        answered(controller, clock, 2, 0.01)
        sent = controller.acquire()
        controller.pause(1)
        controller.release(sent, 429, 0.01)
        clock.now += 1

    assert (controller.rate, controller.window) == (None, controller.START_WINDOW)
    for _ in range(2000):  # calm again for 20 s: the window is used and grows
        controller.in_flight = int(controller.window) - 1
        answered(controller, clock, 1, 0.01)
    assert controller.rate is None and controller.window > 3 * controller.START_WINDOW


def test_a_rate_fixed_before_the_admitted_requests_span_long_enough_is_not_held():
    clock = FakeClock()
    controller = RateController(clock=clock, sleep=clock.sleep)
    answered(controller, clock, 30, 0.01)  # 30 requests in 0.3 s, then the bucket runs dry
    sent = controller.acquire()
    controller.pause(0)
    controller.release(sent, 429, 0.01)
    fixed = controller.rate
    assert fixed == pytest.approx(
        controller.HEADROOM * bucket_rate([100 + i * 0.01 for i in range(30)], 100.3, 1.0), rel=0.05
    )

    calm(controller, clock, 30.0)

    assert controller.rate > 1.2 * fixed  # growing while calm: nothing measured to hold at
    assert controller.learnt() == pytest.approx(controller.rate / controller.HEADROOM)  # an estimate to remember


def test_an_org_allowing_exactly_the_lowest_rate_is_learnt_instead_of_probed_again_and_again():
    # the sandbox's limiter (a bucket of one second's worth; a 429 closes the window for its Retry-After) at
    # SAFE_RATE, one request at a time at 50 ms: 20 requests/s until the first 429. Its bucket arithmetic gives a
    # little less than SAFE_RATE, which must not read as a storm of another origin: that reading kept the window
    # probing at 20/s and met the closed window every few seconds for the whole run
    clock = FakeClock()
    controller = RateController(clock=clock, sleep=clock.sleep)
    limiter = RateLimiter(controller.SAFE_RATE, clock=clock)
    for _ in range(400):
        sent = controller.acquire()
        clock.now += 0.05
        if limiter.acquire('token'):
            limiter.close('token', 1.0)
            controller.pause(1.0)
            controller.release(sent, 429, 0.05)
        else:
            controller.release(sent, 200, 0.05)

    assert controller.throttled <= 3
    assert controller.learnt() == pytest.approx(controller.SAFE_RATE, rel=0.1)
