"""The SDK client reads the environment's proxy and CA settings once, not on every request."""

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
