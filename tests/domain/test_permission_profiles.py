"""Named outgoing-permission profiles (domain/permission_profiles): the files an operator writes, the v21 ones, and
what is refused, naming the file."""

import json

import pytest

from transformacion.domain.permission_profiles import read_profile


def write(tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding='utf-8')
    return str(path)


def test_allow_all_except_lists_the_exceptions_and_allows_the_rest(tmp_path):
    path = write(tmp_path, 'p.json', {'name': 'sin_int', 'todo_permitido_salvo': ['INTERNATIONAL'], 'transfer': 'no'})

    profile = read_profile(path)

    assert profile['name'] == 'sin_int'
    assert profile['permissions'] == {'INTERNATIONAL': {'action': 'BLOCK', 'transfer_enabled': None}}
    assert profile['rest'] == {'action': 'ALLOW', 'transfer_enabled': False}


def test_an_explicit_profile_in_yaml_changes_only_what_it_lists(tmp_path):
    path = write(tmp_path, 'p.yaml', 'permisos:\n  NATIONAL: ALLOW:transfer\n  premium-services 2: BLOCK\n')

    profile = read_profile(path)

    assert profile['rest'] is None and profile['name'] == 'p'
    assert profile['permissions'] == {
        'NATIONAL': {'action': 'ALLOW', 'transfer_enabled': True},
        'PREMIUM_SERVICES_II': {'action': 'BLOCK', 'transfer_enabled': None},
    }


def test_a_v21_profile_is_read_as_it_is_with_internal_as_internal_call(tmp_path):
    v21 = {'callingPermissions': [
        {'callType': 'INTERNAL', 'action': 'ALLOW', 'transferEnabled': True},
        {'callType': 'INTERNATIONAL', 'action': 'BLOCK', 'transferEnabled': False},
    ]}  # fmt: skip
    profile = read_profile(write(tmp_path, 'location_profile.json', v21))

    assert profile['permissions'] == {
        'INTERNAL_CALL': {'action': 'ALLOW', 'transfer_enabled': True},
        'INTERNATIONAL': {'action': 'BLOCK', 'transfer_enabled': False},
    }


@pytest.mark.parametrize(
    ('content', 'why'),
    [
        ({'callingPermissions': [{'callType': 'MOBILE', 'action': 'BLOCK'}]}, "tipo de llamada desconocido 'MOBILE'"),
        ({'todo_permitido_salvo': ['X'], 'permisos': {}}, 'exactamente una de'),
        ({'permisos': {'NATIONAL': 'MAYBE'}}, "acción desconocida 'MAYBE'"),
        ({'permisos': {}}, 'no nombra ningún tipo'),
        ('{not json', 'no es un JSON válido'),
    ],
)
def test_refusals_name_the_file_and_the_problem(tmp_path, content, why):
    path = write(tmp_path, 'malo.json', content)

    with pytest.raises(ValueError, match='malo.json') as refused:
        read_profile(path)
    assert why in str(refused.value)


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(ValueError, match='no existe el fichero de perfil'):
        read_profile(str(tmp_path / 'nada.json'))
