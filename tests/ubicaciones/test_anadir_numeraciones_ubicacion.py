"""anadir_numeraciones_ubicacion through the real wxc_sdk against the sandbox."""

import csv

import pytest

from tests.support.locations import VALENCIA, create_site, mark, seed_numbers, set_pstn
from tests.support.runs import TOKEN, logged_writes
from transformacion import launcher_csv_dependencias
from transformacion.anadir_numeraciones_ubicacion import BATCH_SIZE
from transformacion.sandbox import ids

RANGE = '+34963000100-+34963000149'
FIFTY = [f'+34963000{n}' for n in range(100, 150)]


def numbers_of(sandbox, location_id):
    return {n: r['state'] for n, r in sandbox.org.numbers.items() if r['location_id'] == location_id}


def posts(writes):
    return [w for w in writes if w['method'] == 'POST' and w['path'].endswith('/numbers')]


def test_dry_run_plans_the_batches_and_writes_nothing(cli, sandbox, lgw_site):
    start = mark(sandbox)
    run = cli('anadir_numeraciones_ubicacion', '--location', lgw_site.name, '--phone-numbers', RANGE, '--dry-run')
    assert (run.code, run.status) == (0, 'dry_run'), run.result
    calls = run.result['result']['calls']
    assert [len(c['body']['phoneNumbers']) for c in calls] == [20, 20, 10]
    assert {c['method'] + ' ' + c['path'] for c in calls} == {f'POST /telephony/config/locations/{lgw_site.id}/numbers'}
    assert [n for c in calls for n in c['body']['phoneNumbers']] == FIFTY
    assert {c['body']['state'] for c in calls} == {'ACTIVE'}
    assert {n['result'] for n in run.result['result']['numbers']} == {'to_add'}
    assert sandbox.writes(start) == []
    assert numbers_of(sandbox, lgw_site.id) == {}


def test_a_range_is_added_in_batches_verified_logged_and_then_skipped(cli, sandbox, lgw_site):
    start = mark(sandbox)
    run = cli('anadir_numeraciones_ubicacion', '--location', lgw_site.name, '--phone-numbers', RANGE)
    assert (run.code, run.status) == (0, 'executed'), run.result
    assert run.result['result']['verified'] is True
    assert numbers_of(sandbox, lgw_site.id) == dict.fromkeys(FIFTY, 'ACTIVE')
    batches = posts(sandbox.writes(start))
    assert len(batches) == 3 and all(len(w['request_body']['phoneNumbers']) <= BATCH_SIZE for w in batches)
    assert len(sandbox.writes(start)) == 3
    report = run.result['result']['numbers']
    assert [n['phone_number'] for n in report] == FIFTY
    assert {(n['result'], n['state']) for n in report} == {('added', 'ACTIVE')}
    assert logged_writes(run) == [('POST', f'/telephony/config/locations/{lgw_site.id}/numbers')] * 3
    assert [c['body'] for c in run.result['result']['calls']] == [w['request_body'] for w in sandbox.writes(start)]

    again = mark(sandbox)
    second = cli('anadir_numeraciones_ubicacion', '--location', lgw_site.name, '--phone-numbers', RANGE)
    assert (second.code, second.status) == (0, 'skipped'), second.result
    assert {n['result'] for n in second.result['result']['numbers']} == {'already_present'}
    assert sandbox.writes(again) == []


def test_numbers_already_in_the_location_are_skipped_and_the_rest_added_inactive(cli, sandbox, lgw_site):
    seed_numbers(sandbox, lgw_site.id, '+34963000100', '+34963000101')
    start = mark(sandbox)
    run = cli(
        'anadir_numeraciones_ubicacion',
        '--location',
        lgw_site.name,
        '--phone-numbers',
        '+34963000100-+34963000103;+34963000200',
        '--number-state',
        'inactive',
    )
    assert run.status == 'executed', run.result
    [write] = sandbox.writes(start)
    assert write['request_body'] == {
        'phoneNumbers': ['+34963000102', '+34963000103', '+34963000200'],
        'state': 'INACTIVE',
    }
    results = {n['phone_number']: n['result'] for n in run.result['result']['numbers']}
    assert results == {
        '+34963000100': 'already_present',
        '+34963000101': 'already_present',
        '+34963000102': 'added',
        '+34963000103': 'added',
        '+34963000200': 'added',
    }
    assert numbers_of(sandbox, lgw_site.id)['+34963000200'] == 'INACTIVE'


