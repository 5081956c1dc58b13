"""The panel's guards: only the holder of the session token gets in, every state-changing request needs the page's
CSRF token and a same-origin, files are read only under the input root and the logs folder, uploads are limited, and
the Webex credentials never reach the browser."""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime, timedelta

import pytest

from tests.support.panel import BASE, finished
from tests.support.runs import TOKEN
from transformacion.panel import __main__ as panel_main
from transformacion.panel.security import COOKIE


def test_without_the_session_token_nothing_is_served(anonymous, panel):
    for path in ('/', '/api/catalog', '/api/runs', '/api/folders', '/static/panel.js'):
        assert anonymous.get(path).status_code == 401, path
    assert anonymous.get('/api/runs', headers={'Authorization': 'Bearer otro'}).status_code == 401
    assert anonymous.get('/', params={'token': 'otro'}).status_code == 401


def test_the_printed_address_sets_a_strict_http_only_cookie_and_drops_the_token_from_the_url(anonymous, panel):
    response = anonymous.get('/', params={'token': panel.token}, follow_redirects=False)
    assert response.status_code == 303 and response.headers['location'] == '/'
    cookie = response.headers['set-cookie']
    assert cookie.startswith(f'{COOKIE}=') and 'HttpOnly' in cookie and 'SameSite=strict' in cookie
    page = anonymous.get('/')
    assert page.status_code == 200 and panel.csrf in page.text and panel.token not in page.text
    assert "script-src 'self'" in page.headers['content-security-policy']


def test_a_state_changing_request_needs_the_csrf_token_and_the_panels_own_origin(client, anonymous, panel):
    anonymous.cookies.set(COOKIE, panel.token)
    assert anonymous.post('/api/load', json={'folder': 'lote'}).status_code == 403
    wrong = {'X-CSRF-Token': 'x' * 64}
    assert anonymous.post('/api/load', json={'folder': 'lote'}, headers=wrong).status_code == 403
    evil = client.post('/api/load', json={'folder': 'lote'}, headers={'Origin': 'http://evil.example'})
    assert evil.status_code == 403 and evil.json()['error'] == 'origen no admitido'
    assert client.post('/api/load', json={'folder': 'lote'}, headers={'Origin': BASE}).status_code == 200


def test_a_script_signs_in_with_panel_url_and_posts_with_the_pages_csrf_token_and_no_origin(anonymous, panel):
    """What the README's "Scripting the panel" does: the session cookie from PANEL_URL, the CSRF token from the
    page's ``<meta name="csrf-token">``; a POST without ``Origin`` (a script's) is accepted with that token."""
    assert anonymous.get(f'/?token={panel.token}', follow_redirects=False).status_code == 303
    page = anonymous.get('/').text
    csrf = re.search(r'<meta name="csrf-token" content="([^"]+)">', page).group(1)
    later = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    scheduled = anonymous.post(
        '/api/schedule', json={'at': later, 'input': 'lote', 'confirm': True}, headers={'X-CSRF-Token': csrf}
    )
    assert 'origin' not in scheduled.request.headers
    assert scheduled.status_code == 200 and scheduled.json()['state'] == 'programada'


def test_a_request_naming_another_host_is_refused(client):
    """DNS rebinding: a page of evil.example resolved to 127.0.0.1 sends Host: evil.example."""
    assert client.get('/api/catalog', headers={'Host': 'evil.example:8780'}).status_code == 400


@pytest.mark.parametrize('folder', ['..', '../..', '/etc', 'lote/../..', 'nada/../../logs'])
def test_loading_a_folder_outside_the_input_root_is_refused(client, folder):
    response = client.post('/api/load', json={'folder': folder})
    assert response.status_code == 403
    assert 'sale de' in response.json()['error']


def test_a_symbolic_link_out_of_the_input_root_is_refused(client, input_root, tmp_path):
    outside = tmp_path / 'fuera'
    outside.mkdir()
    (input_root / 'enlace').symlink_to(outside)
    assert client.post('/api/load', json={'folder': 'enlace'}).status_code == 403


