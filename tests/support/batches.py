"""Launcher and bulk runner arrangements: CSV folders, a small test catalogue over the sandbox, in-process runs."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.files import read_csv, write_csv
from tests.support.runs import TOKEN
from transformacion import alta_ubicacion as alta_ubicacion_module
from transformacion.batch.checkpoint import Checkpoint, Task, snapshot
from transformacion.batch.options import Batch, Settings
from transformacion.batch.report import Report
from transformacion.batch.run import continue_run, start_run
from transformacion.common import Outcome, PlannedCall, Rejected, RetryPolicy, converge
from transformacion.core.params import EN_DESARROLLO, Action, Param, ParamType
from transformacion.domain import resolve

GLOBAL = {
    'time_zone': 'Europe/Madrid',
    'preferred_language': 'es_ES',
    'announcement_language': 'es_es',
    'country': 'ES',
}


def location(name: str, **extra: str) -> dict[str, str]:
    """A ubicaciones.csv row that alta_ubicacion accepts once merged with GLOBAL."""
    return {
        'name': name,
        'address1': 'Calle Mayor 1',
        'city': 'Madrid',
        'state': 'Madrid',
        'postal_code': '28001',
    } | extra


def write_folder(folder: Path, *, global_row: dict[str, str] | None = None, **datasets: list[dict[str, str]]) -> Path:
    """global.csv plus one <dataset>.csv per keyword argument."""
    write_csv(folder / 'global.csv', [GLOBAL if global_row is None else global_row])
    for dataset, rows in datasets.items():
        write_csv(folder / f'{dataset}.csv', rows)
    return folder


def read_results(report: Report) -> list[dict[str, str]]:
    """The lines of a run's results_manual.csv."""
    return read_csv(report.run_dir / 'results_manual.csv')[1]


def statuses(report: Report) -> dict[tuple[str, str, str], str]:
    """{(dataset, row, action): status} from results_manual.csv."""
    return {(r['dataset'], r['row'], r['action']): r['status'] for r in read_results(report)}


def checkpoint_task(report: Report, dataset: str, row: int, action: str) -> Task | None:
    """A row x action as the run's checkpoint recorded it."""
    store = Checkpoint(report.run_dir / 'checkpoint.sqlite')
    try:
        return store.task(dataset, row, action)
    finally:
        store.close()


def location_names(sandbox) -> list[str]:
    return sorted(loc['name'] for loc in sandbox.org.locations.values())


def posts(sandbox, path: str, since: int = 0) -> list[dict[str, Any]]:
    return [w for w in sandbox.writes(since) if w['method'] == 'POST' and w['path'] == path]


def creations(sandbox, path: str) -> list[dict[str, Any]]:
    """The POSTs to ``path`` that created an entity (a request cut by a kill, with no body, created nothing)."""
    return [w for w in posts(sandbox, path) if 'created_id' in w]


def finished_tasks(checkpoint: Path) -> int:
    """Row x action pairs already recorded as finished; -1 until the run has validated its batch. A run validates
    after recording its session, so a kill or a stop from then on leaves the 'run' session that --resume follows."""
    seen = snapshot(checkpoint)
    return seen.finished if seen and seen.validated else -1


# --------------------------------------------------------------------------- a test catalogue over the sandbox
# Test doubles of actions are named demo_*, so that none is ever mistaken for (or shadows) a real action.


def _find_workspace(api, ctx, name: str):
    found = ctx.call(lambda: list(api.workspaces.list(display_name=name, org_id=ctx.org_id)))
    return next((w for w in found if w.display_name == name), None)


CREATE_WORKSPACE = Action(
    name='demo_crear_workspace',
    domain='workspaces',
    summary='Crea un workspace en una ubicación (acción de prueba).',
    params=(
        Param('name', required=True, key=True, help='nombre del workspace'),
        Param('location', required=True, depends_on='alta_ubicacion', help='ubicación (nombre o id)'),
    ),
)


def create_workspace(api, params: dict[str, Any], ctx) -> Outcome:
    from wxc_sdk.workspaces import Workspace

    location_id = resolve.location_id(api, ctx, params['location'])
    name = params['name']
    if _find_workspace(api, ctx, name) is not None:
        return Outcome('skipped', f'workspace {name!r}: ya existe')
    ctx.write(
        PlannedCall('POST', '/workspaces', {'displayName': name, 'locationId': location_id}),
        api.workspaces.create,
        Workspace(display_name=name, location_id=location_id),
        recover=lambda: _find_workspace(api, ctx, name),
    )
    return Outcome('dry_run' if ctx.dry_run else 'executed', f'workspace {name!r}: crear')


def _capacity(value: str) -> int:
    if not value.isdigit():
        raise ValueError('se esperaba un número entero')
    return int(value)


