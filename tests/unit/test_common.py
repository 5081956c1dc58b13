"""Unit specification of common.py: env, token, CSV merge, typing, Retry-After, retries, masking, JSONL log."""

import argparse
import io
import json
import os
import random
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
import requests

from transformacion import common
from transformacion.common import (
    Context,
    InvalidParams,
    Outcome,
    PlannedCall,
    Rejected,
    RetryPolicy,
    _invoke_with_retry_after,
    _params_for_script,
    action_logger,
    apply_csv_arguments,
    backoff_delay,
    classify_error,
    converge,
    diff,
    get_token,
    load_runtime_env,
    mask_argv,
    mask_text,
    parse_retry_after,
    register_secret,
    result_object,
    sanitise,
)
from transformacion.core.context import NotHighImpact
from transformacion.core.params import E164, Action, Param, ParamType, requires
from transformacion.core.retry import RetryAfterTooLong


def _digits(value: str) -> int:
    if not value.isdigit():
        raise ValueError('se esperaba un número entero')
    return int(value)


ACTION = Action(
    name='demo_ajustar_cosa',
    domain='ubicaciones',
    summary='demo',
    params=(
        Param('name', required=True, key=True),
        Param('digits', type=ParamType('digits', _digits, 'número entero')),
        Param('main_number', type=E164),
    ),
    rules=(requires('main_number', 'digits'),),
)


class FakeResponse:
    def __init__(self, status, headers=None):
        self.status_code = status
        self.headers = headers or {}


class HttpFailure(Exception):
    def __init__(self, status, headers=None):
        super().__init__(f'HTTP {status}')
        self.response = FakeResponse(status, headers)


# --------------------------------------------------------------------- environment and token


def test_load_runtime_env_finds_dotenv_in_a_parent_and_never_overrides(tmp_path, monkeypatch):
    (tmp_path / '.env').write_text('TRANSFORMACION_TEST_A=from-file\nTRANSFORMACION_TEST_B=from-file\n')
    child = tmp_path / 'a' / 'b'
    child.mkdir(parents=True)
    monkeypatch.setenv('TRANSFORMACION_TEST_B', 'from-env')
    monkeypatch.delenv('TRANSFORMACION_TEST_A', raising=False)
    assert load_runtime_env(child) == tmp_path / '.env'
    assert os.environ['TRANSFORMACION_TEST_A'] == 'from-file'
    assert os.environ['TRANSFORMACION_TEST_B'] == 'from-env'
    monkeypatch.delenv('TRANSFORMACION_TEST_A')


def test_load_runtime_env_without_dotenv(tmp_path):
    assert load_runtime_env(tmp_path) is None or load_runtime_env(tmp_path).name == '.env'


def test_get_token_prefers_the_flag_and_rejects_when_missing(monkeypatch):
    monkeypatch.setenv('WEBEX_ACCESS_TOKEN', 'env-token-123')
    assert get_token(argparse.Namespace(token='flag-token-123')) == 'flag-token-123'
    assert get_token(argparse.Namespace(token=None)) == 'env-token-123'
    monkeypatch.delenv('WEBEX_ACCESS_TOKEN')
    with pytest.raises(Rejected, match='falta el token'):
        get_token(argparse.Namespace(token=None))


# --------------------------------------------------------------------- masking


def test_registered_secrets_and_bearer_values_are_masked():
    register_secret('s3cr3t-token-value')
    assert mask_text('x s3cr3t-token-value y') == 'x *** y'
    assert mask_text('Authorization: Bearer abc.def') == 'Authorization: Bearer ***'


def test_sanitise_masks_secret_keys_at_any_depth():
    assert sanitise({'token': 'abc', 'nested': [{'Authorization': 'x', 'name': 'Madrid'}], 'password': ''}) == {
        'token': '***',
        'nested': [{'Authorization': '***', 'name': 'Madrid'}],
        'password': '',
    }


def test_mask_argv_hides_secret_flags_in_both_spellings():
    argv = ['--name', 'Madrid', '--token', 'abc', '--password=xyz']
    assert mask_argv(argv, {'--token', '--password'}) == ['--name', 'Madrid', '--token', '***', '--password=***']


# --------------------------------------------------------------------- CSV merge and typing


