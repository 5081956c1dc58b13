"""alta_usuario end to end through the real wxc_sdk against the sandbox: create in one request, converge an existing
person, refuse what Webex cannot do, survive faults (partial create, 429, lost connection) without duplicates."""

import pytest

from tests.support.org import (
    ADMIN,
    ADMIN_ID,
    BASIC,
    CURRENT_SUBSCRIPTION,
    DOMAIN,
    JORGE,
    LUCIA,
    LUCIA_ID,
    MEETINGS,
    OLD_SUBSCRIPTION,
    PROFESSIONAL,
    PROFESSIONAL_OLD,
    SEDE_CENTRAL_ID,
    add_calling_location,
    consumed,
    number_owner,
    people_with_email,
    set_total_units,
    writes_summary,
)
from tests.support.runs import log_events

EMAIL = f'elena.navarro@{DOMAIN}'
ELENA = [
    '--email', EMAIL,
    '--first-name', 'Elena',
    '--last-name', 'Navarro Gómez',
    '--location', 'Sede Central',
    '--extension', '1010',
    '--phone-number', '+34910000003',
]  # fmt: skip


def create_user(cli, *args):
    return cli('alta_usuario', *args)


def test_creates_the_calling_user_in_one_request_verifies_then_skips(cli, sandbox):
    units = consumed(sandbox, PROFESSIONAL)

    run = create_user(cli, *ELENA)

    assert (run.code, run.status) == (0, 'executed'), run.result
    result = run.result['result']
    assert result['verified'] is True
    [person] = people_with_email(sandbox, EMAIL)
    assert result['person_id'] == person['id']
    assert (person['location_id'], person['extension'], person['licenses']) == (SEDE_CENTRAL_ID, '1010', [PROFESSIONAL])
    assert person['phone_numbers'] == [{'type': 'work', 'value': '+34910000003', 'primary': True}]
    assert (person['display_name'], person['first_name'], person['last_name']) == (
        'Elena Navarro Gómez',
        'Elena',
        'Navarro Gómez',
    )
    assert number_owner(sandbox, '+34910000003') == person['id']
    assert consumed(sandbox, PROFESSIONAL) == units + 1
    [post] = sandbox.writes()
    assert (post['method'], post['path'], post['query'], post['status']) == (
        'POST',
        '/v1/people',
        {'callingData': 'true'},
        200,
    )
    assert post['request_body'] == result['calls'][0]['body']
    assert post['request_body']['licenses'] == [PROFESSIONAL]
    assert post['request_body']['locationId'] == SEDE_CENTRAL_ID
    assert post['request_body']['extension'] == '1010'
    assert post['request_body']['phoneNumbers'] == [{'type': 'work', 'value': '+34910000003', 'primary': True}]
    events = log_events(run)
    assert events[-1]['event'] == 'summary' and events[-1]['payload']['status'] == 'executed'
    assert any(e['event'] == 'request' and e['payload'].get('method') == 'POST' for e in events)

    again = create_user(cli, *ELENA)
    assert (again.code, again.status) == (0, 'skipped'), again.result
    assert len(sandbox.writes()) == 1
    assert len(people_with_email(sandbox, EMAIL)) == 1


def test_dry_run_shows_the_exact_post_and_writes_nothing(cli, sandbox):
    run = create_user(cli, *ELENA, '--dry-run')

    assert (run.code, run.status) == (0, 'dry_run'), run.result
    [call] = run.result['result']['calls']
    assert (call['method'], call['path']) == ('POST', '/people?callingData=true')
    assert call['body']['emails'] == [EMAIL]
    assert call['body']['phoneNumbers'] == [{'type': 'work', 'value': '+34910000003', 'primary': True}]
    assert run.result['result']['diff']['extension'] == {'before': None, 'after': '1010'}
    assert sandbox.writes() == []
    assert people_with_email(sandbox, EMAIL) == []


