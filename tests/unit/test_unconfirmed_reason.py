"""A refusal for lack of confirmation is known by its structured reason (``core.outcome.UNCONFIRMED`` in the
refusal's details, then the ``sin_confirmar`` category the run writes), never by its wording, which depends on the
surface (``--yes`` on the command line, the panel's box)."""

from __future__ import annotations

import pytest

from tests.support.batches import ADJUST_CAPACITY
from transformacion.batch.change import failure_reason
from transformacion.batch.execution import category_of
from transformacion.batch.options import Settings
from transformacion.core.context import Context
from transformacion.core.evidence import ActionLog
from transformacion.core.outcome import CONFIRM_CLI, CONFIRM_PANEL, UNCONFIRMED, Outcome, Rejected


@pytest.mark.parametrize(
    ('confirm_with', 'step'),
    [(CONFIRM_CLI, 'repita con --yes'), (CONFIRM_PANEL, 'repita marcando «Confirmo los cambios de alto impacto»')],
)
def test_a_high_impact_change_without_confirmation_is_refused_with_its_reason_and_the_surfaces_words(
    tmp_path, confirm_with, step
):
    ctx = Context(log=ActionLog(tmp_path / 'a.jsonl', 'a:b:1'), action=ADJUST_CAPACITY, confirm_with=confirm_with)

    with pytest.raises(Rejected) as refused:
        ctx.confirm('capacidad de Sala 1', 4, 8)

    assert refused.value.details == {'reason': UNCONFIRMED, 'current': 4, 'desired': 8}
    assert f'revise el estado actual y el deseado y {step}; capacidad de Sala 1' in refused.value.message
    outcome = Outcome('rejected', refused.value.message, refused.value.details)
    assert category_of(outcome, ADJUST_CAPACITY, Settings(confirm_with=confirm_with)) == 'sin_confirmar'


def test_the_wording_alone_makes_no_unconfirmed_refusal():
    worded = 'cambio de alto impacto sin confirmar: revise el estado actual y el deseado y repita con --yes; x'
    assert category_of(Outcome('rejected', worded, {'current': 1, 'desired': 2}), ADJUST_CAPACITY, Settings()) == (
        'invalid_input'
    )
    row = {'status': 'rejected', 'message': worded, 'category': '', 'attempts': '1'}
    assert failure_reason(row, None) == 'rechazada'
    assert failure_reason({**row, 'category': 'sin_confirmar'}, None) == 'sin_confirmar'
