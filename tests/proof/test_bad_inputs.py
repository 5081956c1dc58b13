"""The bad input corpus, tests/data/bad_inputs/<case>/: each folder holds the CSVs of one malformed batch (or of a
valid encoding that must work) and an ``expected.json``:

- ``args``: extra launcher arguments; ``{case}`` stands for the case folder. ``--input_dir <case folder>`` is added
  unless the arguments already say where the input is (``--input_dir``, ``--resume``).
- ``exit_code``: the documented exit code (0 ok, 2 rejected by validation, 3 a row failed, 4 could not start).
- ``message_contains``: fragments that must all appear in ONE line the operator sees (stderr, or a line of
  results_manual.csv): file, row, column, value and why.
- ``env`` (optional): environment variables for this case (e.g. an empty token).
- ``reads_org`` (optional): the batch is refused (exit 2) by its resources checked against the organisation
  (licenses, numbers, extensions: ``batch.resources``), so it reads before refusing; it still writes nothing.
- ``why``: what the case is about.

Each case runs the launcher in-process against a fresh sandbox; nothing may be written (dry runs included), and a
batch refused before running (exit 2 or 4) may not even read.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.runs import TOKEN, isolate
from transformacion import launcher_csv_dependencias
from transformacion.batch import resources

CORPUS = Path(__file__).resolve().parents[1] / 'data' / 'bad_inputs'
_WHERE = ('--input_dir', '--input-dir', '--resume', '--retry-failed')


def _cases() -> list:
    return [pytest.param(case, id=case.name) for case in sorted(path for path in CORPUS.iterdir() if path.is_dir())]


def _run(case: Path, expected: dict, sandbox, tmp_path: Path, capsys) -> tuple[int, str]:
    """Exit code and every line the operator sees: stderr, stdout and results_manual.csv if the run got that far,
    with the case and temporary folders blanked (a case's name must not satisfy its own expectation)."""
    args = [arg.replace('{case}', str(case)) for arg in expected['args']]
    if not any(arg in _WHERE for arg in args):
        args = ['--input_dir', str(case), *args]
    capsys.readouterr()
    try:
        code = launcher_csv_dependencias.main(
            [*args, '--base-url', sandbox.base_url, '--log-dir', str(tmp_path / 'logs')]
        )
    except SystemExit as exc:
        code = exc.code
    captured = capsys.readouterr()
    seen = captured.err + captured.out
    results = tmp_path.glob('logs/runs/*/results_manual.csv')
    text = '\n'.join([seen, *(path.read_text(encoding='utf-8-sig') for path in results)])
    return code, text.replace(str(case), '<caso>').replace(str(tmp_path), '<tmp>')


@pytest.mark.parametrize('case', _cases())
def test_a_bad_input_is_refused_clearly_and_nothing_is_written(case, sandbox, tmp_path, monkeypatch, capsys):
    expected = json.loads((case / 'expected.json').read_text(encoding='utf-8'))
    isolate(monkeypatch, tmp_path)
    monkeypatch.setenv('WEBEX_ACCESS_TOKEN', TOKEN)
    for name, value in expected.get('env', {}).items():
        monkeypatch.setenv(name, value)

    code, seen = _run(case, expected, sandbox, tmp_path, capsys)

    assert expected['why']
    assert sandbox.writes() == []
    if expected['exit_code'] in (2, 4) and not expected.get('reads_org'):
        assert sandbox.journal() == [], 'a batch refused before it starts must not even read'
    lines = [line for line in seen.splitlines() if all(part in line for part in expected['message_contains'])]
    assert code == expected['exit_code'], seen[-3000:]
    assert lines, f'no line holds all of {expected["message_contains"]}:\n{seen[-3000:]}'


def _org_cases() -> list:
    return [
        case
        for case in _cases()
        if json.loads((case.values[0] / 'expected.json').read_text(encoding='utf-8')).get('reads_org')
    ]


@pytest.mark.parametrize('case', _org_cases())
def test_a_batch_too_large_to_keep_its_claims_is_refused_by_the_org_check_all_the_same(
    case, sandbox, tmp_path, monkeypatch, capsys
):
    """The org check passes over the batch's claims several times: a small batch's are kept from the first pass, a
    larger one's are read again from the inputs at each pass (``batch.resources.CLAIMS_KEPT``); both find the same."""
    expected = json.loads((case / 'expected.json').read_text(encoding='utf-8'))
    isolate(monkeypatch, tmp_path)
    monkeypatch.setenv('WEBEX_ACCESS_TOKEN', TOKEN)
    for name, value in expected.get('env', {}).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(resources, 'CLAIMS_KEPT', 0)

    code, seen = _run(case, expected, sandbox, tmp_path, capsys)

    assert sandbox.writes() == []
    lines = [line for line in seen.splitlines() if all(part in line for part in expected['message_contains'])]
    assert code == expected['exit_code'], seen[-3000:]
    assert lines, f'no line holds all of {expected["message_contains"]}:\n{seen[-3000:]}'
