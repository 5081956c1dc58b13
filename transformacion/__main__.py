"""``python -m transformacion``: the catalogue of actions (table, JSON or Markdown)."""

from __future__ import annotations

import argparse

from transformacion.core import argparse_es
from transformacion.core.catalog import actions, as_json, render_markdown, render_table


def main(argv: list[str] | None = None) -> int:
    argparse_es.install()
    parser = argparse.ArgumentParser(
        prog='python -m transformacion',
        description='Catálogo de acciones de transformacion: dominio, dataset, estado y parámetros. '
        'Cada acción se ejecuta con python -m transformacion.<acción> (use --help en cada una).',
    )
    parser.add_argument('--format', choices=('table', 'json', 'markdown'), default='table')
    args = parser.parse_args(argv)
    items = actions()
    print({'table': render_table, 'json': as_json, 'markdown': render_markdown}[args.format](items))
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
