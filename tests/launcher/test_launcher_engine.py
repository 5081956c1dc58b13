"""The bulk runner end to end through the real wxc_sdk against the sandbox: order, dependencies, failures, pacing."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime

from tests.support.batches import (
    FAST,
    checkpoint_task,
    location,
    location_names,
    posts,
    read_results,
    statuses,
    write_folder,
)

ALL = ('alta_ubicacion', 'demo_crear_workspace', 'demo_ajustar_workspace')


def when(entry) -> float:
    return datetime.fromisoformat(entry['ts'].replace('Z', '+00:00')).timestamp()


def test_locations_first_then_workspaces_and_each_workspace_before_its_settings(runner, sandbox, tmp_path):
    folder = write_folder(
        tmp_path / 'in',
        ubicaciones=[location('Norte'), location('Sur')],
        workspaces=[
            {'name': 'Sala 1', 'location': 'Norte', 'capacity': '4'},
            {'name': 'Sala 2', 'location': 'Sur', 'capacity': ''},
            {'name': 'Sala 3', 'location': 'norte', 'capacity': '8'},
        ],
    )
    report = runner.start(
        folder, ('demo_ajustar_workspace', 'demo_crear_workspace', 'alta_ubicacion'), runner.settings(concurrency=1)
    )

    assert report.exit_code == 0, report.summary
    assert report.summary['actions'] == ['demo_ajustar_workspace', 'demo_crear_workspace', 'alta_ubicacion']
    writes = sandbox.writes()
    location_posts = [i for i, w in enumerate(writes) if w['path'] == '/v1/locations']
    workspace_posts = {w['created_id']: i for i, w in enumerate(writes) if w['path'] == '/v1/workspaces'}
    updates = {w['path'].rsplit('/', 1)[1]: i for i, w in enumerate(writes) if w['method'] == 'PUT'}
    assert len(location_posts) == 2 and len(workspace_posts) == 3 and len(updates) == 2
    assert max(location_posts) < min(workspace_posts.values())
    assert all(workspace_posts[workspace] < position for workspace, position in updates.items())
    first_workspace = next(e['seq'] for e in sandbox.journal() if e['path'] == '/v1/workspaces')
    lookups = [e for e in sandbox.journal(first_workspace - 2) if e['path'] == '/v1/locations']
    assert [e['query'].get('name') for e in lookups].count('Norte') == 1, 'Norte is resolved once per run'
    assert statuses(report)[('workspaces', '2', 'demo_ajustar_workspace')] == 'skipped'
    assert report.summary['by_status']['executed'] == 7
    assert report.summary['total'] == 2 * 1 + 3 * 2 == len(read_results(report))


def test_a_failed_prerequisite_skips_its_dependants_and_the_batch_goes_on(runner, sandbox, tmp_path):
    folder = write_folder(
        tmp_path / 'in',
        ubicaciones=[location('Marte', time_zone='Asia/Tokyo'), location('Tierra')],
        workspaces=[
            {'name': 'Cupula', 'location': 'Marte', 'capacity': '2'},
            {'name': 'Sala', 'location': 'Tierra', 'capacity': '3'},
        ],
    )
    report = runner.start(folder, ALL)

    assert report.exit_code == 3
    results = {(r['dataset'], r['row'], r['action']): r for r in read_results(report)}
    assert results[('ubicaciones', '1', 'alta_ubicacion')]['status'] == 'error'
    blocked = results[('workspaces', '1', 'demo_crear_workspace')]
    assert blocked['status'] == 'skipped'
    assert blocked['message'].startswith('requisito no cumplido: alta_ubicacion de ubicaciones fila 1 terminó en error')
    assert blocked['attempts'] == '0'
    chained = results[('workspaces', '1', 'demo_ajustar_workspace')]
    assert chained['status'] == 'skipped'
    assert chained['message'].startswith(
        'requisito no cumplido: demo_crear_workspace de workspaces fila 1 terminó en skipped'
    )
    assert results[('workspaces', '2', 'demo_ajustar_workspace')]['status'] == 'executed'
    assert location_names(sandbox) == ['Sede Central', 'Tierra', 'Valencia Puerto']
    assert [w['request_body']['displayName'] for w in posts(sandbox, '/v1/workspaces')] == ['Sala']
    assert checkpoint_task(report, 'workspaces', 1, 'demo_crear_workspace').blocked_by == 'alta_ubicacion:ubicaciones:1'


def found_message(report, action):
    return next(r['message'] for r in read_results(report) if r['action'] == action)


def test_dry_run_plans_the_whole_batch_with_zero_writes(runner, sandbox, tmp_path):
    folder = write_folder(
        tmp_path / 'in',
        ubicaciones=[location('Norte')],
        workspaces=[{'name': 'Sala 1', 'location': 'Norte', 'capacity': '4'}],
    )
    report = runner.start(folder, ALL, dry_run=True)

    assert report.exit_code == 0
    assert sandbox.writes() == []
    found = statuses(report)
    assert found[('ubicaciones', '1', 'alta_ubicacion')] == 'dry_run'
    for action in ('demo_crear_workspace', 'demo_ajustar_workspace'):
        simulated = next(r for r in read_results(report) if r['action'] == action)
        assert simulated['status'] == 'dry_run'
        assert simulated['message'].startswith('simulación: depende de un requisito que esta ejecución aplicaría antes')
    assert "'Norte' no existe" in found_message(report, 'demo_crear_workspace')
    assert report.summary['dry_run'] is True


def test_partial_errors_do_not_abort_and_every_pair_is_recorded(runner, sandbox, tmp_path):
    sandbox.set_faults([{'kind': 'status', 'status': 400, 'method': 'POST', 'path': '^/v1/locations$', 'max_count': 1}])
    folder = write_folder(tmp_path / 'in', ubicaciones=[location(f'Sede {i}') for i in range(1, 6)])
    report = runner.start(folder, ('alta_ubicacion',), runner.settings(concurrency=1))

    assert report.exit_code == 3
    assert report.summary['by_status']['error'] == 1
    assert report.summary['by_status']['executed'] == 4
    assert sum(report.summary['by_status'].values()) == report.summary['total'] == 5
    failed = next(r for r in read_results(report) if r['status'] == 'error')
    assert failed['row'] == '1' and failed['tracking_id']
    assert failed['log_file'].endswith('alta_ubicacion.jsonl')
    with open(failed['log_file'], encoding='utf-8') as handle:
        ids = {json.loads(line)['action_id'] for line in handle}
    assert ids == {f'alta_ubicacion:ubicaciones:{row}' for row in range(1, 6)}


def test_transient_failures_are_retried_per_row_with_capped_backoff(runner, sandbox, tmp_path):
    sandbox.set_faults([{'kind': 'status', 'status': 503, 'path': '^/v1/locations$', 'method': 'GET', 'max_count': 2}])
    folder = write_folder(tmp_path / 'in', ubicaciones=[location('Norte')])
    report = runner.start(folder, ('alta_ubicacion',))

    assert report.exit_code == 0
    [row] = read_results(report)
    assert (row['status'], row['attempts']) == ('executed', '2')
    assert report.summary['retries'] == 1
    assert len(runner.slept) == 2 and max(runner.slept) <= 0.05
    last_error = checkpoint_task(report, 'ubicaciones', 1, 'alta_ubicacion').last_error
    assert last_error == 'alta_ubicacion: Server is overloaded with requests. Try again later.'


def test_a_429_storm_pauses_every_worker_not_just_the_ones_that_got_it(runner, sandbox, tmp_path):
    sandbox.configure(latency_ms=20)
    sandbox.set_faults([{'kind': 'throttle', 'path': '^/v1/locations$', 'retry_after': '2', 'max_count': 4}])
    folder = write_folder(tmp_path / 'in', ubicaciones=[location(f'Sede {i}') for i in range(1, 9)])
    waits_two_seconds = replace(FAST, max_wait=3.0)
    report = runner.start(folder, ('alta_ubicacion',), runner.settings(concurrency=4, policy=waits_two_seconds))

    assert report.exit_code == 0
    journal = sandbox.journal()
    throttled = [e for e in journal if e.get('fault') == 'throttle']
    assert len(throttled) == 4
    started = when(throttled[0])
    # margins of half a second either side: a thread that sent before the 429 arrived may be scheduled late on a
    # loaded machine; the 2-second pause leaves a second in which nothing may arrive at all
    quiet = [e for e in journal if started + 0.5 < when(e) < started + 1.9]
    assert quiet == [], 'no worker sends a request during the shared pause'
    assert any(when(e) >= started + 1.9 for e in journal)
    # requests already on their way when a 429 closed the window get a 429 too (the sandbox's limiter is real)
    in_flight = [e for e in journal if e.get('early')]
    assert all(min(abs(when(e) - when(t)) for t in throttled) < 0.5 for e in in_flight)
    assert report.summary['http_429'] == len(throttled) + len(in_flight)
    assert len(posts(sandbox, '/v1/locations')) == 8


def test_rows_unfinished_at_the_chunk_timeout_are_timeout_and_the_job_goes_on(runner, sandbox, tmp_path):
    sandbox.set_faults([{'kind': 'delay', 'delay_ms': 700, 'path': '^/v1/locations$', 'max_count': 1}])
    folder = write_folder(tmp_path / 'in', ubicaciones=[location(f'Sede {i}') for i in range(1, 5)])
    settings = runner.settings(concurrency=1, chunk_timeout=0.3)
    report = runner.start(folder, ('alta_ubicacion',), settings, chunk_size=2)

    assert report.exit_code == 3
    found = statuses(report)
    assert found[('ubicaciones', '1', 'alta_ubicacion')] == 'timeout'
    assert found[('ubicaciones', '2', 'alta_ubicacion')] == 'timeout'
    assert found[('ubicaciones', '3', 'alta_ubicacion')] == 'executed'
    assert found[('ubicaciones', '4', 'alta_ubicacion')] == 'executed'
    assert report.summary['by_chunk'] == {'ubicaciones#1': {'timeout': 2}, 'ubicaciones#2': {'executed': 2}}
    timed_out = read_results(report)[0]
    assert 'timeout del bloque (0.3 s)' in timed_out['message']


def test_results_and_summary_match_the_sandbox_state(runner, sandbox, tmp_path):
    folder = write_folder(
        tmp_path / 'in',
        ubicaciones=[location('Norte'), location('=SUMA(A1)'), location('Sede Central')],
        workspaces=[{'name': '+34910000100', 'location': 'Norte', 'capacity': '2'}],
    )
    report = runner.start(folder, ALL, skip_invalid=True)

    results = read_results(report)
    created = {r['key']: r['status'] for r in results if r['action'] == 'alta_ubicacion'}
    assert created == {'Norte': 'executed', "'=SUMA(A1)": 'rejected', 'Sede Central': 'executed'}
    stored = {loc['name']: loc['address']['address1'] for loc in sandbox.org.locations.values()}
    assert stored == {
        'Norte': 'Calle Mayor 1',
        'Sede Central': 'Calle Mayor 1',
        'Valencia Puerto': 'Muelle de la Aduana 1',
    }
    workspace_rows = [(r['key'], r['action'], r['status']) for r in results if r['dataset'] == 'workspaces']
    assert workspace_rows == [
        ('+34910000100', 'demo_crear_workspace', 'executed'),
        ('+34910000100', 'demo_ajustar_workspace', 'executed'),
    ]
    assert [w['capacity'] for w in sandbox.org.workspaces.values() if w['display_name'] == '+34910000100'] == [2]
    written = json.loads((report.run_dir / 'summary.json').read_text(encoding='utf-8'))
    assert written == report.summary
    assert written['total'] == len(results) == sum(written['by_status'].values())
    for action, counts in written['by_action'].items():
        assert counts == {
            status: sum(1 for r in results if r['action'] == action and r['status'] == status) for status in counts
        }
    assert sum(sum(c.values()) for c in written['by_dataset'].values()) == written['total']
    assert written['api_calls'] == len(sandbox.journal())


def test_high_impact_rows_are_rejected_without_yes(runner, sandbox, tmp_path):
    folder = write_folder(
        tmp_path / 'in',
        ubicaciones=[location('Norte')],
        workspaces=[{'name': 'Sala 1', 'location': 'Norte', 'capacity': '4'}],
    )
    report = runner.start(folder, ALL, runner.settings(assume_yes=False))

    assert report.exit_code == 3
    # the capacity of a workspace the row creates first will ask for --yes: the whole row is refused before its create
    found = {r['action']: r for r in read_results(report) if r['dataset'] == 'workspaces'}
    assert {action: (r['status'], r['category']) for action, r in found.items()} == {
        'demo_crear_workspace': ('rejected', 'sin_confirmar'),
        'demo_ajustar_workspace': ('rejected', 'sin_confirmar'),
    }
    message = found['demo_crear_workspace']['message']
    assert 'para no dejarla a medias: demo_ajustar_workspace necesita confirmación, relance con --yes (' in message
    assert [w['method'] for w in sandbox.writes() if 'workspaces' in w['path']] == []


def test_an_action_in_development_is_refused_for_its_rows_and_the_rest_runs(runner, sandbox, tmp_path):
    folder = write_folder(tmp_path / 'in', workspaces=[{'name': 'Sala 1', 'location': 'Sede Central'}])
    report = runner.start(folder, ('demo_crear_workspace', 'demo_inventariar_workspace'))

    assert report.exit_code == 3
    found = {r['action']: r for r in read_results(report)}
    assert found['demo_crear_workspace']['status'] == 'executed'
    assert found['demo_inventariar_workspace']['status'] == 'rejected'
    assert 'está en desarrollo' in found['demo_inventariar_workspace']['message']
    assert report.summary['by_action']['demo_inventariar_workspace'] == {'rejected': 1}


def test_an_action_naming_other_rows_runs_in_a_later_pass_once_they_all_exist(runner, sandbox, tmp_path):
    folder = write_folder(
        tmp_path / 'in',
        workspaces=[
            {'name': 'Sala 1', 'location': 'Sede Central', 'neighbour': 'Sala 3'},
            {'name': 'Sala 2', 'location': 'Nada', 'neighbour': ''},
            {'name': 'Sala 3', 'location': 'Sede Central', 'neighbour': 'sala 2'},
        ],
    )
    report = runner.start(
        folder, ('demo_vecino_workspace', 'demo_crear_workspace'), runner.settings(concurrency=1), chunk_size=1
    )

    assert report.exit_code == 3
    found = {(r['row'], r['action']): (r['status'], r['message']) for r in read_results(report)}
    assert found[('1', 'demo_vecino_workspace')] == ('skipped', "vecino 'Sala 3': existe")
    assert found[('2', 'demo_crear_workspace')] == ('rejected', "la ubicación 'Nada' no existe en la organización")
    assert found[('2', 'demo_vecino_workspace')][1].startswith('no aplica')
    status, message = found[('3', 'demo_vecino_workspace')]
    assert status == 'skipped'
    assert message.startswith('requisito no cumplido: demo_crear_workspace de workspaces fila 2 terminó en rejected')