def test_a_number_of_another_location_is_rejected_naming_it_and_nothing_is_written(cli, sandbox, lgw_site):
    start = mark(sandbox)
    run = cli(
        'anadir_numeraciones_ubicacion',
        '--location',
        lgw_site.name,
        '--phone-numbers',
        '+34963000100-+34963000102,+34910000005',
    )
    assert (run.code, run.status) == (2, 'rejected'), run.result
    message = run.result['summary']['message']
    assert '--phone-numbers' in message and '+34910000005 (Sede Central)' in message
    owned = [n for n in run.result['result']['numbers'] if n['result'] == 'owned_elsewhere']
    assert owned == [{'phone_number': '+34910000005', 'result': 'owned_elsewhere', 'location': 'Sede Central'}]
    assert sandbox.writes(start) == []
    assert numbers_of(sandbox, lgw_site.id) == {}


@pytest.mark.parametrize(
    ('value', 'why'),
    [
        ('34963000100', "'+'"),
        ('+34 96 300 01 00 x', 'E.164'),
        ('+34963000100-+34963009999', 'el máximo es 1000'),
    ],
)
def test_malformed_numbers_and_oversized_ranges_are_rejected_before_any_call(cli, sandbox, lgw_site, value, why):
    start = mark(sandbox)
    run = cli('anadir_numeraciones_ubicacion', '--location', lgw_site.name, '--phone-numbers', value)
    assert (run.code, run.status) == (2, 'rejected')
    message = run.result['summary']['message']
    assert '--phone-numbers' in message and repr(value) in message and why in message
    assert sandbox.journal(start) == []


def test_a_429_between_batches_is_retried(cli, sandbox, lgw_site):
    sandbox.set_faults(
        [{'kind': 'throttle', 'path': '/numbers$', 'method': 'POST', 'retry_after': '1', 'max_count': 1}]
    )
    run = cli('anadir_numeraciones_ubicacion', '--location', lgw_site.name, '--phone-numbers', RANGE)
    assert run.status == 'executed', run.result
    assert run.result['summary']['http_429'] == 1
    assert numbers_of(sandbox, lgw_site.id) == dict.fromkeys(FIFTY, 'ACTIVE')


def test_a_batch_whose_answer_is_lost_is_read_back_not_sent_twice(cli, sandbox, lgw_site, monkeypatch):
    monkeypatch.setenv('TRANSFORMACION_MAX_ATTEMPTS', '3')
    sandbox.set_faults(
        [{'kind': 'status', 'status': 503, 'when': 'after', 'path': '/numbers$', 'method': 'POST', 'max_count': 1}]
    )
    start = mark(sandbox)
    run = cli('anadir_numeraciones_ubicacion', '--location', lgw_site.name, '--phone-numbers', RANGE)
    assert run.status == 'executed', run.result
    assert len(posts(sandbox.writes(start))) == 3
    assert numbers_of(sandbox, lgw_site.id) == dict.fromkeys(FIFTY, 'ACTIVE')


def test_a_batch_refused_with_a_400_the_sdk_swallows_is_caught_by_the_read_back(cli, sandbox, lgw_site):
    sandbox.set_faults([{'kind': 'status', 'status': 400, 'path': '/numbers$', 'method': 'POST', 'max_count': 1}])
    run = cli('anadir_numeraciones_ubicacion', '--location', lgw_site.name, '--phone-numbers', RANGE)
    assert (run.code, run.status) == (1, 'error'), run.result
    assert run.result['result']['verified'] is False
    failed = [n['phone_number'] for n in run.result['result']['numbers'] if n['result'] == 'failed']
    assert failed == FIFTY[:BATCH_SIZE]
    assert '20 número(s) no se añadieron' in run.result['summary']['message']
    assert set(numbers_of(sandbox, lgw_site.id)) == set(FIFTY[BATCH_SIZE:])


