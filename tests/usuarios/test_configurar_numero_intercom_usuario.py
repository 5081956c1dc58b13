"""configurar_numero_intercom_usuario end to end through the real wxc_sdk against the sandbox: the intercom number as
the LLD and the v21 scripts mean it, a secondary (non-primary) number of the person from its location's inventory."""

from tests.support.org import ADMIN, JORGE, LUCIA, LUCIA_ID

PATH = f'/telephony/config/people/{LUCIA_ID}/numbers'
FREE, OTHER_LOCATION = '+34910000003', '+34960000100'


def intercom_number(cli, *args, person=LUCIA):
    return cli('configurar_numero_intercom_usuario', '--person', person, *args)


def test_dry_run_checks_the_inventory_and_shows_the_exact_put(cli, sandbox):
    run = intercom_number(cli, '--intercom-number', FREE, '--dry-run')

    assert (run.code, run.status) == (0, 'dry_run'), run.result
    result = run.result['result']
    assert result['diff'] == {'intercom_number': {'before': None, 'after': FREE}}
    assert result['calls'] == [
        {
            'method': 'PUT',
            'path': PATH,
            'body': {'phoneNumbers': [{'primary': False, 'action': 'ADD', 'directNumber': FREE}]},
        }
    ]
    assert sandbox.writes() == [] and sandbox.org.alternate_numbers == {}


def test_add_is_verified_reads_back_as_a_secondary_number_and_a_rerun_is_skipped(cli, sandbox, api):
    run = intercom_number(cli, '--intercom-number', FREE)

    assert (run.code, run.status) == (0, 'executed'), run.result
    assert run.result['result']['verified'] is True
    [write] = sandbox.writes()
    assert (write['method'], write['path'], write['status']) == ('PUT', f'/v1{PATH}', 204)
    numbers = api.person_settings.numbers.read(LUCIA_ID)
    assert [(n.direct_number, n.primary) for n in numbers.phone_numbers] == [('+34910000001', True), (FREE, False)]
    assert sandbox.org.numbers[FREE]['owner'] == {'id': LUCIA_ID, 'type': 'PEOPLE'}

    again = intercom_number(cli, '--intercom-number', FREE)
    assert (again.status, len(sandbox.writes())) == ('skipped', 1), again.result


def test_remove_gives_the_number_back_to_the_inventory(cli, sandbox):
    intercom_number(cli, '--intercom-number', FREE)

    run = intercom_number(cli, '--intercom-number', FREE, '--intercom-number-remove', 'si')

    assert (run.code, run.status) == (0, 'executed'), run.result
    assert run.result['result']['calls'][0]['body']['phoneNumbers'][0]['action'] == 'DELETE'
    assert sandbox.org.alternate_numbers == {} and sandbox.org.numbers[FREE]['owner'] is None
    assert intercom_number(cli, '--intercom-number', FREE, '--intercom-number-remove', 'si').status == 'skipped'


def test_a_number_of_another_location_a_taken_one_or_the_primary_one_is_refused_without_writing(cli, sandbox):
    elsewhere = intercom_number(cli, '--intercom-number', OTHER_LOCATION, '--dry-run')
    taken = intercom_number(cli, '--intercom-number', '+34910000002', '--dry-run')
    primary = intercom_number(cli, '--intercom-number', '+34910000001', '--dry-run')

    assert elsewhere.status == taken.status == primary.status == 'rejected'
    assert OTHER_LOCATION in elsewhere.result['summary']['message']
    assert JORGE.split('@')[0].split('.')[0] in taken.result['summary']['message'].lower()
    assert 'número principal' in primary.result['summary']['message']
    assert sandbox.writes() == []


def test_a_person_without_webex_calling_is_refused(cli, sandbox):
    run = intercom_number(cli, '--intercom-number', FREE, person=ADMIN)

    assert run.status == 'rejected' and 'no es usuario de Webex Calling' in run.result['summary']['message']
    assert sandbox.writes() == []
