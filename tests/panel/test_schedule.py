"""The panel's schedule (a change window), over its HTTP API against the sandbox: an input folder or a plan run at a
given time through the same path as a manual run; the entries and their timers survive a restart of the panel; a
run whose time passed while the panel was stopped starts late only within the grace and otherwise fails with the
reason, never silently long after its window; a run due while another is in progress waits for it; times are typed
and shown in the panel's zone. A restart is a new application on the same logs folder; "three hours ago" is the
machine's clock moved back (time-machine) while the operator schedules."""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tests.support.panel import finished, operator, settled
from transformacion.panel import __main__ as panel_main
from transformacion.panel.lock import PanelRunning


def test_a_scheduled_run_survives_restarts_and_starts_when_its_time_comes(panel):
    now = datetime.now(UTC).replace(microsecond=0)
    with time_machine.travel(now - timedelta(hours=3)):
        with operator(panel) as client:
            entry = client.post('/api/schedule', json={'at': now.isoformat(), 'input': 'lote', 'confirm': True}).json()
            assert entry['state'] == 'programada' and entry['at'] == now.isoformat()
        with operator(panel) as client:
            assert client.get('/api/schedule').json()['entries'] == [entry]
    with operator(panel) as client:
        started = settled(client, entry['id'])
        assert started['state'] == 'lanzada' and started['error'] is None and started['note'] is None
        launched = client.post(f'/api/schedule/{entry["id"]}/cancel', json={})
        assert launched.status_code == 409 and 'ya se lanzó' in launched.json()['error']
        done = finished(client, {'job': started['job']})
        assert done['kind'] == 'execute' and done['report']['state'] == 'completed'


def test_past_the_grace_a_run_missed_while_the_panel_was_stopped_fails_and_within_it_starts_late(panel, caplog):
    """The entries say it in Spanish; APScheduler's English warnings of the missed times are not shown."""
    now = datetime.now(UTC).replace(microsecond=0)
    with time_machine.travel(now - timedelta(hours=3)), operator(panel) as client:
        missed, late = (
            client.post('/api/schedule', json={'at': at.isoformat(), 'input': 'lote', 'confirm': True}).json()
            for at in (now - timedelta(minutes=20), now - timedelta(minutes=10))
        )
    with operator(panel) as client:
        failed = settled(client, missed['id'])
        assert failed['state'] == 'fallida' and failed['job'] is None
        assert 'pasó con el panel parado' in failed['error'] and 'margen de 15 min' in failed['error']
        too_late = client.post(f'/api/schedule/{missed["id"]}/cancel', json={})
        assert too_late.status_code == 409 and 'ya falló' in too_late.json()['error']
        started = settled(client, late['id'])
        assert started['state'] == 'lanzada' and started['note'].startswith('lanzada con 10 min de retraso')
        assert finished(client, {'job': started['job']})['report']['state'] == 'completed'
        assert len(client.get('/api/runs').json()['runs']) == 1
    assert [r.getMessage() for r in caplog.records if r.name.startswith('apscheduler')] == []


def test_a_run_due_while_another_is_in_progress_waits_for_it_instead_of_failing(panel, sandbox):
    panel.schedule_retry = 0.2
    sandbox.configure(latency_ms=200)
    with operator(panel) as client:
        running = client.post('/api/execute', json={'input': 'lote', 'confirm': True, 'concurrency': 1}).json()
        now = datetime.now(UTC).isoformat()
        entry = client.post('/api/schedule', json={'at': now, 'input': 'lote', 'confirm': True}).json()
        waiting = settled(client, entry['id'], until=lambda e: e['note'] is not None or e['state'] != 'programada')
        assert waiting['state'] == 'programada' and 'ya hay una ejecución en curso' in waiting['note']
        assert client.post(f'/api/jobs/{running["job"]}/stop', json={}).status_code == 200
        assert finished(client, running)['report']['state'] == 'stopped'
        sandbox.configure(latency_ms=0)
        started = settled(client, entry['id'])
        assert started['state'] == 'lanzada', started
        assert finished(client, {'job': started['job']})['report']['state'] == 'completed'


