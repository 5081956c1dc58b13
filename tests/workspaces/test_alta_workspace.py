"""alta_workspace end to end through the real wxc_sdk against the sandbox: create, skip, converge, dry-run, faults."""

from tests.support.files import SAMPLES
from tests.support.org import OLD_SUBSCRIPTION, PROFESSIONAL, SEDE_CENTRAL, WORKSPACES, license_id
from tests.support.runs import log_events
from transformacion.alta_workspace import ACTION
from transformacion.common import _params_for_script, apply_csv_arguments
from transformacion.core.catalog import actions
from transformacion.core.csvfiles import iter_rows, read_header
from transformacion.core.params import NUMBER_RANGES

WORKSPACES_LICENSE = 'Webex Calling - Workspaces'
ALMACEN = [
    '--name',
    'Almacén Norte',
    '--location',
    SEDE_CENTRAL,
    '--extension',
    '1950',
    '--phone-number',
    '+34910000008',
]


def named(sandbox, name):
    return [ws for ws in sandbox.org.workspaces.values() if ws['display_name'] == name]


def test_creates_with_webex_calling_and_verifies_then_skips_with_zero_writes(cli, sandbox):
    first = cli('alta_workspace', *ALMACEN)

    assert (first.code, first.status) == (0, 'executed'), first.result
    result = first.result['result']
    assert result['verified'] is True
    assert result['before'] is None
    assert result['after'] == {
        'calling': 'webexCalling',
        'extension': '1950',
        'phone_number': '+34910000008',
        'license': WORKSPACES_LICENSE,
        'supported_devices': 'phones',
    }
    [workspace] = named(sandbox, 'Almacén Norte')
    assert workspace['id'] == result['workspace_id']
    assert workspace['location_id'] == sandbox.org.locations[workspace['location_id']]['id']
    assert workspace['calling'] == {
        'type': 'webexCalling',
        'webex_calling': {'licenses': [WORKSPACES]},
    }
    assert sandbox.org.numbers['+34910000008']['owner'] == {'id': workspace['id'], 'type': 'PLACE'}
    assert [(w['method'], w['path']) for w in sandbox.writes()] == [('POST', '/v1/workspaces')]
    events = log_events(first)
    assert events[0]['event'] == 'request' and events[0]['payload']['params']['name'] == 'Almacén Norte'
    assert events[-1]['event'] == 'summary' and events[-1]['payload']['status'] == 'executed'

    writes = len(sandbox.writes())
    second = cli('alta_workspace', *ALMACEN)
    assert (second.code, second.status) == (0, 'skipped'), second.result
    assert len(sandbox.writes()) == writes
    assert len(named(sandbox, 'Almacén Norte')) == 1


def test_dry_run_shows_the_exact_post_and_writes_nothing(cli, sandbox):
    run = cli('alta_workspace', *ALMACEN, '--dry-run')

    assert (run.code, run.status) == (0, 'dry_run'), run.result
    location_id = run.result['result']['location_id']
    assert run.result['result']['calls'] == [
        {
            'method': 'POST',
            'path': '/workspaces',
            'body': {
                'locationId': location_id,
                'displayName': 'Almacén Norte',
                'calling': {
                    'type': 'webexCalling',
                    'webexCalling': {
                        'phoneNumber': '+34910000008',
                        'extension': '1950',
                        'locationId': location_id,
                        'licenses': [WORKSPACES],
                    },
                },
                'supportedDevices': 'phones',
            },
        }
    ]
    assert sandbox.writes() == []
    assert named(sandbox, 'Almacén Norte') == []


def test_an_existing_free_calling_workspace_is_converged_not_duplicated(cli, sandbox):
    [goya] = named(sandbox, 'Sala Goya')

    run = cli(
        'alta_workspace', '--name', 'sala goya', '--location', SEDE_CENTRAL, '--extension', '1951',
        '--supported-devices', 'collaborationDevices',
    )  # fmt: skip

    assert run.status == 'executed', run.result
    assert run.result['result']['diff'] == {
        'calling': {'before': 'freeCalling', 'after': 'webexCalling'},
        'license': {'before': None, 'after': WORKSPACES_LICENSE},
        'extension': {'before': None, 'after': '1951'},
    }
    assert [(w['method'], w['path']) for w in sandbox.writes()] == [('PUT', f'/v1/workspaces/{goya["id"]}')]
    [after] = named(sandbox, 'Sala Goya')
    assert after['calling']['type'] == 'webexCalling' and after['extension'] == '1951'
    assert after['capacity'] == 8 and after['type'] == 'meetingRoom'


