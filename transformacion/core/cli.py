"""The command line of an action: argparse derived from the declaration plus the shared options, the run of a
domain function turned into an Outcome, and the result object printed on stdout."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any

from transformacion.core.arguments import _params_for_script, apply_csv_arguments
from transformacion.core.client import create_api, get_token, load_runtime_env
from transformacion.core.context import Context
from transformacion.core.evidence import action_logger, logging_to
from transformacion.core.outcome import EXIT_CODES, Outcome, Rejected, result_object
from transformacion.core.params import Action, describe_rules
from transformacion.core.retry import RetryPolicy, describe_error
from transformacion.core.secrets import mask_argv, mask_text, register_secret, sanitise


def build_parser(action: Action, description: str = '') -> argparse.ArgumentParser:
    """argparse options derived from the declaration, plus the options every action shares."""
    lines = [f'{action.summary}', '', f'Dataset: {action.dataset}. Estado: {action.status}.']
    if action.high_impact:
        lines.append('Alto impacto: pide --yes (o confirmación en terminal).')
    lines += ['Reglas entre parámetros:', *(f'  - {rule}' for rule in describe_rules(action))] if action.rules else []
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
    cli_values = {p.name: getattr(args, p.name) for p in action.params}
    if args.token:
        register_secret(args.token)
    invocation: dict[str, Any] = {
        'argv': mask_argv(argv, {'--token'}),
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
        invocation['params'] = {p.name: params.get(p.name) for p in action.params}
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
