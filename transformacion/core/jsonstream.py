"""Reading a large JSON document member by member: one object whose one big list is walked element by element, so
that a file of hundreds of MB (a 100,000-row ``plan.json``) is read with one element in memory at a time.

Standard library only: ``json.JSONDecoder.raw_decode`` decodes each member's value (or each element of the walked
list) from a buffer refilled in chunks; any layout of whitespace is read, as ``json.loads`` reads it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, TextIO

CHUNK = 1 << 16
_SPACE = ' \t\n\r'
_TAIL = 64  # longer than any JSON literal, escape or number's part (read on past it before taking a value)


def walk_object(handle: TextIO, streamed: str, chunk: int = CHUNK) -> Iterator[tuple[str, Any]]:
    """The members of the JSON object read from ``handle``, in file order, as ``(key, value)``; the member named
    ``streamed``, when its value is a list, is given element by element instead, one ``(streamed, element)`` per
    element (none for an empty list). ValueError naming the character offset when the text is not one JSON object
    (truncated, invalid, text after it); what was yielded before the error was read correctly."""
    decoder = json.JSONDecoder()
    buffer = ''
    pos = 0
    dropped = 0  # characters of the file before the buffer's start
    eof = False

    def fill() -> None:
        nonlocal buffer, pos, dropped, eof
        more = handle.read(max(chunk, len(buffer) - pos))
        eof = not more
        dropped += pos
        buffer = buffer[pos:] + more
        pos = 0

    def error(message: str) -> ValueError:
        return ValueError(f'{message} (carácter {dropped + pos})')

    def peek() -> str:
        """The next character that is not whitespace ('' at the end of the file), ``pos`` moved onto it."""
        nonlocal pos
        while True:
            while pos < len(buffer) and buffer[pos] in _SPACE:
                pos += 1
            if pos < len(buffer) or eof:
                return buffer[pos] if pos < len(buffer) else ''
            fill()

    def take(expected: str) -> None:
        nonlocal pos
        if peek() != expected:
            raise error(f'se esperaba {expected!r}')
        pos += 1

    def value() -> Any:
        nonlocal pos
        peek()
        while True:
            try:
                found, end = decoder.raw_decode(buffer, pos)
            except json.JSONDecodeError as exc:
                # cut by the chunk's end: a literal, number or escape near it, or a string not closed yet
                truncated = exc.pos >= len(buffer) - _TAIL or exc.msg.startswith('Unterminated string')
                if eof or not truncated:
                    raise error(f'JSON no válido: {exc.msg}') from None
                fill()
                continue
            if end > len(buffer) - _TAIL and not eof:  # a number may go on in the next chunk ("1" of "1.5")
                fill()
                continue
            pos = end
            return found

    take('{')
    if peek() == '}':
        pos += 1
    else:
        while True:
            key = value()
            if not isinstance(key, str):
                raise error('se esperaba el nombre de un campo')
            take(':')
            if key == streamed and peek() == '[':
                pos += 1
                if peek() == ']':
                    pos += 1
                else:
                    while True:
                        yield key, value()
                        if peek() != ',':
                            take(']')
                            break
                        pos += 1
            else:
                yield key, value()
            if peek() != ',':
                take('}')
                break
            pos += 1
    if peek():
        raise error('texto tras el documento')
