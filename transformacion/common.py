"""Contracts shared by every action: environment and token, the SDK client, CSV merge and typed
parameters, retries on 429/transient errors, JSONL evidence, and the result object printed by each run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from transformacion.csvfiles import FORMULA_WHY, CsvError, looks_like_formula, read_header, read_row
from transformacion.params import Action

STATUSES = ('executed', 'dry_run', 'skipped', 'rejected', 'error')
EXIT_CODES = {'executed': 0, 'dry_run': 0, 'skipped': 0, 'rejected': 2, 'error': 1}
MASK = '***'
_SECRET_KEY = re.compile(r'token|authorization|password|passwd|secret|passcode|api[_-]?key', re.IGNORECASE)
_BEARER = re.compile(r'(Bearer\s+)[^\s"\']+', re.IGNORECASE)
_secrets: set[str] = set()
_bound = threading.local()
#: key, inside a shared ``Context.cache``, of the per-key locks that make concurrent rows load a missing value once
_LOAD_LOCKS = object()


# --------------------------------------------------------------------------- secrets


def register_secret(value: str | None) -> None:
    """Remember a secret so that every text this process writes has it replaced by ``***``."""
    if value and len(value) >= 4:
        _secrets.add(value)


def mask_text(text: str) -> str:
    for secret in sorted(_secrets, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return _BEARER.sub(r'\1' + MASK, text)


def sanitise(value: Any) -> Any:
    """A copy of ``value`` fit for logs: secret-looking keys masked, registered secrets removed from text."""
    if isinstance(value, dict):
        return {
            k: (MASK if _SECRET_KEY.search(str(k)) and v not in (None, '') else sanitise(v)) for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [sanitise(item) for item in value]
    if isinstance(value, str):
        return mask_text(value)
    return value


def mask_argv(argv: list[str], secret_flags: set[str]) -> list[str]:
    """The command line with the values of secret options replaced by ``***``."""
    masked: list[str] = []
    hide_next = False
    for arg in argv:
        if hide_next:
            masked.append(MASK)
            hide_next = False
            continue
        flag, eq, _ = arg.partition('=')
        if flag in secret_flags:
            if eq:
                masked.append(f'{flag}={MASK}')
            else:
                masked.append(arg)
                hide_next = True
            continue
        masked.append(mask_text(arg))
    return masked


# --------------------------------------------------------------------------- outcomes


class Rejected(Exception):
    """Input or state that makes the action refuse to run; nothing was written."""

    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


@dataclass(frozen=True)
class Problem:
    """One invalid value: where it came from and what was expected."""

    file: str
    row: int | None
    column: str
    value: str
    why: str

    def __str__(self) -> str:
        where = f'{self.file}, fila {self.row}' if self.row is not None else self.file
        return f'{where}, columna {self.column}: valor {self.value!r}: {self.why}'


class InvalidParams(Rejected):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(
            f'{len(problems)} parámetro(s) no válido(s): ' + '; '.join(str(p) for p in problems),
            {'problems': [p.__dict__ for p in problems]},
        )
        self.problems = problems


@dataclass
class Outcome:
    """What a domain function returns: a status, a one-line message and the details (diff, calls, verification)."""

    status: str
    message: str
    details: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- environment, token, client


def load_runtime_env(start: Path | None = None) -> Path | None:
    """Load the first ``.env`` found in ``start`` (default: cwd) or its parents; never override set variables."""
    from dotenv import load_dotenv

    folder = (start or Path.cwd()).resolve()
    for candidate in (folder, *folder.parents):
        env_file = candidate / '.env'
        if env_file.is_file():
            load_dotenv(env_file, override=False)
            return env_file
    return None


def get_token(args: argparse.Namespace) -> str:
    """``--token`` or ``WEBEX_ACCESS_TOKEN``; missing -> Rejected. The token is registered as a secret."""
    token = getattr(args, 'token', None) or os.environ.get('WEBEX_ACCESS_TOKEN', '')
    token = token.strip()
    if not token:
        raise Rejected('falta el token: use --token o la variable WEBEX_ACCESS_TOKEN (puede ir en un fichero .env)')
    register_secret(token)
    return token


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries: attempts per call, the longest single wait, backoff for absent or bad Retry-After."""

    max_attempts: int = 6
    max_wait: float = 120.0
    base_delay: float = 1.0
    max_backoff: float = 30.0
    timeout: float = 60.0

    @classmethod
    def from_env(cls) -> RetryPolicy:
        def number(name: str, default: float) -> float:
            raw = os.environ.get(name, '').strip()
            return float(raw) if raw else default

        return cls(
            max_attempts=int(number('TRANSFORMACION_MAX_ATTEMPTS', cls.max_attempts)),
            max_wait=number('TRANSFORMACION_MAX_WAIT', cls.max_wait),
            timeout=number('TRANSFORMACION_HTTP_TIMEOUT', cls.timeout),
        )


