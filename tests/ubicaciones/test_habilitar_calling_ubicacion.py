"""habilitar_calling_ubicacion end to end through the real wxc_sdk against the sandbox: Webex Calling enabled on a
location created elsewhere, named by name or id, with the address Webex already has."""

from wxc_sdk import WebexSimpleApi

from tests.support.org import SEDE_CENTRAL

BILBAO = 'Bilbao Abando'


def bilbao_without_calling(api: WebexSimpleApi, name: str = BILBAO) -> str:
    """A location created through the locations API only (as Control Hub or another tool would): no Webex Calling."""
    return api.locations.create(name, 'Europe/Madrid', 'es_ES', 'es_es', 'Gran Vía 1', 'Bilbao', 'BI', '48001', 'ES')


def enable(cli, location, *args):
    return cli('habilitar_calling_ubicacion', '--location', location, '--enable-calling', 'si',
               '--announcement-language', 'es_ES', *args)  # fmt: skip


def test_dry_run_reads_the_address_from_webex_and_shows_the_exact_post(cli, sandbox, api):
    location_id = bilbao_without_calling(api)
    start = sandbox.journal()[-1]['seq']

    run = enable(cli, BILBAO, '--dry-run')

    assert (run.code, run.status) == (0, 'dry_run'), run.result
    [call] = run.result['result']['calls']
    assert (call['method'], call['path']) == ('POST', '/telephony/config/locations')
    assert call['body']['id'] == location_id and call['body']['announcementLanguage'] == 'es_es'
    assert call['body']['address']['address1'] == 'Gran Vía 1' and call['body']['timeZone'] == 'Europe/Madrid'
    assert sandbox.writes(start) == [] and location_id not in sandbox.org.calling_locations


def test_enabled_by_id_verified_and_then_skipped(cli, sandbox, api):
    location_id = bilbao_without_calling(api)
    start = sandbox.journal()[-1]['seq']

    run = enable(cli, location_id)

    assert (run.code, run.status) == (0, 'executed'), run.result
    assert run.result['result']['verified'] is True
    [write] = sandbox.writes(start)
    assert (write['method'], write['path'], write['status']) == ('POST', '/v1/telephony/config/locations', 201)
    assert sandbox.org.calling_locations[location_id]['announcement_language'] == 'es_es'
    again = enable(cli, BILBAO)
    assert (again.status, len(sandbox.writes(start))) == ('skipped', 1), again.result


def test_an_unknown_location_or_a_calling_name_too_long_is_refused_without_writing(cli, sandbox, api):
    long_name = 'Oficina ' + 'x' * 80
    bilbao_without_calling(api, long_name)
    start = sandbox.journal()[-1]['seq']

    unknown = enable(cli, 'Nowhere')
    too_long = enable(cli, long_name)

    assert unknown.status == too_long.status == 'rejected'
    assert "'Nowhere' no existe" in unknown.result['summary']['message']
    assert '80' in too_long.result['summary']['message']
    assert sandbox.writes(start) == []


def test_disabling_is_not_offered(cli, sandbox):
    run = cli('habilitar_calling_ubicacion', '--location', SEDE_CENTRAL, '--enable-calling', 'no',
              '--announcement-language', 'es_es')  # fmt: skip

    assert run.status == 'rejected' and 'no lo deshabilita' in run.result['summary']['message']
    assert sandbox.writes() == []
