"""generar_csv_candidatos: the export is the launcher's input format and re-applying it changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.files import read_csv
from tests.support.runs import TOKEN
from transformacion.core.catalog import ACTION_NAMES, actions
from transformacion.core.params import DATASETS, NUMBER_RANGES
from transformacion.domain.export import (
    EXPORTERS,
    NOT_EXPORTED,
    Dataset,
    columns_not_exported,
    export_columns,
    global_row,
    number_ranges,
    unregistered,
)

SAMPLES = Path(__file__).resolve().parents[2] / 'samples'
DOMAIN = 'transformacion-demo.example.com'


def _ready_names() -> str:
    return ','.join(action.name for action in actions() if action.ready)


def _last_seq(sandbox) -> int:
    journal = sandbox.journal()
    return journal[-1]['seq'] if journal else 0


def _rows(folder: Path, file: str) -> dict[str, dict[str, str]]:
    """The rows of a dataset merged with global.csv (as the launcher merges them), by their first column."""
    common = read_csv(folder / 'global.csv')[1][0] if (folder / 'global.csv').exists() else {}
    header, rows = read_csv(folder / file)
    return {row[header[0]]: {**common, **{k: v for k, v in row.items() if v}} for row in rows}


def _reapply(script, folder: Path):
    run = script('launcher_csv_dependencias', '--input_dir', str(folder), '--actions', _ready_names(), '--yes')
    _, results = read_csv(Path(run.result['result']['results_file']))
    return run, results


def test_an_export_reapplied_by_the_launcher_is_all_skipped_with_zero_writes(script, sandbox, tmp_path):
    provisioned = script('launcher_csv_dependencias', '--input_dir', str(SAMPLES), '--yes')
    assert provisioned.result['summary']['by_status']['executed'] > 50, provisioned.stderr
    seq = _last_seq(sandbox)
    out = tmp_path / 'export'

    export = script('generar_csv_candidatos', '--output_dir', str(out))

    assert export.code == 0, export.stderr
    assert export.status == 'executed'
    assert export.result['result']['rows'] == {'ubicaciones.csv': 5, 'usuarios.csv': 14, 'workspaces.csv': 8}
    assert export.result['result']['not_exported'] == []
    assert sandbox.writes(seq) == []
    for domain, file in DATASETS.items():
        raw = (out / file).read_bytes()
        assert raw.startswith(b'\xef\xbb\xbf'), file
        assert read_csv(out / file)[0] == export_columns(domain)

    run, results = _reapply(script, out)

    assert run.code == 0, run.stderr
    assert sandbox.writes(seq) == []
    assert len(results) == run.result['summary']['total'] == 5 * 7 + 14 * 7 + 8 * 6
    # no one in the sample has an intercom (secondary) number: that column stays empty and its action does not apply
    intercom = {'configurar_numero_intercom_usuario', 'configurar_numero_intercom_workspace'}
    for row in results:  # a read-only action (precheck_workspace) writes nothing either: sin_cambios
        category = 'no_aplica' if row['action'] in intercom else 'sin_cambios'
        assert (row['action'], row['key'], row['status'], row['category']) == (
            row['action'],
            row['key'],
            'skipped',
            category,
        ), row['message']


def test_the_exported_cells_are_the_current_state_as_the_actions_read_it(script, sandbox, tmp_path):
    script('launcher_csv_dependencias', '--input_dir', str(SAMPLES), '--yes')
    out = tmp_path / 'export'
    export = script('generar_csv_candidatos', '--output_dir', str(out))
    assert export.code == 0, export.stderr

    _, (common,) = read_csv(out / 'global.csv')
    assert common['time_zone'] == 'Europe/Madrid' and common['country'] == 'ES'
    assert all(row['time_zone'] == '' for row in read_csv(out / 'ubicaciones.csv')[1])
    locations = _rows(out, 'ubicaciones.csv')
    madrid = locations['Madrid Castellana']
    assert madrid['pstn'] == 'TRK-MAD-01'
    assert madrid['phone_numbers'] == '+34915550100-+34915550149'
    assert (madrid['main_number'], madrid['caller_id_name']) == ('+34915550100', 'Demo Madrid')
    assert (madrid['routing_prefix'], madrid['unknown_extension_route']) == ('8101', 'RG-ESPANA')
    assert 'INTERNATIONAL:BLOCK' in madrid['outgoing_permissions']
    assert locations['Sevilla Nervión']['phone_numbers'] == '+34955550300-+34955550319,+34955550399'
    assert locations['Barcelona Diagonal']['pstn'] == 'Telefonica Cloud Connect'
    assert locations['Barcelona Diagonal']['unknown_extension_policy'] == 'false'

    users = _rows(out, 'usuarios.csv')
    assert users[f'alvaro.martinez@{DOMAIN}']['display_name'] == 'Álvaro Martínez (Dirección)'
    lucia = users[f'lucia.fernandez@{DOMAIN}']
    assert (lucia['location'], lucia['extension'], lucia['phone_number']) == (
        'Madrid Castellana',
        '1101',
        '+34915550101',
    )
    assert lucia['add_licenses'] == 'Meeting - Webex Meetings|Webex Calling - Professional@Sub-TRANSF-0001'
    assert (lucia['forward_no_answer'], lucia['forward_no_answer_rings']) == ('1102', '4')
    assert users[f'javier.garcia@{DOMAIN}']['push_to_talk_connection_type'] == 'TWO_WAY'
    assert users[f'carmen.sanchez@{DOMAIN}']['calling_license'] == 'Webex Calling - Basic'
    assert users[f'maria.lopez@{DOMAIN}']['outgoing_permissions'].startswith('INTERNAL_CALL:ALLOW')
    assert 'use_location_permissions' not in users[f'maria.lopez@{DOMAIN}']
    assert users[f'pau.soler@{DOMAIN}'].get('remove_licenses') is None

    workspaces = _rows(out, 'workspaces.csv')
    reception = workspaces['Recepción Castellana']
    assert (reception['location'], reception['extension'], reception['phone_number']) == (
        'Madrid Castellana',
        '2100',
        '+34915550110',
    )
    assert set(reception['push_to_talk_members'].split(', ')) == {
        f'javier.garcia@{DOMAIN}',
        f'lucia.fernandez@{DOMAIN}',
    }
    assert reception['forward_business_continuity'] == '+34600100200'
    assert workspaces['Sala Montjuïc']['license'] == 'Webex Calling - Professional@Sub-TRANSF-0001'

    log = Path(export.result['summary']['log_file'])
    assert log.is_file() and TOKEN not in log.read_text(encoding='utf-8')
    assert export.result['summary']['api_calls'] > 0


def test_a_state_the_actions_cannot_reproduce_is_left_empty_and_reported(script, sandbox, api, tmp_path):
    from wxc_sdk.person_settings.permissions_out import OutgoingPermissions

    lucia_id = next(api.people.list(email=f'lucia.martin@{DOMAIN}')).person_id
    api.person_settings.permissions_out.configure(
        lucia_id, OutgoingPermissions(use_custom_enabled=True, use_custom_permissions=False)
    )
    seq = _last_seq(sandbox)
    out = tmp_path / 'export'

    export = script('generar_csv_candidatos', '--output_dir', str(out))

    assert export.code == 0, export.stderr
    notes = export.result['result']['not_exported']
    assert [(n['file'], n['entity'], n['columns']) for n in notes] == [
        (
            'usuarios.csv',
            f'lucia.martin@{DOMAIN}',
            'outgoing_permissions, outgoing_permissions_profile, use_location_permissions',
        )
    ]
    assert 'useCustomPermissions=false' in notes[0]['why']
    assert 'no exportables quedan vacíos' in export.result['summary']['message']
    lucia = _rows(out, 'usuarios.csv')[f'lucia.martin@{DOMAIN}']
    assert 'outgoing_permissions' not in lucia and 'use_location_permissions' not in lucia

    run, results = _reapply(script, out)

    assert run.code == 0, run.stderr
    assert sandbox.writes(seq) == []
    assert {r['status'] for r in results} == {'skipped'}


def test_candidates_are_the_people_and_workspaces_without_calling_with_only_their_keys(script, sandbox, tmp_path):
    out = tmp_path / 'candidatos'

    export = script('generar_csv_candidatos', '--output_dir', str(out), '--candidates')

    assert export.code == 0, export.stderr
    assert sorted(p.name for p in out.iterdir()) == ['usuarios.csv', 'workspaces.csv']
    header, people = read_csv(out / 'usuarios.csv')
    assert header == export_columns('usuarios')
    assert [p['email'] for p in people] == [f'admin@{DOMAIN}']
    admin = {k: v for k, v in people[0].items() if v}
    assert admin == {'email': f'admin@{DOMAIN}', 'first_name': 'Ana', 'last_name': 'Administradora'}
    _, workspaces = read_csv(out / 'workspaces.csv')
    assert [(w['name'], w['location']) for w in workspaces] == [
        ('Sala Goya', 'Sede Central'),
        ('Sala Velázquez', 'Sede Central'),
    ]
    assert all(v == '' for w in workspaces for k, v in w.items() if k not in ('name', 'location'))
    assert export.result['result']['global_values'] == {}
    assert sandbox.writes() == []


def test_location_filter_unknown_location_and_existing_files(script, sandbox, tmp_path):
    out = tmp_path / 'export'
    only = script('generar_csv_candidatos', '--output_dir', str(out), '--location', 'sede central')
    assert only.code == 0, only.stderr
    assert only.result['result']['rows'] == {'ubicaciones.csv': 1, 'usuarios.csv': 2, 'workspaces.csv': 1}

    again = script('generar_csv_candidatos', '--output_dir', str(out))
    assert (again.code, again.status) == (2, 'rejected')
    assert 'use --force' in again.result['summary']['message']

    candidates = script('generar_csv_candidatos', '--output_dir', str(out), '--candidates', '--force')
    assert candidates.code == 0, candidates.stderr
    assert sorted(p.name for p in out.iterdir()) == ['usuarios.csv', 'workspaces.csv']

    unknown = script('generar_csv_candidatos', '--output_dir', str(out), '--force', '--location', 'Marte')
    assert (unknown.code, unknown.status) == (2, 'rejected')
    assert (
        unknown.result['summary']['message']
        == "--location: no existe la ubicación 'Marte'; ubicaciones: Sede Central, Valencia Puerto"
    )
    assert sandbox.writes() == []


def test_number_ranges_round_trip_through_the_declared_type():
    numbers = ['+34910000005', '+34910000001', '+34910000003', '+34910000002', '+3491000010', '+34910000007']
    text = number_ranges(numbers)
    assert text == '+3491000010,+34910000001-+34910000003,+34910000005,+34910000007'
    assert sorted(NUMBER_RANGES.coerce(text)) == sorted(numbers)


@pytest.mark.parametrize(
    ('rows', 'expected'),
    [
        ([{'name': 'A', 'country': 'ES'}, {'name': 'B', 'country': 'ES'}], {'country': 'ES'}),
        ([{'name': 'A', 'country': 'ES', 'phone_numbers': '+34910000001'}], {}),
        ([{'name': 'A', 'country': 'ES'}, {'name': 'B', 'country': ''}], {}),
    ],
)
def test_global_holds_the_values_every_row_shares_or_nothing(rows, expected):
    """Shared by two rows or more: moved out of the rows. Else nothing (global.csv is optional and not written)."""
    dataset = Dataset('ubicaciones.csv', export_columns('ubicaciones'), [dict(r) for r in rows])

    assert global_row([dataset]) == expected
    moved = [r.get('country', '') for r in dataset.rows]
    assert moved == (['', ''] if 'country' in expected else [r['country'] for r in rows])


def test_an_api_failure_is_an_error_and_writes_no_file(script, sandbox, tmp_path):
    out = tmp_path / 'export'

    run = script('generar_csv_candidatos', '--output_dir', str(out), '--token', 'token-caducado')

    assert (run.code, run.status) == (1, 'error')
    assert run.result['result']['error']['reason'] == 'auth'
    assert run.result['invocation']['argv'][-1] == '***'
    assert not out.exists()


def test_every_action_is_exported_or_explicitly_not_exported_and_says_why():
    assert unregistered(ACTION_NAMES) == []
    assert unregistered(['accion_nueva']) == ['accion_nueva'], 'a new action must decide whether it is exported'
    assert set(EXPORTERS) | set(NOT_EXPORTED) == set(ACTION_NAMES)
    empty = [Dataset(file, export_columns(domain), []) for domain, file in DATASETS.items()]
    reasons = columns_not_exported(empty)
    assert reasons['workspaces.csv']['area'] == NOT_EXPORTED['precheck_workspace']
    assert reasons['usuarios.csv']['remove_licenses'].startswith('describe un cambio')
