"""The SDK client reads the environment's proxy and CA settings once, not on every request."""

import pytest

from transformacion.core.client import create_api


def test_the_proxy_of_the_environment_is_kept_and_read_once(monkeypatch):
    monkeypatch.setenv('HTTPS_PROXY', 'http://proxy.example:3128')
    monkeypatch.setenv('NO_PROXY', 'localhost')
    monkeypatch.setenv('REQUESTS_CA_BUNDLE', '/etc/ssl/corporate.pem')

    remote = create_api('token', 'https://webexapis.com/v1')
    local = create_api('token', 'http://localhost:8080/v1')

    assert remote.session.proxies['https'] == 'http://proxy.example:3128'
    assert remote.session.verify == '/etc/ssl/corporate.pem'
    assert 'https' not in local.session.proxies, 'NO_PROXY holds for the host the client talks to'
    assert not remote.session.trust_env and not local.session.trust_env


class _Items:
    def __init__(self, items):
        self.items = items


def test_the_quick_checks_of_requests_protocols_answer_as_typing_does():
    typed = pytest.importorskip('requests._types', reason='a requests without typing protocols is left as it is')
    TypedItems, TypedRead = typed.SupportsItems, typed.SupportsRead  # noqa: N806
    from requests.structures import CaseInsensitiveDict

    from transformacion.core.client import SupportsItems, SupportsRead

    samples = [{}, {'a': 1}, CaseInsensitiveDict(a='1'), [('a', 1)], 'text', b'bytes', 3, None, _Items(None)]
    samples += [_Items(lambda: []), open(__file__, encoding='utf-8')]
    try:
        for sample in samples:
            assert isinstance(sample, SupportsItems) == isinstance(sample, TypedItems), sample
            assert isinstance(sample, SupportsRead) == isinstance(sample, TypedRead), sample
    finally:
        samples[-1].close()


def test_requests_merges_a_requests_settings_with_the_quick_checks():
    pytest.importorskip('requests._types', reason='a requests without typing protocols is left as it is')
    import requests.utils

    create_api('token', 'http://localhost:8080/v1')

    assert requests.utils._SupportsItems.__name__ == 'SupportsItems'
    assert requests.utils.to_key_val_list({'a': 1}) == [('a', 1)]
    assert requests.utils.to_key_val_list([('a', 1)]) == [('a', 1)]
