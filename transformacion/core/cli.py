"""The command line of every command of the product.

- One option bundle for the connection and the evidence (``add_connection_options``: ``--token``, ``--base-url``,
  ``--org-id``, ``--log-dir``), attached to the actions, the launcher, the bulk runner and generar_csv_candidatos, and
  the functions that read it back (``connection_from``, ``org_id_from``).
- One result envelope (``Reply``, ``capture``, ``emit``): a command's library call returns a ``Reply`` (or raises);
  ``capture`` turns ``Rejected`` into ``rejected`` and any other exception into ``error`` with a masked traceback;
  ``emit`` prints the one result object ``{script_name, status, invocation, result, summary}`` on stdout, what the
  operator reads on stderr, and returns the exit code (``rejected`` 2, ``error`` 1, unless the reply says otherwise).
  Every ``main()`` is then "parse, call the library, emit".
- The ``main()`` of an action: argparse derived from its declaration, the CSV merge, the run of its domain function
  turned into an Outcome.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from transformacion.core import argparse_es
from transformacion.core.arguments import _params_for_script, apply_csv_arguments, row_context
from transformacion.core.client import create_api, get_token, load_runtime_env
from transformacion.core.columns import org_licenses
from transformacion.core.context import Context
from transformacion.core.evidence import ActionLog, action_logger, close_files, logging_to
from transformacion.core.outcome import EXIT_CODES, Outcome, Rejected, result_object
from transformacion.core.params import Action, describe_rules
from transformacion.core.planfile import key_names, single_action_plan, write_files
from transformacion.core.retry import RetryPolicy, describe_error
from transformacion.core.secrets import mask_argv, mask_text, register_argv_secrets, sanitise

#: The options whose value is never shown (in the invocation echo, the logs or a traceback).
SECRET_OPTIONS = frozenset({'--token'})
DEFAULT_BASE_URL = 'https://webexapis.com/v1'
RESULT_EPILOG = 'Salida: un objeto JSON {script_name, status, invocation, result, summary} en stdout.'

# --------------------------------------------------------------------------- the shared options


def add_connection_options(container: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """``--token``, ``--base-url``, ``--org-id`` and ``--log-dir``, declared once for every command that calls Webex.

    Read them back with ``connection_from`` and ``org_id_from``; ``--log-dir`` goes to ``action_logger`` /
    ``log_dir_from``.
    """
    container.add_argument('--token', help='token de Webex (por defecto WEBEX_ACCESS_TOKEN; nunca se muestra)')
    container.add_argument(
        '--base-url', dest='base_url', help=f'URL base de la API (por defecto WEBEX_BASE_URL o {DEFAULT_BASE_URL})'
    )
    container.add_argument('--org-id', dest='org_id', help='organización destino (por defecto WEBEX_ORG_ID)')
    container.add_argument(
        '--log-dir', dest='log_dir', help='carpeta de logs (por defecto TRANSFORMACION_LOG_DIR o ./logs)'
    )


def command_parser(
    script_name: str,
    description: str,
    exit_codes: str,
    *,
    parser_class: type[argparse.ArgumentParser] | None = None,
) -> argparse.ArgumentParser:
    """The parser of ``python -m transformacion.<script_name>``: ``description`` as written (line breaks kept) and an
    epilog naming the result object and the ``exit_codes``; argparse's error messages in Spanish
    (``core.argparse_es``)."""
    argparse_es.install()
    return (parser_class or CommandParser)(
        prog=f'python -m transformacion.{script_name}',
        description=description,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=f'{RESULT_EPILOG} Códigos de salida: {exit_codes}',
    )


def connection_from(args: argparse.Namespace) -> tuple[str, str | None]:
    """(token, base URL) from ``--token`` / ``--base-url`` or ``WEBEX_ACCESS_TOKEN`` / ``WEBEX_BASE_URL``.

    The base URL is None for Webex itself. Rejected when there is no token; the token is registered as a secret.
    """
    return get_token(args), args.base_url or os.environ.get('WEBEX_BASE_URL') or None


def org_id_from(args: argparse.Namespace) -> str | None:
    """``--org-id`` or ``WEBEX_ORG_ID``; None for the token's own organisation."""
    return args.org_id or os.environ.get('WEBEX_ORG_ID') or None