def test_extension_only_with_the_basic_license_given_by_id(cli, sandbox):
    run = create_user(cli, *ELENA[:-2], '--calling-license', BASIC)

    assert run.status == 'executed', run.result
    [person] = people_with_email(sandbox, EMAIL)
    assert (person['extension'], person['licenses'], person['phone_numbers']) == ('1010', [BASIC], [])


def test_an_existing_person_without_calling_gets_the_license_by_patch(cli, sandbox):
    run = create_user(
        cli, '--email', ADMIN, '--first-name', 'Ana', '--last-name', 'Admin', '--location', SEDE_CENTRAL_ID,
        '--extension', '1099'
    )  # fmt: skip

    assert run.status == 'executed', run.result
    assert writes_summary(sandbox) == [('PATCH', '/licenses/users', 200)]
    assert sandbox.writes()[0]['request_body'] == {
        'personId': ADMIN_ID,
        'licenses': [
            {'id': PROFESSIONAL, 'operation': 'add', 'properties': {'locationId': SEDE_CENTRAL_ID, 'extension': '1099'}}
        ],
    }
    [admin] = people_with_email(sandbox, ADMIN)
    assert set(admin['licenses']) == {MEETINGS, PROFESSIONAL}
    assert (admin['location_id'], admin['extension'], admin['display_name']) == (
        SEDE_CENTRAL_ID,
        '1099',
        'Ana Administradora',
    )


def test_an_existing_calling_user_gets_the_asked_extension_and_number(cli, sandbox):
    run = create_user(
        cli, '--email', LUCIA, '--first-name', 'Lucía', '--last-name', 'Martín', '--location', 'sede central',
        '--extension', '1011', '--phone-number', '+34910000004'
    )  # fmt: skip

    assert run.status == 'executed', run.result
    assert run.result['result']['diff'] == {
        'extension': {'before': '1001', 'after': '1011'},
        'phone_number': {'before': '+34910000001', 'after': '+34910000004'},
    }
    assert writes_summary(sandbox) == [('PUT', f'/people/{LUCIA_ID}', 200)]
    assert sandbox.writes()[0]['query'] == {'callingData': 'true'}
    [lucia] = people_with_email(sandbox, LUCIA)
    assert (lucia['extension'], lucia['phone_numbers'][0]['value']) == ('1011', '+34910000004')
    assert number_owner(sandbox, '+34910000004') == LUCIA_ID
    assert number_owner(sandbox, '+34910000001') is None


def test_a_calling_user_of_another_location_is_rejected_not_moved(cli, sandbox):
    add_calling_location(sandbox, 'Barcelona Diagonal', '+34935550200-+34935550209', city='Barcelona')

    run = create_user(cli, '--email', LUCIA, '--first-name', 'Lucía', '--last-name', 'Martín',
               '--location', 'Barcelona Diagonal', '--extension', '1001')  # fmt: skip

    assert (run.code, run.status) == (2, 'rejected'), run.result
    message = run.result['summary']['message']
    assert message.startswith(f"location: {LUCIA} ya es usuario de Webex Calling en la ubicación 'Sede Central'")
    assert "'Barcelona Diagonal'" in message and 'mover_usuarios_ubicacion' in message
    assert sandbox.writes() == []


def test_a_person_with_another_calling_license_is_rejected(cli, sandbox):
    run = create_user(
        cli, '--email', JORGE, '--first-name', 'Jorge', '--last-name', 'Ruiz', '--location', 'Sede Central',
        '--extension', '1002'
    )  # fmt: skip

    assert (run.code, run.status) == (2, 'rejected')
    message = run.result['summary']['message']
    assert (
        'calling_license' in message and 'Webex Calling - Basic' in message and 'asignar_licencias_usuario' in message
    )
    assert sandbox.writes() == []


