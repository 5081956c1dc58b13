"""configurar_pstn_ubicacion through the real wxc_sdk against the sandbox."""

from tests.support.locations import add_location_without_calling, mark, option_id, route_id
from tests.support.org import SEDE_CENTRAL, SEDE_CENTRAL_ID
from tests.support.runs import logged_writes


def connection_path(location_id):
    return f'/telephony/pstn/locations/{location_id}/connection'


def test_dry_run_shows_the_change_and_the_exact_call_and_writes_nothing(cli, sandbox, site):
    start = mark(sandbox)
    run = cli('configurar_pstn_ubicacion', '--location', site.name, '--pstn', 'TRK-MAD-01', '--dry-run')
    assert (run.code, run.status) == (0, 'dry_run'), run.result
    result = run.result['result']
    assert result['before']['pstnConnectionType'] is None
    assert result['diff'] == {
        'pstnConnectionType': {'before': None, 'after': 'LOCAL_GATEWAY'},
        'routeType': {'before': None, 'after': 'TRUNK'},
        'routeId': {'before': None, 'after': route_id(sandbox, 'TRK-MAD-01')},
    }
    assert result['calls'] == [
        {
            'method': 'PUT',
            'path': connection_path(site.id),
            'body': {'premiseRouteType': 'TRUNK', 'premiseRouteId': route_id(sandbox, 'TRK-MAD-01')},
        }
    ]
    assert sandbox.writes(start) == []
    assert 'connection' not in sandbox.org.calling_locations[site.id]


def test_first_connection_needs_no_confirmation_is_verified_logged_and_then_skipped(cli, sandbox, site):
    start = mark(sandbox)
    run = cli('configurar_pstn_ubicacion', '--location', site.name, '--pstn', 'TRK-MAD-01')
    assert (run.code, run.status) == (0, 'executed'), run.result
    assert run.result['result']['verified'] is True
    assert run.result['result']['after']['routeId'] == route_id(sandbox, 'TRK-MAD-01')
    trunk = route_id(sandbox, 'TRK-MAD-01')
    assert sandbox.org.calling_locations[site.id]['connection'] == {'type': 'TRUNK', 'id': trunk}
    writes = sandbox.writes(start)
    assert [(w['method'], w['path'], w['request_body']) for w in writes] == [
        ('PUT', '/v1' + connection_path(site.id), {'premiseRouteType': 'TRUNK', 'premiseRouteId': trunk})
    ]
    assert logged_writes(run) == [('PUT', connection_path(site.id))]
    assert [c['body'] for c in run.result['result']['calls']] == [w['request_body'] for w in sandbox.writes(start)]

    again = mark(sandbox)
    second = cli('configurar_pstn_ubicacion', '--location', site.id, '--pstn', trunk)
    assert (second.code, second.status) == (0, 'skipped'), second.result
    assert sandbox.writes(again) == []


def test_changing_a_connection_in_use_needs_yes(cli, sandbox):
    start = mark(sandbox)
    refused = cli('configurar_pstn_ubicacion', '--location', SEDE_CENTRAL, '--pstn', 'RG-ESPANA')
    assert (refused.code, refused.status) == (2, 'rejected'), refused.result
    assert '--yes' in refused.result['summary']['message']
    assert refused.result['result']['current']['routeId'] == route_id(sandbox, 'TRK-MAD-01')
    assert sandbox.writes(start) == []

    run = cli('configurar_pstn_ubicacion', '--location', SEDE_CENTRAL, '--pstn', 'RG-ESPANA', '--yes')
    assert run.status == 'executed', run.result
    assert sandbox.org.calling_locations[SEDE_CENTRAL_ID]['connection'] == {
        'type': 'ROUTE_GROUP',
        'id': route_id(sandbox, 'RG-ESPANA'),
    }
    assert len(sandbox.writes(start)) == 1


def test_a_cloud_option_by_name_replaces_the_local_gateway(cli, sandbox):
    location = SEDE_CENTRAL_ID
    run = cli('configurar_pstn_ubicacion', '--location', SEDE_CENTRAL, '--pstn', 'telefonica cloud connect', '--yes')
    assert run.status == 'executed', run.result
    telefonica = option_id(sandbox, 'Telefonica Cloud Connect')
    assert run.result['result']['calls'][0]['body'] == {'id': telefonica}
    assert sandbox.org.pstn_connections[location] == {'id': telefonica}
    assert 'connection' not in sandbox.org.calling_locations[location]
    assert run.result['result']['after']['pstnConnectionType'] == 'NON_INTEGRATED_CCP'
    assert run.result['summary']['message'].endswith(
        'ahora usa Telefonica Cloud Connect (NON_INTEGRATED_CCP) (verificado)'
    )


