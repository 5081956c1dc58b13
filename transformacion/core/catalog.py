"""The product's action catalogue: every planned action, its domain, dataset, status and parameters.

Rendered by ``python -m transformacion`` and into the README (a test keeps the README in sync).
"""

from __future__ import annotations

import importlib
import json
from types import ModuleType

from transformacion.core.params import Action, describe_rules

ACTION_NAMES = (
    'alta_ubicacion',
    'configurar_pstn_ubicacion',
    'anadir_numeraciones_ubicacion',
    'configurar_cabecera_ubicacion',
    'configurar_internas_ubicacion',
    'configurar_permisos_salientes_ubicacion',
    'alta_usuario',
    'asignar_licencias_usuario',
    'configurar_intercom_usuario',
    'configurar_desvio_usuario',
    'configurar_permisos_salientes_usuario',
    'alta_workspace',
    'precheck_workspace',
    'configurar_intercom_workspace',
    'configurar_desvio_workspace',
    'configurar_permisos_salientes_workspace',
)


def action_module(name: str) -> ModuleType:
    if name not in ACTION_NAMES:
        raise KeyError(f'acción desconocida: {name}; acciones: {", ".join(ACTION_NAMES)}')
    return importlib.import_module(f'transformacion.{name}')


def actions() -> list[Action]:
    return [action_module(name).ACTION for name in ACTION_NAMES]


def _param_summary(action: Action) -> str:
    return ', '.join(f'{p.name}{"*" if p.required else ""}' for p in action.params)


def render_table(items: list[Action]) -> str:
    rows = [('acción', 'dominio', 'dataset', 'estado', 'parámetros (* obligatorio)')]
    rows += [(a.name, a.domain, a.dataset, a.status, _param_summary(a)) for a in items]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    return '\n'.join('  '.join(cell.ljust(widths[i]) if i < 4 else cell for i, cell in enumerate(row)) for row in rows)


def render_markdown(items: list[Action]) -> str:
    lines = [
        '| acción | dataset | estado | alto impacto | parámetros obligatorios | opcionales |',
        '| --- | --- | --- | --- | --- | --- |',
    ]
    for a in items:
        required = ', '.join(f'`{p.csv_column}`' for p in a.params if p.required) or '-'
        optional = ', '.join(f'`{p.csv_column}`' for p in a.params if not p.required) or '-'
        lines.append(
            f'| `{a.name}` | {a.dataset} | {a.status} | {"sí" if a.high_impact else "no"} | {required} | {optional} |'
        )
    return '\n'.join(lines)


def as_json(items: list[Action]) -> str:
    return json.dumps(
        [
            {
                'name': a.name,
                'domain': a.domain,
                'dataset': a.dataset,
                'status': a.status,
                'summary': a.summary,
                'high_impact': a.high_impact,
                'depends_on': list(a.depends_on),
                'rules': describe_rules(a),
                'params': [
                    {
                        'name': p.name,
                        'type': p.type.name,
                        'required': p.required,
                        'csv_column': p.csv_column,
                        'choices': list(p.choices),
                        'default': p.default,
                        'depends_on': p.depends_on,
                        'help': p.help,
                    }
                    for p in a.params
                ],
            }
            for a in items
        ],
        ensure_ascii=False,
        indent=2,
    )
