"""The panel's web application (Starlette): the page, its JSON API and the server-sent progress events, behind the
session token, the CSRF token and the host check of ``panel.security``."""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from transformacion.batch.options import Batch, NotStarted, Settings
from transformacion.core.catalog import DATASETS, Catalog, load_catalog
from transformacion.core.outcome import CONFIRM_PANEL, confirm_step
from transformacion.core.params import describe_rules
from transformacion.panel import history, loading, orgs, plans, rollback
from transformacion.panel.jobs import RUNNING, Busy, Jobs, progress
from transformacion.panel.lock import claim, release
from transformacion.panel.schedule import CANCELLED, FAILED, SCHEDULED, STARTED, Schedule, local_zone, parse_when
from transformacion.panel.security import (
    COOKIE,
    CSRF_HEADER,
    SAFE_METHODS,
    OutsideRoot,
    allowed_hosts,
    confined,
    csrf_token,
    same,
)

HERE = Path(__file__).parent
#: The sections of the menu, as the operators' page named them.
SECTIONS = {'ubicaciones': 'Ubicación', 'usuarios': 'Usuarios', 'workspaces': 'Workspaces'}
DEFAULT_MAX_UPLOAD = 10 * 1024 * 1024


class Refused(Exception):
    """A request the panel refuses with a status and a message for the operator."""

    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.message, self.extra = status, message, extra


@dataclass
class Panel:
    """What the application serves: the folders it may read, the session token, the connection to Webex (or the
    sandbox), the limits. ``connection`` returns (token, base URL) and raises NotStarted without credentials.
    ``zone`` (IANA name): the zone of the scheduled times typed and shown; ``schedule_grace``: seconds a scheduled run
    may start late (the panel was stopped at its time, another run was in progress), past them it fails;
    ``schedule_retry``: seconds between the tries of a scheduled run while another run is in progress."""

    input_root: Path
    log_dir: Path
    token: str
    connection: Callable[[], tuple[str, str | None]]
    host: str = '127.0.0.1'
    port: int = 0
    sandbox: bool = False
    org_id: str | None = None
    #: the panel's own ``--token`` / ``--base-url`` / ``--org-id`` (``token``, ``base_url``, ``org_id``), combined with
    #: a folder's or a run's variables file as the launcher does (``panel.orgs``); None: no options of its own
    options: argparse.Namespace | None = None
    max_upload: int = DEFAULT_MAX_UPLOAD
    zone: str = field(default_factory=local_zone)
    schedule_grace: int = 15 * 60
    schedule_retry: float = 30.0
    catalog: Catalog = field(default_factory=load_catalog)
    inputs: dict[str, loading.Loaded] = field(default_factory=dict)

    @property
    def uploads(self) -> Path:
        return self.log_dir / 'panel' / 'uploads'

    @property
    def csrf(self) -> str:
        return csrf_token(self.token)

    @property
    def own(self) -> orgs.Target:
        """The panel's own connection and org."""
        return orgs.Target(self.connection, self.org_id)

    @property
    def org_options(self) -> argparse.Namespace | None:
        """The options a folder's or a run's variables file is combined with; None with ``--sandbox`` (every run
        in the demo org)."""
        if self.sandbox:
            return None
        return self.options or argparse.Namespace(token=None, base_url=None, org_id=self.org_id)

    def folder_of(self, reference: str) -> Path:
        """A folder the operator names: a loaded input's id, or a path under the input root or the uploads."""
        if reference in self.inputs:
            return self.inputs[reference].folder
        for root in (self.input_root, self.uploads):
            try:
                path = Path(reference)
                relative = str(path.relative_to(root.resolve())) if path.is_absolute() else reference
                folder = confined(root, relative) if relative != '.' else root.resolve()
            except (OutsideRoot, ValueError):
                continue
            if folder.is_dir():
                return folder
        raise Refused(403, f'{reference!r} no es una carpeta de la raíz de entrada ni una subida')