def create_api(
    token: str,
    base_url: str | None = None,
    *,
    concurrency: int = 10,
    timeout: float = 60.0,
    controller: Any = None,
) -> Any:
    """A real ``wxc_sdk.WebexSimpleApi`` whose only retry policy is ours, pointed at ``base_url`` if given."""
    from wxc_sdk import WebexSimpleApi

    from transformacion.transport import ObservedAdapter

    api = WebexSimpleApi(tokens=token, retry_429=False, concurrent_requests=concurrency)
    base = base_url or os.environ.get('WEBEX_BASE_URL', '').strip()
    if base:
        api.session.BASE = base.rstrip('/')
    adapter = ObservedAdapter(timeout=timeout, controller=controller, pool_maxsize=concurrency)
    api.session.mount('http://', adapter)
    api.session.mount('https://', adapter)
    return api


# --------------------------------------------------------------------------- CSV merge and typed parameters


@dataclass(frozen=True)
class Origin:
    """Where a raw value came from, for error messages."""

    file: str
    row: int | None
    column: str


def apply_csv_arguments(
    action: Action,
    cli_values: dict[str, Any],
    csv_path: str | Path | None = None,
    *,
    row: int | None = None,
    match: tuple[str, str] | None = None,
    extra: dict[str, str] | None = None,
) -> tuple[dict[str, Any], dict[str, Origin], list[str]]:
    """Merge the CLI values with one CSV row: the CLI wins, missing required parameters are listed at once.

    Returns (raw values, where each came from, warnings). ``extra`` holds lower-priority defaults
    (e.g. the launcher's ``global.csv``).
    """
    values: dict[str, Any] = {}
    origins: dict[str, Origin] = {}
    warnings: list[str] = []
    csv_values: dict[str, str] = {}
    row_number: int | None = None
    csv_name = ''
    if csv_path is not None:
        path = Path(csv_path)
        try:
            row_number, csv_values = read_row(path, row=row, match=match)
        except CsvError as exc:
            raise Rejected(str(exc)) from None
        csv_name = path.name
        known = {param.csv_column for param in action.params}
        unknown = [column for column in read_header(path) if column not in known]
        if unknown:
            warnings.append(f'{csv_name}: columnas que {action.name} no usa (ignoradas): {", ".join(unknown)}')
        formulas = [
            Problem(csv_name, row_number, column, value, FORMULA_WHY)
            for column, value in csv_values.items()
            if column in known and looks_like_formula(value)
        ]
        if formulas:
            raise InvalidParams(formulas)
    for param in action.params:
        given = cli_values.get(param.name)
        if given is not None:
            values[param.name] = given
            origins[param.name] = Origin('argumento', None, param.flag)
        elif csv_values.get(param.csv_column, '') != '':
            values[param.name] = csv_values[param.csv_column]
            origins[param.name] = Origin(csv_name, row_number, param.csv_column)
        elif extra and extra.get(param.csv_column, '') != '':
            values[param.name] = extra[param.csv_column]
            origins[param.name] = Origin('global.csv', 1, param.csv_column)
    missing = [p for p in action.required if p.name not in values and p.default is None]
    if missing:
        names = ', '.join(f'{p.flag} (columna {p.csv_column})' for p in missing)
        raise Rejected(
            f'faltan parámetros obligatorios de {action.name}: {names}', {'missing': [p.name for p in missing]}
        )
    return values, origins, warnings


