"""Where each of the panel's runs acts and with which credential, decided as the launcher decides it (``batch.orgs``,
whose public functions are called here, never copied).

- A folder (plan, execute, a scheduled folder): its own variables file (``<folder>/.env``, as the launcher finds it:
  ``org_inputs``; never the shared ``.env`` the panel loaded), whose ``WEBEX_*`` variables win over the environment,
  and the org ``org_batch`` chooses: ``--org-id`` > the file's ``WEBEX_ORG_ID`` > the shared ``WEBEX_ORG_ID`` > the
  global's ``org_id`` column. A folder with neither a file nor a global naming an org the panel does not name runs
  with the panel's own connection, as a plain launcher run.
- A run (apply a plan, resume, retry, revert): the variables file its run was made with (``run_env_file``: its
  ``Batch.reading['env_file']``, or that of the plan it applied or the run it reverted; a plan's: that of the
  dry-run that made it, ``plan_env_file``) and the org ``chosen_org`` chooses.

The panel's own ``--token`` / ``--base-url`` win over a file's, as on the command line. With ``--sandbox`` every run
acts in the demo org (the launcher does not use a folder's file then either). The credentials stay in the server:
what the browser sees (``shown``) names the file, its variable names and the org, never a value.
"""

from __future__ import annotations

import argparse
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from transformacion.batch.options import Batch
from transformacion.batch.orgs import (
    OrgInput,
    chosen_org,
    global_org_id,
    org_batch,
    org_connection,
    org_inputs,
    plan_env_file,
    read_env_file,
    recorded,
    run_env_file,
)
from transformacion.core.catalog import Catalog
from transformacion.panel.jobs import Connect
from transformacion.panel.plans import PLAN_FILE


@dataclass(frozen=True)
class Target:
    """Where one job acts: ``connect`` (its credential and base URL, built in the job's thread), ``org_id`` (its
    ``Settings.org_id``; None: the token's own org or, for a plan or a run, its recorded target), ``env_file`` (the
    variables file used, absolute; None: the panel's own connection) and the names of its ``WEBEX_*`` variables."""

    connect: Connect
    org_id: str | None
    env_file: str | None = None
    variables: tuple[str, ...] = ()


def folder_target(
    folder: Path,
    make: Callable[[dict[str, Any]], Batch],
    catalog: Catalog,
    own: Target,
    options: argparse.Namespace | None,
) -> tuple[Batch, Target]:
    """The batch of ``folder`` (``make(reading)``: the panel's ``loading.make_batch`` with the input options
    ``org_batch`` gives, the chosen org among them) and where it acts. ``own``: the panel's connection and org;
    ``options``: the panel's ``token``, ``base_url`` and ``org_id`` options, None with ``--sandbox``. NotStarted when
    the folder cannot make a batch, or its variables file cannot be read."""
    if options is None:
        return make({}), own
    item = org_inputs([str(folder)], None, stream=io.StringIO())[0]
    if item.env_file is None:
        batch = make({})
        if own.org_id or not global_org_id(batch):
            return batch, own
    values = read_env_file(item.env_file) if item.env_file else {}

    def make_batch(_item: OrgInput, _catalog: Catalog, reading: dict[str, Any], _notices: list[str] | None) -> Batch:
        return make(reading)

    batch, org_id = org_batch(options, item, make_batch, catalog, values, several=False, notices=[])
    return batch, _target(options, values, org_id, item.env_file)


def sandbox_notice(folder: Path) -> str | None:
    """With ``--sandbox``: what the launcher says of ``folder``'s own variables file, not used then (``--sandbox: no
    se usa <file> ...``, the file's path only); None when the folder has none."""
    stream = io.StringIO()
    org_inputs([str(folder)], None, sandbox=True, stream=stream)
    return stream.getvalue().strip() or None


def run_target(
    run_dir: Path, log_dir: Path, own: Target, options: argparse.Namespace | None, *, plan: bool = False
) -> Target:
    """Where continuing (resume, retry), reverting or, with ``plan``, applying the plan of the run in ``run_dir``
    acts: with the variables file its run recorded, else with the panel's own connection (``own``). NotStarted when
    that file cannot be read any more."""
    if options is None:
        return own
    env_file = plan_env_file(str(run_dir / PLAN_FILE), log_dir) if plan else run_env_file(str(run_dir), log_dir)
    if not env_file:
        return own
    values = read_env_file(env_file)
    fallback = None if plan else recorded(str(run_dir), log_dir, 'org_id')
    return _target(options, values, chosen_org(options, values, fallback), env_file)


def _target(options: argparse.Namespace, values: dict[str, str], org_id: str | None, env_file: str | None) -> Target:
    def connect() -> tuple[Any, str | None]:
        return org_connection(options, values, org_id)

    names = tuple(sorted(name for name in values if name.startswith('WEBEX_')))
    return Target(connect, org_id, str(Path(env_file).resolve()) if env_file else None, names)


def shown(target: Target, own: Target) -> dict[str, Any]:
    """What the Load screen says of where a folder acts: ``org_id``, ``env_file``, ``variables`` (names only),
    ``own`` (the panel's own connection) and ``message`` (Spanish)."""
    org = f'la organización {target.org_id}' if target.org_id else 'la organización del token'
    if target == own:
        message = f'destino: {org}, con la conexión del panel'
    elif target.env_file:
        names = ', '.join(target.variables) or 'ninguna variable WEBEX_*'
        message = f'destino: {org}, con el fichero de variables de la carpeta {target.env_file} ({names})'
    else:
        message = f'destino: {org} (columna org_id de su global), con la credencial del panel'
    return {
        'org_id': target.org_id,
        'env_file': target.env_file,
        'variables': list(target.variables),
        'own': target == own,
        'message': message,
    }
