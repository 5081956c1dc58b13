"""configurar_internas_ubicacion through the real wxc_sdk against the sandbox."""

import pytest

from tests.support.locations import mark, route_id
from tests.support.org import SEDE_CENTRAL_ID
from tests.support.runs import log_events, logged_writes

ALL = ['--routing-prefix', '8104', '--outside-dial-digit', '0', '--unknown-extension-route', 'RG-ESPANA']


def calling(sandbox, location_id):
    return sandbox.org.calling_locations[location_id]


def test_dry_run_shows_both_calls_and_writes_nothing(cli, sandbox, site):
    start = mark(sandbox)
    run = cli('configurar_internas_ubicacion', '--location', site.name, *ALL, '--dry-run')
    assert (run.code, run.status) == (0, 'dry_run'), run.result
    rg = route_id(sandbox, 'RG-ESPANA')
    assert run.result['result']['diff'] == {
        'routingPrefix': {'before': None, 'after': '8104'},
        'outsideDialDigit': {'before': None, 'after': '0'},
        'enableUnknownExtensionRoutePolicy': {'before': False, 'after': True},
        'unknownExtensionRouteIdentity': {'before': None, 'after': {'id': rg, 'type': 'ROUTE_GROUP'}},
    }
    assert run.result['result']['calls'] == [
        {
            'method': 'PUT',
            'path': f'/telephony/config/locations/{site.id}',
            'body': {'routingPrefix': '8104', 'outsideDialDigit': '0'},
        },
        {
            'method': 'PUT',
            'path': f'/telephony/config/locations/{site.id}/internalDialing',
            'body': {
                'enableUnknownExtensionRoutePolicy': True,
                'unknownExtensionRouteIdentity': {'id': rg, 'name': None, 'type': 'ROUTE_GROUP'},
            },
        },
    ]
    assert sandbox.writes(start) == []


def test_applies_everything_verifies_logs_and_then_skips(cli, sandbox, site):
    start = mark(sandbox)
    run = cli('configurar_internas_ubicacion', '--location', site.name, *ALL, '--unknown-extension-policy', 'si')
    assert (run.code, run.status) == (0, 'executed'), run.result
    assert run.result['result']['verified'] is True
    assert (calling(sandbox, site.id)['routing_prefix'], calling(sandbox, site.id)['outside_dial_digit']) == (
        '8104',
        '0',
    )
    assert sandbox.org.internal_dialing[site.id] == {
        'enable_unknown_extension_route_policy': True,
        'unknown_extension_route_identity': {'id': route_id(sandbox, 'RG-ESPANA'), 'type': 'ROUTE_GROUP'},
    }
    assert [w['path'] for w in sandbox.writes(start)] == [
        f'/v1/telephony/config/locations/{site.id}',
        f'/v1/telephony/config/locations/{site.id}/internalDialing',
    ]
    assert [method for method, _ in logged_writes(run)] == ['PUT', 'PUT']
    assert [c['body'] for c in run.result['result']['calls']] == [w['request_body'] for w in sandbox.writes(start)]

    again = mark(sandbox)
    second = cli('configurar_internas_ubicacion', '--location', site.name, *ALL)
    assert (second.code, second.status) == (0, 'skipped'), second.result
    assert sandbox.writes(again) == []


def test_only_what_differs_is_written(cli, sandbox, site):
    cli('configurar_internas_ubicacion', '--location', site.name, *ALL)
    start = mark(sandbox)
    run = cli(
        'configurar_internas_ubicacion',
        '--location',
        site.name,
        '--routing-prefix',
        '8105',
        '--unknown-extension-route',
        'RG-ESPANA',
    )
    assert run.status == 'executed', run.result
    [write] = sandbox.writes(start)
    assert (write['path'], write['request_body']) == (
        f'/v1/telephony/config/locations/{site.id}',
        {'routingPrefix': '8105'},
    )


def test_the_policy_can_be_switched_off(cli, sandbox, site):
    cli('configurar_internas_ubicacion', '--location', site.name, '--unknown-extension-route', 'TRK-MAD-01')
    start = mark(sandbox)
    run = cli('configurar_internas_ubicacion', '--location', site.name, '--unknown-extension-policy', 'false')
    assert run.status == 'executed', run.result
    [write] = sandbox.writes(start)
    assert write['request_body'] == {
        'enableUnknownExtensionRoutePolicy': False,
        'unknownExtensionRouteIdentity': None,
    }
    assert sandbox.org.internal_dialing[site.id]['enable_unknown_extension_route_policy'] is False


def test_an_unknown_trunk_is_rejected_naming_field_and_value(cli, sandbox, site):
    start = mark(sandbox)
    run = cli('configurar_internas_ubicacion', '--location', site.name, '--unknown-extension-route', 'PBX-VLC')
    assert (run.code, run.status) == (2, 'rejected')
    message = run.result['summary']['message']
    assert "--unknown-extension-route: no hay ningún trunk ni route group 'PBX-VLC'" in message
    assert 'TRUNK TRK-BCN-01' in message
    assert sandbox.writes(start) == []


def test_a_routing_prefix_used_by_another_location_is_rejected(cli, sandbox, site):
    start = mark(sandbox)
    run = cli('configurar_internas_ubicacion', '--location', site.name, '--routing-prefix', '8001')
    assert (run.code, run.status) == (2, 'rejected')
    assert "--routing-prefix: el prefijo 8001 ya lo usa la ubicación 'Sede Central'" in run.result['summary']['message']
    assert sandbox.writes(start) == []


