"""Retry-After is a promise: no request reaches the throttled org before it has passed, whoever sent the request.

The sandbox's limiter keeps the promise from its side (a request sent early gets another 429, journaled as
``early``), so these tests need no clock: they read the order and the server's timestamps of what it received.
"""

from __future__ import annotations

import contextlib
import io
import json
from datetime import datetime
from pathlib import Path

from tests.support.proof import read_results
from tests.support.runs import connection_args, launch_in_process
from transformacion import alta_ubicacion

FOLDER = {
    'global.csv': 'time_zone,preferred_language,announcement_language,country\nEurope/Madrid,es_ES,es_es,ES\n',
}
ROW = 'Sede {n},Calle Mayor {n},Madrid,Madrid,2800{n}\n'


def when(entry: dict) -> float:
    return datetime.fromisoformat(entry['ts'].replace('Z', '+00:00')).timestamp()


def write_locations(folder: Path, count: int) -> Path:
    folder.mkdir()
    for name, text in FOLDER.items():
        (folder / name).write_text(text, encoding='utf-8')
    rows = ''.join(ROW.format(n=n) for n in range(1, count + 1))
    (folder / 'ubicaciones.csv').write_text('name,address1,city,state,postal_code\n' + rows, encoding='utf-8')
    return folder


def run_action(sandbox, log_dir: Path, *args: str) -> tuple[int, dict]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = alta_ubicacion.main([*args, *connection_args(sandbox, log_dir)])
    return code, json.loads(out.getvalue())


def log_events(log_dir: Path) -> list[dict]:
    return [json.loads(line) for path in log_dir.rglob('*.jsonl') for line in path.read_text('utf-8').splitlines()]


LOCATION_ARGS = ('--name', 'Sede Norte', '--address1', 'Calle Mayor 1', '--city', 'Madrid', '--state', 'Madrid',
                 '--postal-code', '28001', '--time-zone', 'Europe/Madrid', '--preferred-language', 'es_ES',
                 '--announcement-language', 'es_es', '--country', 'ES')  # fmt: skip


def test_a_single_action_waits_the_whole_retry_after_before_sending_again(sandbox, tmp_path, fast_retries, monkeypatch):
    monkeypatch.setenv('TRANSFORMACION_MAX_WAIT', '5')
    sandbox.set_faults([{'kind': 'throttle', 'path': '^/v1/locations$', 'method': 'POST', 'retry_after': '1',
                    'max_count': 1}])  # fmt: skip

    code, result = run_action(sandbox, tmp_path / 'logs', *LOCATION_ARGS)

    assert (code, result['status']) == (0, 'executed'), result
    journal = sandbox.journal()
    throttled = next(index for index, entry in enumerate(journal) if entry['status'] == 429)
    resent = journal[throttled + 1]
    assert (resent['method'], resent['path'], resent['status']) == ('POST', '/v1/locations', 201)
    assert when(resent) - when(journal[throttled]) >= 1.0
    assert [entry for entry in journal if entry.get('early')] == []
    [retry] = [e['payload'] for e in log_events(tmp_path / 'logs') if e['payload'].get('kind') == 'retry']
    assert (retry['retry_after'], retry['wait_s']) == ('1', 1.0)
    assert retry['resume_at'].endswith('Z')


def test_a_retry_after_longer_than_the_cap_is_an_error_naming_when_to_retry_and_nothing_is_sent_early(
    sandbox, tmp_path, fast_retries, monkeypatch
):
    monkeypatch.setenv('TRANSFORMACION_MAX_WAIT', '2')
    sandbox.set_faults([{'kind': 'throttle', 'path': '^/v1/locations$', 'method': 'POST', 'retry_after': '5',
                    'max_count': 1}])  # fmt: skip

    code, result = run_action(sandbox, tmp_path / 'logs', *LOCATION_ARGS)

    assert (code, result['status']) == (1, 'error'), result
    error = result['result']['error']
    assert (error['reason'], error['wait_s'], error['max_wait_s']) == ('rate_limited', 5, 2)
    assert error['resume_after'] in result['summary']['message']
    assert 'TRANSFORMACION_MAX_WAIT' in result['summary']['message']
    journal = sandbox.journal()
    assert journal[-1]['status'] == 429 and journal[-1]['method'] == 'POST'
    assert 'Sede Norte' not in [entry['name'] for entry in sandbox.org.locations.values()]
    kinds = [e['payload'].get('kind') for e in log_events(tmp_path / 'logs')]
    assert 'retry_after_too_long' in kinds and 'retry' not in kinds


def test_a_rate_limited_batch_never_sends_a_request_before_the_retry_after_it_was_given(
    sandbox, tmp_path, fast_retries, monkeypatch
):
    """The real limiter (2 requests per second per token) against four workers: every 429 pauses all of them for
    its Retry-After, so the only requests the window refuses are those already on their way when it closed."""
    monkeypatch.setenv('TRANSFORMACION_MAX_WAIT', '5')
    sandbox.configure(rate_limit=2)
    folder = write_locations(tmp_path / 'lote', 3)

    run = launch_in_process('--input_dir', str(folder), '--actions', 'alta_ubicacion', '--concurrency', '4',
                            *connection_args(sandbox, tmp_path / 'logs'))  # fmt: skip

    assert run.code == 0, run.stderr[-2000:]
    assert {row['status'] for row in read_results(run.run_dir).values()} == {'executed'}
    journal = sandbox.journal()
    refusals = [entry for entry in journal if entry['status'] == 429]
    assert refusals and run.summary['http_429'] == len(refusals)
    closing = [entry for entry in refusals if not entry.get('early')]
    early = [entry for entry in refusals if entry.get('early')]
    # after a window closes only the requests already on their way can still arrive: at most one per other worker
    # (a client that retried before the Retry-After would be refused again and again, without bound)
    assert len(early) <= (4 - 1) * len(closing), f'requests sent while the window was closed: {early}'