class Guard(BaseHTTPMiddleware):
    """Host check, session token (cookie or ``Authorization: Bearer``; ``/?token=`` sets the cookie), CSRF header and
    origin on every state-changing request, size limit of request bodies."""

    async def dispatch(self, request: Request, call_next: Callable[..., Any]) -> Response:
        panel: Panel = request.app.state.panel
        hosts = allowed_hosts(panel.host, panel.port)
        if request.headers.get('host') not in hosts:
            return JSONResponse({'error': 'cabecera Host no admitida'}, status_code=400)
        given = request.query_params.get('token')
        if request.url.path == '/' and given is not None:
            if not same(panel.token, given):
                return JSONResponse({'error': 'token de sesión no válido'}, status_code=401)
            response = RedirectResponse('/', status_code=303)
            response.set_cookie(COOKIE, panel.token, httponly=True, samesite='strict')
            return response
        bearer = request.headers.get('authorization', '').removeprefix('Bearer ').strip()
        if not (same(panel.token, request.cookies.get(COOKIE)) or same(panel.token, bearer)):
            return JSONResponse(
                {'error': 'se necesita el token de sesión: abra la dirección PANEL_URL que imprimió el panel'},
                status_code=401,
            )
        if request.method not in SAFE_METHODS:
            origin = request.headers.get('origin')
            if origin is not None and origin.removeprefix('http://') not in hosts:
                return JSONResponse({'error': 'origen no admitido'}, status_code=403)
            if not same(panel.csrf, request.headers.get(CSRF_HEADER)):
                return JSONResponse({'error': 'falta el token CSRF o no es válido'}, status_code=403)
            length = request.headers.get('content-length')
            if length is None and request.headers.get('transfer-encoding'):
                return JSONResponse({'error': 'se necesita Content-Length'}, status_code=411)
            if length is not None and (not length.isdigit() or int(length) > panel.max_upload):
                limit = panel.max_upload // (1024 * 1024) or 1
                return JSONResponse({'error': f'la petición supera el límite de {limit} MiB'}, status_code=413)
        response = await call_next(request)
        response.headers['X-Content-Type-Options'] = 'nosniff'
        response.headers['X-Frame-Options'] = 'DENY'
        response.headers['Referrer-Policy'] = 'no-referrer'
        response.headers['Content-Security-Policy'] = (
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'"
        )
        return response


def _panel(request: Request) -> Panel:
    return request.app.state.panel


async def _body(request: Request) -> dict[str, Any]:
    try:
        data = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise Refused(400, 'el cuerpo debe ser un objeto JSON') from None
    if not isinstance(data, dict):
        raise Refused(400, 'el cuerpo debe ser un objeto JSON')
    return data


def endpoint(fn: Callable[..., Any]) -> Callable[[Request], Any]:
    """A JSON endpoint: Refused, NotStarted, Busy and OutsideRoot become the operator's message with their status."""

    async def wrapped(request: Request) -> Response:
        try:
            result = await fn(request)
        except Refused as exc:
            return JSONResponse({'error': exc.message, **exc.extra}, status_code=exc.status)
        except OutsideRoot as exc:
            return JSONResponse({'error': str(exc)}, status_code=403)
        except history.UnknownRun as exc:
            return JSONResponse({'error': f'no existe la ejecución {exc}'}, status_code=404)
        except NotStarted as exc:
            return JSONResponse({'error': str(exc)}, status_code=409)
        except Busy as exc:
            return JSONResponse({'error': str(exc)}, status_code=409)
        return result if isinstance(result, Response) else JSONResponse(result)

    return wrapped


# --------------------------------------------------------------------------- page and catalogue


async def index(request: Request) -> Response:
    panel = _panel(request)
    return request.app.state.templates.TemplateResponse(
        request, 'index.html', {'csrf': panel.csrf, 'sandbox': panel.sandbox, 'sections': SECTIONS}
    )


def _param(param: Any) -> dict[str, Any]:
    return {
        'name': param.name,
        'column': param.csv_column,
        'type': param.type.name,
        'required': param.required,
        'key': param.key,
        'choices': list(param.choices),
        'default': param.default,
        'help': param.help,
    }


@endpoint
async def catalog(request: Request) -> dict[str, Any]:
    panel = _panel(request)
    sections = {name: {'label': label, 'dataset': DATASETS[name], 'actions': []} for name, label in SECTIONS.items()}
    for name, (action, _) in panel.catalog.items():
        sections[action.domain]['actions'].append(
            {
                'name': name,
                'domain': action.domain,
                'summary': action.summary,
                'ready': action.ready,
                'status': action.status,
                'high_impact': action.high_impact,
                'params': [_param(p) for p in action.params],
                'rules': describe_rules(action),
            }
        )
    return {'sections': sections, 'sandbox': panel.sandbox}


