"""The export is re-applied as it is, whatever the organisation looks like: every export, taken back by the launcher,
is "all skipped, zero writes". A dataset without rows is not written (an empty file would look like an export that
went wrong), and neither is global.csv when no value is shared."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.batches import GLOBAL
from tests.support.files import read_csv

READ_ONLY = {'precheck_workspace'}
DOMAIN = 'transformacion-demo.example.com'


def _as_it_is(script, api) -> None:
    """The sandbox's organisation: one location with calling users and workspaces."""


def _without_workspaces(script, api) -> None:
    for workspace in list(api.workspaces.list()):
        api.workspaces.delete_workspace(workspace.workspace_id)


def _with_an_empty_location(script, api) -> None:
    """A second location, enabled for calling, with nobody, no numbers and no PSTN."""
    created = script(
        'alta_ubicacion',
        '--name',
        'Sede Vacía',
        '--address1',
        'Calle Mayor 1',
        '--city',
        'Madrid',
        '--state',
        'Madrid',
        '--postal-code',
        '28013',
        *(arg for column, value in GLOBAL.items() for arg in (f'--{column.replace("_", "-")}', value)),
    )
    assert created.status == 'executed', created.result


def _without_calling_users(script, api) -> None:
    for email in (f'lucia.martin@{DOMAIN}', f'jorge.ruiz@{DOMAIN}'):
        person = next(api.people.list(email=email))
        api.people.delete_person(person.person_id)


#: shape -> (how to arrange it, the datasets its export has no rows for)
SHAPES: dict[str, tuple[Callable, set[str]]] = {
    'tal_cual': (_as_it_is, set()),
    'sin_workspaces': (_without_workspaces, {'workspaces.csv'}),
    'ubicacion_sin_usuarios': (_with_an_empty_location, set()),
    'sin_usuarios_de_calling': (_without_calling_users, {'usuarios.csv'}),
}


def _reapply(script, sandbox, target: Path) -> None:
    seq = sandbox.journal()[-1]['seq'] if sandbox.journal() else 0
    run = script('launcher_csv_dependencias', '--input_dir', str(target))
    assert run.code == 0, run.stderr
    assert sandbox.writes(seq) == []
    _, results = read_csv(Path(run.result['result']['results_file']))
    assert results
    for row in results:
        allowed = {'skipped', 'executed'} if row['action'] in READ_ONLY else {'skipped'}
        assert row['status'] in allowed, row
        assert not row['message'].startswith('no se ejecuta'), row


@pytest.mark.parametrize('shape', list(SHAPES))
def test_every_export_is_reapplied_with_zero_writes(script, sandbox, api, tmp_path, shape):
    arrange, without_rows = SHAPES[shape]
    arrange(script, api)
    out = tmp_path / 'export'

    export = script('generar_csv_candidatos', '--output_dir', str(out))

    assert export.code == 0, export.stderr
    rows = export.result['result']['rows']
    assert {file for file, count in rows.items() if not count} == without_rows
    written = sorted(p.name for p in out.iterdir())
    assert written == sorted(
        [file for file, count in rows.items() if count] + ['global.csv'] * ('global.csv' in written)
    )
    for name in written:
        assert read_csv(out / name)[1], f'{name} sin filas'
    _reapply(script, sandbox, out)


def test_an_export_as_a_workbook_is_reapplied_with_zero_writes(script, sandbox, api, tmp_path):
    _without_workspaces(script, api)
    target = tmp_path / 'export.xlsx'

    export = script('generar_csv_candidatos', '--output_dir', str(target))

    assert export.code == 0, export.stderr
    assert export.result['result']['files'] == [str(target)]
    from openpyxl import load_workbook

    book = load_workbook(target)
    assert 'workspaces' not in book.sheetnames and 'usuarios' in book.sheetnames
    assert all(cell.data_type == 's' for row in book['usuarios'].iter_rows(min_row=2) for cell in row if cell.value)
    _reapply(script, sandbox, target)
