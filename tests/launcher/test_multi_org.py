"""Several customer orgs in one command (partners): each input is a run of its own in the org its variables file or
its global names (own run folder, checkpoint, evidence and report), one org's failure does not stop the others, one
combined summary says how each ended, the exit code is the worst, and each org's run continues on its own."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import pytest

from tests.support.batches import GLOBAL, finished_tasks, location, write_folder
from tests.support.org import JORGE, ORG_ID, OTHER_ORG_ID, OTHER_ORG_NAME, other_org_fixture
from tests.support.runs import TOKEN, Run, child_env, find_checkpoint, launcher_command, run_main, wait_for
from transformacion import bulk_runner, launcher_csv_dependencias, revertir
from transformacion.batch.orgs import org_inputs
from transformacion.sandbox import running_sandbox
from transformacion.sandbox.state.tokens import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_SERVICE_APP_ID

ORG_A_NAME = 'Transformacion Demo S.A.'
#: The admin token of the second customer's sandbox (a partner admin's, that asks for the Service App's tokens).
ADMIN_B = 'token-del-partner-en-la-org-b-8e2c4a6f0d1b3c5e7a9f'
WRONG_SECRET = 'secreto-equivocado-de-la-app-3f5a7c9e1b2d4f6a'


@pytest.fixture
def partner(tmp_path, monkeypatch, capsys):
    """A partner's command line from ``tmp_path`` (no shared .env, no Webex variable in the environment), logs in
    tmp_path/logs, the token cache in tmp_path/cache: ``partner(*args, main=...) -> Run``."""
    for name in ('WEBEX_ACCESS_TOKEN', 'WEBEX_BASE_URL', 'WEBEX_ORG_ID', 'WEBEX_CLIENT_ID', 'WEBEX_CLIENT_SECRET'):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv('WEBEX_REFRESH_TOKEN', raising=False)
    monkeypatch.delenv('WEBEX_SERVICE_APP_ID', raising=False)
    monkeypatch.setenv('TRANSFORMACION_LOG_DIR', str(tmp_path / 'logs'))
    monkeypatch.setenv('TRANSFORMACION_TOKEN_CACHE', str(tmp_path / 'cache'))
    monkeypatch.setenv('TRANSFORMACION_MAX_ATTEMPTS', '2')
    monkeypatch.chdir(tmp_path)

    def run(*args: str, main=launcher_csv_dependencias.main) -> Run:
        return run_main(main, args, capsys)

    return run


@pytest.fixture
def org_b():
    """The second customer's org, in a sandbox of its own (a sandbox serves one org)."""
    with running_sandbox(token=ADMIN_B, fixture=other_org_fixture()) as sandbox:
        yield sandbox


def env_file(path: Path, **variables: str) -> Path:
    path.write_text(''.join(f'{name}={value}\n' for name, value in variables.items()), encoding='utf-8')
    return path


def customer_a(tmp_path: Path, sandbox, *names: str) -> Path:
    """Customer A's folder: its locations and a .env with its admin's static token."""
    folder = write_folder(tmp_path / 'clientes' / 'a', ubicaciones=[location(name) for name in names or ('Norte',)])
    env_file(folder / '.env', WEBEX_BASE_URL=sandbox.base_url, WEBEX_ACCESS_TOKEN=TOKEN)
    return folder


def customer_b(tmp_path: Path, org_b, *, client_secret: str = DEFAULT_CLIENT_SECRET) -> Path:
    """Customer B's folder: its location and a .env with the partner's Service App authorized in org B."""
    folder = write_folder(tmp_path / 'clientes' / 'b', ubicaciones=[location('Sur')])
    env_file(
        folder / '.env',
        WEBEX_BASE_URL=org_b.base_url,
        WEBEX_ACCESS_TOKEN=ADMIN_B,
        WEBEX_SERVICE_APP_ID=DEFAULT_SERVICE_APP_ID,
        WEBEX_CLIENT_ID=DEFAULT_CLIENT_ID,
        WEBEX_CLIENT_SECRET=client_secret,
        WEBEX_ORG_ID=OTHER_ORG_ID,
    )
    return folder


