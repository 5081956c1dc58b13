"""configurar_cabecera_ubicacion through the real wxc_sdk against the sandbox."""

from tests.support.locations import mark, seed_numbers
from tests.support.runs import logged_writes
from transformacion.configurar_cabecera_ubicacion import ACTION

MAIN = '+34963000100'


def calling_line_id(sandbox, location_id):
    return sandbox.org.calling_locations[location_id]['calling_line_id']


def test_the_main_number_waits_for_the_numbering_action():
    assert ACTION.param('main_number').depends_on == 'anadir_numeraciones_ubicacion'
    assert ACTION.depends_on == ('alta_ubicacion', 'anadir_numeraciones_ubicacion')


def test_dry_run_shows_the_change_and_the_exact_call_and_writes_nothing(cli, sandbox, site):
    seed_numbers(sandbox, site.id, MAIN)
    start = mark(sandbox)
    run = cli('configurar_cabecera_ubicacion', '--location', site.name, '--main-number', MAIN, '--dry-run')
    assert (run.code, run.status) == (0, 'dry_run'), run.result
    assert run.result['result']['diff'] == {'callingLineId.phoneNumber': {'before': None, 'after': MAIN}}
    assert run.result['result']['calls'] == [
        {
            'method': 'PUT',
            'path': f'/telephony/config/locations/{site.id}',
            'body': {'callingLineId': {'phoneNumber': MAIN}},
        }
    ]
    assert sandbox.writes(start) == []
    assert 'phone_number' not in calling_line_id(sandbox, site.id)


def test_sets_number_and_name_verifies_logs_and_then_skips(cli, sandbox, site):
    seed_numbers(sandbox, site.id, MAIN, '+34963000101')
    start = mark(sandbox)
    run = cli(
        'configurar_cabecera_ubicacion',
        '--location',
        site.name,
        '--main-number',
        MAIN,
        '--caller-id-name',
        'Demo Valencia',
    )
    assert (run.code, run.status) == (0, 'executed'), run.result
    assert run.result['result']['verified'] is True
    assert calling_line_id(sandbox, site.id) == {'name': 'Demo Valencia', 'phone_number': MAIN}
    [write] = sandbox.writes(start)
    assert write['request_body'] == {'callingLineId': {'name': 'Demo Valencia', 'phoneNumber': MAIN}}
    assert logged_writes(run) == [('PUT', f'/telephony/config/locations/{site.id}')]
    assert [c['body'] for c in run.result['result']['calls']] == [w['request_body'] for w in sandbox.writes(start)]

    again = mark(sandbox)
    second = cli('configurar_cabecera_ubicacion', '--location', site.id, '--main-number', MAIN)
    assert (second.code, second.status) == (0, 'skipped'), second.result
    assert sandbox.writes(again) == []


def test_changing_only_the_name_keeps_the_number_in_the_request(cli, sandbox, site):
    seed_numbers(sandbox, site.id, MAIN)
    cli('configurar_cabecera_ubicacion', '--location', site.name, '--main-number', MAIN)
    start = mark(sandbox)
    run = cli(
        'configurar_cabecera_ubicacion',
        '--location',
        site.name,
        '--main-number',
        MAIN,
        '--caller-id-name',
        'Recepción Valencia',
    )
    assert run.status == 'executed', run.result
    assert list(run.result['result']['diff']) == ['callingLineId.name']
    [write] = sandbox.writes(start)
    assert write['request_body'] == {'callingLineId': {'name': 'Recepción Valencia', 'phoneNumber': MAIN}}


def test_a_number_not_in_the_location_is_rejected_saying_to_add_it_first(cli, sandbox, site):
    start = mark(sandbox)
    run = cli('configurar_cabecera_ubicacion', '--location', site.name, '--main-number', MAIN)
    assert (run.code, run.status) == (2, 'rejected'), run.result
    message = run.result['summary']['message']
    assert f'--main-number: {MAIN}' in message and 'anadir_numeraciones_ubicacion' in message
    assert sandbox.writes(start) == []


def test_a_number_of_another_location_is_rejected_naming_it(cli, sandbox, site):
    start = mark(sandbox)
    run = cli('configurar_cabecera_ubicacion', '--location', site.name, '--main-number', '+34910000004')
    assert (run.code, run.status) == (2, 'rejected')
    assert "--main-number: +34910000004 pertenece a la ubicación 'Sede Central'" in run.result['summary']['message']
    assert sandbox.writes(start) == []


def test_a_malformed_number_is_rejected_before_any_call(cli, sandbox):
    run = cli('configurar_cabecera_ubicacion', '--location', 'Sede Central', '--main-number', '963000100')
    assert (run.code, run.status) == (2, 'rejected')
    assert "--main-number: valor '963000100'" in run.result['summary']['message']
    assert sandbox.journal() == []


def test_a_429_on_the_write_is_retried(cli, sandbox, site):
    seed_numbers(sandbox, site.id, MAIN)
    sandbox.set_faults(
        [
            {
                'kind': 'throttle',
                'path': '/telephony/config/locations/',
                'method': 'PUT',
                'retry_after': '1',
                'max_count': 1,
            }
        ]
    )
    run = cli('configurar_cabecera_ubicacion', '--location', site.name, '--main-number', MAIN)
    assert run.status == 'executed', run.result
    assert run.result['summary']['http_429'] == 1
    assert calling_line_id(sandbox, site.id)['phone_number'] == MAIN
