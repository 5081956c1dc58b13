"""The checkpoint's typed API: what validation and execution record is what the reports, the preflight and a watcher
from another process read back; it is the only place in the product that knows SQL."""

from __future__ import annotations

from pathlib import Path

from transformacion.batch.checkpoint import MESSAGE_LIMIT, TASK_STATUSES, Checkpoint, Snapshot, Task, snapshot
from transformacion.core.evidence import ActionLog
from transformacion.core.outcome import Outcome, Problem

PACKAGE = Path(__file__).resolve().parents[2] / 'transformacion'


def add(store: Checkpoint, dataset: str, row: int, action: str, seq: int, status: str = 'pending', chunk: int = 0):
    store.add_task(dataset, row, action, seq=seq, chunk=chunk, entity=f'{dataset}-{row}', status=status, message='')


def test_problems_come_back_typed_in_the_order_found_and_a_repeated_one_is_kept_once(store):
    store.add_problem('global.csv', None, 'color', '', 'no es un parámetro declarado')
    store.add_problem('ubicaciones.csv', 2, 'address1', '', 'es obligatorio')
    store.add_problem('ubicaciones.csv', 2, 'address1', '', 'es obligatorio')

    assert store.problems() == [
        Problem('global.csv', None, 'color', '', 'no es un parámetro declarado'),
        Problem('ubicaciones.csv', 2, 'address1', '', 'es obligatorio'),
    ]
    assert store.problem_count() == 2


def test_entity_keys_are_claimed_by_the_first_row_case_blind(store):
    assert store.claim_entity('ubicaciones', 'Norte', 1) == 1
    assert store.claim_entity('ubicaciones', 'NORTE', 4) == 1
    assert store.entity_row('ubicaciones', 'norte') == 1
    assert store.entity_row('usuarios', 'norte') is None


def test_a_task_runs_once_started_and_its_end_is_recorded_with_what_its_log_counted(store, tmp_path):
    add(store, 'ubicaciones', 1, 'alta_ubicacion', 0)
    log = ActionLog(tmp_path / 'alta_ubicacion.jsonl', 'alta_ubicacion:ubicaciones:1')
    log.count_call(200, 'tracking-1')
    log.count_call(429)
    log.count_retry()

    assert store.start('ubicaciones', 1, 'alta_ubicacion')
    assert store.task('ubicaciones', 1, 'alta_ubicacion').status == 'running'
    long_message = 'x' * (MESSAGE_LIMIT + 50)
    assert store.finish('ubicaciones', 1, 'alta_ubicacion', Outcome('executed', long_message), log, 1.23456)
    assert not store.finish('ubicaciones', 1, 'alta_ubicacion', Outcome('error', 'tarde'))
    assert not store.start('ubicaciones', 1, 'alta_ubicacion')

    task = store.task('ubicaciones', 1, 'alta_ubicacion')
    assert isinstance(task, Task)
    assert (task.status, task.attempts, task.duration_s) == ('executed', 1, 1.235)
    assert (task.api_calls, task.http_429, task.retries) == (log.api_calls, log.throttled, log.retries) == (2, 1, 1)
    assert task.tracking_id == log.tracking_id
    assert len(task.message) == MESSAGE_LIMIT and task.message.endswith('…')
    assert store.task('ubicaciones', 2, 'alta_ubicacion') is None


def test_counts_group_by_status_action_dataset_and_chunk_in_plan_order(store):
    add(store, 'workspaces', 1, 'alta_workspace', 1, 'executed')
    add(store, 'workspaces', 2, 'alta_workspace', 1, 'error', chunk=1)
    add(store, 'ubicaciones', 1, 'alta_ubicacion', 0, 'executed')
    add(store, 'ubicaciones', 2, 'alta_ubicacion', 0, 'skipped')

    assert store.counts_by_status() == dict.fromkeys(TASK_STATUSES, 0) | {'executed': 2, 'skipped': 1, 'error': 1}
    assert list(store.counts('action').items()) == [
        ('alta_ubicacion', {'executed': 1, 'skipped': 1}),
        ('alta_workspace', {'error': 1, 'executed': 1}),
    ]
    assert list(store.counts('dataset')) == ['ubicaciones', 'workspaces']
    assert store.counts('chunk') == {
        'ubicaciones#1': {'executed': 1, 'skipped': 1},
        'workspaces#1': {'executed': 1},
        'workspaces#2': {'error': 1},
    }
    assert store.count(['executed', 'error']) == 3
    assert store.count(['executed'], ['alta_workspace']) == 1
    assert store.totals().tasks == 4


