"""``--apply PLAN`` of user creates resolves the org's people in bulk as the launcher's batch does (listed once per
phase instead of looked up row by row), so that applying a plan takes fewer calls per row than a hand-written loop
(3: look up, create, read back), without giving up the drift guard, the verify read, "never create twice" or the
dry-run promise."""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

from wxc_sdk.people import Person

from tests.launcher.test_launcher_bulk_people import calls, plenty_of_units, users
from tests.support.batches import write_folder
from tests.support.files import read_csv
from tests.support.org import people_with_email
from tests.support.runs import Run, read_events, wait_for

ROWS = 60


def _plan(launch, tmp_path: Path, rows: list[dict[str, str]]) -> Path:
    plan = tmp_path / 'plan.json'
    folder = write_folder(tmp_path / 'in', usuarios=rows)
    planned = launch('--input_dir', str(folder), '--actions', 'alta_usuario', '--dry-run', '--plan-out', str(plan))
    assert planned.code == 0, planned.stderr
    return plan


def _results(run: Run) -> dict[str, dict[str, str]]:
    return {line['key']: line for line in read_csv(Path(run.result['result']['results_file']))[1]}


def _summaries(run: Run) -> dict[int, dict]:
    """The payload of each pair's summary event in the JSONL evidence, by its row's index in the input (0, 1...)."""
    events = read_events(run.run_dir / 'alta_usuario.jsonl')
    return {int(e['action_id'].rsplit(':', 1)[1]) - 1: e['payload'] for e in events if e['event'] == 'summary'}


def _creates(journal: list[dict]) -> Counter[int]:
    """The answers to the person creates (POST /people) by status."""
    return Counter(e['status'] for e in journal if e['method'] == 'POST' and e['path'] == '/v1/people')


def _only_the_second_drifted(applied: Run, rows: list[dict[str, str]]) -> dict[str, dict]:
    """The apply ended with exit 3: its second row refused as drift, the others executed; its results by e-mail."""
    assert applied.code == 3, applied.stderr
    found = _results(applied)
    assert {row['email']: found[row['email']]['status'] for row in rows} == {
        rows[0]['email']: 'executed',
        rows[1]['email']: 'rejected',
        rows[2]['email']: 'executed',
    }
    assert found[rows[1]['email']]['category'] == 'drift'
    return found


def test_applying_a_plan_of_user_creates_takes_fewer_calls_per_row_than_a_loop_and_verifies_each(
    launch, sandbox, tmp_path
):
    plenty_of_units(sandbox)
    rows = users(ROWS)
    plan = _plan(launch, tmp_path, rows)
    seq = len(sandbox.journal())

    applied = launch('--apply', str(plan), '--yes', '--log-dir', str(tmp_path / 'apply'))

    assert applied.code == 0, applied.stderr
    assert applied.result['summary']['by_status']['executed'] == ROWS
    journal = sandbox.journal(seq)
    made = calls(journal)
    assert made['POST /people'] == ROWS
    assert made['GET /people {id}'] == ROWS, 'every create is read back'
    assert made['GET /people'] == 1, 'the org is listed once, not looked up per row'
    assert len(journal) / ROWS <= 2.1
    assert {summary['status'] for summary in _summaries(applied).values()} == {'executed'}
    assert len(_summaries(applied)) == ROWS
    for row in rows:
        [person] = people_with_email(sandbox, row['email'])
        assert person['extension'] == row['extension']


def test_a_person_to_create_that_exists_when_the_apply_lists_the_org_drifts_in_the_dry_run_and_the_apply(
    launch, sandbox, api, tmp_path
):
    plenty_of_units(sandbox)
    rows = users(3)
    plan = _plan(launch, tmp_path, rows)
    # another administrator creates the second person (without Webex Calling) after the plan was made
    api.people.create(Person(emails=[rows[1]['email']], display_name='Creada Por Otro', first_name='Otra'))

    dry = launch('--apply', str(plan), '--dry-run', '--log-dir', str(tmp_path / 'dry'))
    seq = len(sandbox.journal())
    applied = launch('--apply', str(plan), '--yes', '--log-dir', str(tmp_path / 'apply'))

    assert (dry.code, applied.code) == (3, 3), applied.stderr
    simulated, real = _results(dry), _results(applied)
    assert {row['email']: simulated[row['email']]['status'] for row in rows} == {
        rows[0]['email']: 'dry_run',
        rows[1]['email']: 'rejected',
        rows[2]['email']: 'dry_run',
    }
    assert {row['email']: real[row['email']]['status'] for row in rows} == {
        rows[0]['email']: 'executed',
        rows[1]['email']: 'rejected',
        rows[2]['email']: 'executed',
    }, 'the apply does what its dry run showed'
    assert simulated[rows[1]['email']]['category'] == real[rows[1]['email']]['category'] == 'drift'
    assert 'exists: esperado False, encontrado True' in real[rows[1]['email']]['message']
    assert (_summaries(applied)[1]['status'], _summaries(applied)[1]['category']) == ('rejected', 'drift')
    assert _creates(sandbox.journal(seq)) == {200: 2}, 'no create is sent for the person found by the list'
    [person] = people_with_email(sandbox, rows[1]['email'])
    assert person['display_name'] == 'Creada Por Otro' and not person.get('extension'), 'never overwritten'
    assert calls(sandbox.journal(seq))['GET /people'] == 1


