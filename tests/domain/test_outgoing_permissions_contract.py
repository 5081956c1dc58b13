"""The contract every outgoing-permissions action keeps, end to end through wxc_sdk against the sandbox:
dry-run, confirmation of a high-impact change, apply and verify, re-apply skipped, bad input, 429, CSV row."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import version

import pytest

from tests.support.org import LUCIA, LUCIA_ID, SEDE_CENTRAL, SEDE_CENTRAL_ID
from tests.support.permissions import DEFAULTS, stored
from tests.support.runs import log_events

#: wxc_sdk moved the person's outgoingPermission from /people/{id}/features/ to /telephony/config/people/{id}/ in 1.38
_SDK = tuple(int(part) for part in version('wxc_sdk').split('.')[:2])
PERSON_PATH = (
    '/telephony/config/people/{}/outgoingPermission' if _SDK >= (1, 38) else '/people/{}/features/outgoingPermission'
)


@dataclass(frozen=True)
class Target:
    action: str
    kind: str
    entity: list[str]
    entity_id: str
    path: str
    csv_header: str
    csv_key: str
    flags: dict[str, bool]


TARGETS = {
    'location': Target(
        'configurar_permisos_salientes_ubicacion',
        'location',
        ['--location', SEDE_CENTRAL],
        SEDE_CENTRAL_ID,
        '/telephony/config/locations/{}/outgoingPermission',
        'name;time_zone;outgoing_permissions',
        f'{SEDE_CENTRAL};Europe/Madrid',
        {},
    ),
    'person': Target(
        'configurar_permisos_salientes_usuario',
        'person',
        ['--person', LUCIA],
        LUCIA_ID,
        PERSON_PATH,
        'email;display_name;outgoing_permissions',
        f'{LUCIA};Lucía Martín',
        {'use_custom_enabled': True, 'use_custom_permissions': True},
    ),
}


pytestmark = pytest.mark.parametrize('target', [TARGETS[name] for name in sorted(TARGETS)], ids=sorted(TARGETS))


CHANGE = 'NATIONAL:BLOCK, INTERNATIONAL:AUTH_CODE:transfer'
CHANGED = {
    'NATIONAL': {'action': 'BLOCK', 'transfer_enabled': True},
    'INTERNATIONAL': {'action': 'AUTH_CODE', 'transfer_enabled': True},
}


def test_dry_run_reports_the_change_and_the_exact_call_and_writes_nothing(cli, sandbox, org, target):
    run = cli(target.action, *target.entity, '--outgoing-permissions', CHANGE, '--dry-run')

    assert (run.code, run.status) == (0, 'dry_run'), run.result
    result = run.result['result']
    assert result['diff']['NATIONAL'] == {'before': DEFAULTS['NATIONAL'], 'after': CHANGED['NATIONAL']}
    assert set(result['diff']) == {*CHANGED, *target.flags}
    [call] = result['calls']
    assert (call['method'], call['path']) == ('PUT', target.path.format(target.entity_id))
    sent = {
        entry['callType']: (entry['action'], entry['transferEnabled']) for entry in call['body']['callingPermissions']
    }
    assert sent == {'NATIONAL': ('BLOCK', True), 'INTERNATIONAL': ('AUTH_CODE', True)}
    assert sandbox.writes() == []


def test_without_yes_it_is_rejected_showing_current_and_desired_and_writes_nothing(cli, sandbox, target):
    run = cli(target.action, *target.entity, '--outgoing-permissions', 'NATIONAL:BLOCK')

    assert (run.code, run.status) == (2, 'rejected'), run.result
    assert '--yes' in run.result['summary']['message']
    result = run.result['result']
    assert result['current']['NATIONAL'] == DEFAULTS['NATIONAL']
    assert result['desired']['NATIONAL'] == CHANGED['NATIONAL']
    assert sandbox.writes() == []


def test_with_yes_only_the_listed_types_change_verified_then_a_rerun_is_skipped(cli, sandbox, org, target):
    run = cli(target.action, *target.entity, '--outgoing-permissions', CHANGE, '--yes')

    assert (run.code, run.status) == (0, 'executed'), run.result
    assert run.result['result']['verified'] is True
    entity_id = target.entity_id
    assert stored(org, target.kind, entity_id) == {**DEFAULTS, **CHANGED, **target.flags}
    [write] = sandbox.writes()
    assert (write['method'], write['path'], write['status']) == ('PUT', '/v1' + target.path.format(entity_id), 204)
    puts = [e['payload'] for e in log_events(run) if e['event'] == 'request' and e['payload'].get('method') == 'PUT']
    assert [p['body']['callingPermissions'] for p in puts] == [write['request_body']['callingPermissions']]

    again = cli(target.action, *target.entity, '--outgoing-permissions', CHANGE, '--yes')
    assert (again.code, again.status) == (0, 'skipped'), again.result
    assert len(sandbox.writes()) == 1


def test_an_unknown_call_type_is_rejected_naming_it_before_any_call(cli, sandbox, target):
    run = cli(target.action, *target.entity, '--outgoing-permissions', 'INTERNATIONAL:BLOCK, INTERNACIONAL:ALLOW')

    assert (run.code, run.status) == (2, 'rejected')
    message = run.result['summary']['message']
    assert '--outgoing-permissions' in message and 'INTERNACIONAL' in message
    assert sandbox.journal() == []


def test_a_429_on_the_write_is_retried(cli, sandbox, org, target):
    sandbox.set_faults([{'kind': 'throttle', 'path': 'outgoingPermission', 'method': 'PUT', 'max_count': 1}])

    run = cli(target.action, *target.entity, '--outgoing-permissions', 'NATIONAL:BLOCK', '--yes')

    assert (run.code, run.status) == (0, 'executed'), run.result
    assert (run.result['summary']['http_429'], run.result['summary']['retries']) == (1, 1)
    assert [w['status'] for w in sandbox.writes()] == [429, 204]
    assert stored(org, target.kind, target.entity_id)['NATIONAL'] == CHANGED['NATIONAL']


def test_a_csv_row_is_a_run(cli, org, target, tmp_path):
    csv_path = tmp_path / 'datos.csv'
    csv_path.write_text(
        f'{target.csv_header}\n{target.csv_key};"PREMIUM_SERVICES_II:ALLOW:transfer, TOLL_FREE:BLOCK"\n',
        encoding='utf-8',
    )

    run = cli(target.action, '--csv', str(csv_path), '--row', '1', '--yes')

    assert run.status == 'executed', run.result
    state = stored(org, target.kind, target.entity_id)
    assert state['PREMIUM_SERVICES_II'] == {'action': 'ALLOW', 'transfer_enabled': True}
    assert state['TOLL_FREE'] == {'action': 'BLOCK', 'transfer_enabled': True}