@pytest.mark.parametrize(
    ('args', 'expected'),
    [
        ([], 'no se pidió ningún cambio'),
        (['--unknown-extension-policy', 'true'], 'necesita también --unknown-extension-route'),
        (['--unknown-extension-policy', 'no', '--unknown-extension-route', 'RG-ESPANA'], 'no se puede combinar'),
        (['--routing-prefix', '81a'], "--routing-prefix: valor '81a'"),
        (['--outside-dial-digit', '00'], "--outside-dial-digit: valor '00'"),
    ],
)
def test_inconsistent_or_malformed_input_is_rejected_before_any_call(cli, sandbox, args, expected):
    run = cli('configurar_internas_ubicacion', '--location', 'Sede Central', *args)
    assert (run.code, run.status) == (2, 'rejected')
    assert expected in run.result['summary']['message']
    assert sandbox.journal() == []


def test_a_429_on_a_write_is_retried(cli, sandbox, site):
    sandbox.set_faults(
        [{'kind': 'throttle', 'path': '/internalDialing$', 'method': 'PUT', 'retry_after': '1', 'max_count': 1}]
    )
    run = cli('configurar_internas_ubicacion', '--location', site.name, *ALL)
    assert run.status == 'executed', run.result
    assert run.result['summary']['http_429'] == 1
    assert sandbox.org.internal_dialing[site.id]['enable_unknown_extension_route_policy'] is True


def job_reads(sandbox, start):
    return [e for e in sandbox.journal(start) if e['path'].startswith('/v1/telephony/config/jobs/updateRoutingPrefix/')]


def test_a_prefix_change_follows_webex_job_to_its_end_before_verifying(cli, sandbox, site):
    start = mark(sandbox)
    run = cli('configurar_internas_ubicacion', '--location', site.name, '--routing-prefix', '8104')
    assert (run.code, run.status) == (0, 'executed'), run.result
    [put] = sandbox.writes(start)
    job = run.result['result']['routing_prefix_job']
    assert (put['status'], job['status'], job['ended']) == (200, 'COMPLETED', True)
    assert job['id'] in sandbox.org.routing_prefix_jobs
    reads = job_reads(sandbox, start)
    assert reads and {e['path'].rsplit('/', 1)[1] for e in reads} == {job['id']}
    journal = sandbox.journal(start)
    verification = max(
        e['seq'] for e in journal if e['method'] == 'GET' and e['path'] == f'/v1/telephony/config/locations/{site.id}'
    )
    assert verification > max(e['seq'] for e in reads)
    assert calling(sandbox, site.id)['routing_prefix'] == '8104'
    started = [e['payload'] for e in log_events(run) if e['payload'].get('kind') == 'routing_prefix_job']
    assert [(e['job_id'], e['state']) for e in started] == [(job['id'], 'started'), (job['id'], 'ended')]


def test_a_prefix_change_waits_while_another_job_of_the_org_runs(cli, sandbox, site, api):
    from wxc_sdk.telephony.location import TelephonyLocation

    sandbox.configure(routing_prefix_job_ms=1500)
    sede = SEDE_CENTRAL_ID
    api.telephony.location.update(sede, TelephonyLocation(routing_prefix='8009'))
    start = mark(sandbox)
    run = cli('configurar_internas_ubicacion', '--location', site.name, '--routing-prefix', '8104')
    assert (run.code, run.status) == (0, 'executed'), run.result
    puts = [w['status'] for w in sandbox.writes(start)]
    assert puts[0] == 409 and puts[-1] == 200 and set(puts[1:-1]) <= {409}
    retries = [e['payload'] for e in log_events(run) if e['payload'].get('reason') == 'routing_prefix_job_in_progress']
    assert len(retries) == puts.count(409)
    assert (calling(sandbox, sede)['routing_prefix'], calling(sandbox, site.id)['routing_prefix']) == ('8009', '8104')


def test_a_failed_job_is_an_error_naming_the_job_and_its_errors(cli, sandbox, site):
    sandbox.configure(routing_prefix_job_result='FAILED')
    run = cli('configurar_internas_ubicacion', '--location', site.name, '--routing-prefix', '8104')
    assert (run.code, run.status) == (1, 'error'), run.result
    job = run.result['result']['routing_prefix_job']
    assert (job['status'], len(job['errors'])) == ('FAILED', 1)
    message = run.result['summary']['message']
    assert 'la verificación falla en routingPrefix' in message
    assert f'el trabajo de Webex {job["id"]} terminó en FAILED' in message
    assert 'routing_prefix' not in calling(sandbox, site.id)


def test_a_job_webex_did_not_trigger_is_an_error(cli, sandbox, site):
    sandbox.configure(routing_prefix_job_result='NOT_TRIGGERED')
    run = cli(
        'configurar_internas_ubicacion',
        '--location',
        site.name,
        '--routing-prefix',
        '8104',
        '--outside-dial-digit',
        '0',
    )
    assert (run.code, run.status) == (1, 'error'), run.result
    assert [w['status'] for w in sandbox.writes()][-1] == 206
    assert 'Webex no lanzó el trabajo de cambio de prefijo' in run.result['summary']['message']
    assert run.result['result']['after']['outsideDialDigit'] == '0'
