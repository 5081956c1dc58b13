"""Free license units in a batch: read once and counted down while plenty are left, re-read near exhaustion."""

from types import SimpleNamespace

import pytest

from transformacion.common import Context, Rejected, action_logger
from transformacion.domain.licenses import UNITS_RECOUNT_BELOW, check_units

LICENSE = SimpleNamespace(license_id='lic-1')


def licenses_api(mocker, total, consumed):
    details = mocker.Mock(
        return_value=SimpleNamespace(name='Webex Calling - Professional', total_units=total, consumed_units=consumed)
    )
    return SimpleNamespace(licenses=SimpleNamespace(details=details)), details


def test_plenty_of_units_are_read_once_per_run(mocker, tmp_path):
    api, details = licenses_api(mocker, total=1000, consumed=10)
    ctx = Context(log=action_logger('x', path=tmp_path / 'x.jsonl'))
    for _ in range(5):
        check_units(api, ctx, LICENSE, 'calling_license')
    assert details.call_count == 1
    assert ctx.cache['free_units:lic-1'] == 1000 - 10 - 5


def test_near_exhaustion_units_are_read_on_every_row(mocker, tmp_path):
    api, details = licenses_api(mocker, total=UNITS_RECOUNT_BELOW, consumed=0)
    ctx = Context(log=action_logger('x', path=tmp_path / 'x.jsonl'))
    for _ in range(3):
        check_units(api, ctx, LICENSE, 'calling_license')
    assert details.call_count == 3


def test_no_free_unit_is_rejected_with_consumed_of_total(mocker, tmp_path):
    api, _ = licenses_api(mocker, total=20, consumed=20)
    ctx = Context(log=action_logger('x', path=tmp_path / 'x.jsonl'))
    with pytest.raises(Rejected, match='20 consumidas de 20'):
        check_units(api, ctx, LICENSE, 'calling_license')
