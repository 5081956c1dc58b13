"""The command line shared by every command: one connection option bundle, one argument merge, one result envelope."""

from __future__ import annotations

import argparse
import json

import pytest

from transformacion import bulk_runner, generar_csv_candidatos, launcher_csv_dependencias
from transformacion.core.arguments import Origin, merge_arguments
from transformacion.core.catalog import action_module
from transformacion.core.cli import (
    Reply,
    add_connection_options,
    capture,
    connection_from,
    emit,
    invocation_from,
    org_id_from,
)
from transformacion.core.evidence import ActionLog
from transformacion.core.outcome import Rejected
from transformacion.core.params import Action, Param
from transformacion.core.secrets import register_secret

SECRET = 'secreto-3f9a1c7e5b2d4068a1c3e5f7b9d1f3a5'


def _connection_help() -> dict[str, str]:
    parser = argparse.ArgumentParser()
    add_connection_options(parser)
    return {a.option_strings[0]: ' '.join(a.help.split()) for a in parser._actions if a.option_strings[0] != '-h'}


@pytest.mark.parametrize(
    'main',
    [
        action_module('alta_ubicacion').main,
        launcher_csv_dependencias.main,
        bulk_runner.main,
        generar_csv_candidatos.main,
    ],
    ids=['action', 'launcher', 'bulk_runner', 'generar_csv_candidatos'],
)
def test_every_command_that_calls_webex_declares_the_same_connection_options(main, capsys):
    with pytest.raises(SystemExit) as stop:
        main(['--help'])
    assert stop.value.code == 0
    text = ' '.join(capsys.readouterr().out.split())

    options = _connection_help()
    assert list(options) == ['--token', '--base-url', '--org-id', '--log-dir']
    for flag, help_text in options.items():
        assert flag in text and help_text in text, flag


@pytest.mark.parametrize(
    'main',
    [action_module('alta_ubicacion').main, launcher_csv_dependencias.main, bulk_runner.main],
    ids=['action', 'launcher', 'bulk_runner'],
)
@pytest.mark.parametrize('given', ['--tok {}', '--toke={}', '--tokn {}', '--toekn={}'])
def test_a_token_given_to_an_abbreviated_or_misspelt_option_is_masked_in_the_refusal(main, given, capsys):
    """argparse takes ``--tok`` for ``--token`` and quotes a misspelt ``--tokn VALUE`` in its refusal: neither the
    result object's command line nor any message shows the value."""
    secret = f'secreto-{abs(hash((main, given))):x}-abreviado'
    capsys.readouterr()
    try:
        main([*given.format(secret).split(), '--opcion-que-no-existe'])
    except SystemExit:
        pass
    out, err = capsys.readouterr()

    assert json.loads(out)['status'] == 'rejected'
    assert secret not in out + err and '***' in out


def test_the_connection_comes_from_the_options_or_else_the_environment(monkeypatch):
    monkeypatch.setenv('WEBEX_ACCESS_TOKEN', 'del-entorno')
    monkeypatch.setenv('WEBEX_BASE_URL', 'http://entorno/v1')
    monkeypatch.setenv('WEBEX_ORG_ID', 'org-entorno')
    given = argparse.Namespace(token='de-la-opcion', base_url='http://opcion/v1', org_id='org-opcion')
    empty = argparse.Namespace(token=None, base_url=None, org_id=None)

    assert connection_from(given) == ('de-la-opcion', 'http://opcion/v1')
    assert connection_from(empty) == ('del-entorno', 'http://entorno/v1')
    assert (org_id_from(given), org_id_from(empty)) == ('org-opcion', 'org-entorno')
    monkeypatch.delenv('WEBEX_ACCESS_TOKEN')
    with pytest.raises(Rejected, match='falta el token'):
        connection_from(empty)


ACTION = Action(
    'demo',
    'ubicaciones',
    'x',
    params=(Param('name', required=True, key=True), Param('digits'), Param('zone')),
)


def test_the_merge_takes_the_command_line_then_the_row_then_global_and_says_where_each_came_from():
    values, origins = merge_arguments(
        ACTION, {'digits': '9', 'zone': None}, {'name': 'Norte', 'digits': '3', 'zone': ''}, ('u.csv', 4), {'zone': 'Z'}
    )

    assert values == {'name': 'Norte', 'digits': '9', 'zone': 'Z'}
    assert origins == {
        'name': Origin('u.csv', 4, 'name'),
        'digits': Origin('argumento', None, '--digits'),
        'zone': Origin('global.csv', 1, 'zone'),
    }
    values, origins = merge_arguments(ACTION, {}, {'name': 'Norte'}, ('u.csv', 4))
    assert values == {'name': 'Norte'}
    assert origins['zone'] == Origin('u.csv', 4, 'zone'), 'what is missing is pointed at the row'
    assert merge_arguments(ACTION, {'name': 'Sur'}, {}) == (
        {'name': 'Sur'},
        {'name': Origin('argumento', None, '--name')},
    )


def test_capture_turns_a_refusal_into_rejected_and_a_failure_into_error_with_a_masked_traceback(tmp_path):
    register_secret(SECRET)
    log = ActionLog(tmp_path / 'demo.jsonl', 'demo')

    def refuse() -> Reply:
        raise Rejected(f'no: {SECRET}', {'missing': ['name']})

    def fail() -> Reply:
        raise ValueError(f'roto con {SECRET}')

    refused = capture('demo', refuse, log=log)
    failed = capture('demo', fail, log=log)

    assert (refused.status, refused.message, refused.result) == ('rejected', 'no: ***', {'missing': ['name']})
    assert (failed.status, failed.message) == ('error', 'demo: roto con ***')
    assert failed.result['error']['type'] == 'ValueError'
    assert 'Traceback' in failed.result['error']['traceback'] and SECRET not in failed.result['error']['traceback']
    [event] = [json.loads(line) for line in log.path.read_text(encoding='utf-8').splitlines()]
    assert event['event'] == 'error' and SECRET not in json.dumps(event)


def test_emit_prints_one_result_object_and_the_operator_lines_and_returns_the_exit_code(tmp_path, capsys):
    register_secret(SECRET)
    log = ActionLog(tmp_path / 'demo.jsonl', 'demo')
    log.count_call(200)
    invocation = invocation_from(['--token', SECRET, '--name', 'Norte'], name='Norte')

    code = emit(
        'demo', invocation, Reply('rejected', 'falta algo', {'a': 1}, {'changed': False}, text='detalle'), log=log
    )

    out, err = capsys.readouterr()
    document = json.loads(out)
    assert code == 2
    assert document['invocation'] == {'argv': ['--token', '***', '--name', 'Norte'], 'name': 'Norte'}
    assert document['summary'] == {
        'message': 'falta algo',
        'changed': False,
        'api_calls': 1,
        'retries': 0,
        'http_429': 0,
        'log_file': str(log.path),
    }
    assert err.splitlines() == ['detalle', f'[rejected] falta algo  (log: {log.path})']
    assert json.loads(log.path.read_text(encoding='utf-8').splitlines()[-1])['event'] == 'summary'

    code = emit('demo', {}, Reply('executed', 'hecho', exit_code=3, where='CSV: x'), started=0.0)
    out, err = capsys.readouterr()
    assert code == 3 and 'duration_s' in json.loads(out)['summary']
    assert err == '[executed] hecho  (CSV: x)\n'
    assert emit('demo', {}, Reply('error', 'mal', status_line=False)) == 1
    assert capsys.readouterr().err == ''
