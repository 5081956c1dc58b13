"""alta_usuario in a batch: the org's people are listed once instead of looked up row by row, so that creating users
in bulk takes fewer calls per row than a hand-written loop (3: look up, create, read back), without giving up the
verify read, the dry-run promise or "never create twice"."""

from collections import Counter
from pathlib import Path

import pytest
from wxc_sdk.people import Person

from tests.support.batches import GLOBAL, write_folder
from tests.support.files import read_csv
from tests.support.org import DOMAIN, ORG_ID, PROFESSIONAL, PROFESSIONAL_OLD, people_with_email, set_total_units
from tests.support.round_trips import reads_before_first_write
from transformacion.domain import resolve, resources

#: the sandbox's latency in the tests that count round trips (it only sets the pace of the journal's clock)
LATENCY_MS = 300


def users(count: int, first: int = 0) -> list[dict[str, str]]:
    return [
        {
            'email': f'bulk.user{i:03d}@{DOMAIN}',
            'first_name': 'Usuario',
            'last_name': f'Lote {i}',
            'location': 'Sede Central',
            'extension': str(3000 + i),
        }
        for i in range(first, first + count)
    ]


def calls(journal: list[dict]) -> Counter[str]:
    """Calls by kind: ``POST /people``, ``GET /people/{id}``, ``GET /people`` (a list or a look-up by e-mail)..."""

    def kind(entry: dict) -> str:
        parts = entry['path'].removeprefix('/v1').split('/')[1:]
        return ' '.join(
            [entry['method'], '/' + parts[0], *(['me' if parts[1] == 'me' else '{id}'] if parts[1:] else [])]
        )

    return Counter(kind(entry) for entry in journal)


def plenty_of_units(sandbox) -> None:
    """Units to spare in both subscriptions of the license (near exhaustion units are re-read on every row)."""
    for license_id in (PROFESSIONAL, PROFESSIONAL_OLD):
        set_total_units(sandbox, license_id, 1000)


def test_a_batch_creates_users_with_fewer_calls_per_row_than_a_loop_and_still_verifies_each(launch, sandbox, tmp_path):
    plenty_of_units(sandbox)
    rows = users(100)
    folder = write_folder(tmp_path / 'in', usuarios=rows)
    seq = sandbox.journal()[-1]['seq'] if sandbox.journal() else 0

    run = launch('--input_dir', str(folder), '--actions', 'alta_usuario')

    assert run.code == 0, run.stderr
    assert run.result['summary']['by_status']['executed'] == 100
    journal = sandbox.journal(seq)
    made = calls(journal)
    assert made['POST /people'] == 100
    assert made['GET /people {id}'] == 100, 'every create is read back'
    assert made['GET /people'] <= 2, 'the org is listed once, not looked up per row'
    assert len(journal) / len(rows) <= 2.1
    for row in rows[:3]:
        [person] = people_with_email(sandbox, row['email'])
        assert person['extension'] == row['extension']


def test_the_dry_run_of_a_batch_plans_what_the_real_run_applies(launch, sandbox, tmp_path):
    plenty_of_units(sandbox)
    folder = write_folder(tmp_path / 'in', usuarios=users(5))

    dry = launch('--input_dir', str(folder), '--actions', 'alta_usuario', '--dry-run')
    real = launch('--input_dir', str(folder), '--actions', 'alta_usuario')
    again = launch('--input_dir', str(folder), '--actions', 'alta_usuario')

    assert dry.result['summary']['by_status']['dry_run'] == 5
    assert real.result['summary']['by_status']['executed'] == 5
    assert again.result['summary']['by_status']['skipped'] == 5, 'a re-run lists the org and changes nothing'


def test_a_person_created_by_someone_else_after_the_batch_listed_the_org_is_converged_not_created_twice(
    launch, sandbox, api, tmp_path, monkeypatch
):
    monkeypatch.setenv('TRANSFORMACION_VISIBILITY_WAIT', '10')
    plenty_of_units(sandbox)
    rows = users(3)
    # someone else creates the second person (without Webex Calling); list results show it only 5 s later, so the
    # list the batch reads at its start does not have it: the batch learns of it from the create's 409
    sandbox.configure(visibility_delay_ms=5000)
    api.people.create(Person(emails=[rows[1]['email']], display_name='Creada Por Otro', first_name='Otra'))
    folder = write_folder(tmp_path / 'in', usuarios=rows, global_row=GLOBAL)
    seq = sandbox.journal()[-1]['seq']

    run = launch('--input_dir', str(folder), '--actions', 'alta_usuario')

    assert run.code == 0, run.stderr
    by_row = {r['key']: r for r in read_csv(Path(run.result['result']['results_file']))[1]}
    assert {by_row[row['email']]['status'] for row in rows} == {'executed'}
    assert 'asignar la licencia' in by_row[rows[1]['email']]['message']
    [person] = people_with_email(sandbox, rows[1]['email'])
    assert person['display_name'] == 'Creada Por Otro' and person['extension'] == rows[1]['extension']
    creates = [e for e in sandbox.journal(seq) if e['method'] == 'POST' and e['path'] == '/v1/people']
    assert Counter(e['status'] for e in creates) == {200: 2, 409: 1}, 'one create per person, the 409 not replayed'