# --------------------------------------------------------------------------- load


def _validated(panel: Panel, folder: Path, actions: list[str] | None = None) -> dict[str, Any]:
    """``loading.validate`` of ``folder`` and ``org``: where it acts (``orgs.shown``: its own variables file, its
    global's org or the panel's connection), or why that cannot be told (``message``); with ``--sandbox`` the message
    also says that the folder's own variables file is not used, as the launcher does."""
    own = panel.own
    try:
        _, target = _folder_target(panel, folder, actions)
        found = orgs.shown(target, own)
    except NotStarted as exc:
        found = {'org_id': None, 'env_file': None, 'variables': [], 'own': False, 'message': str(exc)}
    notice = orgs.sandbox_notice(folder) if panel.sandbox else None
    if notice:
        found['message'] = f'{found["message"]}; {notice}'
    return {**loading.validate(folder, panel.catalog, actions), 'org': found}


def _folder_target(panel: Panel, folder: Path, actions: list[str] | None, **options: Any) -> tuple[Batch, orgs.Target]:
    def make(reading: dict[str, Any]) -> Batch:
        return loading.make_batch(folder, panel.catalog, actions, reading=reading, **options)[0]

    return orgs.folder_target(folder, make, panel.catalog, panel.own, panel.org_options)


def _run_target(panel: Panel, folder: Path, *, plan: bool = False) -> orgs.Target:
    return orgs.run_target(folder, panel.log_dir, panel.own, panel.org_options, plan=plan)


def _loaded(panel: Panel, folder: Path, label: str, actions: list[str] | None = None) -> dict[str, Any]:
    """Remember a loaded input under a new id and validate it."""
    key = str(len(panel.inputs) + 1)
    panel.inputs[key] = loading.Loaded(key, folder, label)
    return {'input': key, 'label': label, **_validated(panel, folder, actions)}


@endpoint
async def folders(request: Request) -> dict[str, Any]:
    panel = _panel(request)
    return {'root': str(panel.input_root), 'folders': loading.folders(panel.input_root.resolve())}


@endpoint
async def load(request: Request) -> dict[str, Any]:
    panel = _panel(request)
    body = await _body(request)
    relative = str(body.get('folder') or '')
    folder = panel.input_root.resolve() if relative == '.' else confined(panel.input_root, relative)
    if not folder.is_dir():
        raise Refused(404, f'no existe la carpeta {relative!r} en la raíz de entrada')
    return _loaded(panel, folder, relative)


@endpoint
async def revalidate(request: Request) -> dict[str, Any]:
    panel = _panel(request)
    loaded = panel.inputs.get(request.path_params['input'])
    if loaded is None:
        raise Refused(404, 'entrada desconocida: cárguela de nuevo')
    body = await _body(request)
    actions = body.get('actions') or None
    return {'input': loaded.id, 'label': loaded.label, **_validated(panel, loaded.folder, actions)}


@endpoint
async def upload(request: Request) -> dict[str, Any]:
    panel = _panel(request)
    async with request.form(max_files=10, max_fields=10, max_part_size=panel.max_upload) as form:
        files = []
        for item in form.getlist('files'):
            if isinstance(item, str):
                continue
            content = await item.read(panel.max_upload + 1)
            if len(content) > panel.max_upload:
                raise Refused(413, f'{item.filename} supera el límite de subida')
            files.append((item.filename or '', content))
    if not files:
        raise Refused(400, 'no se subió ningún fichero')
    try:
        folder = loading.save_uploads(files, panel.uploads)
    except ValueError as exc:
        raise Refused(400, str(exc)) from None
    return _loaded(panel, folder, 'subida: ' + ', '.join(name for name, _ in files))


@endpoint
async def form(request: Request) -> dict[str, Any]:
    panel = _panel(request)
    body = await _body(request)
    name = str(body.get('action') or '')
    if name not in panel.catalog:
        raise Refused(404, f'acción desconocida: {name}')
    action = panel.catalog[name][0]
    values = {str(k): str(v) for k, v in (body.get('values') or {}).items() if v not in (None, '')}
    folder = loading.save_form(action, values, panel.uploads)
    return _loaded(panel, folder, f'formulario: {name}', [name])