def locations(sandbox) -> set[str]:
    return {record['name'] for record in sandbox.org.locations.values()}


def orgs_of(run: Run) -> dict[str, dict]:
    """The combined summary's entries by input folder name."""
    return {Path(entry['input']).name: entry for entry in run.result['result']['orgs']}


def evidence_text(run_dir: str) -> str:
    return ''.join(path.read_text(encoding='utf-8') for path in Path(run_dir).glob('*.jsonl'))


def test_two_orgs_run_as_two_runs_each_in_its_own_org_with_one_combined_summary(partner, sandbox, org_b, tmp_path):
    a, b = customer_a(tmp_path, sandbox), customer_b(tmp_path, org_b)
    before_a, before_b = locations(sandbox), locations(org_b)

    run = partner('--input_dir', str(a), '--input_dir', str(b), '--actions', 'alta_ubicacion')

    assert (run.code, run.status) == (0, 'executed'), run.stderr
    assert locations(sandbox) - before_a == {'Norte'} and locations(org_b) - before_b == {'Sur'}
    entries = orgs_of(run)
    assert {name: (e['org_id'], e['org_name'], e['status'], e['exit_code']) for name, e in entries.items()} == {
        'a': (ORG_ID, ORG_A_NAME, 'executed', 0),
        'b': (OTHER_ORG_ID, OTHER_ORG_NAME, 'executed', 0),
    }
    assert run.summary['by_org_status'] == {'executed': 2}
    assert run.summary['by_status']['executed'] == 2
    run_dirs = [Path(entry['run_dir']) for entry in entries.values()]
    assert len(set(run_dirs)) == 2
    for entry in entries.values():
        folder = Path(entry['run_dir'])
        assert (folder / 'checkpoint.sqlite').is_file() and (folder / 'alta_ubicacion.jsonl').is_file()
        summary = json.loads((folder / 'summary.json').read_text(encoding='utf-8'))
        assert summary['target']['org_id'] == entry['org_id']
        assert summary['env_file'] == entry['env_file']
        own = json.loads((folder / 'result.json').read_text(encoding='utf-8'))
        assert (own['status'], own['result']['run_id']) == ('executed', entry['run_id'])
    assert f'fichero de variables: {a / ".env"} (WEBEX_ACCESS_TOKEN, WEBEX_BASE_URL)' in run.stderr
    combined = Path(run.result['result']['combined_file'])
    assert json.loads(combined.read_text(encoding='utf-8')) == run.result
    assert combined.parent == tmp_path / 'logs' / 'orgs'
    # org B acted as the partner's Service App, in org B: its writes carried the app's token, never the admin's
    token_requests = [e for e in org_b.journal() if e['path'] == f'/v1/applications/{DEFAULT_SERVICE_APP_ID}/token']
    assert [e['status'] for e in token_requests] == [200]
    assert 'Organizaciones: 2 · bien: 2' in run.stderr
    everything = run.stderr + json.dumps(run.result) + ''.join(evidence_text(e['run_dir']) for e in entries.values())
    secrets = (TOKEN, ADMIN_B, DEFAULT_CLIENT_SECRET, *org_b.tokens.issued_tokens())
    assert [secret for secret in secrets if secret in everything] == []