def invocation_from(argv: list[str], secret_flags: Iterable[str] = (), **fields: Any) -> dict[str, Any]:
    """The invocation echo of the result object: the masked command line (``SECRET_OPTIONS`` and ``secret_flags``
    show ``***``) plus ``fields``."""
    return {'argv': mask_argv(argv, SECRET_OPTIONS | set(secret_flags)), **fields}


# --------------------------------------------------------------------------- the result envelope


@dataclass
class Reply:
    """How a command ended, before it is printed.

    ``status`` is one of ``STATUSES``; ``message`` one line for the operator (it heads the summary); ``result`` and
    ``summary`` the command's own fields of the result object; ``text`` what the operator reads on stderr before the
    status line; ``exit_code`` overrides ``EXIT_CODES[status]``; ``status_line`` prints ``[status] message  (where)``
    last on stderr (``where`` defaults to the log file).
    """

    status: str
    message: str
    result: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    text: str = ''
    exit_code: int | None = None
    status_line: bool = True
    where: str = ''


def error_info(exc: BaseException) -> dict[str, Any]:
    """``describe_error`` plus the masked traceback (its last 4,000 characters)."""
    info = describe_error(exc)
    info['traceback'] = mask_text(''.join(traceback.format_exception(exc))[-4000:])
    return info


def capture(script_name: str, work: Callable[[], Reply], *, log: ActionLog | None = None) -> Reply:
    """Run ``work``: its Reply, or ``rejected`` for a Rejected (masked message, its details as the result), or
    ``error`` for any other exception (``result.error`` = ``error_info``, also logged as an ``error`` event)."""
    try:
        return work()
    except Rejected as exc:
        return Reply('rejected', mask_text(exc.message), sanitise(exc.details))
    except Exception as exc:
        info = error_info(exc)
        if log is not None:
            log.event('error', info)
        return Reply('error', f'{script_name}: {info["message"]}', {'error': info})


def emit(
    script_name: str,
    invocation: dict[str, Any],
    reply: Reply,
    *,
    log: ActionLog | None = None,
    started: float | None = None,
) -> int:
    """Print the result object of ``reply`` on stdout and the operator's lines on stderr; return the exit code.

    The summary is ``{message, **reply.summary}``, plus, with a ``log``, its API calls, retries, 429s and file (and a
    ``summary`` event in it), and with ``started`` (``time.monotonic()``), ``duration_s``.
    """
    summary: dict[str, Any] = {'message': reply.message, **reply.summary}
    if log is not None:
        summary.update(api_calls=log.api_calls, retries=log.retries, http_429=log.throttled)
    if started is not None:
        summary['duration_s'] = round(time.monotonic() - started, 3)
    if log is not None:
        summary['log_file'] = str(log.path)
        log.event('summary', {'status': reply.status, **summary})
    document = result_object(script_name, reply.status, invocation, reply.result, summary)
    print(json.dumps(document, ensure_ascii=False, indent=2, default=str))
    if reply.text:
        print(reply.text, file=sys.stderr)
    if reply.status_line:
        where = reply.where or (f'log: {log.path}' if log is not None else '')
        print(f'[{reply.status}] {reply.message}' + (f'  ({where})' if where else ''), file=sys.stderr)
    return EXIT_CODES[reply.status] if reply.exit_code is None else reply.exit_code


# --------------------------------------------------------------------------- an action's command line


def freeze_heap() -> bool:
    """Import wxc_sdk with the cyclic garbage collector off, then take everything the process holds (its modules:
    wxc_sdk's pydantic models among them, about 130,000 objects; the parsed options) out of the collector's
    collections (``gc.freeze``), once per process, as a batch command starts its work; whether this call froze it.

    Those objects live as long as the process, yet the collector walked them: twice while wxc_sdk's models were
    built, then at every full collection of the run; measured with ``gc.callbacks`` on a 1,000-row batch at no
    latency, 0.32 s of collections (0.19 s of them full ones), all of it holding the interpreter's lock, against
    0.07 s now. Objects made later are collected as before; what was unreachable already at the freeze stays in
    memory (what the imports left behind)."""
    if gc.get_freeze_count():
        return False
    enabled = gc.isenabled()
    gc.disable()
    try:
        import wxc_sdk  # noqa: F401  (the bulk of what is frozen: built here without the collector walking it)

        gc.freeze()
    finally:
        if enabled:
            gc.enable()
    return True