def test_times_are_typed_and_shown_in_the_panels_zone_with_their_offset(panel):
    panel.zone = 'Europe/Madrid'
    with operator(panel) as client:
        assert client.get('/api/schedule').json()['zone'] == 'Europe/Madrid'
        winter = client.post('/api/schedule', json={'at': '2030-12-01T22:00', 'input': 'lote'}).json()
        assert winter['at'] == '2030-12-01T21:00:00+00:00'
        assert winter['local'] == '2030-12-01 22:00 (Europe/Madrid, UTC+01:00)'
        summer = client.post('/api/schedule', json={'at': '2030-07-01T22:00Z', 'input': 'lote'}).json()
        assert summer['local'] == '2030-07-02 00:00 (Europe/Madrid, UTC+02:00)'
        for changing in ('2030-10-27T02:30', '2030-03-31T02:30'):
            refused = client.post('/api/schedule', json={'at': changing, 'input': 'lote'})
            assert refused.status_code == 400 and 'cambio de hora' in refused.json()['error']
        explicit = client.post('/api/schedule', json={'at': '2030-10-27T02:30+01:00', 'input': 'lote'}).json()
        assert explicit['at'] == '2030-10-27T01:30:00+00:00'


def test_scheduling_refuses_a_bad_or_past_time_a_folder_outside_the_root_and_an_unknown_plan(client):
    """A plan wins over a folder given with it, as in a manual run: an unknown plan is refused even then."""
    later = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    unreadable = client.post('/api/schedule', json={'at': 'mañana', 'input': 'lote'})
    assert unreadable.status_code == 400 and 'ISO 8601' in unreadable.json()['error']
    past = client.post(
        '/api/schedule', json={'at': (datetime.now(UTC) - timedelta(hours=1)).isoformat(), 'input': 'lote'}
    )
    assert past.status_code == 400 and 'ya pasó' in past.json()['error']
    assert client.post('/api/schedule', json={'at': later, 'input': '../..'}).status_code == 403
    assert client.post('/api/schedule', json={'at': later}).status_code == 400
    for unknown in ({'plan': 'xyz'}, {'plan': 'xyz', 'input': 'lote'}):
        refused = client.post('/api/schedule', json={'at': later, **unknown})
        assert refused.status_code == 404 and refused.json()['error'] == 'no existe la ejecución xyz'
        assert client.post('/api/execute', json=unknown).status_code == 404  # as a manual run
    assert client.get('/api/schedule').json()['entries'] == []


def test_a_cancelled_entry_does_not_run_after_a_restart(panel):
    now = datetime.now(UTC).replace(microsecond=0)
    with time_machine.travel(now - timedelta(hours=1)), operator(panel) as client:
        entry = client.post('/api/schedule', json={'at': now.isoformat(), 'input': 'lote', 'confirm': True}).json()
        listed = client.post(f'/api/schedule/{entry["id"]}/cancel', json={}).json()['entries']
        assert [e['state'] for e in listed] == ['cancelada']
        again = client.post(f'/api/schedule/{entry["id"]}/cancel', json={})
        assert again.status_code == 409 and 'ya está cancelada' in again.json()['error']
        assert client.post('/api/schedule/nohay/cancel', json={}).status_code == 404
    with operator(panel) as client:
        assert [e['state'] for e in client.get('/api/schedule').json()['entries']] == ['cancelada']
        assert client.app.state.schedule.scheduler.get_jobs() == []
        assert client.get('/api/runs').json()['runs'] == []


def test_the_first_schedule_file_is_read_once_into_the_store(panel):
    """Entries kept by the panel's first schedule (``<log dir>/panel/schedule.json``) keep their state; a pending one
    is timed as any other (here due: it starts)."""
    now = datetime.now(UTC).replace(microsecond=0)
    legacy = panel.log_dir / 'panel' / 'schedule.json'
    legacy.parent.mkdir(parents=True)
    old = {'request': {'input': str(panel.input_root / 'lote'), 'confirm': True}, 'created_at': now.isoformat()}
    legacy.write_text(
        json.dumps(
            [
                {**old, 'id': 'hecha', 'at': now.isoformat(), 'state': 'lanzada', 'job': 'j1', 'error': None},
                {**old, 'id': 'pendiente', 'at': now.isoformat(), 'state': 'programada', 'job': None, 'error': None},
            ]
        ),
        encoding='utf-8',
    )
    with operator(panel) as client:
        started = settled(client, 'pendiente')
        assert started['state'] == 'lanzada'
        assert finished(client, {'job': started['job']})['report']['state'] == 'completed'
    assert not legacy.exists() and legacy.with_name('schedule.json.migrado').is_file()
    with operator(panel) as client:
        listed = client.get('/api/schedule').json()['entries']
    assert [(e['id'], e['state']) for e in listed] == [('hecha', 'lanzada'), ('pendiente', 'lanzada')]