def test_an_org_whose_service_app_token_is_refused_does_not_stop_the_other(partner, sandbox, org_b, tmp_path):
    b = customer_b(tmp_path, org_b, client_secret=WRONG_SECRET)
    a = customer_a(tmp_path, sandbox)
    before_a = locations(sandbox)

    run = partner('--input_dir', str(b), '--input_dir', str(a), '--actions', 'alta_ubicacion')

    assert run.code == 4, run.stderr  # the worst: an org that could not start
    entries = orgs_of(run)
    assert (entries['a']['status'], entries['a']['exit_code']) == ('executed', 0)
    assert locations(sandbox) - before_a == {'Norte'}
    refused = entries['b']
    assert (refused['status'], refused['exit_code'], refused['state'], refused['run_id']) == (
        'rejected',
        4,
        'not_started',
        None,
    )
    assert 'Webex rechazó emitir los tokens de la Service App' in refused['message']
    assert run.status == 'rejected'
    assert 'b' in run.summary['message'] and 'con fallos o sin empezar: 1' in run.stderr
    assert [e['method'] for e in org_b.journal()] == ['POST']  # the refused token request, nothing else
    assert len(list((tmp_path / 'logs' / 'runs').iterdir())) == 1  # no run folder for the org that did not start
    assert WRONG_SECRET not in run.stderr + json.dumps(run.result)


def test_a_partner_token_acts_in_the_org_each_global_names(partner, sandbox, tmp_path, monkeypatch):
    monkeypatch.setenv('WEBEX_BASE_URL', sandbox.base_url)
    monkeypatch.setenv('WEBEX_ACCESS_TOKEN', TOKEN)
    ours = write_folder(tmp_path / 'nuestra', global_row={**GLOBAL, 'org_id': ORG_ID}, ubicaciones=[location('Norte')])
    unreachable = write_folder(
        tmp_path / 'ajena', global_row={**GLOBAL, 'org_id': OTHER_ORG_ID}, ubicaciones=[location('Sur')]
    )

    run = partner('--input_dir', str(unreachable), '--input_dir', str(ours), '--actions', 'alta_ubicacion')

    assert run.code == 4, run.stderr
    entries = orgs_of(run)
    assert (entries['nuestra']['status'], entries['nuestra']['org_id']) == ('executed', ORG_ID)
    assert (entries['ajena']['exit_code'], entries['ajena']['org_id']) == (4, OTHER_ORG_ID)
    writes = [e for e in sandbox.journal() if e['method'] == 'POST']
    assert writes and {e['query'].get('orgId') for e in writes} == {ORG_ID}
    assert 'Sur' not in locations(sandbox)


def test_an_input_that_names_no_org_is_refused_and_the_others_run(partner, sandbox, tmp_path, monkeypatch):
    monkeypatch.setenv('WEBEX_BASE_URL', sandbox.base_url)
    monkeypatch.setenv('WEBEX_ACCESS_TOKEN', TOKEN)
    monkeypatch.setenv('WEBEX_ORG_ID', ORG_ID)  # the shared one does not count for an org
    named = write_folder(tmp_path / 'con_org', global_row={**GLOBAL, 'org_id': ORG_ID}, ubicaciones=[location('N')])
    anonymous = write_folder(tmp_path / 'sin_org', ubicaciones=[location('S')])

    run = partner('--input_dir', str(named), '--input_dir', str(anonymous), '--actions', 'alta_ubicacion')

    assert run.code == 4
    entries = orgs_of(run)
    assert entries['con_org']['status'] == 'executed'
    assert 'no dice en qué organización actuar' in entries['sin_org']['message']
    assert 'S' not in locations(sandbox)


def test_each_org_run_continues_on_its_own(partner, sandbox, org_b, tmp_path):
    a, b = customer_a(tmp_path, sandbox, 'Norte', 'Centro', 'Este'), customer_b(tmp_path, org_b)
    sandbox.set_faults([{'kind': 'delay', 'delay_ms': 3000, 'path': '^/v1/locations$', 'max_count': 1}])
    options = ('--actions', 'alta_ubicacion', '--chunk-size', '1', '--job-timeout', '2')

    first = partner('--input_dir', str(a), '--input_dir', str(b), *options)

    assert first.code == 5, first.stderr  # org A stopped by its job timeout: the worst
    entries = orgs_of(first)
    assert (entries['a']['state'], entries['b']['state']) == ('stopped', 'completed')
    resume = entries['a']['resume_command']
    assert f'--env-file {a / ".env"}' in resume
    sandbox.set_faults([])
    b_requests = len(org_b.journal())

    again = partner('--resume', entries['a']['run_id'])  # the run's own variables file, found in its checkpoint

    assert (again.code, again.status) == (0, 'executed'), again.stderr
    assert again.result['result']['run_id'] == entries['a']['run_id']  # one org's own result object
    assert {'Norte', 'Centro', 'Este'} <= locations(sandbox)
    assert len(org_b.journal()) == b_requests
    explicit = partner(*resume.split()[3:])
    assert (explicit.code, explicit.result['result']['run_id']) == (0, entries['a']['run_id']), explicit.stderr


