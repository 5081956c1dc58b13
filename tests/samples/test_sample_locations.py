"""End to end: the sample sites go from nothing to fully configured through the CLI, one action after another,
each row read from samples/ubicaciones.csv; a second pass changes nothing."""

import pytest

from tests.support.files import SAMPLES
from tests.support.locations import mark, option_id, route_id
from transformacion.core.csvfiles import iter_rows

ACTIONS = (
    'alta_ubicacion',
    'configurar_pstn_ubicacion',
    'anadir_numeraciones_ubicacion',
    'configurar_cabecera_ubicacion',
    'configurar_internas_ubicacion',
    'configurar_permisos_salientes_ubicacion',
)
SITES = SAMPLES / 'ubicaciones.csv'
ROWS = {row['name']: (number, row) for number, row in iter_rows(SITES)}


def run_all(cli, row_number):
    return {action: cli(action, '--csv', str(SITES), '--row', str(row_number), '--yes') for action in ACTIONS}


@pytest.mark.parametrize('site', ['Madrid Castellana', 'Barcelona Diagonal', 'Sevilla Nervión'])
def test_a_sample_site_is_configured_from_nothing_and_a_second_pass_changes_nothing(cli, sandbox, site):
    row_number, row = ROWS[site]
    assert not any(loc['name'] == site for loc in sandbox.org.locations.values())

    first = run_all(cli, row_number)
    assert {action: run.status for action, run in first.items()} == dict.fromkeys(ACTIONS, 'executed'), {
        action: run.result['summary']['message'] for action, run in first.items()
    }
    assert all(run.result['result']['verified'] for run in first.values())

    location_id = first['alta_ubicacion'].result['result']['location_id']
    calling = sandbox.org.calling_locations[location_id]
    assert calling['calling_line_id'] == {'name': row['caller_id_name'], 'phone_number': row['main_number']}
    assert (calling['routing_prefix'], calling['outside_dial_digit']) == (row['routing_prefix'], '0')
    numbers = {n: r for n, r in sandbox.org.numbers.items() if r['location_id'] == location_id}
    assert len(numbers) == len(first['anadir_numeraciones_ubicacion'].result['result']['numbers'])
    assert {r['state'] for r in numbers.values()} == {row['number_state']}
    if row['pstn'] in ('TRK-MAD-01', 'RG-ESPANA'):
        assert calling['connection']['id'] == route_id(sandbox, row['pstn'])
    else:
        assert sandbox.org.pstn_connections[location_id] == {'id': option_id(sandbox, row['pstn'])}
    dialing = sandbox.org.internal_dialing.get(location_id)
    if row['unknown_extension_route']:
        assert dialing['unknown_extension_route_identity']['id'] == route_id(sandbox, row['unknown_extension_route'])
    else:
        assert dialing is None

    start = mark(sandbox)
    second = run_all(cli, row_number)
    assert {action: run.status for action, run in second.items()} == dict.fromkeys(ACTIONS, 'skipped')
    assert all(run.code == 0 for run in second.values())
    assert sandbox.writes(start) == []