def test_cli_wins_over_csv_and_unknown_columns_are_warnings(tmp_path):
    csv_path = tmp_path / 'ubicaciones.csv'
    csv_path.write_text('name;digits;zona\nMadrid;3;x\nBarcelona;4;y\n', encoding='utf-8')
    values, origins, warnings = apply_csv_arguments(ACTION, {'name': None, 'digits': '9'}, csv_path, row=2)
    assert values == {'name': 'Barcelona', 'digits': '9'}
    assert origins['name'] == common.Origin('ubicaciones.csv', 2, 'name')
    assert origins['digits'].file == 'argumento'
    assert warnings == ['ubicaciones.csv: columnas que demo_ajustar_cosa no usa (ignoradas): zona']


def test_global_values_fill_what_the_row_leaves_empty(tmp_path):
    csv_path = tmp_path / 'ubicaciones.csv'
    csv_path.write_text('name;digits\nMadrid;\n', encoding='utf-8')
    values, origins, _ = apply_csv_arguments(ACTION, {}, csv_path, extra={'digits': '7'})
    assert values['digits'] == '7'
    assert origins['digits'] == common.Origin('global.csv', 1, 'digits')


def test_missing_required_parameters_are_listed_at_once():
    with pytest.raises(Rejected, match=r'--name \(columna name\)'):
        apply_csv_arguments(ACTION, {})


def test_bad_csv_is_rejected_with_its_name(tmp_path):
    with pytest.raises(Rejected, match='no existe'):
        apply_csv_arguments(ACTION, {}, tmp_path / 'nada.csv')


def test_params_are_typed_and_every_problem_names_file_row_column_value():
    origins = {
        'digits': common.Origin('ubicaciones.csv', 3, 'digits'),
        'main_number': common.Origin('ubicaciones.csv', 3, 'main_number'),
    }
    with pytest.raises(InvalidParams) as caught:
        _params_for_script(ACTION, {'name': 'Madrid', 'digits': 'tres', 'main_number': '34910000100'}, origins)
    problems = caught.value.problems
    assert [(p.file, p.row, p.column, p.value) for p in problems] == [
        ('ubicaciones.csv', 3, 'digits', 'tres'),
        ('ubicaciones.csv', 3, 'main_number', '34910000100'),
    ]
    assert 'entero' in problems[0].why and "'+'" in problems[1].why
    assert 'ubicaciones.csv, fila 3, columna digits' in caught.value.message


def test_a_declared_rule_and_nul_bytes_are_reported_together():
    with pytest.raises(InvalidParams) as caught:
        _params_for_script(ACTION, {'name': 'Mad\x00rid', 'main_number': '+34910000100'})
    assert [(p.column, p.why) for p in caught.value.problems] == [
        ('--name', 'contiene NUL'),
        ('--main-number', '--main-number (columna main_number) necesita también --digits (columna digits)'),
    ]
    typed = _params_for_script(ACTION, {'name': 'Madrid', 'digits': '3', 'main_number': '+34910000100'})
    assert typed == {'name': 'Madrid', 'digits': 3, 'main_number': '+34910000100'}


def test_required_param_given_empty_is_a_problem():
    with pytest.raises(InvalidParams, match='es obligatorio'):
        _params_for_script(ACTION, {'name': ''})


# --------------------------------------------------------------------- Retry-After and backoff