def test_a_location_on_cisco_pstn_is_rejected_with_zero_writes(cli, sandbox):
    start = mark(sandbox)
    run = cli(
        'anadir_numeraciones_ubicacion', '--location', 'Valencia Puerto', '--phone-numbers', '+34960000300-+34960000302'
    )
    assert (run.code, run.status) == (2, 'rejected'), run.result
    message = run.result['summary']['message']
    assert "la ubicación 'Valencia Puerto' usa PSTN CISCO_PSTN (Cisco PSTN)" in message
    assert 'pídalos al proveedor o añádalos en Control Hub' in message
    assert sandbox.writes(start) == []
    assert not {'+34960000300', '+34960000301', '+34960000302'} & set(sandbox.org.numbers)


@pytest.mark.parametrize('dry_run', [False, True])
def test_a_location_without_pstn_yet_is_rejected_with_zero_writes(cli, sandbox, site, dry_run):
    start = mark(sandbox)
    run = cli(
        'anadir_numeraciones_ubicacion', '--location', site.name, '--phone-numbers', RANGE, *(['--dry-run'] * dry_run)
    )
    assert (run.code, run.status) == (2, 'rejected'), run.result
    message = run.result['summary']['message']
    assert (
        f"la ubicación '{site.name}' aún no tiene conexión PSTN" in message and 'configurar_pstn_ubicacion' in message
    )
    assert sandbox.writes(start) == []


def test_a_location_on_integrated_ccp_is_rejected(cli, sandbox, site):
    integrated = {
        'id': ids.encode(ids.PSTN_CONNECTION, 'integrated-ccp'),
        'display_name': 'Integrated CCP',
        'pstn_services': ['GEOGRAPHIC_NUMBERS'],
        'pstn_connection_type': 'INTEGRATED_CCP',
    }
    with sandbox.org.lock:
        sandbox.org.pstn_connection_options.append(integrated)
    set_pstn(sandbox, site.id, 'Integrated CCP')
    start = mark(sandbox)
    run = cli('anadir_numeraciones_ubicacion', '--location', site.name, '--phone-numbers', RANGE)
    assert (run.code, run.status) == (2, 'rejected'), run.result
    assert 'usa PSTN INTEGRATED_CCP (Integrated CCP)' in run.result['summary']['message']
    assert sandbox.writes(start) == []


def test_a_location_on_a_non_integrated_ccp_gets_its_numbers(cli, sandbox):
    site = create_site(cli, [*VALENCIA[:1], 'Valencia Cabanyal', *VALENCIA[2:]])
    set_pstn(sandbox, site.id, 'Telefonica Cloud Connect')
    run = cli('anadir_numeraciones_ubicacion', '--location', site.name, '--phone-numbers', '+34963000100-+34963000102')
    assert (run.code, run.status) == (0, 'executed'), run.result
    assert run.result['result']['pstn'] == 'NON_INTEGRATED_CCP'
    assert numbers_of(sandbox, site.id) == dict.fromkeys(FIFTY[:3], 'ACTIVE')


def test_numbers_all_already_in_a_cisco_pstn_location_are_skipped(cli, sandbox):
    run = cli('anadir_numeraciones_ubicacion', '--location', 'Valencia Puerto', '--phone-numbers', '+34960000100')
    assert (run.code, run.status) == (0, 'skipped'), run.result


