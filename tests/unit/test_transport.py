"""The shared rate controller: pacing, a shared pause after a 429, one slow-down per episode, gradual recovery."""

import pytest

from transformacion.core.retry import RetryAfterTooLong
from transformacion.core.transport import RateController


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
