"""alta_ubicacion end to end through the real wxc_sdk against the sandbox: create, skip, dry-run, faults, evidence."""

import json

from tests.support.runs import TOKEN, log_events

MADRID = [
    '--name', 'Madrid Castellana',
    '--time-zone', 'Europe/Madrid',
    '--preferred-language', 'es_ES',
    '--announcement-language', 'es_es',
    '--address1', 'Paseo de la Castellana 81',
    '--city', 'Madrid',
    '--state', 'Madrid',
    '--postal-code', '28046',
    '--country', 'ES',
]  # fmt: skip


def locations_named(sandbox, name):
    state = sandbox.org
    return [loc for loc in state.locations.values() if loc['name'] == name]


def test_creates_enables_and_verifies_then_skips_with_zero_writes(cli, sandbox):
    first = cli('alta_ubicacion', *MADRID)
    assert (first.code, first.status) == (0, 'executed'), first.result
    assert first.result['result']['verified'] is True
    assert first.result['result']['calling_enabled'] is True
    [location] = locations_named(sandbox, 'Madrid Castellana')
    assert location['id'] == first.result['result']['location_id']
    assert [(w['method'], w['path']) for w in sandbox.writes()] == [
        ('POST', '/v1/locations'),
        ('POST', '/v1/telephony/config/locations'),
    ]
    assert [c['method'] + ' ' + c['path'] for c in first.result['result']['calls']] == [
        'POST /locations',
        'POST /telephony/config/locations',
    ]

    writes_before = len(sandbox.writes())
    second = cli('alta_ubicacion', *MADRID)
    assert (second.code, second.status) == (0, 'skipped')
    assert len(sandbox.writes()) == writes_before


def test_dry_run_shows_the_exact_calls_and_writes_nothing(cli, sandbox):
    run = cli('alta_ubicacion', *MADRID, '--dry-run')
    assert (run.code, run.status) == (0, 'dry_run')
    calls = run.result['result']['calls']
    assert [(c['method'], c['path']) for c in calls] == [
        ('POST', '/locations'),
        ('POST', '/telephony/config/locations'),
    ]
    assert calls[0]['body']['address'] == {
        'address1': 'Paseo de la Castellana 81',
        'city': 'Madrid',
        'state': 'Madrid',
        'postalCode': '28046',
        'country': 'ES',
    }
    assert sandbox.writes() == []


def test_an_existing_location_with_other_address_is_updated_and_enabled(cli, sandbox):
    cli('alta_ubicacion', *MADRID[:-2], '--country', 'ES')
    moved = [*MADRID]
    moved[moved.index('--address1') + 1] = 'Calle de Alcalá 1'
    run = cli('alta_ubicacion', *moved)
    assert run.status == 'executed'
    assert run.result['result']['steps'] == ['actualizar address1']
    [location] = locations_named(sandbox, 'Madrid Castellana')
    assert location['address']['address1'] == 'Calle de Alcalá 1'


def test_missing_required_parameters_are_all_listed_and_nothing_is_called(cli, sandbox):
    run = cli('alta_ubicacion', '--name', 'Bilbao')
    assert (run.code, run.status) == (2, 'rejected')
    message = run.result['summary']['message']
    for flag in ('--time-zone', '--address1', '--postal-code', '--country'):
        assert flag in message
    assert sandbox.journal() == []


def test_parameters_from_a_csv_row_and_cli_wins(cli, sandbox, tmp_path):
    csv_path = tmp_path / 'ubicaciones.csv'
    csv_path.write_bytes(
        'name;time_zone;preferred_language;announcement_language;address1;city;state;postal_code;country\r\n'
        'Sevilla Nervión;Europe/Madrid;es_ES;es_es;Calle Luis de Morales 32;Sevilla;Sevilla;41018;ES\r\n'.encode(
            'cp1252'
        )
    )
    run = cli('alta_ubicacion', '--csv', str(csv_path), '--row', '1', '--postal-code', '41005')
    assert run.status == 'executed', run.result
    [location] = locations_named(sandbox, 'Sevilla Nervión')
    assert location['address']['postal_code'] == '41005'