def test_the_command_refuses_an_unknown_zone_and_a_grace_under_a_minute(input_root, capsys):
    root = ['--input-root', str(input_root), '--port', '0']
    assert panel_main.main([*root, '--schedule-zone', 'Marte/Olimpo']) == 4
    assert 'Marte/Olimpo' in capsys.readouterr().err
    assert panel_main.main([*root, '--schedule-grace-minutes', '0']) == 4
    assert '--schedule-grace-minutes' in capsys.readouterr().err


def test_a_second_panel_on_the_same_logs_folder_refuses_to_start_and_the_folder_is_free_once_the_first_stops(
    panel, input_root, capsys
):
    """Two panels on one logs folder would both fire its scheduled runs: the second one (the command, or another
    application) refuses, naming the folder and the running panel; once that one stops, a panel starts there."""
    command = ['--sandbox', '--port', '0', '--input-root', str(input_root), '--log-dir', str(panel.log_dir)]
    with operator(panel) as client:
        assert client.get('/api/schedule').status_code == 200
        assert panel_main.main(command) == 4
        refused = capsys.readouterr().err
        assert f'ya hay un panel en marcha sobre la carpeta de registros {panel.log_dir}' in refused
        assert f'PID {os.getpid()}, http://127.0.0.1:{panel.port}/' in refused and panel.token not in refused
        with pytest.raises(PanelRunning, match='ya hay un panel en marcha'), operator(panel):
            pass
    with operator(panel) as client:
        assert client.get('/api/schedule').status_code == 200


def test_the_grace_of_the_restarted_panel_applies_to_every_pending_entry(panel):
    """An entry keeps no grace of its own: the panel that comes back decides with its ``--schedule-grace-minutes``,
    longer or shorter than the one of the panel that scheduled it, and its failure names that grace."""
    now = datetime.now(UTC).replace(microsecond=0)
    panel.schedule_grace = 5 * 60
    with time_machine.travel(now - timedelta(hours=3)), operator(panel) as client:
        late = client.post(
            '/api/schedule', json={'at': (now - timedelta(minutes=10)).isoformat(), 'input': 'lote', 'confirm': True}
        ).json()
    panel.schedule_grace = 60 * 60
    with time_machine.travel(now - timedelta(hours=3)), operator(panel) as client:
        missed = client.post(
            '/api/schedule', json={'at': (now - timedelta(minutes=20)).isoformat(), 'input': 'lote', 'confirm': True}
        ).json()
    panel.schedule_grace = 15 * 60
    with operator(panel) as client:
        started = settled(client, late['id'])
        assert started['state'] == 'lanzada' and started['note'].startswith('lanzada con 10 min de retraso')
        failed = settled(client, missed['id'])
        assert failed['state'] == 'fallida' and 'margen de 15 min' in failed['error']
        assert finished(client, {'job': started['job']})['report']['state'] == 'completed'


def test_a_start_late_by_seconds_says_so_in_seconds(client):
    """Typed a little late (the form has minutes), the run starts at once and its note says by how much."""
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=45)
    entry = client.post('/api/schedule', json={'at': at.isoformat(), 'input': 'lote', 'confirm': True}).json()
    started = settled(client, entry['id'])
    assert started['state'] == 'lanzada'
    delay = re.fullmatch(r'lanzada con (\d+) s de retraso sobre la hora programada', started['note'])
    assert delay is not None and 45 <= int(delay.group(1)) < 60, started['note']
    assert finished(client, {'job': started['job']})['report']['state'] == 'completed'
