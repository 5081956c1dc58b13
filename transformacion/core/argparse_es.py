"""argparse's own error messages in Spanish, for the operator surface (the messages of a wrong command line: an
option required, unknown or given a value of the wrong type). argparse takes each message through ``gettext``
(``argparse._`` and ``argparse.ngettext``, looked up when the error happens); ``install`` puts a translation of
those messages in their place, once per process, before any parser is used (``core.cli.command_parser``, which
every entry point's parser comes from, calls it; so do the catalogue's and the panel's own parsers). Help texts
(``usage:``, ``options:``) are not translated: a parser's help stays argparse's own. Messages not listed here (a
program's own mistakes, such as conflicting options) pass through in English. Standard library only, a dictionary
look-up: nothing added to start-up."""

from __future__ import annotations

import argparse
from collections.abc import Callable

#: argparse's message -> the operator's words (same placeholders).
MESSAGES = {
    'the following arguments are required: %s': 'faltan argumentos obligatorios: %s',
    'unrecognized arguments: %s': 'argumentos no reconocidos: %s',
    'argument %(argument_name)s: %(message)s': 'argumento %(argument_name)s: %(message)s',
    'invalid %(type)s value: %(value)r': 'valor no válido: %(value)r',
    'invalid choice: %(value)r (choose from %(choices)s)': 'valor no válido: %(value)r (elija entre %(choices)s)',
    'expected one argument': 'falta su valor',
    'expected at most one argument': 'admite como mucho un valor',
    'expected at least one argument': 'necesita al menos un valor',
    'not allowed with argument %s': 'no se admite junto con el argumento %s',
    'ignored explicit argument %r': 'no admite valor: %r',
    'one of the arguments %s is required': 'falta uno de los argumentos %s',
    'ambiguous option: %(option)s could match %(matches)s': 'opción ambigua: %(option)s puede ser %(matches)s',
    'unexpected option string: %s': 'opción inesperada: %s',
    "can't open '%(filename)s': %(error)s": "no se puede abrir '%(filename)s': %(error)s",
    '%(prog)s: error: %(message)s\n': '%(prog)s: error: %(message)s\n',
}
#: argparse's singular and plural messages -> the operator's.
PLURALS = {('expected %s argument', 'expected %s arguments'): ('necesita %s valor', 'necesita %s valores')}


def _translated(english: Callable[[str], str]) -> Callable[[str], str]:
    def gettext(message: str) -> str:
        return MESSAGES.get(message) or english(message)

    gettext.spanish = True  # type: ignore[attr-defined]
    return gettext


def _translated_plural(english: Callable[[str, str, int], str]) -> Callable[[str, str, int], str]:
    def ngettext(singular: str, plural: str, count: int) -> str:
        found = PLURALS.get((singular, plural))
        return (found[0] if count == 1 else found[1]) if found else english(singular, plural, count)

    ngettext.spanish = True  # type: ignore[attr-defined]
    return ngettext


def install() -> None:
    """Make argparse word its error messages in Spanish for the rest of the process (idempotent)."""
    if not getattr(argparse._, 'spanish', False):
        argparse._ = _translated(argparse._)
    if not getattr(argparse.ngettext, 'spanish', False):
        argparse.ngettext = _translated_plural(argparse.ngettext)