def test_supported_devices_of_an_existing_workspace_cannot_change(cli, sandbox):
    run = cli('alta_workspace', '--name', 'Sala Goya', '--location', SEDE_CENTRAL, '--extension', '1951')

    assert (run.code, run.status) == (2, 'rejected')
    assert 'supported_devices' in run.result['summary']['message']
    assert 'collaborationDevices' in run.result['summary']['message']
    assert sandbox.writes() == []


def test_a_new_number_for_an_existing_workspace_keeps_its_extension(cli, sandbox):
    run = cli(
        'alta_workspace',
        '--name',
        'Recepción Sede Central',
        '--location',
        SEDE_CENTRAL,
        '--phone-number',
        '+34910000007',
    )

    assert run.status == 'executed', run.result
    assert run.result['result']['diff'] == {'phone_number': {'before': '+34910000009', 'after': '+34910000007'}}
    [recepcion] = named(sandbox, 'Recepción Sede Central')
    assert (recepcion['extension'], recepcion['phone_number']) == ('1900', '+34910000007')
    assert sandbox.org.numbers['+34910000009']['owner'] is None


def test_without_extension_or_number_is_rejected_before_any_call(cli, sandbox):
    run = cli('alta_workspace', '--name', 'Almacén Norte', '--location', SEDE_CENTRAL)

    assert (run.code, run.status) == (2, 'rejected')
    assert '--extension' in run.result['summary']['message']
    assert sandbox.journal() == []


def test_an_unknown_location_is_rejected_naming_it_and_nothing_is_written(cli, sandbox):
    run = cli('alta_workspace', '--name', 'Almacén Norte', '--location', 'Cuenca', '--extension', '1950')

    assert (run.code, run.status) == (2, 'rejected')
    assert "'Cuenca'" in run.result['summary']['message']
    assert sandbox.writes() == []


def test_a_number_without_plus_is_rejected_naming_the_column(cli, sandbox, tmp_path):
    csv_path = tmp_path / 'workspaces.csv'
    csv_path.write_text('name;location;phone_number\nAlmacén Norte;Sede Central;34910000008\n', encoding='utf-8')

    run = cli('alta_workspace', '--csv', str(csv_path), '--row', '1')

    assert (run.code, run.status) == (2, 'rejected')
    message = run.result['summary']['message']
    assert 'phone_number' in message and '34910000008' in message
    assert sandbox.journal() == []


def test_a_license_without_free_units_is_rejected_and_nothing_is_written(cli, sandbox):
    with sandbox.org.lock:
        sandbox.org.licenses[WORKSPACES]['total_units'] = 0

    run = cli('alta_workspace', *ALMACEN)

    assert (run.code, run.status) == (2, 'rejected')
    assert run.result['summary']['message'] == (
        f"license: la licencia '{WORKSPACES_LICENSE}' no tiene unidades libres en ninguna de sus suscripciones "
        '(Sub-TRANSF-0000: 1 consumidas de 1; Sub-TRANSF-0001: 0 consumidas de 0)'
    )
    assert sandbox.writes() == []


def test_an_extension_held_by_a_person_creates_nothing(cli, sandbox):
    run = cli('alta_workspace', '--name', 'Almacén Norte', '--location', SEDE_CENTRAL, '--extension', '1001')

    assert run.code != 0 and run.status in ('rejected', 'error'), run.result
    assert '1001' in run.result['summary']['message']
    assert named(sandbox, 'Almacén Norte') == []


def test_a_lost_post_is_read_back_and_not_replayed(cli, sandbox):
    sandbox.set_faults(
        [{'kind': 'reset', 'path': '^/v1/workspaces$', 'method': 'POST', 'when': 'after', 'max_count': 1}]
    )

    run = cli('alta_workspace', *ALMACEN)

    assert run.status == 'executed', run.result
    assert run.result['result']['verified'] is True
    assert len(named(sandbox, 'Almacén Norte')) == 1
    assert [w['method'] for w in sandbox.writes()] == ['POST']
    assert any(e['payload'].get('kind') == 'read_back_after_failed_create' for e in log_events(run))


