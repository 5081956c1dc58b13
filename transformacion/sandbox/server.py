"""The HTTP listener (stdlib ThreadingHTTPServer, HTTP/1.1 keep-alive) and the Sandbox handle tests drive."""

from __future__ import annotations

import logging
import socket
import socketserver
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .config import Config
from .engine import Engine
from .state import Org
from .state.org import FixtureSource
from .state.tokens import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_REFRESH_TOKEN,
    DEFAULT_SERVICE_APP_ID,
    TokenAuthority,
)

log = logging.getLogger(__name__)

DEFAULT_TOKEN = 't'
DEFAULT_HOST = '127.0.0.1'


class _Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    disable_nagle_algorithm = True
    server: _Listener

    def _serve(self) -> None:
        length = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(length) if length > 0 else b''
        headers = {name.lower(): value for name, value in self.headers.items()}
        host = headers.get('host') or '{}:{}'.format(*self.server.server_address[:2])
        reply = self.server.engine.handle(self.command, self.path, headers, body, host)
        if reply.reset:
            self._reset_connection()
            return
        try:
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header('Content-Length', str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)
        except OSError:
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def _reset_connection(self) -> None:
        """Drop the connection with a TCP reset and no answer at all."""
        self.close_connection = True
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
        self.connection.close()

    def log_message(self, fmt: str, *args: Any) -> None:
        log.debug('%s %s', self.address_string(), fmt % args)