def test_the_bulk_runner_takes_one_csv_per_org(partner, sandbox, org_b, tmp_path):
    a, b = customer_a(tmp_path, sandbox), customer_b(tmp_path, org_b)

    run = partner(
        '--action',
        'alta_ubicacion',
        '--csv',
        str(a / 'ubicaciones.csv'),
        '--global',
        str(a / 'global.csv'),
        '--csv',
        str(b / 'ubicaciones.csv'),
        '--global',
        str(b / 'global.csv'),
        main=bulk_runner.main,
    )

    assert (run.code, run.status) == (0, 'executed'), run.stderr
    assert [entry['org_id'] for entry in run.result['result']['orgs']] == [ORG_ID, OTHER_ORG_ID]
    assert 'Sur' in locations(org_b) and 'Norte' in locations(sandbox)


def test_several_inputs_refuse_a_single_org_id(partner, tmp_path):
    run = partner('--input_dir', str(tmp_path), '--input_dir', str(tmp_path), '--org-id', ORG_ID)

    assert run.code == 4
    assert '--org-id no se usa con varias organizaciones' in run.result['summary']['message']


def test_one_input_whose_global_names_its_org_runs_there_not_in_the_tokens_own(partner, sandbox, tmp_path, monkeypatch):
    monkeypatch.setenv('WEBEX_BASE_URL', sandbox.base_url)
    monkeypatch.setenv('WEBEX_ACCESS_TOKEN', TOKEN)
    elsewhere = write_folder(
        tmp_path / 'ajena', global_row={**GLOBAL, 'org_id': OTHER_ORG_ID}, ubicaciones=[location('S')]
    )
    ours = write_folder(tmp_path / 'nuestra', global_row={**GLOBAL, 'org_id': ORG_ID}, ubicaciones=[location('N')])

    refused = partner('--input_dir', str(elsewhere), '--actions', 'alta_ubicacion')
    done = partner('--input_dir', str(ours), '--actions', 'alta_ubicacion')

    assert (refused.code, refused.status) == (4, 'rejected')  # a run of its own: the one-run result object
    assert OTHER_ORG_ID in refused.summary['message'] and 'S' not in locations(sandbox)
    assert (done.code, done.status, done.summary['target']['org_id']) == (0, 'executed', ORG_ID)
    writes = [e for e in sandbox.journal() if e['method'] == 'POST']
    assert writes and {e['query'].get('orgId') for e in writes} == {ORG_ID}


def test_a_global_org_id_other_than_the_runs_org_refuses_the_batch(partner, sandbox, tmp_path, monkeypatch):
    monkeypatch.setenv('WEBEX_BASE_URL', sandbox.base_url)
    monkeypatch.setenv('WEBEX_ACCESS_TOKEN', TOKEN)
    folder = write_folder(tmp_path / 'in', global_row={**GLOBAL, 'org_id': OTHER_ORG_ID}, ubicaciones=[location('S')])

    run = partner('--input_dir', str(folder), '--actions', 'alta_ubicacion', '--org-id', ORG_ID)

    assert (run.code, run.status) == (2, 'rejected')
    assert any('org_id' in problem for problem in run.result['result']['problems'])
    assert [e for e in sandbox.journal() if e['method'] != 'GET'] == []


