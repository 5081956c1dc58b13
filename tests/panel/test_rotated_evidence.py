"""The panel shows a run whose evidence was rotated into compressed ``.jsonl.gz`` segments (what a large run keeps) as
it shows plain evidence: every line of every pair, in the order written."""

from __future__ import annotations

import json

from tests.support.runs import TOKEN, launch_in_process
from transformacion.core import evidence


def test_every_line_of_a_rotated_runs_evidence_is_in_its_pairs_evidence_view(
    client, panel, input_root, sandbox, monkeypatch
):
    monkeypatch.setenv(evidence.ROTATE_ENV, '0.002')  # about 2 KB per file: a few events each
    evidence.close_files()
    run = launch_in_process(
        '--input_dir',
        str(input_root / 'lote'),
        '--yes',
        '--token',
        TOKEN,
        '--base-url',
        sandbox.base_url,
        '--log-dir',
        str(panel.log_dir),
    )
    evidence.close_files()
    assert run.code == 0, run.stderr

    detail = client.get(f'/api/runs/{run.run_dir.name}').json()
    actions = sorted({task['action'] for task in detail['tasks']})
    written = {
        action: [json.loads(line) for line in evidence.read_lines(run.run_dir / f'{action}.jsonl')]
        for action in actions
    }
    segments = [part for action in actions for part in evidence.evidence_parts(run.run_dir / f'{action}.jsonl')[:-1]]
    assert segments and all(part.name.endswith('.jsonl.gz') for part in segments)

    shown: dict[str, list[dict]] = {action: [] for action in actions}
    for task in detail['tasks']:
        where = {'action': task['action'], 'dataset': task['dataset'], 'row': task['row']}
        events = client.get(f'/api/runs/{run.run_dir.name}/evidence', params=where).json()['events']
        pair = f'{task["action"]}:{task["dataset"]}:{task["row"]}'
        assert events == [event for event in written[task['action']] if event['action_id'] == pair]
        shown[task['action']] += events
    for action in actions:
        assert sorted(shown[action], key=json.dumps) == sorted(written[action], key=json.dumps)