# --------------------------------------------------------------------------- plan and execute


def _settings(body: dict[str, Any], target: orgs.Target, *, confirm: bool = False) -> Settings:
    concurrency = int(body.get('concurrency') or 0)
    return Settings(
        concurrency=max(1, min(concurrency, 32)) if concurrency else Settings().concurrency,
        assume_yes=confirm,
        org_id=target.org_id,
        confirm_with=CONFIRM_PANEL,
    )


def _batch(panel: Panel, body: dict[str, Any], *, dry_run: bool) -> tuple[Batch, orgs.Target]:
    if not body.get('input'):
        plan = '' if dry_run else ' (o "plan": el id de un plan)'
        raise Refused(400, f'falta "input": el id de una carpeta cargada o una carpeta de la raíz de entrada{plan}')
    folder = panel.folder_of(str(body['input']))
    actions = [str(a) for a in body.get('actions') or []] or None
    for name in actions or ():
        if name not in panel.catalog:
            raise Refused(404, f'acción desconocida: {name}')
        if not panel.catalog[name][0].ready:
            raise Refused(409, f'{name} está en desarrollo: no se puede planificar ni ejecutar')
    row = int(body['row']) if body.get('mode') == 'single' and body.get('row') else None
    chunk = int(body.get('chunk_size') or 0) or None
    return _folder_target(panel, folder, actions, row=row, dry_run=dry_run, chunk_size=chunk)


def _job(job: Any, panel: Panel) -> dict[str, Any]:
    return progress(job, panel.log_dir / 'runs')


@endpoint
async def plan(request: Request) -> dict[str, Any]:
    panel = _panel(request)
    body = await _body(request)
    batch, target = _batch(panel, body, dry_run=True)
    job = request.app.state.jobs.start('plan', batch, _settings(body, target), target.connect)
    return _job(job, panel)


def _int_query(request: Request, name: str, default: int, lowest: int = 0, highest: int | None = None) -> int:
    text = request.query_params.get(name)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        raise Refused(400, f'{name} debe ser un número entero, no {text!r}') from None
    if value < lowest or (highest is not None and value > highest):
        span = f'estar entre {lowest} y {highest}' if highest is not None else f'ser {lowest} o más'
        raise Refused(400, f'{name} debe {span}, no {value}')
    return value


@endpoint
async def plan_view(request: Request) -> Response | dict[str, Any]:
    panel = _panel(request)
    folder = history.run_dir(panel.log_dir, request.path_params['run'])
    name = request.path_params.get('name')
    if name is None:
        limit = _int_query(request, 'limit', plans.PAGE, lowest=1, highest=plans.MAX_PAGE)
        return plans.view(folder, _int_query(request, 'offset', 0), limit)
    if name not in ('plan.json', 'plan.csv') or not (folder / name).is_file():
        raise Refused(404, f'{name} no está en la ejecución')
    return FileResponse(folder / name, filename=f'{folder.name}-{name}')


def execute_request(panel: Panel, jobs: Jobs, body: dict[str, Any]) -> Any:
    """Start the real run of a plan (a dry-run's run id: its plan.json applied as ``--apply`` does) or of an input
    folder; a plan with changes that need confirmation is refused (409 listing them) unless ``confirm``. Each acts
    where the launcher would (``panel.orgs``): a plan with the variables file of its dry-run, a folder with its own."""
    confirm = bool(body.get('confirm'))
    if body.get('plan'):
        folder = history.run_dir(panel.log_dir, str(body['plan']))
        if not confirm:
            count, pending = plans.confirmations(folder)
            if count:
                raise Refused(
                    409,
                    f'{count} cambio(s) de alto impacto necesitan confirmación: '
                    f'{confirm_step(CONFIRM_PANEL, "ejecute")} (en la API, "confirm": true)',
                    confirm=pending,
                )
        target = _run_target(panel, folder, plan=True)
        return jobs.apply(folder, _settings(body, target, confirm=confirm), panel.catalog, target.connect)
    batch, target = _batch(panel, body, dry_run=False)
    return jobs.start('execute', batch, _settings(body, target, confirm=confirm), target.connect)


