"""What an area handler sees and returns: Request, Response, a Route table entry and Link-header pagination."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from .errors import BadRequest

if TYPE_CHECKING:
    from .state.org import Org


@dataclass
class Request:
    """One API request, already parsed: ``path`` is relative to /v1, ``query`` keeps the first value per name;
    ``config`` is the sandbox's run-time ``Config`` (for behaviours it makes configurable)."""

    method: str
    path: str
    query: dict[str, str]
    body: Any
    base_url: str
    params: dict[str, str] = field(default_factory=dict)
    config: Any = None

    def flag(self, name: str, default: bool = False) -> bool:
        """A boolean query parameter (``true``/``false``); 400 on anything else."""
        value = self.query.get(name)
        if value is None:
            return default
        if value.lower() not in ('true', 'false'):
            raise BadRequest(f'Invalid value for query parameter {name}: {value!r}; expected true or false.')
        return value.lower() == 'true'

    def integer(self, name: str, default: int, minimum: int = 0) -> int:
        """An integer query parameter; 400 when it is not a number or below ``minimum``."""
        value = self.query.get(name)
        if value is None:
            return default
        try:
            number = int(value)
        except ValueError:
            raise BadRequest(f'Invalid value for query parameter {name}: {value!r}; expected a number.') from None
        if number < minimum:
            raise BadRequest(f'Invalid value for query parameter {name}: {number}; minimum is {minimum}.')
        return number

    def json_object(self) -> dict[str, Any]:
        """The JSON body, which must be an object."""
        if not isinstance(self.body, dict):
            raise BadRequest('The request body must be a JSON object.')
        return self.body


@dataclass
class Response:
    """What a handler returns; ``body`` is already in wire format, ``created_id`` feeds the journal."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    created_id: str | None = None


Handler = Callable[[Request, 'Org'], Response]


@dataclass(frozen=True)
class Route:
    """A routing table entry: method, path regex below /v1 (named groups become ``Request.params``), handler."""

    method: str
    path: str
    handler: Handler
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, 'pattern', re.compile(f'^{self.path}$'))


def paginate(
    req: Request,
    items: Sequence[Any],
    *,
    default_max: int,
    max_param: str = 'max',
    start_param: str = 'start',
) -> tuple[list[Any], dict[str, str]]:
    """One page of ``items`` and the headers to send with it (RFC 5988 ``Link: <next>; rel="next"``).

    The next URL is absolute and repeats every query parameter of the request, because clients send their
    filters on the first request only.
    """
    size = req.integer(max_param, default_max, minimum=1)
    start = req.integer(start_param, 0)
    page = list(items[start : start + size])
    if start + size >= len(items):
        return page, {}
    query = {**req.query, max_param: str(size), start_param: str(start + size)}
    return page, {'Link': f'<{req.base_url}{req.path}?{urlencode(query)}>; rel="next"'}
