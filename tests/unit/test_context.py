"""Context.write against the sandbox: a POST is never sent twice unless it is read back first or declared
idempotent; the journal of the sandbox counts what reached Webex."""

import pytest
import requests
from wxc_sdk.rest import RestError

from transformacion.common import PlannedCall

SUR = {
    'name': 'Sucursal Sur',
    'time_zone': 'Europe/Madrid',
    'preferred_language': 'es_ES',
    'announcement_language': 'es_es',
    'address1': 'Calle Sierpes 1',
    'city': 'Sevilla',
    'state': 'Sevilla',
    'postal_code': '41004',
    'country': 'ES',
}
FAILURES = [
    {'kind': 'status', 'status': 503},
    {'kind': 'status', 'status': 503, 'when': 'after'},
    {'kind': 'reset'},
    {'kind': 'reset', 'when': 'after'},
]


def location_posts(sandbox):
    return [w for w in sandbox.writes() if (w['method'], w['path']) == ('POST', '/v1/locations')]


def create_sur(api, ctx, **options):
    return ctx.write(PlannedCall('POST', '/locations', SUR), api.locations.create, **SUR, **options)


@pytest.mark.parametrize('fault', FAILURES, ids=lambda f: f'{f["kind"]}-{f.get("when", "before")}')
def test_a_failing_post_without_read_back_is_sent_exactly_once(bound_ctx, sandbox, fault):
    api, ctx = bound_ctx
    sandbox.set_faults([{**fault, 'path': '^/v1/locations$', 'method': 'POST'}])

    with pytest.raises((RestError, requests.ConnectionError)):
        create_sur(api, ctx)

    assert len(location_posts(sandbox)) == 1


def test_a_post_declared_idempotent_is_sent_again_after_a_transient_failure(bound_ctx, sandbox):
    api, ctx = bound_ctx
    sandbox.set_faults([{'kind': 'status', 'status': 503, 'path': '^/v1/locations$', 'method': 'POST', 'max_count': 1}])

    create_sur(api, ctx, idempotent=True)

    assert [w['status'] for w in location_posts(sandbox)] == [503, 201]


def test_a_post_whose_answer_was_lost_is_read_back_instead_of_sent_again(bound_ctx, sandbox):
    api, ctx = bound_ctx
    sandbox.set_faults([{'kind': 'reset', 'when': 'after', 'path': '^/v1/locations$', 'method': 'POST'}])

    def find_sur():
        return next((loc.location_id for loc in api.locations.list(name=SUR['name'])), None)

    location_id = create_sur(api, ctx, recover=find_sur)

    assert location_id in sandbox.org.locations
    assert len(location_posts(sandbox)) == 1


def test_a_429_on_a_post_is_waited_for_and_sent_again(bound_ctx, sandbox):
    api, ctx = bound_ctx
    sandbox.set_faults([{'kind': 'throttle', 'retry_after': '0', 'path': '^/v1/locations$', 'max_count': 1}])

    create_sur(api, ctx)

    assert [w['status'] for w in location_posts(sandbox)] == [429, 201]
