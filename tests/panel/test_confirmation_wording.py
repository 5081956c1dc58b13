"""A change refused in the panel for lack of confirmation names what the panel's operator does: mark its box
«Confirmo los cambios de alto impacto» (the label of the plan and schedule screens), never the command line's
--yes; the refusal is categorised by its structured reason, not by its text."""

from __future__ import annotations

from tests.support.panel import finished
from transformacion.batch.checkpoint import Checkpoint
from transformacion.core.outcome import CONFIRM_PANEL, needs_confirmation

LABEL = 'Confirmo los cambios de alto impacto'


def test_a_refusal_for_lack_of_confirmation_names_the_panels_box(client, panel):
    done = finished(client, client.post('/api/execute', json={'input': 'lote'}).json())

    store = Checkpoint(panel.log_dir / 'runs' / done['run_id'] / 'checkpoint.sqlite')
    try:
        refused = [task for dataset in store.datasets() for task in store.tasks(dataset)]
    finally:
        store.close()
    refused = [task for task in refused if task.category == 'sin_confirmar']
    assert refused, 'the batch has high-impact changes'
    for task in refused:
        assert task.status == 'rejected'
        assert f'marcando «{LABEL}»' in task.message, task.message
        assert '--yes' not in task.message


def test_the_box_the_wording_names_is_the_one_the_panel_shows(client):
    page = client.get('/').text

    assert f'«{LABEL}»' in CONFIRM_PANEL
    assert page.count(f'> {LABEL}</label>') == 2, 'the plan screen and the schedule screen'
    assert needs_confirmation('accion', 'permisos', CONFIRM_PANEL).endswith(
        f'accion necesita confirmación, relance marcando «{LABEL}» (permisos)'
    )
    assert needs_confirmation('accion', 'permisos').endswith(
        'accion necesita confirmación, relance con --yes (permisos)'
    )