def test_tasks_stream_by_row_then_plan_order_and_pending_ones_by_chunk_range(store):
    add(store, 'workspaces', 2, 'demo_ajustar_workspace', 2)
    add(store, 'workspaces', 1, 'demo_ajustar_workspace', 2, 'rejected')
    add(store, 'workspaces', 1, 'alta_workspace', 1)
    add(store, 'workspaces', 3, 'alta_workspace', 1)

    order = [(t.row, t.action) for t in store.tasks('workspaces')]
    assert order == [
        (1, 'alta_workspace'),
        (1, 'demo_ajustar_workspace'),
        (2, 'demo_ajustar_workspace'),
        (3, 'alta_workspace'),
    ]
    assert [t.row for t in store.tasks('workspaces', status='rejected')] == [1]
    assert store.pending('workspaces', 1, 2, {'alta_workspace', 'demo_ajustar_workspace'}) == {
        1: {'alta_workspace'},
        2: {'demo_ajustar_workspace'},
    }
    assert store.pending('workspaces', 1, 3, {'alta_workspace'}) == {1: {'alta_workspace'}, 3: {'alta_workspace'}}


def test_pending_rows_come_by_phase_then_by_their_first_pending_pair_and_give_their_pending_pairs_back(store):
    add(store, 'workspaces', 7, 'demo_ajustar_workspace', 0, chunk=1)
    add(store, 'workspaces', 5, 'alta_workspace', 1)
    add(store, 'usuarios', 9, 'alta_usuario', 2)
    add(store, 'workspaces', 7, 'alta_workspace', 3)
    add(store, 'workspaces', 5, 'demo_ajustar_workspace', 4)
    add(store, 'workspaces', 5, 'demo_otra_accion', 5, 'executed')
    add(store, 'workspaces', 8, 'alta_workspace', 6, 'rejected')

    assert list(store.pending_rows()) == [
        (0, 'workspaces', 5),
        (0, 'usuarios', 9),
        (0, 'workspaces', 7),
        (1, 'workspaces', 7),
    ]
    assert [t.action for t in store.pending_of_row('workspaces', 5, 0)] == ['alta_workspace', 'demo_ajustar_workspace']
    assert [t.action for t in store.pending_of_row('workspaces', 7, 1)] == ['demo_ajustar_workspace']
    assert store.pending_of_row('workspaces', 8, 0) == []


def test_continuing_requeues_what_was_in_flight_and_on_retry_what_failed_and_what_it_blocked(store):
    add(store, 'ubicaciones', 1, 'alta_ubicacion', 0, 'running')
    add(store, 'ubicaciones', 2, 'alta_ubicacion', 0, 'error')
    add(store, 'ubicaciones', 3, 'alta_ubicacion', 0, 'timeout')
    add(store, 'workspaces', 1, 'alta_workspace', 1)
    store.finish('workspaces', 1, 'alta_workspace', Outcome('skipped', 'requisito'), blocked_by='alta_ubicacion:x:2')
    add(store, 'workspaces', 2, 'alta_workspace', 1, 'executed')

    store.requeue_running()
    assert store.count(['pending']) == 1
    store.requeue_failed()
    assert store.count(['pending']) == 4
    assert store.task('workspaces', 1, 'alta_workspace').blocked_by is None
    assert store.task('workspaces', 2, 'alta_workspace').status == 'executed'


def test_a_chunk_timeout_closes_only_unfinished_tasks_and_a_rejected_batch_skips_what_was_pending(store):
    add(store, 'ubicaciones', 1, 'alta_ubicacion', 0, 'running')
    add(store, 'ubicaciones', 2, 'alta_ubicacion', 0, 'executed')
    add(store, 'ubicaciones', 3, 'alta_ubicacion', 0)

    assert store.close_unfinished('ubicaciones', [1, 2], ['alta_ubicacion'], 'sin terminar') == 1
    assert store.task('ubicaciones', 1, 'alta_ubicacion').last_error == 'sin terminar'
    store.skip_pending('no se ejecuta')
    assert store.task('ubicaciones', 3, 'alta_ubicacion').message == 'no se ejecuta'
    assert store.counts_by_status()['timeout'] == 1


