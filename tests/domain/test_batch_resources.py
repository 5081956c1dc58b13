"""The resources of a batch against the org (``domain.resources.org_findings``): Webex's validate endpoints asked once
per location and in batches, their answers read in both shapes the sources give, license units counted across the
rows, and what the row's own entity already holds never counted as a conflict."""

from __future__ import annotations

import pytest

from tests.support.org import BASIC as BASIC_ID
from tests.support.org import JORGE, LUCIA, SEDE_CENTRAL, set_total_units
from transformacion.core.resources import ADD_NUMBER, EXTENSION, LICENSE, Claim
from transformacion.domain.resources import VALIDATE_BATCH, org_findings

BASIC = 'Webex Calling - Basic'


def claim(kind: str, value: str, row: int, holder: str = '', location: str = SEDE_CENTRAL) -> Claim:
    who = ('location', location.casefold()) if kind == ADD_NUMBER else ('person', holder or f'p{row}@x.example.com')
    action = {ADD_NUMBER: 'anadir_numeraciones_ubicacion'}.get(kind, 'alta_usuario')
    field = {ADD_NUMBER: 'phone_numbers', LICENSE: 'calling_license'}.get(kind, kind)
    dataset = 'ubicaciones' if kind == ADD_NUMBER else 'usuarios'
    return Claim(kind, value, location, who, dataset, row, action, f'{dataset}.csv', field, field)


def validate_calls(sandbox) -> list[str]:
    return [entry['path'].split('/v1')[1] for entry in sandbox.journal() if '/actions/validate' in entry['path']]


@pytest.mark.parametrize('keys', ['spec', 'wxc_sdk'])
def test_a_number_webex_says_unavailable_is_found_in_either_answer_shape(sandbox, bound_ctx, keys):
    sandbox.org.unavailable_numbers.append('+34910000077')
    sandbox.org.validate_numbers_keys = keys
    api, ctx = bound_ctx

    found = org_findings(api, ctx, [claim(ADD_NUMBER, '+34910000076', 1), claim(ADD_NUMBER, '+34910000077', 1)], set())

    assert [(f.claim.value, f.why) for f in found] == [
        ('+34910000077', 'phone_numbers: Webex no acepta +34910000077 (Unavailable: [Error 8361] DN is unavailable : '
         '+34910000077)'),
    ]  # fmt: skip


def test_extensions_are_validated_once_per_location_in_batches(sandbox, bound_ctx):
    api, ctx = bound_ctx
    many = [claim(EXTENSION, str(5000 + i), i) for i in range(VALIDATE_BATCH + 1)]
    valencia = claim(EXTENSION, '5000', 999, location='Valencia Puerto')

    found = org_findings(api, ctx, [*many, valencia], set())

    calls = validate_calls(sandbox)
    assert found == []
    assert len(calls) == 3 and len({path for path in calls}) == 2
    assert all(path.endswith('/actions/validateExtensions/invoke') for path in calls)


def test_an_extension_held_by_someone_else_is_found_and_ones_own_is_not(sandbox, bound_ctx):
    api, ctx = bound_ctx

    found = org_findings(api, ctx, [claim(EXTENSION, '1001', 1, LUCIA), claim(EXTENSION, '1001', 2, JORGE)], set())

    assert [(f.claim.row, f.why.split(' (Webex')[0]) for f in found] == [
        (2, "extension: 1001 ya está asignada a Lucía Martín (PEOPLE) en la ubicación 'Sede Central'")
    ]


def test_license_units_are_taken_in_batch_order_and_existing_holders_take_none(sandbox, bound_ctx):
    set_total_units(sandbox, BASIC_ID, 3)  # one unit is consumed: two are free
    api, ctx = bound_ctx
    claims = [
        claim(LICENSE, BASIC, 1),
        claim(LICENSE, BASIC, 2, LUCIA),
        *(claim(LICENSE, BASIC, row) for row in (3, 4)),
    ]

    found = org_findings(api, ctx, claims, set())

    assert [(f.claim.row, f.why) for f in found] == [
        (4, "calling_license: la licencia 'Webex Calling - Basic' no tendría unidad libre para esta fila: el lote "
            'consume 3 y la organización tiene 2 libre(s) (se asignan en el orden del lote)'),
    ]  # fmt: skip
    assert validate_calls(sandbox) == []


def test_the_checks_pass_over_a_batchs_claims_only_for_the_kinds_it_has(sandbox, bound_ctx):
    """Claims given as a function that reads them again at each pass (a large batch's, from its inputs): extensions
    and licenses only, so one pass to read ahead, two for the license units, one for the extensions, and none for
    numbers."""
    api, ctx = bound_ctx
    passes = []

    def claims():
        passes.append(1)
        return iter([claim(LICENSE, BASIC, 1), claim(EXTENSION, '5001', 1)])

    found = org_findings(api, ctx, claims, set())

    assert found == []
    assert len(passes) == 4
