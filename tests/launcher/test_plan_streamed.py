"""A saved plan is read from its file entry by entry (a 100,000-row plan is about 230 MB of JSON): ``--apply`` of a
large-ish plan runs exactly its creates, with their evidence, and never holds the list of its entries or pairs."""

from __future__ import annotations

import weakref
from pathlib import Path

from tests.launcher.test_launcher_bulk_people import plenty_of_units, users
from tests.support.batches import write_folder
from tests.support.org import people_with_email
from transformacion.batch import plan as plan_module
from transformacion.core.evidence import read_events

ROWS = 150


class _Entry(dict):
    """A plan entry as the reader gives it, weakly referable so that the test sees when it is freed."""


def test_a_large_plan_is_applied_exactly_without_holding_its_entries(launch, sandbox, tmp_path, monkeypatch):
    plenty_of_units(sandbox)
    rows = users(ROWS)
    plan = tmp_path / 'plan.json'
    planned = launch(
        '--input_dir', str(write_folder(tmp_path / 'in', usuarios=rows)), '--actions', 'alta_usuario', '--dry-run',
        '--plan-out', str(plan),
    )  # fmt: skip
    assert planned.code == 0, planned.stderr
    alive = [0]  # entries and pairs given and not freed yet

    def track(item: object) -> None:
        alive[0] += 1
        weakref.finalize(item, lambda: alive.__setitem__(0, alive[0] - 1))

    held: list[int] = []
    passes: list[int] = []
    read_entries, make_pair = plan_module.read_entries, plan_module._pair

    def spied_entries(path):
        passes.append(0)
        for entry in read_entries(path):
            item = _Entry(entry)
            track(item)
            passes[-1] += 1
            yield item
            del item
            held.append(alive[0])  # what the consumer kept of what it was given

    def spied_pair(entry):
        pair = make_pair(entry)
        track(pair)
        return pair

    monkeypatch.setattr(plan_module, 'read_entries', spied_entries)
    monkeypatch.setattr(plan_module, '_pair', spied_pair)
    read_text, read_bytes = Path.read_text, Path.read_bytes

    def whole(read):
        def refuse(path, *args, **kwargs):
            assert path.resolve() != plan.resolve(), 'the plan is never read whole'
            return read(path, *args, **kwargs)

        return refuse

    monkeypatch.setattr(Path, 'read_text', whole(read_text))
    monkeypatch.setattr(Path, 'read_bytes', whole(read_bytes))

    applied = launch('--apply', str(plan), '--log-dir', str(tmp_path / 'apply'))

    assert applied.code == 0, applied.stderr
    by_status = applied.result['summary']['by_status']
    assert {status: count for status, count in by_status.items() if count} == {'executed': ROWS}
    assert passes and set(passes) == {ROWS}, 'every pass reads every entry of the file'
    # alive while the next entry is read: the previous entry and its pair (loop variables), and the last pair of an
    # earlier pass still named by a loop variable; a list of them would hold all 150
    assert max(held) <= 3, 'no list of entries or pairs is kept'
    assert all(len(people_with_email(sandbox, row['email'])) == 1 for row in rows), 'each created once'
    events = read_events(applied.run_dir / 'alta_usuario.jsonl')
    summaries = {event['action_id'] for event in events if event['event'] == 'summary'}
    assert summaries == {f'alta_usuario:usuarios:{row}' for row in range(1, ROWS + 1)}
