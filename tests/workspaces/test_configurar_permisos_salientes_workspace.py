"""configurar_permisos_salientes_workspace: the contract through the workspace precheck, and its refusals."""

import pytest

from tests.support.org import RECEPCION, RECEPCION_ID, SEDE_CENTRAL_ID
from tests.support.permissions import DEFAULTS, seed, stored
from tests.support.runs import log_events

ACTION = 'configurar_permisos_salientes_workspace'
CUSTOM = {'use_custom_enabled': True, 'use_custom_permissions': True}
PATH = '/workspaces/{}/features/outgoingPermission'


def test_dry_run_runs_the_precheck_and_writes_nothing(cli, sandbox, org):
    run = cli(ACTION, '--workspace', RECEPCION, '--outgoing-permissions', 'INTERNATIONAL:ALLOW', '--dry-run')

    assert (run.code, run.status) == (0, 'dry_run'), run.result
    result = run.result['result']
    assert result['precheck']['verdict'] == 'ok'
    assert result['precheck']['area'] == 'permisos_salientes'
    assert [(c['method'], c['path']) for c in result['calls']] == [('PUT', PATH.format(RECEPCION_ID))]
    assert set(result['diff']) == {'INTERNATIONAL', *CUSTOM}
    assert sandbox.writes() == []


def test_without_yes_it_is_rejected_with_current_desired_and_precheck(cli, sandbox):
    run = cli(ACTION, '--workspace', RECEPCION, '--outgoing-permissions', 'INTERNATIONAL:ALLOW')

    assert (run.code, run.status) == (2, 'rejected'), run.result
    result = run.result['result']
    assert result['current']['INTERNATIONAL'] == DEFAULTS['INTERNATIONAL']
    assert result['desired']['INTERNATIONAL'] == {'action': 'ALLOW', 'transfer_enabled': False}
    assert result['precheck']['verdict'] == 'ok'
    assert sandbox.writes() == []


def test_with_yes_it_changes_verifies_and_a_rerun_is_skipped(cli, sandbox, org):
    ws = RECEPCION_ID
    args = ('--workspace', RECEPCION, '--outgoing-permissions', 'INTERNATIONAL:ALLOW:transfer', '--yes')

    run = cli(ACTION, *args)

    assert (run.code, run.status) == (0, 'executed'), run.result
    assert run.result['result']['verified'] is True
    assert stored(org, 'workspace', ws) == {
        **DEFAULTS,
        **CUSTOM,
        'INTERNATIONAL': {'action': 'ALLOW', 'transfer_enabled': True},
    }
    [write] = sandbox.writes()
    assert (write['method'], write['path'], write['status']) == ('PUT', '/v1' + PATH.format(ws), 204)
    assert any(e['payload'].get('kind') == 'precheck' for e in log_events(run))
    again = cli(ACTION, *args)
    assert again.status == 'skipped', again.result
    assert len(sandbox.writes()) == 1


def test_a_workspace_following_the_location_starts_from_the_locations_permissions(cli, org):
    seed(org, 'location', SEDE_CENTRAL_ID, NATIONAL=('BLOCK', False))

    run = cli(ACTION, '--workspace', RECEPCION, '--outgoing-permissions', 'TOLL_FREE:BLOCK', '--yes')

    assert run.status == 'executed', run.result
    state = stored(org, 'workspace', RECEPCION_ID)
    assert state['NATIONAL'] == {'action': 'BLOCK', 'transfer_enabled': False}
    assert state['TOLL_FREE'] == {'action': 'BLOCK', 'transfer_enabled': True}


@pytest.mark.parametrize('name', ['Sala Goya', 'Sala Inexistente'])
def test_a_write_is_refused_when_the_precheck_is_blocked(cli, sandbox, name):
    run = cli(ACTION, '--workspace', name, '--outgoing-permissions', 'INTERNATIONAL:ALLOW', '--yes')

    assert (run.code, run.status) == (2, 'rejected'), run.result
    assert run.result['result']['precheck']['verdict'] == 'blocked'
    assert name in run.result['summary']['message']
    assert sandbox.writes() == []


def test_an_unknown_action_is_rejected_naming_it_before_any_call(cli, sandbox):
    run = cli(ACTION, '--workspace', RECEPCION, '--outgoing-permissions', 'INTERNATIONAL:PERMITIR')

    assert (run.code, run.status) == (2, 'rejected')
    assert 'PERMITIR' in run.result['summary']['message']
    assert sandbox.journal() == []


def test_a_429_on_the_write_is_retried(cli, sandbox, org):
    sandbox.set_faults([{'kind': 'throttle', 'path': 'outgoingPermission', 'method': 'PUT', 'max_count': 1}])

    run = cli(ACTION, '--workspace', RECEPCION, '--use-location-permissions', 'no', '--yes')

    assert run.status == 'executed', run.result
    assert run.result['summary']['http_429'] == 1
    assert stored(org, 'workspace', RECEPCION_ID)['use_custom_enabled'] is True


def test_a_csv_row_is_a_run(cli, org, tmp_path):
    csv_path = tmp_path / 'workspaces.csv'
    csv_path.write_text(
        f'name,location,outgoing_permissions\n{RECEPCION},Sede Central,"PREMIUM_SERVICES_I:ALLOW;NATIONAL:BLOCK"\n',
        encoding='utf-8',
    )

    run = cli(ACTION, '--csv', str(csv_path), '--row', '1', '--yes')

    assert run.status == 'executed', run.result
    state = stored(org, 'workspace', RECEPCION_ID)
    assert state['PREMIUM_SERVICES_I'] == {'action': 'ALLOW', 'transfer_enabled': False}
    assert state['NATIONAL'] == {'action': 'BLOCK', 'transfer_enabled': True}
