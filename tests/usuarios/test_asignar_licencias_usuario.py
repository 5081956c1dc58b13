"""asignar_licencias_usuario end to end through the real wxc_sdk against the sandbox: one PATCH /licenses/users with
exactly the difference, calling licenses with their location and numbering, units checked before writing."""

from tests.support.org import (
    ADMIN,
    ADMIN_ID,
    BASIC,
    JORGE,
    JORGE_ID,
    LUCIA,
    MEETINGS,
    PROFESSIONAL,
    PROFESSIONAL_OLD,
    SEDE_CENTRAL_ID,
    consumed,
    number_owner,
    people_with_email,
    set_total_units,
    writes_summary,
)
from tests.support.runs import log_events


def assign_licenses(cli, person, *args):
    return cli('asignar_licencias_usuario', '--person', person, *args)


def licenses_of(sandbox, email):
    [person] = people_with_email(sandbox, email)
    return set(person['licenses'])


def test_adds_a_license_by_name_verifies_then_skips(cli, sandbox):
    units = consumed(sandbox, MEETINGS)

    run = assign_licenses(cli, JORGE, '--add-licenses', 'meeting - webex meetings')

    assert (run.code, run.status) == (0, 'executed'), run.result
    assert run.result['result']['verified'] is True
    assert run.result['result']['diff'] == {
        'licenses': {
            'before': ['Webex Calling - Basic'],
            'after': ['Meeting - Webex Meetings', 'Webex Calling - Basic'],
        }
    }
    assert (run.result['result']['licenses_added'], run.result['result']['licenses_removed']) == (
        ['Meeting - Webex Meetings'],
        [],
    )
    assert licenses_of(sandbox, JORGE) == {BASIC, MEETINGS}
    assert consumed(sandbox, MEETINGS) == units + 1
    [patch] = sandbox.writes()
    assert (patch['method'], patch['path'], patch['status']) == ('PATCH', '/v1/licenses/users', 200)
    assert patch['request_body'] == {'personId': JORGE_ID, 'licenses': [{'id': MEETINGS, 'operation': 'add'}]}
    assert patch['request_body'] == run.result['result']['calls'][0]['body']
    events = log_events(run)
    assert [e['payload']['status'] for e in events if e['event'] == 'summary'] == ['executed']
    assert any(e['event'] == 'request' and e['payload'].get('method') == 'PATCH' for e in events)

    again = assign_licenses(cli, JORGE, '--add-licenses', 'Meeting - Webex Meetings')
    assert (again.code, again.status) == (0, 'skipped')
    assert len(sandbox.writes()) == 1


def test_dry_run_shows_the_patch_and_writes_nothing(cli, sandbox):
    run = assign_licenses(cli, LUCIA, '--remove-licenses', MEETINGS, '--dry-run')

    assert (run.code, run.status) == (0, 'dry_run'), run.result
    [call] = run.result['result']['calls']
    assert call == {
        'method': 'PATCH',
        'path': '/licenses/users',
        'body': {'personId': run.result['result']['person_id'], 'licenses': [{'id': MEETINGS, 'operation': 'remove'}]},
    }
    assert sandbox.writes() == []
    assert MEETINGS in licenses_of(sandbox, LUCIA)


def test_removes_a_license_given_by_id_and_frees_its_unit(cli, sandbox):
    units = consumed(sandbox, MEETINGS)

    run = assign_licenses(cli, LUCIA, '--remove-licenses', MEETINGS)

    assert run.status == 'executed', run.result
    assert licenses_of(sandbox, LUCIA) == {PROFESSIONAL_OLD}
    assert consumed(sandbox, MEETINGS) == units - 1


def test_a_calling_license_comes_with_its_location_extension_and_number(cli, sandbox):
    run = assign_licenses(cli, ADMIN, '--add-licenses', 'Webex Calling - Basic|Webex Calling - Basic', '--location',
                  'Sede Central', '--extension', '1099', '--phone-number', '+34910000006')  # fmt: skip

    assert run.status == 'executed', run.result
    [admin] = people_with_email(sandbox, ADMIN)
    assert (admin['location_id'], admin['extension']) == (SEDE_CENTRAL_ID, '1099')
    assert admin['phone_numbers'][0]['value'] == '+34910000006'
    assert number_owner(sandbox, '+34910000006') == ADMIN_ID
    assert sandbox.writes()[0]['request_body']['licenses'] == [
        {
            'id': BASIC,
            'operation': 'add',
            'properties': {'locationId': SEDE_CENTRAL_ID, 'phoneNumber': '+34910000006', 'extension': '1099'},
        }
    ]


