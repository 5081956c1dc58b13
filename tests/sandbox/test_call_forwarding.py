"""The sandbox's call forwarding endpoints (people and workspaces) through wxc_sdk: defaults, partial updates and
the validation Webex applies."""

from typing import Any

import pytest
from wxc_sdk.person_settings.forwarding import CallForwardingAlways, PersonForwardingSetting

from tests.support.org import ADMIN_ID, SALA_GOYA_ID, UNKNOWN_PERSON_ID
from tests.support.webex import CallingEntity, put, status_of

#: The endpoint below /v1 of each kind of calling entity.
PATHS = {'person': 'people/{}/features/callForwarding', 'workspace': 'workspaces/{}/features/callForwarding'}


def forwarding_of(entity: CallingEntity) -> tuple[Any, str, str]:
    """(the wxc_sdk API of the setting, the entity's id, its endpoint path below /v1)."""
    return entity.settings.forwarding, entity.id, PATHS[entity.kind].format(entity.id)


def test_a_new_entity_has_everything_disabled_and_three_rings(calling_entity, api):
    forwarding_api, entity_id, path = forwarding_of(calling_entity)
    expected = {
        'callForwarding': {
            'always': {'enabled': False, 'ringReminderEnabled': False, 'destinationVoicemailEnabled': False},
            'busy': {'enabled': False, 'destinationVoicemailEnabled': False},
            'noAnswer': {
                'enabled': False,
                'numberOfRings': 3,
                'systemMaxNumberOfRings': 20,
                'destinationVoicemailEnabled': False,
            },
        },
        'businessContinuity': {'enabled': False, 'destinationVoicemailEnabled': False},
    }
    assert api.session.rest_get(api.session.ep(path)) == expected
    assert forwarding_api.read(entity_id) == PersonForwardingSetting.model_validate(expected)


def test_the_sdk_round_trip_and_partial_updates_keep_the_rest(calling_entity, api):
    forwarding_api, entity_id, path = forwarding_of(calling_entity)
    setting = forwarding_api.read(entity_id)
    setting.call_forwarding.always = CallForwardingAlways(
        enabled=True, destination='+34910000100', destination_voicemail_enabled=True, ring_reminder_enabled=True
    )
    forwarding_api.configure(entity_id, setting)
    put(api, path, {'callForwarding': {'busy': {'enabled': True, 'destination': '1002'}}, 'unknownField': 1})
    after = forwarding_api.read(entity_id)
    assert after.call_forwarding.always.destination == '+34910000100'
    assert after.call_forwarding.always.ring_reminder_enabled is True
    assert (after.call_forwarding.busy.enabled, after.call_forwarding.busy.destination) == (True, '1002')
    put(api, path, {'callForwarding': {'always': {'enabled': False}}})
    always = forwarding_api.read(entity_id).call_forwarding.always
    assert (always.enabled, always.destination) == (False, '+34910000100')


@pytest.mark.parametrize(
    ('body', 'field'),
    [
        (
            {'callForwarding': {'busy': {'enabled': True, 'destination': 'recepcion'}}},
            'callForwarding.busy.destination',
        ),
        (
            {'callForwarding': {'always': {'enabled': True, 'destination': '+0123'}}},
            'callForwarding.always.destination',
        ),
        ({'callForwarding': {'noAnswer': {'numberOfRings': 1}}}, 'callForwarding.noAnswer.numberOfRings'),
        ({'callForwarding': {'noAnswer': {'numberOfRings': 21}}}, 'callForwarding.noAnswer.numberOfRings'),
        ({'businessContinuity': {'enabled': True}}, 'businessContinuity.destination'),
        ({'callForwarding': {'busy': 'on'}}, 'callForwarding.busy'),
    ],
)
def test_invalid_updates_are_400_and_change_nothing(calling_entity, api, sandbox, body, field):
    _, entity_id, path = forwarding_of(calling_entity)
    status, message = status_of(lambda: put(api, path, body))
    assert status == 400 and field in message
    assert entity_id not in sandbox.org.call_forwarding


@pytest.mark.parametrize(
    'path',
    [
        f'people/{UNKNOWN_PERSON_ID}/features/callForwarding',
        f'people/{ADMIN_ID}/features/callForwarding',
        f'workspaces/{SALA_GOYA_ID}/features/callForwarding',
    ],
)
def test_unknown_or_non_calling_entities_are_404(api, path):
    assert status_of(lambda: api.session.rest_get(api.session.ep(path)))[0] == 404
    assert status_of(lambda: put(api, path, {'callForwarding': {'busy': {'enabled': False}}}))[0] == 404
