"""inspeccionar_parametros: the declarations as a table/JSON/Markdown, and an offline preflight of a launcher folder."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.batches import location
from tests.support.files import ROOT, SAMPLES, write_csv
from transformacion import alta_workspace
from transformacion.core.catalog import actions
from transformacion.inspeccionar_parametros import (
    MANDATORY_END,
    MANDATORY_START,
    preflight,
    render_mandatory,
)

RUNBOOK = ROOT / 'docs' / 'runbook.md'
LOCATION = location('Norte')


def test_the_parameters_of_one_action_as_json(offline):
    code, result, stderr = offline('--action', 'alta_workspace', '--format', 'json')

    assert code == 0
    assert result['script_name'] == 'inspeccionar_parametros' and result['status'] == 'executed'
    (described,) = result['result']['actions']
    assert json.loads(stderr) == result['result']['actions']
    assert (described['action'], described['dataset'], described['high_impact']) == (
        'alta_workspace',
        'workspaces.csv',
        False,
    )
    by_name = {p['name']: p for p in described['params']}
    assert list(by_name) == [p.name for p in alta_workspace.ACTION.params]
    assert by_name['supported_devices'] == by_name['supported_devices'] | {
        'type': 'enum',
        'required': False,
        'csv_column': 'supported_devices',
        'default': 'phones',
        'choices': ['phones', 'collaborationDevices'],
    }
    assert by_name['location'] | {'key': True, 'required': True, 'depends_on': 'alta_ubicacion'} == by_name['location']
    assert by_name['phone_number']['type'] == 'e164'


def test_table_and_markdown_have_one_line_per_parameter(offline):
    total = sum(len(action.params) for action in actions())
    _, _, table = offline()
    _, _, markdown = offline('--format', 'markdown')

    assert table.splitlines()[0].split() == [
        'acción',
        'parámetro',
        'tipo',
        'obligatorio',
        'columna',
        'CSV',
        'defecto',
        'valores',
        'depende',
        'de',
        'alto',
        'impacto',
    ]
    assert len(table.splitlines()) == 1 + total
    assert len(markdown.splitlines()) == 2 + total
    assert '| `configurar_pstn_ubicacion` | `location (clave)` | str | sí | `name` | - | - | alta_ubicacion | sí |' in (
        markdown
    )


def test_mandatory_only_and_unknown_action(offline):
    code, result, _ = offline('--mandatory', '--action', 'alta_usuario')
    assert code == 0
    assert [p['name'] for p in result['result']['actions'][0]['params']] == [
        'email',
        'first_name',
        'last_name',
        'location',
    ]

    code, result, stderr = offline('--action', 'no_existe')
    assert (code, result['status']) == (2, 'rejected')
    assert 'acción desconocida: no_existe' in stderr


def _broken_folder(folder: Path) -> Path:
    write_csv(folder / 'global.csv', [{'country': 'ES', 'email': 'x@example.com', 'color': 'azul'}])
    write_csv(
        folder / 'ubicaciones.csv',
        [
            LOCATION | {'time_zone': 'Europe/Madrid', 'main_number': '34910000100', 'outgoing_permissions': 'X:Y'},
            LOCATION | {'name': 'norte'},
            LOCATION | {'name': 'Sur', 'address1': ''},
        ],
    )
    write_csv(
        folder / 'usuarios.csv',
        [
            {
                'email': 'no-es-un-correo',
                'first_name': 'Ana',
                'last_name': 'Gil',
                'location': 'Norte',
                'extension': '1',
                'forward_no_answer_rings': '50',
            }
        ],
    )
    write_csv(folder / 'workspaces.csv', [{'name': 'Sala', 'location': 'Norte', 'planta': '3'}])
    return folder


def test_preflight_reports_every_problem_at_once_offline_and_exits_2(offline, tmp_path):
    folder = _broken_folder(tmp_path / 'roto')

    code, result, stderr = offline('--input_dir', str(folder))

    assert (code, result['status']) == (2, 'rejected')
    problems = {(p['file'], p['row'], p['column'], p['value']): p['why'] for p in result['result']['problems']}
    expected = {
        ('global.csv', None, 'email', ''): 'es la clave de cada fila',
        ('global.csv', None, 'color', ''): 'no es un parámetro declarado',
        ('workspaces.csv', None, 'planta', ''): 'columna desconocida',
        ('ubicaciones.csv', 1, 'main_number', '34910000100'): "se esperaba un número E.164 con '+'",
        ('ubicaciones.csv', 1, 'outgoing_permissions', 'X:Y'): "tipo de llamada desconocido 'X'",
        ('ubicaciones.csv', 2, 'name', 'norte'): 'clave repetida',
        ('ubicaciones.csv', 3, 'time_zone', ''): 'es obligatorio',
        ('ubicaciones.csv', 3, 'address1', ''): 'es obligatorio',
        ('usuarios.csv', 1, 'email', 'no-es-un-correo'): 'se esperaba una dirección de correo',
        ('usuarios.csv', 1, 'extension', '1'): 'se esperaba una extensión',
        ('usuarios.csv', 1, 'forward_no_answer_rings', '50'): 'entre 2 y 20',
    }
    for where, why in expected.items():
        assert why in problems.get(where, ''), (where, problems)
    assert f'{len(problems)} problema(s)' in result['summary']['message']
    assert "  - ubicaciones.csv, fila 1, columna main_number: valor '34910000100'" in stderr


def test_preflight_finds_what_the_launcher_finds(script, sandbox, tmp_path):
    folder = _broken_folder(tmp_path / 'roto')

    launched = script('launcher_csv_dependencias', '--input_dir', str(folder))
    found = preflight(folder, None)

    assert launched.code == 2
    assert found['lines'] == launched.result['result']['problems']
    assert sandbox.writes() == []


def test_preflight_of_a_good_folder_and_of_an_empty_folder(offline, tmp_path):
    code, result, stderr = offline(
        '--input_dir', str(SAMPLES), '--action', 'alta_ubicacion', '--action', 'alta_usuario'
    )
    assert (code, result['status']) == (0, 'executed'), stderr
    assert result['result']['problems'] == []
    assert result['result']['tasks'] == {'alta_ubicacion': {'pending': 3}, 'alta_usuario': {'pending': 12}}
    assert 'alta_usuario: se ejecutarían 12' in stderr

    empty = tmp_path / 'vacia'
    empty.mkdir()
    code, result, _ = offline('--input_dir', str(empty))
    assert code == 2
    (problem,) = result['result']['problems']
    assert problem['file'] == str(empty) and 'no tiene ningún dataset' in problem['why']


def test_the_runbook_table_of_mandatory_parameters_is_generated_from_the_declarations():
    text = RUNBOOK.read_text(encoding='utf-8')
    start, end = text.index(MANDATORY_START) + len(MANDATORY_START), text.index(MANDATORY_END)

    assert text[start:end].strip() == render_mandatory(actions()), (
        'regenere la tabla con: python -m transformacion.inspeccionar_parametros --mandatory --format markdown'
    )


def test_preflight_finds_the_resources_a_batch_uses_twice_offline(offline, tmp_path):
    folder = tmp_path / 'repetidos'
    person = {'first_name': 'Ana', 'last_name': 'Gil', 'location': 'Sede Central'}
    write_csv(
        folder / 'usuarios.csv',
        [
            person | {'email': 'ana@x.example.com', 'extension': '4010', 'phone_number': '+34910000003'},
            person | {'email': 'bea@x.example.com', 'extension': '4010', 'phone_number': '+34910000004'},
            person | {'email': 'eva@x.example.com', 'extension': '4011', 'phone_number': '+34910000003'},
        ],
    )

    code, result, _ = offline('--input_dir', str(folder))

    assert (code, result['status']) == (2, 'rejected')
    assert [(p['row'], p['column'], p['value'], p['why'].split(':')[0]) for p in result['result']['problems']] == [
        (2, 'extension', '4010', "extensión 4010 repetida en la ubicación 'Sede Central'"),
        (3, 'phone_number', '+34910000003', 'número +34910000003 repetido en el lote'),
    ]


def test_a_resource_used_twice_is_named_as_written_in_its_cell_and_explained_with_its_number(offline, tmp_path):
    folder = tmp_path / 'repetidos'
    person = {'first_name': 'Ana', 'last_name': 'Gil', 'location': 'Sede Central'}
    write_csv(
        folder / 'usuarios.csv',
        [
            person | {'email': 'ana@x.example.com', 'extension': '4010', 'phone_number': '+34915550102'},
            person | {'email': 'bea@x.example.com', 'extension': '4011', 'phone_number': '+34 915 550 102'},
        ],
    )
    write_csv(
        folder / 'ubicaciones.csv',
        [
            {'name': 'Norte', 'phone_numbers': '+34910000500-+34910000502'},
            {'name': 'Sur', 'phone_numbers': '+34 910 000 501'},
        ],
    )

    code, result, stderr = offline(
        '--input_dir', str(folder), '--action', 'alta_usuario', '--action', 'anadir_numeraciones_ubicacion'
    )

    assert code == 2
    problems = [(p['file'], p['row'], p['column'], p['value'], p['why']) for p in result['result']['problems']]
    assert problems == [
        (
            'ubicaciones.csv',
            2,
            'phone_numbers',
            '+34 910 000 501',
            "número +34910000501 añadido a dos ubicaciones en el lote: ya se añade a 'Norte' (ubicaciones.csv fila 1); "
            'un número pertenece a una sola ubicación',
        ),
        (
            'usuarios.csv',
            2,
            'phone_number',
            '+34 915 550 102',
            'número +34915550102 repetido en el lote: ya se lo da a ana@x.example.com (usuarios.csv fila 1); un número '
            'solo puede tenerlo una persona o workspace',
        ),
    ]
    assert "usuarios.csv, fila 2, columna phone_number: valor '+34 915 550 102': número +34915550102" in stderr