def test_swapping_the_calling_license_keeps_location_and_numbering(cli, sandbox):
    run = assign_licenses(cli, JORGE, '--add-licenses', 'Webex Calling - Professional', '--remove-licenses',
                  'Webex Calling - Basic')  # fmt: skip

    assert run.status == 'executed', run.result
    [jorge] = people_with_email(sandbox, JORGE)
    assert (set(jorge['licenses']), jorge['location_id'], jorge['extension']) == (
        {PROFESSIONAL},
        SEDE_CENTRAL_ID,
        '1002',
    )
    assert number_owner(sandbox, '+34910000002') == JORGE_ID
    assert [r['operation'] for r in sandbox.writes()[0]['request_body']['licenses']] == ['remove', 'add']


def test_removing_the_only_calling_license_needs_yes_and_releases_the_number(cli, sandbox):
    refused = assign_licenses(cli, JORGE, '--remove-licenses', 'Webex Calling - Basic')

    assert (refused.code, refused.status) == (2, 'rejected'), refused.result
    assert '--yes' in refused.result['summary']['message']
    assert sandbox.writes() == []

    run = assign_licenses(cli, JORGE, '--remove-licenses', 'Webex Calling - Basic', '--yes')

    assert run.status == 'executed', run.result
    [jorge] = people_with_email(sandbox, JORGE)
    assert (jorge['licenses'], jorge['location_id'], jorge['extension']) == ([], None, None)
    assert number_owner(sandbox, '+34910000002') is None


def test_bad_inputs_are_rejected_naming_field_and_value_without_writing(cli, sandbox):
    cases = [
        ((ADMIN, '--add-licenses', 'Webex Calling - Premium'), "'Webex Calling - Premium' no existe"),
        (('nadie@example.com', '--add-licenses', MEETINGS), "'nadie@example.com' no existe"),
        ((JORGE, '--add-licenses', 'Webex Calling - Professional'), 'solo puede tener una licencia de Webex Calling'),
        ((ADMIN, '--add-licenses', 'Webex Calling - Workspaces'), "add_licenses: 'Webex Calling - Workspaces'"),
        ((ADMIN, '--add-licenses', 'Webex Calling - Basic'), "location: la licencia 'Webex Calling - Basic'"),
        (
            (ADMIN, '--add-licenses', 'Webex Calling - Basic', '--location', 'Sede Central'),
            "extension/phone_number: la licencia 'Webex Calling - Basic'",
        ),
        (
            (
                ADMIN,
                '--add-licenses',
                'Webex Calling - Basic',
                '--location',
                'Sede Central',
                '--phone-number',
                '+34910000001',
            ),
            'phone_number: +34910000001 ya está asignado',
        ),  # fmt: skip
        ((LUCIA, '--add-licenses', MEETINGS, '--remove-licenses', MEETINGS), 'está en las dos listas'),
        ((ADMIN, '--add-licenses', ';|;'), "--add-licenses: valor ';|;'"),
    ]
    for args, expected in cases:
        run = assign_licenses(cli, *args)
        assert (run.code, run.status) == (2, 'rejected'), (args, run.result)
        assert expected in run.result['summary']['message'], (args, run.result['summary']['message'])
    assert sandbox.writes() == []


def test_no_units_left_is_rejected_naming_consumed_and_total(cli, sandbox):
    set_total_units(sandbox, MEETINGS, 2)

    run = assign_licenses(cli, JORGE, '--add-licenses', 'Meeting - Webex Meetings')

    assert (run.code, run.status) == (2, 'rejected')
    assert run.result['summary']['message'] == (
        "add_licenses: la licencia 'Meeting - Webex Meetings' no tiene unidades libres (Sub-TRANSF-0001: 2 consumidas "
        'de 2)'
    )
    assert sandbox.writes() == []


