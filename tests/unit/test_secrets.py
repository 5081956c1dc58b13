"""The quick test for secret-looking keys answers as the expression it stands for."""

import re

import pytest

from transformacion.core import secrets
from transformacion.core.secrets import SECRET_KEY, mentions_secret_key


def _as_before(text: str) -> bool:
    """mentions_secret_key as it was: the expression whenever the text mentions 'api'."""
    lowered = text.lower()
    words = ('token', 'authorization', 'password', 'passwd', 'secret', 'passcode')
    return any(word in lowered for word in words) or ('api' in lowered and SECRET_KEY.search(lowered) is not None)


def test_the_folded_characters_are_every_one_the_expression_takes_for_one_of_its_letters():
    letters = sorted({char for char in SECRET_KEY.pattern if char.isalpha() or char in '_-'})
    any_letter = re.compile('|'.join(re.escape(letter) for letter in letters), re.IGNORECASE)
    others = ''.join(chr(code) for code in range(128, 0x110000) if not 0xD800 <= code <= 0xDFFF)

    assert set(any_letter.findall(others)) == set(secrets._FOLDED)
    assert any_letter.flags & re.IGNORECASE and SECRET_KEY.flags & re.IGNORECASE


LINE = (
    '{"ts": "2026-11-30T14:50:48.911Z", "event": "response", "payload": {"method": "GET", '
    '"url": "https://webexapis.com/v1/people/Y2lz?callingData=true", "status": 200, '
    '"body": {"displayName": "Nombre Apellido", "extension": "2012"}}}'
)
SAMPLES = [
    LINE,
    LINE.replace('Apellido', 'Muñoz'),
    LINE.replace('displayName', 'apiKey'),
    LINE.replace('displayName', 'API_KEY'),
    LINE.replace('displayName', 'x-api-key'),
    LINE.replace('displayName', 'api key'),
    LINE.replace('displayName', 'apiKeys'),
    LINE.replace('displayName', 'accessToken'),
    LINE.replace('displayName', 'clientSecret'),
    LINE.replace('displayName', 'paſſword'),  # long s: the expression takes it for s
    LINE.replace('displayName', 'apıkey'),  # dotless i
    LINE.replace('displayName', 'api\u212aey'),  # Kelvin sign, lowercased to k
    LINE.replace('displayName', 'AUTHORİZATİON'),
    LINE.replace('displayName', 'ſecret').replace('webexapis', 'webex'),
    LINE.replace('webexapis', 'webex'),
    LINE.replace('webexapis', 'webex').replace('displayName', 'apiKey'),
    '',
    'api',
    'apikey',
    'Api-Key: 1',
]


@pytest.mark.parametrize('text', SAMPLES)
def test_mentions_of_a_secret_key_are_found_as_the_expression_finds_them(text):
    assert mentions_secret_key(text) == _as_before(text)
    assert mentions_secret_key(text, text.lower()) == _as_before(text)


def test_the_quick_test_still_tells_both_answers():
    answers = [mentions_secret_key(text) for text in SAMPLES]

    assert answers[:3] == [False, False, True]
    assert answers[9:12] == [True, True, True]