def test_run_files_are_served_only_by_run_id_and_from_the_list_of_downloads(client, panel):
    job = client.post('/api/plan', json={'input': str(panel.input_root / 'lote')}).json()
    run = finished(client, job)['run_id']
    assert client.get(f'/api/runs/{run}/files/summary.json').status_code == 200
    for name in ('checkpoint.sqlite', 'alta_usuario.jsonl', '..%2F..%2Fentradas%2Flote%2Fusuarios.csv'):
        assert client.get(f'/api/runs/{run}/files/{name}').status_code == 404, name
    for bad in ('..', '..%2F..', 'x' * 20, '20261130T000000Z-000000'):
        assert client.get(f'/api/runs/{bad}').status_code == 404, bad
        assert client.get(
            f'/api/runs/{bad}/evidence', params={'action': 'a', 'dataset': 'b', 'row': 1}
        ).status_code in (404,)
    hostile = client.get(f'/api/runs/{run}/evidence', params={'action': '../checkpoint', 'dataset': 'x', 'row': 1})
    assert hostile.json() == {'events': []}
    outside = client.post('/api/plan', json={'input': str(panel.input_root.parent)})
    assert outside.status_code == 403


def test_uploads_are_limited_in_size_and_to_plain_dataset_names(client, panel):
    panel.max_upload = 1024
    big = client.post('/api/upload', files={'files': ('usuarios.csv', b'email\n' + b'a@b.es\n' * 400)})
    assert big.status_code == 413
    panel.max_upload = 1024 * 1024
    for name in ('../usuarios.csv', 'programa.exe', '.csv'):
        refused = client.post('/api/upload', files={'files': (name, b'email\na@b.es\n')})
        assert refused.status_code == 400, name
    assert not any(panel.input_root.parent.glob('usuarios.csv'))


def test_the_webex_token_never_reaches_the_browser(client, panel):
    job = client.post('/api/plan', json={'input': str(panel.input_root / 'lote')}).json()
    run = finished(client, job)['run_id']
    seen = [
        client.get('/').text,
        client.get('/api/catalog').text,
        client.get('/api/runs').text,
        client.get(f'/api/runs/{run}').text,
        client.get(f'/api/plans/{run}').text,
        client.get(f'/api/jobs/{job["job"]}').text,
        client.get(
            f'/api/runs/{run}/evidence', params={'action': 'alta_ubicacion', 'dataset': 'ubicaciones', 'row': 1}
        ).text,
    ]
    assert all(TOKEN not in text for text in seen)
    events = json.loads(seen[-1])['events']
    assert events and all(TOKEN not in json.dumps(event) for event in events)


def test_another_address_than_loopback_needs_an_explicit_option(capsys):
    assert panel_main.main(['--host', '0.0.0.0', '--port', '0']) == 4
    assert '--allow-remote' in capsys.readouterr().err


def test_the_cli_start_up_does_not_import_the_web_stack():
    """The product's commands stay fast: only the panel imports Starlette, Jinja2, uvicorn and its scheduler."""
    import subprocess
    import sys

    code = 'import sys, transformacion.launcher_csv_dependencias, transformacion.panel.__main__; ' + (
        "print(sorted(m for m in ('starlette', 'jinja2', 'uvicorn', 'apscheduler', 'sqlalchemy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, env=os.environ, check=True)
    assert out.stdout.strip() == '[]'


def test_the_command_prints_its_address_first_and_serves_only_with_its_token(served):
    """``python -m transformacion.panel --sandbox --port 0``: the first line of stdout is ``PANEL_URL=...`` (see the
    ``served`` fixture) with a free port of 127.0.0.1 and the session token."""
    import urllib.error
    import urllib.request

    base, token = served.split('/?token=')
    request = urllib.request.Request(f'{base}/api/catalog', headers={'Authorization': f'Bearer {token}'})
    with urllib.request.urlopen(request) as response:
        assert len(json.load(response)['sections']) == 3
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f'{base}/api/catalog')
    assert refused.value.code == 401
