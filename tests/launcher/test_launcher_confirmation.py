"""High-impact changes in a batch: refused without --yes (sin_confirmar), applied later with --retry-failed --yes,
and a --yes given to a session of the run holds for the rest of it."""

from __future__ import annotations

from tests.support.batches import read_results, write_folder
from transformacion.batch.checkpoint import Checkpoint

SEDE = 'Sede Central'
PERMISSIONS = {'name': SEDE, 'outgoing_permissions': 'PREMIUM_SERVICES_I:ALLOW'}


def outgoing_writes(sandbox) -> list[dict]:
    return [w for w in sandbox.writes() if w['path'].endswith('/outgoingPermission')]


def test_a_change_refused_for_lack_of_yes_is_applied_by_retry_failed_with_yes(launch, sandbox, tmp_path):
    folder = write_folder(tmp_path / 'lote', ubicaciones=[PERMISSIONS])

    refused = launch('--input_dir', str(folder), '--actions', 'configurar_permisos_salientes_ubicacion')

    assert refused.code == 3, refused.stderr
    [row] = read_results_of(refused)
    assert (row['status'], row['category']) == ('rejected', 'sin_confirmar')
    assert row['message'].startswith(
        'cambio de alto impacto sin confirmar: revise el estado actual y el deseado y repita con --yes; '
    ), 'the command line names --yes'
    assert f'--retry-failed {refused.run_dir.name} --yes' in refused.stderr
    assert outgoing_writes(sandbox) == []

    applied = launch('--retry-failed', refused.run_dir.name, '--yes')

    assert applied.code == 0, applied.stderr
    [row] = read_results_of(applied)
    assert (row['status'], row['category']) == ('executed', 'aplicado')
    assert len(outgoing_writes(sandbox)) == 1
    store = Checkpoint(applied.run_dir / 'checkpoint.sqlite')
    try:
        assert store.meta('assume_yes') is True, 'a later --resume needs no --yes'
    finally:
        store.close()


def read_results_of(run) -> list[dict[str, str]]:
    return [r for r in read_results(run) if r['action'] == 'configurar_permisos_salientes_ubicacion']


def test_the_dry_run_says_which_changes_will_need_yes(launch, sandbox, tmp_path):
    folder = write_folder(tmp_path / 'lote', ubicaciones=[PERMISSIONS])

    planned = launch('--input_dir', str(folder), '--actions', 'configurar_permisos_salientes_ubicacion', '--dry-run')

    assert planned.code == 0, planned.stderr
    [row] = read_results_of(planned)
    assert (row['status'], row['category']) == ('dry_run', 'requiere_yes')
    assert 'pedirá --yes' in row['message']
    assert planned.result['summary']['by_category']['requiere_yes'] == 1
    assert 'la ejecución real necesita --yes' in planned.stderr
    assert outgoing_writes(sandbox) == []

    confirmed = launch(
        '--input_dir', str(folder), '--actions', 'configurar_permisos_salientes_ubicacion', '--dry-run', '--yes'
    )

    [row] = read_results_of(confirmed)
    assert (row['status'], row['category']) == ('dry_run', 'simulado')
