"""The panel as an operator walks it, in a real headless Chromium against ``python -m transformacion.panel
--sandbox``: load the samples, see a planted validation problem, fix it, plan, read the visual diff, execute with the
confirmation of the high-impact changes, watch the progress reach the end, open a pair's evidence, find the run in the
history and revert it (simulation first); re-reading after the run plans no change. A screenshot of every step is
saved (``PANEL_SCREENSHOTS`` names the folder; by default the test's temporary folder)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.support.panel import plant
from transformacion.core.catalog import load_catalog

LONG = 90_000  # ms the browser waits for a run of the whole sample batch to end (a wait, never an assertion on time)


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={'width': 1360, 'height': 900}, locale='es-ES')
    page = context.new_page()
    page.on('dialog', lambda dialog: dialog.accept())
    yield page
    context.close()


@pytest.fixture
def shots(tmp_path):
    folder = Path(os.environ.get('PANEL_SCREENSHOTS') or tmp_path / 'capturas')
    folder.mkdir(parents=True, exist_ok=True)

    def shot(page, name: str) -> None:
        page.screenshot(path=str(folder / f'{name}.png'))

    return shot


def test_the_operator_walks_the_whole_flow_in_the_browser(served, page, input_root, shots):
    from playwright.sync_api import expect

    plant(input_root, 'Madrid Castellana;Europe/Madrid', 'Madrid Castellana;Madrid')
    page.goto(served)
    assert '?token=' not in page.url
    page.wait_for_selector('body[data-ready="1"]')
    locations = [action.name for action, _ in load_catalog().values() if action.domain == 'ubicaciones']
    expect(page.locator('#submenu-ubicaciones button')).to_have_count(len(locations))

    page.select_option('#folder', 'lote')
    page.click('#load-folder')
    problems = page.locator('#problems tbody tr')
    expect(problems.first).to_contain_text('time_zone')
    expect(problems.first).to_contain_text('Madrid')
    expect(page.locator('#plan-all')).to_be_disabled()
    shots(page, '01-carga-problema')

    plant(input_root, 'Madrid Castellana;Madrid', 'Madrid Castellana;Europe/Madrid')
    page.click('#revalidate')
    expect(page.locator('#problem-count')).to_have_text('0')
    expect(page.locator('#plan-all')).to_be_enabled()
    shots(page, '02-carga-corregida')

    page.click('.main-menu[data-section="ubicaciones"]')
    page.click('#submenu-ubicaciones button[data-action="alta_ubicacion"]')
    expect(page.locator('#action-params tbody')).to_contain_text('time_zone')
    page.check('input[name="mode"][value="form"]')
    expect(page.locator('#mode-form input[name="postal_code"]')).to_be_visible()
    shots(page, '03-accion-formulario')

    page.click('#menu-carga')
    page.click('#plan-all')
    expect(page.locator('#plan-body')).to_be_visible(timeout=LONG)
    madrid = page.locator('.entity', has_text='Ubicación: Madrid Castellana')
    expect(madrid.locator('td.after', has_text='Paseo de la Castellana 81')).to_be_visible()
    expect(page.locator('#confirm-box')).to_be_visible()
    expect(page.locator('#confirm-list')).to_contain_text('configurar_permisos_salientes_ubicacion')
    expect(page.locator('#confirm-list')).not_to_contain_text('configurar_pstn_ubicacion')  # its first PSTN: no
    shots(page, '04-plan-diff')

    page.check('#confirm')
    page.click('#execute')
    expect(page.locator('#exec-line')).to_have_attribute('data-state', 'completed', timeout=LONG)
    expect(page.locator('#exec-line')).to_contain_text('error 0')
    expect(page.locator('#bar')).to_have_attribute('style', 'width: 100%;')
    expect(page.locator('#lots tbody tr').first).to_contain_text('hecho')
    shots(page, '05-ejecucion')

    page.click('#reread')
    expect(page.locator('#plan-counts')).to_contain_text(re.compile(r'· 0 cambio\(s\) previstos'), timeout=LONG)
    expect(page.locator('#confirm-box')).to_be_hidden()

    page.click('#menu-historial')
    page.locator('#runs tbody tr', has_text='real').first.click()
    pair = page.locator('#pairs tbody tr', has_text='alta_usuario').first
    expect(pair).to_contain_text('executed')
    pair.click()
    expect(page.locator('#tab-summary')).to_contain_text('executed')
    page.click('.tab[data-tab="log"]')
    expect(page.locator('#tab-log')).to_contain_text('→ POST')
    shots(page, '06-evidencia')

    expect(page.locator('#revert')).to_be_disabled()
    page.click('#revert-dry')
    expect(page.locator('#revert-result')).to_have_attribute('data-state', 'simulada-completed', timeout=LONG)
    page.click('#revert')
    expect(page.locator('#revert-result')).to_have_attribute('data-state', 'revertida-completed', timeout=LONG)
    shots(page, '07-reversion')

    page.click('#menu-historial')
    expect(page.locator('#runs tbody tr')).to_have_count(5)
    expect(page.locator('#runs tbody tr').first).to_contain_text('real')
    page.locator('#runs').scroll_into_view_if_needed()
    shots(page, '08-historial')