def test_a_person_to_create_that_appears_after_the_apply_listed_the_org_drifts_at_the_create_conflict(
    launch, sandbox, api, tmp_path, monkeypatch
):
    monkeypatch.setenv('TRANSFORMACION_VISIBILITY_WAIT', '10')
    plenty_of_units(sandbox)
    rows = users(3)
    plan = _plan(launch, tmp_path, rows)
    # someone else creates the second person; list results show it only 5 s later, so the list the apply reads at
    # its start does not have it: the apply learns of it from the create's 409
    sandbox.configure(visibility_delay_ms=5000)
    api.people.create(Person(emails=[rows[1]['email']], display_name='Creada Por Otro', first_name='Otra'))
    seq = len(sandbox.journal())

    applied = launch('--apply', str(plan), '--yes', '--log-dir', str(tmp_path / 'apply'))

    _only_the_second_drifted(applied, rows)
    assert (_summaries(applied)[1]['status'], _summaries(applied)[1]['category']) == ('rejected', 'drift')
    journal = sandbox.journal(seq)
    assert calls(journal)['GET /people'] >= 2, 'the org listed once, then the person looked up after the 409'
    assert _creates(journal) == {200: 2, 409: 1}, 'one create per person, the 409 not replayed'
    [person] = people_with_email(sandbox, rows[1]['email'])
    assert person['display_name'] == 'Creada Por Otro' and not person.get('extension'), 'never overwritten'


def test_a_person_to_update_is_read_again_before_its_write_not_taken_from_the_list(launch, sandbox, api, tmp_path):
    """A plan's update of an existing person is guarded by the state it expects: the person is looked up just before
    the write, so that a change made after the apply listed the org (here: the person deleted while the list was on
    its way) is refused as drift instead of written over."""
    plenty_of_units(sandbox)
    rows = users(3)
    # the second person exists without Webex Calling: the plan assigns the license (an update)
    existing = api.people.create(Person(emails=[rows[1]['email']], display_name='Ya Existe', first_name='Ya'))
    plan = _plan(launch, tmp_path, rows)
    sandbox.set_faults(
        [{'kind': 'delay', 'method': 'GET', 'path': '^/v1/people$', 'when': 'after', 'delay_ms': 1500, 'max_count': 1}]
    )

    def delete_while_listed() -> None:
        wait_for(lambda: sandbox.faults()[0]['count'] >= 1, what="the apply's list of the org under way")
        api.people.delete_person(existing.person_id)

    deleter = threading.Thread(target=delete_while_listed)
    deleter.start()
    seq = len(sandbox.journal())
    applied = launch('--apply', str(plan), '--yes', '--log-dir', str(tmp_path / 'apply'))
    deleter.join()

    found = _only_the_second_drifted(applied, rows)
    assert 'exists: esperado True, encontrado False' in found[rows[1]['email']]['message']
    journal = sandbox.journal(seq)
    assert calls(journal)['GET /people'] == 2, 'the org listed once, and the person to update looked up'
    assert not [e for e in journal if e['method'] == 'PATCH'], 'no license assigned to the person deleted meanwhile'
    assert people_with_email(sandbox, rows[1]['email']) == []


def test_an_apply_continued_with_retry_failed_lists_the_org_again_and_creates_each_person_once(
    launch, sandbox, tmp_path, monkeypatch
):
    monkeypatch.setenv('TRANSFORMACION_MAX_WAIT', '0.05')
    plenty_of_units(sandbox)
    rows = users(3)
    plan = _plan(launch, tmp_path, rows)
    # Webex fails every person create for a while: the apply's pairs end in error, nothing created
    sandbox.set_faults([{'kind': 'status', 'status': 503, 'method': 'POST', 'path': '^/v1/people$'}])
    failed = launch('--apply', str(plan), '--yes', '--log-dir', str(tmp_path / 'apply'))
    assert failed.code == 3, failed.stderr
    assert failed.result['summary']['by_status']['error'] == 3
    assert all(people_with_email(sandbox, row['email']) == [] for row in rows)
    sandbox.set_faults([])
    seq = len(sandbox.journal())

    retried = launch('--retry-failed', failed.run_dir.name, '--yes', '--log-dir', str(tmp_path / 'apply'))

    assert retried.code == 0, retried.stderr
    assert retried.result['summary']['by_status']['executed'] == 3
    made = calls(sandbox.journal(seq))
    assert (made['GET /people'], made['POST /people'], made['GET /people {id}']) == (1, 3, 3)
    assert all(len(people_with_email(sandbox, row['email'])) == 1 for row in rows), 'each created once'
