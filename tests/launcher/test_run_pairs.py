"""``batch.run.run_pairs``: a run of given row x action pairs (typed params, the state each expects, what each
requires) through the same machinery as a run of input files, with the action registry passed in."""

from __future__ import annotations

import io

import pytest

from tests.support.batches import CATALOG, checkpoint_task, read_results, statuses
from tests.support.org import SEDE_CENTRAL
from tests.support.runs import TOKEN
from transformacion.batch.options import NotStarted
from transformacion.batch.pairs import Pair
from transformacion.batch.run import continue_run, run_pairs
from transformacion.core.context import ANY_STATE

CREATE = 'demo_crear_workspace'
ADJUST = 'demo_ajustar_workspace'


def _run(runner, pairs, **options):
    return run_pairs(
        pairs,
        runner.settings(),
        runner.connection(),
        catalog=CATALOG,
        log_dir=runner.log_dir,
        sleep=runner.slept.append,
        stream=io.StringIO(),
        **options,
    )


def _capacity(sandbox, name: str):
    return next(w.get('capacity') for w in sandbox.org.workspaces.values() if w['display_name'] == name)


def _create(name: str, row: int) -> Pair:
    return Pair('workspaces', row, CREATE, {'name': name, 'location': SEDE_CENTRAL}, entity=name)


def _adjust(name: str, row: int, capacity: int, expect=ANY_STATE) -> Pair:
    return Pair(
        'workspaces',
        row,
        ADJUST,
        {'workspace': name, 'capacity': capacity},
        entity=name,
        expect=expect,
        requires=(('workspaces', row, CREATE),),
        phase=1,
    )


def test_pairs_run_in_phase_order_and_record_results(runner, sandbox):
    report = _run(runner, [_adjust('Sala Pares', 1, 6), _create('Sala Pares', 1)])

    assert report.state == 'completed' and report.exit_code == 0
    assert statuses(report) == {('workspaces', '1', CREATE): 'executed', ('workspaces', '1', ADJUST): 'executed'}
    assert _capacity(sandbox, 'Sala Pares') == 6
    assert (report.run_dir / f'{ADJUST}.jsonl').is_file()


def test_the_pairs_of_many_rows_run_once_each_phase_after_phase(runner, sandbox):
    names = [f'Sala Fase {row}' for row in range(1, 5)]
    pairs = [_adjust(name, row, 10 + row) for row, name in enumerate(names, start=1)]
    pairs += [_create(name, row) for row, name in reversed(list(enumerate(names, start=1)))]

    report = _run(runner, pairs)

    assert report.state == 'completed' and report.exit_code == 0
    assert set(statuses(report).values()) == {'executed'} and len(statuses(report)) == 8
    assert sorted(w['display_name'] for w in sandbox.org.workspaces.values() if w['display_name'] in names) == names
    assert [_capacity(sandbox, name) for name in names] == [11, 12, 13, 14]


def test_a_pair_whose_state_drifted_is_rejected_and_its_dependants_blocked(runner, sandbox):
    _run(runner, [_create('Sala Deriva', 1), _create('Sala Fiel', 2)])
    _run(runner, [_adjust('Sala Deriva', 1, 3), _adjust('Sala Fiel', 2, 3)])
    follower = Pair(
        'workspaces',
        1,
        'demo_vecino_workspace',
        {'workspace': 'Sala Deriva', 'neighbour': 'Sala Fiel'},
        requires=(('workspaces', 1, ADJUST),),
        phase=2,
    )

    report = _run(
        runner,
        [_adjust('Sala Deriva', 1, 9, expect={'capacity': 4}), _adjust('Sala Fiel', 2, 9, {'capacity': 3}), follower],
    )

    drifted = checkpoint_task(report, 'workspaces', 1, ADJUST)
    assert (drifted.status, drifted.category) == ('rejected', 'drift')
    assert 'esperado 4, encontrado 3' in drifted.message
    blocked = checkpoint_task(report, 'workspaces', 1, 'demo_vecino_workspace')
    assert (blocked.status, blocked.category, blocked.blocked_by) == ('skipped', 'bloqueado', f'{ADJUST}:workspaces:1')
    assert checkpoint_task(report, 'workspaces', 2, ADJUST).status == 'executed'
    assert (_capacity(sandbox, 'Sala Deriva'), _capacity(sandbox, 'Sala Fiel')) == (3, 9)
    assert report.summary['failures'][0]['category'] == 'drift'


def test_a_pair_already_in_its_desired_state_is_skipped_despite_its_guard(runner, sandbox):
    _run(runner, [_create('Sala Hecha', 1), _adjust('Sala Hecha', 1, 5)])

    report = _run(runner, [_adjust('Sala Hecha', 1, 5, expect={'capacity': 2})])

    assert [(r['status'], r['category']) for r in read_results(report)] == [('skipped', 'sin_cambios')]


def test_pairs_bound_to_another_organisation_are_refused_before_any_write(runner, sandbox):
    before = len(sandbox.writes())
    other = {'base_url': sandbox.base_url, 'org_id': 'otra-org', 'org_name': 'Otra S.A.', 'owner_org_id': 'otra-org'}

    with pytest.raises(NotStarted, match='otro destino'):
        _run(runner, [_create('Sala Ajena', 1)], target=other)

    assert len(sandbox.writes()) == before
    assert not (runner.log_dir / 'runs').exists() or not any((runner.log_dir / 'runs').iterdir())


def test_a_pairs_run_resumes_with_the_catalogue_it_is_given(runner, sandbox):
    report = _run(runner, [_create('Sala Parada', 1), _adjust('Sala Parada', 1, 7)], dry_run=False)
    assert report.state == 'completed'

    again = continue_run(
        report.run_id,
        runner.settings(),
        (TOKEN, sandbox.base_url),
        retry_failed=True,
        log_dir=runner.log_dir,
        catalog=CATALOG,
        stream=io.StringIO(),
    )

    assert again.state == 'completed'
    assert statuses(again) == statuses(report)
