"""Fault injection: rules that make matching requests fail, stall, lose their connection, get throttled, or be
answered in one of the ways Webex is known to answer (a partial change, an empty page, a success that changed
nothing)."""

from __future__ import annotations

import random
import re
import threading
from dataclasses import asdict, dataclass, field, fields
from typing import Any

KINDS = ('status', 'delay', 'reset', 'throttle', 'partial', 'empty_page', 'noop')
PHASES = ('before', 'after')
#: Kinds the handler itself carries out (the engine hands the rule to it); they fire in phase ``before``.
HANDLER_KINDS = ('partial', 'empty_page', 'noop')


@dataclass
class FaultRule:
    """One rule, as given to ``Sandbox.set_faults`` or ``POST /_sandbox/faults`` (a JSON object with these keys).

    - ``kind``: ``status`` (answer ``status`` with a Webex error body), ``delay`` (wait ``delay_ms``, then go on),
      ``reset`` (close the connection without an answer) or ``throttle`` (429 with ``Retry-After: retry_after``,
      sent verbatim, so it may be malformed or huge; a usable value also closes the token's window until then, see
      ``Config.enforce_retry_after``).
    - Kinds the handler carries out: ``partial`` (``POST /people`` with a number: the person is created without
      the number, then ``status`` is answered; ``PUT /people/{id}``: the directory fields - names, e-mails, other
      phone numbers - change, the licenses and calling data do not, then ``status`` is answered; other requests
      are served normally), ``empty_page`` (a list answers an empty page that still has a ``rel="next"`` link to
      the same page) and ``noop`` (the request is answered as usual, 2xx included, but the state is left as it
      was).
    - ``when``: ``before`` the request is processed (nothing happens to the state) or ``after`` (the change is
      made, then the fault hides the outcome); ``throttle`` and the handler kinds are always ``before``.
    - ``path``: regex searched in the request path (``/v1/...``); ``method``: only this method (any when null).
    - ``probability``: chance to fire on a matching request (seeded, so runs repeat); ``max_count``: fire at most
      this many times (unlimited when null). ``count`` reports how many times it fired.
    """

    kind: str
    path: str = ''
    method: str | None = None
    when: str = 'before'
    status: int = 503
    delay_ms: int = 0
    retry_after: str = '1'
    probability: float = 1.0
    max_count: int | None = None
    count: int = 0
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        problems = []
        if self.kind not in KINDS:
            problems.append(f'kind must be one of {KINDS}')
        if self.when not in PHASES or (self.kind in ('throttle', *HANDLER_KINDS) and self.when != 'before'):
            problems.append(f'when must be one of {PHASES} ("before" for throttle, {", ".join(HANDLER_KINDS)})')
        if self.kind in ('status', 'partial') and not 400 <= self.status <= 599:
            problems.append('status must be an HTTP error status (400-599)')
        if self.kind == 'delay' and self.delay_ms <= 0:
            problems.append('delay_ms must be positive for a delay')
        if not 0 <= self.probability <= 1:
            problems.append('probability must be between 0 and 1')
        if self.max_count is not None and self.max_count < 0:
            problems.append('max_count must not be negative')
        try:
            self.pattern = re.compile(self.path)
        except re.error as error:
            problems.append(f'path is not a valid regex: {error}')
        if problems:
            raise ValueError(f'invalid fault rule {self.kind!r}: {"; ".join(problems)}')
        if self.method is not None:
            self.method = self.method.upper()
        self.retry_after = str(self.retry_after)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FaultRule:
        """A rule from its JSON form; unknown keys are an error so a typo does not silently disable a rule."""
        if not isinstance(data, dict):
            raise ValueError(f'a fault rule must be an object, not {data!r}')
        accepted = {f.name for f in fields(cls) if f.init and f.name != 'count'}
        unknown = sorted(set(data) - accepted)
        if unknown:
            raise ValueError(f'unknown fault rule keys {unknown}; accepted: {sorted(accepted)}')
        try:
            return cls(**data)
        except TypeError as error:
            raise ValueError(f'invalid fault rule: {error}') from None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop('pattern')
        return data

    def matches(self, phase: str, method: str, path: str) -> bool:
        exhausted = self.max_count is not None and self.count >= self.max_count
        return (
            not exhausted
            and self.when == phase
            and (self.method is None or self.method == method)
            and self.pattern.search(path) is not None
        )


class Faults:
    """The active rules; the first matching rule that fires wins for each phase of a request."""

    def __init__(self, seed: int = 0):
        self._seed = seed
        self._rules: list[FaultRule] = []
        self._rng = random.Random(seed)
        self._lock = threading.Lock()

    def replace(self, rules: list[dict[str, Any]]) -> None:
        """Install ``rules`` (an empty list clears them) and reseed, so the same rules fire the same way."""
        parsed = [FaultRule.from_dict(rule) for rule in rules]
        with self._lock:
            self._rules = parsed
            self._rng = random.Random(self._seed)

    def rules(self) -> list[dict[str, Any]]:
        with self._lock:
            return [rule.to_dict() for rule in self._rules]

    def pick(self, phase: str, method: str, path: str) -> FaultRule | None:
        """The rule that fires for this request in this phase, if any (its count is incremented)."""
        with self._lock:
            for rule in self._rules:
                if not rule.matches(phase, method, path):
                    continue
                if rule.probability >= 1 or self._rng.random() < rule.probability:
                    rule.count += 1
                    return rule
        return None
