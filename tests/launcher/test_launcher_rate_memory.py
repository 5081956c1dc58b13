"""A run without --rate-limit learns the org's rate from its 429s; the next run against the same org (same API base
URL, same org id) starts from it instead of probing again, and a run with --rate-limit keeps the operator's rate."""

import json
from pathlib import Path

from tests.launcher.test_launcher_bulk_people import plenty_of_units, users
from tests.support.batches import write_folder
from tests.support.runs import Run
from transformacion.batch.checkpoint import Checkpoint
from transformacion.batch.rate_memory import RATES_FILE, remember
from transformacion.core.transport import RateController


def run_meta(log_dir: Path, name: str) -> list:
    """``name`` from the checkpoint of every run in ``log_dir``, oldest first."""
    found = []
    for path in sorted((log_dir / 'runs').glob('*/checkpoint.sqlite')):
        store = Checkpoint(path)
        try:
            found.append(store.meta(name))
        finally:
            store.close()
    return found


def summary_of(run: Run) -> dict:
    return json.loads((run.run_dir / 'summary.json').read_text(encoding='utf-8'))


def remembered(log_dir: Path) -> dict:
    return json.loads((log_dir / RATES_FILE).read_text(encoding='utf-8'))['rates']


def test_a_rate_learnt_from_a_429_is_remembered_for_the_org_and_starts_the_next_run(launch, sandbox, log_dir, tmp_path):
    plenty_of_units(sandbox)
    sandbox.configure(rate_limit=15)  # the org's limit, found by the first run's 429s (a few seconds of them)

    first = launch('--input_dir', str(write_folder(tmp_path / 'a', usuarios=users(40))), '--actions', 'alta_usuario')

    assert first.code == 0, first.stderr
    [target] = run_meta(log_dir, 'target')
    [entry] = remembered(log_dir).values()
    assert (entry['base_url'], entry['org_id']) == (target['base_url'], target['org_id'])
    assert 10 <= entry['rate'] <= 16 and entry['learnt_at'].endswith('Z')
    assert summary_of(first)['rate'] == {'rate_limit': None, 'remembered': None, 'learnt': round(entry['rate'], 1)}
    assert f'ritmo: aprendido de los 429: {entry["rate"]:.0f} llamadas/s, recordado' in first.stderr

    second = launch(
        '--input_dir', str(write_folder(tmp_path / 'b', usuarios=users(3, first=40))), '--actions', 'alta_usuario'
    )

    assert second.code == 0, second.stderr
    none, used = run_meta(log_dir, 'remembered_rate')
    assert none is None
    assert (used['rate'], used['fresh']) == (entry['rate'], True)
    assert list(remembered(log_dir).values()) == [entry], 'a run without a 429 measures nothing new'
    assert summary_of(second)['rate'] == {'rate_limit': None, 'remembered': used, 'learnt': None}
    assert f'ritmo: empezó en el recordado de la organización ({entry["rate"]:.0f} llamadas/s)\n' in second.stderr


def test_a_run_with_rate_limit_neither_uses_nor_records_a_remembered_rate(launch, sandbox, log_dir, tmp_path):
    plenty_of_units(sandbox)
    sandbox.set_faults([{'kind': 'throttle', 'path': '^/v1/people$', 'method': 'POST', 'max_count': 1}])
    folder = write_folder(tmp_path / 'a', usuarios=users(2))

    run = launch('--input_dir', str(folder), '--actions', 'alta_usuario', '--rate-limit', '20')

    assert run.code == 0, run.stderr
    assert run_meta(log_dir, 'remembered_rate') == [None]
    assert not (log_dir / RATES_FILE).exists()
    assert summary_of(run)['rate'] == {'rate_limit': 20.0, 'remembered': None, 'learnt': None}
    assert 'ritmo: --rate-limit 20 llamadas/s\n' in run.stderr


def test_the_remembered_rate_paces_every_call_after_the_token_owner_is_read(
    launch, sandbox, log_dir, tmp_path, monkeypatch
):
    plenty_of_units(sandbox)
    first = launch('--input_dir', str(write_folder(tmp_path / 'a', usuarios=users(1))), '--actions', 'alta_usuario')
    assert first.code == 0, first.stderr
    [target] = run_meta(log_dir, 'target')
    remember(log_dir, target['base_url'], target['org_id'], 40.0)
    started = []
    start_from = RateController.start_from

    def recording(controller: RateController, rate: float, *, fresh: bool) -> None:
        started.append((controller.requests, rate, fresh))
        start_from(controller, rate, fresh=fresh)

    monkeypatch.setattr(RateController, 'start_from', recording)

    second = launch(
        '--input_dir', str(write_folder(tmp_path / 'b', usuarios=users(3, first=1))), '--actions', 'alta_usuario'
    )

    assert second.code == 0, second.stderr
    assert started == [(1, 40.0, True)], 'only GET /people/me before: the org and the org check read at that rate'
    assert [used['rate'] for used in run_meta(log_dir, 'remembered_rate') if used] == [40.0]