def end_process(code: int) -> int:
    """End a batch command's process with exit ``code`` as soon as its run is over: its evidence files closed (their
    compressions done), stdout and stderr flushed, then ``os._exit``, without the interpreter's teardown of every
    module and object (about 0.2 s of CPU with wxc_sdk's models loaded, measured: a tenth of a 1,000-row batch at
    no latency). Nothing is lost: what a run keeps is on disk as it happens (a kill -9 at any moment loses nothing)
    and the checkpoint is closed by then. When a thread that a normal exit would wait for is still running, returns
    ``code`` for that normal exit instead."""
    close_files()
    current = threading.current_thread()
    if any(thread is not current and not thread.daemon for thread in threading.enumerate()):
        return code
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe or stream: nothing more can be shown
            pass
    os._exit(code)


class UsageError(Exception):
    """An option the command line of an action does not accept (argparse's message)."""


class CommandParser(argparse.ArgumentParser):
    """argparse that registers the values the command line gives to ``SECRET_OPTIONS`` (abbreviated too) as
    secrets before it parses (its own error messages quote what they refuse), and keeps that command line
    (``argv``) for the error reports of its subclasses."""

    argv: list[str] = []

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:  # type: ignore[override]
        self.argv = list(sys.argv[1:] if args is None else args)
        register_argv_secrets(self.argv, SECRET_OPTIONS)
        return super().parse_known_args(args, namespace)

    def masked(self, message: str) -> str:
        """An error ``message`` of this parser with the secrets of the command line masked, also those given to a
        misspelt secret option (``--tokn VALUE``: argparse quotes it as unrecognised)."""
        register_argv_secrets(self.argv, SECRET_OPTIONS, misspelt=True)
        return mask_text(message)


