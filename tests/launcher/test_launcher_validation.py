"""Validation before any write, the applicability rule, planning and the pure helpers of the bulk runner."""

from __future__ import annotations

import pytest

from tests.support.batches import CATALOG, CREATE_WORKSPACE, GLOBAL, location, read_results, statuses, write_folder
from tests.support.files import write_csv
from transformacion.batch.validation import typed_params
from transformacion.common import InvalidParams
from transformacion.core.catalog import CatalogError, applies, plan
from transformacion.core.params import Action, Param


def test_every_problem_of_every_file_is_reported_at_once_and_nothing_is_sent(launch, sandbox, tmp_path):
    folder = write_folder(
        tmp_path / 'in',
        global_row={**GLOBAL, 'color': 'azul', 'name': 'Todas'},
        ubicaciones=[
            location('Norte'),
            location('Sur', address1=''),
            location('norte'),
            location('Este', email='ana@example.com', notas='x'),
        ],
    )
    run = launch('--input_dir', str(folder), '--actions', 'alta_ubicacion')

    assert run.code == 2, run.stderr
    assert run.result['status'] == 'rejected'
    assert sandbox.journal() == []
    problems = run.result['result']['problems']
    assert problems == [
        'global.csv, columna color: no es un parámetro declarado de ninguna acción '
        '(vea python -m transformacion --format markdown)',
        'global.csv, columna name: es la clave de cada fila: va en ubicaciones.csv / workspaces.csv',
        'ubicaciones.csv, columna email: la columna pertenece a usuarios.csv, no a ubicaciones.csv',
        'ubicaciones.csv, columna notas: columna desconocida (vea python -m transformacion --format markdown, o '
        'ignórela con --ignore-unknown-columns)',
        'ubicaciones.csv, fila 2, columna address1: es obligatorio',
        "ubicaciones.csv, fila 3, columna name: valor 'norte': clave repetida: 'norte' ya está en la fila 1 de "
        'ubicaciones.csv',
    ]
    assert 'Problemas de validación (6):' in run.stderr
    assert 'lote rechazado por la validación' in run.stderr
    results = {r['row']: r for r in _results(run)}
    assert results['2']['status'] == 'rejected' and 'address1' in results['2']['message']
    assert results['3']['status'] == 'rejected'
    assert results['1']['status'] == 'skipped'
    assert results['1']['message'].startswith('no se ejecuta: el lote tiene 6 problema(s) de validación')


def _results(run):
    import csv

    with open(run.result['summary']['files']['results'], encoding='utf-8-sig', newline='') as handle:
        return list(csv.DictReader(handle, delimiter=';'))


def test_skip_invalid_runs_the_valid_rows_and_rejects_the_rest_with_their_problems(runner, sandbox, tmp_path):
    folder = write_folder(
        tmp_path / 'in',
        ubicaciones=[location('Norte')],
        workspaces=[
            {'name': 'Sala 1', 'location': 'Norte', 'capacity': 'muchas'},
            {'name': 'Sala 2', 'location': 'Norte', 'capacity': '3'},
        ],
    )
    report = runner.start(
        folder, ('alta_ubicacion', 'demo_crear_workspace', 'demo_ajustar_workspace'), skip_invalid=True
    )

    assert report.exit_code == 3
    assert report.problems == ["workspaces.csv, fila 1, columna capacity: valor 'muchas': se esperaba un número entero"]
    found = {(r['row'], r['action']): r for r in read_results(report) if r['dataset'] == 'workspaces'}
    assert found[('1', 'demo_ajustar_workspace')]['status'] == 'rejected'
    assert 'capacity' in found[('1', 'demo_ajustar_workspace')]['message']
    assert found[('1', 'demo_crear_workspace')]['status'] == 'executed'
    assert found[('2', 'demo_ajustar_workspace')]['status'] == 'executed'
    created = sorted(w['request_body']['displayName'] for w in sandbox.writes() if w['path'] == '/v1/workspaces')
    assert created == ['Sala 1', 'Sala 2']


def test_an_unreadable_dataset_or_global_is_a_problem_not_a_crash(runner, sandbox, tmp_path):
    folder = tmp_path / 'in'
    folder.mkdir()
    (folder / 'global.csv').write_text('time_zone\nEurope/Madrid\nEurope/Paris\n', encoding='utf-8')
    (folder / 'ubicaciones.csv').write_text('', encoding='utf-8')
    write_csv(folder / 'workspaces.csv', [{'name': 'Sala 1', 'location': 'Sede Central'}])
    with (folder / 'workspaces.csv').open('a', encoding='utf-8') as handle:
        handle.write('Sala 2,Sede Central,sobra\n')
    report = runner.start(folder, ('alta_ubicacion', 'demo_crear_workspace'))

    assert report.exit_code == 2
    assert report.problems == [
        'global.csv: debe tener exactamente una fila de datos bajo la cabecera',
        'ubicaciones.csv: el fichero está vacío o no tiene cabecera',
        'workspaces.csv, fila 2: tiene 3 celdas y la cabecera 2 columnas '
        "(¿separador distinto o un ',' sin comillas dentro de un valor?)",
    ]
    assert statuses(report) == {('workspaces', '1', 'demo_crear_workspace'): 'skipped'}
    assert sandbox.journal() == []