def _params_for_script(
    action: Action, values: dict[str, Any], origins: dict[str, Origin] | None = None
) -> dict[str, Any]:
    """Coerce raw values to their declared types and check dependencies between parameters; all errors at once."""
    origins = origins or {}
    typed: dict[str, Any] = {}
    problems: list[Problem] = []
    for param in action.params:
        raw = values.get(param.name)
        origin = origins.get(param.name, Origin('argumento', None, param.flag))
        if raw is None or raw == '':
            if param.required and param.default is None:
                problems.append(Problem(origin.file, origin.row, origin.column, '', 'es obligatorio'))
            typed[param.name] = param.default
            continue
        if not isinstance(raw, str):
            typed[param.name] = raw
            continue
        if '\x00' in raw:
            problems.append(Problem(origin.file, origin.row, origin.column, raw.replace('\x00', '\\0'), 'contiene NUL'))
            continue
        try:
            typed[param.name] = param.coerce(raw)
        except ValueError as exc:
            shown = MASK if param.secret else raw
            problems.append(Problem(origin.file, origin.row, origin.column, shown, str(exc)))
    for param in action.params:
        if typed.get(param.name) in (None, '', []):
            continue
        for needed in param.requires:
            if typed.get(needed) in (None, '', []):
                other = action.param(needed)
                origin = origins.get(param.name, Origin('argumento', None, param.flag))
                problems.append(
                    Problem(
                        origin.file,
                        origin.row,
                        origin.column,
                        str(values.get(param.name)),
                        f'necesita también {other.flag} (columna {other.csv_column})',
                    )
                )
    if problems:
        raise InvalidParams(problems)
    return typed


# --------------------------------------------------------------------------- retries


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delta-seconds or HTTP-date, RFC 9110), None if unusable."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return float(int(text))
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def backoff_delay(attempt: int, policy: RetryPolicy, rng: random.Random | None = None) -> float:
    """Capped exponential backoff with full jitter for attempt 1, 2, ..."""
    ceiling = min(policy.max_backoff, policy.base_delay * 2 ** (attempt - 1))
    return (rng or random).uniform(ceiling / 2, ceiling)


def _http_status(exc: BaseException) -> int | None:
    response = getattr(exc, 'response', None)
    return getattr(response, 'status_code', None)


def _is_transport_failure(exc: BaseException) -> bool:
    import requests

    return isinstance(exc, requests.ConnectionError | requests.Timeout | requests.exceptions.ChunkedEncodingError)


def _invoke_with_retry_after(
    fn: Callable[..., Any],
    *args: Any,
    policy: RetryPolicy | None = None,
    log: Any = None,
    idempotent: bool = True,
    recover: Callable[[], Any] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
    **kwargs: Any,
) -> Any:
    """Call ``fn`` and retry what is safe to retry.

    429: wait ``Retry-After`` (seconds or HTTP-date), or backoff when absent/malformed, capped by
    ``policy.max_wait``. 5xx, timeouts and lost connections: retried when ``idempotent``; for a create
    (``idempotent=False``) ``recover()`` reads back by natural key first and its non-None answer is
    returned instead of sending the create again; if the create is sent again and meets a 409 (the first one landed
    after the read-back), ``recover()`` is asked once more. Every retry is logged; attempts are bounded.
    """
    policy = policy or RetryPolicy()
    attempt = 0
    create_uncertain = False
    while True:
        attempt += 1
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            status = _http_status(exc)
            transient = _is_transport_failure(exc) or (status is not None and status >= 500)
            if status == 409 and create_uncertain:
                found = recover()  # type: ignore[misc]
                if log is not None:
                    log.event('response', {'kind': 'read_back_after_conflicting_resend', 'found': found is not None})
                if found is not None:
                    return found
                raise
            if status != 429 and not transient:
                raise
            if attempt >= policy.max_attempts:
                raise
            header = None
            if status == 429:
                header = exc.response.headers.get('Retry-After')  # type: ignore[attr-defined]
                parsed = parse_retry_after(header)
                wait = parsed if parsed is not None else backoff_delay(attempt, policy, rng)
            else:
                wait = backoff_delay(attempt, policy, rng)
            wait = min(wait, policy.max_wait)
            if log is not None:
                log.count_retry()
                log.event(
                    'error',
                    {
                        'kind': 'retry',
                        'call': getattr(fn, '__qualname__', str(fn)),
                        'attempt': attempt,
                        'status': status,
                        'reason': 'rate_limited' if status == 429 else 'transient',
                        'retry_after': header,
                        'wait_s': round(wait, 3),
                        'message': mask_text(str(exc))[:500],
                    },
                )
            if transient and not idempotent:
                if recover is None:
                    raise
                sleep(wait)
                found = recover()
                if log is not None:
                    log.event('response', {'kind': 'read_back_after_failed_create', 'found': found is not None})
                if found is not None:
                    return found
                create_uncertain = True
                continue
            sleep(wait)


