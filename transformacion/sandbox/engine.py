"""Request processing, independent of sockets: auth, rate limit, latency, faults, routing, errors, journal, admin."""

from __future__ import annotations

import dataclasses
import itertools
import json
import logging
import math
import random
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from .config import RETRY_AFTER_FORMATS, Config
from .errors import (
    BadRequest,
    MethodNotAllowed,
    NotFound,
    ServerError,
    TooManyRequests,
    Unauthorized,
    WebexError,
    error_body,
    error_for_status,
)
from .faults import HANDLER_KINDS, FaultRule, Faults
from .journal import READ_METHODS, Journal
from .ratelimit import RateLimiter
from .responses import ROUTES
from .responses import tokens as token_endpoints
from .routing import Request, Response, Route
from .state import Org, jobs, load_fixture, move_users
from .state.org import FixtureSource
from .state.organizations import check_access
from .state.tokens import TokenAuthority

log = logging.getLogger(__name__)

API_PREFIX = '/v1'
ADMIN_PREFIX = '/_sandbox'
TELEPHONY_PREFIX = f'{API_PREFIX}/telephony/'
JSON_TYPE = 'application/json;charset=UTF-8'
#: Entity collections whose new records are subject to ``Config.visibility_delay_ms``.
EVENTUALLY_LISTED = ('people', 'workspaces')

__all__ = ['RETRY_AFTER_FORMATS', 'Config', 'Engine', 'Reply']


@dataclass
class Reply:
    """What to send back: a complete HTTP answer, or (``reset``) nothing but a dropped connection."""

    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b''
    reset: bool = False


@dataclass(frozen=True)
class _Incoming:
    method: str
    path: str
    query: dict[str, str]
    headers: Mapping[str, str]
    body: bytes
    host: str
    tracking_id: str


AdminHandler = Callable[[dict[str, str], Any], Response]