def test_an_option_the_location_does_not_offer_is_rejected(cli, sandbox, lisboa):
    start = mark(sandbox)
    run = cli('configurar_pstn_ubicacion', '--location', lisboa.name, '--pstn', 'Telefonica Cloud Connect')
    assert (run.code, run.status) == (2, 'rejected'), run.result
    message = run.result['summary']['message']
    assert "--pstn: 'Telefonica Cloud Connect'" in message and 'Lisboa Baixa' in message
    assert 'Cisco PSTN' in message
    assert sandbox.writes(start) == []


def test_an_unknown_trunk_is_rejected_listing_what_exists(cli, sandbox, site):
    start = mark(sandbox)
    run = cli('configurar_pstn_ubicacion', '--location', site.name, '--pstn', 'TRK-VLC-09')
    assert (run.code, run.status) == (2, 'rejected')
    message = run.result['summary']['message']
    assert "--pstn: 'TRK-VLC-09'" in message
    assert 'TRUNK TRK-MAD-01' in message and 'ROUTE_GROUP RG-ESPANA' in message
    assert sandbox.writes(start) == []


def test_cisco_pstn_refused_by_webex_is_rejected_pointing_to_control_hub(cli, sandbox, site):
    start = mark(sandbox)
    run = cli('configurar_pstn_ubicacion', '--location', site.name, '--pstn', 'Cisco PSTN')
    assert (run.code, run.status) == (2, 'rejected'), run.result
    message = run.result['summary']['message']
    assert "Webex rechazó la conexión 'Cisco PSTN'" in message and 'no cambió nada' in message
    assert 'CISCO_PSTN' in message and 'Control Hub' in message
    assert [(w['request_body'], w['status']) for w in sandbox.writes(start)] == [
        ({'id': option_id(sandbox, 'Cisco PSTN')}, 400)
    ]
    assert site.id not in sandbox.org.pstn_connections


def test_the_dry_run_of_a_cloud_option_says_webex_decides_whether_the_api_may_set_it(cli, sandbox, site):
    run = cli('configurar_pstn_ubicacion', '--location', site.name, '--pstn', 'Cisco PSTN', '--dry-run')
    assert (run.code, run.status) == (0, 'dry_run'), run.result
    assert 'si Webex la admite por API' in run.result['summary']['message']
    assert run.result['result']['calls'][0]['body'] == {'id': option_id(sandbox, 'Cisco PSTN')}


def test_a_location_already_on_an_integrated_pstn_is_skipped_when_it_is_what_is_asked(cli, sandbox, site):
    with sandbox.org.lock:
        sandbox.org.pstn_connections[site.id] = {'id': option_id(sandbox, 'Cisco PSTN')}
    start = mark(sandbox)
    run = cli('configurar_pstn_ubicacion', '--location', site.name, '--pstn', 'Cisco PSTN')
    assert (run.code, run.status) == (0, 'skipped'), run.result
    assert run.result['result']['before']['pstnConnectionType'] == 'CISCO_PSTN'
    assert sandbox.writes(start) == []


def test_a_location_not_enabled_for_calling_is_rejected(cli, sandbox):
    add_location_without_calling(sandbox, 'Almacén Getafe')
    run = cli('configurar_pstn_ubicacion', '--location', 'Almacén Getafe', '--pstn', 'TRK-MAD-01')
    assert (run.code, run.status) == (2, 'rejected')
    assert 'no está habilitada para Webex Calling' in run.result['summary']['message']
    assert sandbox.writes() == []


def test_a_429_on_the_write_is_retried(cli, sandbox, site):
    sandbox.set_faults(
        [{'kind': 'throttle', 'path': '/connection$', 'method': 'PUT', 'retry_after': '1', 'max_count': 1}]
    )
    run = cli('configurar_pstn_ubicacion', '--location', site.name, '--pstn', 'RG-ESPANA')
    assert run.status == 'executed', run.result
    assert (run.result['summary']['retries'], run.result['summary']['http_429']) == (1, 1)
    assert sandbox.org.calling_locations[site.id]['connection']['type'] == 'ROUTE_GROUP'


def test_a_trunk_webex_refuses_is_rejected_with_its_reason(cli, sandbox, site):
    with sandbox.org.lock:
        sandbox.org.pstn_connection_options[:] = [
            o for o in sandbox.org.pstn_connection_options if o['pstn_connection_type'] != 'LOCAL_GATEWAY'
        ]
    start = mark(sandbox)
    run = cli('configurar_pstn_ubicacion', '--location', site.name, '--pstn', 'TRK-MAD-01')
    assert (run.code, run.status) == (2, 'rejected'), run.result
    message = run.result['summary']['message']
    assert "Webex rechazó la conexión 'TRUNK TRK-MAD-01'" in message and 'local gateway' in message
    assert 'Control Hub' not in message
    assert [w['status'] for w in sandbox.writes(start)] == [400]
    assert 'connection' not in sandbox.org.calling_locations[site.id]
