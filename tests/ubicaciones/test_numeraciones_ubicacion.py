"""anadir_numeraciones_ubicacion through the real wxc_sdk against the sandbox."""

import pytest

from tests.ubicaciones.conftest import logged_writes, mark, seed_numbers
from transformacion.anadir_numeraciones_ubicacion import BATCH_SIZE

RANGE = '+34963000100-+34963000149'
FIFTY = [f'+34963000{n}' for n in range(100, 150)]


def numbers_of(sandbox, location_id):
    return {n: r['state'] for n, r in sandbox.org.numbers.items() if r['location_id'] == location_id}


def posts(writes):
    return [w for w in writes if w['method'] == 'POST' and w['path'].endswith('/numbers')]


def test_dry_run_plans_the_batches_and_writes_nothing(cli, sandbox, site):
    start = mark(sandbox)
    run = cli('anadir_numeraciones_ubicacion', '--location', site.name, '--phone-numbers', RANGE, '--dry-run')
    assert (run.code, run.status) == (0, 'dry_run'), run.result
    calls = run.result['result']['calls']
    assert [len(c['body']['phoneNumbers']) for c in calls] == [20, 20, 10]
    assert {c['method'] + ' ' + c['path'] for c in calls} == {f'POST /telephony/config/locations/{site.id}/numbers'}
    assert [n for c in calls for n in c['body']['phoneNumbers']] == FIFTY
    assert {c['body']['state'] for c in calls} == {'ACTIVE'}
    assert {n['result'] for n in run.result['result']['numbers']} == {'to_add'}
    assert sandbox.writes(start) == []
    assert numbers_of(sandbox, site.id) == {}


def test_a_range_is_added_in_batches_verified_logged_and_then_skipped(cli, sandbox, site):
    start = mark(sandbox)
    run = cli('anadir_numeraciones_ubicacion', '--location', site.name, '--phone-numbers', RANGE)
    assert (run.code, run.status) == (0, 'executed'), run.result
    assert run.result['result']['verified'] is True
    assert numbers_of(sandbox, site.id) == dict.fromkeys(FIFTY, 'ACTIVE')
    batches = posts(sandbox.writes(start))
    assert len(batches) == 3 and all(len(w['request_body']['phoneNumbers']) <= BATCH_SIZE for w in batches)
    assert len(sandbox.writes(start)) == 3
    report = run.result['result']['numbers']
    assert [n['phone_number'] for n in report] == FIFTY
    assert {(n['result'], n['state']) for n in report} == {('added', 'ACTIVE')}
    assert logged_writes(run) == [('POST', f'/telephony/config/locations/{site.id}/numbers')] * 3
    assert [c['body'] for c in run.result['result']['calls']] == [w['request_body'] for w in sandbox.writes(start)]

    again = mark(sandbox)
    second = cli('anadir_numeraciones_ubicacion', '--location', site.name, '--phone-numbers', RANGE)
    assert (second.code, second.status) == (0, 'skipped'), second.result
    assert {n['result'] for n in second.result['result']['numbers']} == {'already_present'}
    assert sandbox.writes(again) == []


def test_numbers_already_in_the_location_are_skipped_and_the_rest_added_inactive(cli, sandbox, site):
    seed_numbers(sandbox, site.id, '+34963000100', '+34963000101')
    start = mark(sandbox)
    run = cli(
        'anadir_numeraciones_ubicacion',
        '--location',
        site.name,
        '--phone-numbers',
        '+34963000100-+34963000103;+34963000200',
        '--number-state',
        'inactive',
    )
    assert run.status == 'executed', run.result
    [write] = sandbox.writes(start)
    assert write['request_body'] == {
        'phoneNumbers': ['+34963000102', '+34963000103', '+34963000200'],
        'state': 'INACTIVE',
    }
    results = {n['phone_number']: n['result'] for n in run.result['result']['numbers']}
    assert results == {
        '+34963000100': 'already_present',
        '+34963000101': 'already_present',
        '+34963000102': 'added',
        '+34963000103': 'added',
        '+34963000200': 'added',
    }
    assert numbers_of(sandbox, site.id)['+34963000200'] == 'INACTIVE'


