"""The HTTP listener (stdlib ThreadingHTTPServer, HTTP/1.1 keep-alive) and the Sandbox handle tests drive.

http.server does everything but the header block: :meth:`_Handler.parse_request` checks the request line as
http.server's does (same 400, 505 and 431 answers) and reads the header fields with :func:`read_headers`, which splits
well-formed ``Name: value`` lines itself and hands any other block to ``http.client.parse_headers`` (the ``email``
package), so every request gets the fields it got before; the ``email`` parser alone cost a fifth of the
sandbox's CPU per request (``benchmarks/sandbox_http.py``). Answers are written to a buffer and sent in one piece.
"""

from __future__ import annotations

import http.client
import io
import logging
import re
import socket
import socketserver
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http import HTTPStatus
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

#: http.client's limits on a header block: longer lines, or more lines, are answered 431.
MAX_LINE = 65536
MAX_FIELDS = 100
#: A header field line that http.client's parser reads as ``(name, value)``: a token, a colon, the value without
#: its leading blanks (trailing ones are kept, as there), then the end of the line.
_FIELD = re.compile(rb'([!-9;-~]+):[ \t]*([^\r\n]*)\r?\n')


class Headers:
    """A request's header fields in the order received; ``get`` finds the first of a name, any case."""

    def __init__(self, fields: list[tuple[str, str]]):
        self._fields = fields

    def get(self, name: str, default: str | None = None) -> str | None:
        wanted = name.lower()
        for key, value in self._fields:
            if key.lower() == wanted:
                return value
        return default

    def items(self) -> list[tuple[str, str]]:
        return list(self._fields)


def read_headers(rfile: io.BufferedIOBase) -> Headers:
    """The header block of a request, up to its empty line (or the end of the stream), as http.client's
    ``parse_headers`` reads it: ISO-8859-1 text, names as sent. Blocks with anything but plain ``Name: value``
    lines (folded lines, lines without a colon, stray CRs) go to ``parse_headers`` itself.

    Raises ``http.client.LineTooLong`` for a line over MAX_LINE bytes and ``http.client.HTTPException`` for more
    than MAX_FIELDS lines, as ``parse_headers`` does."""
    lines = []
    while True:
        line = rfile.readline(MAX_LINE + 1)
        if len(line) > MAX_LINE:
            raise http.client.LineTooLong('header line')
        lines.append(line)
        if len(lines) > MAX_FIELDS:
            raise http.client.HTTPException(f'got more than {MAX_FIELDS} headers')
        if line in (b'\r\n', b'\n', b''):
            break
    fields = [_FIELD.fullmatch(line) for line in lines[:-1]]
    if all(fields):
        return Headers([(field[1].decode('iso-8859-1'), field[2].decode('iso-8859-1')) for field in fields])
    return Headers(http.client.parse_headers(io.BytesIO(b''.join(lines))).items())


class _Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    disable_nagle_algorithm = True
    #: buffered: an answer's head and body leave in one send (flushed by _serve, handle_expect_100, finish)
    wbufsize = -1
    server: _Listener

    def parse_request(self) -> bool:
        """``BaseHTTPRequestHandler.parse_request`` of Python 3.11 with the header block read by
        :func:`read_headers`: the same checks and answers (400 bad request line or version, 505 from HTTP/2,
        431 for a header line too long or too many), ``Connection`` and ``Expect: 100-continue`` as there."""
        self.command = None
        self.request_version = version = self.default_request_version
        self.close_connection = True
        self.requestline = requestline = str(self.raw_requestline, 'iso-8859-1').rstrip('\r\n')
        words = requestline.split()
        if not words:
            return False
        if len(words) >= 3:
            version = words[-1]
            try:
                if not version.startswith('HTTP/'):
                    raise ValueError
                number = version.split('/', 1)[1]
                parts = number.split('.')
                if len(parts) != 2 or any(not part.isdigit() or len(part) > 10 for part in parts):
                    raise ValueError
                major, minor = int(parts[0]), int(parts[1])
            except (ValueError, IndexError):
                self.send_error(HTTPStatus.BAD_REQUEST, f'Bad request version ({version!r})')
                return False
            if (major, minor) >= (1, 1):
                self.close_connection = False
            if major >= 2:
                self.send_error(HTTPStatus.HTTP_VERSION_NOT_SUPPORTED, f'Invalid HTTP version ({number})')
                return False
            self.request_version = version
        if not 2 <= len(words) <= 3:
            self.send_error(HTTPStatus.BAD_REQUEST, f'Bad request syntax ({requestline!r})')
            return False
        self.command, self.path = words[:2]
        if len(words) == 2:
            self.close_connection = True
            if self.command != 'GET':
                self.send_error(HTTPStatus.BAD_REQUEST, f'Bad HTTP/0.9 request type ({self.command!r})')
                return False
        if self.path.startswith('//'):
            self.path = '/' + self.path.lstrip('/')
        try:
            self.headers = read_headers(self.rfile)
        except http.client.LineTooLong as error:
            self.send_error(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, 'Line too long', str(error))
            return False
        except http.client.HTTPException as error:
            self.send_error(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, 'Too many headers', str(error))
            return False
        connection = self.headers.get('Connection', '').lower()
        if connection == 'close':
            self.close_connection = True
        elif connection == 'keep-alive':
            self.close_connection = False
        if self.headers.get('Expect', '').lower() == '100-continue' and self.request_version >= 'HTTP/1.1':
            return self.handle_expect_100()
        return True

    def handle_expect_100(self) -> bool:
        """Send ``100 Continue`` now, before reading the body (the answers are buffered)."""
        super().handle_expect_100()
        self.wfile.flush()
        return True

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
            self.wfile.flush()
        except OSError:
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def _reset_connection(self) -> None:
        """Drop the connection with a TCP reset and no answer at all."""
        self.close_connection = True
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
        self.connection.close()

    def log_message(self, fmt: str, *args: Any) -> None:
        log.debug('%s ' + fmt, self.address_string(), *args)


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
