"""converge under a drift guard (``Context.expect``): what a saved plan or a revert read is what it must find before
it writes; anything else is refused with reason ``drift`` and nothing is written."""

import pytest

from transformacion.core.context import Context, converge
from transformacion.core.evidence import action_logger
from transformacion.core.outcome import Rejected


def run(tmp_path, current, desired, expect):
    """converge over an in-memory entity (``current``, None when absent) whose writes take effect."""
    state = {'entity': current}
    writes = []

    def write(changes):
        writes.append(changes)
        state['entity'] = {**state['entity'], **{key: change['after'] for key, change in changes.items()}}

    ctx = Context(log=action_logger('prueba', log_dir=tmp_path), expect=expect)
    outcome = converge(
        ctx,
        entity='desvío de la persona',
        read=lambda: state['entity'],
        desired=desired,
        write=write,
        create=lambda: writes.append('create'),
    )
    return outcome, writes


def test_the_state_the_plan_read_is_written_over(tmp_path):
    outcome, writes = run(tmp_path, {'busy_enabled': False}, {'busy_enabled': True}, {'busy_enabled': False})

    assert outcome.status == 'executed'
    assert writes == [{'busy_enabled': {'before': False, 'after': True}}]


def test_a_field_changed_since_the_plan_is_refused_as_drift_before_any_write(tmp_path):
    current = {'busy_enabled': True, 'busy_destination': '+34910000999'}
    expect = {'busy_enabled': True, 'busy_destination': '+34910000100'}

    with pytest.raises(Rejected, match='drift') as refusal:
        run(tmp_path, current, {'busy_destination': '+34910000200'}, expect)

    assert refusal.value.details['reason'] == 'drift'
    assert refusal.value.details['drift'] == {'busy_destination': {'expected': '+34910000100', 'found': '+34910000999'}}


def test_only_the_expected_fields_are_compared(tmp_path):
    current = {'busy_enabled': False, 'no_answer_rings': 7}

    _, writes = run(tmp_path, current, {'busy_enabled': True}, {'busy_enabled': False})

    assert writes == [{'busy_enabled': {'before': False, 'after': True}}]


def test_an_entity_created_by_someone_else_since_the_plan_is_drift(tmp_path):
    with pytest.raises(Rejected) as refusal:
        run(tmp_path, {'name': 'Recepción', 'calling': False}, {'calling': True}, None)

    assert refusal.value.details['drift'] == {'exists': {'expected': False, 'found': True}}


def test_an_entity_removed_since_the_plan_is_drift(tmp_path):
    with pytest.raises(Rejected) as refusal:
        run(tmp_path, None, {'calling': True}, {'calling': False})

    assert refusal.value.details['drift'] == {'exists': {'expected': True, 'found': False}}


def test_a_desired_state_already_there_is_skipped_whatever_the_plan_read(tmp_path):
    outcome, writes = run(tmp_path, {'busy_enabled': True}, {'busy_enabled': True}, {'busy_enabled': False})

    assert (outcome.status, writes) == ('skipped', [])


def test_without_a_guard_any_state_is_written_over(tmp_path):
    ctx = Context(log=action_logger('prueba', log_dir=tmp_path))
    writes = []

    converge(ctx, entity='e', read=lambda: {'a': 1}, desired={'a': 2}, write=lambda c: writes.append(c))

    assert writes == [{'a': {'before': 1, 'after': 2}}]
