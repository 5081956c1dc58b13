"""Command line: serve the sandbox until SIGINT/SIGTERM; the first stdout line is ``WEBEX_BASE_URL=...``."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence

from .config import RETRY_AFTER_FORMATS
from .server import DEFAULT_HOST, DEFAULT_TOKEN, Sandbox
from .state.tokens import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_REFRESH_TOKEN, DEFAULT_SERVICE_APP_ID


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog='python -m transformacion.sandbox',
        description='Serve a local emulation of the Webex APIs with an in-memory org, for tests and demos.',
    )
    parser.add_argument('--host', default=DEFAULT_HOST, help=f'address to listen on (default {DEFAULT_HOST})')
    parser.add_argument('--port', type=int, default=8765, help='port to listen on, 0 for a free one (default 8765)')
    parser.add_argument(
        '--token', default=DEFAULT_TOKEN, help=f'the Bearer token the sandbox accepts (default: {DEFAULT_TOKEN!r})'
    )
    parser.add_argument('--fixture', help='JSON file with the seed org (default: the packaged demo org)')
    parser.add_argument('--rate-limit', type=float, help='requests per second per token (default: unlimited)')
    parser.add_argument('--latency-ms', type=int, default=0, help='latency added to every API request')
    parser.add_argument('--jitter-ms', type=int, default=0, help='random extra latency, up to this many ms')
    parser.add_argument(
        '--retry-after', choices=RETRY_AFTER_FORMATS, default='seconds', help='Retry-After format of 429 answers'
    )
    parser.add_argument(
        '--serve-early-retries',
        action='store_true',
        help='serve a request sent before the Retry-After of its 429 has passed (default: answer 429 again)',
    )
    parser.add_argument(
        '--visibility-delay-ms',
        type=int,
        default=0,
        help='new people and workspaces show in list and search results only after this delay (default 0)',
    )
    parser.add_argument('--seed', type=int, default=0, help='seed for generated ids, jitter and fault probabilities')
    auth = parser.add_argument_group(
        'authorization server',
        'POST /v1/access_token (refresh grant) and POST /v1/applications/{applicationId}/token (Service App '
        f'{DEFAULT_SERVICE_APP_ID}); see FIDELITY.md',
    )
    auth.add_argument(
        '--token-lifetime',
        type=_seconds,
        metavar='SECONDS',
        help='lifetime of the access tokens the sandbox issues (default: no expiry; --token never expires)',
    )
    auth.add_argument('--client-id', default=DEFAULT_CLIENT_ID, help=f'OAuth client id (default {DEFAULT_CLIENT_ID})')
    auth.add_argument(
        '--client-secret', default=DEFAULT_CLIENT_SECRET, help=f'OAuth client secret (default {DEFAULT_CLIENT_SECRET})'
    )
    auth.add_argument(
        '--refresh-token',
        default=DEFAULT_REFRESH_TOKEN,
        help=f'refresh token valid at start (default {DEFAULT_REFRESH_TOKEN})',
    )
    auth.add_argument(
        '--rotate-refresh-tokens',
        action='store_true',
        help='answer each refresh with a new refresh token and revoke the old one (default: the same one)',
    )
    return parser


def _seconds(value: str) -> int:
    seconds = int(value)
    if seconds < 1:
        raise argparse.ArgumentTypeError('must be a whole number of seconds, at least 1')
    return seconds


def main(argv: Sequence[str] | None = None) -> int:
    """Run the sandbox until interrupted; returns the exit code."""
    args = _parser().parse_args(argv)
    sandbox = Sandbox(
        token=args.token,
        fixture=args.fixture,
        rate_limit=args.rate_limit,
        latency_ms=args.latency_ms,
        jitter_ms=args.jitter_ms,
        retry_after=args.retry_after,
        enforce_retry_after=not args.serve_early_retries,
        visibility_delay_ms=args.visibility_delay_ms,
        seed=args.seed,
        host=args.host,
        port=args.port,
        token_lifetime=args.token_lifetime,
        client_id=args.client_id,
        client_secret=args.client_secret,
        refresh_token=args.refresh_token,
        rotate_refresh_tokens=args.rotate_refresh_tokens,
    )
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    sandbox.start()
    print(f'WEBEX_BASE_URL={sandbox.base_url}', flush=True)
    try:
        while not stopping.wait(0.2):
            pass
    finally:
        sandbox.stop()
    return 0


if __name__ == '__main__':
    sys.exit(main())
