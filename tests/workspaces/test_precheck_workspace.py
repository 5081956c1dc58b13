"""precheck_workspace and require_precheck_ok through the real wxc_sdk against the sandbox: read-only verdicts."""

import pytest

from tests.support.org import RECEPCION, RECEPCION_ID, SEDE_CENTRAL
from tests.support.runs import read_events
from transformacion.common import Rejected
from transformacion.domain.workspace import require_precheck_ok


def test_a_webex_calling_workspace_is_ok_with_its_location_numbers_and_license(cli, sandbox):
    run = cli('precheck_workspace', '--workspace', RECEPCION)

    assert (run.code, run.status) == (0, 'executed'), run.result
    report = run.result['result']
    assert report['verdict'] == 'ok' and report['reasons'] == []
    assert report['workspace_id'] == RECEPCION_ID
    assert report['calling'] == 'webexCalling'
    assert report['location']['name'] == SEDE_CENTRAL
    assert report['numbers'] == {'extension': '1900', 'phone_number': '+34910000009'}
    assert [lic['name'] for lic in report['licenses']] == ['Webex Calling - Workspaces']
    assert report['current'] == {
        'display_name': RECEPCION,
        'calling': 'webexCalling',
        'extension': '1900',
        'phone_number': '+34910000009',
    }
    assert run.result['summary']['message'].endswith(': ok')
    assert sandbox.writes() == []


@pytest.mark.parametrize(('name', 'calling'), [('Sala Goya', 'freeCalling'), ('Sala Velázquez', 'hybridCalling')])
def test_a_workspace_without_webex_calling_is_blocked(cli, sandbox, name, calling):
    run = cli('precheck_workspace', '--workspace', name, '--area', 'desvio')

    assert (run.code, run.status) == (0, 'executed'), run.result
    report = run.result['result']
    assert report['verdict'] == 'blocked'
    assert report['calling'] == calling
    assert report['reasons'] == [f'el workspace {name!r} no tiene Webex Calling ({calling})']
    assert 'blocked' in run.result['summary']['message'] and calling in run.result['summary']['message']
    assert sandbox.writes() == []


def test_a_missing_workspace_is_blocked_naming_it(cli, sandbox):
    run = cli('precheck_workspace', '--workspace', 'Sala Inexistente', '--location', SEDE_CENTRAL)

    assert (run.code, run.status) == (0, 'executed'), run.result
    report = run.result['result']
    assert (report['verdict'], report['workspace_id']) == ('blocked', None)
    assert "'Sala Inexistente'" in report['reasons'][0]
    assert sandbox.writes() == []


def test_the_current_settings_of_the_area_are_reported(cli, sandbox):
    run = cli('precheck_workspace', '--workspace', RECEPCION, '--area', 'numeros')

    report = run.result['result']
    assert report['area_available'] is True
    [number] = report['current']['phone_numbers']
    assert (number['external'], number['extension'], number['esn'], number['primary']) == (
        '+34910000009',
        '1900',
        '80011900',
        True,
    )


@pytest.mark.parametrize(
    ('area', 'field'),
    [('intercom', 'connection_type'), ('desvio', 'call_forwarding'), ('permisos_salientes', 'calling_permissions')],
)
def test_the_settings_of_each_calling_area_are_read(cli, sandbox, area, field):
    run = cli('precheck_workspace', '--workspace', RECEPCION, '--area', area)

    report = run.result['result']
    assert (report['verdict'], report['area_available']) == ('ok', True), report
    assert field in report['current']


def test_an_area_the_api_does_not_serve_is_reported_unavailable_not_a_crash(cli, sandbox):
    sandbox.set_faults([{'kind': 'status', 'status': 404, 'path': '/pushToTalk$'}])

    run = cli('precheck_workspace', '--workspace', RECEPCION, '--area', 'intercom')

    assert run.status == 'executed', run.result
    report = run.result['result']
    assert (report['verdict'], report['area_available'], report['current']) == ('ok', False, None)
    assert report['warnings'] == ['el área intercom no está disponible para este workspace (HTTP 404)']


def test_dry_run_gives_the_same_report_with_status_dry_run(cli, sandbox):
    run = cli('precheck_workspace', '--workspace', 'Sala Goya', '--dry-run')

    assert (run.code, run.status) == (0, 'dry_run')
    assert run.result['result']['verdict'] == 'blocked'
    assert sandbox.writes() == []


def test_an_unknown_area_is_rejected_naming_it(cli, sandbox):
    run = cli('precheck_workspace', '--workspace', RECEPCION, '--area', 'buzon')

    assert (run.code, run.status) == (2, 'rejected')
    assert 'area' in run.result['summary']['message'] and 'buzon' in run.result['summary']['message']
    assert sandbox.journal() == []


def test_runs_from_a_csv_row_of_the_workspaces_dataset(cli, sandbox, tmp_path):
    csv_path = tmp_path / 'workspaces.csv'
    csv_path.write_text(f'name;location;extension\n{RECEPCION};{SEDE_CENTRAL};1900\n', encoding='utf-8')

    run = cli('precheck_workspace', '--csv', str(csv_path), '--row', '1', '--area', 'general')

    assert run.result['result']['verdict'] == 'ok', run.result
    assert run.result['result']['location']['name'] == SEDE_CENTRAL


def test_require_precheck_ok_returns_the_report_and_logs_it(bound_ctx, sandbox):
    api, ctx = bound_ctx

    report = require_precheck_ok(api, ctx, RECEPCION, 'general')

    assert report['verdict'] == 'ok'
    assert report['workspace_id'] == RECEPCION_ID
    [logged] = [e['payload'] for e in read_events(ctx.log.path) if e['payload'].get('kind') == 'precheck']
    assert logged['workspace_id'] == report['workspace_id'] and logged['verdict'] == 'ok'


@pytest.mark.parametrize('name', ['Sala Goya', 'Sala Inexistente'])
def test_require_precheck_ok_raises_rejected_when_blocked_so_nothing_is_written(bound_ctx, sandbox, name):
    api, ctx = bound_ctx

    with pytest.raises(Rejected) as refused:
        require_precheck_ok(api, ctx, name, 'desvio')

    assert refused.value.details['precheck']['verdict'] == 'blocked'
    assert name in refused.value.message and 'blocked' in refused.value.message
    assert sandbox.writes() == []
    assert any(e['payload'].get('kind') == 'precheck' for e in read_events(ctx.log.path))


def test_a_retried_429_does_not_change_the_verdict(cli, sandbox):
    sandbox.set_faults([{'kind': 'throttle', 'path': '/features/numbers', 'retry_after': '0', 'max_count': 1}])

    run = cli('precheck_workspace', '--workspace', RECEPCION)

    assert run.result['result']['verdict'] == 'ok', run.result
    assert run.result['summary']['http_429'] == 1
