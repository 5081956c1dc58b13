"""The report as a manager sees it: rendered by a real headless Chromium (the Debian package, driven by Playwright
without any browser download), asserting on the rendered page — what is visible, what is collapsed, where a link
leads — not only on the HTML text. CI installs Chromium (.ci/run); elsewhere these tests skip when it is missing."""

from __future__ import annotations

import contextlib
import io
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.browser import headless_chromium
from tests.support.change_window import OPERATOR_EMAIL, OTHER_ORG, Window
from transformacion import consolidar_reportes


@pytest.fixture(scope='module')
def browser() -> Iterator[Any]:
    yield from headless_chromium('renderizar el informe')


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={'width': 1280, 'height': 900}, locale='es-ES')
    yield context.new_page()
    context.close()


def _report(window: Window, *args: str) -> Path:
    """The report of every run of the window, written next to its logs folder (as an operator would zip them)."""
    report = window.root / 'informe.html'
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        code = consolidar_reportes.main(
            [
                '--runs-dir',
                str(window.log_dir / 'runs'),
                '--output',
                str(window.root / 'informe.csv'),
                '--html',
                str(report),
                *args,
            ]
        )
    assert code == 0
    return report


def _cells(page, section: str, row: str) -> list[str]:
    return page.locator(f'{section} table.headline tr', has_text=row).locator('td').all_inner_texts()


def test_the_manager_reads_who_changed_what_where_and_what_failed(window, page, tmp_path):
    report = _report(window)

    page.goto(report.as_uri())

    assert page.title() == 'Informe del cambio'
    assert page.get_by_text('Este informe abarca 2 organizaciones distintas').is_visible()
    org_a = page.locator('section#org-1')
    assert org_a.locator('h2').inner_text() == f'Organización: {window.org_a.name}'
    facts = dict(zip(org_a.locator('dt').all_inner_texts(), org_a.locator('dd').all_inner_texts(), strict=True))
    assert facts['Organización'] == f'{window.org_a.name} ({window.org_a.org_id})'
    assert facts['Entorno (API)'] == window.org_a.base_url
    assert OPERATOR_EMAIL in facts['Operador']
    assert facts['Entrada'].splitlines() == [str(window.inputs['a']), str(window.inputs['a2'])]
    assert facts['Ejecuciones'] == f'{window.run_id("first")}, {window.run_id("second")}'
    assert org_a.locator('.verdict').inner_text().startswith('✖ 1 elemento(s) con fallos')
    assert org_a.locator('table.headline th').all_inner_texts() == [
        '',
        'creadas',
        'actualizadas',
        'sin cambios',
        'con fallos',
        'pendientes',
        'total',
    ]
    assert _cells(page, 'section#org-1', 'Personas') == ['Personas', '2', '1', '1', '1', '0', '5']
    assert _cells(page, 'section#org-1', 'Ubicaciones') == ['Ubicaciones', '2', '0', '0', '0', '0', '2']

    failure = org_a.locator('.failure[data-category="permission"]')
    assert failure.locator('h4').inner_text() == 'El operador no tiene permiso para este cambio · 1'
    assert f'--retry-failed {window.run_id("first")}' in failure.inner_text()
    assert 'bruno.norte@x.example.com' in failure.locator('p.note').inner_text()

    org_b = page.locator('section#org-2')
    assert org_b.locator('h2').inner_text() == f'Organización: {OTHER_ORG}'
    assert org_b.locator('.verdict').inner_text().startswith('✔ Todo aplicado')
    assert _cells(page, 'section#org-2', 'Personas') == ['Personas', '1', '0', '0', '0', '0', '1']

    dry = page.locator('section#simulaciones section#sim-1')
    assert dry.locator('.verdict').inner_text() == 'Simulación: no cambió nada en la organización.'
    assert _cells(page, 'section#sim-1', 'Personas') == ['Personas', '3', '0', '0', '0', '0', '3']
    refused = page.locator('section#rechazados')
    assert refused.is_visible()
    assert window.run_id('refused') in refused.locator('table').inner_text()

    assert page.evaluate('document.documentElement.scrollWidth') <= 1280, 'the page scrolls sideways'
    shot = tmp_path / 'informe.png'
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 50_000


def test_each_site_lists_its_entities_with_a_working_link_to_the_evidence(window, page, tmp_path):
    report = _report(window, '--org', window.org_a.org_id)
    zipped = tmp_path / 'descomprimido'
    shutil.copytree(window.log_dir, zipped / 'logs')
    moved = shutil.copy(report, zipped / 'informe.html')
    page.goto(Path(moved).as_uri())
    sites = page.locator('section#org-1 table.sites tbody tr')
    assert sites.all_inner_texts() == [
        'Norte\tcreada\t1 creada · 1 con fallos',
        'Sur\tcreada\t1 creada',
        'Sede Central\tya existente\t1 actualizada · 1 sin cambios',
    ]
    norte = page.locator('section#org-1 details.site[data-site="Norte"]')
    bruno = norte.locator('tr', has_text='bruno.norte@x.example.com')
    assert not bruno.is_visible()

    norte.locator('summary').click()

    assert bruno.is_visible()
    assert bruno.locator('td').nth(2).inner_text() == 'con fallos'
    assert bruno.locator('li').all_inner_texts() == [
        'alta_usuario creado · evidencia',
        'configurar_desvio_usuario error · evidencia',
    ]
    forwarding = bruno.locator('li', has_text='configurar_desvio_usuario')

    forwarding.get_by_role('link', name='evidencia').click()

    evidence = zipped / 'logs' / 'runs' / window.run_id('first') / 'configurar_desvio_usuario.jsonl'
    assert page.url == evidence.as_uri()
    assert '"action_id": "configurar_desvio_usuario:usuarios:2"' in page.locator('body').inner_text()