def test_a_429_on_the_create_is_retried(cli, sandbox):
    sandbox.set_faults(
        [{'kind': 'throttle', 'path': '^/v1/workspaces$', 'method': 'POST', 'retry_after': '0', 'max_count': 1}]
    )

    run = cli('alta_workspace', *ALMACEN)

    assert run.status == 'executed', run.result
    assert run.result['summary']['http_429'] == 1 and run.result['summary']['retries'] == 1
    assert [w['status'] for w in sandbox.writes()] == [429, 201]
    assert len(named(sandbox, 'Almacén Norte')) == 1


def test_runs_from_a_csv_row(cli, sandbox, tmp_path):
    csv_path = tmp_path / 'workspaces.csv'
    csv_path.write_text(
        'name;location;extension;phone_number;license;supported_devices\n'
        'Recepción Sede Central;Sede Central;1900;+34910000009;;phones\n'
        'Muelle de carga;Sede Central;1960;;Webex Calling - Professional;phones\n',
        encoding='utf-8',
    )

    run = cli('alta_workspace', '--csv', str(csv_path), '--row', '2')

    assert run.status == 'executed', run.result
    [muelle] = named(sandbox, 'Muelle de carga')
    assert muelle['extension'] == '1960' and 'phone_number' not in muelle
    assert muelle['calling']['webex_calling']['licenses'] == [PROFESSIONAL]
    assert cli('alta_workspace', '--csv', str(csv_path), '--row', '1').status == 'skipped'


def test_an_existing_hybrid_calling_workspace_is_rejected_not_rewritten(cli, sandbox):
    run = cli(
        'alta_workspace', '--name', 'Sala Velázquez', '--location', SEDE_CENTRAL, '--extension', '1952',
        '--supported-devices', 'collaborationDevices',
    )  # fmt: skip

    assert (run.code, run.status) == (2, 'rejected')
    assert 'hybridCalling' in run.result['summary']['message']
    assert sandbox.writes() == []


def test_every_sample_row_is_valid_and_uses_a_sample_location_and_its_numbers():
    location_numbers = {
        row['name']: set(NUMBER_RANGES.coerce(row['phone_numbers']))
        for _, row in iter_rows(SAMPLES / 'ubicaciones.csv')
    }
    rows = list(iter_rows(SAMPLES / 'workspaces.csv'))
    declared = {p.csv_column for action in actions() if action.domain == 'workspaces' for p in action.params}

    assert len(rows) >= 3
    assert set(read_header(SAMPLES / 'workspaces.csv')) <= declared
    for number, _ in rows:
        raw, origins, _ = apply_csv_arguments(ACTION, {}, SAMPLES / 'workspaces.csv', row=number)
        params = _params_for_script(ACTION, raw, origins)
        assert params['location'] in location_numbers
        assert params['extension'] or params['phone_number']
        assert params['phone_number'] in location_numbers[params['location']] | {None}


def test_a_new_workspace_takes_a_unit_of_the_first_subscription_with_free_units(cli, sandbox):
    run = cli('alta_workspace', *ALMACEN)

    assert run.status == 'executed', run.result
    [workspace] = named(sandbox, 'Almacén Norte')
    assert workspace['calling']['webex_calling']['licenses'] == [WORKSPACES]
    [choice] = [e['payload'] for e in log_events(run) if e['payload'].get('kind') == 'license_choice']
    assert (choice['subscription_id'], choice['candidates']) == (
        'Sub-TRANSF-0001',
        ['Sub-TRANSF-0000', 'Sub-TRANSF-0001'],
    )


def test_an_existing_workspace_keeps_the_subscription_it_holds(cli, sandbox):
    run = cli('alta_workspace', '--name', 'Recepción Sede Central', '--location', SEDE_CENTRAL, '--extension', '1901')

    assert run.status == 'executed', run.result
    [put] = sandbox.writes()
    assert 'licenses' not in put['request_body']['calling']['webexCalling']
    [recepcion] = named(sandbox, 'Recepción Sede Central')
    assert recepcion['calling']['webex_calling']['licenses'] == [license_id(WORKSPACES_LICENSE, OLD_SUBSCRIPTION)]
