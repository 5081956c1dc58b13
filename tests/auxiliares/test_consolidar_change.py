"""consolidar_reportes tells the change: per org, per kind of entity and per site, with dry runs and refused batches
apart, failures grouped by reason with the next step, and runs selected by id, date and org."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.support.change_window import OPERATOR_EMAIL, OTHER_ORG
from tests.support.files import read_csv
from transformacion import consolidar_reportes
from transformacion.batch.report import RESULT_COLUMNS
from transformacion.core.csvfiles import write_csv


@pytest.fixture
def consolidate(window, tmp_path, capsys):
    """``python -m transformacion.consolidar_reportes --runs-dir <window logs> ARGS``; (exit code, result object)."""

    def run(*args: str, runs_dir: Path | None = None) -> tuple[int, dict]:
        capsys.readouterr()
        code = consolidar_reportes.main(
            [
                '--runs-dir',
                str(runs_dir or window.log_dir / 'runs'),
                '--output',
                str(tmp_path / 'c.csv'),
                '--html',
                str(tmp_path / 'informe.html'),
                *args,
            ]
        )
        return code, json.loads(capsys.readouterr().out)

    return run


def _none(**states: int) -> dict[str, int]:
    return {'creada': 0, 'actualizada': 0, 'sin_cambios': 0, 'fallida': 0, 'pendiente': 0} | states


def test_the_change_is_told_per_org_and_entity_with_dry_runs_and_refused_batches_apart(window, consolidate, tmp_path):
    code, reply = consolidate()

    assert (code, reply['status']) == (0, 'executed')
    result = reply['result']
    org_a, org_b = result['changes']
    assert org_a['target'] == {
        'org_id': window.org_a.org_id,
        'org_name': window.org_a.name,
        'base_url': window.org_a.base_url,
    }
    assert org_a['runs'] == [window.run_id('first'), window.run_id('second')]
    assert org_a['inputs'] == [str(window.inputs['a']), str(window.inputs['a2'])]
    assert OPERATOR_EMAIL in org_a['operators'][0]
    assert org_a['headline'] == {
        'ubicaciones': _none(creada=2),
        'usuarios': _none(creada=2, actualizada=1, sin_cambios=1, fallida=1),
    }
    assert org_a['by_site'] == {
        'Norte': {'ubicaciones': _none(creada=1), 'usuarios': _none(creada=1, fallida=1)},
        'Sur': {'ubicaciones': _none(creada=1), 'usuarios': _none(creada=1)},
        'Sede Central': {'usuarios': _none(actualizada=1, sin_cambios=1)},
    }
    assert (org_b['target']['org_name'], org_b['runs']) == (OTHER_ORG, [window.run_id('other')])
    assert org_b['headline'] == {'ubicaciones': _none(creada=1), 'usuarios': _none(creada=1)}
    assert result['headline']['usuarios'] == _none(creada=3, actualizada=1, sin_cambios=1, fallida=1)

    [dry] = result['dry_runs']
    assert dry['runs'] == [window.run_id('dry')]
    assert dry['headline'] == {'ubicaciones': _none(creada=2), 'usuarios': _none(creada=3)}
    assert result['rejected_runs'] == [window.run_id('refused')]

    [failure] = org_a['failures']
    assert (failure['category'], failure['count']) == ('permission', 1)
    assert (failure['example']['key'], failure['example']['action']) == (
        'bruno.norte@x.example.com',
        'configurar_desvio_usuario',
    )
    assert f'--retry-failed {window.run_id("first")}' in failure['next_step']
    assert result['still_failing'] == 1
    assert [row['key'] for row in result['failing_rows']] == ['bruno.norte@x.example.com']

    header, rows = read_csv(tmp_path / 'c.csv')
    assert header == ['run_id', *RESULT_COLUMNS]
    assert len(rows) == result['rows'] == sum(window.rows(name) for name in window.runs)
    assert [run['kind'] for run in result['runs']] == ['dry_run', 'rejected', 'real', 'real', 'real']


def test_a_dry_run_failure_is_not_a_failure_of_the_change(window, consolidate):
    code, reply = consolidate('--run-id', window.run_id('dry'))

    assert code == 0
    result = reply['result']
    assert (result['changes'], result['still_failing'], result['failing_rows']) == ([], 0, [])
    assert [dry['runs'] for dry in result['dry_runs']] == [[window.run_id('dry')]]


def test_runs_are_selected_by_org_name_or_id(window, consolidate, tmp_path):
    code, reply = consolidate('--org', OTHER_ORG.upper())

    assert code == 0
    result = reply['result']
    assert [change['runs'] for change in result['changes']] == [[window.run_id('other')]]
    assert (result['dry_runs'], result['rejected_runs']) == ([], [])
    _, rows = read_csv(tmp_path / 'c.csv')
    assert {row['run_id'] for row in rows} == {window.run_id('other')}

    code, reply = consolidate('--org', window.org_a.org_id)

    assert code == 0
    result = reply['result']
    assert [run['run_id'] for run in result['runs']] == [window.run_id(name) for name in ('dry', 'first', 'second')]
    assert f'{window.run_id("refused")}: no registró su organización; fuera de --org' in result['warnings']


def test_runs_are_selected_by_id_and_by_start_date(window, consolidate):
    code, reply = consolidate('--run-id', f'{window.run_id("first")},{window.run_id("other")}')

    assert code == 0
    assert [run['run_id'] for run in reply['result']['runs']] == [window.run_id('first'), window.run_id('other')]

    today = datetime.now(UTC).date()
    code, reply = consolidate('--since', today.isoformat(), '--until', today.isoformat())

    assert code == 0
    assert len(reply['result']['runs']) == len(window.runs)

    code, reply = consolidate('--until', (today - timedelta(days=1)).isoformat())

    assert (code, reply['status']) == (2, 'rejected')
    assert 'ninguna de las 5 ejecución(es) cumple la selección' in reply['summary']['message']


@pytest.mark.parametrize(
    ('args', 'why'),
    [
        (('--since', 'ayer'), "--since: fecha no válida 'ayer'"),
        (('--run-id', 'no-existe'), '--run-id: no se encuentra(n) no-existe'),
    ],
)
def test_a_bad_selection_is_rejected(consolidate, args, why):
    code, reply = consolidate(*args)

    assert (code, reply['status']) == (2, 'rejected')
    assert why in reply['summary']['message']


def test_a_run_that_did_not_record_its_target_is_reported_as_unknown(window, consolidate, tmp_path):
    runs = tmp_path / 'antiguas'
    old = shutil.copytree(window.runs['other'], runs / window.run_id('other'))
    summary = json.loads((old / 'summary.json').read_text(encoding='utf-8'))
    for name in ('target', 'operator', 'versions', 'input', 'input_dir', 'inputs'):
        summary.pop(name, None)
    (old / 'summary.json').write_text(json.dumps(summary), encoding='utf-8')

    code, reply = consolidate(runs_dir=runs)

    assert code == 0
    [change] = reply['result']['changes']
    assert change['target'] == {'base_url': '', 'org_id': '', 'org_name': ''}
    assert (change['operators'], change['inputs']) == (['desconocido'], ['desconocido'])
    assert change['headline'] == {'ubicaciones': _none(creada=1), 'usuarios': _none(creada=1)}
    page = (tmp_path / 'informe.html').read_text(encoding='utf-8')
    assert 'no registró su organización' in page

    code, reply = consolidate('--org', OTHER_ORG, runs_dir=runs)

    assert code == 2
    assert f'{window.run_id("other")}: no registró su organización; fuera de --org' in reply['summary']['message']


def test_the_category_a_run_wrote_for_a_pair_wins_over_its_status(window, consolidate, tmp_path):
    """results_manual.csv with the ``category`` column (issue 15): an executed pair that wrote nothing (a read-only
    action run again) counts as unchanged, and a failure is grouped under the category the run gave it."""
    runs = tmp_path / 'con_categoria'
    categories = {'first': {'executed': 'aplicado', 'error': 'conflict'}, 'second': {'executed': 'sin_cambios'}}
    for name, by_status in categories.items():
        copy = shutil.copytree(window.runs[name], runs / window.run_id(name))
        header, rows = read_csv(copy / 'results_manual.csv')
        for row in rows:
            row['category'] = by_status.get(row['status'], '')
        columns = list(dict.fromkeys([*header, 'category']))
        write_csv(copy / 'results_manual.csv', columns, ([row[c] for c in columns] for row in rows), protect=False)

    code, reply = consolidate(runs_dir=runs)

    assert code == 0
    [change] = reply['result']['changes']
    assert change['headline']['usuarios'] == _none(creada=2, sin_cambios=2, fallida=1)
    assert [(group['category'], group['count']) for group in change['failures']] == [('conflict', 1)]
