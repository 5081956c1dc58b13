"""The README's main job: the sample batch provisions a fresh sandbox cleanly, and a second pass changes nothing."""

import csv
import json
from pathlib import Path

from tests.conftest import TOKEN
from transformacion import launcher_csv_dependencias

SAMPLES = Path(__file__).parent.parent / 'samples'


def run_launcher(capsys, *args):
    code = launcher_csv_dependencias.main(['--input_dir', str(SAMPLES), *args])
    out = capsys.readouterr().out
    return code, json.loads(out)


def statuses(results_csv):
    with open(results_csv, encoding='utf-8-sig', newline='') as handle:
        return [row['status'] for row in csv.DictReader(handle, delimiter=';')]


def test_the_sample_batch_with_the_embedded_sandbox_exits_clean(capsys, tmp_path):
    code, result = run_launcher(capsys, '--sandbox', '--log-dir', str(tmp_path))
    assert code == 0, result['summary']
    [results] = tmp_path.glob('runs/*/results_manual.csv')
    assert set(statuses(results)) <= {'executed', 'skipped'}
    assert statuses(results).count('executed') > 50


def test_a_second_pass_over_the_samples_is_all_skipped_with_zero_writes(sandbox, capsys, tmp_path):
    args = ('--base-url', sandbox.base_url, '--token', TOKEN, '--yes')
    first, _ = run_launcher(capsys, *args, '--log-dir', str(tmp_path / 'first'))
    assert first == 0
    writes = len(sandbox.writes())
    second, result = run_launcher(capsys, *args, '--log-dir', str(tmp_path / 'second'))
    assert second == 0
    [results] = (tmp_path / 'second').glob('runs/*/results_manual.csv')
    assert set(statuses(results)) == {'skipped'}, 'ni siquiera precheck_workspace, que solo lee, cuenta como executed'
    assert result['summary']['by_status']['executed'] == 0
    assert result['status'] == 'skipped', 'a batch that writes nothing says so in its status'
    assert set(result['summary']['by_category']) <= {'sin_cambios', 'no_aplica'}
    assert len(sandbox.writes()) == writes
