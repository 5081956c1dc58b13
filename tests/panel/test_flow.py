"""The panel's flow over HTTP, against the sandbox: the catalogue by section, loading an input with every validation
problem (the launcher's own list), planning (the dry-run's plan.json by entity), executing with the confirmation of
the high-impact changes and server-sent progress to the end, the history of every run with its pairs and their
evidence, resume, retry and revert (the schedule: test_schedule.py)."""

from __future__ import annotations

from dataclasses import replace

from tests.support.panel import finished, plant
from tests.support.runs import TOKEN, launch_in_process
from transformacion.core.catalog import ACTION_NAMES


def test_the_catalogue_has_the_three_sections_with_every_action_and_its_form(client):
    sections = client.get('/api/catalog').json()['sections']
    assert [s['label'] for s in sections.values()] == ['Ubicación', 'Usuarios', 'Workspaces']
    actions = {a['name']: a for s in sections.values() for a in s['actions']}
    assert set(actions) == set(ACTION_NAMES)
    alta = actions['alta_ubicacion']
    assert alta['ready'] and alta['domain'] == 'ubicaciones'
    assert {p['column'] for p in alta['params'] if p['required']} >= {'name', 'time_zone', 'country'}
    assert actions['configurar_pstn_ubicacion']['high_impact']


def test_an_action_en_desarrollo_is_listed_disabled_and_cannot_be_planned(client, panel, monkeypatch):
    action, domain = panel.catalog['precheck_workspace']
    monkeypatch.setitem(panel.catalog, 'precheck_workspace', (replace(action, status='en desarrollo'), domain))
    listed = {a['name']: a for s in client.get('/api/catalog').json()['sections'].values() for a in s['actions']}
    assert listed['precheck_workspace']['ready'] is False
    refused = client.post('/api/plan', json={'input': 'lote', 'actions': ['precheck_workspace']})
    assert refused.status_code == 409 and 'en desarrollo' in refused.json()['error']


def test_loading_lists_every_validation_problem_as_the_launcher_does(client, input_root, sandbox):
    plant(input_root, 'Madrid Castellana;Europe/Madrid', 'Madrid Castellana;Madrid')
    plant(
        input_root,
        'lucia.fernandez@transformacion-demo.example.com;Lucía',
        'lucia.fernandez;Lucía',
        'lote/usuarios.csv',
    )
    assert client.get('/api/folders').json()['folders'] == ['lote']
    loaded = client.post('/api/load', json={'folder': 'lote'}).json()
    problems = {(p['file'], p['row'], p['column'], p['value']) for p in loaded['problems']}
    assert ('ubicaciones.csv', 1, 'time_zone', 'Madrid') in problems
    assert ('usuarios.csv', 1, 'email', 'lucia.fernandez') in problems
    assert all(p['why'] for p in loaded['problems'])
    cli = launch_in_process(
        '--input_dir',
        str(input_root / 'lote'),
        '--dry-run',
        '--token',
        TOKEN,
        '--base-url',
        sandbox.base_url,
        '--log-dir',
        str(input_root.parent / 'cli'),
    )
    assert cli.code == 2
    assert loaded['lines'] == cli.result['result']['problems']
    plant(input_root, 'Madrid Castellana;Madrid', 'Madrid Castellana;Europe/Madrid')
    plant(
        input_root,
        'lucia.fernandez;Lucía',
        'lucia.fernandez@transformacion-demo.example.com;Lucía',
        'lote/usuarios.csv',
    )
    again = client.post(f'/api/inputs/{loaded["input"]}/validate', json={}).json()
    assert again['problems'] == [] and again['error'] is None
    assert [r['row'] for r in again['datasets']['ubicaciones']['rows']] == [1, 2, 3]


def test_an_uploaded_file_is_read_by_the_launchers_reader(client, input_root):
    content = (input_root / 'lote' / 'usuarios.csv').read_bytes()
    loaded = client.post('/api/upload', files=[('files', ('usuarios.csv', content))]).json()
    assert loaded['error'] is None and loaded['problems'] == []
    assert len(loaded['datasets']['usuarios']['rows']) == content.count(b'\n') - 1


