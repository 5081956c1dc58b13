"""The rate an org allows, remembered from one run to the next: keyed by API base URL and org, persisted in the log
folder with when it was learnt, used as is while fresh, as a hint when old, and cut when the org answers 429."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from transformacion.batch.rate_memory import (
    FORGET_S,
    FRESH_S,
    RATES_FILE,
    keep_learnt,
    recall,
    remember,
    start_from_memory,
)
from transformacion.core.transport import RateController

WEBEX = 'https://webexapis.com/v1'
ORG = 'Y2lzY29zcGFyazovL3VzL09SR0FOSVpBVElPTi9vcmc'
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def test_a_rate_is_remembered_per_base_url_and_org_with_when_it_was_learnt(tmp_path):
    remember(tmp_path, WEBEX, ORG, 48.25, now=NOW)
    remember(tmp_path, WEBEX, 'another-org', 10, now=NOW)
    remember(tmp_path, 'http://127.0.0.1:8765/v1', ORG, 200, now=NOW)

    assert recall(tmp_path, WEBEX, ORG, now=NOW + timedelta(minutes=5)) == (48.25, 300)
    assert recall(tmp_path, WEBEX, 'another-org', now=NOW) == (10, 0)
    assert recall(tmp_path, 'http://127.0.0.1:8765/v1', ORG, now=NOW) == (200, 0)
    assert recall(tmp_path, WEBEX, 'unknown-org', now=NOW) is None
    stored = json.loads((tmp_path / RATES_FILE).read_text(encoding='utf-8'))['rates'][f'{WEBEX} {ORG}']
    assert stored == {'base_url': WEBEX, 'org_id': ORG, 'rate': 48.25, 'learnt_at': '2026-11-30T12:00:00Z'}


def test_a_later_measure_replaces_the_remembered_one(tmp_path):
    remember(tmp_path, WEBEX, ORG, 48, now=NOW)
    remember(tmp_path, WEBEX, ORG, 30, now=NOW + timedelta(hours=1))

    assert recall(tmp_path, WEBEX, ORG, now=NOW + timedelta(hours=1)) == (30, 0)


def test_a_rate_older_than_the_limit_is_forgotten_and_an_unreadable_file_is_no_memory(tmp_path):
    remember(tmp_path, WEBEX, ORG, 48, now=NOW)
    assert recall(tmp_path, WEBEX, ORG, now=NOW + timedelta(seconds=FORGET_S + 1)) is None

    (tmp_path / RATES_FILE).write_text('{not json', encoding='utf-8')
    assert recall(tmp_path, WEBEX, ORG, now=NOW) is None
    remember(tmp_path, WEBEX, ORG, 20, now=NOW)  # rewritten whole
    assert recall(tmp_path, WEBEX, ORG, now=NOW) == (20, 0)


def test_a_fresh_rate_starts_the_run_at_it_an_old_one_only_as_a_hint(tmp_path):
    remember(tmp_path, WEBEX, ORG, 40, now=datetime.now(UTC))
    remember(tmp_path, WEBEX, 'old-org', 40, now=datetime.now(UTC) - timedelta(seconds=FRESH_S + 60))
    fresh, old = RateController(), RateController()

    used = start_from_memory(fresh, tmp_path, WEBEX, ORG)
    hinted = start_from_memory(old, tmp_path, WEBEX, 'old-org')

    assert used['rate'] == 40 and used['fresh'] is True
    assert fresh.rate == pytest.approx(fresh.HEADROOM * 40)
    assert hinted['fresh'] is False
    assert old.rate is None  # still probing, from a window sized by the hint once the latency is known


def test_a_run_with_rate_limit_neither_uses_nor_records_a_remembered_rate(tmp_path):
    remember(tmp_path, WEBEX, ORG, 40, now=datetime.now(UTC))
    controller = RateController(5)

    assert start_from_memory(controller, tmp_path, WEBEX, ORG) is None
    assert controller.rate == 5
    assert keep_learnt(controller, tmp_path, WEBEX, ORG) is None


def test_a_run_without_a_429_leaves_the_memory_as_it_was(tmp_path):
    remember(tmp_path, WEBEX, ORG, 40, now=NOW)
    controller = RateController()
    start_from_memory(controller, tmp_path, WEBEX, ORG)

    assert keep_learnt(controller, tmp_path, WEBEX, ORG) is None
    assert recall(tmp_path, WEBEX, ORG, now=NOW) == (40, 0)


class FakeClock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def test_a_429_cuts_the_remembered_rate_and_the_cut_is_what_is_remembered(tmp_path):
    remember(tmp_path, WEBEX, ORG, 80, now=datetime.now(UTC))
    clock = FakeClock()
    controller = RateController(clock=clock, sleep=clock.sleep)
    start_from_memory(controller, tmp_path, WEBEX, ORG)
    for index in range(300):  # the org now allows less than remembered: its bucket runs dry
        clock.now = 100 + index / 76
        controller.release(controller.acquire(), 200, 0.0)
    sent = controller.acquire()
    controller.pause(1)
    controller.release(sent, 429, 0.0)

    learnt = keep_learnt(controller, tmp_path, WEBEX, ORG)

    assert learnt is not None and learnt < 80
    assert recall(tmp_path, WEBEX, ORG)[0] == pytest.approx(learnt, abs=0.001)