class _Listener(ThreadingHTTPServer):
    """Tracks open connections so that stopping also cuts keep-alive connections, as an outage would."""

    daemon_threads = True
    #: the listen backlog (socketserver's default is 5): a client that opens dozens of connections at once (a batch's
    #: checks, hundreds of rows in flight at 200 requests/s) would otherwise see the ones beyond it wait for a SYN
    #: retransmission (1 s, then 3 s), which Webex's front ends do not make anyone wait
    request_queue_size = 1024

    def __init__(self, address: tuple[str, int], engine: Engine):
        self.engine = engine
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def drop_connections(self) -> None:
        with self._open_lock:
            connections = list(self._open)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class Sandbox:
    """A Webex API emulator on 127.0.0.1: ``start()``, point wxc_sdk at ``base_url``, inspect, ``stop()``.

    Parameters: ``token`` a Bearer token accepted forever (a personal access token); ``fixture`` the seed state
    (JSON path, mapping, or None for the packaged default org); ``seed`` makes generated ids, jitter and fault
    probabilities repeatable; ``port`` 0 picks a free port (kept across restarts). The authorization server
    (:class:`~transformacion.sandbox.state.tokens.TokenAuthority`, see ``tokens``): ``client_id``,
    ``client_secret`` and ``refresh_token`` of the one OAuth client it knows (also the Service App
    ``service_app_id``), ``token_lifetime`` seconds of the access tokens it issues (None: no expiry),
    ``rotate_refresh_tokens`` to answer each refresh with a new refresh token. The rest is the run-time
    :class:`Config`.
    """

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        fixture: FixtureSource = None,
        rate_limit: float | None = None,
        latency_ms: int = 0,
        jitter_ms: int = 0,
        retry_after: str = 'seconds',
        seed: int = 0,
        record_bodies: bool = False,
        enforce_retry_after: bool = True,
        visibility_delay_ms: int = 0,
        host: str = DEFAULT_HOST,
        port: int = 0,
        token_lifetime: int | None = None,
        client_id: str = DEFAULT_CLIENT_ID,
        client_secret: str = DEFAULT_CLIENT_SECRET,
        refresh_token: str = DEFAULT_REFRESH_TOKEN,
        service_app_id: str = DEFAULT_SERVICE_APP_ID,
        rotate_refresh_tokens: bool = False,
    ):
        self.token = token
        self.host = host
        self.port = port
        config = Config(
            rate_limit=rate_limit,
            latency_ms=latency_ms,
            jitter_ms=jitter_ms,
            retry_after=retry_after,
            record_bodies=record_bodies,
            enforce_retry_after=enforce_retry_after,
            visibility_delay_ms=visibility_delay_ms,
        )
        authority = TokenAuthority(
            static_token=token,
            client_id=client_id,
            client_secret=client_secret,
            refresh_token=refresh_token,
            service_app_id=service_app_id,
            lifetime=token_lifetime,
            rotate_refresh_tokens=rotate_refresh_tokens,
        )
        self._engine = Engine(token=token, fixture=fixture, seed=seed, config=config, tokens=authority)
        self._listener: _Listener | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/v1``: what to give wxc_sdk as ``api.session.BASE``."""
        return f'http://{self.host}:{self.port}/v1'

    @property
    def org(self) -> Org:
        """The live org state (hold ``org.lock`` while changing it under a running server)."""
        return self._engine.org

    @property
    def config(self) -> Config:
        return self._engine.config

    @property
    def tokens(self) -> TokenAuthority:
        """The authorization server: ``revoke(token)``, ``summary()``, ``lifetime`` (settable while running)."""
        return self._engine.tokens

    def start(self) -> Sandbox:
        """Listen (on a free port the first time when ``port`` is 0) and serve in a daemon thread."""
        if self._listener is None:
            self._listener = _Listener((self.host, self.port), self._engine)
            self.port = self._listener.server_address[1]
            self._thread = threading.Thread(
                target=self._listener.serve_forever, kwargs={'poll_interval': 0.05}, name='sandbox', daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening and cut open connections; the state is kept."""
        if self._listener is None:
            return
        self._listener.shutdown()
        self._listener.drop_connections()
        self._listener.server_close()
        if self._thread is not None:
            self._thread.join()
        self._listener = self._thread = None

    def restart(self) -> None:
        """Stop and start again on the same port with the same state: an outage as clients see it."""
        self.stop()
        self.start()

    def reset(self) -> None:
        """Rebuild the org from the fixture; journal, faults and config are kept."""
        self._engine.reset()

    def journal(self, since: int = 0) -> list[dict[str, Any]]:
        """Every API request received after ``since`` (a seq), oldest first."""
        return self._engine.journal.entries(since)

    def writes(self, since: int = 0) -> list[dict[str, Any]]:
        """The journal entries of requests that may change state (``Journal.writes``: not the validate checks)."""
        return self._engine.journal.writes(since)

    def set_faults(self, rules: list[dict[str, Any]]) -> None:
        """Replace the fault rules (see :class:`~transformacion.sandbox.faults.FaultRule`); [] clears them."""
        self._engine.faults.replace(rules)

    def faults(self) -> list[dict[str, Any]]:
        """The active fault rules, with how many times each fired."""
        return self._engine.faults.rules()

    def configure(self, **changes: Any) -> None:
        """Change any :class:`Config` setting while running (rate_limit, latency_ms, visibility_delay_ms...)."""
        self._engine.configure(changes)

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


@contextmanager
def running_sandbox(
    token: str = DEFAULT_TOKEN,
    fixture: FixtureSource = None,
    rate_limit: float | None = None,
    latency_ms: int = 0,
    jitter_ms: int = 0,
    retry_after: str = 'seconds',
    seed: int = 0,
    record_bodies: bool = False,
    enforce_retry_after: bool = True,
    visibility_delay_ms: int = 0,
    **authorization: Any,
) -> Iterator[Sandbox]:
    """A started :class:`Sandbox` on a free port of 127.0.0.1, stopped on exit; ``authorization``: the keyword
    arguments of the authorization server (``token_lifetime``, ``client_id``, ...)."""
    with Sandbox(
        token=token,
        fixture=fixture,
        rate_limit=rate_limit,
        latency_ms=latency_ms,
        jitter_ms=jitter_ms,
        retry_after=retry_after,
        seed=seed,
        record_bodies=record_bodies,
        enforce_retry_after=enforce_retry_after,
        visibility_delay_ms=visibility_delay_ms,
        **authorization,
    ) as sandbox:
        yield sandbox
