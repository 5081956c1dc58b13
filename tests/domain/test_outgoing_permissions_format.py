"""The outgoing_permissions format as a specification, and the declarations kept in sync with wxc_sdk."""

import pytest
from wxc_sdk.person_settings.permissions_out import Action, OutgoingPermissionCallType

from transformacion.domain.outgoing_permissions import ACTIONS, CALL_TYPES, OUTGOING_PERMISSIONS, parse_permissions


def test_call_types_and_actions_are_the_sdk_enums():
    assert CALL_TYPES == tuple(item.value for item in OutgoingPermissionCallType)
    assert ACTIONS == tuple(item.value for item in Action)


def test_the_suggested_cell_parses_with_transfer_kept_when_not_given():
    assert parse_permissions('INTERNATIONAL:BLOCK, PREMIUM_SERVICES_I:BLOCK, NATIONAL:ALLOW:transfer') == {
        'INTERNATIONAL': {'action': 'BLOCK', 'transfer_enabled': None},
        'PREMIUM_SERVICES_I': {'action': 'BLOCK', 'transfer_enabled': None},
        'NATIONAL': {'action': 'ALLOW', 'transfer_enabled': True},
    }


def test_separators_case_and_spreadsheet_spellings_are_accepted():
    assert parse_permissions('international=block=notransfer; premium-services 2:Block | toll_free:allow:si\n') == {
        'INTERNATIONAL': {'action': 'BLOCK', 'transfer_enabled': False},
        'PREMIUM_SERVICES_II': {'action': 'BLOCK', 'transfer_enabled': None},
        'TOLL_FREE': {'action': 'ALLOW', 'transfer_enabled': True},
    }
    assert parse_permissions('special_services_1 : transfer_number_3 : no')['SPECIAL_SERVICES_I'] == {
        'action': 'TRANSFER_NUMBER_3',
        'transfer_enabled': False,
    }


@pytest.mark.parametrize(
    ('value', 'named'),
    [
        ('INTERNACIONAL:BLOCK', "'INTERNACIONAL'"),
        ('NATIONAL:DENY', "'DENY'"),
        ('NATIONAL:ALLOW:quizas', "'quizas'"),
        ('NATIONAL', "'NATIONAL'"),
        ('NATIONAL:ALLOW, national:block', 'NATIONAL'),
        (' , ;', 'ninguna entrada'),
    ],
)
def test_invalid_entries_are_refused_naming_them(value, named):
    with pytest.raises(ValueError, match=named):
        OUTGOING_PERMISSIONS.coerce(value)