class Engine:
    """Processes every request the listener receives; owns the org, config, rate limiter, faults and journal."""

    def __init__(
        self, *, token: str, fixture: FixtureSource, seed: int, config: Config, tokens: TokenAuthority | None = None
    ):
        self.token = token
        self.tokens = tokens or TokenAuthority(static_token=token)
        self.seed = seed
        self.config = config
        self.fixture = load_fixture(fixture)
        self.org = Org.from_fixture(self.fixture, seed)
        self.journal = Journal()
        self.faults = Faults(seed)
        self.limiter = RateLimiter(config.rate_limit)
        self.routes: list[Route] = list(ROUTES)
        self._jitter = random.Random(seed)
        self._jitter_lock = threading.Lock()
        #: id -> monotonic time from which a new person or workspace shows in list and search results
        self._listed_from: dict[str, float] = {}
        self._listed_lock = threading.Lock()
        self._admin_routes: dict[tuple[str, str], AdminHandler] = {
            ('GET', '/state'): self._admin_state,
            ('POST', '/reset'): self._admin_reset,
            ('GET', '/journal'): self._admin_journal,
            ('GET', '/faults'): self._admin_faults,
            ('POST', '/faults'): self._admin_set_faults,
            ('GET', '/config'): self._admin_config,
            ('POST', '/config'): self._admin_configure,
            ('GET', '/tokens'): self._admin_tokens,
            ('POST', '/tokens/revoke'): self._admin_revoke_token,
        }

    def reset(self) -> None:
        """Rebuild the org from the fixture (in place); journal, faults and config are kept."""
        self.org.restore(Org.from_fixture(self.fixture, self.seed))

    def configure(self, changes: Mapping[str, Any]) -> None:
        """Apply config changes; a new rate limit starts with full buckets."""
        self.config = self.config.changed(changes)
        if 'rate_limit' in changes:
            self.limiter = RateLimiter(self.config.rate_limit)

    def handle(self, method: str, target: str, headers: Mapping[str, str], body: bytes, host: str) -> Reply:
        """Answer one request; ``headers`` have lowercase names, ``host`` is what the client connected to."""
        url = urlsplit(target)
        query: dict[str, str] = {}
        for name, value in parse_qsl(url.query, keep_blank_values=True):
            query.setdefault(name, value)
        tracking_id = headers.get('trackingid') or f'SANDBOX_{uuid.uuid4()}'
        if url.path == ADMIN_PREFIX or url.path.startswith(f'{ADMIN_PREFIX}/'):
            return self._admin(method, url.path.removeprefix(ADMIN_PREFIX), query, body, tracking_id)
        latency = self._latency()
        if latency:
            time.sleep(latency)
        incoming = _Incoming(method, url.path, query, headers, body, host, tracking_id)
        entry: dict[str, Any] = {'method': method, 'path': url.path, 'query': query, 'tracking_id': tracking_id}
        if method not in READ_METHODS:
            entry['request_body'] = _journal_body(body)
        reply, fault = self._process(incoming, entry)
        entry['status'] = None if reply.reset else reply.status
        if fault is not None:
            entry['fault'] = fault.kind
        if self.config.record_bodies and not reply.reset:
            entry['response_headers'] = reply.headers
            entry['response_body'] = _journal_body(reply.body)
        self.journal.record(token_endpoints.redact(entry))
        return reply

    def _process(self, incoming: _Incoming, entry: dict[str, Any]) -> tuple[Reply, FaultRule | None]:
        """Auth, rate limit, faults before, the handler, faults after; the fault that fired, if any."""
        tracking_id = incoming.tracking_id
        token, early = '', False
        try:
            if not token_endpoints.is_public(incoming.method, incoming.path):
                token = self._authenticate(incoming.headers)
                early = self.limiter.closed_for(token) > 0
                self._throttle(token)
        except TooManyRequests as error:
            if early:
                entry['early'] = True
            return self._reply(self._error(error, tracking_id), tracking_id), None
        except WebexError as error:
            return self._reply(self._error(error, tracking_id), tracking_id), None
        before = self.faults.pick('before', incoming.method, incoming.path)
        handler_fault = None
        if before is not None and before.kind in HANDLER_KINDS:
            handler_fault = before
        elif before is not None:
            injected = self._inject(before, tracking_id, token)
            if injected is not None:
                return injected, before
        response = self._call(incoming, handler_fault)
        if response.created_id is not None:
            entry['created_id'] = response.created_id
        after = self.faults.pick('after', incoming.method, incoming.path)
        if after is not None:
            injected = self._inject(after, tracking_id, token)
            if injected is not None:
                return injected, after
        return self._reply(response, tracking_id), before or after

    def _authenticate(self, headers: Mapping[str, str]) -> str:
        scheme, _, token = headers.get('authorization', '').partition(' ')
        if scheme.lower() != 'bearer' or not self.tokens.accepts(token.strip()):
            raise Unauthorized()
        return token.strip()

    def _throttle(self, token: str) -> None:
        """429 when the token's bucket is empty or a 429 it got has not expired yet; the window then closes until
        the Retry-After announced (``Config.enforce_retry_after``)."""
        wait = self.limiter.acquire(token)
        if not wait:
            return
        seconds = max(1, math.ceil(wait))
        if self.config.retry_after == 'http-date':
            now = time.time()
            value = formatdate(math.ceil(now) + seconds, usegmt=True)
            window = math.ceil(now) + seconds - now
        else:
            value, window = str(seconds), float(seconds)
        if self.config.enforce_retry_after:
            self.limiter.close(token, window)
        raise TooManyRequests(headers={'Retry-After': value})

    def _latency(self) -> float:
        with self._jitter_lock:
            jitter = self._jitter.uniform(0, self.config.jitter_ms) if self.config.jitter_ms else 0.0
        return (self.config.latency_ms + jitter) / 1000

    def _inject(self, rule: FaultRule, tracking_id: str, token: str) -> Reply | None:
        """The answer a fault imposes, or None when it only delays the request."""
        if rule.kind == 'delay':
            time.sleep(rule.delay_ms / 1000)
            return None
        if rule.kind == 'reset':
            return Reply(reset=True)
        if rule.kind == 'throttle':
            window = _retry_after_seconds(rule.retry_after)
            if window and self.config.enforce_retry_after:
                self.limiter.close(token, window)
            error: WebexError = TooManyRequests(headers={'Retry-After': rule.retry_after})
        else:
            error = error_for_status(rule.status)
        return self._reply(self._error(error, tracking_id), tracking_id)

    def _call(self, incoming: _Incoming, fault: FaultRule | None = None) -> Response:
        """Route the request to its area handler, under the org lock; any error becomes a Webex error answer.

        A ``noop`` fault puts the state back as it was after the handler ran; new people and workspaces are hidden
        from list results for ``visibility_delay_ms``."""
        method, path, query = incoming.method, incoming.path, incoming.query
        try:
            answered = token_endpoints.answer(self.tokens, self.org.id, method, path, incoming.body)
            if answered is not None:
                return answered
            route, params = self._match(method, path)
            if 'orgId' in query:
                check_access(self.org, query['orgId'])
            request = Request(
                method=method,
                path=path.removeprefix(API_PREFIX),
                query=query,
                body=None if method in READ_METHODS else _parse_json(incoming.body),
                base_url=f'http://{incoming.host}{API_PREFIX}',
                params=params,
                config=self.config,
                hidden=self._hidden(),
                fault=fault,
            )
            with self.org.lock:
                jobs.settle(self.org)
                move_users.settle(self.org)
                snapshot = self.org.dump() if fault is not None and fault.kind == 'noop' else None
                sizes = {name: len(getattr(self.org, name)) for name in EVENTUALLY_LISTED}
                try:
                    response = route.handler(request, self.org)
                finally:
                    self._note_creations(sizes)
                if snapshot is not None:
                    for name, value in snapshot.items():
                        setattr(self.org, name, value)
                    response.created_id = None
                return response
        except WebexError as error:
            return self._error(error, incoming.tracking_id, telephony=path.startswith(TELEPHONY_PREFIX))
        except Exception:
            log.exception('sandbox handler failed: %s %s', method, path)
            return self._error(ServerError(), incoming.tracking_id)

    def _note_creations(self, sizes: dict[str, int]) -> None:
        """Start the visibility delay of the people and workspaces the handler just created (also those a partial
        create left behind an error answer)."""
        delay = self.config.visibility_delay_ms / 1000
        if not delay:
            return
        listed_from = time.monotonic() + delay
        with self._listed_lock:
            for name, size in sizes.items():
                records = getattr(self.org, name)
                for new_id in itertools.islice(reversed(records), max(0, len(records) - size)):
                    self._listed_from[new_id] = listed_from

    def _hidden(self) -> frozenset[str]:
        """Ids still inside their visibility delay (expired ones are forgotten)."""
        if not self._listed_from:
            return frozenset()
        now = time.monotonic()
        with self._listed_lock:
            for entity_id in [key for key, when in self._listed_from.items() if when <= now]:
                del self._listed_from[entity_id]
            return frozenset(self._listed_from)

    def _match(self, method: str, path: str) -> tuple[Route, dict[str, str]]:
        if not path.startswith(f'{API_PREFIX}/'):
            raise NotFound()
        allowed = []
        for route in self.routes:
            match = route.pattern.match(path.removeprefix(API_PREFIX))
            if match:
                if route.method == method:
                    return route, match.groupdict()
                allowed.append(route.method)
        if allowed:
            raise MethodNotAllowed(headers={'Allow': ', '.join(allowed)})
        raise NotFound()

    @staticmethod
    def _error(error: WebexError, tracking_id: str, *, telephony: bool = False) -> Response:
        """The one place an error becomes an HTTP answer."""
        body = error_body(error, tracking_id, telephony=telephony)
        return Response(status=error.status, body=body, headers=dict(error.headers))

    @staticmethod
    def _reply(response: Response, tracking_id: str) -> Reply:
        headers = {'Trackingid': tracking_id, **response.headers}
        if response.body is None:
            return Reply(status=response.status, headers=headers)
        headers['Content-Type'] = JSON_TYPE
        return Reply(status=response.status, headers=headers, body=json.dumps(response.body).encode())

    def _admin(self, method: str, path: str, query: dict[str, str], body: bytes, tracking_id: str) -> Reply:
        handler = self._admin_routes.get((method, path))
        try:
            if handler is None:
                raise NotFound(f'No sandbox admin endpoint {method} {ADMIN_PREFIX}{path}.')
            response = handler(query, _parse_json(body))
        except ValueError as error:
            response = self._error(BadRequest(str(error)), tracking_id)
        except WebexError as error:
            response = self._error(error, tracking_id)
        return self._reply(response, tracking_id)

    def _admin_state(self, query: dict[str, str], data: Any) -> Response:
        return Response(body=self.org.dump())

    def _admin_reset(self, query: dict[str, str], data: Any) -> Response:
        self.reset()
        return Response(status=204)

    def _admin_journal(self, query: dict[str, str], data: Any) -> Response:
        return Response(body={'items': self.journal.entries(int(query.get('since', 0)))})

    def _admin_faults(self, query: dict[str, str], data: Any) -> Response:
        return Response(body={'items': self.faults.rules()})

    def _admin_set_faults(self, query: dict[str, str], data: Any) -> Response:
        if not isinstance(data, list):
            raise ValueError('the body must be a JSON list of fault rules ([] clears them)')
        self.faults.replace(data)
        return self._admin_faults(query, data)

    def _admin_config(self, query: dict[str, str], data: Any) -> Response:
        return Response(body=dataclasses.asdict(self.config))

    def _admin_configure(self, query: dict[str, str], data: Any) -> Response:
        if not isinstance(data, dict):
            raise ValueError('the body must be a JSON object of config changes')
        self.configure(data)
        return self._admin_config(query, data)

    def _admin_tokens(self, query: dict[str, str], data: Any) -> Response:
        return Response(body=self.tokens.summary())

    def _admin_revoke_token(self, query: dict[str, str], data: Any) -> Response:
        if not isinstance(data, dict) or not isinstance(data.get('token'), str):
            raise ValueError('the body must be {"token": "<access or refresh token>"}')
        if not self.tokens.revoke(data['token']):
            raise NotFound('No such access or refresh token.')
        return Response(status=204)


def _retry_after_seconds(value: str) -> float | None:
    """Seconds a Retry-After value (delta-seconds or HTTP-date) asks for; None when it is malformed."""
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return None if when is None else max(0.0, when.timestamp() - time.time())


def _parse_json(body: bytes) -> Any:
    if not body.strip():
        return None
    try:
        return json.loads(body)
    except ValueError:
        raise BadRequest('The request body is not valid JSON.') from None


def _journal_body(body: bytes) -> Any:
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return body.decode('utf-8', 'replace')
