"""The progress shown while a batch runs: a redrawn bar on a terminal, periodic plain lines otherwise."""

from __future__ import annotations

import io

from transformacion.core.progress import Progress, render


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_render_shows_done_total_counts_rate_and_eta():
    assert render(40, 100, 38, 2, 20.0, bar=False) == '40/100 ok 38 fallo 2 · 2.0/s · ETA 00:30'
    assert render(0, 10, 0, 0, 0.0, bar=False) == '0/10 ok 0 fallo 0 · 0.0/s · ETA --:--'
    assert render(1, 7201, 1, 0, 1.0, bar=False).endswith('ETA 2:00:00')
    assert render(6, 24, 6, 0, 3.0, bar=True).startswith('[######..................] 6/24')
    assert render(0, 0, 0, 0, 1.0, bar=True).startswith('[' + '#' * 24 + ']')


def test_plain_lines_every_interval_when_not_a_terminal():
    clock, stream = Clock(), io.StringIO()
    progress = Progress(3, stream=stream, tty=False, interval=10.0, clock=clock)
    progress.advance(True)
    clock.now = 11.0
    progress.advance(False)
    clock.now = 12.0
    progress.advance(True)
    progress.close()
    assert stream.getvalue().splitlines() == [
        'progreso: 2/3 ok 1 fallo 1 · 0.2/s · ETA 00:05',
        'progreso: 3/3 ok 2 fallo 1 · 0.2/s · ETA 00:00',
    ]


def test_a_redrawn_bar_on_a_terminal():
    clock, stream = Clock(), io.StringIO()
    progress = Progress(2, stream=stream, tty=True, clock=clock)
    clock.now = 1.0
    progress.advance(True)
    progress.close()
    assert stream.getvalue() == (
        '\r[############............] 1/2 ok 1 fallo 0 · 1.0/s · ETA 00:01'
        '\r[############............] 1/2 ok 1 fallo 0 · 1.0/s · ETA 00:01\n'
    )
    assert progress.interval == 0.2