@endpoint
async def execute(request: Request) -> dict[str, Any]:
    panel = _panel(request)
    job = execute_request(panel, request.app.state.jobs, await _body(request))
    return _job(job, panel)


@endpoint
async def job_state(request: Request) -> dict[str, Any]:
    job = request.app.state.jobs.get(request.path_params['job'])
    if job is None:
        raise Refused(404, 'trabajo desconocido')
    return _job(job, _panel(request))


@endpoint
async def job_stop(request: Request) -> dict[str, Any]:
    jobs = request.app.state.jobs
    if not jobs.stop(request.path_params['job']):
        raise Refused(409, 'ese trabajo no está en curso')
    return _job(jobs.get(request.path_params['job']), _panel(request))


async def job_events(request: Request) -> Response:
    """Server-sent events: the job's progress (``progress``) every half second until it ends, then ``end``."""
    panel = _panel(request)
    job = request.app.state.jobs.get(request.path_params['job'])
    if job is None:
        return JSONResponse({'error': 'trabajo desconocido'}, status_code=404)

    async def events() -> Any:
        while True:
            state = _job(job, panel)
            finished = job.state != RUNNING
            yield f'event: {"end" if finished else "progress"}\ndata: {json.dumps(state, default=str)}\n\n'
            if finished or await request.is_disconnected():
                return
            await asyncio.sleep(0.5)

    return StreamingResponse(events(), media_type='text/event-stream', headers={'Cache-Control': 'no-cache'})


@endpoint
async def resume(request: Request) -> dict[str, Any]:
    panel = _panel(request)
    run = request.path_params['run']
    history.run_dir(panel.log_dir, run)
    body = await _body(request)
    retry = request.url.path.endswith('/retry')
    target = _run_target(panel, history.run_dir(panel.log_dir, run))
    settings = _settings(body, target, confirm=bool(body.get('confirm')))
    with history.opened(history.run_dir(panel.log_dir, run)) as store:
        catalog = rollback.catalog_of(store)
    job = request.app.state.jobs.resume(run, settings, catalog, target.connect, retry_failed=retry)
    return _job(job, panel)


# --------------------------------------------------------------------------- history


@endpoint
async def runs(request: Request) -> dict[str, Any]:
    panel = _panel(request)
    q = request.query_params
    return {
        'runs': history.runs(
            panel.log_dir,
            org=q.get('org', ''),
            status=q.get('status', ''),
            since=q.get('since', ''),
            until=q.get('until', ''),
        )
    }


@endpoint
async def run_detail(request: Request) -> dict[str, Any]:
    panel = _panel(request)
    return history.detail(history.run_dir(panel.log_dir, request.path_params['run']))


@endpoint
async def run_evidence(request: Request) -> dict[str, Any]:
    panel = _panel(request)
    folder = history.run_dir(panel.log_dir, request.path_params['run'])
    q = request.query_params
    try:
        row = int(q.get('row', ''))
    except ValueError:
        raise Refused(400, 'fila no válida') from None
    return {'events': history.evidence(folder, q.get('action', ''), q.get('dataset', ''), row)}


@endpoint
async def run_file(request: Request) -> Response:
    panel = _panel(request)
    folder = history.run_dir(panel.log_dir, request.path_params['run'])
    name = request.path_params['name']
    if name not in history.DOWNLOADS or not (folder / name).is_file():
        raise Refused(404, f'{name} no está en la ejecución')
    return FileResponse(folder / name, filename=f'{folder.name}-{name}')


@endpoint
async def revert(request: Request) -> dict[str, Any]:
    panel = _panel(request)
    folder = history.run_dir(panel.log_dir, request.path_params['run'])
    body = await _body(request)
    dry_run = body.get('dry_run', True) is not False
    target = _run_target(panel, folder)
    settings = _settings(body, target, confirm=True)
    job = rollback.revert_job(request.app.state.jobs, folder, settings, target.connect, dry_run=dry_run)
    return _job(job, panel)


# --------------------------------------------------------------------------- schedule


@endpoint
async def schedule_list(request: Request) -> dict[str, Any]:
    return {'zone': _panel(request).zone, 'entries': request.app.state.schedule.entries()}


