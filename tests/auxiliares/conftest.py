"""Fixtures of the auxiliary scripts' specifications: any script run in-process against the sandbox, the same
offline, and two launcher runs for consolidar_reportes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.batches import location, write_folder
from tests.support.change_window import Window, arrange

CONFLICT_ON_CREATE = {'kind': 'status', 'status': 409, 'method': 'POST', 'path': '^/v1/locations$', 'max_count': 1}


@pytest.fixture
def script(cli, monkeypatch):
    """``python -m transformacion.<name> ARGS`` in-process against the sandbox (see ``cli``), with short retries."""
    monkeypatch.setenv('TRANSFORMACION_MAX_ATTEMPTS', '2')
    return cli


@pytest.fixture
def two_runs(script, sandbox, tmp_path) -> list[Path]:
    """Run 1: Norte fails (409), Sur is created. Run 2: Oeste fails (409), Norte is created, and two rows are
    rejected by the validation, one keyed with HTML and one with a spreadsheet formula. Their run folders."""

    def launch(folder: Path, rows: list[dict[str, str]], *options: str) -> Path:
        write_folder(folder, ubicaciones=rows)
        sandbox.set_faults([CONFLICT_ON_CREATE])
        options = ('--input_dir', str(folder), '--actions', 'alta_ubicacion', '--concurrency', '1', *options)
        run = script('launcher_csv_dependencias', *options)
        assert run.code == 3, run.stderr
        return run.run_dir

    first = launch(tmp_path / 'first', [location('Norte'), location('Sur')])
    second = launch(
        tmp_path / 'second',
        [
            location('Oeste'),
            location('Norte'),
            location('<script>alert("x")</script>', address1=''),
            location('=HYPERLINK("http://evil")', postal_code=''),
        ],
        '--skip-invalid',
    )
    return [first, second]


@pytest.fixture(scope='module')
def window(tmp_path_factory) -> Window:
    """The logs of a change window (runs of two orgs, dry runs, a refused batch), arranged once per test module."""
    return arrange(tmp_path_factory.mktemp('change'))