def test_retry_after_as_seconds_http_date_absent_garbage_and_huge():
    now = datetime(2026, 11, 25, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after('7', now) == 7
    assert parse_retry_after(format_datetime(now + timedelta(seconds=30), usegmt=True), now) == 30
    assert parse_retry_after(format_datetime(now - timedelta(seconds=30), usegmt=True), now) == 0
    assert parse_retry_after(None, now) is None
    assert parse_retry_after('rand(30),add(30)', now) is None
    assert parse_retry_after('', now) is None
    assert parse_retry_after('999999999', now) == 999999999


def test_backoff_is_capped_and_jittered():
    policy = RetryPolicy(base_delay=1, max_backoff=8)
    rng = random.Random(1)
    delays = [backoff_delay(n, policy, rng) for n in range(1, 8)]
    assert all(0.5 <= d <= 8 for d in delays)
    assert delays[-1] >= 4


# --------------------------------------------------------------------- retries


def flaky(*failures, result='ok'):
    calls = []

    def fn():
        calls.append(1)
        if len(calls) <= len(failures):
            raise failures[len(calls) - 1]
        return result

    fn.calls = calls
    return fn


def test_429_waits_retry_after_then_succeeds_and_logs_the_retry(tmp_path):
    log = action_logger('demo', path=tmp_path / 'demo.jsonl')
    waits = []
    fn = flaky(HttpFailure(429, {'Retry-After': '3'}), HttpFailure(429, {'Retry-After': 'garbage'}))
    assert _invoke_with_retry_after(fn, log=log, sleep=waits.append, rng=random.Random(0)) == 'ok'
    assert waits[0] == 3 and 1 <= waits[1] <= 2
    events = [json.loads(line) for line in log.path.read_text().splitlines()]
    assert [e['payload']['reason'] for e in events] == ['rate_limited', 'rate_limited']
    assert log.retries == 2


def test_a_retry_after_longer_than_the_policy_allows_is_not_retried_early():
    waits = []
    fn = flaky(HttpFailure(429, {'Retry-After': '86400'}))
    with pytest.raises(RetryAfterTooLong) as raised:
        _invoke_with_retry_after(fn, policy=RetryPolicy(max_wait=60), sleep=waits.append)
    assert (waits, len(fn.calls), raised.value.wait_s) == ([], 1, 86400)


def test_attempts_are_bounded():
    fn = flaky(*[HttpFailure(503)] * 5)
    with pytest.raises(HttpFailure):
        _invoke_with_retry_after(fn, policy=RetryPolicy(max_attempts=3), sleep=lambda s: None)
    assert len(fn.calls) == 3


def test_client_errors_are_not_retried():
    fn = flaky(HttpFailure(400))
    with pytest.raises(HttpFailure):
        _invoke_with_retry_after(fn, sleep=lambda s: None)
    assert len(fn.calls) == 1


def test_transient_failures_are_retried_when_idempotent():
    fn = flaky(requests.ConnectionError('reset'), HttpFailure(503), requests.Timeout('slow'))
    assert _invoke_with_retry_after(fn, sleep=lambda s: None) == 'ok'
    assert len(fn.calls) == 4


def test_a_failed_create_is_read_back_before_it_is_sent_again():
    fn = flaky(requests.ConnectionError('reset'))
    assert _invoke_with_retry_after(fn, idempotent=False, recover=lambda: 'id-1', sleep=lambda s: None) == 'id-1'
    assert len(fn.calls) == 1
    fn = flaky(HttpFailure(502))
    assert _invoke_with_retry_after(fn, idempotent=False, recover=lambda: None, sleep=lambda s: None) == 'ok'
    assert len(fn.calls) == 2


def test_a_failed_create_without_recovery_is_not_replayed():
    fn = flaky(requests.ConnectionError('reset'))
    with pytest.raises(requests.ConnectionError):
        _invoke_with_retry_after(fn, idempotent=False, sleep=lambda s: None)
    assert len(fn.calls) == 1


# --------------------------------------------------------------------- JSONL log


def test_log_lines_have_the_contract_fields_and_no_secret(tmp_path):
    register_secret('tok-ABCDEF-123')
    log = action_logger('demo_crear_cosa', log_dir=tmp_path, run_id='r1')
    assert log.path.parent == tmp_path / 'demo_crear_cosa' and log.path.name.endswith('_r1.jsonl')
    log.event('request', {'url': 'http://x/?t=tok-ABCDEF-123', 'headers': {'Authorization': 'Bearer tok-ABCDEF-123'}})
    log.event('summary', {'status': 'executed'})
    lines = [json.loads(line) for line in log.path.read_text().splitlines()]
    assert [sorted(line) for line in lines] == [['action_id', 'event', 'payload', 'ts']] * 2
    assert lines[0]['action_id'] == 'demo_crear_cosa:r1'
    assert lines[0]['ts'].endswith('Z')
    assert 'tok-ABCDEF-123' not in log.path.read_text()
    with pytest.raises(ValueError):
        log.event('retry', {})


def test_log_dir_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv('TRANSFORMACION_LOG_DIR', str(tmp_path / 'evidencias'))
    assert action_logger('x').path.parent == tmp_path / 'evidencias' / 'x'


# --------------------------------------------------------------------- converge


def make_ctx(tmp_path, **kwargs):
    return Context(log=action_logger('demo', path=tmp_path / 'demo.jsonl'), **kwargs)


def test_converge_skips_when_in_desired_state(tmp_path):
    writes = []
    outcome = converge(make_ctx(tmp_path), entity='x', read=lambda: {'a': 1}, desired={'a': 1}, write=writes.append)
    assert outcome.status == 'skipped' and writes == []


def test_converge_dry_run_plans_without_writing(tmp_path):
    ctx = make_ctx(tmp_path, dry_run=True)
    done = []

    def write(changes):
        ctx.write(PlannedCall('PUT', '/x', {'a': 2}), done.append, 1)

    outcome = converge(ctx, entity='x', read=lambda: {'a': 1}, desired={'a': 2}, write=write)
    assert outcome.status == 'dry_run'
    assert outcome.details['calls'] == [{'method': 'PUT', 'path': '/x', 'body': {'a': 2}}]
    assert done == []


def test_converge_writes_the_difference_and_verifies(tmp_path):
    state = {'a': 1, 'b': 1}
    ctx = make_ctx(tmp_path)
    outcome = converge(ctx, entity='x', read=lambda: dict(state), desired={'a': 2}, write=lambda c: state.update(a=2))
    assert outcome.status == 'executed' and outcome.details['verified'] is True
    broken = converge(ctx, entity='x', read=lambda: {'a': 1}, desired={'a': 2}, write=lambda c: None)
    assert broken.status == 'error' and 'verificación' in broken.message


HIGH_IMPACT = Action('demo_alto_impacto', 'ubicaciones', 'demo', high_impact=True)


def test_a_high_impact_action_needs_yes_when_not_interactive(tmp_path):
    state = {'a': 1}
    ctx = make_ctx(tmp_path, action=HIGH_IMPACT)
    with pytest.raises(Rejected, match='--yes') as caught:
        converge(ctx, entity='x', read=lambda: state, desired={'a': 2}, write=lambda c: None)
    assert caught.value.details == {'reason': 'unconfirmed', 'current': {'a': 1}, 'desired': {'a': 2}}
    yes = make_ctx(tmp_path, assume_yes=True, action=HIGH_IMPACT)
    outcome = converge(yes, entity='x', read=lambda: dict(state), desired={'a': 2}, write=lambda c: state.update(a=2))
    assert outcome.status == 'executed'


def test_confirm_if_narrows_when_a_high_impact_action_asks(tmp_path):
    state = {'a': 1, 'b': 1}
    ctx = make_ctx(tmp_path, action=HIGH_IMPACT)

    def only_a(before, changes):
        return 'cambiar a' if 'a' in changes else None

    outcome = converge(
        ctx,
        entity='x',
        read=lambda: dict(state),
        desired={'b': 2},
        write=lambda c: state.update(b=2),
        confirm_if=only_a,
    )
    assert outcome.status == 'executed'
    with pytest.raises(Rejected, match='^cambio de alto impacto sin confirmar: .*; cambiar a$'):
        converge(ctx, entity='x', read=lambda: dict(state), desired={'a': 2}, write=lambda c: None, confirm_if=only_a)


def test_an_action_not_declared_high_impact_cannot_ask_for_yes(tmp_path):
    undeclared = make_ctx(tmp_path, action=ACTION, assume_yes=True)
    with pytest.raises(NotHighImpact, match='demo_ajustar_cosa'):
        undeclared.confirm('x', {'a': 1}, {'a': 2})
    with pytest.raises(NotHighImpact):
        converge(
            undeclared, entity='x', read=lambda: {}, desired={'a': 2}, write=lambda c: None, confirm_if=lambda b, c: 'x'
        )
    writes = []
    outcome = converge(undeclared, entity='x', read=lambda: {'a': 1}, desired={'a': 2}, write=writes.append)
    assert outcome.status == 'error' and len(writes) == 1


def test_interactive_confirmation_asks_on_stderr_and_reads_the_answer(tmp_path, monkeypatch, capsys):
    ctx = make_ctx(tmp_path, interactive=True, action=HIGH_IMPACT)
    monkeypatch.setattr('sys.stdin', io.StringIO('s\n'))
    ctx.confirm('x', {'a': 1}, {'a': 2})
    monkeypatch.setattr('sys.stdin', io.StringIO('n\n'))
    with pytest.raises(Rejected):
        ctx.confirm('x', {'a': 1}, {'a': 2})
    seen = capsys.readouterr()
    assert seen.out == ''
    assert seen.err.count('¿Aplicar el cambio? [s/N] ') == 2


def test_converge_creates_an_absent_entity_and_reports_the_step(tmp_path):
    store = {}
    ctx = make_ctx(tmp_path)

    def create():
        ctx.write(PlannedCall('POST', '/things', {'a': 2}), store.update, a=2, recover=lambda: store or None)
        return 'crear'

    def read():
        return dict(store) if store else None

    outcome = converge(ctx, entity='x', read=read, desired={'a': 2}, write=lambda c: None, create=create)
    assert (outcome.status, outcome.message) == ('executed', 'x: crear (verificado)')
    assert outcome.details['before'] is None and outcome.details['diff'] == {'a': {'before': None, 'after': 2}}
    dry = make_ctx(tmp_path, dry_run=True)
    planned = converge(dry, entity='x', read=lambda: None, desired={'a': 2}, write=lambda c: None, create=create)
    assert planned.status == 'dry_run'


def test_the_checks_of_converge_refuse_before_the_dry_run_stops(tmp_path):
    def refuse(before, changes):
        raise Rejected('no se puede')

    for dry_run in (True, False):
        ctx = make_ctx(tmp_path, dry_run=dry_run)
        with pytest.raises(Rejected, match='no se puede'):
            converge(ctx, entity='x', read=lambda: {'a': 1}, desired={'a': 2}, write=lambda c: None, check=refuse)
        assert ctx.planned == []


def test_diff_and_cache(tmp_path):
    assert diff({'a': 1, 'b': 2}, {'a': 1, 'b': 3}) == {'b': {'before': 2, 'after': 3}}
    ctx = make_ctx(tmp_path)
    loads = []
    assert ctx.cached(('demo', 'k'), lambda: loads.append(1) or 'v') == 'v'
    assert ctx.cached(('demo', 'k'), lambda: loads.append(1) or 'w') == 'v'
    assert loads == [1]
    with pytest.raises(TypeError, match='namespace'):
        ctx.cached('demo:k', lambda: 'v')


# --------------------------------------------------------------------- result, errors


def test_result_object_shape_and_unknown_status():
    document = result_object('x', 'executed', {'argv': ['--token', 'tok-ABCDEF-123']}, {}, {})
    assert list(document) == ['script_name', 'status', 'invocation', 'result', 'summary']
    assert 'tok-ABCDEF-123' not in json.dumps(document)
    with pytest.raises(ValueError):
        result_object('x', 'ok', {}, {}, {})


@pytest.mark.parametrize(
    ('error', 'reason'),
    [
        (HttpFailure(401), 'auth'),
        (HttpFailure(403), 'permission'),
        (HttpFailure(404), 'not_found'),
        (HttpFailure(409), 'conflict'),
        (HttpFailure(429), 'rate_limited'),
        (HttpFailure(400), 'invalid_input'),
        (HttpFailure(503), 'transient'),
        (requests.ConnectionError(), 'transient'),
        (KeyError('x'), 'unexpected'),
    ],
)
def test_errors_are_classified(error, reason):
    assert classify_error(error) == reason


def test_outcome_defaults():
    assert Outcome('skipped', 'm').details == {}


def test_a_resent_create_meeting_a_conflict_is_read_back_once_more():
    fn = flaky(requests.Timeout('slow'), HttpFailure(409))
    recover = lambda: 'id-late' if len(fn.calls) == 2 else None  # noqa: E731 - lands after the read-back
    assert _invoke_with_retry_after(fn, idempotent=False, recover=recover, sleep=lambda s: None) == 'id-late'
    assert len(fn.calls) == 2


def test_a_conflict_on_a_first_create_is_not_hidden():
    fn = flaky(HttpFailure(409))
    with pytest.raises(HttpFailure):
        _invoke_with_retry_after(fn, idempotent=False, recover=lambda: 'id', sleep=lambda s: None)


def test_an_answer_cut_mid_body_counts_as_a_lost_connection():
    fn = flaky(requests.exceptions.ChunkedEncodingError('IncompleteRead'))
    assert _invoke_with_retry_after(fn, sleep=lambda s: None) == 'ok'
    assert classify_error(requests.exceptions.ChunkedEncodingError()) == 'transient'


def test_concurrent_rows_load_a_missing_cached_value_once(tmp_path):
    ctx = make_ctx(tmp_path)
    loads = []

    def slow_load():
        loads.append(1)
        time.sleep(0.05)
        return 'id-1'

    key = ('location_id', 'madrid')
    threads = [threading.Thread(target=ctx.cached, args=(key, slow_load)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert loads == [1] and ctx.cache.get(key) == 'id-1'


def test_a_formula_cell_in_the_csv_is_refused_naming_file_row_and_column(tmp_path):
    csv_path = tmp_path / 'ubicaciones.csv'
    csv_path.write_text('name;digits\n@SUM(A1:A2);3\n', encoding='utf-8')
    with pytest.raises(InvalidParams) as caught:
        apply_csv_arguments(ACTION, {}, csv_path)
    [problem] = caught.value.problems
    assert (problem.file, problem.row, problem.column) == ('ubicaciones.csv', 1, 'name')
    assert 'fórmula' in problem.why