# --------------------------------------------------------------------------- JSONL evidence


def bind_log(log: Any) -> Any:
    """Route the exchanges of the current thread to ``log`` (None unbinds); returns the previous binding."""
    previous = getattr(_bound, 'log', None)
    _bound.log = log
    return previous


def current_log() -> Any:
    return getattr(_bound, 'log', None)


def log_dir_from(value: str | Path | None = None) -> Path:
    return Path(value or os.environ.get('TRANSFORMACION_LOG_DIR', '').strip() or 'logs')


class ActionLog:
    """One JSONL evidence file: ``{ts, action_id, event, payload}`` per line, thread-safe, secrets masked.

    Several logs may append to one file (a batch's rows of one action) when they share ``lock``.
    """

    EVENTS = ('request', 'response', 'summary', 'error')

    def __init__(self, path: Path, action_id: str, lock: threading.Lock | None = None) -> None:
        self.path = path
        self.action_id = action_id
        self.api_calls = 0
        self.retries = 0
        self.throttled = 0
        self.tracking_id = ''
        self._lock = lock or threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)

    def event(self, event: str, payload: dict[str, Any], action_id: str | None = None) -> None:
        if event not in self.EVENTS:
            raise ValueError(f'evento desconocido: {event}')
        line = {
            'ts': datetime.now(UTC).isoformat(timespec='milliseconds').replace('+00:00', 'Z'),
            'action_id': action_id or self.action_id,
            'event': event,
            'payload': sanitise(payload),
        }
        text = mask_text(json.dumps(line, ensure_ascii=False, default=str))
        with self._lock, self.path.open('a', encoding='utf-8') as handle:
            handle.write(text + '\n')

    def count_call(self, status: int | None, tracking_id: str | None = None) -> None:
        with self._lock:
            self.api_calls += 1
            if status == 429:
                self.throttled += 1
            if tracking_id:
                self.tracking_id = tracking_id

    def count_retry(self) -> None:
        with self._lock:
            self.retries += 1


def new_run_id() -> str:
    return datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ') + '-' + uuid.uuid4().hex[:6]


def action_logger(
    action_name: str,
    *,
    log_dir: str | Path | None = None,
    run_id: str | None = None,
    path: Path | None = None,
    action_id: str | None = None,
) -> ActionLog:
    """The evidence file of one action execution: ``<log dir>/<accion>/<UTC timestamp>_<run id>.jsonl``."""
    run_id = run_id or new_run_id()
    if path is None:
        stamp = datetime.now(UTC).strftime('%Y%m%dT%H%M%S%fZ')
        path = log_dir_from(log_dir) / action_name / f'{stamp}_{run_id}.jsonl'
    return ActionLog(path, action_id or f'{action_name}:{run_id}')


@contextmanager
def logging_to(log: ActionLog) -> Iterator[ActionLog]:
    """Send the HTTP exchanges of this thread to ``log`` while the block runs."""
    previous = bind_log(log)
    try:
        yield log
    finally:
        bind_log(previous)


# --------------------------------------------------------------------------- the context a domain function gets


@dataclass(frozen=True)
class PlannedCall:
    """A write the action makes (or would make in dry-run), shown exactly as sent: method, path, body."""

    method: str
    path: str
    body: Any = None

    def as_dict(self) -> dict[str, Any]:
        return {'method': self.method, 'path': self.path, 'body': self.body}


