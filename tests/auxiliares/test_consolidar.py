"""consolidar_reportes: several runs merged into one CSV and one self-contained HTML report."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

from tests.support.files import read_csv
from transformacion.batch.report import RESULT_COLUMNS


def _summaries(runs: list[Path]) -> list[dict]:
    return [json.loads((run / 'summary.json').read_text(encoding='utf-8')) for run in runs]


def test_the_consolidated_counts_are_the_sum_of_the_runs(script, two_runs, tmp_path):
    out, report = tmp_path / 'c.csv', tmp_path / 'c.html'

    merged = script('consolidar_reportes', *map(str, two_runs), '--output', str(out), '--html', str(report))

    assert merged.code == 0, merged.stderr
    assert merged.status == 'executed'
    summaries = _summaries(two_runs)
    expected: dict[str, dict[str, int]] = {}
    for summary in summaries:
        for action, by_status in summary['by_action'].items():
            for status, number in by_status.items():
                expected.setdefault(action, {})[status] = expected.get(action, {}).get(status, 0) + number
    result = merged.result['result']
    assert result['by_action'] == expected == {'alta_ubicacion': {'error': 2, 'executed': 2, 'rejected': 2}}
    assert result['rows'] == sum(s['total'] for s in summaries) == 6
    assert [(r['run_id'], r['api_calls'], r['rows']) for r in result['runs']] == [
        (s['run_id'], s['api_calls'], s['total']) for s in summaries
    ]
    assert all(r['duration_s'] is not None and r['duration_s'] >= 0 for r in result['runs'])
    assert result['warnings'] == []

    header, rows = read_csv(out)
    assert header == ['run_id', *RESULT_COLUMNS]
    assert [row['run_id'] for row in rows] == [summaries[0]['run_id']] * 2 + [summaries[1]['run_id']] * 4
    formula = next(row for row in rows if 'HYPERLINK' in row['key'])
    assert formula['key'] == '\'=HYPERLINK("http://evil")'


def test_the_html_report_shows_the_rows_still_failing_escaped(script, two_runs, tmp_path):
    report = tmp_path / 'informe.html'

    merged = script(
        'consolidar_reportes',
        '--runs-dir',
        str(two_runs[0].parent),
        '--output',
        str(tmp_path / 'c.csv'),
        '--html',
        str(report),
    )

    assert merged.code == 0, merged.stderr
    failing = merged.result['result']['failing_rows']
    assert sorted((r['key'], r['status']) for r in failing) == [
        ('<script>alert("x")</script>', 'rejected'),
        ('=HYPERLINK("http://evil")', 'rejected'),
        ('Oeste', 'error'),
    ]
    oeste = next(r for r in failing if r['key'] == 'Oeste')
    assert oeste['log_file'] == str(two_runs[1] / 'alta_ubicacion.jsonl')
    page = report.read_text(encoding='utf-8')
    assert '<script' not in page and '<link' not in page and 'src=' not in page
    assert '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;' in page
    assert '<script>alert("x")</script>' in html_text(page)
    assert 'es obligatorio' in page
    evidence = (two_runs[1] / 'alta_ubicacion.jsonl').relative_to(tmp_path).as_posix()
    assert f'href="{evidence}"' in page
    assert oeste['message'].replace("'", '&#x27;').replace('"', '&quot;') in page
    assert 'Norte' not in ''.join(r['key'] for r in failing)


def test_a_folder_that_is_not_a_run_is_rejected(script, tmp_path):
    (tmp_path / 'vacia').mkdir()

    run = script('consolidar_reportes', str(tmp_path / 'vacia'))

    assert (run.code, run.status) == (2, 'rejected')
    assert 'falta results_manual.csv' in run.result['summary']['message']
    assert not (tmp_path / 'consolidado.html').exists()


def html_text(page: str) -> str:
    """The text a browser shows (entities decoded)."""
    parts: list[str] = []

    class Text(HTMLParser):
        def handle_data(self, data: str) -> None:
            parts.append(data)

    parser = Text(convert_charrefs=True)
    parser.feed(page)
    return ''.join(parts)
