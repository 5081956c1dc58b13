"""core.jsonstream: a JSON object read member by member, its one big list element by element, whatever the layout
and wherever the file's chunks cut it."""

import io
import json

import pytest

from transformacion.core.jsonstream import walk_object

DOCUMENT = {
    'format': 'x/1',
    'count': -12345678901234567890,
    'ratio': 1.5e-7,
    'flags': [True, False, None],
    'text': 'comillas " barra \\ unicode ñ \u20ac \U0001f600 y escapes \n\t',
    'pairs': [
        {'id': 1, 'params': {'name': 'Ana', 'n': 0, 'e': -1e10, 'empty': {}, 'list': []}},
        [],
        'string element',
        42,
        None,
        {'nested': [[1, [2, [3]]], {'a': {'b': 'c'}}]},
    ],
    'after': {'kept': True},
}


def _walk(text: str, chunk: int) -> list[tuple[str, object]]:
    return list(walk_object(io.StringIO(text), 'pairs', chunk=chunk))


@pytest.mark.parametrize('indent', [None, 0, 2, 7])
def test_every_member_and_element_is_read_as_json_loads_reads_it_whatever_the_chunk(indent):
    text = json.dumps(DOCUMENT, indent=indent, ensure_ascii=indent is None)
    for chunk in (1, 2, 3, 5, 7, 64, 1 << 16):
        members = _walk(text, chunk)
        assert [value for key, value in members if key == 'pairs'] == DOCUMENT['pairs']
        assert {key: value for key, value in members if key != 'pairs'} == {
            key: value for key, value in DOCUMENT.items() if key != 'pairs'
        }
        assert [key for key, _ in members if key != 'pairs'] == ['format', 'count', 'ratio', 'flags', 'text', 'after']


def test_the_walked_list_is_given_one_element_at_a_time_as_the_file_is_read():
    elements = [{'row': row, 'text': 'x' * 100} for row in range(1000)]
    handle = io.StringIO(json.dumps({'head': 1, 'pairs': elements}))
    members = walk_object(handle, 'pairs', chunk=256)

    assert next(members) == ('head', 1)
    assert next(members) == ('pairs', elements[0])
    assert handle.tell() < 2048  # the rest of the list is still in the file
    assert [value for _, value in members] == elements[1:]


def test_empty_object_and_empty_list():
    assert _walk('{}', 1) == []
    assert _walk(' { "pairs" : [ ] , "a" : 1 } \n', 1) == [('a', 1)]
    assert _walk('{"pairs": {"not": "a list"}}', 4) == [('pairs', {'not': 'a list'})]


@pytest.mark.parametrize(
    'text',
    [
        '',
        '[1, 2]',
        '{"pairs": [1, 2}',
        '{"pairs": [1, 2]',
        '{"a": 1,}',
        '{"a": 1} trailing',
        '{"a": tru}',
        '{"a": "never closed}',
        '{1: 2}',
        '{"pairs": [{"a": 1} {"b": 2}]}',
    ],
)
def test_text_that_is_not_one_json_object_is_a_value_error(text):
    for chunk in (1, 3, 1 << 16):
        with pytest.raises(ValueError, match='carácter'):
            _walk(text, chunk)
