"""The inverse operations of a revert, against the sandbox: deleting a person or a workspace, removing numbers from a
location, restoring a setting; each under the drift guard (``Context.expect``): what the run wrote must still be
there, or nothing is written and both values are shown."""

import pytest

from tests.support.org import JORGE, JORGE_ID, RECEPCION_ID, SEDE_CENTRAL, SEDE_CENTRAL_ID
from transformacion.common import Rejected
from transformacion.configurar_desvio_usuario import configurar_desvio_usuario
from transformacion.domain.removal import delete_person, delete_workspace, remove_numbers, restore


def test_a_person_as_the_run_left_it_is_deleted_and_its_number_freed(bound_ctx, sandbox):
    api, ctx = bound_ctx
    ctx.expect = {'exists': True, 'extension': '1002', 'phone_number': '+34910000002'}

    outcome = delete_person(api, {'email': JORGE}, ctx)

    assert outcome.status == 'executed', outcome.message
    assert outcome.details['calls'] == [{'method': 'DELETE', 'path': f'/people/{JORGE_ID}', 'body': None}]
    assert JORGE_ID not in sandbox.org.people
    assert sandbox.org.numbers['+34910000002']['owner'] is None


def test_a_person_gone_already_is_skipped(bound_ctx, sandbox):
    api, ctx = bound_ctx
    api.people.delete_person(JORGE_ID)
    ctx.expect = {'exists': True, 'extension': '1002'}

    assert delete_person(api, {'email': JORGE}, ctx).status == 'skipped'


def test_a_person_changed_since_the_run_is_drift_and_stays(bound_ctx, sandbox):
    api, ctx = bound_ctx
    ctx.expect = {'exists': True, 'extension': '1099'}

    with pytest.raises(Rejected) as refused:
        delete_person(api, {'email': JORGE}, ctx)

    assert refused.value.details['drift'] == {'extension': {'expected': '1099', 'found': '1002'}}
    assert JORGE_ID in sandbox.org.people


def test_the_dry_run_plans_the_delete_and_deletes_nothing(bound_ctx, sandbox):
    api, ctx = bound_ctx
    ctx.dry_run = True

    outcome = delete_person(api, {'email': JORGE}, ctx)

    assert (outcome.status, JORGE_ID in sandbox.org.people) == ('dry_run', True)


def test_a_workspace_is_deleted_and_its_number_freed(bound_ctx, sandbox):
    api, ctx = bound_ctx
    ctx.expect = {'exists': True, 'phone_number': '+34910000009'}

    outcome = delete_workspace(api, {'name': 'Recepción Sede Central', 'location': SEDE_CENTRAL}, ctx)

    assert outcome.status == 'executed', outcome.message
    assert RECEPCION_ID not in sandbox.org.workspaces
    assert sandbox.org.numbers['+34910000009']['owner'] is None


def test_free_numbers_are_removed_five_at_a_time(bound_ctx, sandbox):
    api, ctx = bound_ctx
    free = [f'+3491000000{n}' for n in range(3, 9)]
    ctx.expect = dict.fromkeys(free, 'ACTIVE')

    outcome = remove_numbers(api, {'location': SEDE_CENTRAL, 'phone_numbers': free}, ctx)

    assert outcome.status == 'executed', outcome.message
    assert [len(call['body']['phoneNumbers']) for call in outcome.details['calls']] == [5, 1]
    assert set(free).isdisjoint(sandbox.org.numbers)


@pytest.mark.parametrize('setting', ['refuse', 'release'])
def test_an_assigned_number_or_the_main_number_is_never_sent_for_removal(bound_ctx, sandbox, setting):
    """Webex's documentation is silent on removing an assigned number: whatever the sandbox would do, the client
    refuses before sending anything."""
    sandbox.configure(assigned_number_removal=setting)
    api, ctx = bound_ctx
    wanted = ['+34910000000', '+34910000002', '+34910000003']

    with pytest.raises(Rejected) as refused:
        remove_numbers(api, {'location': SEDE_CENTRAL_ID, 'phone_numbers': wanted}, ctx)

    assert refused.value.details['main_numbers'] == ['+34910000000']
    assert refused.value.details['assigned'] == ['+34910000002']
    assert set(wanted) <= set(sandbox.org.numbers)
    assert not [entry for entry in sandbox.journal() if entry['method'] == 'DELETE']


def test_a_setting_is_restored_to_what_it_was_with_the_action_s_own_write(bound_ctx, sandbox):
    api, ctx = bound_ctx
    run_params = {'person': JORGE, 'forward_busy': '+34910000100'}
    configurar_desvio_usuario(api, run_params, ctx)
    ctx.planned.clear()
    ctx.expect = {'busy_enabled': True, 'busy_destination': '+34910000100'}
    undo = restore(configurar_desvio_usuario)

    outcome = undo(api, {'params': run_params, 'restore': {'busy_enabled': False}}, ctx)

    assert outcome.status == 'executed', outcome.message
    assert outcome.details['diff'] == {'busy_enabled': {'before': True, 'after': False}}
    assert api.person_settings.forwarding.read(JORGE_ID).call_forwarding.busy.enabled is False


def test_a_setting_changed_since_the_run_is_not_restored(bound_ctx, sandbox):
    api, ctx = bound_ctx
    configurar_desvio_usuario(api, {'person': JORGE, 'forward_busy': '+34910000200'}, ctx)
    ctx.expect = {'busy_enabled': True, 'busy_destination': '+34910000100'}
    undo = restore(configurar_desvio_usuario)

    with pytest.raises(Rejected) as refused:
        undo(api, {'params': {'person': JORGE}, 'restore': {'busy_enabled': False}}, ctx)

    assert refused.value.details['drift'] == {'busy_destination': {'expected': '+34910000100', 'found': '+34910000200'}}
    assert api.person_settings.forwarding.read(JORGE_ID).call_forwarding.busy.destination == '+34910000200'
