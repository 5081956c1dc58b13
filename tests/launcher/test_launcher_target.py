"""Who and where, before the first write: every run reads and records its target (base URL, organisation, the token's
owner) and its operator; a run continues only against the same target, else it is refused (exit 4) before any write."""

from __future__ import annotations

import json

import pytest

from tests.support.batches import location, posts, write_folder
from tests.support.files import read_csv
from tests.support.runs import TOKEN
from transformacion import bulk_runner
from transformacion.batch.checkpoint import Checkpoint
from transformacion.sandbox import running_sandbox
from transformacion.sandbox.state.org import load_fixture

ORG_A = 'Transformacion Demo S.A.'
ADMIN = 'admin@transformacion-demo.example.com'
OTHER_TOKEN = 'token-de-otra-org-5d1e'
OTHER_ORG_NAME = 'Otra Cliente S.L.'
#: base64 of ciscospark://us/ORGANIZATION/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0
OTHER_ORG_ID = 'Y2lzY29zcGFyazovL3VzL09SR0FOSVpBVElPTi8wYjFjMmQzZS00ZjUwLTYxNzItODM5NC1hNWI2YzdkOGU5ZjA'


def other_org_fixture() -> dict:
    """The default sandbox org under another id and name: a second customer built like the first (PRE and PRO)."""
    fixture = load_fixture()
    text = json.dumps(fixture).replace(fixture['id'], OTHER_ORG_ID)
    return {**json.loads(text), 'display_name': OTHER_ORG_NAME}


@pytest.fixture
def other_org():
    with running_sandbox(token=OTHER_TOKEN, fixture=other_org_fixture()) as sandbox:
        yield sandbox


def stopped_run(launch, sandbox, tmp_path):
    """A run of three new locations stopped by its job timeout after the first one: two pairs left pending."""
    sandbox.set_faults([{'kind': 'delay', 'delay_ms': 300, 'path': '^/v1/locations$', 'max_count': 1}])
    folder = write_folder(tmp_path / 'in', ubicaciones=[location('Norte'), location('Sur'), location('Este')])
    run = launch('--input_dir', str(folder), '--actions', 'alta_ubicacion', '--job-timeout', '0.1', '--chunk-size', '1')
    assert (run.code, run.result['summary']['state']) == (5, 'stopped'), run.stderr
    sandbox.set_faults([])
    return run


def test_every_run_reads_its_target_before_the_first_write_prints_it_and_records_it(launch, sandbox, tmp_path):
    folder = write_folder(tmp_path / 'in', ubicaciones=[location('Norte')])

    run = launch('--input_dir', str(folder), '--actions', 'alta_ubicacion')

    assert run.code == 0, run.stderr
    journal = sandbox.journal()
    first_write = next(i for i, entry in enumerate(journal) if entry['method'] != 'GET')
    reads = [(entry['method'], entry['path']) for entry in journal[:2]]
    assert reads == [('GET', '/v1/people/me'), ('GET', f'/v1/organizations/{sandbox.org.id}')]
    assert first_write > 1
    assert f'destino: {ORG_A} · org {sandbox.org.id} · {sandbox.base_url}' in run.stderr
    assert f'token de: Ana Administradora <{ADMIN}>' in run.stderr
    summary = json.loads((run.run_dir / 'summary.json').read_text(encoding='utf-8'))
    assert summary['target'] == {
        'base_url': sandbox.base_url,
        'org_id': sandbox.org.id,
        'org_name': ORG_A,
        'org_explicit': False,
        'owner_id': sandbox.org.admin_id,
        'owner_email': ADMIN,
        'owner_name': 'Ana Administradora',
        'owner_org_id': sandbox.org.id,
    }
    assert summary['operator']['webex_user'] == ADMIN and summary['operator']['user']
    assert set(summary['versions']) == {'transformacion', 'wxc_sdk', 'python'}
    assert summary['input_dir'] == str(folder.resolve())
    assert summary['api_calls'] == len(journal)
    assert run.result['summary']['target'] == summary['target']
    store = Checkpoint(run.run_dir / 'checkpoint.sqlite')
    try:
        assert store.meta('target') == summary['target']
        assert store.sessions()[0].operator['webex_user'] == ADMIN
    finally:
        store.close()
    [line] = read_csv(run.run_dir / 'results_manual.csv')[1]
    assert (line['org_name'], line['org_id'], line['webex_user']) == (ORG_A, sandbox.org.id, ADMIN)


