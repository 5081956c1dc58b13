"""samples/usuarios.csv works: every row creates its user in the sample locations (samples/ubicaciones.csv, with
their number ranges) and gets its extra licenses, each number coming from its location's range."""

from tests.support.files import SAMPLES, read_csv
from tests.support.org import MEETINGS, add_calling_location, people_with_email


def test_every_sample_user_is_created_and_licensed(cli, sandbox):
    locations = {
        row['name']: add_calling_location(sandbox, row['name'], row['phone_numbers'], city=row['city'])
        for row in read_csv(SAMPLES / 'ubicaciones.csv')[1]
    }
    users = read_csv(SAMPLES / 'usuarios.csv')[1]
    assert len(users) >= 12
    assert {row['location'] for row in users} <= set(locations)
    assert any(row['phone_number'] and not row['extension'] for row in users)
    assert any(row['extension'] and not row['phone_number'] for row in users)

    for number, row in enumerate(users, start=1):
        created = cli('alta_usuario', '--csv', str(SAMPLES / 'usuarios.csv'), '--row', str(number))
        assert created.status == 'executed', (row['email'], created.result)
        licensed = cli('asignar_licencias_usuario', '--csv', str(SAMPLES / 'usuarios.csv'), '--row', str(number))
        assert licensed.status == ('executed' if row['add_licenses'] else 'rejected'), (row['email'], licensed.result)

        [person] = people_with_email(sandbox, row['email'])
        assert person['location_id'] == locations[row['location']]
        assert person['extension'] == (row['extension'] or None)
        assert [n['value'] for n in person['phone_numbers']] == ([row['phone_number']] if row['phone_number'] else [])
        assert (MEETINGS in person['licenses']) == bool(row['add_licenses'])
