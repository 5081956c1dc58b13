"""How the sandbox reads an HTTP request off the wire: the request line, the header fields, the body and the
connection, as http.server and http.client's header parser read them (raw bytes on a socket, so that nothing
between the test and the listener tidies the request up)."""

from __future__ import annotations

import json
import socket

import pytest

from transformacion.sandbox import Sandbox


class Connection:
    """A raw TCP connection to the sandbox: exact bytes out, answers read back one at a time."""

    def __init__(self, sandbox: Sandbox):
        self.socket = socket.create_connection((sandbox.host, sandbox.port), timeout=5)
        self.pending = b''

    def send(self, data: bytes) -> None:
        self.socket.sendall(data)

    def _more(self) -> bytes:
        chunk = self.socket.recv(65536)
        self.pending += chunk
        return chunk

    def answer(self) -> tuple[int, dict[str, str], bytes]:
        """(status, header fields by lowercase name with their values exactly as sent, body) of the next answer."""
        while b'\r\n\r\n' not in self.pending:
            if not self._more():
                raise ConnectionError(f'closed before an answer: {self.pending!r}')
        head, self.pending = self.pending.split(b'\r\n\r\n', 1)
        status_line, *lines = head.decode('iso-8859-1').split('\r\n')
        headers = dict((name.lower(), value) for name, value in (line.split(': ', 1) for line in lines))
        length = int(headers.get('content-length', 0))
        while len(self.pending) < length:
            self._more()
        body, self.pending = self.pending[:length], self.pending[length:]
        return int(status_line.split()[1]), headers, body

    def everything(self) -> bytes:
        """What the sandbox sends until it closes the connection."""
        while self._more():
            pass
        data, self.pending = self.pending, b''
        return data

    def closed_by_server(self) -> bool:
        """True when the sandbox closed the connection (nothing more to read)."""
        return not self.pending and not self._more()

    def close(self) -> None:
        self.socket.close()


@pytest.fixture
def wire(sandbox: Sandbox):
    connection = Connection(sandbox)
    yield connection
    connection.close()


def request(target: str, *fields: str, method: str = 'GET', body: bytes = b'', line: str | None = None) -> bytes:
    head = line if line is not None else f'{method} {target} HTTP/1.1'
    return (head + '\r\n' + ''.join(f'{field}\r\n' for field in fields) + '\r\n').encode('iso-8859-1') + body


def auth(sandbox: Sandbox) -> str:
    return f'Authorization: Bearer {sandbox.token}'


def test_header_names_are_read_in_any_case(sandbox, wire):
    wire.send(request('/v1/licenses', f'AUTHORIZATION: Bearer {sandbox.token}', 'trackingID: case-1'))
    status, headers, _ = wire.answer()
    wire.send(request('/v1/licenses', f'authorization: Bearer {sandbox.token}', 'TRACKINGID: case-2'))
    second_status, second, _ = wire.answer()

    assert (status, headers['trackingid']) == (200, 'case-1')
    assert (second_status, second['trackingid']) == (200, 'case-2')
    assert [entry['tracking_id'] for entry in sandbox.journal()] == ['case-1', 'case-2']


def test_a_value_loses_its_leading_blanks_and_keeps_its_trailing_ones(sandbox, wire):
    wire.send(request('/v1/licenses', auth(sandbox), 'TrackingID: \t padded  '))

    _, headers, _ = wire.answer()

    assert headers['trackingid'] == 'padded  '
    assert sandbox.journal()[-1]['tracking_id'] == 'padded  '


def test_a_repeated_field_counts_once_its_last_value(sandbox, wire):
    wire.send(request('/v1/licenses', auth(sandbox), 'TrackingID: first', 'TrackingID: second'))

    _, headers, _ = wire.answer()

    assert headers['trackingid'] == 'second'


def test_a_line_without_a_colon_ends_the_fields_read(sandbox, wire):
    """http.client reads what follows such a line as the start of a body: those fields are not seen."""
    wire.send(request('/v1/licenses', 'TrackingID: before', 'not a header line', auth(sandbox), 'X-After: 1'))
    status, headers, _ = wire.answer()
    wire.send(request('/v1/licenses', auth(sandbox), 'TrackingID: kept', 'not a header line'))
    second_status, second, _ = wire.answer()

    assert (status, headers['trackingid']) == (401, 'before')
    assert (second_status, second['trackingid']) == (200, 'kept')