class _ActionParser(CommandParser):
    """argparse whose usage errors become a ``rejected`` result object instead of argparse's own exit 2."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(self.masked(message))


def build_parser(action: Action, description: str = '') -> argparse.ArgumentParser:
    """argparse options derived from the declaration, plus the options every action shares."""
    lines = [f'{action.summary}', '', f'Dataset: {action.dataset}. Estado: {action.status}.']
    if action.high_impact:
        lines.append('Alto impacto: pide --yes (o confirmación en terminal).')
    lines += ['Reglas entre parámetros:', *(f'  - {rule}' for rule in describe_rules(action))] if action.rules else []
    parser = command_parser(
        action.name,
        '\n'.join(lines) + ('\n\n' + description if description else ''),
        '0 executed/dry_run/skipped, 2 rejected, 1 error.',
        parser_class=_ActionParser,
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
    add_connection_options(shared)
    shared.add_argument(
        '--csv', help='CSV (o libro .xlsx) del que completar los parámetros no dados en la línea de comandos'
    )
    shared.add_argument('--sheet', help='hoja del libro de --csv (por defecto la que se llama como el dataset)')
    shared.add_argument(
        '--column-map', dest='column_map', metavar='FICHERO', help='cómo leer las columnas de --csv (JSON; ver README)'
    )
    shared.add_argument('--row', type=int, help='fila del CSV (1 = primera fila tras la cabecera)')
    shared.add_argument('--match', help='elige la fila del CSV por columna=valor')
    shared.add_argument(
        '--dry-run', dest='dry_run', action='store_true', help='muestra el cambio y las llamadas, sin escribir'
    )
    shared.add_argument('--yes', action='store_true', help='confirma cambios de alto impacto')
    shared.add_argument(
        '--plan-out',
        dest='plan_out',
        metavar='FICHERO',
        help='con --dry-run, guarda el plan del cambio en FICHERO (JSON, docs/plan.md) y su CSV al lado',
    )
    return parser


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
    ctx.action = action
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
        info = error_info(exc)
        ctx.log.event('error', info)
        outcome = Outcome('error', f'{action.name}: {info["message"]}', {'error': info})
    return outcome


def run_cli(action: Action, domain: DomainFunction | None, argv: list[str] | None = None) -> int:
    """The whole ``main()`` of an action: parse, merge CSV, validate, run, log, print the result object."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser(action).parse_args(argv)
    except UsageError as exc:
        refused = Reply('rejected', f'opción no válida: {exc} (vea python -m transformacion.{action.name} --help)', {})
        return emit(action.name, invocation_from(argv), refused)
    started = time.monotonic()
    load_runtime_env()
    cli_values = {p.name: getattr(args, p.name) for p in action.params}
    invocation = invocation_from(
        argv,
        dry_run=args.dry_run,
        csv=args.csv,
        row=args.row,
        match=args.match,
    )
    log = action_logger(action.name, log_dir=args.log_dir)
    ctx = Context(
        log=log,
        policy=RetryPolicy.from_env(),
        dry_run=args.dry_run,
        assume_yes=args.yes,
        interactive=sys.stdin is not None and sys.stdin.isatty() and sys.stderr.isatty(),
        org_id=org_id_from(args),
    )

    def read_licenses() -> list[Any]:
        with logging_to(log):
            return org_licenses(create_api(*connection_from(args), timeout=ctx.policy.timeout), ctx.org_id)

    def work() -> Reply:
        refuse_if_in_development(action)
        if args.plan_out and not args.dry_run:
            raise Rejected('--plan-out solo se usa con --dry-run: guarda el plan de la simulación')
        match = None
        if args.match:
            column, eq, value = args.match.partition('=')
            if not eq:
                raise Rejected(f'--match espera columna=valor, no {args.match!r}')
            match = (column.strip(), value.strip())
        raw, origins, warnings = apply_csv_arguments(
            action,
            cli_values,
            args.csv,
            row=args.row,
            match=match,
            sheet=args.sheet,
            column_map=args.column_map,
            licenses=lambda: read_licenses(),
        )
        for warning in warnings:
            print(f'aviso: {warning}', file=sys.stderr)
        params = _params_for_script(
            action,
            raw,
            origins,
            row_context(action, args.csv, row=args.row, match=match, sheet=args.sheet, column_map=args.column_map),
        )
        invocation['params'] = {p.name: params.get(p.name) for p in action.params}
        token, base_url = connection_from(args)
        invocation['base_url'] = base_url or DEFAULT_BASE_URL
        outcome = execute(
            action,
            domain,
            params,
            api_factory=lambda: create_api(token, base_url, timeout=ctx.policy.timeout),
            ctx=ctx,
        )
        reply = Reply(outcome.status, outcome.message, outcome.details)
        if args.plan_out:
            values = {p.csv_column: str(raw[p.name]) for p in action.params if raw.get(p.name) not in (None, '')}
            document = single_action_plan(
                action,
                status=outcome.status,
                message=outcome.message,
                details=outcome.details,
                params=params,
                values=values,
                row=(args.row or 1) if args.csv else 0,
                csv_path=args.csv,
                base_url=invocation['base_url'],
                org_id=ctx.org_id,
            )
            path = Path(args.plan_out).expanduser().resolve()
            write_files(document, path, path.with_suffix('.csv'), key_names({action.name: action}))
            reply.summary['plan_out'] = str(path)
        return reply

    reply = capture(action.name, work, log=log)
    reply.summary['changed'] = reply.status == 'executed' and bool(ctx.planned)
    return emit(action.name, invocation, reply, log=log, started=started)


def action_main(module_name: str) -> Callable[[list[str] | None], int]:
    """``main`` for an action module: its declaration and its domain function (named after the action)."""

    def main(argv: list[str] | None = None) -> int:
        module = sys.modules[module_name]
        action: Action = module.ACTION
        return run_cli(action, getattr(module, action.name, None), argv)

    return main