def test_a_combined_resume_continues_every_stopped_org_and_starts_those_that_did_not(partner, sandbox, org_b, tmp_path):
    a = customer_a(tmp_path, sandbox, 'Norte', 'Centro', 'Este')
    b = customer_b(tmp_path, org_b, client_secret=WRONG_SECRET)
    sandbox.set_faults([{'kind': 'delay', 'delay_ms': 3000, 'path': '^/v1/locations$', 'max_count': 1}])
    options = ('--actions', 'alta_ubicacion', '--chunk-size', '1', '--job-timeout', '2')
    halted = partner('--input_dir', str(a), '--input_dir', str(b), *options)
    sandbox.set_faults([])
    assert halted.code == 4 and orgs_of(halted)['a']['state'] == 'stopped', halted.stderr
    orgs_id = halted.result['result']['orgs_id']
    assert halted.summary['resume_command'].endswith(f'--resume {halted.result["result"]["combined_file"]}')

    still_refused = partner('--resume', orgs_id)

    assert still_refused.code == 4, still_refused.stderr  # B's credential is still refused
    entries = orgs_of(still_refused)
    assert (entries['a']['state'], entries['a']['run_id']) == ('completed', orgs_of(halted)['a']['run_id'])
    assert {'Norte', 'Centro', 'Este'} <= locations(sandbox)
    assert 'Webex rechazó emitir' in entries['b']['message'] and entries['b']['run_id'] is None

    customer_b(tmp_path, org_b)  # the partner fixes B's client secret
    fixed = partner('--resume', still_refused.result['result']['orgs_id'])

    assert (fixed.code, fixed.status) == (0, 'executed'), fixed.stderr
    entries = orgs_of(fixed)
    assert entries['b']['state'] == 'completed' and 'Sur' in locations(org_b)
    assert entries['a']['run_id'] == orgs_of(halted)['a']['run_id']  # A's run, continued again: nothing left
    assert fixed.summary['resume_command'] is None


