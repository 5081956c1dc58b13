"""core.jsonfile.write_json: the one atomic write of the product's small JSON state files. A failure between the
write and the rename (simulated by ``os.replace`` raising) leaves the old file as it was and no temporary behind;
the two files written through it (the rates learnt per org, the renewed OAuth tokens) keep their old content too."""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, datetime, timedelta

import pytest
from wxc_sdk.tokens import Tokens

from transformacion.batch.rate_memory import RATES_FILE, recall, remember
from transformacion.core import jsonfile
from transformacion.core.credentials import TokenCache
from transformacion.core.jsonfile import write_json

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
WEBEX = 'https://webexapis.com/v1'


def _crash(source, destination):
    """``os.replace`` failing: what a crash between the write and the rename leaves."""
    raise OSError('simulated crash before the rename')


@pytest.fixture
def replace_fails(monkeypatch):
    monkeypatch.setattr(jsonfile.os, 'replace', _crash)


def test_the_file_is_written_whole_with_the_options_given(tmp_path):
    path = tmp_path / 'state.json'

    write_json(path, {'b': 1, 'a': [1, 2]}, indent=1, sort_keys=True)

    assert path.read_text(encoding='utf-8') == json.dumps({'a': [1, 2], 'b': 1}, indent=1, sort_keys=True)
    assert os.listdir(tmp_path) == ['state.json']


def test_a_crash_between_write_and_rename_leaves_the_old_file_and_no_temporary(tmp_path, replace_fails):
    path = tmp_path / 'state.json'
    path.write_text('{"old": true}', encoding='utf-8')

    with pytest.raises(OSError, match='simulated crash'):
        write_json(path, {'new': True}, mode=0o600, fsync=True)

    assert json.loads(path.read_text(encoding='utf-8')) == {'old': True}
    assert os.listdir(tmp_path) == ['state.json']


def test_data_that_cannot_be_written_leaves_the_old_file(tmp_path):
    path = tmp_path / 'state.json'
    path.write_text('{"old": true}', encoding='utf-8')

    with pytest.raises(TypeError):
        write_json(path, {'new': object()})

    assert json.loads(path.read_text(encoding='utf-8')) == {'old': True}
    assert os.listdir(tmp_path) == ['state.json']


def test_the_mode_holds_whatever_the_umask_and_fsync_flushes_before_the_rename(tmp_path, monkeypatch):
    path = tmp_path / 'secret.json'
    events: list[str] = []
    monkeypatch.setattr(jsonfile.os, 'fsync', lambda fd: events.append('fsync'))
    replace = os.replace
    monkeypatch.setattr(jsonfile.os, 'replace', lambda a, b: (events.append('replace'), replace(a, b)))
    previous = os.umask(0)
    try:
        write_json(path, {'token': 'x'}, mode=0o600, fsync=True)
    finally:
        os.umask(previous)

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert events == ['fsync', 'replace']
    events.clear()
    write_json(tmp_path / 'plain.json', {})
    assert events == ['replace'], 'no fsync unless asked'


def test_the_remembered_rates_survive_a_crash_of_their_rewrite(tmp_path, monkeypatch):
    remember(tmp_path, WEBEX, 'org', 48, now=NOW)
    monkeypatch.setattr(jsonfile.os, 'replace', _crash)

    with pytest.raises(OSError, match='simulated crash'):
        remember(tmp_path, WEBEX, 'org', 10, now=NOW)

    assert recall(tmp_path, WEBEX, 'org', now=NOW + timedelta(minutes=1))[0] == 48
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith('.lock')) == [RATES_FILE]


def test_cached_tokens_survive_a_crash_of_their_rewrite(tmp_path, monkeypatch):
    cache = TokenCache(tmp_path / 'cache' / 'tokens.json')
    cache.save(Tokens(access_token='old-access', refresh_token='old-refresh'))
    monkeypatch.setattr(jsonfile.os, 'replace', _crash)

    with pytest.raises(OSError, match='simulated crash'):
        cache.save(Tokens(access_token='new-access', refresh_token='new-refresh'))

    assert cache.load().access_token == 'old-access'
    assert [p.name for p in cache.path.parent.iterdir() if not p.name.endswith('.lock')] == ['tokens.json']