def test_bad_inputs_are_rejected_naming_field_and_value_without_writing(cli, sandbox):
    cases = [
        (['--location', 'Valencia'], "'Valencia'"),
        (['--phone-number', '+34910009999'], 'phone_number: +34910009999 no está en el inventario'),
        (['--phone-number', '+34910000001'], 'phone_number: +34910000001 ya está asignado'),
        (['--calling-license', 'Meeting - Webex Meetings'], "calling_license: 'Meeting - Webex Meetings'"),
        (['--calling-license', 'Webex Calling - Workspaces'], "calling_license: 'Webex Calling - Workspaces'"),
        (['--calling-license', 'Webex Calling - Premium'], "'Webex Calling - Premium' no existe"),
        (['--email', 'elena.navarro'], "'elena.navarro'"),
        (['--extension', '1a'], "'1a'"),
        (['--phone-number', '34910000003'], "'34910000003'"),
    ]
    for change, expected in cases:
        run = create_user(cli, *ELENA, *change)
        assert (run.code, run.status) == (2, 'rejected'), (change, run.result)
        assert expected in run.result['summary']['message'], (change, run.result['summary']['message'])
    assert sandbox.writes() == []


def test_without_extension_or_number_it_is_rejected_before_any_call(cli, sandbox):
    run = create_user(cli, *ELENA[:-4])

    assert (run.code, run.status) == (2, 'rejected')
    assert '--extension' in run.result['summary']['message'] and '--phone-number' in run.result['summary']['message']
    assert sandbox.journal() == []


def test_an_extension_in_use_is_rejected_once_webex_refuses_and_nothing_is_created(cli, sandbox):
    args = list(ELENA)
    args[args.index('--extension') + 1] = '1001'

    run = create_user(cli, *args)

    assert (run.code, run.status) == (2, 'rejected'), run.result
    message = run.result['summary']['message']
    assert 'no creó nada' in message and '1001' in message
    assert writes_summary(sandbox) == [('POST', '/people', 409)]
    assert people_with_email(sandbox, EMAIL) == []


def test_no_units_left_in_any_subscription_is_rejected_naming_consumed_and_total(cli, sandbox):
    set_total_units(sandbox, PROFESSIONAL, 0)

    run = create_user(cli, *ELENA)

    assert (run.code, run.status) == (2, 'rejected')
    message = run.result['summary']['message']
    assert message.endswith("calling_license: la licencia 'Webex Calling - Professional' no tiene unidades libres en "
                            'ninguna de sus suscripciones (Sub-TRANSF-0000: 1 consumidas de 1; Sub-TRANSF-0001: 0 '
                            'consumidas de 0)')  # fmt: skip
    assert run.result['result']['license'] == 'Webex Calling - Professional'
    assert [(s['subscription_id'], s['free']) for s in run.result['result']['subscriptions']] == [
        ('Sub-TRANSF-0000', 0),
        ('Sub-TRANSF-0001', 0),
    ]
    assert sandbox.writes() == []


def test_the_first_subscription_with_free_units_is_used_and_recorded(cli, sandbox):
    run = create_user(cli, *ELENA)

    assert run.status == 'executed', run.result
    [person] = people_with_email(sandbox, EMAIL)
    assert person['licenses'] == [PROFESSIONAL]
    [choice] = [e['payload'] for e in log_events(run) if e['payload'].get('kind') == 'license_choice']
    assert (choice['license_id'], choice['subscription_id']) == (PROFESSIONAL, CURRENT_SUBSCRIPTION)
    assert choice['candidates'] == [OLD_SUBSCRIPTION, CURRENT_SUBSCRIPTION]


def test_a_license_pinned_to_an_exhausted_subscription_is_rejected_though_another_has_units(cli, sandbox):
    pinned = f'Webex Calling - Professional@{OLD_SUBSCRIPTION}'

    run = create_user(cli, *ELENA, '--calling-license', pinned)

    assert (run.code, run.status) == (2, 'rejected'), run.result
    assert run.result['summary']['message'].endswith(
        f'no tiene unidades libres ({OLD_SUBSCRIPTION}: 1 consumidas de 1)'
    )
    assert sandbox.writes() == []


