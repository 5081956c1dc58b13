"""A batch outlives its access tokens: the sample batch, run with an OAuth integration (no static token) against a
sandbox whose access tokens live 1 s and whose latency stretches the batch over several lifetimes, ends exactly as
the reference run (same exit code and final state, every entity created once, one result per row x action, no auth
error), and its evidence shows the renewals with the tokens masked."""

from __future__ import annotations

import json

from tests.support.proof import assert_same_as_reference
from tests.support.runs import TOKEN, launch_in_process
from transformacion.sandbox import running_sandbox
from transformacion.sandbox.state.tokens import DEFAULT_CLIENT_ID

SECRET = 'secreto-de-la-prueba-2b4d6f8a0c1e3a5c7e9b'
REFRESH = 'refresco-de-la-prueba-7d9b1f3a5c7e0b2d4f6a'
LIFETIME_S = 1
#: Enough latency for the batch (about 360 requests) to last several token lifetimes.
LATENCY_MS = 40


def test_a_batch_longer_than_several_token_lifetimes_ends_as_the_reference(
    reference, batch, tmp_path, fast_retries, monkeypatch
):
    monkeypatch.setenv('WEBEX_CLIENT_ID', DEFAULT_CLIENT_ID)
    monkeypatch.setenv('WEBEX_CLIENT_SECRET', SECRET)
    monkeypatch.setenv('WEBEX_REFRESH_TOKEN', REFRESH)
    monkeypatch.setenv('TRANSFORMACION_TOKEN_CACHE', str(tmp_path / 'cache'))
    with running_sandbox(
        token=TOKEN, token_lifetime=LIFETIME_S, latency_ms=LATENCY_MS, client_secret=SECRET, refresh_token=REFRESH
    ) as sb:
        run = launch_in_process(
            '--input_dir', str(batch), '--yes', '--base-url', sb.base_url, '--log-dir', str(tmp_path)
        )
        issued = sb.tokens.issued_tokens()
        token_requests = [entry['status'] for entry in sb.journal() if entry['path'] == '/v1/access_token']

    assert_same_as_reference(reference, sb, run)
    evidence = [path.read_text(encoding='utf-8') for path in run.run_dir.glob('*.jsonl')]
    events = [json.loads(line) for text in evidence for line in text.splitlines()]
    renewals = [
        e['payload'] for e in events if e['event'] == 'response' and e['payload'].get('kind') == 'token_refresh'
    ]
    assert len(renewals) >= 3, 'el lote no duró tres vidas del token'
    assert set(token_requests) == {200} and len(token_requests) == len(renewals) + 1  # + the first token, at start
    assert {renewal['access_token'] for renewal in renewals} == {'***'}
    assert [e for e in events if e['event'] == 'error' and e['payload'].get('reason') == 'auth'] == []
    assert [secret for secret in (SECRET, REFRESH, *issued) if any(secret in text for text in evidence)] == []