@endpoint
async def schedule_add(request: Request) -> dict[str, Any]:
    panel = _panel(request)
    body = await _body(request)
    try:
        when = parse_when(str(body.get('at') or ''), ZoneInfo(panel.zone))
    except ValueError as exc:
        raise Refused(400, str(exc)) from None
    wanted = {k: body[k] for k in ('plan', 'input', 'actions', 'confirm', 'concurrency') if body.get(k)}
    if 'plan' not in wanted and 'input' not in wanted:
        raise Refused(400, 'indique un plan o una carpeta de entrada')
    if 'plan' in wanted:  # a plan wins over a folder, as in a manual run: it must exist
        history.run_dir(panel.log_dir, str(wanted['plan']))
    if 'input' in wanted:
        wanted['input'] = str(panel.folder_of(str(wanted['input'])))
    try:
        return request.app.state.schedule.add(when, wanted)
    except ValueError as exc:
        raise Refused(400, str(exc)) from None


#: why an entry that is no longer ``programada`` cannot be cancelled, by its state
_NOT_CANCELLED = {
    CANCELLED: 'esa ejecución programada ya está cancelada',
    STARTED: 'esa ejecución programada ya se lanzó: deténgala desde su trabajo o su historial',
    FAILED: 'esa ejecución programada ya falló: no hay nada que cancelar',
}


@endpoint
async def schedule_cancel(request: Request) -> dict[str, Any]:
    was = request.app.state.schedule.cancel(request.path_params['entry'])
    if was is None:
        raise Refused(404, 'no hay ninguna ejecución programada con ese id')
    if was != SCHEDULED:
        raise Refused(409, _NOT_CANCELLED[was])
    return {'zone': _panel(request).zone, 'entries': request.app.state.schedule.entries()}


# --------------------------------------------------------------------------- the application


def create_app(panel: Panel, lock: IO[str] | None = None) -> Starlette:
    """The application for ``panel``; its scheduled runs are timed while the application runs (lifespan). ``lock``:
    the panel's lock on its logs folder (``panel.lock.claim``) when the command already holds it; None: the
    application claims it while it runs, and its start fails with PanelRunning when another panel holds it."""
    from contextlib import asynccontextmanager

    jobs = Jobs(panel.log_dir)

    def launch(request: dict[str, Any]) -> str:
        return execute_request(panel, jobs, request).id

    schedule = Schedule(
        panel.log_dir / 'panel',
        launch,
        retry_on=Busy,
        zone=panel.zone,
        grace=panel.schedule_grace,
        retry=panel.schedule_retry,
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> Any:
        held = lock or claim(panel.log_dir / 'panel', f'http://{panel.host}:{panel.port}/')
        try:
            schedule.start()
            yield
            schedule.stop()
        finally:
            if lock is None:
                release(held)

    post = ['POST']
    routes = [
        Route('/', index),
        Route('/api/catalog', catalog),
        Route('/api/folders', folders),
        Route('/api/load', load, methods=post),
        Route('/api/upload', upload, methods=post),
        Route('/api/form', form, methods=post),
        Route('/api/inputs/{input}/validate', revalidate, methods=post),
        Route('/api/plan', plan, methods=post),
        Route('/api/plans/{run}', plan_view),
        Route('/api/plans/{run}/{name:str}', plan_view),
        Route('/api/execute', execute, methods=post),
        Route('/api/jobs/{job}', job_state),
        Route('/api/jobs/{job}/events', job_events),
        Route('/api/jobs/{job}/stop', job_stop, methods=post),
        Route('/api/runs', runs),
        Route('/api/runs/{run}', run_detail),
        Route('/api/runs/{run}/evidence', run_evidence),
        Route('/api/runs/{run}/files/{name:str}', run_file),
        Route('/api/runs/{run}/resume', resume, methods=post),
        Route('/api/runs/{run}/retry', resume, methods=post),
        Route('/api/runs/{run}/revert', revert, methods=post),
        Route('/api/schedule', schedule_list),
        Route('/api/schedule', schedule_add, methods=post),
        Route('/api/schedule/{entry}/cancel', schedule_cancel, methods=post),
        Mount('/static', StaticFiles(directory=HERE / 'static'), name='static'),
    ]
    app = Starlette(routes=routes, middleware=[Middleware(Guard)], lifespan=lifespan)
    app.state.panel = panel
    app.state.jobs = jobs
    app.state.schedule = schedule
    app.state.templates = Jinja2Templates(directory=HERE / 'templates')
    return app