@pytest.mark.parametrize('how', ['name@subscription', 'id'])
def test_a_license_can_be_pinned_by_subscription_or_id(cli, sandbox, how):
    set_total_units(sandbox, PROFESSIONAL_OLD, 2)
    pinned = f'Webex Calling - Professional@{OLD_SUBSCRIPTION}' if how != 'id' else PROFESSIONAL_OLD

    run = create_user(cli, *ELENA, '--calling-license', pinned)

    assert run.status == 'executed', run.result
    [person] = people_with_email(sandbox, EMAIL)
    assert person['licenses'] == [PROFESSIONAL_OLD]


def test_an_unknown_subscription_is_rejected_listing_those_of_the_license(cli, sandbox):
    run = create_user(cli, *ELENA, '--calling-license', 'Webex Calling - Professional@Sub-NOPE')

    assert (run.code, run.status) == (2, 'rejected')
    assert run.result['summary']['message'].endswith(
        "la licencia 'Webex Calling - Professional' no está en la suscripción 'Sub-NOPE'; suscripciones con esa "
        f'licencia: {OLD_SUBSCRIPTION}, {CURRENT_SUBSCRIPTION}'
    )
    assert sandbox.writes() == []


def test_a_partial_create_is_an_error_and_a_rerun_assigns_the_number_to_the_one_person(cli, sandbox):
    sandbox.org.number_assignment_failures.append(400)

    first = create_user(cli, *ELENA)

    assert (first.code, first.status) == (1, 'error'), first.result
    assert 'Webex creó la persona pero respondió 400' in first.result['summary']['message']
    assert first.result['result']['after']['phone_number'] is None
    assert list(first.result['result']['diff']) == ['calling_license', 'location_id', 'extension', 'phone_number']
    [person] = people_with_email(sandbox, EMAIL)
    assert (person['licenses'], person['extension'], person['phone_numbers']) == ([PROFESSIONAL], '1010', [])
    assert number_owner(sandbox, '+34910000003') is None

    second = create_user(cli, *ELENA)

    assert (second.code, second.status) == (0, 'executed'), second.result
    assert second.result['result']['diff'] == {'phone_number': {'before': None, 'after': '+34910000003'}}
    [person] = people_with_email(sandbox, EMAIL)
    assert person['phone_numbers'][0]['value'] == '+34910000003'
    assert number_owner(sandbox, '+34910000003') == person['id']
    assert writes_summary(sandbox) == [('POST', '/people', 400), ('PUT', f'/people/{person["id"]}', 200)]


def test_a_partial_create_behind_a_502_is_read_back_never_posted_twice(cli, sandbox):
    sandbox.org.number_assignment_failures.append(502)

    first = create_user(cli, *ELENA)

    assert (first.code, first.status) == (1, 'error'), first.result
    assert 'phone_number' in first.result['summary']['message']
    assert first.result['summary']['retries'] == 1
    read_back = [e for e in log_events(first) if e['payload'].get('kind') == 'read_back_after_failed_create']
    assert [e['payload']['found'] for e in read_back] == [True]
    second = create_user(cli, *ELENA)
    assert second.status == 'executed', second.result
    assert len(people_with_email(sandbox, EMAIL)) == 1
    assert [method for method, path, _ in writes_summary(sandbox) if path == '/people'] == ['POST']


def test_a_429_mid_create_is_retried_without_a_duplicate(cli, sandbox):
    sandbox.set_faults([{'kind': 'throttle', 'path': '^/v1/people$', 'method': 'POST', 'retry_after': '1',
                         'max_count': 1}])  # fmt: skip

    run = create_user(cli, *ELENA)

    assert run.status == 'executed', run.result
    assert (run.result['summary']['http_429'], run.result['summary']['retries']) == (1, 1)
    assert writes_summary(sandbox) == [('POST', '/people', 429), ('POST', '/people', 200)]
    assert len(people_with_email(sandbox, EMAIL)) == 1


