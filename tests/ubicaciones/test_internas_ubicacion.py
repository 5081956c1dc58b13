"""configurar_internas_ubicacion through the real wxc_sdk against the sandbox."""

import pytest

from tests.ubicaciones.conftest import logged_writes, mark, route_id

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
        ([], 'nada que configurar'),
        (['--unknown-extension-policy', 'true'], 'necesita --unknown-extension-route'),
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
