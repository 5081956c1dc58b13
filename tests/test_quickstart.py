"""The README's main job: the sample batch provisions a fresh sandbox cleanly, and a second pass changes nothing."""

from pathlib import Path

from tests.support.files import SAMPLES, read_csv
from tests.support.runs import TOKEN, Run, run_main
from transformacion import launcher_csv_dependencias


def run_launcher(capsys, *args: str) -> Run:
    return run_main(launcher_csv_dependencias.main, ['--input_dir', str(SAMPLES), *args], capsys)


def statuses(results_csv: Path) -> list[str]:
    _, rows = read_csv(results_csv)
    return [row['status'] for row in rows]


def test_the_sample_batch_with_the_embedded_sandbox_exits_clean(capsys, tmp_path):
    run = run_launcher(capsys, '--sandbox', '--log-dir', str(tmp_path))
    assert run.code == 0, run.summary
    [results] = tmp_path.glob('runs/*/results_manual.csv')
    assert set(statuses(results)) <= {'executed', 'skipped'}
    assert statuses(results).count('executed') > 50


def test_a_second_pass_over_the_samples_is_all_skipped_with_zero_writes(sandbox, capsys, tmp_path):
    args = ('--base-url', sandbox.base_url, '--token', TOKEN, '--yes')
    first = run_launcher(capsys, *args, '--log-dir', str(tmp_path / 'first'))
    assert first.code == 0
    writes = len(sandbox.writes())
    second = run_launcher(capsys, *args, '--log-dir', str(tmp_path / 'second'))
    assert second.code == 0
    [results] = (tmp_path / 'second').glob('runs/*/results_manual.csv')
    assert set(statuses(results)) == {'skipped'}, 'not even precheck_workspace, which only reads, counts as executed'
    assert second.summary['by_status']['executed'] == 0
    assert second.result['status'] == 'skipped', 'a batch that writes nothing says so in its status'
    assert set(second.summary['by_category']) <= {'sin_cambios', 'no_aplica'}
    assert len(sandbox.writes()) == writes
