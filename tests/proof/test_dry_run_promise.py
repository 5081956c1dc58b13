"""The dry-run is a promise (issue 14): what it accepts the real run applies; what the real run would refuse, it
refuses first. The corpus, tests/data/dry_run_promise/<case>/:

- ``input/``: the batch (global.csv and datasets), run with ``--input_dir``;
- ``org.json`` (optional): the organisation the sandbox starts from, a sandbox fixture (the packaged default org
  when absent);
- ``case.json``: ``why`` (what the case is about) and ``args`` (extra launcher options of both runs, e.g.
  ``--skip-invalid``);
- ``expected.json``: what the dry-run finds: its ``exit_code`` and its validation ``problems`` (file, row, column,
  value, why), and the pairs it says need ``--yes`` (``requiere_yes``).

Each case runs the dry-run against a fresh sandbox, then the real run against another fresh sandbox with the same
options, both in-process, and checks that every pair the real run refuses or fails for an input reason was
reported by the dry-run (a validation problem on its row, a refused pair, or, for a pair refused for lack of
``--yes``, a pair of its row that needs it: the real run refuses the whole row, before any of its pairs writes,
rather than half apply it), that a dry-run exiting 0 with nothing needing ``--yes`` leads to a real run without a
single refused pair, and that the dry-run found what expected.json says. No fault is injected: every failure is an
input reason.
"""

from __future__ import annotations

import contextlib
import io
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from tests.support.runs import TOKEN, isolate
from transformacion import launcher_csv_dependencias
from transformacion.batch.checkpoint import Checkpoint
from transformacion.sandbox import running_sandbox

CORPUS = Path(__file__).resolve().parents[1] / 'data' / 'dry_run_promise'
#: the categories of a failed pair that say the input (or the org the input meets) is the reason
INPUT_REASONS = ('invalid_input', 'sin_confirmar', 'not_found', 'conflict')


def _cases() -> list[Any]:
    return [pytest.param(case, id=case.name) for case in sorted(path for path in CORPUS.iterdir() if path.is_dir())]


def _launch(case: Path, tmp_path: Path, name: str, *extra: str) -> tuple[int, dict[str, Any], Path]:
    """The launcher over the case's input against a fresh sandbox of the case's org: exit code, result object and
    run folder."""
    spec = json.loads((case / 'case.json').read_text('utf-8'))
    fixture = case / 'org.json' if (case / 'org.json').is_file() else None
    with running_sandbox(token=TOKEN, fixture=fixture) as sandbox:
        out = io.StringIO()
        args = ['--input_dir', str(case / 'input'), '--base-url', sandbox.base_url, '--token', TOKEN]
        args += ['--log-dir', str(tmp_path / name), *spec['args'], *extra]
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            code = launcher_csv_dependencias.main(args)
    result = json.loads(out.getvalue())
    return code, result, Path(result['result']['run_dir'])


def _read(run_dir: Path) -> tuple[list[dict[str, Any]], list[Any]]:
    """The validation problems and the tasks of a run."""
    store = Checkpoint(run_dir / 'checkpoint.sqlite')
    try:
        problems = [asdict(problem) for problem in store.problems()]
        tasks = [task for dataset in ('ubicaciones', 'usuarios', 'workspaces') for task in store.tasks(dataset)]
        return problems, tasks
    finally:
        store.close()


@pytest.mark.parametrize('case', _cases())
def test_what_the_real_run_refuses_the_dry_run_reported_first(case, tmp_path, monkeypatch):
    isolate(monkeypatch, tmp_path)
    monkeypatch.setenv('TRANSFORMACION_MAX_ATTEMPTS', '1')
    expected = json.loads((case / 'expected.json').read_text('utf-8'))

    dry_code, _, dry_dir = _launch(case, tmp_path, 'dry', '--dry-run')
    dry_problems, dry_tasks = _read(dry_dir)
    needs_yes = sorted(
        f'{task.dataset}:{task.row}:{task.action}' for task in dry_tasks if task.category == 'requiere_yes'
    )
    assert {'exit_code': dry_code, 'problems': dry_problems, 'requiere_yes': needs_yes} == {
        key: expected[key] for key in ('exit_code', 'problems', 'requiere_yes')
    }

    real_code, _, real_dir = _launch(case, tmp_path, 'real')
    _, real_tasks = _read(real_dir)
    refused = [
        task
        for task in real_tasks
        if task.status == 'rejected' or (task.status in ('error', 'timeout') and task.category in INPUT_REASONS)
    ]
    problem_rows = {(problem['file'], problem['row']) for problem in dry_problems}
    dry = {(task.dataset, task.row, task.action): task for task in dry_tasks}
    rows_needing_yes = {(task.dataset, task.row) for task in dry_tasks if task.category == 'requiere_yes'}
    unreported = [
        f'{task.dataset} fila {task.row} {task.action}: {task.status} ({task.message})'
        for task in refused
        if (f'{task.dataset}.csv', task.row) not in problem_rows
        and dry[task.dataset, task.row, task.action].status != 'rejected'
        and not (task.category == 'sin_confirmar' and (task.dataset, task.row) in rows_needing_yes)
    ]
    assert unreported == [], 'the real run refused what the dry-run had not reported'
    wrote = {(task.dataset, task.row) for task in real_tasks if task.wrote}
    half_applied = [
        f'{t.dataset} fila {t.row}' for t in refused if t.category == 'sin_confirmar' and (t.dataset, t.row) in wrote
    ]
    assert half_applied == [], 'a row refused for lack of --yes after some of its pairs wrote'
    if dry_code == 0 and not needs_yes:
        assert (real_code, [t.action for t in refused]) == (0, [])


def test_a_row_whose_permissions_need_yes_is_not_half_applied(tmp_path, monkeypatch):
    """Forwarding and outgoing permissions in one row, without --yes: the real run refuses both pairs before either
    writes (the permissions would need a confirmation a batch cannot ask), so Jorge's forwarding stays as it was."""
    isolate(monkeypatch, tmp_path)
    case = CORPUS / 'permisos_salientes_y_desvio_sin_yes'
    spec = json.loads((case / 'case.json').read_text('utf-8'))
    with running_sandbox(token=TOKEN) as sandbox:
        before = sandbox.org.dump()
        out = io.StringIO()
        args = ['--input_dir', str(case / 'input'), '--base-url', sandbox.base_url, '--token', TOKEN]
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            code = launcher_csv_dependencias.main([*args, '--log-dir', str(tmp_path / 'logs'), *spec['args']])
        writes = sandbox.writes()
        after = sandbox.org.dump()
    _, tasks = _read(Path(json.loads(out.getvalue())['result']['run_dir']))

    assert code == 3 and writes == [] and after == before
    refused = {task.action: (task.status, task.category) for task in tasks if task.status != 'skipped'}
    assert refused == {
        'configurar_desvio_usuario': ('rejected', 'sin_confirmar'),
        'configurar_permisos_salientes_usuario': ('rejected', 'sin_confirmar'),
    }
