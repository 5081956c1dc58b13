"""The sandbox's Push-to-Talk endpoints (people and workspaces) through wxc_sdk: defaults, member views and the
validation Webex applies."""

from typing import Any

import pytest
from wxc_sdk.person_settings.push_to_talk import PushToTalkSettings

from tests.support.org import ADMIN_ID, JORGE_ID, LUCIA_ID, RECEPCION_ID, SALA_GOYA_ID, UNKNOWN_PERSON_ID
from tests.support.webex import CallingEntity, put, status_of

#: The endpoint below /v1 of each kind of calling entity.
PATHS = {'person': 'people/{}/features/pushToTalk', 'workspace': 'telephony/config/workspaces/{}/pushToTalk'}


def push_to_talk_of(entity: CallingEntity) -> tuple[Any, str, str]:
    """(the wxc_sdk API of the setting, the entity's id, its endpoint path below /v1)."""
    return entity.settings.push_to_talk, entity.id, PATHS[entity.kind].format(entity.id)


def test_a_new_entity_has_the_webex_defaults(calling_entity, api):
    ptt_api, entity_id, path = push_to_talk_of(calling_entity)
    expected = {'allowAutoAnswer': True, 'connectionType': 'ONE_WAY', 'accessType': 'ALLOW_MEMBERS', 'members': []}
    assert api.session.rest_get(api.session.ep(path)) == expected
    assert ptt_api.read(entity_id) == PushToTalkSettings.model_validate(expected)


def test_members_are_written_as_ids_and_read_back_as_people(calling_entity):
    ptt_api, entity_id, _ = push_to_talk_of(calling_entity)
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
        ({'members': [UNKNOWN_PERSON_ID]}, 'members'),
        ({'members': [ADMIN_ID]}, 'members'),
        ({'members': [SALA_GOYA_ID]}, 'members'),
    ],
)
def test_invalid_updates_are_400_and_change_nothing(calling_entity, api, sandbox, body, field):
    _, entity_id, path = push_to_talk_of(calling_entity)
    status, message = status_of(lambda: put(api, path, body))
    assert status == 400 and field in message
    assert entity_id not in sandbox.org.push_to_talk


@pytest.mark.parametrize(
    'path',
    [
        f'people/{UNKNOWN_PERSON_ID}/features/pushToTalk',
        f'people/{ADMIN_ID}/features/pushToTalk',
        f'telephony/config/workspaces/{SALA_GOYA_ID}/pushToTalk',
    ],
)
def test_unknown_or_non_calling_entities_are_404(api, path):
    assert status_of(lambda: api.session.rest_get(api.session.ep(path)))[0] == 404
    assert status_of(lambda: put(api, path, {'connectionType': 'TWO_WAY'}))[0] == 404
