"""The panel's plan view reads the plan from its file entry by entry: one page of entries at a time (``offset``,
``limit``), with the whole plan summarised (counts, total, changes, what needs confirmation)."""

from __future__ import annotations

from tests.support.panel import finished


def _keys(view: dict) -> list[tuple[str, int, str]]:
    return [(pair['dataset'], pair['row'], pair['action']) for group in view['groups'] for pair in group['pairs']]


def test_the_plan_view_pages_the_entries_and_summarises_the_whole_plan(client):
    run = finished(client, client.post('/api/plan', json={'input': 'lote'}).json())['run_id']
    plan = client.get(f'/api/plans/{run}/plan.json').json()
    everything = [(entry['dataset'], entry['row'], entry['action']) for entry in plan['pairs']]
    assert len(everything) > 6

    seen: list[tuple[str, int, str]] = []
    offset = 0
    while offset is not None:
        page = client.get(f'/api/plans/{run}', params={'offset': offset, 'limit': 3}).json()
        assert len(_keys(page)) == min(3, len(everything) - offset)
        assert (page['total'], page['counts'], page['offset'], page['limit']) == (
            len(everything),
            plan['counts'],
            offset,
            3,
        )
        assert page['changes'] == sum(1 for entry in plan['pairs'] if entry['kind'] in ('create', 'update'))
        confirm = [entry for entry in plan['pairs'] if entry['needs_confirmation']]
        assert page['confirm_total'] == len(confirm) > 0
        assert [(p['dataset'], p['row'], p['action']) for p in page['confirm']] == [
            (entry['dataset'], entry['row'], entry['action']) for entry in confirm
        ]
        seen += _keys(page)
        offset = page['next_offset']

    assert sorted(seen) == sorted(everything), 'every entry on exactly one page'


def test_a_page_position_that_is_not_a_number_is_refused(client):
    run = finished(client, client.post('/api/plan', json={'input': 'lote'}).json())['run_id']

    refused = client.get(f'/api/plans/{run}', params={'offset': 'dos'})

    assert refused.status_code == 400 and 'offset debe ser un número entero' in refused.json()['error']


def test_a_page_position_out_of_range_is_refused_not_guessed(client):
    run = finished(client, client.post('/api/plan', json={'input': 'lote'}).json())['run_id']

    for query, words in (
        ({'limit': 0}, 'limit debe estar entre 1 y 1000, no 0'),
        ({'limit': 100000}, 'limit debe estar entre 1 y 1000, no 100000'),
        ({'offset': -5}, 'offset debe ser 0 o más, no -5'),
    ):
        refused = client.get(f'/api/plans/{run}', params=query)
        assert refused.status_code == 400 and words in refused.json()['error'], query
