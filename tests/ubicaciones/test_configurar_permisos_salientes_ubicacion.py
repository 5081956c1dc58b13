"""configurar_permisos_salientes_ubicacion: what only a location has (no use_custom flags, calling enablement)."""

from tests.support.locations import add_location_without_calling
from tests.support.org import SEDE_CENTRAL, SEDE_CENTRAL_ID
from tests.support.permissions import DEFAULTS, seed, stored

ACTION = 'configurar_permisos_salientes_ubicacion'


def test_a_call_type_webex_no_longer_offers_is_rejected_before_writing(cli, sandbox):
    run = cli(ACTION, '--location', SEDE_CENTRAL, '--outgoing-permissions', 'LOCAL:BLOCK', '--yes')

    assert (run.code, run.status) == (2, 'rejected')
    assert 'LOCAL' in run.result['summary']['message']
    assert sandbox.writes() == []


def test_a_call_type_whose_restriction_webex_enforces_is_not_touched(cli, sandbox, org):
    seed(org, 'location', SEDE_CENTRAL_ID, INTERNATIONAL=('BLOCK', False, True))

    run = cli(ACTION, '--location', SEDE_CENTRAL, '--outgoing-permissions', 'INTERNATIONAL:ALLOW', '--yes')

    assert (run.code, run.status) == (2, 'rejected')
    assert 'INTERNATIONAL' in run.result['summary']['message']
    assert sandbox.writes() == []


def test_the_location_is_found_by_id_and_sends_no_use_custom_flags(cli, sandbox, org):
    loc = SEDE_CENTRAL_ID

    run = cli(ACTION, '--location', loc, '--outgoing-permissions', 'premium-services-1:allow', '--yes')

    assert run.status == 'executed', run.result
    [write] = sandbox.writes()
    assert write['request_body']['callingPermissions'] == [
        {
            'action': 'ALLOW',
            'transferEnabled': False,
            'isCallTypeRestrictionEnabled': None,
            'callType': 'PREMIUM_SERVICES_I',
        }
    ]
    assert not {k for k, v in write['request_body'].items() if k.startswith('useCustom') and v is not None}
    assert stored(org, 'location', loc) == {
        **DEFAULTS,
        'PREMIUM_SERVICES_I': {'action': 'ALLOW', 'transfer_enabled': False},
    }


def test_a_location_without_webex_calling_or_unknown_is_rejected(cli, sandbox, org):
    add_location_without_calling(sandbox, 'Almacén Getafe')

    no_calling = cli(ACTION, '--location', 'Almacén Getafe', '--outgoing-permissions', 'NATIONAL:BLOCK', '--yes')
    unknown = cli(ACTION, '--location', 'Cuenca', '--outgoing-permissions', 'NATIONAL:BLOCK', '--yes')

    assert (no_calling.code, no_calling.status) == (2, 'rejected')
    assert 'no está habilitada para Webex Calling' in no_calling.result['summary']['message']
    assert (unknown.code, unknown.status) == (2, 'rejected')
    assert "'Cuenca'" in unknown.result['summary']['message']
    assert sandbox.writes() == []


def test_the_permission_list_is_required(cli, sandbox):
    run = cli(ACTION, '--location', SEDE_CENTRAL, '--yes')

    assert (run.code, run.status) == (2, 'rejected')
    assert '--outgoing-permissions' in run.result['summary']['message']
    assert sandbox.journal() == []
