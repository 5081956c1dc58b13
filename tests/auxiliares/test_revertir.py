"""``python -m transformacion.revertir RUN``: what it refuses before writing anything, a run with nothing to undo, and a
revert stopped and continued with ``--resume`` (with the inverse operations, which are not in the public catalogue).
The proofs of what a revert leaves in the org are in tests/proof/test_revert.py."""

from tests.support.batches import location, write_folder
from tests.support.org import SEDE_CENTRAL
from transformacion.batch.options import EXIT_CODES


def test_an_unknown_run_is_refused_before_anything(script):
    run = script('revertir', '20990101T000000Z-abcdef')

    assert (run.code, run.status) == (EXIT_CODES['not_started'], 'rejected')
    assert 'no existe la ejecución' in run.result['summary']['message']


def test_a_dry_run_has_nothing_to_undo(script, tmp_path):
    write_folder(tmp_path / 'lote', ubicaciones=[location('Norte')])
    script('launcher_csv_dependencias', '--input_dir', str(tmp_path / 'lote'), '--dry-run')

    run = script('revertir', 'last')

    assert run.code == EXIT_CODES['not_started']
    assert 'dry-run' in run.result['summary']['message']


def test_a_run_that_wrote_nothing_is_skipped_with_nothing_written(script, sandbox, tmp_path):
    write_folder(tmp_path / 'lote', ubicaciones=[location('Norte')])
    script('launcher_csv_dependencias', '--input_dir', str(tmp_path / 'lote'), '--actions', 'alta_ubicacion')
    writes = len(sandbox.writes())
    script('launcher_csv_dependencias', '--input_dir', str(tmp_path / 'lote'), '--actions', 'alta_ubicacion')

    run = script('revertir', 'last')

    assert (run.code, run.status) == (0, 'skipped')
    assert len(sandbox.writes()) == writes


def test_a_created_location_is_listed_with_its_manual_step(script, sandbox, tmp_path):
    write_folder(tmp_path / 'lote', ubicaciones=[location('Norte')])
    script('launcher_csv_dependencias', '--input_dir', str(tmp_path / 'lote'), '--actions', 'alta_ubicacion')

    run = script('revertir', 'last')

    [item] = run.result['result']['no_revertible']
    assert item['entity'] == 'Norte' and 'Eliminar ubicación' in item['step']
    assert run.status == 'skipped' and 'Control Hub' in run.stderr


def person(email: str, extension: str) -> dict[str, str]:
    """A usuarios.csv row that creates a calling user of the default org's Sede Central."""
    return {
        'email': email,
        'first_name': 'Ana',
        'last_name': 'Prueba',
        'location': SEDE_CENTRAL,
        'extension': extension,
    }


def test_a_stopped_revert_is_continued_with_resume(script, sandbox, tmp_path):
    rows = [person(f'ana{n}@transformacion-demo.example.com', f'17{n}0') for n in range(3)]
    write_folder(tmp_path / 'lote', usuarios=rows)
    applied = script('launcher_csv_dependencias', '--input_dir', str(tmp_path / 'lote'), '--actions', 'alta_usuario')
    assert applied.code == 0, applied.stderr
    sandbox.configure(latency_ms=300)
    stopped = script('revertir', applied.result['result']['run_id'], '--job-timeout', '0.2', '--concurrency', '1')
    assert stopped.code == EXIT_CODES['stopped'], stopped.stderr
    sandbox.configure(latency_ms=0)

    resumed = script('revertir', '--resume', stopped.result['result']['run_id'])

    assert resumed.code == 0, resumed.stderr
    assert resumed.summary['by_status']['pending'] == 0
    assert [session['kind'] for session in resumed.summary['timings']['sessions']] == ['run', 'resume']
    assert resumed.summary['by_status']['executed'] == 3
    assert not [p for p in sandbox.org.people.values() if p['emails'][0].startswith('ana')]