def test_a_dry_run_reads_its_target_too_and_writes_nothing(launch, sandbox, tmp_path):
    folder = write_folder(tmp_path / 'in', ubicaciones=[location('Norte')])

    run = launch('--input_dir', str(folder), '--actions', 'alta_ubicacion', '--dry-run')

    assert run.code == 0, run.stderr
    assert run.result['summary']['target']['org_name'] == ORG_A
    assert sandbox.writes() == []


def test_resuming_against_another_org_is_refused_showing_both_and_nothing_is_sent_there(
    launch, sandbox, other_org, tmp_path, monkeypatch
):
    stopped = stopped_run(launch, sandbox, tmp_path)
    monkeypatch.setenv('WEBEX_BASE_URL', other_org.base_url)
    monkeypatch.setenv('WEBEX_ACCESS_TOKEN', OTHER_TOKEN)

    for option in ('--resume', '--retry-failed'):
        refused = launch(option, str(stopped.run_dir))

        assert refused.code == 4, refused.stderr
        message = refused.result['result']['error']
        assert f'la ejecución {stopped.run_dir.name} está ligada a otro destino' in message
        assert f'URL base: la ejecución usa {sandbox.base_url}, ahora {other_org.base_url}' in message
        assert (
            f'organización: la ejecución usa {ORG_A} ({sandbox.org.id}), ahora {OTHER_ORG_NAME} ({OTHER_ORG_ID})'
            in message
        )
        assert f'organización del token: la ejecución usó un token de {sandbox.org.id}' in message
    assert other_org.writes() == []
    assert {entry['path'] for entry in other_org.journal()} == {'/v1/people/me', f'/v1/organizations/{OTHER_ORG_ID}'}
    store = Checkpoint(stopped.run_dir / 'checkpoint.sqlite')
    try:
        assert store.counts_by_status()['pending'] == 2
        assert [(s.kind, s.state) for s in store.sessions()] == [
            ('run', 'stopped'),
            ('resume', 'refused'),
            ('retry-failed', 'refused'),
        ]
    finally:
        store.close()

    monkeypatch.setenv('WEBEX_BASE_URL', sandbox.base_url)
    monkeypatch.setenv('WEBEX_ACCESS_TOKEN', TOKEN)
    finished = launch('--resume', stopped.result['result']['run_id'])
    assert finished.code == 0, finished.stderr
    assert sorted(w['request_body']['name'] for w in posts(sandbox, '/v1/locations')) == ['Este', 'Norte', 'Sur']


def test_resuming_against_the_same_org_at_another_base_url_is_refused(launch, sandbox, tmp_path, monkeypatch):
    stopped = stopped_run(launch, sandbox, tmp_path)
    with running_sandbox(token=TOKEN) as elsewhere:
        monkeypatch.setenv('WEBEX_BASE_URL', elsewhere.base_url)

        refused = launch('--resume', stopped.result['result']['run_id'])

        assert refused.code == 4
        assert f'URL base: la ejecución usa {sandbox.base_url}, ahora {elsewhere.base_url}' in refused.stderr
        assert 'organización:' not in refused.result['result']['error']
        assert elsewhere.writes() == []


def test_an_org_id_that_does_not_exist_or_is_out_of_reach_cannot_start(launch, sandbox, tmp_path):
    folder = write_folder(tmp_path / 'in', ubicaciones=[location('Norte')])

    run = launch('--input_dir', str(folder), '--actions', 'alta_ubicacion', '--org-id', OTHER_ORG_ID)

    assert run.code == 4
    assert f'la organización {OTHER_ORG_ID} no existe o el token de {ADMIN} no llega a ella' in run.stderr
    assert 'HTTP 404' in run.result['result']['error']
    assert sandbox.writes() == []
    assert not (tmp_path / 'logs' / 'runs').exists() or list((tmp_path / 'logs' / 'runs').iterdir()) == []


