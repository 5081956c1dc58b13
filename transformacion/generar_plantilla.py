"""An empty launcher input for the chosen actions, ready to fill in: ``python -m transformacion.generar_plantilla
--output DIR|FILE.xlsx [--actions a,b]``.

Each dataset of the chosen actions gets its columns (from the declarations: key columns first) and one example row
that the launcher's preflight accepts. The mandatory columns are marked: in a workbook, in bold with a comment on
the header cell, plus a ``LEEME`` sheet that describes every column (the launcher ignores that sheet); in a folder,
a ``LEEME.txt`` beside the CSVs (``;``, UTF-8 with BOM). Workbook columns are typed as text, so Excel keeps ``+34…``,
leading zeros and long numbers as written. Reads nothing and calls nothing.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from transformacion.core.catalog import ACTION_NAMES, actions
from transformacion.core.cli import Reply, capture, command_parser, emit, invocation_from
from transformacion.core.columns import README_SHEET
from transformacion.core.csvfiles import write_csv
from transformacion.core.outcome import Rejected
from transformacion.core.params import DATASETS, Action, Param
from transformacion.core.workbook import Sheet, is_workbook, write_workbook

SCRIPT = 'generar_plantilla'
README_FILE = 'LEEME.txt'

#: The example value of each column (the rest: from the column's type and choices). Names refer to each other
#: (a person's location is the example location), so that the example rows are one consistent batch.
EXAMPLES = {
    'ubicaciones': {
        'name': 'Sede Ejemplo',
        'time_zone': 'Europe/Madrid',
        'preferred_language': 'es_ES',
        'announcement_language': 'es_es',
        'address1': 'Calle Mayor 1',
        'address2': 'Planta 2',
        'city': 'Madrid',
        'state': 'Madrid',
        'postal_code': '28013',
        'country': 'ES',
        'pstn': 'TRK-MAD-01',
        'phone_numbers': '+34910000100-+34910000109',
        'number_state': 'ACTIVE',
        'main_number': '+34910000100',
        'caller_id_name': 'Sede Ejemplo',
        'routing_prefix': '8101',
        'outside_dial_digit': '0',
        'unknown_extension_route': 'RG-ESPANA',
        'outgoing_permissions': 'INTERNATIONAL:BLOCK, PREMIUM_SERVICES_I:BLOCK',
        'enable_calling': 'si',
    },
    'usuarios': {
        'email': 'nombre.apellido@example.com',
        'first_name': 'Nombre',
        'last_name': 'Apellido Apellido',
        'display_name': 'Nombre Apellido',
        'location': 'Sede Ejemplo',
        'extension': '1101',
        'phone_number': '+34910000101',
        'calling_license': 'Webex Calling - Professional',
        'add_licenses': 'Meeting - Webex Meetings',
        'forward_no_answer': '1102',
        'forward_no_answer_rings': '4',
        'push_to_talk_connection_type': 'TWO_WAY',
        'push_to_talk_auto_answer': 'si',
        'outgoing_permissions': 'INTERNATIONAL:BLOCK',
        'intercom_number': '+34910000103',
    },
    'workspaces': {
        'name': 'Sala Ejemplo',
        'location': 'Sede Ejemplo',
        'extension': '2101',
        'phone_number': '+34910000102',
        'license': 'Webex Calling - Workspaces',
        'supported_devices': 'phones',
        'forward_no_answer': '1101',
        'forward_no_answer_rings': '4',
        'push_to_talk_connection_type': 'TWO_WAY',
        'push_to_talk_auto_answer': 'si',
        'push_to_talk_members': 'nombre.apellido@example.com',
        'outgoing_permissions': 'INTERNATIONAL:BLOCK',
        'intercom_number': '+34910000104',
    },
}
#: An example for a column without one in ``EXAMPLES``, by its type's name (empty: the column is left empty).
TYPE_EXAMPLES = {
    'e164': '+34910000199',
    'extension': '1199',
    'email': 'otra.persona@example.com',
}

DESCRIPTION = """\
Escribe una entrada vacía del launcher para las acciones elegidas (--actions; por defecto todas las ready): una
carpeta de CSV (separados por ';', UTF-8 con BOM) o, si --output termina en .xlsx, un libro de Excel con una hoja
por dataset. Cada dataset lleva sus columnas (las de las declaraciones, primero las clave) y una fila de ejemplo que
el preflight acepta; sustitúyala por las suyas. Las columnas obligatorias van marcadas: en el libro, en negrita y con
un comentario en la cabecera, y la hoja LEEME describe cada columna; en la carpeta, LEEME.txt. No lee ni llama a
nada. Valídela con: python -m transformacion.inspeccionar_parametros --input_dir SALIDA"""


@dataclass(frozen=True)
class TemplateColumn:
    """One column of a template dataset: its name, whether the chosen actions require it, which do, the
    declaration that describes it and its example."""

    name: str
    mandatory: bool
    required_by: tuple[str, ...]
    used_by: tuple[str, ...]
    param: Param
    example: str

    def description(self) -> str:
        """What the operator reads about the column (the header comment and the LEEME line)."""
        if self.param.key and self.mandatory:
            need = 'obligatoria (clave: identifica la fila)'
        else:
            need = f'obligatoria ({", ".join(self.required_by)})' if self.mandatory else 'opcional'
        parts = [need, self.param.help, f'tipo: {self.param.type.doc}']
        if self.param.choices:
            parts.append(f'valores: {", ".join(self.param.choices)}')
        if self.param.default is not None:
            parts.append(f'por defecto: {self.param.default}')
        parts.append(f'acciones: {", ".join(self.used_by)}')
        if self.example:
            parts.append(f'ejemplo: {self.example}')
        return '; '.join(part for part in parts if part)


def _example(dataset: str, param: Param) -> str:
    if param.csv_column in EXAMPLES.get(dataset, {}):
        return EXAMPLES[dataset][param.csv_column]
    if param.choices:
        return str(param.default if param.default is not None else param.choices[0])
    example = TYPE_EXAMPLES.get(param.type.name, '')
    return example or ('ejemplo' if param.required and param.default is None else '')


def template_columns(chosen: list[Action]) -> dict[str, list[TemplateColumn]]:
    """The columns of each dataset of ``chosen`` (key columns first, then in declaration order), with whether they
    are mandatory (a key, or required without default by one of ``chosen``) and their example."""
    tables: dict[str, list[TemplateColumn]] = {}
    for dataset in DATASETS:
        own = [action for action in chosen if action.domain == dataset]
        if not own:
            continue
        params: dict[str, Param] = {}
        for action in own:
            for param in action.key_params:
                params.setdefault(param.csv_column, param)
        for action in own:
            for param in action.params:
                params.setdefault(param.csv_column, param)
        columns = []
        for name, param in params.items():
            required_by = tuple(
                a.name
                for a in own
                if any(p.csv_column == name and (p.key or (p.required and p.default is None)) for p in a.params)
            )
            used_by = tuple(a.name for a in own if any(p.csv_column == name for p in a.params))
            keyed = any(p.csv_column == name and p.key and p.required for a in own for p in a.params)
            columns.append(
                TemplateColumn(name, bool(required_by) or keyed, required_by, used_by, param, _example(dataset, param))
            )
        tables[dataset] = columns
    return tables


def _chosen(selection: str | None) -> list[Action]:
    every = actions()
    if not selection:
        return [action for action in every if action.ready]
    names = [name.strip() for name in selection.split(',') if name.strip()]
    unknown = [name for name in names if name not in ACTION_NAMES]
    if unknown or not names:
        raise Rejected(
            f'acciones desconocidas: {", ".join(unknown) or "(ninguna)"}; acciones: {", ".join(ACTION_NAMES)}'
        )
    return [action for action in every if action.name in names]


def _readme(tables: dict[str, list[TemplateColumn]]) -> list[list[str]]:
    """The LEEME rows: dataset, column, mandatory, actions, description."""
    return [
        [
            DATASETS[dataset],
            column.name,
            'sí' if column.mandatory else 'no',
            ', '.join(column.used_by),
            column.description(),
        ]
        for dataset, columns in tables.items()
        for column in columns
    ]


README_INTRO = """\
Plantilla de entrada del launcher (python -m transformacion.launcher_csv_dependencias --input_dir ESTA_CARPETA).
Cada fichero es un dataset: una fila por ubicación, persona o workspace. La primera fila es un ejemplo: sustitúyala
por las suyas. Columnas obligatorias: marcadas abajo (y en negrita en el libro de Excel). Una columna vacía no se
aplica. global.csv (opcional, una fila) da valores comunes a todas las filas (gana la fila).
Valide antes de lanzar: python -m transformacion.inspeccionar_parametros --input_dir ESTA_CARPETA
"""


def generate(output: Path, selection: str | None, force: bool) -> Reply:
    """Write the template for ``selection`` (comma-separated actions; every ready one when empty) to ``output`` (a
    folder, or a workbook when it ends in .xlsx). Rejected for an unknown action or files in the way (without
    ``force``)."""
    chosen = _chosen(selection)
    tables = template_columns(chosen)
    workbook = is_workbook(output)
    files = [output] if workbook else [output / DATASETS[d] for d in tables] + [output / README_FILE]
    existing = [str(path) for path in files if path.exists()]
    if existing and not force:
        raise Rejected(f'ya existen {", ".join(existing)}; use --force para sobrescribirlos u otra salida')
    readme = _readme(tables)
    if workbook:
        sheets = [
            Sheet(
                dataset,
                [c.name for c in columns],
                [[c.example for c in columns]],
                comments={c.name: c.description() for c in columns},
                marked={c.name for c in columns if c.mandatory},
            )
            for dataset, columns in tables.items()
        ]
        sheets.append(Sheet(README_SHEET, ['fichero', 'columna', 'obligatoria', 'acciones', 'descripción'], readme))
        write_workbook(output, sheets)
    else:
        for dataset, columns in tables.items():
            write_csv(
                output / DATASETS[dataset], [c.name for c in columns], [[c.example for c in columns]], protect=False
            )
        lines = [README_INTRO]
        for dataset, columns in tables.items():
            lines.append(f'\n{DATASETS[dataset]}')
            lines += [f'  {"*" if c.mandatory else " "} {c.name}: {c.description()}' for c in columns]
        lines.append('\n* = obligatoria para las acciones que se indican.')
        (output / README_FILE).write_text('\n'.join(lines) + '\n', encoding='utf-8-sig')
    result = {
        'output': str(output),
        'files': [str(path) for path in files],
        'actions': [action.name for action in chosen],
        'columns': {DATASETS[d]: [c.name for c in columns] for d, columns in tables.items()},
        'mandatory': {DATASETS[d]: [c.name for c in columns if c.mandatory] for d, columns in tables.items()},
    }
    what = 'libro' if workbook else 'carpeta'
    return Reply('executed', f'plantilla ({what}) en {output}: {", ".join(result["columns"])}', result)


def _parser() -> argparse.ArgumentParser:
    parser = command_parser(
        SCRIPT, DESCRIPTION, '0 escrita, 2 rechazada (acción desconocida o ficheros que ya existen).'
    )
    parser.add_argument('--output', required=True, help='carpeta de salida, o un libro de Excel si termina en .xlsx')
    parser.add_argument('--actions', help='acciones separadas por comas (por defecto: todas las ready)')
    parser.add_argument('--force', action='store_true', help='sobrescribe los ficheros que ya existan')
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(argv)
    started = time.monotonic()
    invocation: dict[str, Any] = invocation_from(argv, output=args.output, actions=args.actions)
    reply = capture(SCRIPT, lambda: generate(Path(args.output), args.actions, args.force))
    return emit(SCRIPT, invocation, reply, started=started)


if __name__ == '__main__':
    raise SystemExit(main())
