"""``python -m transformacion.panel [--port N] [--input-root DIR] [--sandbox]``: serve the control panel on
127.0.0.1 and print ``PANEL_URL=http://127.0.0.1:PORT/?token=...`` first on stdout (``--port 0``: a free port).

Without ``--sandbox`` a folder with its own variables file (``<folder>/.env``) or whose global names its org, and a
run started with a variables file, act where the launcher would act for them (``transformacion.panel.orgs``), the
panel's own ``--token`` / ``--base-url`` / ``--org-id`` winning as on the command line.

Binding to another address needs ``--allow-remote`` and prints a warning: the panel drives real changes in an
organisation. Ctrl-C stops it (a run in progress stops cleanly first: its pairs in flight finish, its results are
written and it can be resumed from the panel or the CLI). Scheduled runs: ``--schedule-zone`` (the zone of the times
typed and shown) and ``--schedule-grace-minutes`` (how late one may start), see ``transformacion.panel.schedule``.
"""

from __future__ import annotations

import argparse
import socket
import sys
from contextlib import ExitStack
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from transformacion.batch.target import LOOPBACK
from transformacion.core import argparse_es
from transformacion.core.cli import add_connection_options

DEFAULT_PORT = 8780


def _parser() -> argparse.ArgumentParser:
    argparse_es.install()
    parser = argparse.ArgumentParser(
        prog='python -m transformacion.panel',
        description='Panel de control local: cargar, validar, planificar, ejecutar, historial y programación, '
        'sobre el mismo motor que el lanzador.',
    )
    parser.add_argument('--port', type=int, default=DEFAULT_PORT, help=f'puerto (por defecto {DEFAULT_PORT}; 0: libre)')
    parser.add_argument('--host', default='127.0.0.1', help='dirección de escucha (por defecto 127.0.0.1)')
    parser.add_argument(
        '--allow-remote',
        dest='allow_remote',
        action='store_true',
        help='permite escuchar en una dirección que no es de loopback (otros equipos podrían llegar al panel)',
    )
    parser.add_argument(
        '--input-root',
        dest='input_root',
        default='.',
        help='carpeta raíz de las entradas: el panel solo lee carpetas bajo ella (por defecto la actual)',
    )
    parser.add_argument('--max-upload-mb', dest='max_upload_mb', type=int, default=10, help='límite de subida (MiB)')
    parser.add_argument(
        '--sandbox', action='store_true', help='arranca el sandbox local (org de demostración) y ejecuta contra él'
    )
    parser.add_argument(
        '--schedule-zone',
        dest='schedule_zone',
        default=None,
        help='zona horaria IANA de las horas programadas que se escriben sin desfase y de las que se muestran '
        '(por defecto la del equipo)',
    )
    parser.add_argument(
        '--schedule-grace-minutes',
        dest='schedule_grace_minutes',
        type=int,
        default=15,
        help='minutos que una ejecución programada puede empezar tarde (panel parado a su hora, otra ejecución en '
        'curso); pasados, queda fallida y no se lanza (por defecto 15)',
    )
    add_connection_options(parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.host not in LOOPBACK and not args.allow_remote:
        print(f'el panel solo escucha en loopback; para {args.host} añada --allow-remote', file=sys.stderr)
        return 4
    root = Path(args.input_root).expanduser()
    if not root.is_dir():
        print(f'no existe la carpeta --input-root {root}', file=sys.stderr)
        return 4
    if args.schedule_grace_minutes < 1:
        print('--schedule-grace-minutes debe ser 1 o más', file=sys.stderr)
        return 4
    import uvicorn

    from transformacion.batch.options import NotStarted
    from transformacion.core.cli import connection_from, org_id_from
    from transformacion.core.client import load_runtime_env
    from transformacion.core.evidence import log_dir_from
    from transformacion.core.outcome import Rejected
    from transformacion.panel.app import Panel, create_app
    from transformacion.panel.lock import PanelRunning, claim, release
    from transformacion.panel.schedule import local_zone
    from transformacion.panel.security import new_token

    zone = args.schedule_zone or local_zone()
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        print(f'zona horaria desconocida en --schedule-zone: {zone} (p. ej. Europe/Madrid)', file=sys.stderr)
        return 4
    load_runtime_env()
    with ExitStack() as stack:
        if args.sandbox:
            from transformacion.sandbox import running_sandbox

            sandbox = stack.enter_context(running_sandbox())
            print(f'sandbox local en {sandbox.base_url}', file=sys.stderr)

            def connection() -> tuple[str, str | None]:
                return sandbox.token, sandbox.base_url
        else:

            def connection() -> tuple[str, str | None]:
                try:
                    return connection_from(args)
                except Rejected as exc:
                    raise NotStarted(exc.message) from None

        family = socket.AF_INET6 if ':' in args.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((args.host, args.port))
        sock.listen(128)  # connections made right after PANEL_URL is printed wait until uvicorn accepts them
        port = sock.getsockname()[1]
        stack.callback(sock.close)
        shown = f'[{args.host}]' if family == socket.AF_INET6 else args.host
        log_dir = log_dir_from(args.log_dir).resolve()
        try:
            lock = claim(log_dir / 'panel', f'http://{shown}:{port}/')
        except PanelRunning as exc:
            print(exc, file=sys.stderr)
            return 4
        stack.callback(release, lock)
        panel = Panel(
            input_root=root.resolve(),
            log_dir=log_dir,
            token=new_token(),
            connection=connection,
            host=args.host,
            port=port,
            sandbox=args.sandbox,
            org_id=None if args.sandbox else org_id_from(args),
            options=None if args.sandbox else args,
            max_upload=args.max_upload_mb * 1024 * 1024,
            zone=zone,
            schedule_grace=args.schedule_grace_minutes * 60,
        )
        print(f'PANEL_URL=http://{shown}:{port}/?token={panel.token}', flush=True)
        if args.host not in LOOPBACK:
            print(
                f'AVISO: el panel escucha en {args.host}: cualquiera que alcance esa dirección y tenga el token '
                'puede ejecutar cambios en la organización',
                file=sys.stderr,
            )
        server = uvicorn.Server(uvicorn.Config(create_app(panel, lock), log_level='warning', lifespan='on'))
        server.run(sockets=[sock])
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