def test_the_tokens_own_org_out_of_reach_stops_the_run_after_the_org_checks_reads_and_leaves_no_run(
    launch, sandbox, tmp_path
):
    """With the token's own org, the org check's reads go at the same time as the org's (one latency less): a
    refused org still stops the run before any write, once those reads have ended, and leaves nothing."""
    sandbox.set_faults([{'kind': 'status', 'status': 403, 'path': '^/v1/organizations/'}])
    user = {'email': 'nadie@transformacion-demo.example.com', 'first_name': 'A', 'last_name': 'B'}
    folder = write_folder(tmp_path / 'in', usuarios=[{**user, 'location': 'Sede Central', 'extension': '3999'}])

    run = launch('--input_dir', str(folder), '--actions', 'alta_usuario')

    assert run.code == 4
    assert f'el token de {ADMIN} no llega a ella' in run.stderr and 'HTTP 403' in run.stderr
    assert '/v1/licenses' in {entry['path'] for entry in sandbox.journal()}, 'the check had started'
    assert sandbox.writes() == []
    assert list((tmp_path / 'logs' / 'runs').glob('*')) == []


def test_a_refused_token_cannot_start_and_leaves_no_run(launch, sandbox, tmp_path, monkeypatch):
    monkeypatch.setenv('WEBEX_ACCESS_TOKEN', 'token-caducado')
    folder = write_folder(tmp_path / 'in', ubicaciones=[location('Norte')])

    run = launch('--input_dir', str(folder), '--actions', 'alta_ubicacion')

    assert run.code == 4
    assert 'no se pudo leer el dueño del token (GET /people/me): HTTP 401 auth' in run.stderr
    assert 'token-caducado' not in run.stderr + json.dumps(run.result)
    assert sandbox.writes() == []
    assert list((tmp_path / 'logs' / 'runs').glob('*')) == []


def test_an_explicit_org_id_is_checked_recorded_and_kept_by_a_resume_without_it(launch, sandbox, tmp_path):
    sandbox.set_faults([{'kind': 'delay', 'delay_ms': 300, 'path': '^/v1/locations$', 'max_count': 1}])
    folder = write_folder(tmp_path / 'in', ubicaciones=[location('Norte'), location('Sur')])
    stopped = launch(
        '--input_dir',
        str(folder),
        '--actions',
        'alta_ubicacion',
        '--org-id',
        sandbox.org.id,
        '--job-timeout',
        '0.1',
        '--chunk-size',
        '1',
    )
    assert stopped.code == 5, stopped.stderr
    assert stopped.result['summary']['target']['org_explicit'] is True
    sandbox.set_faults([])
    mark = len(sandbox.journal())

    resumed = launch('--resume', 'last')

    assert resumed.code == 0, resumed.stderr
    assert resumed.run_dir == stopped.run_dir
    created = [w for w in sandbox.writes(mark) if w['path'] == '/v1/locations']
    assert [w['query'].get('orgId') for w in created] == [sandbox.org.id]


def test_changed_inputs_are_refused_showing_both_fingerprints(launch, sandbox, tmp_path):
    stopped = stopped_run(launch, sandbox, tmp_path)
    (tmp_path / 'in' / 'ubicaciones.csv').write_text('name\nOtra\n', encoding='utf-8')
    requests = len(sandbox.journal())

    refused = launch('--resume', stopped.result['result']['run_id'])

    assert refused.code == 4
    message = refused.result['result']['error']
    assert 'ubicaciones.csv ha cambiado desde que empezó la ejecución' in message
    assert 'huella registrada ' in message and ', actual ' in message
    assert len(sandbox.journal()) == requests


def test_the_bulk_runner_is_bound_and_stopped_the_same_way(launch, sandbox, tmp_path):
    sandbox.set_faults([{'kind': 'delay', 'delay_ms': 300, 'path': '^/v1/locations$', 'max_count': 1}])
    csv_file = write_folder(tmp_path / 'in', ubicaciones=[location('Norte'), location('Sur')]) / 'ubicaciones.csv'
    args = ('--action', 'alta_ubicacion', '--csv', str(csv_file), '--global', str(tmp_path / 'in' / 'global.csv'))
    stopped = launch(*args, '--job-timeout', '0.1', '--chunk-size', '1', main=bulk_runner.main)

    assert stopped.code == 5, stopped.stderr
    assert f'destino: {ORG_A} · org {sandbox.org.id}' in stopped.stderr
    command = stopped.result['summary']['resume_command']
    assert command == f'python -m transformacion.bulk_runner --resume {stopped.run_dir} --base-url {sandbox.base_url}'
    assert stopped.result['summary']['input_dir'] == str((tmp_path / 'in').resolve())
    sandbox.set_faults([])
    resumed = launch('--resume', str(stopped.run_dir), main=bulk_runner.main)
    assert resumed.code == 0, resumed.stderr
    assert resumed.result['summary']['by_status']['executed'] == 2
