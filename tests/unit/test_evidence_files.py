"""Evidence files: every line written reaches the file at once (nothing buffered), rotated files are compressed to
``.jsonl.gz`` without losing or repeating a line whatever moment a kill interrupts, readers read every part, and the
masking holds on the fast path (secrets written in JSON-escaped form included)."""

from __future__ import annotations

import gzip
import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from transformacion.core import evidence
from transformacion.core.evidence import ActionLog, evidence_parts, read_events, read_lines
from transformacion.core.secrets import register_secret


@pytest.fixture(autouse=True)
def closed_files():
    evidence.close_files()
    yield
    evidence.close_files()


def test_rotation_under_concurrent_writers_keeps_every_line_once_in_order_per_writer(tmp_path, monkeypatch):
    monkeypatch.setenv(evidence.ROTATE_ENV, '0.01')  # about 10 KB
    path = tmp_path / 'alta_usuario.jsonl'

    def write(worker: int) -> None:
        log = ActionLog(path, f'alta_usuario:usuarios:{worker}')
        for seq in range(200):
            log.event('request', {'worker': worker, 'seq': seq, 'url': 'https://webexapis.com/v1/people'})

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(write, range(8)))
    evidence.close_files()

    parts = evidence_parts(path)
    assert len(parts) > 10 and all(part.name.endswith('.jsonl.gz') for part in parts[:-1]) and parts[-1] == path
    assert not list(tmp_path.glob('*.partial'))
    seen = [(e['payload']['worker'], e['payload']['seq']) for e in read_events(path)]
    assert sorted(seen) == [(w, s) for w in range(8) for s in range(200)]
    for worker in range(8):
        assert [s for w, s in seen if w == worker] == list(range(200))


def test_a_kill_during_a_compression_neither_loses_nor_repeats_lines(tmp_path):
    path = tmp_path / 'lote.jsonl'
    plain, both_gz = tmp_path / 'lote.000001.jsonl', tmp_path / 'lote.000002.jsonl.gz'
    plain.write_text('{"n": 1}\n', encoding='utf-8')  # killed before its compression finished
    with gzip.open(both_gz, 'wt', encoding='utf-8') as handle:  # killed after the rename, before the unlink
        handle.write('{"n": 2}\n')
    both_plain = tmp_path / 'lote.000002.jsonl'
    both_plain.write_text('{"n": 2}\n', encoding='utf-8')
    (tmp_path / 'lote.000003.jsonl.gz.partial').write_bytes(b'\x1f\x8b')  # killed while compressing
    path.write_text('{"n": 3}\n', encoding='utf-8')

    assert [json.loads(line)['n'] for line in read_lines(path)] == [1, 2, 3]

    ActionLog(path, 'lote').event('summary', {'n': 4})
    assert [event.get('payload', event).get('n') for event in read_events(path)] == [1, 2, 3, 4]


def test_the_next_rotation_after_a_restart_does_not_overwrite_earlier_segments(tmp_path, monkeypatch):
    monkeypatch.setenv(evidence.ROTATE_ENV, '0.001')
    path = tmp_path / 'alta_ubicacion.jsonl'
    for round_ in range(2):  # two processes, one after the other (a resume)
        log = ActionLog(path, 'alta_ubicacion')
        for seq in range(20):
            log.event('request', {'round': round_, 'seq': seq, 'filler': 'x' * 100})
        evidence.close_files()
    assert [(e['payload']['round'], e['payload']['seq']) for e in read_events(path)] == [
        (r, s) for r in range(2) for s in range(20)
    ]


def test_a_line_is_on_disk_as_soon_as_it_is_written(tmp_path):
    path = tmp_path / 'demo.jsonl'
    ActionLog(path, 'demo').event('request', {'method': 'GET'})
    assert json.loads(path.read_text(encoding='utf-8'))['payload'] == {'method': 'GET'}
    path.unlink()
    ActionLog(path, 'demo').event('request', {'method': 'POST'})
    assert json.loads(path.read_text(encoding='utf-8'))['payload'] == {'method': 'POST'}


def test_secrets_are_masked_raw_json_escaped_and_under_secret_looking_keys(tmp_path):
    quoted = 'pa"ss\\word-4711'
    register_secret(quoted)
    register_secret('tok-123456789')
    path = tmp_path / 'demo.jsonl'
    log = ActionLog(path, 'demo')
    log.event('request', {'body': f'clave {quoted} y tok-123456789', 'note': 'Bearer abc.def'})
    log.event('request', {'headers': {'Authorization': 'whatever-value'}, 'body': {'client_secret': 'zzz'}})
    text = path.read_text(encoding='utf-8')
    assert 'pa\\"ss' not in text and 'tok-123456789' not in text and 'abc.def' not in text
    assert 'whatever-value' not in text and 'zzz' not in text
    first, second = read_events(path)
    assert first['payload'] == {'body': 'clave *** y ***', 'note': 'Bearer ***'}
    assert second['payload'] == {'headers': {'Authorization': '***'}, 'body': {'client_secret': '***'}}


def test_a_file_checked_outside_the_lock_is_checked_again_when_its_descriptor_changed_meanwhile(tmp_path):
    path = tmp_path / 'demo.jsonl'
    ActionLog(path, 'demo').event('request', {'n': 1})
    sink = evidence._sink(path)
    checked = sink.alive()  # a writer found the file in place, then waited for the lock
    assert checked is not None
    path.unlink()
    with sink.lock:
        sink.write(b'{"n": 2}\n')  # another writer got the lock first: it found the file deleted and reopened it
    path.unlink()  # and the new file is deleted too before the first writer writes
    with sink.lock:
        sink.write(b'{"n": 3}\n', checked)  # what it checked was the descriptor before: checked again, reopened
    assert path.read_text(encoding='utf-8') == '{"n": 3}\n'
    path.unlink()
    assert sink.alive() is None  # a deleted file is never taken as checked