def test_a_number_of_another_location_is_rejected_naming_it_and_nothing_is_written(cli, sandbox, site):
    start = mark(sandbox)
    run = cli(
        'anadir_numeraciones_ubicacion',
        '--location',
        site.name,
        '--phone-numbers',
        '+34963000100-+34963000102,+34910000005',
    )
    assert (run.code, run.status) == (2, 'rejected'), run.result
    message = run.result['summary']['message']
    assert '--phone-numbers' in message and '+34910000005 (Sede Central)' in message
    owned = [n for n in run.result['result']['numbers'] if n['result'] == 'owned_elsewhere']
    assert owned == [{'phone_number': '+34910000005', 'result': 'owned_elsewhere', 'location': 'Sede Central'}]
    assert sandbox.writes(start) == []
    assert numbers_of(sandbox, site.id) == {}


@pytest.mark.parametrize(
    ('value', 'why'),
    [
        ('34963000100', "'+'"),
        ('+34 96 300 01 00 x', 'E.164'),
        ('+34963000100-+34963009999', 'el máximo es 1000'),
    ],
)
def test_malformed_numbers_and_oversized_ranges_are_rejected_before_any_call(cli, sandbox, site, value, why):
    start = mark(sandbox)
    run = cli('anadir_numeraciones_ubicacion', '--location', site.name, '--phone-numbers', value)
    assert (run.code, run.status) == (2, 'rejected')
    message = run.result['summary']['message']
    assert '--phone-numbers' in message and repr(value) in message and why in message
    assert sandbox.journal(start) == []


def test_a_429_between_batches_is_retried(cli, sandbox, site):
    sandbox.set_faults(
        [{'kind': 'throttle', 'path': '/numbers$', 'method': 'POST', 'retry_after': '1', 'max_count': 1}]
    )
    run = cli('anadir_numeraciones_ubicacion', '--location', site.name, '--phone-numbers', RANGE)
    assert run.status == 'executed', run.result
    assert run.result['summary']['http_429'] == 1
    assert numbers_of(sandbox, site.id) == dict.fromkeys(FIFTY, 'ACTIVE')


def test_a_batch_whose_answer_is_lost_is_read_back_not_sent_twice(cli, sandbox, site, monkeypatch):
    monkeypatch.setenv('TRANSFORMACION_MAX_ATTEMPTS', '3')
    sandbox.set_faults(
        [{'kind': 'status', 'status': 503, 'when': 'after', 'path': '/numbers$', 'method': 'POST', 'max_count': 1}]
    )
    start = mark(sandbox)
    run = cli('anadir_numeraciones_ubicacion', '--location', site.name, '--phone-numbers', RANGE)
    assert run.status == 'executed', run.result
    assert len(posts(sandbox.writes(start))) == 3
    assert numbers_of(sandbox, site.id) == dict.fromkeys(FIFTY, 'ACTIVE')


def test_a_batch_refused_with_a_400_the_sdk_swallows_is_caught_by_the_read_back(cli, sandbox, site):
    sandbox.set_faults([{'kind': 'status', 'status': 400, 'path': '/numbers$', 'method': 'POST', 'max_count': 1}])
    run = cli('anadir_numeraciones_ubicacion', '--location', site.name, '--phone-numbers', RANGE)
    assert (run.code, run.status) == (1, 'error'), run.result
    assert run.result['result']['verified'] is False
    failed = [n['phone_number'] for n in run.result['result']['numbers'] if n['result'] == 'failed']
    assert failed == FIFTY[:BATCH_SIZE]
    assert '20 número(s) no se añadieron' in run.result['summary']['message']
    assert set(numbers_of(sandbox, site.id)) == set(FIFTY[BATCH_SIZE:])
