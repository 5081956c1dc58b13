"""The sandbox on the wire, with plain requests: auth, error bodies, tracking ids, pagination, orgId."""

import pytest
import requests
from wxc_sdk import WebexSimpleApi
from wxc_sdk.rest import RestError

from transformacion.sandbox import Sandbox


def auth(sb: Sandbox) -> dict[str, str]:
    return {'Authorization': f'Bearer {sb.token}'}


def get(sb: Sandbox, path: str, token: str | None = '', **params: str) -> requests.Response:
    headers = {'Authorization': f'Bearer {token or sb.token}'} if token is not None else {}
    return requests.get(f'{sb.base_url}{path}', headers=headers, params=params, timeout=5)


def assert_webex_error(response: requests.Response, status: int) -> dict:
    body = response.json()
    assert response.status_code == status
    assert response.headers['Content-Type'].startswith('application/json')
    assert set(body) == {'message', 'errors', 'trackingId'}
    assert body['errors'] and {'description', 'errorCode'} <= set(body['errors'][0])
    assert body['trackingId'] == response.headers['Trackingid']
    return body


@pytest.mark.parametrize('token', [None, 'wrong'])
def test_missing_or_wrong_token_is_unauthorized(sandbox: Sandbox, token: str | None) -> None:
    response = get(sandbox, '/people/me', token=token)

    body = assert_webex_error(response, 401)
    assert 'access token' in body['message']
    assert sandbox.journal()[-1]['status'] == 401


def test_sdk_parses_the_unauthorized_error(sandbox: Sandbox) -> None:
    api = WebexSimpleApi(tokens='wrong', retry_429=False)
    api.session.BASE = sandbox.base_url

    with pytest.raises(RestError) as raised:
        api.people.me()

    assert raised.value.response.status_code == 401
    assert raised.value.detail.tracking_id.startswith('SIMPLE_')


def test_every_answer_carries_a_tracking_id(sandbox: Sandbox) -> None:
    echoed = requests.get(
        f'{sandbox.base_url}/people/me',
        headers={**auth(sandbox), 'TrackingID': 'CLIENT_123'},
        timeout=5,
    )
    generated = get(sandbox, '/people/me')

    assert echoed.headers['Trackingid'] == 'CLIENT_123'
    assert generated.headers['Trackingid'].startswith('SANDBOX_')


def test_unknown_path_and_method(sandbox: Sandbox) -> None:
    unknown = get(sandbox, '/nothing/here')
    wrong_method = requests.delete(f'{sandbox.base_url}/organizations', headers=auth(sandbox), timeout=5)

    assert_webex_error(unknown, 404)
    assert_webex_error(wrong_method, 405)
    assert wrong_method.headers['Allow'] == 'GET'


def test_invalid_json_body_is_a_bad_request(sandbox: Sandbox) -> None:
    response = requests.post(
        f'{sandbox.base_url}/locations',
        data='{"name": ',
        headers={**auth(sandbox), 'Content-Type': 'application/json'},
        timeout=5,
    )

    body = assert_webex_error(response, 400)
    assert 'JSON' in body['message']


def test_org_id_must_be_the_sandbox_org(sandbox: Sandbox) -> None:
    own = get(sandbox, '/locations', orgId=sandbox.org.id)
    other = get(sandbox, '/locations', orgId='Y2lzY29zcGFyazovL3VzL09SR0FOSVpBVElPTi9vdGhlcg')

    assert own.status_code == 200
    assert_webex_error(other, 403)


def test_pagination_returns_every_item_once_and_keeps_the_filters(sandbox: Sandbox, api: WebexSimpleApi) -> None:
    for n in range(5):
        api.locations.create(
            f'Oficina {n}', 'Europe/Madrid', 'es_ES', 'es_es', 'Calle 1', 'Sevilla', 'SE', '41001', 'ES'
        )

    names, links = [], []
    url, params = f'{sandbox.base_url}/locations', {'name': 'oficina', 'max': '2'}
    while url:
        response = requests.get(url, params=params, headers=auth(sandbox), timeout=5)
        names += [item['name'] for item in response.json()['items']]
        url, params = response.links.get('next', {}).get('url'), None
        links.append(url)

    assert names == [f'Oficina {n}' for n in range(5)]
    assert len(links) == 3 and links[-1] is None
    assert all(link.startswith(sandbox.base_url) and 'name=oficina' in link and 'max=2' in link for link in links[:-1])
    assert [loc.name for loc in api.locations.list(name='oficina', max=2)] == names


def test_people_paging_and_not_found_ids(sandbox: Sandbox, api: WebexSimpleApi) -> None:
    people = list(api.people.list(max=1))
    known = people[0].person_id
    missing = 'Y2lzY29zcGFyazovL3VzL1BFT1BMRS9ub2JvZHk'

    body = get(sandbox, '/people', id=f'{known},{missing}').json()

    assert len(people) == len(sandbox.org.people) > 1
    assert [item['id'] for item in body['items']] == [known]
    assert body['notFoundIds'] == [missing]


def test_invalid_query_values_are_bad_requests(sandbox: Sandbox) -> None:
    assert_webex_error(get(sandbox, '/people', max='lots'), 400)
    assert_webex_error(get(sandbox, '/people', callingData='yes'), 400)
