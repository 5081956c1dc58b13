"""configurar_permisos_salientes_usuario: the person path, following the location, and what a person needs."""

from tests.support.org import ADMIN, LUCIA, LUCIA_ID, SEDE_CENTRAL_ID
from tests.support.permissions import DEFAULTS, seed, stored

ACTION = 'configurar_permisos_salientes_usuario'
CUSTOM = {'use_custom_enabled': True, 'use_custom_permissions': True}


def test_a_person_following_the_location_starts_from_the_locations_permissions(cli, sandbox, org):
    seed(org, 'location', SEDE_CENTRAL_ID, NATIONAL=('BLOCK', False), TOLL_FREE=('BLOCK', False))

    run = cli(ACTION, '--person', LUCIA, '--outgoing-permissions', 'TOLL_FREE:ALLOW', '--yes')

    assert run.status == 'executed', run.result
    assert run.result['result']['location_permissions']['NATIONAL'] == {'action': 'BLOCK', 'transfer_enabled': False}
    assert stored(org, 'person', LUCIA_ID) == {
        **DEFAULTS,
        **CUSTOM,
        'NATIONAL': {'action': 'BLOCK', 'transfer_enabled': False},
        'TOLL_FREE': {'action': 'ALLOW', 'transfer_enabled': False},
    }


def test_back_to_the_location_permissions_then_skipped(cli, sandbox, org):
    pid = LUCIA_ID
    seed(org, 'person', pid, CUSTOM, INTERNATIONAL=('ALLOW', True))

    run = cli(ACTION, '--person', pid, '--use-location-permissions', 'si', '--yes')

    assert run.status == 'executed', run.result
    assert run.result['result']['diff'] == {'use_custom_enabled': {'before': True, 'after': False}}
    [write] = sandbox.writes()
    assert write['request_body'] == {'useCustomEnabled': False, 'useCustomPermissions': None}
    assert stored(org, 'person', pid)['use_custom_enabled'] is False
    again = cli(ACTION, '--person', LUCIA, '--use-location-permissions', 'true', '--yes')
    assert again.status == 'skipped'
    assert len(sandbox.writes()) == 1


def test_custom_without_a_list_freezes_the_current_permissions(cli, sandbox, org):
    run = cli(ACTION, '--person', LUCIA, '--use-location-permissions', 'false', '--yes')

    assert run.status == 'executed', run.result
    assert stored(org, 'person', LUCIA_ID) == {**DEFAULTS, **CUSTOM}


def test_following_the_location_and_a_list_contradict_each_other(cli, sandbox):
    run = cli(ACTION, '--person', LUCIA, '--use-location-permissions', 'true', '--outgoing-permissions', 'TOLL:BLOCK')

    assert (run.code, run.status) == (2, 'rejected')
    assert 'use_location_permissions' in run.result['summary']['message']
    assert sandbox.journal() == []


def test_nothing_to_configure_is_rejected(cli, sandbox):
    run = cli(ACTION, '--person', LUCIA, '--yes')

    assert (run.code, run.status) == (2, 'rejected')
    assert 'outgoing_permissions' in run.result['summary']['message']
    assert sandbox.journal() == []


def test_a_person_without_webex_calling_or_unknown_is_rejected(cli, sandbox):
    no_calling = cli(ACTION, '--person', ADMIN, '--outgoing-permissions', 'NATIONAL:BLOCK', '--yes')
    unknown = cli(
        ACTION, '--person', 'nadie@transformacion-demo.example.com', '--outgoing-permissions', 'NATIONAL:BLOCK'
    )

    assert (no_calling.code, no_calling.status) == (2, 'rejected')
    assert ADMIN in no_calling.result['summary']['message']
    assert (unknown.code, unknown.status) == (2, 'rejected')
    assert 'nadie@' in unknown.result['summary']['message']
    assert sandbox.writes() == []


def test_an_allow_all_except_profile_allows_every_other_call_type_the_person_offers(cli, sandbox, org, tmp_path):
    profile = tmp_path / 'sin_internacional.json'
    profile.write_text('{"name": "sin_internacional", "todo_permitido_salvo": {"INTERNATIONAL": "BLOCK"}}')
    seed(org, 'person', LUCIA_ID, CUSTOM, NATIONAL=('BLOCK', False), INTERNATIONAL=('ALLOW', True))

    run = cli(ACTION, '--person', LUCIA, '--outgoing-permissions-profile', str(profile), '--yes')

    assert run.status == 'executed', run.result
    assert run.result['result']['profile'] == {
        'name': 'sin_internacional',
        'file': str(profile),
        'allow_all_except': True,
    }
    after = stored(org, 'person', LUCIA_ID)
    assert after['INTERNATIONAL'] == {'action': 'BLOCK', 'transfer_enabled': True}
    offered = [key for key in after if key.isupper()]
    assert all(after[key]['action'] == 'ALLOW' for key in offered if key != 'INTERNATIONAL')
    again = cli(ACTION, '--person', LUCIA, '--outgoing-permissions-profile', str(profile), '--yes')
    assert again.status == 'skipped', again.result


def test_a_profile_and_a_list_together_are_refused_before_any_call(cli, sandbox, tmp_path):
    profile = tmp_path / 'p.json'
    profile.write_text('{"permisos": {"NATIONAL": "ALLOW"}}')

    run = cli(ACTION, '--person', LUCIA, '--outgoing-permissions-profile', str(profile),
              '--outgoing-permissions', 'INTERNATIONAL:BLOCK', '--yes')  # fmt: skip

    assert run.status == 'rejected' and 'use uno' in run.result['summary']['message']
    assert sandbox.journal() == []
