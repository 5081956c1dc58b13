"""A change window to report on: five launcher runs against two sandbox orgs, kept in one logs folder.

Org A (the sandbox's default org, "Transformacion Demo S.A."):
  1. ``dry``: a dry run of folder ``a`` (sites Norte and Sur, people ana and bruno in Norte, carla in Sur);
  2. ``refused``: folder ``malo`` (a site without postal code), refused as a whole by its validation (before
     reading its target, so its org is unknown);
  3. ``first``: folder ``a`` for real, while Webex refuses call forwarding (403): bruno's forwarding fails;
  4. ``second``: folder ``a2``, forwarding of two people who already existed in Sede Central: lucía's changes,
     jorge's row asks for nothing.
Org B ("Otra Organización S.L.", a second sandbox):
  5. ``other``: folder ``b``, site Este and dario in it.
"""

from __future__ import annotations

import base64
import contextlib
import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import transformacion.sandbox
from tests.support.runs import TOKEN
from transformacion import launcher_csv_dependencias
from transformacion.sandbox import running_sandbox

GLOBAL = {
    'time_zone': 'Europe/Madrid',
    'preferred_language': 'es_ES',
    'announcement_language': 'es_es',
    'country': 'ES',
}
OTHER_ORG = 'Otra Organización S.L.'
OPERATOR_EMAIL = 'admin@transformacion-demo.example.com'
FORWARDING_REFUSED = {
    'kind': 'status',
    'status': 403,
    'method': 'PUT',
    'path': '^/v1/people/[^/]+/features/callForwarding',
    'max_count': 10,
}


def _site(name: str, **extra: str) -> dict[str, str]:
    site = {'name': name, 'address1': 'Calle Mayor 1', 'city': 'Madrid', 'state': 'Madrid', 'postal_code': '28001'}
    return site | extra


def _person(email: str, site: str, extension: str, **extra: str) -> dict[str, str]:
    first = email.split('.')[0].title()
    return {
        'email': email,
        'first_name': first,
        'last_name': 'Prueba',
        'location': site,
        'extension': extension,
        'calling_license': 'Webex Calling - Professional',
    } | extra


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open('w', encoding='utf-8', newline='') as handle:
        writer = csv.DictWriter(handle, fieldnames=list(dict.fromkeys(c for r in rows for c in r)), delimiter=';')
        writer.writeheader()
        writer.writerows(rows)


def _folder(folder: Path, **datasets: list[dict[str, str]]) -> Path:
    _write(folder / 'global.csv', [GLOBAL])
    for dataset, rows in datasets.items():
        _write(folder / f'{dataset}.csv', rows)
    return folder


def other_org_fixture() -> dict[str, Any]:
    """The sandbox's default org under another id and name."""
    path = Path(transformacion.sandbox.__file__).parent / 'fixtures' / 'default_org.json'
    text = path.read_text(encoding='utf-8')
    old = json.loads(text)['id']
    new = base64.b64encode(b'ciscospark://us/ORGANIZATION/0b7e5f2a-8c41-4d6e-9f3a-2d1c5b8e7a90').decode().rstrip('=')
    fixture = json.loads(text.replace(old, new))
    fixture['display_name'] = OTHER_ORG
    return fixture


@dataclass
class Org:
    org_id: str
    name: str
    base_url: str


@dataclass
class Window:
    """The arranged runs: their folders by name, the input folders, the orgs and the logs folder."""

    root: Path
    runs: dict[str, Path]
    inputs: dict[str, Path]
    org_a: Org
    org_b: Org

    @property
    def log_dir(self) -> Path:
        return self.root / 'logs'

    def run_id(self, name: str) -> str:
        return self.runs[name].name

    def rows(self, name: str) -> int:
        return json.loads((self.runs[name] / 'summary.json').read_text(encoding='utf-8'))['total']


def _launch(sandbox: Any, log_dir: Path, *args: str) -> Path:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        launcher_csv_dependencias.main(
            ['--base-url', sandbox.base_url, '--token', TOKEN, '--yes', '--log-dir', str(log_dir), *args]
        )
    run_dir = Path(json.loads(out.getvalue())['result']['run_dir'])
    return run_dir


def arrange(root: Path) -> Window:
    """Run the five runs of the module docstring under ``root`` (logs in ``root/logs``)."""
    inputs = {
        'a': _folder(
            root / 'entrada' / 'a',
            ubicaciones=[_site('Norte'), _site('Sur')],
            usuarios=[
                _person('ana.norte@x.example.com', 'Norte', '2001'),
                _person('bruno.norte@x.example.com', 'Norte', '2002', forward_busy='2001'),
                _person('carla.sur@x.example.com', 'Sur', '3001'),
            ],
        ),
        'malo': _folder(root / 'entrada' / 'malo', ubicaciones=[_site('Oeste', postal_code='')]),
        'a2': _folder(
            root / 'entrada' / 'a2',
            usuarios=[
                {
                    'email': 'lucia.martin@transformacion-demo.example.com',
                    'location': 'Sede Central',
                    'forward_busy': '1002',
                },
                {'email': 'jorge.ruiz@transformacion-demo.example.com', 'location': 'Sede Central', 'forward_busy': ''},
            ],
        ),
        'b': _folder(
            root / 'entrada' / 'b',
            ubicaciones=[_site('Este')],
            usuarios=[_person('dario.este@y.example.com', 'Este', '4001')],
        ),
    }
    log_dir = root / 'logs'
    runs: dict[str, Path] = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv('TRANSFORMACION_MAX_ATTEMPTS', '2')
        patch.delenv('WEBEX_ORG_ID', raising=False)
        patch.chdir(root)
        with running_sandbox(token=TOKEN) as first, running_sandbox(token=TOKEN, fixture=other_org_fixture()) as other:
            runs['dry'] = _launch(first, log_dir, '--input_dir', str(inputs['a']), '--dry-run')
            runs['refused'] = _launch(first, log_dir, '--input_dir', str(inputs['malo']))
            first.set_faults([FORWARDING_REFUSED])
            runs['first'] = _launch(first, log_dir, '--input_dir', str(inputs['a']))
            first.set_faults([])
            runs['second'] = _launch(
                first, log_dir, '--input_dir', str(inputs['a2']), '--actions', 'configurar_desvio_usuario'
            )
            runs['other'] = _launch(other, log_dir, '--input_dir', str(inputs['b']))
            org_a = Org(first.org.id, first.org.display_name, first.base_url.rstrip('/'))
            org_b = Org(other.org.id, other.org.display_name, other.base_url.rstrip('/'))
    return Window(root, runs, inputs, org_a, org_b)
