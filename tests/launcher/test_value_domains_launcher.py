"""Value domains through the launcher (issue 14): what the dry-run accepts, the real run applies; a value Webex
would refuse is refused by the dry-run and the offline preflight before any write."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.batches import location_names
from tests.support.files import write_csv
from transformacion import inspeccionar_parametros

ZARAGOZA = {
    'name': 'Zaragoza Prueba',
    'address1': 'Paseo Independencia 1',
    'city': 'Zaragoza',
    'state': 'Zaragoza',
    'postal_code': '50001',
}


def _folder(root: Path, global_row: dict[str, str], rows: list[dict[str, str]]) -> Path:
    write_csv(root / 'global.csv', [global_row], delimiter=';')
    write_csv(root / 'ubicaciones.csv', rows, delimiter=';')
    return root


def _events(run_dir: Path, action: str) -> list[dict]:
    with (run_dir / f'{action}.jsonl').open(encoding='utf-8') as handle:
        return [json.loads(line) for line in handle if line.strip()]


def test_announcement_language_written_es_ES_is_normalised_and_the_real_run_enables_calling(launch, sandbox, tmp_path):
    global_row = {
        'time_zone': 'Europe/Madrid',
        'preferred_language': 'es_ES',
        'announcement_language': 'es_ES',
        'country': 'ES',
    }
    folder = _folder(tmp_path / 'in', global_row, [ZARAGOZA])

    dry = launch('--input_dir', str(folder), '--actions', 'alta_ubicacion', '--dry-run')

    assert (dry.code, dry.result['status']) == (0, 'dry_run'), dry.stderr
    assert sandbox.writes() == []
    requests = [e['payload'] for e in _events(dry.run_dir, 'alta_ubicacion') if e['event'] == 'request']
    assert requests[0]['params']['announcement_language'] == 'es_es'
    assert requests[0]['params']['preferred_language'] == 'es_ES'

    real = launch('--input_dir', str(folder), '--actions', 'alta_ubicacion')

    assert (real.code, real.result['status']) == (0, 'executed'), real.stderr
    created = next(loc for loc in sandbox.org.locations.values() if loc['name'] == 'Zaragoza Prueba')
    assert created['id'] in sandbox.org.calling_locations
    assert sandbox.org.calling_locations[created['id']]['announcement_language'] == 'es_es'


def test_a_city_for_a_time_zone_is_refused_by_the_dry_run_with_the_zone_it_names(launch, sandbox, tmp_path):
    global_row = {
        'time_zone': 'Madrid',
        'preferred_language': 'es_ES',
        'announcement_language': 'es_es',
        'country': 'ES',
    }
    folder = _folder(tmp_path / 'in', global_row, [ZARAGOZA])

    dry = launch('--input_dir', str(folder), '--actions', 'alta_ubicacion', '--dry-run')

    assert (dry.code, dry.result['status']) == (2, 'rejected')
    assert 'global.csv' in dry.stderr and 'time_zone' in dry.stderr and '¿quería decir Europe/Madrid?' in dry.stderr
    assert sandbox.writes() == []
    assert 'Zaragoza Prueba' not in location_names(sandbox)


def test_the_offline_preflight_names_file_row_column_and_value_of_each_bad_domain(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv('TRANSFORMACION_LOG_DIR', str(tmp_path / 'logs'))
    global_row = {'time_zone': 'Europe / Madrid', 'preferred_language': 'es-es', 'announcement_language': 'es_ES'}
    rows = [
        ZARAGOZA | {'country': 'ES'},
        ZARAGOZA | {'name': 'Teruel', 'country': 'España', 'time_zone': 'Mars/Olympus'},
        ZARAGOZA | {'name': 'Huesca', 'country': 'ES', 'announcement_language': 'eo_es'},
        ZARAGOZA | {'name': 'Soria', 'country': 'ES', 'phone_numbers': '915550160'},
    ]
    folder = _folder(tmp_path / 'in', global_row, rows)

    code = inspeccionar_parametros.main(['--input_dir', str(folder)])
    result = json.loads(capsys.readouterr().out)

    assert code == 2
    problems = {(p['file'], p['row'], p['column'], p['value']): p['why'] for p in result['result']['problems']}
    assert 'código de país ISO 3166' in problems[('ubicaciones.csv', 2, 'country', 'España')]
    assert 'no es una zona horaria IANA' in problems[('ubicaciones.csv', 2, 'time_zone', 'Mars/Olympus')]
    assert (
        'no es un idioma de locuciones de Webex Calling'
        in problems[('ubicaciones.csv', 3, 'announcement_language', 'eo_es')]
    )
    assert '+34915550160' in problems[('ubicaciones.csv', 4, 'phone_numbers', '915550160')]
    assert not [where for where in problems if where[1] == 1 or where[0] == 'global.csv']
