"""configurar_numero_intercom_workspace end to end through the real wxc_sdk against the sandbox: the workspace's
intercom number (a secondary number from its location's inventory), after the precheck."""

from tests.support.org import RECEPCION, RECEPCION_ID

PATH = f'/telephony/config/workspaces/{RECEPCION_ID}/numbers'
FREE = '+34910000004'


def intercom_number(cli, *args, workspace=RECEPCION):
    return cli('configurar_numero_intercom_workspace', '--workspace', workspace, *args)


def test_add_runs_the_precheck_then_reads_back_the_secondary_number_and_a_rerun_is_skipped(cli, sandbox, api):
    dry = intercom_number(cli, '--intercom-number', FREE, '--dry-run')
    assert (dry.status, dry.result['result']['precheck']['area']) == ('dry_run', 'numeros'), dry.result
    assert sandbox.writes() == []

    run = intercom_number(cli, '--intercom-number', FREE)

    assert (run.code, run.status) == (0, 'executed'), run.result
    [write] = sandbox.writes()
    assert (write['path'], write['request_body']) == (
        f'/v1{PATH}',
        {'phoneNumbers': [{'primary': False, 'action': 'ADD', 'directNumber': FREE}]},
    )
    numbers = api.workspace_settings.numbers.read(RECEPCION_ID)
    assert [(n.external, n.primary) for n in numbers.phone_numbers] == [('+34910000009', True), (FREE, False)]
    assert intercom_number(cli, '--intercom-number', FREE).status == 'skipped'


def test_a_workspace_without_webex_calling_is_blocked_by_the_precheck(cli, sandbox):
    run = intercom_number(cli, '--intercom-number', FREE, workspace='Sala Goya')

    assert run.status == 'rejected', run.result
    assert run.result['result']['precheck']['verdict'] == 'blocked'
    assert sandbox.writes() == []