def test_a_stop_ends_the_org_in_progress_cleanly_starts_no_other_and_the_combined_resume_does(sandbox, tmp_path):
    sandbox.configure(latency_ms=50)
    in_org = {**GLOBAL, 'org_id': ORG_ID}
    first = write_folder(
        tmp_path / 'primera', global_row=in_org, ubicaciones=[location(f'Sede {i}') for i in range(10)]
    )
    second = write_folder(tmp_path / 'segunda', global_row=in_org, ubicaciones=[location('Otra')])
    process = subprocess.Popen(
        launcher_command(
            '--input_dir', str(first), '--input_dir', str(second), '--actions', 'alta_ubicacion',
            '--log-dir', str(tmp_path / 'logs'), '--concurrency', '2', '--chunk-size', '4',
        ),
        env=child_env(WEBEX_ACCESS_TOKEN=TOKEN, WEBEX_BASE_URL=sandbox.base_url),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    checkpoint = wait_for(lambda: find_checkpoint(tmp_path / 'logs'), what='the first org run')
    wait_for(lambda: finished_tasks(checkpoint) >= 3)

    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=120)

    assert process.returncode == 5, err
    entries = {Path(entry['input']).name: entry for entry in json.loads(out)['result']['orgs']}
    assert (entries['primera']['state'], entries['primera']['exit_code']) == ('stopped', 5)
    assert (entries['segunda']['run_id'], entries['segunda']['exit_code']) == (None, 5)
    assert 'la orden se detuvo antes' in entries['segunda']['message']
    assert 'Otra' not in locations(sandbox)
    assert len(list((tmp_path / 'logs' / 'runs').iterdir())) == 1

    resumed = subprocess.run(
        launcher_command('--resume', json.loads(out)['result']['orgs_id'], '--log-dir', str(tmp_path / 'logs')),
        env=child_env(WEBEX_ACCESS_TOKEN=TOKEN, WEBEX_BASE_URL=sandbox.base_url),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert resumed.returncode == 0, resumed.stderr
    after = {Path(entry['input']).name: entry for entry in json.loads(resumed.stdout)['result']['orgs']}
    assert (after['primera']['run_id'], after['primera']['state']) == (entries['primera']['run_id'], 'completed')
    assert after['segunda']['state'] == 'completed'
    assert {f'Sede {i}' for i in range(10)} | {'Otra'} <= locations(sandbox)


def test_each_input_finds_its_own_variables_file_never_the_shared_one(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    # the command loads the shared .env into the environment: a copy of it, so that nothing outlives the test
    monkeypatch.setattr(os, 'environ', {k: v for k, v in os.environ.items() if not k.startswith('WEBEX_')})
    env_file(tmp_path / '.env', WEBEX_BASE_URL='http://127.0.0.1:9/v1')
    folder = tmp_path / 'acme'
    folder.mkdir()
    env_file(folder / '.env', WEBEX_ORG_ID=ORG_ID)
    workbook, csv = tmp_path / 'globex.xlsx', tmp_path / 'initech' / 'usuarios.csv'
    csv.parent.mkdir()
    env_file(tmp_path / 'globex.env', WEBEX_ORG_ID=OTHER_ORG_ID)
    env_file(csv.parent / '.env', WEBEX_ORG_ID=OTHER_ORG_ID)
    bare = tmp_path / 'sin_fichero.xlsx'

    found = org_inputs([str(folder), str(workbook), str(csv), str(bare)], None)

    assert [item.env_file for item in found] == [
        str(folder / '.env'),
        str(tmp_path / 'globex.env'),
        str(csv.parent / '.env'),
        None,  # the .env beside it is the shared one
    ]
    assert [item.env_file for item in org_inputs([str(folder)], None)] == [str(folder / '.env')]  # one input too


def test_variables_files_pair_with_the_inputs_or_the_command_does_not_start(partner, tmp_path):
    run = partner('--input_dir', str(tmp_path), '--input_dir', str(tmp_path), '--env-file', str(tmp_path / 'a.env'))

    assert run.code == 4
    assert '--env-file: indique uno por entrada (2)' in run.summary['message']


# --------------------------------------------------------------------------- one input: the same rule as several


def test_one_folder_acts_where_its_variables_file_says_and_the_run_says_which_file(
    partner, sandbox, tmp_path, monkeypatch
):
    monkeypatch.setenv('WEBEX_BASE_URL', sandbox.base_url)
    monkeypatch.setenv('WEBEX_ACCESS_TOKEN', TOKEN)  # the token's own org is ORG_ID
    acme = write_folder(tmp_path / 'cli' / 'acme', ubicaciones=[location('Acme')])
    env_file(acme / '.env', WEBEX_ORG_ID=OTHER_ORG_ID)

    run = partner('--input_dir', str(acme), '--actions', 'alta_ubicacion', '--dry-run')

    # its org, not the token's own: out of this token's reach, so it does not start (before, a dry-run in ORG_ID)
    assert (run.code, run.status) == (4, 'rejected'), run.stderr
    assert OTHER_ORG_ID in run.summary['message'] and 'orgs' not in run.result['result']  # the one-run object
    assert f'fichero de variables: {acme / ".env"} (WEBEX_ORG_ID)' in run.stderr
    assert [e for e in sandbox.journal() if e['method'] != 'GET'] == []


def test_one_folder_or_csv_takes_its_credential_from_its_variables_file(partner, sandbox, tmp_path):
    globex = customer_a(tmp_path, sandbox)  # no token in the environment: only in its .env

    run = partner('--input_dir', str(globex), '--actions', 'alta_ubicacion', '--dry-run')
    csv, global_csv = str(globex / 'ubicaciones.csv'), str(globex / 'global.csv')
    bulk = partner(
        '--action', 'alta_ubicacion', '--csv', csv, '--global', global_csv, '--dry-run', main=bulk_runner.main
    )

    for done in (run, bulk):
        assert (done.code, done.status) == (0, 'dry_run'), done.stderr  # before: "falta el token"
        assert done.result['result']['run_id'] == done.run_dir.name  # the one-run result object
        summary = json.loads((done.run_dir / 'summary.json').read_text(encoding='utf-8'))
        assert (summary['env_file'], summary['target']['org_id']) == (str(globex / '.env'), ORG_ID)
        assert done.stderr.count(f'fichero de variables: {globex / ".env"}') == 1
        assert TOKEN not in done.stderr + json.dumps(done.result)


def test_sandbox_says_it_does_not_use_the_variables_file_found_beside_the_input(partner, tmp_path):
    acme = write_folder(tmp_path / 'acme', ubicaciones=[location('Acme')])
    env_file(acme / '.env', WEBEX_ORG_ID=OTHER_ORG_ID)

    run = partner('--input_dir', str(acme), '--actions', 'alta_ubicacion', '--dry-run', '--sandbox')
    explicit = partner('--input_dir', str(acme), '--env-file', str(acme / '.env'), '--sandbox')

    assert (run.code, run.status, run.summary['target']['org_id']) == (0, 'dry_run', ORG_ID), run.stderr
    assert f'--sandbox: no se usa {acme / ".env"}' in run.stderr
    assert json.loads((run.run_dir / 'summary.json').read_text(encoding='utf-8'))['env_file'] is None
    assert explicit.code == 4 and '--sandbox es una sola organización' in explicit.summary['message']


def test_a_plan_of_one_folder_is_saved_and_applied_with_its_variables_file(partner, sandbox, tmp_path):
    acme = customer_a(tmp_path, sandbox, 'Acme Plan')  # its credential only in its .env
    plan = tmp_path / 'cambio.json'

    planned = partner('--input_dir', str(acme), '--actions', 'alta_ubicacion', '--dry-run', '--plan-out', str(plan))
    mixed = partner('--apply', str(plan), '--input_dir', str(acme))
    applied = partner('--apply', str(plan))  # the dry-run's variables file, found in its checkpoint

    assert (planned.code, planned.result['result']['plan_out']) == (0, str(plan)), planned.stderr
    assert mixed.code == 4 and 'quite --input_dir' in mixed.summary['message']
    assert (applied.code, applied.status) == (0, 'executed'), applied.stderr
    assert f'fichero de variables: {acme / ".env"}' in applied.stderr
    assert 'Acme Plan' in locations(sandbox)


def test_an_applied_plan_is_continued_with_the_variables_file_of_its_dry_run(partner, sandbox, tmp_path):
    acme = customer_a(tmp_path, sandbox, 'Acme Sigue')  # its credential only in its .env
    plan = tmp_path / 'cambio.json'
    partner('--input_dir', str(acme), '--actions', 'alta_ubicacion', '--dry-run', '--plan-out', str(plan))
    applied = partner('--apply', str(plan))

    again = partner('--retry-failed', applied.result['result']['run_id'])  # the apply run records no file itself

    assert (again.code, again.run_dir) == (0, applied.run_dir), again.stderr  # before: "falta el token"
    assert f'fichero de variables: {acme / ".env"}' in again.stderr


def test_a_run_made_with_a_variables_file_is_reverted_with_it(partner, sandbox, tmp_path):
    acme = customer_a(tmp_path, sandbox)  # its credential only in its .env
    write_folder(acme, usuarios=[{'email': JORGE, 'forward_busy': '1001'}])
    jorge = next(key for key, person in sandbox.org.people.items() if JORGE in person['emails'])
    done = partner('--input_dir', str(acme), '--actions', 'configurar_desvio_usuario')
    busy = sandbox.org.call_forwarding.get(jorge)['call_forwarding']['busy']
    written = dict(busy)

    reverted = partner(done.result['result']['run_id'], main=revertir.main)

    assert (done.code, reverted.code, reverted.status) == (0, 0, 'executed'), reverted.stderr  # before: no token
    assert f'fichero de variables: {acme / ".env"}' in reverted.stderr
    assert (written['enabled'], written['destination']) == (True, '1001')
    assert sandbox.org.call_forwarding.get(jorge)['call_forwarding']['busy']['enabled'] is False