def test_a_lost_connection_after_the_create_is_read_back_not_replayed(cli, sandbox):
    sandbox.set_faults([{'kind': 'reset', 'when': 'after', 'path': '^/v1/people$', 'method': 'POST',
                         'max_count': 1}])  # fmt: skip

    run = create_user(cli, *ELENA)

    assert run.status == 'executed', run.result
    assert run.result['result']['verified'] is True
    assert writes_summary(sandbox) == [('POST', '/people', None)]
    assert len(people_with_email(sandbox, EMAIL)) == 1


def test_parameters_from_a_csv_row(cli, sandbox, tmp_path):
    csv_path = tmp_path / 'usuarios.csv'
    csv_path.write_text(
        'email;first_name;last_name;location;extension;phone_number;calling_license\n'
        f'elena.navarro@{DOMAIN};Elena;Navarro;Sede Central;1010;;Webex Calling - Basic\n'
        f'íñigo.ortiz@{DOMAIN};Íñigo;Ortiz Zubieta;Sede Central;1011;+34910000005;\n',
        encoding='utf-8',
    )

    run = create_user(cli, '--csv', str(csv_path), '--row', '2')

    assert run.status == 'executed', run.result
    [person] = people_with_email(sandbox, f'íñigo.ortiz@{DOMAIN}')
    assert (person['display_name'], person['extension'], person['licenses']) == (
        'Íñigo Ortiz Zubieta',
        '1011',
        [PROFESSIONAL],
    )
    assert person['phone_numbers'][0]['value'] == '+34910000005'


def test_an_existing_person_whose_patch_webex_refuses_is_rejected(cli, sandbox):
    run = create_user(
        cli, '--email', ADMIN, '--first-name', 'Ana', '--last-name', 'Admin', '--location', 'Sede Central',
        '--extension', '1002'
    )  # fmt: skip

    assert (run.code, run.status) == (2, 'rejected'), run.result
    assert 'Webex rechazó el cambio de licencias' in run.result['summary']['message']
    assert writes_summary(sandbox) == [('PATCH', '/licenses/users', 409)]
    [admin] = people_with_email(sandbox, ADMIN)
    assert admin['licenses'] == [MEETINGS]


def test_a_row_without_numbering_is_refused_by_the_single_run_the_launcher_and_the_preflight(cli, sandbox, tmp_path):
    folder = tmp_path / 'lote'
    folder.mkdir()
    (folder / 'global.csv').write_text('calling_license\nWebex Calling - Professional\n', encoding='utf-8')
    (folder / 'usuarios.csv').write_text(
        f'email;first_name;last_name;location;extension;phone_number\n{EMAIL};Elena;Navarro;Sede Central;;\n',
        encoding='utf-8',
    )
    where = 'usuarios.csv, fila 1, columna extension, phone_number'

    single = cli('alta_usuario', '--csv', str(folder / 'usuarios.csv'), '--row', '1')
    launcher = cli('launcher_csv_dependencias', '--input_dir', str(folder), '--actions', 'alta_usuario')
    preflight = cli('inspeccionar_parametros', '--input_dir', str(folder), '--action', 'alta_usuario')

    assert (single.code, single.status) == (2, 'rejected'), single.result
    assert where in single.result['summary']['message'] and 'exige numeración' in single.result['summary']['message']
    assert launcher.code == 2, launcher.stderr
    assert any(where in line and 'exige numeración' in line for line in launcher.stderr.splitlines())
    assert (preflight.code, preflight.status) == (2, 'rejected'), preflight.result
    [problem] = preflight.result['result']['problems']
    assert (problem['file'], problem['row'], problem['column']) == ('usuarios.csv', 1, 'extension, phone_number')
    assert sandbox.journal() == []
