"""Revert: ``python -m transformacion.revertir RUN_ID [--dry-run] [--yes]`` undoes what a finished or interrupted run
wrote, as a run of its own (checkpoint, ``--resume``, evidence, results, report), which can be reverted in turn.

The inverse is built from the run's checkpoint and evidence (``batch.revert``): settings go back to their value
before the run, entities the run created are deleted (people, workspaces) and the numbers it added removed, last
done first, each only if the org still holds what the run wrote (otherwise ``rejected`` / ``drift`` with both
values). What the API cannot undo (a location enabled for Webex Calling, a value that was empty before...) is listed
with the manual step in Control Hub, in the result object (``no_revertible``) and in
``<run folder>/no_revertible.json``.

Exit codes: those of the launcher (``transformacion.batch.options.EXIT_CODES``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from transformacion.batch.options import (
    EXIT_CODES,
    EXIT_HELP,
    NotStarted,
    OptionsParser,
    add_run_options,
    connection_from_args,
    settings_from_args,
)
from transformacion.core.catalog import load_catalog
from transformacion.core.cli import Reply, capture, command_parser, invocation_from
from transformacion.core.client import load_runtime_env

SCRIPT = 'revertir'

DESCRIPTION = """\
Deshace una ejecución terminada o interrumpida (también tras kill -9): RUN es su id (en --log-dir), su carpeta o
last. Cada ajuste que cambió vuelve a su valor anterior; cada persona y workspace que creó se elimina y cada número
que añadió se quita de su ubicación, en orden inverso. Un cambio se deshace solo si Webex conserva lo que la
ejecución escribió; si alguien lo cambió después, queda rejected (drift) con los dos valores, sin sobrescribirlo.
Una entidad que ya existía nunca se elimina: se le devuelven sus ajustes. Lo que la API no permite deshacer (una
ubicación con Webex Calling no se puede eliminar por API, un valor que estaba vacío...) se lista con el paso manual
en Control Hub (no_revertible en el objeto de resultado y en <carpeta>/no_revertible.json).

La reversión es una ejecución más: --dry-run la planifica sin escribir, --resume la continúa, deja resultados y
evidencia en su carpeta, y se puede revertir a su vez (vuelve a aplicar el cambio original). Actúa en la organización
de la ejecución, con el fichero de variables con el que se hizo si tuvo uno (--token y --base-url le ganan)."""


def _parser() -> argparse.ArgumentParser:
    parser = command_parser(SCRIPT, DESCRIPTION, EXIT_HELP, parser_class=OptionsParser)
    parser.add_argument('run', nargs='?', metavar='RUN', help='la ejecución a deshacer: su id, su carpeta o last')
    add_run_options(parser)
    return parser


def _manual_text(manual: list[dict[str, Any]]) -> str:
    lines = [f'No revertible por API ({len(manual)}): hágalo a mano en Control Hub:']
    lines += [f'  - {item["entity"]}: {item["what"]}. Paso manual: {item["step"]}' for item in manual]
    return '\n'.join(lines)


def _with_manual(reply: Reply, manual: list[dict[str, Any]]) -> Reply:
    """The revert's result object with the list of what the API cannot undo (``run_inverse`` saved it in the run
    folder); the report gives a revert's own next step for a drift (``report.REVERT_FAILURE_STEPS``)."""
    reply.result['no_revertible'] = manual
    reply.summary['no_revertible'] = len(manual)
    if manual:
        reply.text = '\n'.join(part for part in (reply.text, _manual_text(manual)) if part)
    return reply


@contextmanager
def _connection(args: argparse.Namespace, reference: str | None, stream: TextIO) -> Iterator[tuple[str, str | None]]:
    """(token, base URL) of the org the run ``reference`` acted in: with the variables file it was made with
    (``batch.orgs.run_env_file``; the command line still wins, as on the launcher), else as any run
    (``connection_from_args``). NotStarted when that file cannot be read any more."""
    from transformacion.batch.orgs import (
        chosen_org,
        org_connection,
        read_env_file,
        recorded,
        run_env_file,
        used_env_file,
    )

    env_file = run_env_file(reference, args.log_dir) if reference and not args.sandbox else None
    if env_file is None:
        with connection_from_args(args, stream) as connection:
            yield connection
        return
    values = read_env_file(env_file)
    print(used_env_file(env_file, values), file=stream)
    yield org_connection(args, values, chosen_org(args, values, recorded(reference, args.log_dir, 'org_id')))


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(argv)
    # the engine (HTTP client, SQLite) is imported only to run, never for --help
    from transformacion.batch import report
    from transformacion.batch.revert import MANUAL_FILE, NothingToRevert, build_inverse, run_inverse
    from transformacion.batch.run import Stop, continue_run, resolve_run
    from transformacion.domain.removal import inverse_catalog

    stream = sys.stderr
    load_runtime_env()
    stop = Stop(stream)

    def work() -> Reply:
        catalog = inverse_catalog(load_catalog())
        settings = settings_from_args(args)
        continued = args.resume or args.retry_failed
        try:
            with _connection(args, continued or args.run, stream) as connection:
                if continued:
                    done = continue_run(
                        continued,
                        settings,
                        connection,
                        retry_failed=bool(args.retry_failed),
                        log_dir=args.log_dir,
                        catalog=catalog,
                        stream=stream,
                        stop=stop,
                    )
                    saved = Path(done.run_dir) / MANUAL_FILE
                    manual = json.loads(saved.read_text('utf-8')) if saved.is_file() else []
                    return _with_manual(report.reply(done), manual)
                if not args.run:
                    raise NotStarted('indique la ejecución a deshacer (RUN: su id, su carpeta o last)')
                reverted = resolve_run(args.run, args.log_dir)
                try:
                    inverse, target = build_inverse(reverted)
                except NothingToRevert as exc:
                    raise NotStarted(str(exc)) from None
                manual = [item.as_dict() for item in inverse.manual]
                if not inverse.pairs:
                    text = _manual_text(manual) if manual else ''
                    result = {'reverted_run': str(reverted), 'no_revertible': manual}
                    message = f'la ejecución {reverted.name} no dejó nada que la API pueda deshacer'
                    return Reply('skipped', message, result, {'no_revertible': len(manual)}, text=text)
                done = run_inverse(
                    inverse,
                    target,
                    reverted,
                    settings,
                    connection,
                    catalog=catalog,
                    dry_run=args.dry_run,
                    log_dir=args.log_dir,
                    stream=stream,
                    stop=stop,
                )
                reply = report.reply(done)
                reply.result['reverted_run'] = str(reverted)
                return _with_manual(reply, manual)
        except NotStarted as exc:
            return report.not_started(str(exc))

    with stop.handling():
        reply = capture(SCRIPT, work)
    if reply.exit_code is None and reply.status == 'error':  # the command itself failed
        reply.exit_code = reply.summary['exit_code'] = EXIT_CODES['crashed']
    return report.emit_run(SCRIPT, invocation_from(argv), reply, json_out=args.json or not sys.stdout.isatty())


if __name__ == '__main__':
    raise SystemExit(main())
