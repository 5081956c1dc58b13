"""A folder that belongs to another org than the panel's connection: its own variables file (``<folder>/.env``, the
launcher's per-org credential) or a global naming another org (``org_id``). The panel shows it at Load and refuses to
plan, execute or schedule it, and refuses to apply, resume or revert a run the CLI started with a variables file:
nothing is sent with the panel's own credential to the wrong org."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from starlette.testclient import TestClient

from tests.support.panel import operator
from tests.support.runs import TOKEN, launch_in_process
from transformacion.panel.app import Panel

OTHER_ORG = 'b7c1e0a2-0d4f-4d52-9a51-6f0c2d1e3a44'


@pytest.fixture
def connected(panel) -> Panel:
    """The panel started without ``--sandbox`` (its connection given by its options), still against the sandbox."""
    return replace(panel, sandbox=False)


@pytest.fixture
def client(connected) -> Iterator[TestClient]:
    with operator(connected) as client:
        yield client


def _refused(response, *names: str) -> str:
    assert response.status_code == 409, response.text
    message = response.json()['error']
    assert all(name in message for name in names), message
    return message


def test_a_folder_with_its_own_variables_file_is_shown_at_load_and_never_planned_executed_or_scheduled(
    client, input_root, sandbox
):
    env_file = input_root / 'lote' / '.env'
    env_file.write_text(f'WEBEX_ORG_ID={OTHER_ORG}\nWEBEX_ACCESS_TOKEN=otra-{TOKEN}\n', encoding='utf-8')
    loaded = client.post('/api/load', json={'folder': 'lote'})
    assert loaded.json()['org']['env_file'] == str(env_file.resolve())
    assert str(env_file.resolve()) in loaded.json()['org']['message'] and 'lanzador' in loaded.json()['org']['message']
    assert TOKEN not in loaded.text
    _refused(client.post('/api/plan', json={'input': 'lote'}), str(env_file.resolve()), 'fichero de variables')
    _refused(client.post('/api/execute', json={'input': 'lote', 'confirm': True}), str(env_file.resolve()))
    _refused(
        client.post('/api/schedule', json={'input': 'lote', 'at': '2999-01-01T10:00+00:00'}), str(env_file.resolve())
    )
    assert client.get('/api/schedule').json()['entries'] == []
    assert client.get('/api/runs').json()['runs'] == []
    assert sandbox.writes() == []


def test_a_global_naming_another_org_is_refused_and_the_panels_own_org_is_not(client, connected, input_root, org):
    global_csv = input_root / 'lote' / 'global.csv'
    lines = global_csv.read_text(encoding='utf-8').splitlines()
    global_csv.write_text(f'{lines[0]};org_id\n{lines[1]};{OTHER_ORG}\n', encoding='utf-8')
    loaded = client.post('/api/load', json={'folder': 'lote'}).json()
    assert loaded['org']['org_id'] == OTHER_ORG and loaded['org']['env_file'] is None
    assert 'la organización de su token' in loaded['org']['message']
    _refused(client.post('/api/plan', json={'input': 'lote'}), OTHER_ORG, 'columna org_id')
    connected.org_id = OTHER_ORG  # the panel started with --org-id of that org: the folder is its own
    assert client.post('/api/load', json={'folder': 'lote'}).json()['org'] is None


def test_a_run_the_cli_made_with_a_variables_file_is_not_applied_resumed_or_reverted_by_the_panel(
    client, connected, input_root, sandbox, tmp_path
):
    env_file = input_root / 'lote' / '.env'
    env_file.write_text(f'WEBEX_ACCESS_TOKEN={TOKEN}\n', encoding='utf-8')
    cli = launch_in_process(
        '--input_dir',
        str(input_root / 'lote'),
        '--dry-run',
        '--base-url',
        sandbox.base_url,
        '--log-dir',
        str(connected.log_dir),
    )
    assert cli.code == 0, cli.stderr
    run = cli.run_dir.name
    named = str(env_file.resolve())
    _refused(client.post('/api/execute', json={'plan': run, 'confirm': True}), run, named)
    _refused(client.post(f'/api/runs/{run}/resume', json={}), named)
    _refused(client.post(f'/api/runs/{run}/retry', json={}), named)
    _refused(client.post(f'/api/runs/{run}/revert', json={'dry_run': True}), named)
    _refused(client.post('/api/schedule', json={'plan': run, 'at': '2999-01-01T10:00+00:00'}), named)
    assert [r['run_id'] for r in client.get('/api/runs').json()['runs']] == [run]
    assert sandbox.writes() == []
