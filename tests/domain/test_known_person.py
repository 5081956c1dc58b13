"""What a batch keeps of a person it created or read back (``domain.resolve.remember_person``): a light record in its
list of the org (id, e-mails, license ids), and the whole person read again by id when a later row asks for it."""

from __future__ import annotations

from dataclasses import replace

from tests.support.org import LUCIA, LUCIA_ID
from transformacion.core.context import RunCache
from transformacion.domain.resolve import PEOPLE_BY_EMAIL, KnownPerson, person_by_email, remember_person


def test_a_remembered_person_is_kept_light_and_read_again_whole(sandbox, bound_ctx):
    api, ctx = bound_ctx
    ctx = replace(ctx, cache=RunCache(bulk_rows=10))
    read_back = api.people.details(LUCIA_ID, calling_data=True)

    person_by_email(api, ctx, LUCIA)  # the batch lists the org
    remember_person(ctx, read_back)
    kept = ctx.cache.get(PEOPLE_BY_EMAIL)[LUCIA.casefold()]
    found = person_by_email(api, ctx, LUCIA)

    assert kept == KnownPerson(LUCIA_ID, tuple(read_back.emails), tuple(read_back.licenses))
    assert found.person_id == LUCIA_ID and found.extension == read_back.extension
    assert found.location_id == read_back.location_id and found.licenses == read_back.licenses