def test_single_mode_validates_and_runs_only_the_chosen_row(runner, sandbox, tmp_path):
    folder = write_folder(tmp_path / 'in', ubicaciones=[location('Norte', address1=''), location('Sur')])
    report = runner.start(folder, ('alta_ubicacion',), row=2)

    assert report.exit_code == 0
    assert statuses(report) == {('ubicaciones', '2', 'alta_ubicacion'): 'executed'}
    assert report.summary['mode'] == 'single'
    missing = runner.start(folder, ('alta_ubicacion',), row=7)
    assert missing.exit_code == 2
    assert missing.problems == ['ubicaciones.csv, fila 7: no hay fila 7 con datos']


def test_applicability_counts_global_values_and_only_non_key_columns():
    assert applies(CREATE_WORKSPACE, {'name': 'Sala', 'location': 'Norte'})
    assert not applies(CREATE_WORKSPACE, {'name': 'Sala', 'capacity': '3'})
    keys_only = Action('demo_solo_clave', 'workspaces', 'x', params=(Param('name', key=True, required=True),))
    assert applies(keys_only, {'name': 'Sala'})


def test_typed_params_say_where_each_bad_value_came_from():
    with pytest.raises(InvalidParams) as raised:
        typed_params(
            CATALOG['demo_ajustar_workspace'][0],
            {'name': 'Sala 1', 'capacity': ''},
            {'capacity': 'x'},
            'workspaces.csv',
            4,
        )
    [problem] = raised.value.problems
    assert (problem.file, problem.row, problem.column, problem.value) == ('global.csv', 1, 'capacity', 'x')
    with pytest.raises(InvalidParams) as raised:
        typed_params(CATALOG['demo_crear_workspace'][0], {'name': 'Sala 1'}, {}, 'workspaces.csv', 4)
    [problem] = raised.value.problems
    assert (problem.file, problem.row, problem.column, problem.why) == (
        'workspaces.csv',
        4,
        'location',
        'es obligatorio',
    )
    params = typed_params(
        CATALOG['demo_ajustar_workspace'][0], {'name': 'Sala', 'capacity': '5'}, {'capacity': '9'}, 'w', 1
    )
    assert params == {'workspace': 'Sala', 'capacity': 5}


def test_plan_orders_by_dependencies_keeps_datasets_together_and_refuses_cycles():
    phases = plan(
        ('demo_ajustar_workspace', 'demo_inventariar_workspace', 'alta_ubicacion', 'demo_crear_workspace'), CATALOG
    )
    assert [(dataset, [a.name for a in actions]) for dataset, actions in phases] == [
        ('ubicaciones', ['alta_ubicacion']),
        ('workspaces', ['demo_crear_workspace', 'demo_inventariar_workspace', 'demo_ajustar_workspace']),
    ]
    passes = plan(('demo_crear_workspace', 'demo_vecino_workspace', 'demo_ajustar_workspace'), CATALOG)
    assert [[a.name for a in actions] for _, actions in passes] == [
        ['demo_crear_workspace', 'demo_ajustar_workspace'],
        ['demo_vecino_workspace'],
    ]
    first = Action('a', 'ubicaciones', 'x', params=(Param('name', key=True, depends_on='b'),))
    second = Action('b', 'ubicaciones', 'x', params=(Param('name', key=True, depends_on='a'),))
    with pytest.raises(CatalogError, match='dependencias circulares entre: a, b'):
        plan(('a', 'b'), {'a': (first, None), 'b': (second, None)})
    with pytest.raises(CatalogError, match='acciones desconocidas: nada'):
        plan(('nada',), CATALOG)


def test_a_number_the_org_refuses_is_named_as_the_operator_wrote_it(launch, sandbox, tmp_path):
    person = {'email': 'ana@transformacion-demo.example.com', 'first_name': 'Ana', 'last_name': 'Gil'}
    folder = write_folder(
        tmp_path / 'in',
        usuarios=[person | {'location': 'Sede Central', 'extension': '4010', 'phone_number': '+34 919 999 999'}],
    )

    run = launch('--input_dir', str(folder), '--actions', 'alta_usuario', '--dry-run')

    assert run.code == 2, run.stderr
    line = next(line for line in run.stderr.splitlines() if 'columna phone_number' in line)
    assert "usuarios.csv, fila 1, columna phone_number: valor '+34 919 999 999': " in line
    assert '+34919999999' in line
