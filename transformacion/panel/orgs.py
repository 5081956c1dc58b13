"""Whether an input folder, or a run, belongs to another org than the panel's connection.

The launcher acts with a folder's own variables file (``<folder>/.env``, never the shared one) and in the org its
global names (``org_id`` column), see ``batch.orgs``. The panel drives every run with its one connection (its
``--token`` / ``--base-url`` / ``--org-id`` or environment), so such a folder is shown at Load and refused at plan,
execute and schedule, and so is a run (to apply, resume, retry or revert) started with a variables file: the operator
runs it with the CLI, or starts the panel with that folder's variables. With ``--sandbox`` the CLI ignores both (the
demo org), and so does the panel.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from transformacion.batch.options import Batch
from transformacion.batch.orgs import global_org_id, org_inputs
from transformacion.batch.target import same_org

#: What the operator is told to do instead.
ADVICE = (
    'ejecútela con el lanzador (python -m transformacion.launcher_csv_dependencias --input_dir CARPETA), que usa '
    'las variables y la organización de la carpeta, o arranque el panel con ellas (desde esa carpeta, o con '
    '--org-id / las variables WEBEX_* de ese fichero)'
)


def folder_org(folder: Path, batch: Batch | None, org_id: str | None, *, sandbox: bool) -> dict[str, Any] | None:
    """What the folder targets when it is not the panel's connection, None when it is: ``env_file`` (the folder's
    own variables file, as the launcher finds it: ``batch.orgs.org_inputs``; None when it has none), ``org_id``
    (its global's, None when it names none or the same org as the panel's ``org_id``) and ``message`` (Spanish:
    why the panel does not run it and what to do). ``batch``: the folder's batch, None when it cannot be read (only
    the variables file is looked at then)."""
    if sandbox:
        return None
    found = org_inputs([str(folder)], None, stream=io.StringIO())[0].env_file
    env_file = str(Path(found).resolve()) if found else None
    named = global_org_id(batch) if batch is not None else None
    other = named if named and not same_org(named, org_id) else None
    if env_file is None and other is None:
        return None
    reasons = []
    if env_file:
        reasons.append(f'lleva su propio fichero de variables {env_file}')
    if other:
        mine = f'la organización {org_id}' if org_id else 'la organización de su token'
        reasons.append(f'su global indica la organización {other} (columna org_id) y el panel actúa en {mine}')
    message = (
        f'la carpeta {folder} {" y ".join(reasons)}: el panel no la planifica, ejecuta ni programa con su propia '
        f'conexión; {ADVICE.replace("CARPETA", str(folder))}'
    )
    return {'env_file': env_file, 'org_id': other, 'message': message}


def run_org(batch: dict[str, Any] | None, run_dir: Path, *, sandbox: bool) -> str | None:
    """Why the panel does not continue, apply or revert the run in ``run_dir`` (Spanish), None when it may: the run
    was started with a variables file (``Batch.reading['env_file']``, ``batch`` being the run's recorded batch)."""
    env_file = ((batch or {}).get('reading') or {}).get('env_file')
    if sandbox or not env_file:
        return None
    return (
        f'la ejecución {run_dir.name} se hizo con el fichero de variables {env_file}: el panel no la continúa, '
        f'aplica ni revierte con su propia conexión; hágalo con la línea de órdenes (--resume / --retry-failed / '
        f'--apply / revertir), que usa ese fichero, o arranque el panel con sus variables'
    )