def test_plan_execute_history_and_evidence(client, panel, sandbox):
    job = client.post('/api/plan', json={'input': 'lote'}).json()
    assert job['kind'] == 'plan' and job['state'] == 'running'
    planned = finished(client, job)
    assert planned['state'] == 'done' and planned['report']['state'] == 'completed'
    view = client.get(f'/api/plans/{planned["run_id"]}').json()
    madrid = next(g for g in view['groups'] if g['entity'] == 'Madrid Castellana')
    alta = next(p for p in madrid['pairs'] if p['action'] == 'alta_ubicacion')
    assert alta['kind'] == 'create' and {'field': 'city', 'before': None, 'after': 'Madrid'} in alta['fields']
    # the launcher's mark: a new location's permissions will ask for --yes, its first PSTN connection will not
    assert {p['action'] for p in view['confirm']} == {
        'configurar_permisos_salientes_ubicacion',
        'configurar_permisos_salientes_usuario',
        'configurar_permisos_salientes_workspace',
    }
    assert client.get(f'/api/plans/{planned["run_id"]}/plan.json').json()['format'] == 'transformacion.plan/1'
    assert client.get(f'/api/plans/{planned["run_id"]}/plan.csv').text.startswith('\ufeffdataset;row;entity')
    assert sandbox.writes() == []

    unconfirmed = client.post('/api/execute', json={'plan': planned['run_id']})
    assert unconfirmed.status_code == 409 and unconfirmed.json()['confirm']
    assert (
        'ejecute marcando «Confirmo los cambios de alto impacto» (en la API, "confirm": true)'
        in (unconfirmed.json()['error'])
    )
    done = finished(client, client.post('/api/execute', json={'plan': planned['run_id'], 'confirm': True}).json())
    assert done['report']['state'] == 'completed', done
    assert done['done'] == done['total'] > 0 and done['failed'] == 0 and done['eta_s'] == 0
    assert sandbox.writes()

    runs = client.get('/api/runs').json()['runs']
    assert [r['run_id'] for r in runs] == [done['run_id'], planned['run_id']]
    assert runs[0]['org'] == 'Transformacion Demo S.A.' and runs[0]['operator']
    assert client.get('/api/runs', params={'status': 'dry_run'}).json()['runs'][0]['run_id'] == planned['run_id']
    assert client.get('/api/runs', params={'org': 'otra'}).json()['runs'] == []
    assert client.get('/api/runs', params={'since': '2999-01-01'}).json()['runs'] == []
    detail = client.get(f'/api/runs/{done["run_id"]}').json()
    pair = next(t for t in detail['tasks'] if t['action'] == 'alta_usuario' and t['row'] == 1)
    assert pair['status'] == 'executed'
    events = client.get(
        f'/api/runs/{done["run_id"]}/evidence', params={'action': 'alta_usuario', 'dataset': 'usuarios', 'row': 1}
    ).json()['events']
    assert events[0]['payload']['kind'] == 'action'
    assert any(e['event'] == 'request' and e['payload'].get('method') == 'POST' for e in events)
    assert events[-1]['event'] == 'summary' and events[-1]['payload']['status'] == 'executed'
    assert 'results_manual.csv' in detail['downloads']
    assert client.get(f'/api/runs/{done["run_id"]}/files/results_manual.csv').text.startswith('\ufeffdataset;')


def test_a_run_stopped_from_the_panel_stops_cleanly_and_resumes(client, panel, sandbox):
    sandbox.configure(latency_ms=40)
    job = client.post('/api/execute', json={'input': 'lote', 'confirm': True, 'concurrency': 1}).json()
    assert client.post(f'/api/jobs/{job["job"]}/stop', json={}).json()['stopping']
    stopped = finished(client, job)
    assert stopped['report']['state'] == 'stopped' and stopped['done'] < stopped['total']
    sandbox.configure(latency_ms=0)
    resumed = finished(client, client.post(f'/api/runs/{stopped["run_id"]}/resume', json={}).json())
    assert resumed['run_id'] == stopped['run_id'] and resumed['report']['state'] == 'completed'
    retried = finished(client, client.post(f'/api/runs/{stopped["run_id"]}/retry', json={}).json())
    assert retried['report']['state'] == 'completed'