def test_meta_sessions_and_a_fresh_validation(store):
    store.set_meta('batch', {'actions': ['alta_ubicacion']})
    first = store.open_session('run')
    store.close_session(first, 'stopped')
    store.open_session('resume')
    add(store, 'ubicaciones', 1, 'alta_ubicacion', 0)
    store.add_problem('ubicaciones.csv', 1, 'name', '', 'es obligatorio')
    store.claim_entity('ubicaciones', 'Norte', 1)

    assert store.meta('batch') == {'actions': ['alta_ubicacion']}
    assert store.meta('state') is None
    assert [(s.kind, s.state, s.finished_at is not None) for s in store.sessions()] == [
        ('run', 'stopped', True),
        ('resume', None, False),
    ]
    store.reset_validation()
    assert (store.totals().tasks, store.problems(), store.entity_row('ubicaciones', 'Norte')) == (0, [], None)


def test_a_snapshot_reads_a_run_from_outside_and_is_none_until_there_is_one(store, tmp_path):
    assert snapshot(tmp_path / 'nada.sqlite') is None
    store.set_meta('batch', {})
    assert snapshot(store.path) == Snapshot(True, False, 0, 0, 0)
    add(store, 'ubicaciones', 1, 'alta_ubicacion', 0, 'running')
    add(store, 'ubicaciones', 2, 'alta_ubicacion', 0, 'skipped')
    add(store, 'ubicaciones', 3, 'alta_ubicacion', 0)
    store.start('ubicaciones', 1, 'alta_ubicacion')
    store.finish('ubicaciones', 1, 'alta_ubicacion', Outcome('executed', 'hecho'))
    store.set_meta('validated', True)

    seen = snapshot(store.path)
    assert (seen.batch_recorded, seen.validated) == (True, True)
    assert (seen.finished, seen.attempted, seen.unfinished) == (2, 1, 1)


def test_the_checkpoint_is_the_only_module_of_the_product_that_knows_sqlite():
    knowing = sorted(
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob('*.py')
        if 'sqlite3' in path.read_text(encoding='utf-8') or 'FROM tasks' in path.read_text(encoding='utf-8')
    )
    assert knowing == ['batch/checkpoint.py']


def test_a_pairs_spec_and_outcome_details_are_kept_apart_and_forgotten_with_the_validation(store):
    add(store, 'usuarios', 2, 'configurar_desvio_usuario', 0)
    assert store.pair_data('usuarios', 2, 'configurar_desvio_usuario') == (None, None)

    store.set_spec('usuarios', 2, 'configurar_desvio_usuario', {'params': {'forward_busy': '1002'}, 'input_hash': 'ab'})
    store.set_details('usuarios', 2, 'configurar_desvio_usuario', {'before': {'busy_enabled': False}, 'diff': {}})
    store.set_details('usuarios', 2, 'configurar_desvio_usuario', {'before': {'busy_enabled': True}})

    assert store.pair_data('usuarios', 2, 'configurar_desvio_usuario') == (
        {'params': {'forward_busy': '1002'}, 'input_hash': 'ab'},
        {'before': {'busy_enabled': True}},
    )
    assert store.datasets() == ['usuarios']
    store.reset_validation()
    assert store.pair_data('usuarios', 2, 'configurar_desvio_usuario') == (None, None)


def _pairs_in_every_state(store: Checkpoint) -> None:
    add(store, 'usuarios', 1, 'alta_usuario', 0)
    add(store, 'usuarios', 2, 'alta_usuario', 0)
    store.start('usuarios', 2, 'alta_usuario')
    store.mark_written('usuarios', 2, 'alta_usuario')  # left running by a killed run, after a write
    add(store, 'usuarios', 3, 'alta_usuario', 0)
    store.start('usuarios', 3, 'alta_usuario')
    store.finish('usuarios', 3, 'alta_usuario', Outcome('executed', 'hecho'))
    add(store, 'usuarios', 4, 'alta_usuario', 0, status='skipped')


def test_beginning_a_pair_is_starting_it_and_reading_it_in_one_statement(tmp_path, monkeypatch):
    import transformacion.batch.checkpoint as checkpoint

    stores = [Checkpoint(tmp_path / f'{name}.sqlite') for name in ('two statements', 'returning', 'old sqlite')]
    for store in stores:
        _pairs_in_every_state(store)
    two, returning, old = stores
    begun = []
    try:
        for row in (1, 2, 3, 4, 5):
            key = ('usuarios', row, 'alta_usuario')
            expected = two.task(*key) if two.start(*key) else None
            assert returning.begin(*key) == expected, row
            monkeypatch.setattr(checkpoint, '_RETURNING', False)
            assert old.begin(*key) == expected, row
            monkeypatch.undo()
            assert returning.task(*key) == old.task(*key) == two.task(*key), row
            begun.append(expected and (expected.status, expected.attempts, expected.wrote))
    finally:
        for store in stores:
            store.close()
    assert begun == [('running', 1, False), ('running', 2, True), None, None, None]