def test_a_missing_token_is_rejected_before_any_call(cli, sandbox, monkeypatch):
    monkeypatch.delenv('WEBEX_ACCESS_TOKEN')
    run = cli('alta_ubicacion', *MADRID)
    assert (run.code, run.status) == (2, 'rejected')
    assert 'token' in run.result['summary']['message']
    assert sandbox.journal() == []


def test_a_wrong_token_is_an_auth_error(cli, sandbox):
    run = cli('alta_ubicacion', *MADRID, '--token', 'not-the-sandbox-token')
    assert (run.code, run.status) == (1, 'error')
    assert run.result['result']['error']['reason'] == 'auth'
    assert 'not-the-sandbox-token' not in json.dumps(run.result)


def test_429_storm_and_503s_are_survived_with_retries_in_the_log(cli, sandbox):
    sandbox.set_faults(
        [
            {'kind': 'throttle', 'path': '/locations', 'retry_after': '1', 'max_count': 2},
            {'kind': 'status', 'status': 503, 'path': '/telephony/config/locations', 'method': 'GET', 'max_count': 2},
        ]
    )
    run = cli('alta_ubicacion', *MADRID)
    assert run.status == 'executed', run.result
    assert run.result['summary']['retries'] == 4
    assert run.result['summary']['http_429'] == 2
    retries = [e for e in log_events(run) if e['event'] == 'error' and e['payload'].get('kind') == 'retry']
    assert sorted(e['payload']['reason'] for e in retries) == ['rate_limited'] * 2 + ['transient'] * 2
    assert len(locations_named(sandbox, 'Madrid Castellana')) == 1


def test_a_malformed_retry_after_does_not_crash(cli, sandbox):
    sandbox.set_faults([{'kind': 'throttle', 'path': '/locations', 'retry_after': 'rand(30),add(30)', 'max_count': 1}])
    run = cli('alta_ubicacion', *MADRID)
    assert run.status == 'executed', run.result
    assert run.result['summary']['http_429'] == 1


def test_a_lost_connection_after_the_create_does_not_duplicate_the_location(cli, sandbox):
    sandbox.set_faults(
        [{'kind': 'reset', 'when': 'after', 'path': '^/v1/locations$', 'method': 'POST', 'max_count': 1}]
    )
    run = cli('alta_ubicacion', *MADRID)
    assert run.status == 'executed', run.result
    assert len(locations_named(sandbox, 'Madrid Castellana')) == 1
    assert [w['path'] for w in sandbox.writes() if w['method'] == 'POST'].count('/v1/locations') == 1


def test_a_lost_connection_before_the_create_sends_it_again(cli, sandbox):
    sandbox.set_faults(
        [{'kind': 'reset', 'when': 'before', 'path': '^/v1/locations$', 'method': 'POST', 'max_count': 1}]
    )
    run = cli('alta_ubicacion', *MADRID)
    assert run.status == 'executed', run.result
    assert len(locations_named(sandbox, 'Madrid Castellana')) == 1


def test_every_exchange_is_evidence_and_the_token_is_in_no_file(cli, sandbox, log_dir):
    run = cli('alta_ubicacion', *MADRID, '--token', TOKEN)
    events = log_events(run)
    assert {e['event'] for e in events} == {'request', 'response', 'change', 'summary'}
    responses = [e['payload'] for e in events if e['event'] == 'response']
    assert all(r['tracking_id'] and r['duration_ms'] >= 0 for r in responses)
    assert run.result['invocation']['argv'][-1] == '***'
    for path in log_dir.rglob('*'):
        if path.is_file():
            assert TOKEN not in path.read_text(encoding='utf-8')
    assert TOKEN not in json.dumps(run.result) and TOKEN not in run.stderr
