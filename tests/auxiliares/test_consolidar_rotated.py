"""consolidar_reportes reads a run's evidence rotated into ``.jsonl.gz`` segments as it reads one plain file: the
same sites, the same failures with the reasons the evidence gives, every line accounted for."""

from __future__ import annotations

import gzip
import json

from transformacion.core import evidence


def _merge_segments(run_dir) -> None:
    """Undo the rotation: every action's segments and current file back into one plain ``.jsonl``."""
    for current in sorted(run_dir.glob('*.jsonl')):
        if evidence._SEGMENT.match(current.name):
            continue
        lines = list(evidence.read_lines(current))
        for part in evidence.evidence_parts(current)[:-1]:
            part.unlink()
        current.write_text(''.join(lines), encoding='utf-8')


def test_the_change_read_from_rotated_evidence_is_the_change_read_from_plain_files(
    script, sandbox, tmp_path, monkeypatch, request
):
    monkeypatch.setenv(evidence.ROTATE_ENV, '0.002')  # about 2 KB per file: a few events each
    evidence.close_files()
    runs = request.getfixturevalue('two_runs')
    evidence.close_files()
    segments = sorted(p.name for run in runs for p in run.glob('alta_ubicacion.*.jsonl.gz'))
    assert segments and not [p for run in runs for p in run.glob('*.jsonl.gz.partial')]
    lines = {run: list(evidence.read_lines(run / 'alta_ubicacion.jsonl')) for run in runs}
    assert all(json.loads(line)['event'] for run_lines in lines.values() for line in run_lines)
    with gzip.open(next(runs[0].glob('alta_ubicacion.000001.jsonl.gz')), 'rt', encoding='utf-8') as first:
        head = first.readlines()
    assert head and lines[runs[0]][: len(head)] == head

    rotated = script('consolidar_reportes', *map(str, runs), '--html', str(tmp_path / 'a.html'))
    for run in runs:
        _merge_segments(run)
    assert {run: list(evidence.read_lines(run / 'alta_ubicacion.jsonl')) for run in runs} == lines
    plain = script('consolidar_reportes', *map(str, runs), '--html', str(tmp_path / 'b.html'))

    assert rotated.code == plain.code == 0, rotated.stderr
    assert rotated.result['result']['changes'] == plain.result['result']['changes']
    assert rotated.result['result']['changes'][0]['failures']