def test_a_run_is_reverted_from_the_history_simulation_first(client, sandbox):
    done = finished(client, client.post('/api/execute', json={'input': 'lote', 'confirm': True}).json())
    assert done['report']['state'] == 'completed'
    writes = len(sandbox.writes())
    simulated = finished(client, client.post(f'/api/runs/{done["run_id"]}/revert', json={'dry_run': True}).json())
    assert simulated['kind'] == 'revert' and simulated['report']['state'] == 'completed', simulated
    assert len(sandbox.writes()) == writes
    reverted = finished(client, client.post(f'/api/runs/{done["run_id"]}/revert', json={'dry_run': False}).json())
    assert reverted['report']['state'] == 'completed', reverted
    assert reverted['report']['reverted_run'] == done['run_id']
    assert any(w['method'] == 'DELETE' for w in sandbox.writes()[writes:])
    runs = {r['run_id']: r for r in client.get('/api/runs').json()['runs']}
    assert runs[simulated['run_id']]['dry_run'] and not runs[reverted['run_id']]['dry_run']
    refused = client.post(f'/api/runs/{simulated["run_id"]}/revert', json={'dry_run': True})
    assert refused.status_code == 409


def test_progress_shows_the_board_of_lots_and_the_429_pauses_with_their_reason(client, sandbox):
    sandbox.set_faults([{'kind': 'throttle', 'retry_after': '1', 'max_count': 1, 'path': '/locations'}])
    body = {'input': 'lote', 'actions': ['alta_ubicacion'], 'chunk_size': 2, 'confirm': True}
    done = finished(client, client.post('/api/execute', json=body).json())
    assert done['report']['state'] == 'completed'
    assert [(lot['lot'], lot['state']) for lot in done['lots']] == [
        ('ubicaciones#1', 'done'),
        ('ubicaciones#2', 'done'),
    ]
    assert done['pauses'] and all('429' in line and 'Retry-After' in line for line in done['pauses'])


def test_single_mode_plans_one_row_and_the_form_is_read_as_a_file(client):
    body = {'input': 'lote', 'actions': ['alta_ubicacion'], 'mode': 'single', 'row': 2}
    planned = finished(client, client.post('/api/plan', json=body).json())
    view = client.get(f'/api/plans/{planned["run_id"]}').json()
    assert [(g['entity'], g['rows']) for g in view['groups']] == [('Barcelona Diagonal', [2])]
    values = {'name': 'Lisboa', 'time_zone': 'Lisboa', 'preferred_language': 'pt_PT', 'announcement_language': 'pt_pt'}
    loaded = client.post('/api/form', json={'action': 'alta_ubicacion', 'values': values}).json()
    assert ('ubicaciones.csv', 1, 'time_zone', 'Lisboa') in {
        (p['file'], p['row'], p['column'], p['value']) for p in loaded['problems']
    }
    values.update(
        time_zone='Europe/Lisbon', address1='Avenida 1', city='Lisboa', state='Lisboa', postal_code='1000', country='PT'
    )
    loaded = client.post('/api/form', json={'action': 'alta_ubicacion', 'values': values}).json()
    assert loaded['problems'] == []
    planned = finished(
        client, client.post('/api/plan', json={'input': loaded['input'], 'actions': ['alta_ubicacion']}).json()
    )
    pair = client.get(f'/api/plans/{planned["run_id"]}').json()['groups'][0]['pairs'][0]
    assert pair['kind'] == 'create' and {'field': 'city', 'before': None, 'after': 'Lisboa'} in pair['fields']


def test_a_plan_or_a_run_naming_no_folder_is_a_bad_request(client, sandbox):
    no_folder = client.post('/api/plan', json={})
    nothing = client.post('/api/execute', json={'confirm': True})

    assert no_folder.status_code == 400
    assert no_folder.json()['error'] == (
        'falta "input": el id de una carpeta cargada o una carpeta de la raíz de entrada'
    )
    assert nothing.status_code == 400 and nothing.json()['error'].endswith('(o "plan": el id de un plan)')
    assert sandbox.writes() == []
