"""The client against the behaviours of real Webex the sandbox emulates (see transformacion/sandbox/FIDELITY.md):
list results that lag behind creates, derived work_extension entries, extension-only entries in the numbers list,
a write answered 2xx that changed nothing, an empty page with a next link, a partly applied person update."""

from __future__ import annotations

import pytest

from tests.support.org import DOMAIN, LUCIA_ID, people_with_email, writes_summary
from tests.support.runs import log_events

EMAIL = f'elena.navarro@{DOMAIN}'
ELENA = ['--email', EMAIL, '--first-name', 'Elena', '--last-name', 'Navarro', '--location', 'Sede Central',
         '--extension', '1010']  # fmt: skip
WORKSPACE = ['--name', 'Sala Nueva', '--location', 'Sede Central', '--extension', '1950']
RECEPCION = 'Recepción Sede Central'


@pytest.fixture
def lagging(sandbox, monkeypatch):
    """New people and workspaces show in list results 300 ms after their create; the client looks for 1 s."""
    sandbox.configure(visibility_delay_ms=300)
    monkeypatch.setenv('TRANSFORMACION_VISIBILITY_WAIT', '1')
    return sandbox


def posts(sandbox, path: str) -> list[dict]:
    return [entry for entry in sandbox.writes() if entry['method'] == 'POST' and entry['path'] == path]


# --------------------------------------------------------------------------- eventual consistency


@pytest.mark.parametrize('visibility_delay_ms', [0, 300])
def test_a_person_create_whose_answer_is_lost_is_found_by_polling_and_never_sent_twice(
    cli, sandbox, monkeypatch, visibility_delay_ms
):
    sandbox.configure(visibility_delay_ms=visibility_delay_ms)
    monkeypatch.setenv('TRANSFORMACION_VISIBILITY_WAIT', '1')
    sandbox.set_faults([{'kind': 'reset', 'when': 'after', 'path': '^/v1/people$', 'method': 'POST'}])

    run = cli('alta_usuario', *ELENA)

    assert run.status == 'executed', run.result
    assert len(posts(sandbox, '/v1/people')) == 1
    assert len(people_with_email(sandbox, EMAIL)) == 1
    [read_back] = [e['payload'] for e in log_events(run) if e['payload'].get('kind') == 'read_back_after_failed_create']
    assert read_back['found'] is True


def test_a_workspace_create_whose_answer_is_lost_is_found_by_polling_and_never_sent_twice(cli, lagging):
    lagging.set_faults([{'kind': 'reset', 'when': 'after', 'path': '^/v1/workspaces$', 'method': 'POST'}])

    run = cli('alta_workspace', *WORKSPACE)

    assert run.status == 'executed', run.result
    assert len(posts(lagging, '/v1/workspaces')) == 1
    assert [ws['display_name'] for ws in lagging.org.workspaces.values()].count('Sala Nueva') == 1


def test_a_rerun_before_the_new_person_is_listed_ends_with_the_one_person_not_a_refusal(cli, lagging):
    first = cli('alta_usuario', *ELENA)
    second = cli('alta_usuario', *ELENA)

    # the second run's create is answered 409: it converges the person found, already as asked
    assert (first.status, second.status) == ('executed', 'skipped'), second.result
    assert second.result['result']['create_error']['status'] == 409
    assert len(people_with_email(lagging, EMAIL)) == 1


def test_a_rerun_before_the_new_workspace_is_listed_takes_the_workspace_there(cli, lagging):
    first = cli('alta_workspace', *WORKSPACE)
    second = cli('alta_workspace', *WORKSPACE)

    assert (first.status, second.status) == ('executed', 'skipped'), second.result
    assert [status for _, path, status in writes_summary(lagging) if path == '/workspaces'] == [201]
    assert [ws['display_name'] for ws in lagging.org.workspaces.values()].count('Sala Nueva') == 1


def test_a_create_refused_without_leaving_anything_is_rejected_once_the_wait_is_spent(cli, lagging):
    args = list(ELENA)
    args[args.index('--extension') + 1] = '1001'

    run = cli('alta_usuario', *args)

    assert run.status == 'rejected'
    assert 'no creó nada' in run.result['summary']['message']
    reads = [e for e in lagging.journal() if e['method'] == 'GET' and e['path'] == '/v1/people']
    assert len(reads) >= 3, 'la ausencia se confirma con varias lecturas, no con una'


# --------------------------------------------------------------------------- work_extension


def test_an_extension_change_is_verified_when_the_read_back_carries_work_extension(cli, sandbox):
    run = cli('alta_usuario', '--email', f'lucia.martin@{DOMAIN}', '--first-name', 'Lucía', '--last-name', 'Martín',
              '--location', 'Sede Central', '--extension', '1011')  # fmt: skip

    assert run.status == 'executed', run.result
    assert run.result['result']['diff'] == {'extension': {'before': '1001', 'after': '1011'}}
    [put] = [e for e in sandbox.writes() if e['method'] == 'PUT']
    assert 'work_extension' not in [n['type'] for n in put['request_body'].get('phoneNumbers', [])]
    assert sandbox.org.people[LUCIA_ID]['extension'] == '1011'


# --------------------------------------------------------------------------- extension-only entries


def test_the_precheck_blocks_an_extension_held_by_a_user_without_a_number(cli, sandbox):
    created = cli('alta_usuario', '--email', f'solo.extension@{DOMAIN}', '--first-name', 'Solo', '--last-name',
                  'Extensión', '--location', 'Sede Central', '--extension', '4321')  # fmt: skip
    assert created.status == 'executed', created.result

    run = cli('precheck_workspace', '--workspace', RECEPCION, '--extension', '4321')

    assert run.status == 'executed'
    report = run.result['result']
    assert report['verdict'] == 'blocked'
    [conflict] = report['conflicts']
    assert (conflict['field'], conflict['value'], conflict['owner_type']) == ('extension', '4321', 'PEOPLE')


# --------------------------------------------------------------------------- answers that do not mean what they say


def test_a_license_change_answered_200_that_changed_nothing_is_an_error(cli, sandbox):
    sandbox.set_faults([{'kind': 'noop', 'path': '/licenses/users$', 'method': 'PATCH'}])

    run = cli('asignar_licencias_usuario', '--person', f'lucia.martin@{DOMAIN}', '--remove-licenses',
              'Meeting - Webex Meetings')  # fmt: skip

    assert (run.code, run.status) == (1, 'error'), run.result
    assert 'verificación' in run.result['summary']['message']
    assert [status for method, _, status in writes_summary(sandbox) if method == 'PATCH'] == [200]


def test_an_empty_page_with_a_next_link_does_not_hide_an_existing_person(cli, sandbox):
    sandbox.set_faults([{'kind': 'empty_page', 'path': '^/v1/people$', 'method': 'GET', 'max_count': 1}])

    run = cli('alta_usuario', '--email', f'lucia.martin@{DOMAIN}', '--first-name', 'Lucía', '--last-name', 'Martín',
              '--location', 'Sede Central', '--extension', '1001', '--phone-number', '+34910000001')  # fmt: skip

    assert run.status == 'skipped', run.result
    assert sandbox.faults()[0]['count'] == 1
    assert sandbox.writes() == []
