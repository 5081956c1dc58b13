"""Where the panel's runs act, as the launcher decides it (``batch.orgs``): a folder with its own variables file
(``<folder>/.env``) plans, executes and schedules with that file's credential and org, and its runs are applied,
resumed, retried and reverted with the file their run recorded; a global naming an org acts in it; the panel's own
``--token`` wins over a file's as on the command line; the Load screen names the file, its variables and the org,
never a secret value."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from dataclasses import replace

import pytest
from starlette.testclient import TestClient

from tests.support.panel import finished, operator
from tests.support.runs import TOKEN, launch_in_process
from transformacion.batch.options import NotStarted
from transformacion.panel import history
from transformacion.panel.app import Panel


def _no_credential() -> tuple[str, str | None]:
    """The panel's own connection when it was started without a credential of its own."""
    raise NotStarted('no hay credencial: el panel no tiene token propio')


@pytest.fixture
def connected(panel, sandbox) -> Panel:
    """The panel started without ``--sandbox``, with ``--base-url`` the sandbox's and no token of its own."""
    options = argparse.Namespace(token=None, base_url=sandbox.base_url, org_id=None)
    return replace(panel, sandbox=False, connection=_no_credential, options=options)


@pytest.fixture
def client(connected) -> Iterator[TestClient]:
    with operator(connected) as client:
        yield client


def _reading(panel: Panel, run_id: str) -> dict:
    with history.opened(history.run_dir(panel.log_dir, run_id)) as store:
        return store.meta('batch')['reading']


def test_a_folder_with_its_own_variables_file_runs_every_path_with_that_file(client, connected, input_root, sandbox):
    env_file = input_root / 'lote' / '.env'
    env_file.write_text(f'WEBEX_ACCESS_TOKEN={TOKEN}\n', encoding='utf-8')
    loaded = client.post('/api/load', json={'folder': 'lote'})
    assert loaded.json()['org'] == {
        'org_id': None,
        'env_file': str(env_file.resolve()),
        'variables': ['WEBEX_ACCESS_TOKEN'],
        'own': False,
        'message': f'destino: la organización del token, con el fichero de variables de la carpeta '
        f'{env_file.resolve()} (WEBEX_ACCESS_TOKEN)',
    }
    assert TOKEN not in loaded.text

    planned = finished(client, client.post('/api/plan', json={'input': 'lote'}).json())
    assert planned['report']['state'] == 'completed', planned
    assert _reading(connected, planned['run_id'])['env_file'] == str(env_file.resolve())
    assert sandbox.writes() == []

    sandbox.configure(latency_ms=40)
    applying = client.post('/api/execute', json={'plan': planned['run_id'], 'confirm': True, 'concurrency': 1}).json()
    assert client.post(f'/api/jobs/{applying["job"]}/stop', json={}).json()['stopping']
    stopped = finished(client, applying)
    assert stopped['report']['state'] == 'stopped', stopped
    sandbox.configure(latency_ms=0)
    resumed = finished(client, client.post(f'/api/runs/{stopped["run_id"]}/resume', json={}).json())
    assert resumed['report']['state'] == 'completed', resumed
    retried = finished(client, client.post(f'/api/runs/{stopped["run_id"]}/retry', json={}).json())
    assert retried['report']['state'] == 'completed', retried
    assert sandbox.writes()

    writes = len(sandbox.writes())
    reverted = finished(client, client.post(f'/api/runs/{stopped["run_id"]}/revert', json={'dry_run': False}).json())
    assert reverted['report']['state'] == 'completed', reverted
    assert any(w['method'] == 'DELETE' for w in sandbox.writes()[writes:])
    for job in (planned, stopped, resumed, reverted):
        assert TOKEN not in str(job)

    env_file.unlink()  # the same folder without its file: the panel's own connection, which has no credential
    assert client.post('/api/load', json={'folder': 'lote'}).json()['org']['own'] is True
    failed = finished(client, client.post('/api/plan', json={'input': 'lote'}).json())
    assert failed['state'] == 'failed' and 'no hay credencial' in failed['error']


def test_the_panels_own_token_wins_over_the_folders_as_on_the_command_line(client, connected, input_root):
    (input_root / 'lote' / '.env').write_text('WEBEX_ACCESS_TOKEN=caducado\n', encoding='utf-8')
    connected.options.token = TOKEN
    planned = finished(client, client.post('/api/plan', json={'input': 'lote', 'actions': ['alta_ubicacion']}).json())
    assert planned['report']['state'] == 'completed', planned


def test_a_global_naming_an_org_acts_in_it_unless_the_panel_names_one(client, connected, input_root, org):
    connected.options.token = TOKEN
    global_csv = input_root / 'lote' / 'global.csv'
    lines = global_csv.read_text(encoding='utf-8').splitlines()
    global_csv.write_text(f'{lines[0]};org_id\n{lines[1]};{org.id}\n', encoding='utf-8')
    shown = client.post('/api/load', json={'folder': 'lote'}).json()['org']
    assert (shown['org_id'], shown['env_file'], shown['own']) == (org.id, None, False)
    assert 'columna org_id' in shown['message']
    planned = finished(client, client.post('/api/plan', json={'input': 'lote', 'actions': ['alta_ubicacion']}).json())
    assert planned['report']['state'] == 'completed', planned
    assert _reading(connected, planned['run_id'])['org_id'] == org.id
    connected.org_id = 'otra-org'  # the panel started with --org-id: it wins over the global, as on the CLI
    assert client.post('/api/load', json={'folder': 'lote'}).json()['org']['own'] is True


def test_a_run_the_cli_made_with_a_variables_file_is_reverted_from_the_panel_with_that_file(
    client, connected, input_root, sandbox
):
    env_file = input_root / 'lote' / '.env'
    env_file.write_text(f'WEBEX_ACCESS_TOKEN={TOKEN}\n', encoding='utf-8')
    cli = launch_in_process(
        '--input_dir',
        str(input_root / 'lote'),
        '--yes',
        '--base-url',
        sandbox.base_url,
        '--log-dir',
        str(connected.log_dir),
    )
    assert cli.code == 0, cli.stderr
    assert cli.summary['env_file'] == str(env_file.resolve())
    writes = len(sandbox.writes())
    reverted = finished(client, client.post(f'/api/runs/{cli.run_dir.name}/revert', json={'dry_run': False}).json())
    assert reverted['report']['state'] == 'completed', reverted
    assert any(w['method'] == 'DELETE' for w in sandbox.writes()[writes:])


def test_under_sandbox_load_says_a_folders_own_variables_file_is_not_used(panel, input_root):
    """As the launcher with ``--sandbox``: the folder's file is named, never a value of it."""
    env_file = input_root / 'lote' / '.env'
    env_file.write_text(f'WEBEX_ACCESS_TOKEN={TOKEN}\n', encoding='utf-8')
    with operator(panel) as client:
        loaded = client.post('/api/load', json={'folder': 'lote'})
    message = loaded.json()['org']['message']
    assert f'--sandbox: no se usa {env_file} (actúa en la organización de demostración)' in message
    assert loaded.json()['org']['own'] is True and TOKEN not in loaded.text