def test_the_org_check_and_the_rows_share_one_reading_of_the_org(launch, sandbox, tmp_path):
    """The org check reads the org's licenses (with their units), its people and the location once, before the
    first write; the rows find them there: a batch's own reads are one of each, plus who runs it."""
    plenty_of_units(sandbox)
    folder = write_folder(tmp_path / 'in', usuarios=users(5))
    seq = len(sandbox.journal())

    run = launch('--input_dir', str(folder), '--actions', 'alta_usuario')

    assert run.code == 0, run.stderr
    made = calls(sandbox.journal(seq))
    assert made == {
        'GET /people me': 1,
        'GET /organizations {id}': 1,
        'GET /licenses': 1,  # with their units: no GET /licenses/{id} while plenty are left
        'GET /people': 1,
        'GET /locations': 1,
        'POST /telephony {id}': 1,  # the location's validateExtensions, every extension at once
        'POST /people': 5,
        'GET /people {id}': 5,  # every create read back
    }


@pytest.mark.parametrize('org', [(), ('--org-id', ORG_ID)], ids=['token org', 'org given'])
def test_a_batch_writes_after_three_round_trips_of_reads(launch, sandbox, tmp_path, org):
    """Who runs it (with a given org: and the org, at once); the org check's licenses, people and location at once
    (with the token's own org: and the org); its extension check; then the first row creates: the rows read
    nothing the check read."""
    plenty_of_units(sandbox)
    folder = write_folder(tmp_path / 'in', usuarios=users(5))
    seq = len(sandbox.journal())
    sandbox.configure(latency_ms=LATENCY_MS, jitter_ms=0)

    # a rate far above the batch's: the requests that go together are sent together, not paced while the run
    # learns the org's rate
    run = launch('--input_dir', str(folder), '--actions', 'alta_usuario', '--rate-limit', '1000', *org)

    assert run.code == 0, run.stderr
    assert reads_before_first_write(sandbox, seq, LATENCY_MS) == 3


def test_a_large_batchs_extension_checks_are_made_together_as_the_rate_allows(launch, sandbox, tmp_path, monkeypatch):
    """More validate requests than ``READS_AT_ONCE`` (here one extension per request: 40 for 40 rows, as a batch of
    4,000 extensions in one location makes): every check at the same time, paced only by the run's rate controller,
    so the first write still comes after three round trips of reads (16 at a time: five). A latency of a second:
    40 threads that start together on a loaded machine may send a few hundred ms apart."""
    latency_ms = 1000
    monkeypatch.setattr(resources, 'VALIDATE_BATCH', 1)
    plenty_of_units(sandbox)
    folder = write_folder(tmp_path / 'in', usuarios=users(40))
    seq = len(sandbox.journal())
    sandbox.configure(latency_ms=latency_ms, jitter_ms=0)

    run = launch('--input_dir', str(folder), '--actions', 'alta_usuario', '--rate-limit', '1000')

    assert run.code == 0, run.stderr
    checks = [entry for entry in sandbox.journal(seq) if entry['path'].endswith('/validateExtensions/invoke')]
    assert len(checks) == 40 > resolve.READS_AT_ONCE
    assert reads_before_first_write(sandbox, seq, latency_ms) == 3


def test_near_exhaustion_every_row_reads_its_licenses_units_again(launch, sandbox, api, tmp_path):
    """With few units left (``UNITS_RECOUNT_BELOW``) the org check's reading is not counted down: every row reads
    its license's units again before it takes one."""
    for license_id in (PROFESSIONAL, PROFESSIONAL_OLD):
        set_total_units(sandbox, license_id, api.licenses.details(license_id).consumed_units + 10)
    folder = write_folder(tmp_path / 'in', usuarios=users(3))
    seq = len(sandbox.journal())

    run = launch('--input_dir', str(folder), '--actions', 'alta_usuario')

    assert run.code == 0, run.stderr
    assert calls(sandbox.journal(seq))['GET /licenses {id}'] >= 3
