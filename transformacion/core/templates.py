"""Values derived per row: a column that accepts a template (``Param.template``) may name other columns of its own
row (or of global.csv) between braces, e.g. ``53{extension}`` (the v21 forwarding to 53 + the user's extension) or
``+3451{extension[1:]}`` (a slice of the value: Python's ``[start:end]``, either end optional). The template is
expanded before the value is typed, so the expanded value is checked, shown in the dry-run and written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

#: ``{column}`` or ``{column[start:end]}``
_FIELD = re.compile(r'\{(?P<column>[A-Za-z_][A-Za-z0-9_]*)(?:\[(?P<start>-?\d*):(?P<end>-?\d*)\])?\}')


def is_template(text: str) -> bool:
    """Whether ``text`` names at least one column between braces."""
    return bool(_FIELD.search(text))


def expand(text: str, columns: Mapping[str, str]) -> str:
    """``text`` with every ``{column}`` / ``{column[a:b]}`` replaced by that column's value in ``columns``.
    ValueError (Spanish, for the operator) naming a column that is missing or empty, or a brace left unexpanded."""

    def value(match: re.Match[str]) -> str:
        column = match['column']
        found = (columns.get(column) or '').strip()
        if not found:
            raise ValueError(f'la plantilla usa {{{column}}}, pero la fila no trae esa columna o está vacía')
        if match['start'] is None:
            return found
        start = int(match['start']) if match['start'] else None
        end = int(match['end']) if match['end'] else None
        return found[start:end]

    expanded = _FIELD.sub(value, text)
    if '{' in expanded or '}' in expanded:
        raise ValueError(
            'plantilla no válida: use {columna} o {columna[inicio:fin]} con columnas de la fila (p. ej. 53{extension})'
        )
    return expanded