@dataclass
class Context:
    """Everything a domain function needs besides the SDK client and its typed parameters."""

    log: ActionLog
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    dry_run: bool = False
    assume_yes: bool = False
    interactive: bool = False
    org_id: str | None = None
    cache: dict[str, Any] = field(default_factory=dict)
    planned: list[PlannedCall] = field(default_factory=list)
    sleep: Callable[[float], None] = time.sleep

    def call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """A read or an idempotent write, with retries."""
        return _invoke_with_retry_after(fn, *args, policy=self.policy, log=self.log, sleep=self.sleep, **kwargs)

    def write(
        self,
        planned: PlannedCall,
        fn: Callable[..., Any],
        *args: Any,
        recover: Callable[[], Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Record a planned write and, unless in dry-run, make it. A POST with ``recover`` is never replayed blindly."""
        self.planned.append(planned)
        if self.dry_run:
            return None
        idempotent = planned.method != 'POST' or recover is None
        return _invoke_with_retry_after(
            fn,
            *args,
            policy=self.policy,
            log=self.log,
            sleep=self.sleep,
            idempotent=idempotent,
            recover=recover,
            **kwargs,
        )

    def confirm(self, what: str, current: Any, desired: Any) -> None:
        """High-impact change: proceed with ``--yes`` or a 's' typed on a terminal, else Rejected."""
        if self.dry_run or self.assume_yes:
            return
        if self.interactive:
            print(f'{what}\n  actual:  {json.dumps(current, ensure_ascii=False)}', file=sys.stderr)
            print(f'  deseado: {json.dumps(desired, ensure_ascii=False)}', file=sys.stderr)
            answer = input('¿Aplicar el cambio? [s/N] ').strip().lower()
            if answer in ('s', 'si', 'sí', 'y', 'yes'):
                return
        raise Rejected(
            f'{what}: cambio de alto impacto sin confirmar; revise el estado actual y el deseado y repita con --yes',
            {'current': current, 'desired': desired},
        )

    def cached(self, key: str, load: Callable[[], Any]) -> Any:
        """A value resolved once per run (names to ids), shared by every row of a batch; rows asking for it at the
        same time wait for one load instead of each making the same calls."""
        if key not in self.cache:
            locks = self.cache.setdefault(_LOAD_LOCKS, {})  # type: ignore[call-overload]
            with locks.setdefault(key, threading.Lock()):
                if key not in self.cache:
                    self.cache[key] = load()
        return self.cache[key]


def diff(current: dict[str, Any], desired: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The fields of ``desired`` whose value differs from ``current``: ``{field: {before, after}}``."""
    return {
        key: {'before': current.get(key), 'after': value} for key, value in desired.items() if current.get(key) != value
    }


def converge(
    ctx: Context,
    *,
    entity: str,
    read: Callable[[], dict[str, Any]],
    desired: dict[str, Any],
    write: Callable[[dict[str, Any]], None],
    high_impact: bool = False,
) -> Outcome:
    """Read -> diff -> (dry-run stop) -> confirm -> write the difference -> read back and verify."""
    before = read()
    changes = diff(before, desired)
    if not changes:
        return Outcome('skipped', f'{entity}: ya está en el estado deseado', {'before': before, 'diff': {}})
    if ctx.dry_run:
        write(changes)
        return Outcome(
            'dry_run',
            f'{entity}: cambiaría {", ".join(changes)}',
            {'before': before, 'diff': changes, 'calls': [c.as_dict() for c in ctx.planned]},
        )
    if high_impact:
        ctx.confirm(entity, {k: before.get(k) for k in changes}, {k: v['after'] for k, v in changes.items()})
    write(changes)
    after = read()
    remaining = diff(after, desired)
    details = {
        'before': before,
        'diff': changes,
        'after': after,
        'calls': [c.as_dict() for c in ctx.planned],
        'verified': not remaining,
    }
    if remaining:
        return Outcome('error', f'{entity}: la verificación falla en {", ".join(remaining)}', details)
    return Outcome('executed', f'{entity}: actualizado {", ".join(changes)}', details)


# --------------------------------------------------------------------------- errors


def classify_error(exc: BaseException) -> str:
    """One of: auth, permission, not_found, conflict, invalid_input, rate_limited, transient, unexpected."""
    status = _http_status(exc)
    if status is None:
        return 'transient' if _is_transport_failure(exc) else 'unexpected'
    if status >= 500:
        return 'transient'
    return {401: 'auth', 403: 'permission', 404: 'not_found', 409: 'conflict', 429: 'rate_limited'}.get(
        status, 'invalid_input'
    )


def describe_error(exc: BaseException) -> dict[str, Any]:
    """The Webex error of an exception (status, message, tracking id), masked."""
    response = getattr(exc, 'response', None)
    info: dict[str, Any] = {'type': type(exc).__name__, 'reason': classify_error(exc), 'message': mask_text(str(exc))}
    if response is not None:
        info['status'] = response.status_code
        info['tracking_id'] = response.headers.get('Trackingid', '')
        detail = getattr(exc, 'detail', None)
        if detail is not None and not isinstance(detail, str):
            info['message'] = mask_text(getattr(detail, 'message', '') or str(exc))
            info['errors'] = [mask_text(getattr(e, 'description', '')) for e in getattr(detail, 'errors', []) or []]
    return info


# --------------------------------------------------------------------------- CLI


def build_parser(action: Action, description: str = '') -> argparse.ArgumentParser:
    """argparse options derived from the declaration, plus the options every action shares."""
    lines = [f'{action.summary}', '', f'Dataset: {action.dataset}. Estado: {action.status}.']
    if action.high_impact:
        lines.append('Alto impacto: pide --yes (o confirmación en terminal).')
    parser = argparse.ArgumentParser(
        prog=f'python -m transformacion.{action.name}',
        description='\n'.join(lines) + ('\n\n' + description if description else ''),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog='Salida: un objeto JSON {script_name, status, invocation, result, summary} en stdout. '
        'Códigos de salida: 0 executed/dry_run/skipped, 2 rejected, 1 error.',
    )
    group = parser.add_argument_group('parámetros de la acción')
    for param in action.params:
        details = [param.type.doc]
        if param.choices:
            details.append('valores: ' + ', '.join(param.choices))
        if param.default is not None:
            details.append(f'por defecto: {param.default}')
        details.append(f'columna CSV: {param.csv_column}')
        required = ' [obligatorio]' if param.required else ''
        group.add_argument(
            param.flag,
            dest=param.name,
            metavar=param.type.name.upper(),
            help=f'{param.help}{required} ({"; ".join(details)})',
        )
    shared = parser.add_argument_group('opciones comunes')
    shared.add_argument('--token', help='token de Webex (por defecto WEBEX_ACCESS_TOKEN; nunca se muestra)')
    shared.add_argument('--base-url', dest='base_url', help='URL base de la API (por defecto WEBEX_BASE_URL o Webex)')
    shared.add_argument('--org-id', dest='org_id', help='organización destino (por defecto WEBEX_ORG_ID)')
    shared.add_argument('--csv', help='CSV del que completar los parámetros no dados en la línea de comandos')
    shared.add_argument('--row', type=int, help='fila del CSV (1 = primera fila tras la cabecera)')
    shared.add_argument('--match', help='elige la fila del CSV por columna=valor')
    shared.add_argument(
        '--dry-run', dest='dry_run', action='store_true', help='muestra el cambio y las llamadas, sin escribir'
    )
    shared.add_argument('--yes', action='store_true', help='confirma cambios de alto impacto')
    shared.add_argument(
        '--log-dir', dest='log_dir', help='carpeta de logs (por defecto TRANSFORMACION_LOG_DIR o ./logs)'
    )
    return parser


def result_object(
    script_name: str, status: str, invocation: dict[str, Any], result: dict[str, Any], summary: dict[str, Any]
) -> dict[str, Any]:
    """The one JSON object every run prints on stdout (a documented, stable contract)."""
    if status not in STATUSES:
        raise ValueError(status)
    return {
        'script_name': script_name,
        'status': status,
        'invocation': sanitise(invocation),
        'result': sanitise(result),
        'summary': sanitise(summary),
    }


def refuse_if_in_development(action: Action) -> None:
    if not action.ready:
        raise Rejected(f'{action.name} está en desarrollo y todavía no se puede ejecutar (ninguna llamada a la API)')


DomainFunction = Callable[[Any, dict[str, Any], Context], Outcome]


def execute(
    action: Action,
    domain: DomainFunction | None,
    params: dict[str, Any],
    *,
    api_factory: Callable[[], Any],
    ctx: Context,
) -> Outcome:
    """Run one action on typed params, turning refusals and failures into an Outcome (never raises)."""
    try:
        refuse_if_in_development(action)
        with logging_to(ctx.log):
            ctx.log.event(
                'request', {'kind': 'action', 'action': action.name, 'params': params, 'dry_run': ctx.dry_run}
            )
            outcome = domain(api_factory(), params, ctx)  # type: ignore[misc]
    except Rejected as exc:
        outcome = Outcome('rejected', mask_text(exc.message), sanitise(exc.details))
    except Exception as exc:
        info = describe_error(exc)
        info['traceback'] = mask_text(''.join(traceback.format_exception(exc))[-4000:])
        ctx.log.event('error', info)
        outcome = Outcome('error', f'{action.name}: {info["message"]}', {'error': info})
    return outcome


def run_cli(action: Action, domain: DomainFunction | None, argv: list[str] | None = None) -> int:
    """The whole ``main()`` of an action: parse, merge CSV, validate, run, log, print the result object."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(action)
    args = parser.parse_args(argv)
    started = time.monotonic()
    load_runtime_env()
    secret_flags = {'--token'} | {p.flag for p in action.params if p.secret}
    cli_values = {p.name: getattr(args, p.name) for p in action.params}
    for param in action.params:
        if param.secret:
            register_secret(cli_values.get(param.name))
    if args.token:
        register_secret(args.token)
    invocation: dict[str, Any] = {
        'argv': mask_argv(argv, secret_flags),
        'dry_run': args.dry_run,
        'csv': args.csv,
        'row': args.row,
        'match': args.match,
    }
    log = action_logger(action.name, log_dir=args.log_dir)
    ctx = Context(
        log=log,
        policy=RetryPolicy.from_env(),
        dry_run=args.dry_run,
        assume_yes=args.yes,
        interactive=sys.stdin is not None and sys.stdin.isatty() and sys.stderr.isatty(),
        org_id=args.org_id or os.environ.get('WEBEX_ORG_ID') or None,
    )
    try:
        refuse_if_in_development(action)
        match = None
        if args.match:
            column, eq, value = args.match.partition('=')
            if not eq:
                raise Rejected(f'--match espera columna=valor, no {args.match!r}')
            match = (column.strip(), value.strip())
        raw, origins, warnings = apply_csv_arguments(action, cli_values, args.csv, row=args.row, match=match)
        for warning in warnings:
            print(f'aviso: {warning}', file=sys.stderr)
        params = _params_for_script(action, raw, origins)
        invocation['params'] = {p.name: (MASK if p.secret else params.get(p.name)) for p in action.params}
        token = get_token(args)
        base_url = args.base_url or os.environ.get('WEBEX_BASE_URL') or None
        invocation['base_url'] = base_url or 'https://webexapis.com/v1'
        outcome = execute(
            action,
            domain,
            params,
            api_factory=lambda: create_api(token, base_url, timeout=ctx.policy.timeout),
            ctx=ctx,
        )
    except Rejected as exc:
        outcome = Outcome('rejected', mask_text(exc.message), sanitise(exc.details))
    summary = {
        'message': outcome.message,
        'changed': outcome.status == 'executed' and bool(ctx.planned),
        'api_calls': log.api_calls,
        'retries': log.retries,
        'http_429': log.throttled,
        'duration_s': round(time.monotonic() - started, 3),
        'log_file': str(log.path),
    }
    log.event('summary', {'status': outcome.status, **summary})
    document = result_object(action.name, outcome.status, invocation, outcome.details, summary)
    print(json.dumps(document, ensure_ascii=False, indent=2, default=str))
    print(f'[{outcome.status}] {outcome.message}  (log: {log.path})', file=sys.stderr)
    return EXIT_CODES[outcome.status]


def action_main(module_name: str) -> Callable[[list[str] | None], int]:
    """``main`` for an action module: its declaration and its domain function (named after the action)."""

    def main(argv: list[str] | None = None) -> int:
        module = sys.modules[module_name]
        action: Action = module.ACTION
        return run_cli(action, getattr(module, action.name, None), argv)

    return main
