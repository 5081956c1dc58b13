"""The sandbox's call forwarding endpoints (people and workspaces) through wxc_sdk: defaults, partial updates and
the validation Webex applies."""

import pytest
from wxc_sdk.person_settings.forwarding import CallForwardingAlways, PersonForwardingSetting
from wxc_sdk.rest import RestError

LUCIA_ID = 'Y2lzY29zcGFyazovL3VzL1BFT1BMRS9lMmVlNTdmMy05MjIwLTU2OTAtOTU4Yy00ZTIwMTM2ZDkzMjI'
ADMIN_ID = 'Y2lzY29zcGFyazovL3VzL1BFT1BMRS9lMDQyZTliYi05N2RjLTU4OTItYjg0MC0zZjcwNzA5Yjg1YTY'
RECEPCION_ID = 'Y2lzY29zcGFyazovL3VzL1BMQUNFLzhjODNhZjk1LWY4NjEtNWVmNy04ZmU3LTQyMmQ1NzdkMzA0MA'
SALA_GOYA_ID = 'Y2lzY29zcGFyazovL3VzL1BMQUNFLzhhYzBiZGRlLWJiZWYtNWJiZi1hMDA1LTg1OWFmYWQzYmI3Yg'
UNKNOWN_PERSON = 'Y2lzY29zcGFyazovL3VzL1BFT1BMRS8wMDAwMDAwMC0wMDAwLTQwMDAtODAwMC0wMDAwMDAwMDAwMDA'


@pytest.fixture(params=['person', 'workspace'])
def target(request, api):
    """(forwarding API, calling entity id, endpoint path below /v1) for a person and for a workspace."""
    if request.param == 'person':
        return api.person_settings.forwarding, LUCIA_ID, f'people/{LUCIA_ID}/features/callForwarding'
    return api.workspace_settings.forwarding, RECEPCION_ID, f'workspaces/{RECEPCION_ID}/features/callForwarding'


def put(api, path, body):
    api.session.rest_put(api.session.ep(path), json=body)


def status_of(call):
    with pytest.raises(RestError) as failure:
        call()
    return failure.value.response.status_code, failure.value.detail.message


def test_a_new_entity_has_everything_disabled_and_three_rings(target, api):
    forwarding_api, entity_id, path = target
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


def test_the_sdk_round_trip_and_partial_updates_keep_the_rest(target, api):
    forwarding_api, entity_id, path = target
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
def test_invalid_updates_are_400_and_change_nothing(target, api, sandbox, body, field):
    _, entity_id, path = target
    status, message = status_of(lambda: put(api, path, body))
    assert status == 400 and field in message
    assert entity_id not in sandbox.org.call_forwarding


@pytest.mark.parametrize(
    'path',
    [
        f'people/{UNKNOWN_PERSON}/features/callForwarding',
        f'people/{ADMIN_ID}/features/callForwarding',
        f'workspaces/{SALA_GOYA_ID}/features/callForwarding',
    ],
)
def test_unknown_or_non_calling_entities_are_404(api, path):
    assert status_of(lambda: api.session.rest_get(api.session.ep(path)))[0] == 404
    assert status_of(lambda: put(api, path, {'callForwarding': {'busy': {'enabled': False}}}))[0] == 404
