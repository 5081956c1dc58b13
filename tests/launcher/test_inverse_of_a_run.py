"""``batch.revert.build_inverse``: from what a run recorded per pair (params, before / diff / after), the pairs that
undo it, last done first, with their drift guards, and what only Control Hub can undo. Offline: the runs are written
straight into a checkpoint."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from transformacion.batch.checkpoint import Checkpoint
from transformacion.batch.revert import NothingToRevert, build_inverse
from transformacion.core.outcome import Outcome

EMAIL = 'ana@example.com'


def change(before: dict[str, Any] | None, after: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """The details converge leaves for a pair that went from ``before`` to ``after``."""
    diff = {key: {'before': (before or {}).get(key), 'after': value} for key, value in after.items()}
    return {'before': before, 'diff': diff, 'after': {**(before or {}), **after}, **extra}


def recorded(tmp_path: Path, *pairs: tuple[str, int, str, str, dict[str, Any], dict[str, Any]], dry_run=False) -> Path:
    """A run folder whose checkpoint says each (dataset, row, action, entity, params, details) was executed, in
    order (its place is its phase)."""
    run_dir = tmp_path / 'run'
    run_dir.mkdir()
    store = Checkpoint(run_dir / 'checkpoint.sqlite')
    store.set_meta('batch', {'dry_run': dry_run})
    store.set_meta('target', {'org_id': 'org'})
    for seq, (dataset, row, action, entity, params, details) in enumerate(pairs):
        store.add_task(dataset, row, action, seq=seq, chunk=0, entity=entity, status='pending', message='')
        store.set_spec(dataset, row, action, {'params': params})
        store.start(dataset, row, action)
        store.mark_written(dataset, row, action)
        store.set_details(dataset, row, action, details)
        store.finish(dataset, row, action, Outcome('executed', 'hecho'))
    store.close()
    return run_dir


def test_a_setting_goes_back_guarded_by_what_the_run_wrote_and_an_empty_value_is_listed(tmp_path):
    details = change(
        {'busy_enabled': False, 'busy_destination': None}, {'busy_enabled': True, 'busy_destination': '1002'}
    )
    run = recorded(tmp_path, ('usuarios', 1, 'configurar_desvio_usuario', EMAIL, {'person': EMAIL}, details))

    inverse, target = build_inverse(run)

    [pair] = inverse.pairs
    assert pair.action == 'deshacer_configurar_desvio_usuario'
    assert pair.params == {'params': {'person': EMAIL}, 'restore': {'busy_enabled': False}}
    assert pair.expect == {'busy_enabled': True, 'busy_destination': '1002'}
    [manual] = inverse.manual
    assert manual.entity == EMAIL and 'busy_destination' in manual.what and 'Control Hub' in manual.step
    assert target == {'org_id': 'org'}


def test_a_created_person_is_deleted_carrying_the_pairs_it_undoes_and_its_settings_get_no_pair(tmp_path):
    created = change(None, {'calling_license': 'Pro', 'location_id': 'L', 'extension': '1101', 'phone_number': None})
    forwarding = change({'busy_enabled': False}, {'busy_enabled': True})
    run = recorded(
        tmp_path,
        ('usuarios', 1, 'alta_usuario', EMAIL, {'email': EMAIL, 'location': 'Sede'}, created),
        ('usuarios', 1, 'configurar_desvio_usuario', EMAIL, {'person': EMAIL}, forwarding),
    )

    [pair] = build_inverse(run)[0].pairs

    assert pair.action == 'deshacer_alta_usuario'
    assert pair.expect == {'exists': True, 'location_id': 'L', 'extension': '1101', 'phone_number': None}
    assert [step['action'] for step in pair.params['replay']] == ['alta_usuario', 'configurar_desvio_usuario']
    assert pair.params['replay'][0]['expect'] is None


def test_a_person_that_existed_is_never_deleted(tmp_path):
    licensed = change({'calling_license': None, 'location_id': None}, {'calling_license': 'Pro', 'location_id': 'L'})
    run = recorded(tmp_path, ('usuarios', 1, 'alta_usuario', EMAIL, {'email': EMAIL}, licensed))

    inverse, _ = build_inverse(run)

    assert inverse.pairs == []
    [manual] = inverse.manual
    assert 'ya existía' in manual.what


def test_licenses_go_back_with_added_and_removed_swapped(tmp_path):
    details = change({'licenses': ['A', 'B']}, {'licenses': ['A', 'C']}, licenses_added=['C'], licenses_removed=['B'])
    run = recorded(tmp_path, ('usuarios', 1, 'asignar_licencias_usuario', EMAIL, {'person': EMAIL}, details))

    [pair] = build_inverse(run)[0].pairs

    assert pair.params == {'params': {'person': EMAIL, 'add_licenses': ['B'], 'remove_licenses': ['C']}}
    assert pair.expect == {'licenses': ['A', 'C']}


def test_a_pstn_connection_goes_back_to_the_one_replaced_and_none_is_listed(tmp_path):
    replaced = change({'pstnConnectionType': 'LOCAL_GATEWAY', 'routeId': 'T1'}, {'routeId': 'T2'})
    first = change({'pstnConnectionType': None, 'id': None}, {'pstnConnectionType': 'LOCAL_GATEWAY'})
    run = recorded(
        tmp_path,
        ('ubicaciones', 1, 'configurar_pstn_ubicacion', 'Norte', {'location': 'Norte', 'pstn': 'T2'}, replaced),
        ('ubicaciones', 2, 'configurar_pstn_ubicacion', 'Sur', {'location': 'Sur', 'pstn': 'T2'}, first),
    )

    inverse, _ = build_inverse(run)

    [pair] = inverse.pairs
    assert (pair.row, pair.params) == (1, {'params': {'location': 'Norte', 'pstn': 'T1'}})
    assert [item.entity for item in inverse.manual] == ['Sur']


def test_numbers_are_removed_after_their_holders_are_deleted(tmp_path):
    numbers = change({'+34910000100': None}, {'+34910000100': 'ACTIVE'})
    created = change(None, {'location_id': 'L', 'extension': None, 'phone_number': '+34910000100'})
    params = {'location': 'Sede', 'phone_numbers': ['+34910000100'], 'number_state': 'ACTIVE'}
    run = recorded(
        tmp_path,
        ('ubicaciones', 1, 'anadir_numeraciones_ubicacion', 'Sede', params, numbers),
        ('usuarios', 1, 'alta_usuario', EMAIL, {'email': EMAIL, 'location': 'Sede'}, created),
    )

    delete, remove = build_inverse(run)[0].pairs

    assert (delete.action, remove.action) == ('deshacer_alta_usuario', 'deshacer_anadir_numeraciones_ubicacion')
    assert delete.phase < remove.phase and remove.requires == (delete.key,)
    assert remove.params['phone_numbers'] == ['+34910000100'] and remove.expect == {'+34910000100': 'ACTIVE'}


def test_a_created_location_is_listed_with_its_settings_and_its_main_number_kept(tmp_path):
    numbers = change({'+34910000100': None, '+34910000101': None}, {'+34910000100': 'ACTIVE', '+34910000101': 'ACTIVE'})
    params = {'location': 'Norte', 'phone_numbers': ['+34910000100', '+34910000101'], 'number_state': 'ACTIVE'}
    run = recorded(
        tmp_path,
        ('ubicaciones', 1, 'alta_ubicacion', 'Norte', {'name': 'Norte'}, change(None, {'calling': True})),
        ('ubicaciones', 1, 'anadir_numeraciones_ubicacion', 'Norte', params, numbers),
        ('ubicaciones', 1, 'configurar_cabecera_ubicacion', 'Norte', {'location': 'Norte'},
         change({'callingLineId.phoneNumber': None}, {'callingLineId.phoneNumber': '+34910000100'})),
    )  # fmt: skip

    inverse, _ = build_inverse(run)

    [remove] = inverse.pairs
    assert remove.params['phone_numbers'] == ['+34910000101']
    assert [item.entity for item in inverse.manual] == ['Norte', '+34910000100']
    assert 'configurar_cabecera_ubicacion' in inverse.manual[0].what


def test_a_dry_run_has_nothing_to_revert(tmp_path):
    run = recorded(tmp_path, dry_run=True)

    with pytest.raises(NothingToRevert, match='dry-run'):
        build_inverse(run)
