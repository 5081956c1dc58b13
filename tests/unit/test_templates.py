"""Values derived per row (core/templates): {column} and {column[start:end]} over the row's columns."""

import pytest

from transformacion.core.templates import expand, is_template

ROW = {'extension': '84662701', 'email': 'ana@example.com', 'empty': ''}


@pytest.mark.parametrize(
    ('text', 'expanded'),
    [
        ('53{extension}', '5384662701'),
        ('+3451{extension[1:]}', '+34514662701'),  # the v21 intercom example: 84662701 -> +34514662701
        ('{extension[-4:]}', '2701'),
        ('{extension[:2]}-{extension[2:]}', '84-662701'),
    ],
)
def test_columns_of_the_row_are_put_in_place(text, expanded):
    assert is_template(text)
    assert expand(text, ROW) == expanded


@pytest.mark.parametrize(
    ('text', 'why'),
    [
        ('53{nowhere}', '{nowhere}'),
        ('53{empty}', 'está vacía'),
        ('53{extension', 'plantilla no válida'),
        ('53{ext ension}', 'plantilla no válida'),
    ],
)
def test_a_missing_column_or_a_malformed_template_is_refused_naming_it(text, why):
    with pytest.raises(ValueError, match=why.replace('{', r'\{').replace('}', r'\}')):
        expand(text, ROW)


def test_plain_values_are_not_templates():
    assert not is_template('+34910000100') and not is_template('off')
