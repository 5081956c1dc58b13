"""The sandbox's Push-to-Talk endpoints (people and workspaces) through wxc_sdk: defaults, member views and the
validation Webex applies."""

import pytest
from wxc_sdk.person_settings.push_to_talk import PushToTalkSettings
from wxc_sdk.rest import RestError

LUCIA_ID = 'Y2lzY29zcGFyazovL3VzL1BFT1BMRS9lMmVlNTdmMy05MjIwLTU2OTAtOTU4Yy00ZTIwMTM2ZDkzMjI'
JORGE_ID = 'Y2lzY29zcGFyazovL3VzL1BFT1BMRS8xYzAxODQxNS1jY2UyLTViYmMtOTJjNi1mZjFlNmMzY2ExYmU'
ADMIN_ID = 'Y2lzY29zcGFyazovL3VzL1BFT1BMRS9lMDQyZTliYi05N2RjLTU4OTItYjg0MC0zZjcwNzA5Yjg1YTY'
RECEPCION_ID = 'Y2lzY29zcGFyazovL3VzL1BMQUNFLzhjODNhZjk1LWY4NjEtNWVmNy04ZmU3LTQyMmQ1NzdkMzA0MA'
SALA_GOYA_ID = 'Y2lzY29zcGFyazovL3VzL1BMQUNFLzhhYzBiZGRlLWJiZWYtNWJiZi1hMDA1LTg1OWFmYWQzYmI3Yg'
UNKNOWN_PERSON = 'Y2lzY29zcGFyazovL3VzL1BFT1BMRS8wMDAwMDAwMC0wMDAwLTQwMDAtODAwMC0wMDAwMDAwMDAwMDA'


@pytest.fixture(params=['person', 'workspace'])
def target(request, api):
    """(Push-to-Talk API, calling entity id, endpoint path below /v1) for a person and for a workspace."""
    if request.param == 'person':
        return api.person_settings.push_to_talk, LUCIA_ID, f'people/{LUCIA_ID}/features/pushToTalk'
    return api.workspace_settings.push_to_talk, RECEPCION_ID, f'telephony/config/workspaces/{RECEPCION_ID}/pushToTalk'


def put(api, path, body):
    api.session.rest_put(api.session.ep(path), json=body)


def status_of(call):
    with pytest.raises(RestError) as failure:
        call()
    return failure.value.response.status_code, failure.value.detail.message


def test_a_new_entity_has_the_webex_defaults(target, api):
    ptt_api, entity_id, path = target
    expected = {'allowAutoAnswer': True, 'connectionType': 'ONE_WAY', 'accessType': 'ALLOW_MEMBERS', 'members': []}
    assert api.session.rest_get(api.session.ep(path)) == expected
    assert ptt_api.read(entity_id) == PushToTalkSettings.model_validate(expected)


def test_members_are_written_as_ids_and_read_back_as_people(target):
    ptt_api, entity_id, _ = target
    ptt_api.configure(entity_id, PushToTalkSettings(connection_type='TWO_WAY', members=[JORGE_ID, JORGE_ID]))
    settings = ptt_api.read(entity_id)
    assert settings.connection_type == 'TWO_WAY' and settings.allow_auto_answer is True
    [jorge] = settings.members
    assert (jorge.member_id, jorge.member_type, jorge.email, jorge.display_name) == (
        JORGE_ID,
        'PEOPLE',
        'jorge.ruiz@transformacion-demo.example.com',
        'Jorge Ruiz',
    )
    assert (jorge.numbers[0].external, jorge.numbers[0].extension) == ('+34910000002', '1002')


def test_a_workspace_member_is_read_back_as_a_place(api):
    api.person_settings.push_to_talk.configure(LUCIA_ID, PushToTalkSettings(members=[RECEPCION_ID]))
    [place] = api.person_settings.push_to_talk.read(LUCIA_ID).members
    assert (place.member_id, place.member_type, place.display_name, place.email) == (
        RECEPCION_ID,
        'PLACE',
        'Recepción Sede Central',
        None,
    )
    assert (place.numbers[0].external, place.numbers[0].extension) == ('+34910000009', '1900')


@pytest.mark.parametrize(
    ('body', 'field'),
    [
        ({'connectionType': 'THREE_WAY'}, 'connectionType'),
        ({'accessType': 'EVERYONE'}, 'accessType'),
        ({'allowAutoAnswer': 'yes'}, 'allowAutoAnswer'),
        ({'members': JORGE_ID}, 'members'),
        ({'members': [UNKNOWN_PERSON]}, 'members'),
        ({'members': [ADMIN_ID]}, 'members'),
        ({'members': [SALA_GOYA_ID]}, 'members'),
    ],
)
def test_invalid_updates_are_400_and_change_nothing(target, api, sandbox, body, field):
    _, entity_id, path = target
    status, message = status_of(lambda: put(api, path, body))
    assert status == 400 and field in message
    assert entity_id not in sandbox.org.push_to_talk


@pytest.mark.parametrize(
    'path',
    [
        f'people/{UNKNOWN_PERSON}/features/pushToTalk',
        f'people/{ADMIN_ID}/features/pushToTalk',
        f'telephony/config/workspaces/{SALA_GOYA_ID}/pushToTalk',
    ],
)
def test_unknown_or_non_calling_entities_are_404(api, path):
    assert status_of(lambda: api.session.rest_get(api.session.ep(path)))[0] == 404
    assert status_of(lambda: put(api, path, {'connectionType': 'TWO_WAY'}))[0] == 404
