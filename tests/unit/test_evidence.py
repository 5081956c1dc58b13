"""Evidence binding: the HTTP exchanges of a worker thread reach the caller's log only through submit_bound or
bound_map; an exchange with no log bound raises in strict mode (the suite) and is recorded as an error otherwise."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support.runs import read_events
from transformacion.common import action_logger, logging_to
from transformacion.core import evidence
from transformacion.core.evidence import STRICT_ENV, UnboundExchange, bound_map, submit_bound


def requested_paths(path):
    return [e['payload']['url'].split('/v1')[-1] for e in read_events(path) if e['event'] == 'request']


def test_a_worker_thread_that_was_not_given_the_log_fails_loudly(observed_api, sandbox, tmp_path):
    log = action_logger('demo', log_dir=tmp_path)

    with logging_to(log), ThreadPoolExecutor(max_workers=2) as pool:
        with pytest.raises(UnboundExchange, match='sin log de evidencia enlazado: GET'):
            pool.submit(observed_api.people.me).result()

    assert sandbox.journal() == []


def test_submit_bound_and_bound_map_carry_the_callers_log_to_the_workers(observed_api, sandbox, tmp_path):
    log = action_logger('demo', log_dir=tmp_path)

    with logging_to(log), ThreadPoolExecutor(max_workers=2) as pool:
        me = submit_bound(pool, observed_api.people.me).result()
        names = list(bound_map(pool, lambda lid: observed_api.locations.details(lid).name, list(sandbox.org.locations)))

    assert me.emails and names == [loc['name'] for loc in sandbox.org.locations.values()]
    first, *workers = requested_paths(log.path)
    assert first == '/people/me'
    assert sorted(workers) == sorted(f'/locations/{lid}' for lid in sandbox.org.locations)
    assert log.api_calls == 1 + len(names)


def test_outside_strict_mode_an_unbound_exchange_is_an_error_event_in_the_sin_log_file(
    observed_api, sandbox, tmp_path, monkeypatch, capsys
):
    monkeypatch.delenv(STRICT_ENV)
    monkeypatch.setenv('TRANSFORMACION_LOG_DIR', str(tmp_path))
    monkeypatch.setattr(evidence, '_unbound', {})

    observed_api.people.me()

    [path] = (tmp_path / 'sin_log').glob('*.jsonl')
    first, request, response = read_events(path)
    assert (first['event'], first['payload']['kind'], first['payload']['method']) == (
        'error',
        'unbound_exchange',
        'GET',
    )
    assert (request['event'], response['event'], response['payload']['status']) == ('request', 'response', 200)
    assert f'quedan en {path}' in capsys.readouterr().err