def test_a_folded_line_continues_the_field_before_it(sandbox, wire):
    wire.send(request('/v1/licenses', f'Authorization: Bearer {sandbox.token}', '  ', 'TrackingID: folded'))

    status, headers, _ = wire.answer()

    assert (status, headers['trackingid']) == (200, 'folded')


def test_the_body_is_as_long_as_content_length_and_the_connection_stays_open(sandbox, wire):
    body = json.dumps({'token': 'no-such-token'}).encode()
    first = request(
        '/_sandbox/tokens/revoke', 'Content-Type: application/json', f'Content-Length: {len(body)}', method='POST'
    )
    wire.send(first + body + request('/v1/licenses', auth(sandbox), 'TrackingID: after-the-body'))

    status, _, answer = wire.answer()
    second_status, second, _ = wire.answer()

    assert (status, json.loads(answer)['message']) == (404, 'No such access or refresh token.')
    assert (second_status, second['trackingid']) == (200, 'after-the-body')


def test_without_content_length_a_post_has_no_body(sandbox, wire):
    wire.send(request('/v1/locations', auth(sandbox), method='POST'))

    status, _, body = wire.answer()

    assert status == 400
    assert sandbox.journal()[-1]['request_body'] is None
    assert b'message' in body


def test_connection_close_closes_after_the_answer(sandbox, wire):
    wire.send(request('/v1/licenses', auth(sandbox), 'connection: CLOSE'))

    status, _, _ = wire.answer()

    assert status == 200
    assert wire.closed_by_server()


def test_expect_100_continue_is_answered_before_the_body_is_sent(sandbox, wire):
    body = json.dumps({'token': 'no-such-token'}).encode()
    wire.send(request('/_sandbox/tokens/revoke', 'Expect: 100-continue', f'Content-Length: {len(body)}', method='POST'))

    interim = wire.answer()
    wire.send(body)
    status, _, _ = wire.answer()

    assert interim[0] == 100
    assert status == 404


@pytest.mark.parametrize(
    ('line', 'status_line', 'explained'),
    [
        ('GET /v1/licenses extra HTTP/1.1', True, "400 Bad request syntax ('GET /v1/licenses extra HTTP/1.1')"),
        ('GET /v1/licenses HTTX/1.1', False, "Bad request version ('HTTX/1.1')"),
        ('GET /v1/licenses HTTP/1.1.1', False, "Bad request version ('HTTP/1.1.1')"),
        ('GET /v1/licenses HTTP/1.1 extra', False, "Bad request version ('extra')"),
        ('GET /v1/licenses HTTP/02.0', False, 'Invalid HTTP version (02.0)'),
        ('POST /v1/licenses', False, "Bad HTTP/0.9 request type ('POST')"),
    ],
)
def test_a_malformed_request_line_is_answered_by_http_server(sandbox, wire, line, status_line, explained):
    """http.server's error page; before a valid HTTP/1.x version is read, without status line or header fields
    (an HTTP/0.9 answer). Then the connection is closed."""
    wire.send(request('', auth(sandbox), line=line))

    answer = wire.everything()

    assert answer.startswith(b'HTTP/1.1 ') is status_line
    assert answer.startswith(b'<!DOCTYPE HTML>') is not status_line
    assert explained.encode() in answer
    assert sandbox.journal() == []


def test_a_header_line_over_64_kib_is_answered_431(sandbox, wire):
    wire.send(request('/v1/licenses', auth(sandbox), 'X-Long: ' + 'a' * 65536))

    status, _, body = wire.answer()

    assert status == 431
    assert b'Line too long' in body
    assert sandbox.journal() == []


def test_more_than_100_header_lines_are_answered_431(sandbox, wire):
    wire.send(request('/v1/licenses', auth(sandbox), *(f'X-Field-{index}: {index}' for index in range(100))))

    status, _, body = wire.answer()

    assert status == 431
    assert b'Too many headers' in body