def test_the_launcher_adds_a_rows_numbers_after_its_pstn_and_not_when_the_pstn_is_refused(sandbox, tmp_path, capsys):
    header = 'name;time_zone;preferred_language;announcement_language;address1;city;state;postal_code;country;pstn;'
    rows = [
        'Valencia Norte;Europe/Madrid;es_ES;es_es;Calle Alboraya 1;Valencia;Valencia;46010;ES;RG-ESPANA;',
        'Valencia Sur;Europe/Madrid;es_ES;es_es;Calle Sueca 1;Valencia;Valencia;46006;ES;Cisco PSTN;',
    ]
    folder = tmp_path / 'lote'
    folder.mkdir()
    (folder / 'global.csv').write_text('country\nES\n', encoding='utf-8')
    (folder / 'ubicaciones.csv').write_text(
        f'{header}phone_numbers\n{rows[0]}+34963100100-+34963100102\n{rows[1]}+34963200100\n', encoding='utf-8'
    )
    actions = 'alta_ubicacion,configurar_pstn_ubicacion,anadir_numeraciones_ubicacion'
    code = launcher_csv_dependencias.main(
        ['--input_dir', str(folder), '--actions', actions, '--base-url', sandbox.base_url, '--token', TOKEN,
         '--log-dir', str(tmp_path / 'logs')]
    )  # fmt: skip
    capsys.readouterr()

    [results] = (tmp_path / 'logs').glob('runs/*/results_manual.csv')
    with results.open(encoding='utf-8-sig', newline='') as handle:
        status = {(r['key'], r['action']): r for r in csv.DictReader(handle, delimiter=';')}
    assert code != 0
    assert status[('Valencia Norte', 'anadir_numeraciones_ubicacion')]['status'] == 'executed'
    assert status[('Valencia Sur', 'configurar_pstn_ubicacion')]['status'] == 'rejected'
    sur = status[('Valencia Sur', 'anadir_numeraciones_ubicacion')]
    assert sur['status'] == 'skipped' and 'requisito no cumplido: configurar_pstn_ubicacion' in sur['message']
    pstn_put, numbers_post = (
        min(w['seq'] for w in sandbox.writes() if w['path'].endswith(suffix) and w['status'] < 300)
        for suffix in ('/connection', '/numbers')
    )
    assert pstn_put < numbers_post
    assert '+34963200100' not in sandbox.org.numbers


def test_toll_free_numbers_are_sent_with_their_type_and_read_back_as_toll_free(cli, sandbox, lgw_site):
    start = mark(sandbox)
    numbers = '+34900100100-+34900100101'

    run = cli('anadir_numeraciones_ubicacion', '--location', lgw_site.name, '--phone-numbers', numbers,
              '--number-type', 'tollfree')  # fmt: skip

    assert (run.code, run.status) == (0, 'executed'), run.result
    [post] = posts(sandbox.writes(start))
    assert post['request_body'] == {
        'phoneNumbers': ['+34900100100', '+34900100101'],
        'numberType': 'TOLLFREE',
        'state': 'ACTIVE',
    }
    assert {sandbox.org.numbers[n]['toll_free_number'] for n in ('+34900100100', '+34900100101')} == {True}


def test_mobile_numbers_may_go_to_a_cisco_pstn_location_where_dids_may_not(cli, sandbox):
    start = mark(sandbox)
    did = cli('anadir_numeraciones_ubicacion', '--location', 'Valencia Puerto', '--phone-numbers', '+34600100100',
              '--dry-run')  # fmt: skip
    mobile = cli('anadir_numeraciones_ubicacion', '--location', 'Valencia Puerto', '--phone-numbers', '+34600100100',
                 '--number-type', 'MOBILE')  # fmt: skip

    assert did.status == 'rejected', did.result
    assert (mobile.code, mobile.status) == (0, 'executed'), mobile.result
    assert [p['request_body']['numberType'] for p in posts(sandbox.writes(start))] == ['MOBILE']
    assert sandbox.org.numbers['+34600100100']['location_id'] == ids_of_valencia(sandbox)


def test_an_unknown_number_type_is_refused_before_any_call(cli, sandbox, lgw_site):
    start = mark(sandbox)

    run = cli('anadir_numeraciones_ubicacion', '--location', lgw_site.name, '--phone-numbers', '+34900100100',
              '--number-type', 'FAX')  # fmt: skip

    assert (run.code, run.status) == (2, 'rejected'), run.result
    assert (
        "--number-type: valor 'FAX'" in run.result['summary']['message']
        and 'TOLLFREE' in run.result['summary']['message']
    )
    assert sandbox.journal(start) == []


def ids_of_valencia(sandbox):
    return next(loc['id'] for loc in sandbox.org.locations.values() if loc['name'] == 'Valencia Puerto')
