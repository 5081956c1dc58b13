"""Free license units in a batch, per subscription: read once and counted down while plenty are left, re-read near
exhaustion; among same-named licenses the first one listed with a free unit is taken."""

import json
from types import SimpleNamespace

import pytest

from transformacion.common import Context, Rejected, action_logger
from transformacion.domain.licenses import FREE_UNITS, UNITS_RECOUNT_BELOW, take_unit

NAME = 'Webex Calling - Professional'
LICENSE = SimpleNamespace(license_id='lic-1', name=NAME, subscription_id='Sub-1')
OLD = SimpleNamespace(license_id='lic-old', name=NAME, subscription_id='Sub-OLD')
NEW = SimpleNamespace(license_id='lic-new', name=NAME, subscription_id='Sub-NEW')


def licenses_api(mocker, units):
    """An SDK stand-in whose ``licenses.details(id)`` answers ``units[id] = (total, consumed)``."""

    def details(license_id):
        total, consumed = units[license_id]
        return SimpleNamespace(name=NAME, total_units=total, consumed_units=consumed)

    mock = mocker.Mock(side_effect=details)
    return SimpleNamespace(licenses=SimpleNamespace(details=mock)), mock


def context(tmp_path):
    return Context(log=action_logger('x', path=tmp_path / 'x.jsonl'))


def test_plenty_of_units_are_read_once_per_run(mocker, tmp_path):
    api, details = licenses_api(mocker, {'lic-1': (1000, 10)})
    ctx = context(tmp_path)
    for _ in range(5):
        take_unit(api, ctx, [LICENSE], 'calling_license')
    assert details.call_count == 1
    assert ctx.cache.get((FREE_UNITS, 'lic-1')) == 1000 - 10 - 5


def test_near_exhaustion_units_are_read_on_every_row(mocker, tmp_path):
    api, details = licenses_api(mocker, {'lic-1': (UNITS_RECOUNT_BELOW, 0)})
    ctx = context(tmp_path)
    for _ in range(3):
        take_unit(api, ctx, [LICENSE], 'calling_license')
    assert details.call_count == 3


def test_no_free_unit_is_rejected_with_consumed_of_total(mocker, tmp_path):
    api, _ = licenses_api(mocker, {'lic-1': (20, 20)})
    with pytest.raises(Rejected, match=r'no tiene unidades libres \(Sub-1: 20 consumidas de 20\)'):
        take_unit(api, context(tmp_path), [LICENSE], 'calling_license')


def test_the_first_subscription_listed_with_a_free_unit_is_taken_and_logged(mocker, tmp_path):
    api, _ = licenses_api(mocker, {'lic-old': (5, 5), 'lic-new': (50, 0)})
    ctx = context(tmp_path)

    chosen = take_unit(api, ctx, [OLD, NEW], 'calling_license')

    assert chosen is NEW
    assert (ctx.cache.get((FREE_UNITS, 'lic-old')), ctx.cache.get((FREE_UNITS, 'lic-new'))) == (0, 49)
    [event] = [json.loads(line) for line in (tmp_path / 'x.jsonl').read_text(encoding='utf-8').splitlines()]
    assert event['payload'] == {
        'kind': 'license_choice',
        'field': 'calling_license',
        'license': NAME,
        'license_id': 'lic-new',
        'subscription_id': 'Sub-NEW',
        'candidates': ['Sub-OLD', 'Sub-NEW'],
    }


def test_an_exhausted_subscription_is_not_read_again_while_another_has_units(mocker, tmp_path):
    api, details = licenses_api(mocker, {'lic-old': (5, 5), 'lic-new': (500, 0)})
    ctx = context(tmp_path)
    for _ in range(4):
        assert take_unit(api, ctx, [OLD, NEW], 'calling_license') is NEW
    assert [call.args[0] for call in details.call_args_list] == ['lic-old', 'lic-new']


def test_an_older_subscription_is_used_again_once_it_has_units(mocker, tmp_path):
    units = {'lic-old': (5, 5), 'lic-new': (1, 0)}
    api, _ = licenses_api(mocker, units)
    ctx = context(tmp_path)
    assert take_unit(api, ctx, [OLD, NEW], 'calling_license') is NEW
    units.update({'lic-old': (5, 4), 'lic-new': (1, 1)})
    assert take_unit(api, ctx, [OLD, NEW], 'calling_license') is OLD


def test_no_subscription_with_units_is_rejected_counting_each(mocker, tmp_path):
    api, _ = licenses_api(mocker, {'lic-old': (5, 5), 'lic-new': (50, 50)})
    with pytest.raises(Rejected) as refused:
        take_unit(api, context(tmp_path), [OLD, NEW], 'calling_license')
    assert refused.value.message == (
        f"calling_license: la licencia '{NAME}' no tiene unidades libres en ninguna de sus suscripciones "
        '(Sub-OLD: 5 consumidas de 5; Sub-NEW: 50 consumidas de 50)'
    )
    assert [s['subscription_id'] for s in refused.value.details['subscriptions']] == ['Sub-OLD', 'Sub-NEW']