CAPACITY = ParamType('capacity', _capacity, 'número entero de plazas')

ADJUST_CAPACITY = Action(
    name='demo_ajustar_workspace',
    domain='workspaces',
    summary='Capacidad de un workspace (acción de prueba, alto impacto).',
    high_impact=True,
    params=(
        Param('workspace', required=True, key=True, column='name', depends_on='demo_crear_workspace', help='workspace'),
        Param('capacity', type=CAPACITY, required=True, help='capacidad'),
    ),
)


def adjust_capacity(api, params: dict[str, Any], ctx) -> Outcome:
    workspace = _find_workspace(api, ctx, params['workspace'])
    if workspace is None:
        raise Rejected(f'el workspace {params["workspace"]!r} no existe')

    def write(changes: dict[str, Any]) -> None:
        update = workspace.model_copy(update={'capacity': params['capacity']})
        ctx.write(
            PlannedCall('PUT', f'/workspaces/{workspace.workspace_id}', {'capacity': params['capacity']}),
            api.workspaces.update,
            workspace.workspace_id,
            update,
        )

    return converge(
        ctx,
        entity=f'workspace {params["workspace"]!r}',
        read=lambda: {'capacity': ctx.call(api.workspaces.details, workspace.workspace_id).capacity},
        desired={'capacity': params['capacity']},
        write=write,
    )


INVENTORY = Action(
    name='demo_inventariar_workspace',
    domain='workspaces',
    summary='Inventario de un workspace (acción de prueba en desarrollo).',
    status=EN_DESARROLLO,
    params=(Param('workspace', required=True, key=True, column='name', depends_on='demo_crear_workspace'),),
)

NEIGHBOUR = Action(
    name='demo_vecino_workspace',
    domain='workspaces',
    summary='Comprueba que existe otro workspace del lote (acción de prueba, solo lectura).',
    params=(
        Param('workspace', required=True, key=True, column='name', depends_on='demo_crear_workspace', help='workspace'),
        Param('neighbour', depends_on='demo_crear_workspace', help='otro workspace del lote'),
    ),
)


def check_neighbour(api, params: dict[str, Any], ctx) -> Outcome:
    if _find_workspace(api, ctx, params['neighbour']) is None:
        raise Rejected(f'el workspace vecino {params["neighbour"]!r} no existe')
    return Outcome('skipped', f'vecino {params["neighbour"]!r}: existe')


CATALOG = {
    'alta_ubicacion': (alta_ubicacion_module.ACTION, alta_ubicacion_module.alta_ubicacion),
    'demo_crear_workspace': (CREATE_WORKSPACE, create_workspace),
    'demo_inventariar_workspace': (INVENTORY, None),
    'demo_ajustar_workspace': (ADJUST_CAPACITY, adjust_capacity),
    'demo_vecino_workspace': (NEIGHBOUR, check_neighbour),
}

FAST = RetryPolicy(max_attempts=2, max_wait=1.0, base_delay=0.01, max_backoff=0.05, timeout=10.0)


@dataclass
class Runner:
    """Runs batches in-process with the test catalogue against the sandbox; sleeps are recorded, not slept."""

    sandbox: Any
    tmp_path: Path
    slept: list[float]

    @property
    def log_dir(self) -> Path:
        return self.tmp_path / 'logs'

    def connection(self) -> tuple[str, str]:
        return TOKEN, self.sandbox.base_url

    def batch(self, folder: Path, actions: tuple[str, ...], **options: Any) -> Batch:
        sources = {
            dataset: str(folder / f'{dataset}.csv')
            for dataset in ('ubicaciones', 'usuarios', 'workspaces')
            if (folder / f'{dataset}.csv').is_file()
        }
        return Batch(sources=sources, global_csv=str(folder / 'global.csv'), actions=actions, **options)

    def settings(self, **options: Any) -> Settings:
        return Settings(**{'policy': FAST, 'assume_yes': True, 'concurrency': 4, **options})

    def start(self, folder: Path, actions: tuple[str, ...], settings: Settings | None = None, **options) -> Report:
        return start_run(
            self.batch(folder, actions, **options),
            settings or self.settings(),
            self.connection(),
            log_dir=self.log_dir,
            catalog=CATALOG,
            sleep=self.slept.append,
            stream=io.StringIO(),
        )

    def resume(self, run_id: str, **options: Any) -> Report:
        """``--resume RUN_ID`` (``retry_failed=True``: ``--retry-failed``) with the test catalogue."""
        return continue_run(
            run_id,
            self.settings(concurrency=options.pop('concurrency', 4)),
            self.connection(),
            log_dir=self.log_dir,
            catalog=CATALOG,
            sleep=self.slept.append,
            stream=io.StringIO(),
            **options,
        )