def test_nothing_asked_is_rejected_naming_the_columns_without_any_call(cli, sandbox):
    run = assign_licenses(cli, JORGE, '--extension', '1002')

    assert (run.code, run.status) == (2, 'rejected')
    message = run.result['summary']['message']
    assert 'no se pidió ningún cambio' in message and 'add_licenses, remove_licenses' in message
    assert sandbox.journal() == []


def test_a_429_on_the_patch_is_retried(cli, sandbox):
    sandbox.set_faults([{'kind': 'throttle', 'path': '/licenses/users', 'retry_after': '1', 'max_count': 1}])

    run = assign_licenses(cli, JORGE, '--add-licenses', MEETINGS)

    assert run.status == 'executed', run.result
    assert run.result['summary']['http_429'] == 1
    assert writes_summary(sandbox) == [('PATCH', '/licenses/users', 429), ('PATCH', '/licenses/users', 200)]
    assert licenses_of(sandbox, JORGE) == {BASIC, MEETINGS}


def test_parameters_from_a_csv_row(cli, sandbox, tmp_path):
    csv_path = tmp_path / 'usuarios.csv'
    csv_path.write_text(
        'email;location;extension;phone_number;add_licenses;remove_licenses\n'
        f'{LUCIA};Sede Central;1001;+34910000001;;Meeting - Webex Meetings\n'
        f'{ADMIN};Sede Central;1098;;Webex Calling - Professional;\n',
        encoding='utf-8',
    )

    run = assign_licenses(cli, ADMIN, '--csv', str(csv_path), '--match', f'email={ADMIN}')

    assert run.status == 'executed', run.result
    [admin] = people_with_email(sandbox, ADMIN)
    assert (set(admin['licenses']), admin['extension']) == ({MEETINGS, PROFESSIONAL}, '1098')


def test_an_extension_in_use_is_rejected_once_webex_refuses_the_patch(cli, sandbox):
    run = assign_licenses(cli, ADMIN, '--add-licenses', 'Webex Calling - Basic', '--location', 'Sede Central',
                  '--extension', '1001')  # fmt: skip

    assert (run.code, run.status) == (2, 'rejected'), run.result
    message = run.result['summary']['message']
    assert 'Webex rechazó el cambio de licencias y no aplicó nada' in message and '1001' in message
    assert run.result['result']['status'] == 409
    assert writes_summary(sandbox) == [('PATCH', '/licenses/users', 409)]
    assert licenses_of(sandbox, ADMIN) == {MEETINGS}


def test_a_license_held_in_another_subscription_counts_as_held(cli, sandbox):
    run = assign_licenses(cli, LUCIA, '--add-licenses', 'Webex Calling - Professional')

    assert (run.code, run.status) == (0, 'skipped'), run.result
    assert licenses_of(sandbox, LUCIA) >= {PROFESSIONAL_OLD}
    assert sandbox.writes() == []


def test_a_license_moves_between_subscriptions_when_both_are_pinned(cli, sandbox):
    run = assign_licenses(cli, LUCIA, '--remove-licenses', 'Webex Calling - Professional@Sub-TRANSF-0000',
                  '--add-licenses', 'Webex Calling - Professional@Sub-TRANSF-0001')  # fmt: skip

    assert run.status == 'executed', run.result
    [lucia] = people_with_email(sandbox, LUCIA)
    assert set(lucia['licenses']) == {PROFESSIONAL, MEETINGS}
    assert (lucia['extension'], number_owner(sandbox, '+34910000001')) == ('1001', lucia['id'])
    assert [(r['id'], r['operation']) for r in sandbox.writes()[0]['request_body']['licenses']] == [
        (PROFESSIONAL_OLD, 'remove'),
        (PROFESSIONAL, 'add'),
    ]


def test_a_license_removed_by_name_is_the_one_held_whatever_its_subscription(cli, sandbox):
    run = assign_licenses(cli, LUCIA, '--remove-licenses', 'Webex Calling - Professional', '--yes')

    assert run.status == 'executed', run.result
    assert sandbox.writes()[0]['request_body']['licenses'] == [{'id': PROFESSIONAL_OLD, 'operation': 'remove'}]
    assert licenses_of(sandbox, LUCIA) == {MEETINGS}
